/**
 * The node files share one runtime module: the dist/lpr-*.js that Node-RED loads are thin entries
 * requiring the same module, so state the nodes share (broker connections, latency histograms,
 * camera health) lives in a plain module-level Map, with nothing hung on `globalThis`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { waitUntil } from '../fixtures/wait';
import { brokerConfig, brokerNode, collect, detectionInNode, helper, useHelperServer } from './harness';

const ROOT = path.resolve(__dirname, '../..');
const DIST = path.join(ROOT, 'dist');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const nodeFiles = Object.values(pkg['node-red'].nodes as Record<string, string>).map((f) => path.join(ROOT, f));

/** The old registry's key: it must no longer be on globalThis. */
const OLD_KEY = Symbol.for('@lprserver/node-red-lpr/registry');
/** Own keys of globalThis that mention the package (any registry hung there under another name). */
const lprGlobals = () => Reflect.ownKeys(globalThis).filter((k) => /lpr/i.test(String(k)));

describe('one shared runtime for every node file', function () {
  let mosquitto: Mosquitto;
  before(async () => {
    mosquitto = await startMosquitto();
  });
  after(async () => {
    await mosquitto?.stop();
  });
  useHelperServer();

  it('every node file Node-RED loads requires the same module, once', function () {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    for (const file of nodeFiles) require(file);
    const shared = nodeFiles.map((file) => {
      const mod = require.cache[file];
      assert.ok(mod, `${file} is loaded`);
      const ours = mod.children.filter((c) => c.filename.startsWith(DIST + path.sep));
      assert.equal(ours.length, 1, `${path.basename(file)} requires one module of dist/, got ${ours.map((c) => c.filename).join(', ') || 'none'}`);
      return ours[0]!;
    });
    for (const mod of shared) assert.equal(mod, shared[0], `${mod.filename} is the one shared module instance`);
    // And each entry is that module's export for its type, not a copy of the code.
    for (const [type, file] of Object.entries(pkg['node-red'].nodes as Record<string, string>)) {
      assert.equal(typeof require.cache[path.join(ROOT, file)]!.exports, 'function', `${type} exports its register function`);
    }
  });

  it('a system monitor sees a broker it does not use (through the runtime alone), with no registry on globalThis', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const systemMonitorNode = require('../../dist/lpr-system-monitor.js');
    await helper.load(
      [brokerNode, detectionInNode, systemMonitorNode],
      [
        brokerConfig(mosquitto, { id: 'watched', name: 'watched broker', birth: false }),
        brokerConfig(mosquitto, { id: 'own', name: 'the monitor broker', birth: false }),
        // A broker connects once a node uses it.
        { id: 'in', type: 'lpr-detection-in', broker: 'watched', camera: '', sharedGroup: '', ack: false, dedupe: 0, dedupeSize: 1000, split: false, maxBytes: 262144, wires: [[]] },
        { id: 'mon', type: 'lpr-system-monitor', name: '', broker: 'own', interval: 0, publish: false, prometheus: false, path: '/lpr/metrics', control: false, wires: [['out']] },
        { id: 'out', type: 'helper' },
      ],
    );
    const watched = helper.getNode('watched') as any;
    await waitUntil(() => watched.connection.state === 'connected', 'the broker connected');
    const out = collect('out');
    (helper.getNode('mon') as any).receive({ action: 'report' });
    await waitUntil(() => out.length === 1, 'a snapshot');
    const entry = out[0].payload.brokers.find((b: any) => b.id === 'watched');
    assert.ok(entry, 'the monitor reports the broker');
    assert.equal(entry.name, 'watched broker');
    assert.equal(entry.state, 'connected');

    assert.ok(!(OLD_KEY in globalThis), 'no registry under the old globalThis key');
    assert.deepEqual(lprGlobals().map(String), [], 'nothing of the package on globalThis');
  });
});
