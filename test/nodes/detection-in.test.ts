/** lpr-detection-in end to end: mosquitto_pub -> real Mosquitto -> lpr-broker -> lpr-detection-in -> flow. */
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { startFreezeProxy } from '../fixtures/freeze-proxy';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { mosquittoPub, mosquittoSub } from '../fixtures/mqtt-cli';
import { detection, seedDetection } from '../fixtures/samples';
import { sleep, waitUntil } from '../fixtures/wait';
import { allNodes, brokerConfig, collect, helper, recordWarnings, waitReady, useHelperServer } from './harness';

const TOPIC = 'lprserver/cameras/CAM001/detection';

function flow(mosquitto: Mosquitto, inProps: Record<string, unknown> = {}, brokerProps: Record<string, unknown> = {}) {
  return [
    brokerConfig(mosquitto, brokerProps),
    { id: 'in', type: 'lpr-detection-in', broker: 'broker', camera: '', sharedGroup: '', ack: true, dedupe: 300, dedupeSize: 1000, split: false, maxBytes: 262144, wires: [['out']], ...inProps },
    { id: 'out', type: 'helper' },
    { id: 'catcher', type: 'catch', scope: ['in'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];
}

describe('lpr-detection-in on a real Mosquitto', function () {
  let mosquitto: Mosquitto;

  before(async () => {
    mosquitto = await startMosquitto({ extraConfig: ['sys_interval 1'] });
  });
  after(async () => {
    await mosquitto?.stop();
  });
  useHelperServer();

  it('delivers the seed sample published by mosquitto_pub, deep-equal, with msg.lpr', async () => {
    await helper.load(allNodes, flow(mosquitto));
    const out = collect('out');
    await waitReady();
    const before = Date.now();
    await mosquittoPub(mosquitto.port, TOPIC, JSON.stringify(seedDetection()));
    await waitUntil(() => out.length === 1, 'one detection');
    const msg = out[0];
    assert.equal(msg.topic, TOPIC);
    assert.deepEqual(msg.payload, seedDetection());
    assert.equal(msg.lpr.type, 'detection');
    assert.equal(msg.lpr.cameraId, 'CAM001');
    assert.equal(msg.lpr.checkpointId, 'CP001');
    assert.equal(msg.lpr.messageId, 'uuid-string');
    assert.ok(msg.lpr.receivedAt >= before && msg.lpr.receivedAt <= Date.now());
    assert.equal(msg.lpr.latencyMs, msg.lpr.receivedAt - Date.parse('2024-01-15T10:30:00Z'));
  });

  // Python's datetime.utcnow().isoformat(), as the seed's example camera writes it: no zone.
  for (const [timeZone, want] of [
    ['UTC', '2026-12-04T10:00:00.123Z'],
    ['Asia/Bangkok', '2026-12-04T03:00:00.123Z'],
  ] as const) {
    it(`accepts a zone-less timestamp (acked received) and reads it in the site time zone ${timeZone}`, async () => {
      await helper.load(allNodes, flow(mosquitto, {}, { timeZone }));
      const out = collect('out');
      const caught = collect('caught');
      await waitReady();
      const acks = await mosquittoSub(mosquitto.port, 'lprserver/cameras/+/detection/ack');
      try {
        const d = { ...detection('CAM001', `py-${timeZone}`), timestamp: '2026-12-04T10:00:00.123456' };
        await mosquittoPub(mosquitto.port, TOPIC, JSON.stringify(d));
        const [ack] = await acks.waitFor(1);
        assert.equal(JSON.parse(ack!.payload).status, 'received', ack!.payload);
        await waitUntil(() => out.length === 1, 'the detection');
        const msg = out[0];
        assert.equal(msg.payload.timestamp, '2026-12-04T10:00:00.123456', 'the payload keeps the wire shape');
        assert.equal(msg.lpr.timestamp, want);
        assert.equal(msg.lpr.timestampMs, Date.parse(want));
        assert.equal(msg.lpr.timestampZoneless, true);
        assert.equal(msg.lpr.latencyMs, msg.lpr.receivedAt - Date.parse(want));
        assert.equal(caught.length, 0);
      } finally {
        acks.stop();
      }
    });
  }

  it('msg.lpr.site: detection and receipt time in the site zone (Asia/Bangkok, Buddhist era by default), ready to show; the status shows the last read in it', async () => {
    await helper.load(allNodes, flow(mosquitto, {}, { timeZone: 'Asia/Bangkok' }));
    const out = collect('out');
    await waitReady();
    const d = { ...detection('CAM001', 'site-1'), timestamp: '2026-12-03T07:30:05.250Z' };
    await mosquittoPub(mosquitto.port, TOPIC, JSON.stringify(d));
    await waitUntil(() => out.length === 1, 'the detection');
    const site = out[0].lpr.site;
    assert.equal(site.zone, 'Asia/Bangkok');
    assert.equal(site.era, 'buddhist');
    assert.deepEqual(site.detected, { iso: '2026-12-03T14:30:05.250+07:00', time: '14:30:05', th: '3 ธ.ค. 2569 14:30:05', en: '3 Dec 2569 BE 14:30:05' });
    const received = out[0].lpr.receivedAt as number;
    assert.equal(Date.parse(site.received.iso), received);
    assert.match(site.received.iso, /\+07:00$/);
    const wall = new Date(received + 7 * 3_600_000);
    assert.equal(site.received.time, wall.toISOString().slice(11, 19));
    assert.match(site.received.th, new RegExp(` ${wall.getUTCFullYear() + 543} ${site.received.time}$`));
    const node = helper.getNode('in') as any;
    await waitUntil(() => node.status.args.some((a: any[]) => String(a[0]?.text).includes(`last ${site.received.time}`)), 'the status names the last read in site time');
  });

  it('msg.lpr.site follows the era setting and a DST zone (Europe/London, Gregorian)', async () => {
    await helper.load(allNodes, flow(mosquitto, {}, { timeZone: 'Europe/London', era: '' }));
    const out = collect('out');
    await waitReady();
    await mosquittoPub(mosquitto.port, TOPIC, JSON.stringify({ ...detection('CAM001', 'site-2'), timestamp: '2026-07-01T12:00:00Z' }));
    await mosquittoPub(mosquitto.port, TOPIC, JSON.stringify({ ...detection('CAM001', 'site-3'), timestamp: '2026-12-01T12:00:00' }));
    await waitUntil(() => out.length === 2, 'two detections');
    assert.equal(out[0].lpr.site.era, 'gregorian');
    assert.deepEqual(out[0].lpr.site.detected, { iso: '2026-07-01T13:00:00.000+01:00', time: '13:00:00', th: '1 ก.ค. 2026 13:00:00', en: '1 Jul 2026 13:00:00' });
    // Zone-less: read in the site zone, shown as written.
    assert.equal(out[1].lpr.site.detected.iso, '2026-12-01T12:00:00.000+00:00');
  });

  it('lpr-broker refuses an unknown time zone, naming the field', async () => {
    await helper.load(allNodes, flow(mosquitto, {}, { timeZone: 'Mars/Olympus' }));
    const broker = helper.getNode('broker') as any;
    await waitUntil(() => broker.error.callCount > 0 || (broker.error.args?.length ?? 0) > 0, 'a configuration error');
    assert.match(String(broker.error.args[0][0]), /timeZone: .*Mars\/Olympus/);
  });

  it('sends a malformed detection to a Catch node with the field path, and keeps going', async () => {
    await helper.load(allNodes, flow(mosquitto));
    const out = collect('out');
    const caught = collect('caught');
    await waitReady();
    const bad = detection('CAM001', 'bad-1');
    bad.detection_data.plates[0].confidence = 7;
    await mosquittoPub(mosquitto.port, TOPIC, JSON.stringify(bad));
    await mosquittoPub(mosquitto.port, TOPIC, '{not json');
    await mosquittoPub(mosquitto.port, TOPIC, JSON.stringify(detection('CAM001', 'good-1')));
    await waitUntil(() => out.length === 1 && caught.length === 2, 'one good detection and two errors');
    assert.equal(out[0].payload.message_id, 'good-1');
    const [schema, json] = caught;
    assert.equal(schema.error.code, 'schema');
    assert.match(schema.error.message, /detection_data\.plates\[0\]\.confidence/);
    assert.deepEqual(schema.error.cause.issues.map((i: any) => i.path), ['detection_data.plates[0].confidence']);
    assert.equal(schema.error.cause.message_id, 'bad-1');
    assert.equal(schema.error.source.id, 'in');
    assert.equal(schema.topic, TOPIC);
    assert.equal(json.error.code, 'invalid_json');
    assert.equal(json.payload, '{not json');
  });

  it('emits a duplicate message_id once', async () => {
    await helper.load(allNodes, flow(mosquitto));
    const out = collect('out');
    await waitReady();
    const d = JSON.stringify(detection('CAM001', 'dup-1'));
    await mosquittoPub(mosquitto.port, TOPIC, d);
    await mosquittoPub(mosquitto.port, TOPIC, d);
    await mosquittoPub(mosquitto.port, TOPIC, JSON.stringify(detection('CAM001', 'dup-2')));
    await waitUntil(() => out.length >= 2, 'two detections');
    await sleep(200);
    assert.deepEqual(out.map((m) => m.payload.message_id), ['dup-1', 'dup-2']);
  });

  it('acks received and rejected detections on detection/ack (read with mosquitto_sub)', async () => {
    await helper.load(allNodes, flow(mosquitto));
    await waitReady();
    const acks = await mosquittoSub(mosquitto.port, 'lprserver/cameras/+/detection/ack');
    try {
      await mosquittoPub(mosquitto.port, TOPIC, JSON.stringify(detection('CAM001', 'ack-1')));
      const bad = detection('CAM001', 'ack-2');
      delete bad.detection_data;
      await mosquittoPub(mosquitto.port, TOPIC, JSON.stringify(bad));
      const got = await acks.waitFor(2);
      const [ok, rejected] = got.map((m) => ({ topic: m.topic, ack: JSON.parse(m.payload) }));
      assert.equal(ok!.topic, 'lprserver/cameras/CAM001/detection/ack');
      assert.equal(ok!.ack.ack_id, 'ack-1');
      assert.equal(ok!.ack.status, 'received');
      assert.equal(ok!.ack.camera_id, 'CAM001');
      assert.match(ok!.ack.message_id, /^[0-9a-f-]{36}$/);
      assert.ok(!Number.isNaN(Date.parse(ok!.ack.timestamp)));
      assert.equal(rejected!.ack.ack_id, 'ack-2');
      assert.equal(rejected!.ack.status, 'rejected');
      assert.match(rejected!.ack.error, /detection_data/);
    } finally {
      acks.stop();
    }
  });

  // A full deploy or a restart while the link is slow closes the connection with up to a window's
  // worth (1,000) of acks in flight: reported as one warning with the count, not one per ack.
  it('50 acks in flight at a close: one warning that counts them and names the first', async () => {
    const proxy = await startFreezeProxy(mosquitto.port);
    try {
      await helper.load(allNodes, flow(mosquitto, {}, { port: proxy.port }));
      const out = collect('out');
      await waitReady();
      // Node-RED still receives the detections; its acks never reach the broker. Sent at QoS 0, so that
      // Mosquitto's in-flight limit (20 unconfirmed QoS 1 deliveries) does not hold them back.
      proxy.freeze('up');
      const camera = await mqtt.connectAsync(`mqtt://127.0.0.1:${mosquitto.port}`, { clientId: 'acks-not-sent-cam' });
      try {
        for (let i = 0; i < 50; i++) await camera.publishAsync(TOPIC, JSON.stringify(detection('CAM001', `unconfirmed-${i}`)), { qos: 0 });
      } finally {
        await camera.endAsync();
      }
      await waitUntil(() => out.length === 50, '50 detections delivered');
      const connection = (helper.getNode('broker') as any).connection;
      // The 50 acks (and the birth message before the freeze, long confirmed) handed to MQTT.js, none confirmed.
      await waitUntil(() => connection.queueSize >= 50, '50 acks handed to MQTT.js');
      assert.equal(connection.metrics.messagesFailed, 0);
      const notSent = recordWarnings('in');
      await helper.unload();
      assert.equal(connection.metrics.messagesFailed, 50);
      await sleep(100);
      assert.equal(notSent.length, 1, `one warning, got ${notSent.length}: ${notSent.slice(0, 3).join(' | ')}`);
      assert.match(notSent[0]!, /50 acks not sent/);
      assert.match(notSent[0]!, /unconfirmed-0\b/);
      assert.match(notSent[0]!, /connection closed before the broker acknowledged/);
    } finally {
      await proxy.close();
    }
  });

  it('rejects a detection whose camera_id differs from its topic', async () => {
    await helper.load(allNodes, flow(mosquitto));
    const out = collect('out');
    const caught = collect('caught');
    await waitReady();
    await mosquittoPub(mosquitto.port, 'lprserver/cameras/CAM002/detection', JSON.stringify(detection('CAM001', 'spoof-1')));
    await waitUntil(() => caught.length === 1, 'a rejection');
    assert.equal(caught[0].error.code, 'camera_mismatch');
    assert.deepEqual(caught[0].error.cause.issues.map((i: any) => i.path), ['camera_id']);
    await sleep(100);
    assert.equal(out.length, 0);
  });

  it('listens to one camera only when `camera` is set', async () => {
    await helper.load(allNodes, flow(mosquitto, { camera: 'CAM002' }));
    const out = collect('out');
    await waitReady();
    await mosquittoPub(mosquitto.port, TOPIC, JSON.stringify(detection('CAM001', 'one-1')));
    await mosquittoPub(mosquitto.port, 'lprserver/cameras/CAM002/detection', JSON.stringify(detection('CAM002', 'one-2')));
    await waitUntil(() => out.length === 1, 'CAM002 detection');
    await sleep(100);
    assert.deepEqual(out.map((m) => m.payload.camera_id), ['CAM002']);
  });

  it('emits one message per plate with msg.parts when split is on', async () => {
    await helper.load(allNodes, flow(mosquitto, { split: true }));
    const out = collect('out');
    await waitReady();
    const d = detection('CAM001', 'split-1');
    d.detection_data.plates.push({ ...d.detection_data.plates[0], plate_index: 1, plate_number: 'กข1234' });
    d.detection_data.plates_count = 2;
    await mosquittoPub(mosquitto.port, TOPIC, JSON.stringify(d));
    await waitUntil(() => out.length === 2, 'two plate messages');
    assert.deepEqual(out.map((m) => m.payload.plate_number), ['ABC1234', 'กข1234']);
    assert.deepEqual(out.map((m) => [m.parts.index, m.parts.count, m.parts.id]), [[0, 2, 'split-1'], [1, 2, 'split-1']]);
    assert.equal(out[1].detection.message_id, 'split-1');
    assert.equal(out[1].lpr.plateIndex, 1);
  });

  it('reconnects and resubscribes after a broker restart mid-stream', async () => {
    await helper.load(allNodes, flow(mosquitto));
    const out = collect('out');
    await waitReady();
    for (let i = 0; i < 5; i++) await mosquittoPub(mosquitto.port, TOPIC, JSON.stringify(detection('CAM001', `r-${i}`)));
    await waitUntil(() => out.length === 5, 'five detections before the restart');
    const broker = helper.getNode('broker') as any;
    await mosquitto.restart();
    await waitReady();
    for (let i = 5; i < 10; i++) await mosquittoPub(mosquitto.port, TOPIC, JSON.stringify(detection('CAM001', `r-${i}`)));
    await waitUntil(() => out.length === 10, 'five more after the restart');
    assert.deepEqual(out.map((m) => m.payload.message_id), Array.from({ length: 10 }, (_, i) => `r-${i}`));
    assert.ok(broker.connection.metrics.connectionsTotal >= 2);
  });

  it('queues publishes made while the broker is down and sends them, in order, on reconnect', async () => {
    // A slow first retry (1-2 s) lets mosquitto_sub attach before the queue is flushed.
    await helper.load(allNodes, flow(mosquitto, {}, { reconnectPeriod: 2 }));
    await waitReady();
    const broker = helper.getNode('broker') as any;
    await mosquitto.kill();
    await waitUntil(() => broker.connection.state !== 'connected', 'the broker to be seen down');
    const sent = [1, 2, 3].map((n) =>
      broker.publishMessage('systemAlerts', undefined, {
        message_id: `alert-${n}`,
        timestamp: new Date().toISOString(),
        level: 'warning',
        source: 'test',
        message: `queued ${n}`,
      }),
    );
    assert.equal(broker.connection.queueSize, 3);
    await mosquitto.start();
    const alerts = await mosquittoSub(mosquitto.port, 'lprserver/system/alerts');
    try {
      assert.notEqual(broker.connection.state, 'connected', 'reconnected before the subscriber attached; the test proves nothing');
      await Promise.all(sent);
      const got = await alerts.waitFor(3);
      assert.deepEqual(got.map((m) => JSON.parse(m.payload).message_id), ['alert-1', 'alert-2', 'alert-3']);
      assert.equal(broker.connection.queueSize, 0);
    } finally {
      alerts.stop();
    }
  });

  it('leaves one subscription and one socket after a redeploy', async () => {
    const f = flow(mosquitto, { dedupe: 0 });
    await helper.load(allNodes, f);
    await waitReady();
    const original = helper.getNode('in');
    const changed = f.map((n) => (n.id === 'in' ? { ...n, name: 'renamed' } : n));
    await helper.setFlows(changed, 'nodes');
    assert.notEqual(helper.getNode('in'), original, 'the redeploy must recreate the node');
    const out = collect('out');
    await sleep(300);
    await mosquittoPub(mosquitto.port, TOPIC, JSON.stringify(detection('CAM001', 'redeploy-1')));
    await waitUntil(() => out.length >= 1, 'a detection after the redeploy');
    await sleep(300);
    assert.equal(out.length, 1);
    const broker = helper.getNode('broker') as any;
    assert.equal(broker.connection.subscriptionCount, 1);
    assert.equal(broker.connection.metrics.connectionsTotal, 1);
    const clients = await mosquittoSub(mosquitto.port, '$SYS/broker/clients/connected');
    try {
      // $SYS is republished each second (sys_interval 1) when it changes: wait for the value that
      // counts mosquitto_sub too. Our one connection plus mosquitto_sub is 2; a leaked socket, or an
      // earlier test's connection left open, would keep it above.
      const last = () => clients.messages.at(-1)?.payload;
      await waitUntil(() => last() === '2', `2 clients connected (last $SYS value ${last()})`, 5000);
    } finally {
      clients.stop();
    }
  });
});
