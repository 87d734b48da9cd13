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

/**
 * Times on the demo dashboard: every table shows the site's clock (msg.lpr.site from the LPR
 * nodes, lpr-broker's time zone), not the server's local time or UTC; the charts draw a category
 * axis of site-clock labels, since ECharts' time axis uses the browser's zone.
 */
describe('examples demo-dashboard: one time zone, the site\'s', function () {
  useHelperServer();

  const node = (id: string) => demo.find((n) => n.id === id)!;
  async function run(id: string, msgs: Array<Record<string, unknown>>, outputs = 1) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const changeNode = require('@node-red/nodes/core/function/15-change.js');
    const { z: _z, x: _x, y: _y, ...def } = node(id);
    await helper.unload();
    await helper.load([functionNode, changeNode], [{ ...def, wires: Array.from({ length: outputs }, (_, i) => [`out${i}`]) }, ...Array.from({ length: outputs }, (_, i) => ({ id: `out${i}`, type: 'helper' }))]);
    const out = collect('out0');
    for (const m of msgs) helper.getNode(id).receive(m);
    await waitUntil(() => out.length >= 1, `${id} output`);
    await sleep(50);
    return JSON.parse(JSON.stringify(out));
  }

  // A detection at 14:30:05 in Bangkok (07:30:05Z), received at 14:30:07, as lpr-detection-in gives it.
  const at = (iso: string, time: string, th: string, en: string) => ({ iso, time, th, en });
  const bangkok = {
    zone: 'Asia/Bangkok',
    era: 'buddhist',
    detected: at('2026-12-03T14:30:05.000+07:00', '14:30:05', '3 ธ.ค. 2569 14:30:05', '3 Dec 2569 BE 14:30:05'),
    received: at('2026-12-03T14:30:07.000+07:00', '14:30:07', '3 ธ.ค. 2569 14:30:07', '3 Dec 2569 BE 14:30:07'),
  };
  const read = (site: Record<string, unknown>) => ({
    payload: { camera_id: 'CAM002', detection_data: { plates: [{ plate_number: 'กข1234', province: 'กรุงเทพมหานคร', confidence: 0.91 }], vehicles: [] } },
    lpr: { type: 'detection', site },
  });

  it('reads: Time is the camera\'s time of detection on the site clock, the receipt time in its tooltip; another day shows its Thai date', async () => {
    const [first] = await run('lpr-dash-fn-reads', [read(bangkok)]);
    assert.deepEqual([first.payload[0].detected, first.payload[0].received], ['14:30:05', '14:30:07']);
    // The Time column (HTML): the detection time, the receipt time in its tooltip.
    assert.equal(first.payload[0].time, '<span title="Received 14:30:07">14:30:05</span>');
    const yesterday = { ...bangkok, detected: at('2026-12-02T23:59:58.000+07:00', '23:59:58', '2 ธ.ค. 2569 23:59:58', '2 Dec 2569 BE 23:59:58') };
    const [again] = await run('lpr-dash-fn-reads', [read(yesterday)]);
    assert.equal(again.payload[0].detected, '2 ธ.ค. 2569 23:59:58');
    const time = node('lpr-dash-table-reads').columns[0];
    assert.deepEqual([time.key, time.type], ['time', 'html']);
  });

  it('alerts show the detection time, health its state time, command answers their time, all on the site clock', async () => {
    const [alert] = await run('lpr-dash-fn-alerts', [
      { payload: { camera_id: 'CAM002', plate_number: 'กข1234', entry: { reason: 'stolen', priority: 'high' }, match: { type: 'exact' } }, lpr: { type: 'blacklist-match', site: bangkok } },
    ]);
    assert.equal(alert.payload[0].time, '14:30:05');

    // A summary brings the zone; 07:30:05Z is 14:30:05 in Bangkok (the table said "07:30:05 UTC").
    const [summary] = await run('lpr-dash-fn-health', [
      { topic: 'summary', payload: { cameras: [{ camera_id: 'CAM002', status: 'healthy', since: '2026-12-03T07:30:05.000Z', reasons: [] }] }, lpr: { site: { zone: 'Asia/Bangkok', era: 'buddhist' } } },
    ]);
    assert.equal(summary.payload[0].since, '14:30:05');
    const [change] = await run('lpr-dash-fn-health', [
      { topic: 'CAM003', payload: { camera_id: 'CAM003', status: 'warning', since: '2026-12-03T07:30:05.000Z', reasons: ['cpu'] }, lpr: { site: { zone: 'Asia/Bangkok', era: 'buddhist', since: bangkok.detected } } },
    ]);
    assert.equal(change.payload[0].since, '14:30:05');

    const [answer] = await run(
      'lpr-dash-fn-answer',
      [{ payload: { status: 'success', result: {} }, request: { camera_id: 'CAM002', command: 'get_status' }, lpr: { rttMs: 12, site: { zone: 'Asia/Bangkok', era: 'buddhist', at: bangkok.received } } }],
      2,
    );
    assert.equal(answer.payload[0].time, '14:30:07');
  });

  it('charts: a category x axis of site-clock labels (the analytics window end, the snapshot time)', async () => {
    for (const id of ['lpr-mon-chart-detections', 'lpr-mon-chart-received']) {
      assert.equal(node(id).xAxisType, 'category', id);
      assert.equal(node(id).xAxisPropertyType, 'msg', id);
      assert.ok(Number(node(id).removeOlderPoints) > 0, `${id} keeps a bounded number of points`);
    }
    assert.equal(node('lpr-mon-chart-received').xAxisProperty, 'lpr.site.at.time');
    assert.equal(node('lpr-mon-chart-detections').xAxisProperty, 'x');
    const windowEnd = at('2026-12-04T00:00:00.000+07:00', '00:00:00', '4 ธ.ค. 2569 00:00:00', '4 Dec 2569 BE 00:00:00');
    const [point] = await run('lpr-mon-change-detections', [{ payload: { checkpoint_id: 'CP001', detections: 7 }, lpr: { site: { zone: 'Asia/Bangkok', era: 'buddhist', windowEnd } } }]);
    assert.deepEqual([point.topic, point.payload, point.x], ['CP001', 7, '00:00']);
  });

  it('the shared lpr-broker uses the runtime\'s zone (empty) and the automatic era', () => {
    const broker = node('lpr-example-broker');
    assert.deepEqual([broker.timeZone, broker.era], ['', '']);
  });
});
