/**
 * Every example flow deploys on a real Node-RED 4.1 process: this package (linked, as `npm install <path>`
 * does) and FlowFuse Dashboard 2 (used by monitoring-dashboard.json) in a temporary userDir, all examples
 * POSTed together to the admin API. No MQTT broker is needed: the lpr-broker nodes just keep reconnecting.
 *
 * It loads dist/, so it runs after `npm run build` (the before hook builds when dist/ is missing).
 */
import assert from 'node:assert/strict';
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './fixtures/mosquitto';

const ROOT = path.resolve(__dirname, '..');
const FLOWS_DIR = path.join(ROOT, 'examples/flows');
const DASHBOARD = path.join(ROOT, 'node_modules/@flowfuse/node-red-dashboard');

interface FlowNode {
  id: string;
  type: string;
  [key: string]: unknown;
}

const examples = readdirSync(FLOWS_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({ file, nodes: JSON.parse(readFileSync(path.join(FLOWS_DIR, file), 'utf8')) as FlowNode[] }));

/** Types that are not node types in GET /nodes: flow tabs and subflow definitions. */
const NOT_NODE_TYPES = new Set(['tab', 'subflow', 'group', 'junction']);

describe('examples/flows deploy on Node-RED 4.1', function () {
  this.timeout(60_000);

  let userDir = '';
  let child: ChildProcess | undefined;
  let base = '';
  let log = '';

  before(async function () {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
    if (Object.values(pkg['node-red'].nodes).some((f) => !existsSync(path.join(ROOT, f)))) {
      execSync('node scripts/build.mjs', { cwd: ROOT, stdio: 'inherit' });
    }
    assert.ok(existsSync(path.join(DASHBOARD, 'package.json')), '@flowfuse/node-red-dashboard is not installed (npm install)');

    userDir = mkdtempSync(path.join(os.tmpdir(), 'lpr-examples-red-'));
    mkdirSync(path.join(userDir, 'node_modules/@lprserver'), { recursive: true });
    mkdirSync(path.join(userDir, 'node_modules/@flowfuse'), { recursive: true });
    symlinkSync(ROOT, path.join(userDir, 'node_modules/@lprserver/node-red-lpr'), 'dir');
    symlinkSync(DASHBOARD, path.join(userDir, 'node_modules/@flowfuse/node-red-dashboard'), 'dir');
    writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'examples', private: true }));
    writeFileSync(path.join(userDir, 'flows.json'), '[]');
    writeFileSync(
      path.join(userDir, 'settings.js'),
      "module.exports = { flowFile: 'flows.json', credentialSecret: false, logging: { console: { level: 'info' } }, editorTheme: { tours: false }, externalModules: { autoInstall: false, palette: { allowInstall: false } } };\n",
    );
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [require.resolve('node-red/red.js'), '--userDir', userDir, '--port', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (log += d));
    child.stderr!.on('data', (d) => (log += d));
    const deadline = Date.now() + 40_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`Node-RED exited:\n${log}`);
      try {
        if ((await fetch(`${base}/flows`)).ok && log.includes('Started flows')) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`Node-RED did not start in 40 s:\n${log}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  after(async function () {
    if (process.env.SHOW_NODE_RED_LOG) console.log(log);
    if (child && child.exitCode === null) {
      child.kill('SIGINT');
      await new Promise((r) => (child!.exitCode !== null ? r(null) : child!.once('exit', r)));
    }
    if (userDir) rmSync(userDir, { recursive: true, force: true });
  });

  it('has example flows with ids unique across all files', function () {
    assert.ok(examples.length > 0);
    const seen = new Map<string, string>();
    for (const { file, nodes } of examples) {
      for (const n of nodes) {
        assert.ok(!seen.has(n.id), `${file}: id ${n.id} also in ${seen.get(n.id)}`);
        seen.set(n.id, file);
      }
    }
  });

  it('GET /nodes lists every node type used by the examples', async function () {
    const res = await fetch(`${base}/nodes`, { headers: { accept: 'application/json' } });
    assert.equal(res.status, 200);
    const sets = (await res.json()) as Array<{ module: string; types: string[]; enabled: boolean; err?: string }>;
    const registered = new Set(sets.filter((s) => s.enabled && !s.err).flatMap((s) => s.types));
    for (const { file, nodes } of examples) {
      const missing = [...new Set(nodes.map((n) => n.type))].filter((t) => !NOT_NODE_TYPES.has(t) && !registered.has(t));
      assert.deepEqual(missing, [], `${file}: types not registered in Node-RED`);
    }
    const failed = sets.filter((s) => s.err && /lprserver|flowfuse/.test(s.module)).map((s) => `${s.module}: ${s.err}`);
    assert.deepEqual(failed, []);
  });

  it('deploys all examples together (full deploy) with no missing or unknown types', async function () {
    const all = examples.flatMap(({ nodes }) => nodes);
    const before = log.length;
    const res = await fetch(`${base}/flows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify(all),
    });
    assert.ok(res.status >= 200 && res.status < 300, `deploy answered ${res.status}: ${await res.text()}`);

    // Wait for the flows to (re)start, then look at what the runtime said about them.
    const deadline = Date.now() + 15_000;
    while (!log.slice(before).includes('Started flows')) {
      assert.ok(!log.slice(before).includes('Waiting for missing types'), `missing types:\n${log.slice(before)}`);
      assert.ok(Date.now() < deadline, `flows did not start after deploy:\n${log.slice(before)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const deployLog = log.slice(before);
    assert.doesNotMatch(deployLog, /Waiting for missing types/);
    assert.doesNotMatch(deployLog, /unknown type|Unknown type|\[error\].*(type|Cannot|TypeError)/i);

    const got = await fetch(`${base}/flows`, { headers: { 'Node-RED-API-Version': 'v2' } });
    assert.equal(got.status, 200);
    const body = (await got.json()) as { flows: FlowNode[] };
    const deployed = new Map(body.flows.map((n) => [n.id, n]));
    for (const n of all) {
      const d = deployed.get(n.id);
      assert.ok(d, `${n.id} not in GET /flows`);
      assert.equal(d.type, n.type, `${n.id}: deployed as ${d.type}`);
    }
    assert.ok(!body.flows.some((n) => n.type === 'unknown'), 'GET /flows has nodes of type unknown');
  });

  it('monitoring-dashboard: serves the dashboard and the Prometheus metrics', async function () {
    const dash = await fetch(`${base}/dashboard/lpr-monitoring`);
    assert.equal(dash.status, 200, 'dashboard page');
    const metrics = await fetch(`${base}/lpr/metrics`);
    assert.equal(metrics.status, 200, 'Prometheus endpoint');
    assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(await metrics.text(), /lpr_mqtt_messages_received_total\{broker="[^"]+"\}/);
  });
});
