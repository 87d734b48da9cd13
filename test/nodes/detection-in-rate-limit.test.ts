/** lpr-detection-in's per-camera rate limit on a real Mosquitto: rejected acks, Catch errors, throttled alerts. */
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { detection } from '../fixtures/samples';
import { sleep, waitUntil } from '../fixtures/wait';
import { allNodes, brokerConfig, collect, helper, waitReady, useHelperServer } from './harness';

function flow(mosquitto: Mosquitto, inProps: Record<string, unknown> = {}) {
  return [
    brokerConfig(mosquitto),
    {
      id: 'in',
      type: 'lpr-detection-in',
      name: 'gate detections',
      broker: 'broker',
      camera: '',
      sharedGroup: '',
      ack: true,
      dedupe: 300,
      dedupeSize: 1000,
      split: false,
      maxBytes: 262144,
      rateLimit: 5,
      rateBurst: 10,
      rateAlertInterval: 1,
      wires: [['out']],
      ...inProps,
    },
    { id: 'out', type: 'helper' },
    { id: 'catcher', type: 'catch', scope: ['in'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];
}

describe('lpr-detection-in rate limit on a real Mosquitto', function () {
  this.timeout(30_000);
  let mosquitto: Mosquitto;

  before(async () => {
    mosquitto = await startMosquitto();
  });
  after(async () => {
    await mosquitto?.stop();
  });
  useHelperServer();

  it('a camera over the limit gets rejected acks for the excess, Catch errors and one throttled alert; a camera under it is unaffected', async () => {
    await helper.load(allNodes, flow(mosquitto));
    const out = collect('out');
    const caught = collect('caught');
    const node = helper.getNode('in') as any;
    const statuses: string[] = [];
    const status = node.status.bind(node);
    node.status = (s: any) => {
      if (s && typeof s.text === 'string') statuses.push(s.text);
      status(s);
    };
    await waitReady();

    // The cameras' side: acks for both cameras and the system alerts.
    const peer = await mqtt.connectAsync(mosquitto.url, { clientId: 'rate-peer' });
    const acks: any[] = [];
    const alerts: any[] = [];
    peer.on('message', (topic, payload) => {
      const body = JSON.parse(payload.toString());
      if (topic === 'lprserver/system/alerts') alerts.push(body);
      else acks.push({ topic, ...body });
    });
    await peer.subscribeAsync(['lprserver/cameras/+/detection/ack', 'lprserver/system/alerts'], { qos: 1 });

    // CAM001 floods 40 at once; CAM002 sends 5, well within its own burst.
    const started = Date.now();
    await Promise.all([
      ...Array.from({ length: 40 }, (_, i) => peer.publishAsync('lprserver/cameras/CAM001/detection', JSON.stringify(detection('CAM001', `flood-${i}`)), { qos: 1 })),
      ...Array.from({ length: 5 }, (_, i) => peer.publishAsync('lprserver/cameras/CAM002/detection', JSON.stringify(detection('CAM002', `calm-${i}`)), { qos: 1 })),
    ]);
    await waitUntil(() => acks.length === 45, '45 acks');
    const elapsed = Date.now() - started;

    const accepted1 = out.filter((m) => m.lpr.cameraId === 'CAM001').map((m) => m.payload.message_id);
    const accepted2 = out.filter((m) => m.lpr.cameraId === 'CAM002').map((m) => m.payload.message_id);
    assert.deepEqual(accepted2, ['calm-0', 'calm-1', 'calm-2', 'calm-3', 'calm-4'], 'CAM002 unaffected');
    // The burst, plus what the rate refilled while the flood was on its way.
    assert.ok(accepted1.length >= 10 && accepted1.length <= 10 + Math.floor((5 * elapsed) / 1000), `${accepted1.length} accepted in ${elapsed} ms`);
    const rejected = 40 - accepted1.length;

    const acks1 = acks.filter((a) => a.camera_id === 'CAM001');
    const rejectedAcks = acks1.filter((a) => a.status === 'rejected');
    assert.equal(rejectedAcks.length, rejected);
    assert.deepEqual(
      acks1.filter((a) => a.status === 'received').map((a) => a.ack_id).sort(),
      [...accepted1].sort(),
    );
    for (const a of rejectedAcks) {
      assert.equal(a.topic, 'lprserver/cameras/CAM001/detection/ack');
      assert.match(a.error, /^rateLimit: over 5 detections\/s, burst 10 for camera CAM001/);
      assert.ok(!accepted1.includes(a.ack_id));
    }
    assert.ok(acks.filter((a) => a.camera_id === 'CAM002').every((a) => a.status === 'received'));

    // Every rejection reached the Catch node, naming the limit.
    await waitUntil(() => caught.length === rejected, `${rejected} caught`);
    for (const c of caught) {
      assert.equal(c.error.code, 'rate_limited');
      assert.equal(c.error.cause.issues[0].path, 'rateLimit');
      assert.match(c.error.message, /camera CAM001 is over the rate limit \(5 detections\/s, burst 10\)/);
      assert.equal(c.lpr.cameraId, 'CAM001');
      assert.ok(rejectedAcks.some((a) => a.ack_id === c.lpr.messageId));
    }

    // One alert at once for the first rejection, then (after the 1 s interval) one with the rest.
    await waitUntil(() => alerts.length >= 1, 'first alert');
    assert.equal(alerts[0].level, 'warning');
    assert.equal(alerts[0].source, 'gate detections');
    assert.equal(alerts[0].camera_id, 'CAM001');
    assert.equal(alerts[0].details.rejected, 1);
    assert.match(alerts[0].message, /camera CAM001 is over the detection rate limit \(5\/s, burst 10\): 1 detection\(s\) rejected/);
    if (rejected > 1) {
      await waitUntil(() => alerts.length === 2, 'the held-back count', 5000);
      assert.equal(alerts[1].details.rejected, rejected - 1);
      assert.match(alerts[1].message, new RegExp(`${rejected - 1} detection\\(s\\) rejected in the last 1 s`));
    }
    await sleep(1500);
    assert.equal(alerts.length, rejected > 1 ? 2 : 1, 'no more alerts once the flood is over');
    assert.ok(alerts.every((a) => a.camera_id === 'CAM001'), 'no alert for CAM002');

    // Counted in the status.
    await waitUntil(() => statuses.some((s) => s.includes(`${rejected} over rate`)), 'status shows the rate-limited count');

    // Once its bucket has refilled, a rejected detection sent again is accepted (not taken for a duplicate).
    const again = rejectedAcks[0].ack_id;
    await peer.publishAsync('lprserver/cameras/CAM001/detection', JSON.stringify(detection('CAM001', again)), { qos: 1 });
    await waitUntil(() => out.some((m) => m.payload.message_id === again), 'the resent detection accepted');
    await peer.endAsync();
  });

  it('rateLimit 0 turns the limit off', async () => {
    await helper.load(allNodes, flow(mosquitto, { rateLimit: 0, rateBurst: 1 }));
    const out = collect('out');
    const caught = collect('caught');
    await waitReady();
    const peer = await mqtt.connectAsync(mosquitto.url, { clientId: 'rate-peer-off' });
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => peer.publishAsync('lprserver/cameras/CAM001/detection', JSON.stringify(detection('CAM001', `n-${i}`)), { qos: 1 })),
    );
    await waitUntil(() => out.length === 50, '50 detections');
    await sleep(200);
    assert.equal(caught.length, 0);
    await peer.endAsync();
  });

  it('a bad rate setting stops the node with an error naming the field', async () => {
    await helper.load(allNodes, flow(mosquitto, { rateBurst: 0 }));
    const node = helper.getNode('in') as any;
    await waitUntil(() => node.error.called || node.status.called, 'set-up reported', 5000);
    const text = node.error.args.map((a: any[]) => String(a[0])).join('\n');
    assert.match(text, /rateBurst: must be at least 1/);
  });
});
