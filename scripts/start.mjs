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
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { choosePort, startEmbeddedBroker } from './demo/ports.mjs';
import { prepareUserDir, splitLogin } from './demo/user-dir.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const userDir = path.resolve(process.env.LPR_DEMO_DIR || path.join(root, '.demo'));
const host = process.env.LPR_HOST || '127.0.0.1';
/** Where this machine reaches Node-RED: a wildcard address is reached on loopback. */
const localHost = ['0.0.0.0', '::', '[::]'].includes(host) ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

/**
 * Simulated cameras from lpr-sim, from CAM002 (the dashboard's camera list); the example edge-camera
 * flow is CAM000, which no lpr-sim run takes unless told to (`--first 0`). One plate in ten is
 * blacklisted; with the fixed seed the fifth detection (about 2 s after start) already carries one,
 * so the dashboard shows an alert within seconds. Same process group as this script: Ctrl-C in a
 * terminal reaches it directly.
 */
function startSimulator(url, login, cameras) {
  const sim = spawn(
    process.execPath,
    [
      path.join(root, 'dist/bin/lpr-sim.js'), '--url', url, '--cameras', String(cameras), '--first', '2', '--rate', '0.5',
      '--health-interval', '10', '--blacklisted', 'ABC1234,กข1234', '--blacklist-ratio', '0.1', '--seed', '0', '--control', 'random',
      '--drain', '2', '--images', '--quiet', ...(login ? ['--user', login.user, '--password', login.password] : []),
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
  const flows = prepareUserDir({ root, userDir, host, pkg }, broker.url, external?.login ?? null, uiPort);
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
