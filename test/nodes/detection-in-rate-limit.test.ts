/**
 * lpr-detection-in's per-camera rate limit on a real Mosquitto: over the limit a detection is
 * deferred (acked `retry` with `retry_after_ms`), never refused; a camera that resends when told
 * (a hand-written MQTT.js peer, the lpr-camera node, the lpr-sim process) gets every detection
 * through exactly once, at the limit's pace. Throttled alerts; no Catch errors.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import mqtt from 'mqtt';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { detection } from '../fixtures/samples';
import { sleep, waitUntil } from '../fixtures/wait';
import { allNodes, brokerConfig, collect, helper, waitReady, useHelperServer } from './harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const cameraNode = require('../../dist/lpr-camera.js');
/** One module list for every test here (the helper refuses a node type registered twice). */
const NODES = [...allNodes, cameraNode];
const SIM = path.resolve(__dirname, '../../dist/bin/lpr-sim.js');

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

/** Every ack on the cameras' ack topics, and the system alerts. */
async function ackWatcher(mosquitto: Mosquitto, clientId: string) {
  const peer = await mqtt.connectAsync(mosquitto.url, { clientId });
  const acks: any[] = [];
  const alerts: any[] = [];
  peer.on('message', (topic, payload) => {
    const body = JSON.parse(payload.toString());
    if (topic === 'lprserver/system/alerts') alerts.push(body);
    else acks.push({ topic, ...body });
  });
  await peer.subscribeAsync(['lprserver/cameras/+/detection/ack', 'lprserver/system/alerts'], { qos: 1 });
  return { peer, acks, alerts };
}

function watchStatus(nodeId: string): string[] {
  const node = helper.getNode(nodeId) as any;
  const statuses: string[] = [];
  const status = node.status.bind(node);
  node.status = (s: any) => {
    if (s && typeof s.text === 'string') statuses.push(s.text);
    status(s);
  };
  return statuses;
}

function assertEachOnce(out: any[], ids: string[]): void {
  const got = out.map((m) => m.payload.message_id);
  assert.equal(got.length, ids.length, `${got.length} emitted for ${ids.length} sent`);
  assert.deepEqual([...got].sort(), [...ids].sort(), 'each detection exactly once');
}

/** No two accepted detections closer than the limit allows (burst, then the rate), on the node's receipt times. */
function assertPace(out: any[], rate: number, burst: number): void {
  const at = out.map((m) => m.lpr.receivedAt as number);
  for (let a = 0; a < at.length; a++) {
    const b = at.length - 1;
    assert.ok(b - a + 1 <= burst + (rate * (at[b]! - at[a]!)) / 1000 + 1, `${b - a + 1} accepted in ${at[b]! - at[a]!} ms`);
  }
}

describe('lpr-detection-in rate limit on a real Mosquitto', function () {
  this.timeout(60_000);
  let mosquitto: Mosquitto;

  before(async () => {
    mosquitto = await startMosquitto();
  });
  after(async () => {
    await mosquitto?.stop();
  });
  useHelperServer();

  it('over the limit: retry acks with retry_after_ms (no Catch error), one throttled alert, a duplicate re-acked received; a camera resending when told gets all through once', async () => {
    await helper.load(NODES, flow(mosquitto));
    const out = collect('out');
    const caught = collect('caught');
    const statuses = watchStatus('in');
    await waitReady();
    const { peer, acks, alerts } = await ackWatcher(mosquitto, 'rate-peer');

    // CAM001 floods 40 at once; CAM002 sends 5, well within its own burst.
    const ids = Array.from({ length: 40 }, (_, i) => `flood-${i}`);
    const send = (camera: string, id: string) => peer.publishAsync(`lprserver/cameras/${camera}/detection`, JSON.stringify(detection(camera, id)), { qos: 1 });
    await Promise.all([...ids.map((id) => send('CAM001', id)), ...Array.from({ length: 5 }, (_, i) => send('CAM002', `calm-${i}`))]);
    await waitUntil(() => acks.length === 45, '45 acks');

    const accepted1 = out.filter((m) => m.lpr.cameraId === 'CAM001').map((m) => m.payload.message_id);
    assert.deepEqual(out.filter((m) => m.lpr.cameraId === 'CAM002').map((m) => m.payload.message_id), ['calm-0', 'calm-1', 'calm-2', 'calm-3', 'calm-4'], 'CAM002 unaffected');
    assert.ok(accepted1.length >= 10 && accepted1.length < 40, `${accepted1.length} taken at once`);
    const acks1 = acks.filter((a) => a.camera_id === 'CAM001');
    assert.equal(acks1.filter((a) => a.status === 'rejected').length, 0, 'nothing refused');
    const retries = acks1.filter((a) => a.status === 'retry');
    assert.equal(retries.length, 40 - accepted1.length);
    for (const a of retries) {
      assert.equal(a.topic, 'lprserver/cameras/CAM001/detection/ack');
      assert.ok(Number.isInteger(a.retry_after_ms) && a.retry_after_ms >= 100 && a.retry_after_ms <= 60_000, `retry_after_ms ${a.retry_after_ms}`);
      assert.match(a.error, /^rateLimit: over 5 detections\/s, burst 10 for camera CAM001/);
      assert.ok(!accepted1.includes(a.ack_id));
    }
    // Booked slots: the deferred detections are told to come back one per 1/rate, not all at once.
    const waits = retries.map((a) => a.retry_after_ms).sort((x, y) => x - y);
    assert.ok(waits.at(-1)! - waits[0]! >= ((waits.length - 1) * 1000) / 5 - 1000, `waits spread: ${waits[0]}..${waits.at(-1)}`);

    // A resend of an accepted detection while the camera is over the limit: re-acked received, not emitted.
    const before = acks.length;
    await send('CAM001', accepted1[0]!);
    await waitUntil(() => acks.length === before + 1, 'the duplicate acked');
    assert.equal(acks.at(-1).status, 'received');
    assert.equal(acks.at(-1).ack_id, accepted1[0]);

    // Not bad input: no Catch message.
    await sleep(200);
    assert.equal(caught.length, 0);

    // One alert at once for the first deferral, then (after the 1 s interval) one with the rest.
    await waitUntil(() => alerts.length >= 1, 'first alert');
    assert.equal(alerts[0].level, 'warning');
    assert.equal(alerts[0].source, 'gate detections');
    assert.equal(alerts[0].camera_id, 'CAM001');
    assert.equal(alerts[0].details.reason, 'rate_limited');
    assert.equal(alerts[0].details.deferred, 1);
    assert.match(alerts[0].message, /camera CAM001 is over the detection rate limit \(5\/s, burst 10\): 1 detection\(s\) deferred/);
    await waitUntil(() => alerts.length === 2, 'the held-back count', 5000);
    assert.equal(alerts[1].details.deferred, retries.length - 1);
    assert.match(alerts[1].message, new RegExp(`${retries.length - 1} detection\\(s\\) deferred .* in the last 1 s`));
    await waitUntil(() => statuses.some((s) => s.includes(`${retries.length} deferred`)), 'status shows the deferred count');

    // The camera resends each deferred detection when told: every one is taken, once.
    const resent = new Set<string>();
    peer.on('message', (topic, payload) => {
      const ack = JSON.parse(payload.toString());
      if (ack.status === 'retry' && ack.camera_id === 'CAM001') setTimeout(() => void send('CAM001', ack.ack_id), ack.retry_after_ms);
    });
    for (const a of retries) {
      resent.add(a.ack_id);
      setTimeout(() => void send('CAM001', a.ack_id), a.retry_after_ms);
    }
    await waitUntil(() => out.filter((m) => m.lpr.cameraId === 'CAM001').length === 40, 'all 40 of CAM001 taken', 30_000);
    await sleep(300);
    assertEachOnce(out.filter((m) => m.lpr.cameraId === 'CAM001'), ids);
    assertPace(out.filter((m) => m.lpr.cameraId === 'CAM001'), 5, 10);
    assert.equal(caught.length, 0);
    assert.equal(acks.filter((a) => a.status === 'rejected').length, 0);
    await peer.endAsync();
  });

  it('lpr-camera: 300 detections at once against rateLimit 50, rateBurst 20 all reach the flow, each once, none rejected', async () => {
    await helper.load(
      NODES,
      [
        ...flow(mosquitto, { rateLimit: 50, rateBurst: 20, rateAlertInterval: 60 }),
        brokerConfig(mosquitto, { id: 'cbroker', name: 'camera broker' }),
        { id: 'cam', type: 'lpr-camera', name: '', broker: 'cbroker', camera: 'CAM007', checkpoint: '', ack: true, ackTimeout: 10, bufferSize: 1000, overflow: 'drop-oldest', persist: false, file: '', requestConfig: false, wires: [[], []] },
      ].map((n) => (n.id === 'catcher' ? { ...n, scope: ['in', 'cam'] } : n)),
    );
    const out = collect('out');
    // Errors of both the server node and the camera node (the helper loads one catch node per flow).
    const caught = collect('caught');
    await waitReady();
    const agent = (helper.getNode('cam') as any).lprAgent;
    await waitUntil(() => agent.outbox.isOnline, 'camera online');
    const { peer, acks } = await ackWatcher(mosquitto, 'rate-peer-camera');
    await sleep(150);

    const cam = helper.getNode('cam');
    const ids = Array.from({ length: 300 }, (_, i) => `cam-${i}`);
    for (const id of ids) cam.receive({ topic: 'detection', payload: detection('CAM007', id) });
    await waitUntil(() => agent.outbox.size === 0, `all acked (pending ${agent.outbox.size}, emitted ${out.length})`, 40_000);
    await sleep(300);
    assertEachOnce(out, ids);
    assertPace(out, 50, 20);
    const m = agent.metrics;
    assert.equal(m.acked, 300);
    assert.equal(m.rejected, 0);
    assert.equal(m.dropped, 0);
    assert.ok(m.deferred >= 280 - 50, `${m.deferred} deferred`);
    // With booked slots nearly every deferred detection is taken at its first resend.
    assert.ok(m.deferred <= 2 * 280, `${m.deferred} retry acks for 280 over the burst`);
    const retries = acks.filter((a) => a.status === 'retry');
    assert.ok(retries.length > 0 && retries.every((a) => Number.isInteger(a.retry_after_ms) && a.retry_after_ms >= 100));
    assert.equal(acks.filter((a) => a.status === 'rejected').length, 0);
    assert.equal(caught.length, 0);
    await peer.endAsync();
  });

  it('lpr-sim (a separate process): 300 detections at once against rateLimit 50, rateBurst 20 all reach the flow, each once, none rejected', async () => {
    await helper.load(NODES, flow(mosquitto, { rateLimit: 50, rateBurst: 20, rateAlertInterval: 60 }));
    const out = collect('out');
    await waitReady();
    const { stdout, stderr, code } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [SIM, '--url', mosquitto.url, '--cameras', '1', '--prefix', 'SIM', '--count', '300', '--rate', '5000', '--health-interval', '0', '--no-config-request', '--ack-timeout', '10', '--drain', '30', '--quiet', '--json'],
        { timeout: 45_000 },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
      );
    });
    assert.equal(code, 0, stderr);
    const summary = JSON.parse(stdout);
    assert.deepEqual([summary.generated, summary.acked, summary.rejected, summary.dropped, summary.pending], [300, 300, 0, 0, 0]);
    assert.ok(summary.deferred > 0, `${summary.deferred} deferred`);
    await sleep(300);
    assert.equal(out.length, 300);
    assert.equal(new Set(out.map((m) => m.payload.message_id)).size, 300, 'each detection once');
    assertPace(out, 50, 20);
  });

  it('rateLimit 0 turns the limit off', async () => {
    await helper.load(NODES, flow(mosquitto, { rateLimit: 0, rateBurst: 1 }));
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
    await helper.load(NODES, flow(mosquitto, { rateBurst: 0 }));
    const node = helper.getNode('in') as any;
    await waitUntil(() => node.error.called || node.status.called, 'set-up reported', 5000);
    const text = node.error.args.map((a: any[]) => String(a[0])).join('\n');
    assert.match(text, /rateBurst: must be at least 1/);
  });
});
