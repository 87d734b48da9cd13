/**
 * Matching at the edge (issue 16 item 4) on a real Mosquitto: an lpr-camera with `matchAtEdge`
 * keeps a synced, bounded copy of the server's watch list, raises the notification itself while
 * the broker is down (on its output at once), delivers it marked edge-raised when the broker
 * returns, and the server's lpr-blacklist-match does not raise the same one a second time.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { mosquittoPub, mosquittoSub } from '../fixtures/mqtt-cli';
import { sleep, waitUntil } from '../fixtures/wait';
import { brokerConfig, helper } from './harness';

/* eslint-disable @typescript-eslint/no-require-imports */
const NODES = [
  require('../../dist/lpr-broker.js'),
  require('../../dist/lpr-camera.js'),
  require('../../dist/lpr-detection-in.js'),
  require('../../dist/lpr-blacklist.js'),
  require('../../dist/lpr-blacklist-match.js'),
];
/* eslint-enable @typescript-eslint/no-require-imports */

/** Five entries; the edge keeps three (maxEntries), the most urgent first. */
const LIST = [
  { plate_number: 'LOW0001', priority: 'low' },
  { plate_number: 'WANTED1', reason: 'stolen', priority: 'critical' },
  { plate_number: 'NOPRIO1' },
  { plate_number: 'MED0001', priority: 'medium' },
  { plate_number: 'HIGH001', priority: 'high' },
];

function detection(plate: string): Record<string, unknown> {
  return {
    detection_data: {
      vehicles_count: 1,
      plates_count: 1,
      processing_time_ms: 80,
      confidence_score: 0.9,
      detection_type: 'lpr',
      vehicles: [{ vehicle_index: 0, vehicle_class: 'car' }],
      plates: [{ plate_index: 0, plate_number: plate, confidence: 0.9 }],
    },
  };
}

describe('lpr-camera matching at the edge (real Mosquitto)', function () {
  this.timeout(60_000);
  let mosquitto: Mosquitto;
  let dir: string;

  before(async () => {
    mosquitto = await startMosquitto();
  });
  after(async () => {
    await mosquitto?.stop();
  });
  beforeEach((done) => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lpr-edge-'));
    helper.settings({ userDir: dir });
    helper.startServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
    // The helper's settings outlive this file: later files must not inherit a user directory.
    helper.settings({});
  });

  function flow(cameraProps: Record<string, unknown> = {}) {
    return [
      // The camera reconnects (2-4 s) after the server (within about 1 s) has subscribed again: the
      // server must be subscribed when the edge notification arrives (docs/protocol.md, its limits).
      brokerConfig(mosquitto, { id: 'cbroker', name: 'camera broker', reconnectPeriod: 4 }),
      {
        id: 'cam', type: 'lpr-camera', broker: 'cbroker', camera: 'CAM001', checkpoint: 'CP001', ack: true, ackTimeout: 2,
        bufferSize: 100, overflow: 'drop-oldest', persist: true, file: '', requestConfig: false, blacklist: true,
        matchAtEdge: true, maxEntries: 3,
        wires: [[], [], ['lists'], ['alerts']],
        ...cameraProps,
      },
      { id: 'lists', type: 'helper' },
      { id: 'alerts', type: 'helper' },
      brokerConfig(mosquitto, { id: 'sbroker', name: 'server broker' }),
      { id: 'in', type: 'lpr-detection-in', broker: 'sbroker', camera: '', sharedGroup: '', ack: true, dedupe: 300, dedupeSize: 1000, split: false, maxBytes: 262144, wires: [['match']] },
      { id: 'list', type: 'lpr-blacklist', broker: 'sbroker', entries: LIST, persist: false, file: '', answerRequests: true },
      {
        id: 'match', type: 'lpr-blacklist-match', list: 'list', exact: true, lookalike: true, maxSubstitutions: 1, fuzzy: false, maxDistance: 1,
        pattern: true, requireProvince: false, suppress: 0, publish: true, wires: [['hit'], ['miss']],
      },
      { id: 'hit', type: 'helper' },
      { id: 'miss', type: 'helper' },
    ];
  }

  function collect(id: string): any[] {
    const seen: any[] = [];
    helper.getNode(id).on('input', (msg: any) => seen.push(msg));
    return seen;
  }

  const agent = () => (helper.getNode('cam') as any).lprAgent;

  it('raises the notification at the edge while the broker is down, delivers it marked edge-raised when it returns, and the server raises none of its own', async () => {
    await helper.load(NODES, flow());
    const alerts = collect('alerts');
    const hits = collect('hit');
    const misses = collect('miss');
    await waitUntil(() => agent().outbox.isOnline, 'camera online');
    const sconn0 = (helper.getNode('sbroker') as any).connection;
    await waitUntil(() => sconn0.connected && [...sconn0.subs.values()].every((s: any) => s.active), 'server subscribed');
    // The camera's request may have beaten the server's subscription (it asks again after 30 s): share the list now.
    await mosquittoPub(mosquitto.port, 'lprserver/blacklist/updates', JSON.stringify({ message_id: 'u-all', timestamp: new Date().toISOString(), action: 'replace', entries: LIST }));
    await waitUntil(() => agent().edgeList?.size === 3, `the edge list synced (size ${agent().edgeList?.size})`, 15_000);
    // Memory bound: three of five kept, the most urgent ones; the rest counted.
    const kept = agent().edgeList.entries().map((e: any) => e.plate_number).sort();
    assert.deepEqual(kept, ['HIGH001', 'MED0001', 'WANTED1']);
    assert.equal(agent().edgeList.metrics.overLimit, 2);
    const sconn = (helper.getNode('sbroker') as any).connection;
    await waitUntil(() => sconn.connected && [...sconn.subs.values()].every((s: any) => s.active), 'server subscribed');

    // The broker goes down (killed: the checkpoint's link is simply gone).
    await mosquitto.kill();
    await waitUntil(() => !agent().outbox.isOnline, 'the camera noticed the broker is down');
    const cam = helper.getNode('cam') as any;
    cam.receive({ topic: 'detection', payload: { ...detection('WANTED1'), message_id: 'det-wanted' } });
    cam.receive({ topic: 'detection', payload: { ...detection('CLEAN01'), message_id: 'det-clean' } });
    // At once, with no broker: the checkpoint's barrier acts on this.
    await waitUntil(() => alerts.length === 1, 'the edge notification on the fourth output', 2_000);
    const local = alerts[0].payload;
    assert.equal(alerts[0].topic, 'blacklist/notifications');
    assert.equal(local.raised_by, 'edge');
    assert.equal(local.camera_id, 'CAM001');
    assert.equal(local.detection_message_id, 'det-wanted');
    assert.equal(local.entry.plate_number, 'WANTED1');
    assert.equal(local.match.type, 'exact');

    await mosquitto.start();
    const notes = await mosquittoSub(mosquitto.port, 'lprserver/blacklist/notifications');
    try {
      await waitUntil(() => misses.length >= 1 && hits.length >= 1, `the server processed both detections (hits ${hits.length}, misses ${misses.length})`, 20_000);
      await waitUntil(() => notes.messages.length >= 1, 'the edge notification on blacklist/notifications', 10_000);
      await sleep(1500);
      const published = notes.messages.map((m) => JSON.parse(m.payload));
      assert.equal(published.length, 1, `one notification for det-wanted, got ${JSON.stringify(published)}`);
      assert.equal(published[0].raised_by, 'edge');
      assert.equal(published[0].message_id, local.message_id, 'the notification the output had, delivered as it was');
      // The server's flow sees the edge's notification (once), and publishes nothing of its own.
      assert.equal(hits.length, 1);
      assert.equal(hits[0].payload.message_id, local.message_id);
      assert.equal(hits[0].lpr.raisedBy, 'edge');
      assert.equal(agent().notificationOutbox.size, 0, 'delivered: nothing left in the notification outbox');
    } finally {
      notes.stop();
    }
  });

  it('keeps its list and an undelivered notification on disk across a restart while the broker is down, matches from that copy, and delivers both notifications once when the broker returns', async () => {
    await helper.load(NODES, flow());
    await waitUntil(() => agent().outbox.isOnline, 'camera online');
    const sconn0 = (helper.getNode('sbroker') as any).connection;
    await waitUntil(() => sconn0.connected && [...sconn0.subs.values()].every((s: any) => s.active), 'server subscribed');
    await mosquittoPub(mosquitto.port, 'lprserver/blacklist/updates', JSON.stringify({ message_id: 'u-all2', timestamp: new Date().toISOString(), action: 'replace', entries: LIST }));
    await waitUntil(() => agent().edgeList?.size === 3, 'the edge list synced', 15_000);
    await mosquitto.kill();
    await waitUntil(() => !agent().outbox.isOnline, 'the camera noticed the broker is down');
    (helper.getNode('cam') as any).receive({ topic: 'detection', payload: { ...detection('WANTED1'), message_id: 'det-before' } });
    await waitUntil(() => agent().notificationOutbox.size === 1, 'queued');
    const first = agent().notificationOutbox.messages()[0];

    // Node-RED restarts while the link is still down.
    await helper.unload();
    await helper.load(NODES, flow());
    assert.equal(agent().edgeList.size, 3, 'the copy read back from disk');
    assert.equal(agent().notificationOutbox.size, 1, 'the undelivered notification read back from its journal');
    const alerts = collect('alerts');
    const hits = collect('hit');
    (helper.getNode('cam') as any).receive({ topic: 'detection', payload: { ...detection('HIGH001'), message_id: 'det-after' } });
    await waitUntil(() => alerts.length === 1, 'matched from the copy on disk, offline', 2_000);

    await mosquitto.start();
    const notes = await mosquittoSub(mosquitto.port, 'lprserver/blacklist/notifications');
    try {
      await waitUntil(() => hits.length >= 2, `the server processed both detections (hits ${hits.length})`, 20_000);
      await waitUntil(() => notes.messages.length >= 2, 'both edge notifications published', 10_000);
      await sleep(1500);
      const published = notes.messages.map((m) => JSON.parse(m.payload));
      assert.deepEqual(published.map((n) => n.message_id).sort(), [first.message_id, alerts[0].payload.message_id].sort());
      assert.ok(published.every((n) => n.raised_by === 'edge'));
      assert.ok(hits.every((h) => h.lpr.raisedBy === 'edge'), 'the server raised none of its own');
    } finally {
      notes.stop();
    }
  });

  it('a flow saved before matchAtEdge existed has no edge list and one output more changes nothing', async () => {
    const def = flow()[1] as Record<string, unknown>;
    delete def.matchAtEdge;
    delete def.maxEntries;
    await helper.load(NODES, [flow()[0]!, def, ...flow().slice(2)]);
    assert.equal(agent().edgeList, null);
  });
});
