// `npm start`: a Node-RED with this package and its example flows, fed by simulated cameras
// (the package's own `lpr-sim`) through an embedded MQTT broker (aedes), or through your broker
// when LPR_BROKER_URL is set.
// State lives in .demo/ (git-ignored). Ctrl-C stops everything.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const userDir = path.join(root, '.demo');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

function portFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const server = net.createServer().once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

async function choosePort(preferred) {
  if (await portFree(preferred)) return preferred;
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startEmbeddedBroker() {
  const { Aedes } = await import('aedes');
  const aedes = await Aedes.createBroker();
  const port = await choosePort(Number(process.env.LPR_BROKER_PORT ?? 1883));
  const server = net.createServer(aedes.handle);
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `mqtt://127.0.0.1:${port}`,
    stop: () => new Promise((resolve) => server.close(() => aedes.close(resolve))),
  };
}

/** The example flows, with every lpr-broker pointed at the demo's broker. */
function demoFlows(brokerUrl) {
  const dir = path.join(root, 'examples/flows');
  const url = new URL(brokerUrl);
  const nodes = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    nodes.push(...JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
  }
  return pointBrokers(nodes, url);
}

function pointBrokers(nodes, url) {
  for (const node of nodes) {
    if (node.type !== 'lpr-broker') continue;
    node.broker = url.protocol === 'mqtt:' ? url.hostname : url.href;
    node.port = Number(url.port || 1883);
  }
  return nodes;
}

function prepareUserDir(brokerUrl) {
  mkdirSync(path.join(userDir, 'node_modules/@lprserver'), { recursive: true });
  const link = path.join(userDir, 'node_modules/@lprserver/node-red-lpr');
  // The same link `npm install <path>` makes: Node-RED loads the package as an installed module.
  rmSync(link, { force: true, recursive: true });
  symlinkSync(root, link, 'dir');
  writeFileSync(
    path.join(userDir, 'package.json'),
    JSON.stringify({ name: 'lpr-demo', private: true, dependencies: { [pkg.name]: `file:${root}` } }, null, 2),
  );
  writeFileSync(
    path.join(userDir, 'settings.js'),
    `module.exports = {
  flowFile: 'flows.json',
  credentialSecret: false,
  editorTheme: { tours: false, projects: { enabled: false } },
  logging: { console: { level: 'info', metrics: false, audit: false } },
};\n`,
  );
  const flowFile = path.join(userDir, 'flows.json');
  // Keep the user's edits between runs: add only example nodes not there yet, and re-point the
  // brokers, whose port may differ.
  const saved = existsSync(flowFile) ? JSON.parse(readFileSync(flowFile, 'utf8')) : [];
  const have = new Set(saved.map((n) => n.id));
  const flows = pointBrokers([...saved, ...demoFlows(brokerUrl).filter((n) => !have.has(n.id))], new URL(brokerUrl));
  writeFileSync(flowFile, JSON.stringify(flows, null, 2));
}

/**
 * Three cameras from lpr-sim. The example edge-camera flow is CAM001 itself, so the simulated ones
 * start at CAM002; some of their plates are on the example blacklist.
 */
function startSimulator(url) {
  const sim = spawn(
    process.execPath,
    [path.join(root, 'dist/bin/lpr-sim.js'), '--url', url, '--cameras', '3', '--first', '2', '--rate', '0.3', '--health-interval', '10', '--blacklisted', 'ABC1234,กข1234', '--blacklist-ratio', '0.1', '--control', 'random', '--quiet'],
    // Its own process group: Ctrl-C reaches it once, from stop(), after which it drains and exits.
    { stdio: ['ignore', 'ignore', 'inherit'], detached: true },
  );
  return () =>
    new Promise((resolve) => {
      if (sim.exitCode !== null) return resolve();
      sim.once('exit', () => resolve());
      sim.kill('SIGINT');
    });
}

async function main() {
  if (!existsSync(path.join(root, 'dist/lpr-broker.js'))) {
    console.error('dist/ is missing: run `npm run build` first (npm start does it for you).');
    process.exit(1);
  }
  const external = process.env.LPR_BROKER_URL;
  const broker = external ? { url: external, stop: async () => {} } : await startEmbeddedBroker();
  prepareUserDir(broker.url);
  const uiPort = await choosePort(Number(process.env.LPR_PORT ?? 1880));
  const red = spawn(process.execPath, [path.join(root, 'node_modules/node-red/red.js'), '--userDir', userDir, '--port', String(uiPort)], {
    stdio: 'inherit',
  });
  const stopCameras = process.env.LPR_DEMO_CAMERAS === '0' ? async () => {} : startSimulator(broker.url);
  console.log(`\nLPR demo\n  editor:  http://127.0.0.1:${uiPort}/\n  broker:  ${broker.url}${external ? '' : ' (embedded aedes)'}\n  state:   ${userDir}\nCtrl-C to stop.\n`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping the demo…');
    await stopCameras();
    red.kill('SIGINT');
    await new Promise((resolve) => (red.exitCode !== null ? resolve() : red.once('exit', resolve)));
    await broker.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  red.on('exit', (code) => {
    if (!stopping) {
      console.error(`Node-RED exited (${code})`);
      stopCameras().then(() => broker.stop()).then(() => process.exit(code ?? 1));
    }
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
