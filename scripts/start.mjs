// `npm start`: a Node-RED with this package, its example flows and the LPR dashboard, fed by
// simulated cameras (the package's own `lpr-sim`) through an embedded MQTT broker (aedes), or
// through your broker when LPR_BROKER_URL is set. Ctrl-C stops everything.
//
// Environment:
//   LPR_BROKER_URL    use this broker instead of the embedded one: mqtt://host:1883, with a login
//                     mqtt://user:password@host:1883 (given to every lpr-broker and to lpr-sim)
//   LPR_PORT          Node-RED port: default 1880 (a free one if 1880 is taken); 0 = any free port
//   LPR_BROKER_PORT   embedded broker port: default 1883 (a free one if taken); 0 = any free port
//   LPR_HOST          address Node-RED listens on, default 127.0.0.1 (0.0.0.0 = every interface;
//                     the editor has no login, so only on a network you trust)
//   LPR_DEMO_DIR      state folder (user dir), default .demo/ in the project (git-ignored)
//   LPR_DEMO_CAMERAS  number of simulated cameras, default 3; 0 = none
//
// Once Node-RED serves the editor and the dashboard, a banner prints `editor:` and `dashboard:`
// URLs (tests parse them).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const userDir = path.resolve(process.env.LPR_DEMO_DIR || path.join(root, '.demo'));
const host = process.env.LPR_HOST || '127.0.0.1';
/** Where this machine reaches Node-RED: a wildcard address is reached on loopback. */
const localHost = ['0.0.0.0', '::', '[::]'].includes(host) ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

/** Example tabs that need a service the demo does not run (a mail server, PostgreSQL): deployed disabled. */
const OUTSIDE_SERVICE_TYPES = new Set(['e-mail', 'e-mail in', 'postgresql', 'postgres', 'postgresdb']);

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
}

/** A free loopback port (the OS picks it; it is free again when this returns). */
async function anyFreePort() {
  const server = net.createServer();
  const port = await listen(server, 0);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function portFree(port) {
  const server = net.createServer();
  try {
    await listen(server, port);
    await new Promise((resolve) => server.close(resolve));
    return true;
  } catch {
    return false;
  }
}

/** The port an env var asks for: unset = `preferred` or a free one; 0 = a free one; N = exactly N. */
async function choosePort(name, preferred) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return (await portFree(preferred)) ? preferred : anyFreePort();
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name} must be a port number (0 = any free port), got ${JSON.stringify(raw)}`);
  if (port === 0) return anyFreePort();
  if (!(await portFree(port))) throw new Error(`${name}: port ${port} is in use`);
  return port;
}

async function startEmbeddedBroker() {
  const { Aedes } = await import('aedes');
  const aedes = await Aedes.createBroker();
  const server = net.createServer(aedes.handle);
  const raw = process.env.LPR_BROKER_PORT;
  // Listening on port 0 directly: the OS picks the port, no race with another process.
  const port = raw === '0' ? 0 : await choosePort('LPR_BROKER_PORT', 1883);
  const bound = await listen(server, port);
  return {
    url: `mqtt://127.0.0.1:${bound}`,
    stop: () => new Promise((resolve) => server.close(() => aedes.close(resolve))),
  };
}

/** Every example flow, each node once (the first file wins an id). */
function exampleNodes() {
  const dir = path.join(root, 'examples/flows');
  const seen = new Set();
  const nodes = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    for (const node of JSON.parse(readFileSync(path.join(dir, file), 'utf8'))) {
      if (seen.has(node.id)) continue;
      seen.add(node.id);
      nodes.push(node);
    }
  }
  return nodes;
}

/** Tabs of examples needing a mail server or a database the demo does not have stay visible but disabled. */
function disableOutsideServiceTabs(nodes) {
  const tabs = new Set(nodes.filter((n) => OUTSIDE_SERVICE_TYPES.has(n.type) && n.z).map((n) => n.z));
  for (const node of nodes) {
    if (node.type === 'tab' && tabs.has(node.id)) {
      node.disabled = true;
      node.info = `${node.info ?? ''}\n\n(\`npm start\` deploys this tab disabled: it needs a service the demo does not run. Enable it in the tab's properties once you have set it up.)`.trim();
    }
  }
  return nodes;
}

/** The broker URL without its login, and the login (from `mqtt://user:password@host`), if any. */
function splitLogin(brokerUrl) {
  const url = new URL(brokerUrl);
  const login = url.username ? { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) } : null;
  url.username = '';
  url.password = '';
  return { url: url.href.replace(/\/$/, ''), login };
}

/** Points every lpr-broker at the demo's broker and the examples' http requests to this Node-RED. */
function pointAtDemo(nodes, brokerUrl, uiPort) {
  const url = new URL(brokerUrl);
  for (const node of nodes) {
    if (node.type === 'lpr-broker') {
      node.broker = url.protocol === 'mqtt:' ? url.hostname : url.href.replace(/\/$/, '');
      node.port = Number(url.port || 1883);
    } else if (node.type === 'http request' && typeof node.url === 'string') {
      node.url = node.url.replace(/^http:\/\/(127\.0\.0\.1|localhost):\d+\//, `http://127.0.0.1:${uiPort}/`);
    }
  }
  return nodes;
}

/** Writes the user dir: this package linked in, settings, and the flows (keeping the user's edits). */
function prepareUserDir(brokerUrl, login, uiPort) {
  mkdirSync(path.join(userDir, 'node_modules/@lprserver'), { recursive: true });
  const link = path.join(userDir, 'node_modules/@lprserver/node-red-lpr');
  // The same link `npm install <path>` makes: Node-RED loads the package as an installed module.
  // Other node modules (FlowFuse Dashboard 2, node-red-node-sqlite, ...) are found where Node-RED
  // itself is installed: it scans every node_modules folder above its own, i.e. the project's.
  rmSync(link, { force: true, recursive: true });
  symlinkSync(root, link, 'dir');
  writeFileSync(
    path.join(userDir, 'settings.js'),
    `module.exports = {
  flowFile: 'flows.json',
  credentialSecret: false,
  uiHost: ${JSON.stringify(host)},
  editorTheme: { tours: false, projects: { enabled: false } },
  // No update-check prompt (nor its calls to nodered.org) in a demo; the editor's User Settings can turn it on.
  telemetry: { enabled: false },
  logging: { console: { level: 'info', metrics: false, audit: false } },
};\n`,
  );
  const flowFile = path.join(userDir, 'flows.json');
  // Keep the user's edits between runs: add only example nodes not there yet, and re-point the
  // brokers and local URLs, whose ports may differ.
  const saved = existsSync(flowFile) ? JSON.parse(readFileSync(flowFile, 'utf8')) : [];
  const have = new Set(saved.map((n) => n.id));
  const added = disableOutsideServiceTabs(exampleNodes().filter((n) => !have.has(n.id)));
  const flows = pointAtDemo([...saved, ...added], brokerUrl, uiPort);
  writeFileSync(flowFile, JSON.stringify(flows, null, 2));
  writeUserPackage(linkFunctionModules(flows));
  if (login) writeBrokerLogins(flows, login);
  return flows;
}

/**
 * The login of LPR_BROKER_URL for every lpr-broker, in Node-RED's credentials file (plain JSON:
 * the settings have `credentialSecret: false`; the file stays in the git-ignored state folder).
 */
function writeBrokerLogins(flows, login) {
  const file = path.join(userDir, 'flows_cred.json');
  const creds = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  for (const node of flows) if (node.type === 'lpr-broker') creds[node.id] = { ...creds[node.id], ...login };
  writeFileSync(file, JSON.stringify(creds, null, 2), { mode: 0o600 });
}

/**
 * Modules that function nodes load (their Setup › Modules, e.g. `pg` in the PostgreSQL example):
 * Node-RED would `npm install` them into the user dir on deploy. Those the project has (as dev
 * dependencies) are linked instead, so the demo starts offline. Returns them as package.json deps.
 */
function linkFunctionModules(flows) {
  const deps = {};
  for (const node of flows) {
    for (const lib of Array.isArray(node.libs) ? node.libs : []) {
      const name = typeof lib?.module === 'string' ? lib.module.replace(/(.)@.*$/, '$1') : '';
      const source = path.join(root, 'node_modules', name);
      if (!name || name.startsWith('node:') || !existsSync(path.join(source, 'package.json'))) continue;
      const target = path.join(userDir, 'node_modules', name);
      if (!existsSync(target)) {
        mkdirSync(path.dirname(target), { recursive: true });
        rmSync(target, { force: true, recursive: true }); // a dangling link
        symlinkSync(source, target, 'dir');
      }
      deps[name] = JSON.parse(readFileSync(path.join(source, 'package.json'), 'utf8')).version;
    }
  }
  return deps;
}

/** The user dir's package.json: what is already there (modules installed from the palette) plus ours. */
function writeUserPackage(deps) {
  const file = path.join(userDir, 'package.json');
  const current = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const dependencies = { ...deps, ...current.dependencies, [pkg.name]: `file:${root}` };
  writeFileSync(file, JSON.stringify({ name: 'lpr-demo', private: true, ...current, dependencies }, null, 2));
}

/**
 * Simulated cameras from lpr-sim. The example edge-camera flow is CAM001 itself, so they start at
 * CAM002. One plate in ten is blacklisted; with the fixed seed the fifth detection (about 2 s
 * after start) already carries one, so the dashboard shows an alert within seconds. Same process
 * group as this script: Ctrl-C in a terminal reaches it directly.
 */
function startSimulator(url, login, cameras) {
  const sim = spawn(
    process.execPath,
    [
      path.join(root, 'dist/bin/lpr-sim.js'), '--url', url, '--cameras', String(cameras), '--first', '2', '--rate', '0.5',
      '--health-interval', '10', '--blacklisted', 'ABC1234,กข1234', '--blacklist-ratio', '0.1', '--seed', '0', '--control', 'random',
      '--drain', '2', '--quiet', ...(login ? ['--user', login.user, '--password', login.password] : []),
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return sim;
}

/** Resolves once `url` answers 200, or after `ms` (false). */
async function waitForHttp(url, ms, child) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

function exited(child) {
  return child.exitCode !== null || child.signalCode !== null;
}

function whenExited(child) {
  return new Promise((resolve) => (exited(child) ? resolve() : child.once('exit', () => resolve())));
}

async function main() {
  if (!existsSync(path.join(root, 'dist/lpr-broker.js'))) {
    console.error('dist/ is missing: run `npm run build` first (npm start does it for you).');
    process.exit(1);
  }
  const external = process.env.LPR_BROKER_URL ? splitLogin(process.env.LPR_BROKER_URL) : null;
  const cameras = process.env.LPR_DEMO_CAMERAS === undefined || process.env.LPR_DEMO_CAMERAS === '' ? 3 : Number(process.env.LPR_DEMO_CAMERAS);
  if (!Number.isInteger(cameras) || cameras < 0 || cameras > 100) throw new Error(`LPR_DEMO_CAMERAS must be 0-100, got ${JSON.stringify(process.env.LPR_DEMO_CAMERAS)}`);
  const broker = external ? { url: external.url, stop: async () => {} } : await startEmbeddedBroker();
  const uiPort = await choosePort('LPR_PORT', 1880);
  const flows = prepareUserDir(broker.url, external?.login ?? null, uiPort);
  const children = [];

  // cwd = the user dir, so relative paths in flows (an SQLite file, ...) land in the state folder.
  const red = spawn(process.execPath, [path.join(root, 'node_modules/node-red/red.js'), '--userDir', userDir, '--port', String(uiPort)], {
    cwd: userDir,
    // The webhook example posts to its own test receiver on this Node-RED unless told otherwise.
    env: { LPR_WEBHOOK_URL: `http://127.0.0.1:${uiPort}/lpr/webhook-test`, ...process.env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.push(red);

  let stopping = false;
  const stop = async (signal, code = 0) => {
    if (stopping) return;
    stopping = true;
    console.log(`\nstopping the demo (${signal})…`);
    const hardStop = setTimeout(() => {
      console.error('the demo did not stop in 15 s: killing what is left');
      for (const child of children) if (!exited(child)) child.kill('SIGKILL');
      process.exit(1);
    }, 15_000);
    // Ctrl-C in a terminal (or `timeout`, or `kill -- -<pgid>`) signals the whole process group:
    // the children stop by themselves (the simulator drains for up to 2 s). A second signal would
    // make lpr-sim skip its goodbye, so signal only those still running after a grace period.
    const grace = signal.startsWith('SIG') ? 3500 : 0;
    await Promise.race([Promise.all(children.map(whenExited)), new Promise((resolve) => setTimeout(resolve, grace))]);
    for (const child of children) if (!exited(child)) child.kill('SIGTERM');
    await Promise.all(children.map(whenExited));
    await broker.stop();
    clearTimeout(hardStop);
    process.exit(code);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => stop('SIGHUP'));
  // Never leave a child behind, whatever ends this process.
  process.on('exit', () => {
    for (const child of children) if (!exited(child)) child.kill('SIGKILL');
  });
  red.on('exit', (code) => {
    if (!stopping) {
      console.error(`Node-RED exited (${code})`);
      stop('Node-RED exited', code || 1);
    }
  });

  const editor = `http://${localHost}:${uiPort}/`;
  const base = flows.find((n) => n.type === 'ui-base');
  const dashboard = base ? `http://${localHost}:${uiPort}${base.path || '/dashboard'}` : null;
  // Dashboard 2 serves its pages once the flows have started.
  const ready = await waitForHttp(dashboard ?? editor, 120_000, red);
  if (stopping) return;
  if (!ready) console.error('Node-RED did not answer within 120 s; carrying on.');
  if (cameras > 0) children.push(startSimulator(broker.url, external?.login ?? null, cameras));
  console.log(
    [
      '',
      'LPR demo',
      `  editor:    ${editor}`,
      ...(dashboard ? [`  dashboard: ${dashboard}`] : []),
      `  broker:    ${broker.url}${external ? (external.login ? ` (as ${external.login.user})` : '') : ' (embedded aedes)'}`,
      `  cameras:   ${cameras > 0 ? `${cameras} simulated (lpr-sim, CAM002${cameras > 1 ? `-CAM${String(cameras + 1).padStart(3, '0')}` : ''})` : 'none'}`,
      `  state:     ${userDir}`,
      'Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
