/**
 * The demo dashboard's camera table (examples/flows/demo-dashboard.json, "camera states") under a
 * flood of cameras: it used to send the whole sorted table on every state change, which Node-RED
 * clones, so the work grew with the square of the cameras (20,000 ids hung the demo). It must send
 * a bounded table at a bounded rate. Runs the example's own function node (Node-RED core).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sleep, waitUntil } from './fixtures/wait';
import { ROOT } from './fixtures/node-red-host';
import { collect, helper, useHelperServer } from './nodes/harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const functionNode = require('@node-red/nodes/core/function/10-function.js');

const demo = JSON.parse(readFileSync(path.join(ROOT, 'examples/flows/demo-dashboard.json'), 'utf8')) as Array<Record<string, any>>;
const tableFunction = demo.find((n) => n.id === 'lpr-dash-fn-health')!;

const transition = (camera: string, status: string) => ({
  topic: camera,
  payload: { camera_id: camera, status, previous: 'unknown', reasons: status === 'healthy' ? [] : ['test'], since: new Date().toISOString() },
});

describe('examples demo-dashboard: camera table', function () {
  useHelperServer();

  it('sends at most a bounded table a second, not the whole table per change (5,000 cameras)', async function () {
    this.timeout(30_000);
    const { z: _z, x: _x, y: _y, ...def } = tableFunction;
    await helper.load(functionNode, [{ ...def, wires: [['out']] }, { id: 'out', type: 'helper' }]);
    const out = collect('out');
    const fn = helper.getNode('lpr-dash-fn-health');
    for (let i = 0; i < 5000; i++) fn.receive(transition(`CAM${String(i).padStart(5, '0')}`, i % 1000 === 7 ? 'offline' : 'healthy'));
    await sleep(1500);
    assert.ok(out.length >= 1 && out.length <= 3, `${out.length} table messages for 5,000 changes`);
    // JSON round trip: the function node's arrays come from its own VM context.
    const last = JSON.parse(JSON.stringify(out[out.length - 1].payload)) as Array<Record<string, string>>;
    assert.ok(last.length <= 200, `${last.length} rows`);
    // Cameras not healthy first, so a problem is never cut off.
    assert.deepEqual(
      last.slice(0, 5).map((r) => [r.camera, r.status]),
      ['CAM00007', 'CAM01007', 'CAM02007', 'CAM03007', 'CAM04007'].map((c) => [c, 'offline']),
    );

    // A summary replaces the rows; a quiet table sends nothing more.
    const before = out.length;
    fn.receive({ topic: 'summary', payload: { cameras: [transition('ONLY1', 'warning').payload] } });
    await waitUntil(() => out.length > before, 'the table after the summary');
    assert.deepEqual(JSON.parse(JSON.stringify(out[out.length - 1].payload.map((r: any) => r.camera))), ['ONLY1']);
    const settled = out.length;
    await sleep(1300);
    assert.ok(out.length <= settled + 1);
  });
});
