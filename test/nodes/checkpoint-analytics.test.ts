/** lpr-checkpoint-analytics on a real Mosquitto: analytics and retained status published with exact counts. */
import assert from 'node:assert/strict';
import { freePort, startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { mosquittoPub, mosquittoSub } from '../fixtures/mqtt-cli';
import { seedHealth } from '../fixtures/samples';
import { sleep, waitUntil } from '../fixtures/wait';
import { notifyCameraHealth, registerHealthSource, unregisterHealthSource, type CameraHealthState } from '../../src/runtime/registry';
import { allNodes, brokerConfig, collect, helper, recordWarnings, useHelperServer } from './harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const analyticsNode = require('../../dist/lpr-checkpoint-analytics.js');

function detection(camera: string, checkpoint: string | undefined, plates: Array<[string, number]>, processing: number) {
  return {
    message_id: `m-${Math.random().toString(36).slice(2)}`,
    timestamp: new Date().toISOString(),
    camera_id: camera,
    ...(checkpoint ? { checkpoint_id: checkpoint } : {}),
    detection_data: {
      vehicles_count: plates.length,
      plates_count: plates.length,
      processing_time_ms: processing,
      confidence_score: 0.9,
      detection_type: 'vehicle_and_plate',
      vehicles: [],
      plates: plates.map(([plate_number, confidence], plate_index) => ({ plate_index, plate_number, confidence })),
    },
  };
}

function flow(mosquitto: Mosquitto, props: Record<string, unknown> = {}, brokerProps: Record<string, unknown> = {}) {
  return [
    brokerConfig(mosquitto, brokerProps),
    { id: 'ca', type: 'lpr-checkpoint-analytics', broker: 'broker', checkpoint: '', window: 1, publish: true, status: true, uniqueCap: 100000, wires: [['out']], ...props },
    { id: 'out', type: 'helper' },
    { id: 'catcher', type: 'catch', scope: ['ca'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];
}

/** Waits until the next whole second has just begun, so that a burst of input falls in one 1 s window. */
async function startOfSecond(): Promise<void> {
  await sleep(1000 - (Date.now() % 1000) + 20);
}

describe('lpr-checkpoint-analytics on a real Mosquitto', function () {
  let mosquitto: Mosquitto;

  before(async () => {
    mosquitto = await startMosquitto();
  });
  after(async () => {
    await mosquitto?.stop();
  });
  useHelperServer();

  it('publishes CheckpointAnalytics with the exact counts and the retained CheckpointStatus', async function () {
    this.timeout(30_000);
    await helper.load([...allNodes, analyticsNode], flow(mosquitto));
    const broker = helper.getNode('broker') as any;
    await waitUntil(() => broker.connection.state === 'connected', 'broker connected');
    const sub = await mosquittoSub(mosquitto.port, 'lprserver/checkpoints/+/analytics');
    const out = collect('out');
    const caught = collect('caught');
    const node = helper.getNode('ca');

    await startOfSecond();
    node.receive({ payload: detection('CAM1', 'CP001', [['AB1234', 0.9], ['CD5678', 0.8]], 40) });
    node.receive({ payload: detection('CAM2', 'CP001', [['AB 1234', 0.7]], 60) });
    node.receive({ payload: detection('CAM1', 'CP001', [['EF9', 0.6], ['GH1', 0.5]], 50) });
    node.receive({ payload: { camera_id: 'CAM1', checkpoint_id: 'CP001', plate_number: 'EF9' }, lpr: { type: 'blacklist-match' } });
    node.receive({ payload: detection('CAM3', undefined, [['ZZ1', 0.5]], 10) }); // no checkpoint: ignored
    node.receive({ payload: 'nonsense' });

    const [first] = await sub.waitFor(1, 5000);
    sub.stop();
    assert.equal(first!.topic, 'lprserver/checkpoints/CP001/analytics');
    const a = JSON.parse(first!.payload);
    assert.equal(a.checkpoint_id, 'CP001');
    assert.equal(a.detections, 3);
    assert.equal(a.plates, 5);
    assert.equal(a.unique_plates, 4);
    assert.equal(a.avg_confidence, 0.7);
    assert.equal(a.avg_processing_time_ms, 50);
    assert.equal(a.blacklist_hits, 1);
    assert.equal(Date.parse(a.window_end) % 1000, 0);
    assert.equal(Date.parse(a.window_end) - Date.parse(a.window_start) <= 1000, true);

    await waitUntil(() => out.length >= 1, 'output message');
    assert.equal(out[0].topic, 'CP001');
    assert.deepEqual(out[0].payload, a);

    await waitUntil(() => caught.length >= 1, 'rejected input caught');
    assert.match(caught[0].error.message, /msg\.payload: not a detection or a blacklist notification/);

    // The retained status, read by a subscriber that comes later.
    const statusSub = await mosquittoSub(mosquitto.port, 'lprserver/checkpoints/CP001/status');
    const [status] = await statusSub.waitFor(1, 5000);
    statusSub.stop();
    const s = JSON.parse(status!.payload);
    assert.equal(s.checkpoint_id, 'CP001');
    assert.equal(s.cameras.total, 2);
    assert.equal(s.cameras.online + s.cameras.offline, 2);
    assert.equal(typeof s.last_detection, 'string');
    await mosquittoPub(mosquitto.port, 'lprserver/checkpoints/CP001/status', '', 1, true);
  });

  it('at a window end the status is republished for the checkpoints whose status changed, not for every idle one', async function () {
    this.timeout(30_000);
    await helper.load([...allNodes, analyticsNode], flow(mosquitto, { publish: false }));
    const broker = helper.getNode('broker') as any;
    await waitUntil(() => broker.connection.state === 'connected', 'broker connected');
    const sub = await mosquittoSub(mosquitto.port, 'lprserver/checkpoints/+/status');
    const node = helper.getNode('ca');
    try {
      await startOfSecond();
      node.receive({ payload: detection('BUSY1', 'CPBUSY', [['AB1', 0.9]], 10) });
      node.receive({ payload: detection('IDLE1', 'CPIDLE', [['CD2', 0.9]], 10) });
      // Three more windows: CPBUSY sends a detection in each, CPIDLE none.
      for (let i = 0; i < 3; i++) {
        await startOfSecond();
        node.receive({ payload: detection('BUSY1', 'CPBUSY', [['AB1', 0.9]], 10) });
      }
      const of = (cp: string) => sub.messages.filter((m: any) => m.topic === `lprserver/checkpoints/${cp}/status`).map((m: any) => JSON.parse(m.payload));
      // The last window ends within a second; on a loaded machine its status can take longer to arrive.
      await waitUntil(() => of('CPBUSY').length >= 4, `a status of the busy checkpoint for each window it had a detection in (${of('CPBUSY').length})`, 10_000);
      // The busy one each time its last detection moved; the idle one when its camera went quiet
      // (a change of counts), not again at each window end: its retained status still holds.
      const said = (s: any) => JSON.stringify([s.cameras, s.last_detection]);
      assert.ok(of('CPBUSY').length >= 4, `${of('CPBUSY').length} statuses of the busy checkpoint`);
      for (const cp of ['CPBUSY', 'CPIDLE']) {
        const statuses = of(cp).map(said);
        assert.deepEqual(statuses.filter((x, i) => x === statuses[i - 1]), [], `${cp}: a status republished unchanged`);
      }
      assert.ok(of('CPIDLE').length <= 2, `${of('CPIDLE').length} statuses of the idle checkpoint`);
    } finally {
      sub.stop();
      await mosquittoPub(mosquitto.port, 'lprserver/checkpoints/CPBUSY/status', '', 1, true);
      await mosquittoPub(mosquitto.port, 'lprserver/checkpoints/CPIDLE/status', '', 1, true);
    }
  });

  it('a window end its broker cannot take: one warning counting the figures not published, not one per checkpoint', async function () {
    this.timeout(30_000);
    // No broker listening: every figure waits in the offline queue (10), the rest fail at once.
    const nowhere = { ...mosquitto, port: await freePort() };
    await helper.load([...allNodes, analyticsNode], flow(nowhere, { window: 3600, status: false }, { queueLimit: 10 }));
    const out = collect('out');
    const node = helper.getNode('ca') as any;
    const warnings = recordWarnings('ca');
    for (let i = 0; i < 100; i++) node.receive({ payload: detection(`CAM${i}`, `CP${String(i).padStart(3, '0')}`, [['AA1', 0.5]], 5) });
    node.receive({ action: 'flush' });
    await waitUntil(() => out.length === 100, '100 checkpoints flushed');
    await sleep(200);
    assert.equal(warnings.length, 1, `one warning, got ${warnings.length}: ${warnings.slice(0, 3).join(' | ')}`);
    assert.match(warnings[0]!, /^90 messages not published \(the first: .*CP000.*\): offline queue full \(10\)/);
  });

  it('flush emits at once; a split detection counts once; other checkpoints are filtered out', async function () {
    this.timeout(30_000);
    await helper.load([...allNodes, analyticsNode], flow(mosquitto, { window: 3600, publish: false, status: false, checkpoint: 'CP002' }));
    const out = collect('out');
    const node = helper.getNode('ca');
    const d = detection('CAM1', 'CP002', [['AA1', 0.4], ['BB2', 0.6]], 20);
    node.receive({ payload: d.detection_data.plates[0], detection: d, parts: { id: d.message_id, index: 0, count: 2 } });
    node.receive({ payload: d.detection_data.plates[1], detection: d, parts: { id: d.message_id, index: 1, count: 2 } });
    node.receive({ payload: detection('CAM1', 'CP003', [['CC3', 0.9]], 5) });
    node.receive({ action: 'flush' });
    await waitUntil(() => out.length >= 1, 'flushed analytics');
    await sleep(100);
    assert.equal(out.length, 1);
    const p = out[0].payload;
    assert.deepEqual(
      [p.checkpoint_id, p.detections, p.plates, p.unique_plates, p.avg_confidence, p.avg_processing_time_ms, p.blacklist_hits],
      ['CP002', 1, 2, 2, 0.5, 20, 0],
    );
  });

  it('a window end of many checkpoints goes out a slice at a time, other work running in between, every result and status published', async function () {
    this.timeout(60_000);
    await helper.load([...allNodes, analyticsNode], flow(mosquitto, { window: 3600 }));
    const broker = helper.getNode('broker') as any;
    await waitUntil(() => broker.connection.state === 'connected', 'broker connected');
    const analytics = await mosquittoSub(mosquitto.port, 'lprserver/checkpoints/+/analytics');
    const out = collect('out');
    const node = helper.getNode('ca');
    const N = 1500;
    for (let i = 0; i < N; i++) node.receive({ payload: detection(`CAM${i}`, `CP${i}`, [['AB1', 0.9]], 10) });
    await sleep(300);
    // Turns of the event loop while the window's outputs arrive: one burst held it for all of them.
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    const at = { first: -1, last: -1 };
    helper.getNode('out').on('input', () => {
      if (at.first < 0) {
        at.first = turns;
        setImmediate(tick);
      }
      at.last = turns;
    });
    node.receive({ action: 'flush' });
    await waitUntil(() => out.length >= N, `all ${N} results sent (${out.length})`, 20_000);
    ticking = false;
    assert.ok(at.last - at.first >= 2, `${at.last - at.first} turns of the event loop between the first and the last of ${N} results`);
    assert.equal(new Set(out.map((m) => m.payload.checkpoint_id)).size, N);
    const published = await analytics.waitFor(N, 20_000);
    assert.equal(new Set(published.map((m: { topic: string }) => m.topic)).size, N);
  });

  it('publishing what a window end and new checkpoints send makes no warning text unless a publish fails', async function () {
    this.timeout(60_000);
    // Counts the node's translations of its error texts (a warning's words, e.g. "status of CP7"):
    // made for every publish, whether it failed or not, they put i18next under each of a window
    // end's publishes (growth bench profile at 10,000 checkpoints).
    let translated = 0;
    const counting = (RED: any) => {
      const translate = RED._;
      RED._ = (key: string, params?: object) => {
        if (String(key).startsWith('lpr-checkpoint-analytics.error.')) translated++;
        return translate(key, params);
      };
      return analyticsNode(RED);
    };
    await helper.load([...allNodes, counting], flow(mosquitto, { window: 3600 }));
    const broker = helper.getNode('broker') as any;
    await waitUntil(() => broker.connection.state === 'connected', 'broker connected');
    const analytics = await mosquittoSub(mosquitto.port, 'lprserver/checkpoints/+/analytics');
    const statuses = await mosquittoSub(mosquitto.port, 'lprserver/checkpoints/+/status');
    try {
      const out = collect('out');
      const node = helper.getNode('ca');
      const N = 1000;
      for (let i = 0; i < N; i++) node.receive({ payload: detection(`CAM${i}`, `CP${i}`, [['AB1', 0.9]], 10) });
      node.receive({ action: 'flush' });
      await waitUntil(() => out.length >= N, `all ${N} results sent (${out.length})`, 20_000);
      assert.equal((await analytics.waitFor(N, 20_000)).length, N);
      assert.ok((await statuses.waitFor(N, 20_000)).length >= N);
      assert.equal(translated, 0, `${translated} error texts made for ${N} checkpoints' publishes, none of which failed`);
    } finally {
      analytics.stop();
      statuses.stop();
    }
  });

  it("one-day windows end at the site's midnight (Asia/Bangkok), shown in the status on the site clock; msg.lpr.site gives the window in site time", async function () {
    this.timeout(30_000);
    await helper.load([...allNodes, analyticsNode], flow(mosquitto, { window: 86400, publish: false, status: false }, { timeZone: 'Asia/Bangkok' }));
    const out = collect('out');
    const node = helper.getNode('ca') as any;
    node.receive({ payload: detection('CAM1', 'CP009', [['AA1', 0.4]], 20) });
    // Aligned to UTC midnight, the day would end at 07:00 Bangkok time.
    await waitUntil(() => node.status.args.some((a: any[]) => String(a[0]?.text).includes('(until 00:00:00)')), 'the window ends at midnight, Bangkok');
    const before = Date.now();
    node.receive({ action: 'flush' });
    await waitUntil(() => out.length >= 1, 'flushed analytics');
    const site = out[0].lpr.site;
    assert.equal(site.zone, 'Asia/Bangkok');
    assert.equal(site.era, 'buddhist');
    assert.equal(Date.parse(site.windowStart.iso), Date.parse(out[0].payload.window_start));
    assert.equal(Date.parse(site.windowEnd.iso), Date.parse(out[0].payload.window_end));
    assert.ok(Date.parse(site.windowEnd.iso) >= before);
    assert.match(site.windowEnd.iso, /\+07:00$/);
    assert.match(site.windowEnd.th, / 25[6-9]\d \d\d:\d\d:\d\d$/);
  });

  it('a detection asks the health monitors about its camera only, at 1,000 as at 100,000 known cameras', async function () {
    this.timeout(60_000);
    for (const known of [1000, 100_000]) {
      const states = new Map<string, CameraHealthState>();
      for (let i = 0; i < known; i++) states.set(`CAM${i}`, i % 10 === 0 ? 'offline' : 'healthy');
      const asked = { one: 0, all: 0 };
      registerHealthSource('test-source', {
        state: (camera) => (asked.one++, states.get(camera)),
        counts: () => (asked.all++, { healthy: 0, warning: 0, critical: 0, offline: 0, total: 0 }),
        states: () => (asked.all++, states),
      });
      try {
        await helper.load([...allNodes, analyticsNode], flow(mosquitto, { window: 3600, publish: false, status: true }));
        const node = helper.getNode('ca');
        for (let i = 0; i < 1000; i++) node.receive({ payload: detection(`CAM${(i * 97) % known}`, `CP${i % 10}`, [['AB1', 0.9]], 5) });
        await sleep(1200); // one status tick
        assert.equal(asked.all, 0, `the whole table was copied at ${known} cameras`);
        assert.ok(asked.one <= 2 * 1000, `${asked.one} lookups for 1,000 detections at ${known} cameras`);
        // A health change reaches the status through the notification, without a scan.
        const before = asked.one;
        states.set('CAM1', 'offline');
        notifyCameraHealth('CAM1');
        assert.ok(asked.one - before <= 1);
      } finally {
        unregisterHealthSource('test-source');
        await helper.unload();
      }
    }
  });

  it('a checkpoint status follows the health monitor: a camera its will says offline is counted offline', async function () {
    this.timeout(30_000);
    const healthFlow = { id: 'mon', type: 'lpr-health-monitor', broker: 'broker', camera: '', offlineAfter: 60, summaryInterval: 0, wires: [[], []] };
    await helper.load([...allNodes, analyticsNode], [...flow(mosquitto, { window: 3600, publish: false, status: true, checkpoint: 'CPH' }), healthFlow]);
    const broker = helper.getNode('broker') as any;
    await waitUntil(() => broker.connection.state === 'connected', 'broker connected');
    await sleep(300);
    const node = helper.getNode('ca');
    node.receive({ payload: detection('HCAM1', 'CPH', [['AB1', 0.9]], 5) });
    node.receive({ payload: detection('HCAM2', 'CPH', [['AB2', 0.9]], 5) });
    const sub = await mosquittoSub(mosquitto.port, 'lprserver/checkpoints/CPH/status');
    try {
      await sub.waitFor(1, 5000);
      const will = { ...seedHealth(), message_id: 'w-1', timestamp: new Date().toISOString(), camera_id: 'HCAM2', health_status: 'offline', alerts: [] };
      await mosquittoPub(mosquitto.port, 'lprserver/cameras/HCAM2/health', JSON.stringify(will), 1);
      await waitUntil(() => sub.messages.some((m: any) => JSON.parse(m.payload).cameras.offline === 1), 'status with HCAM2 offline', 5000);
      const last = JSON.parse(sub.messages[sub.messages.length - 1]!.payload);
      assert.deepEqual(last.cameras, { online: 1, offline: 1, total: 2 });
    } finally {
      sub.stop();
      await mosquittoPub(mosquitto.port, 'lprserver/checkpoints/CPH/status', '', 1, true);
    }
  });

  it('refuses to start with an invalid property, naming it', async function () {
    await helper.load([...allNodes, analyticsNode], flow(mosquitto, { window: 0 }));
    const logged = () => (helper.log().args as any[][]).some((args) => JSON.stringify(args).includes('invalid property window: must be at least 1'));
    await waitUntil(logged, 'error naming the property');
  });
});
