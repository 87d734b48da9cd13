/**
 * lpr-detection-in's batch output on a real Mosquitto (docs/nodes.md "Batches"): one message per
 * batch, each detection acked on its own once the batch has been handed over (or finished, with
 * ackWhen complete); resends of buffered detections, a redeploy with an unsent batch, split output.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { detection } from '../fixtures/samples';
import { sleep, waitUntil } from '../fixtures/wait';
import { brokerConfig, brokerNode, catchNode, collect, detectionInConfig, detectionInWithHooks, functionNode, helper, useHelperServer, waitReady } from './harness';

const NODES = [brokerNode, detectionInWithHooks, catchNode, functionNode];

const TOPIC = 'lprserver/cameras/CAM001/detection';

/** The stand-in database for a batch: the first try of a batch holding an id starting `fail` fails. */
const STORE = `
const ids = msg.payload.map((d) => d.message_id);
const failing = ids.filter((id) => id.startsWith('fail') && !context.get(id));
for (const id of failing) context.set(id, true);
if (failing.length > 0) { node.done(new Error('database down for ' + ids.join(','))); return; }
node.send(msg);
node.done();
`;

function flow(mosquitto: Mosquitto, inProps: Record<string, unknown> = {}) {
  return [
    brokerConfig(mosquitto),
    detectionInConfig({ batch: 5, batchWindow: 300, wires: [['out']], ...inProps }),
    { id: 'out', type: 'helper' },
    { id: 'store', type: 'function', name: 'stand-in database', func: STORE, outputs: 1, wires: [['stored']] },
    { id: 'stored', type: 'helper' },
    { id: 'catcher', type: 'catch', scope: ['in', 'store'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];
}

interface Seen {
  at: number;
  msg: any;
}

/** The output with the time each message arrived. */
function collectTimed(nodeId: string): Seen[] {
  const seen: Seen[] = [];
  helper.getNode(nodeId).on('input', (msg: any) => seen.push({ at: Date.now(), msg }));
  return seen;
}

/** A camera: publishes detections and records the acks it gets, with the time each arrived. */
async function camera(mosquitto: Mosquitto, clientId: string) {
  const peer = await mqtt.connectAsync(mosquitto.url, { clientId });
  const acks: Array<{ at: number; id: string; status: string }> = [];
  peer.on('message', (_topic, payload) => {
    const ack = JSON.parse(payload.toString());
    acks.push({ at: Date.now(), id: ack.ack_id, status: ack.status });
  });
  await peer.subscribeAsync('lprserver/cameras/+/detection/ack', { qos: 1 });
  const send = (...ds: Array<Record<string, unknown>>) => Promise.all(ds.map((d) => peer.publishAsync(`lprserver/cameras/${d.camera_id}/detection`, JSON.stringify(d), { qos: 1 })));
  return { peer, acks, send, ackIds: () => acks.map((a) => a.id) };
}

const ids = (msg: any) => msg.payload.map((d: any) => d.message_id);

describe('lpr-detection-in batches', function () {
  let mosquitto: Mosquitto;

  before(async () => {
    mosquitto = await startMosquitto();
  });
  after(async () => {
    await mosquitto?.stop();
  });
  useHelperServer();

  it('sends a batch when it is full; each detection acked on its own after the hand-over; the rest waits', async () => {
    await helper.load(NODES, flow(mosquitto, { batch: 5, batchWindow: 60_000 }));
    const out = collectTimed('out');
    await waitReady();
    const cam = await camera(mosquitto, 'batch-size');
    try {
      const sent = Array.from({ length: 12 }, (_, i) => detection(i % 2 ? 'CAM001' : 'CAM002', `d-${i}`));
      for (const d of sent) await cam.send(d);
      await waitUntil(() => out.length === 2, 'two full batches');
      await waitUntil(() => cam.acks.length === 10, 'ten acks');
      await sleep(300);
      assert.equal(out.length, 2, 'the last two wait for the window');
      assert.deepEqual(cam.ackIds().sort(), sent.slice(0, 10).map((d) => d.message_id).sort());
      assert.ok(cam.acks.every((a) => a.status === 'received'));
      for (const [b, { msg, at }] of out.entries()) {
        const mine = sent.slice(b * 5, b * 5 + 5);
        assert.equal(msg.topic, 'lprserver/cameras/+/detection');
        assert.deepEqual(msg.payload, mine);
        assert.equal(msg.lpr.type, 'batch');
        assert.equal(msg.lpr.count, 5);
        assert.equal(msg.lpr.items.length, 5);
        for (const [i, item] of msg.lpr.items.entries()) {
          assert.equal(item.type, 'detection');
          assert.equal(item.messageId, mine[i]!.message_id);
          assert.equal(item.cameraId, mine[i]!.camera_id);
          assert.equal(item.topic, `lprserver/cameras/${mine[i]!.camera_id}/detection`);
          assert.equal(item.timestamp, new Date(mine[i]!.timestamp).toISOString());
          assert.equal(typeof item.receivedAt, 'number');
          assert.equal(typeof item.site.received.time, 'string');
          assert.equal(item.plateKey, undefined);
        }
        // Acked after the hand-over of its batch, never before.
        for (const d of mine) assert.ok(cam.acks.find((a) => a.id === d.message_id)!.at >= at, `${d.message_id} acked before its batch was handed over`);
      }
      const status = (helper.getNode('in') as any).status;
      await waitUntil(() => status.args.some((a: any[]) => /2 batches/.test(a[0]?.text ?? '')), 'the status counts batches', 3000);
    } finally {
      await cam.peer.endAsync();
    }
  });

  it('sends a batch that is not full once the window has passed since its first detection', async () => {
    await helper.load(NODES, flow(mosquitto, { batch: 100, batchWindow: 400 }));
    const out = collectTimed('out');
    await waitReady();
    const cam = await camera(mosquitto, 'batch-window');
    try {
      const start = Date.now();
      await cam.send(detection('CAM001', 'w-1'), detection('CAM001', 'w-2'), detection('CAM001', 'w-3'));
      await sleep(200);
      assert.equal(out.length, 0, 'still within the window');
      assert.equal(cam.acks.length, 0, 'no ack before the hand-over');
      await waitUntil(() => out.length === 1, 'the batch after the window');
      assert.ok(out[0]!.at - start >= 390, `left after ${out[0]!.at - start} ms`);
      assert.deepEqual(ids(out[0]!.msg), ['w-1', 'w-2', 'w-3']);
      await waitUntil(() => cam.acks.length === 3, 'three acks');
      assert.ok(cam.acks.every((a) => a.at >= out[0]!.at));
    } finally {
      await cam.peer.endAsync();
    }
  });

  it('a resend of a detection waiting in the batch is not sent on and is answered with it; a later resend is acked again', async () => {
    await helper.load(NODES, flow(mosquitto, { batch: 100, batchWindow: 400 }));
    const out = collectTimed('out');
    await waitReady();
    const cam = await camera(mosquitto, 'batch-dup');
    try {
      const d1 = detection('CAM001', 'dup-1');
      await cam.send(d1);
      await cam.send(d1);
      await cam.send(detection('CAM001', 'dup-2'));
      await sleep(150);
      assert.equal(cam.acks.length, 0, 'the resend has no ack of its own before the original');
      await waitUntil(() => out.length === 1 && cam.acks.length === 2, 'the batch and its acks');
      await sleep(200);
      assert.deepEqual(ids(out[0]!.msg), ['dup-1', 'dup-2']);
      assert.deepEqual(cam.ackIds(), ['dup-1', 'dup-2']);
      // Once handed over, a resend is an ordinary duplicate: acked again, not sent on.
      await cam.send(d1);
      await waitUntil(() => cam.acks.length === 3, 'the ack of the later resend');
      await sleep(600);
      assert.equal(out.length, 1);
    } finally {
      await cam.peer.endAsync();
    }
  });

  it('ackWhen complete: a finished batch acks all its detections; a failed one none, and their resends come through again', async () => {
    await helper.load(NODES, flow(mosquitto, { batch: 3, batchWindow: 60_000, ackWhen: 'complete', ackScope: ['store'], ackTimeout: 5, wires: [['out', 'store']] }));
    const out = collectTimed('out');
    const stored = collect('stored');
    const caught = collect('caught');
    await waitReady();
    const cam = await camera(mosquitto, 'batch-complete');
    try {
      const good = ['ok-1', 'ok-2', 'ok-3'].map((id) => detection('CAM001', id));
      const bad = ['ok-4', 'fail-5', 'ok-6'].map((id) => detection('CAM001', id));
      for (const d of good) await cam.send(d);
      await waitUntil(() => stored.length === 1 && cam.acks.length === 3, 'the first batch stored and acked');
      for (const d of bad) await cam.send(d);
      await waitUntil(() => out.length === 2 && caught.length === 1, 'the second batch out and failed');
      await sleep(500);
      assert.deepEqual(cam.ackIds(), ['ok-1', 'ok-2', 'ok-3'], 'none of the failed batch acked');
      assert.match(caught[0].error.message, /database down for ok-4,fail-5,ok-6/);
      // The camera resends what was not acked: taken as new, sent on again, stored, acked.
      for (const d of bad) await cam.send(d);
      await waitUntil(() => stored.length === 2 && cam.acks.length === 6, 'the resent batch stored and acked');
      assert.deepEqual(ids(out[2]!.msg), ['ok-4', 'fail-5', 'ok-6']);
      assert.deepEqual(cam.ackIds().slice(3).sort(), ['fail-5', 'ok-4', 'ok-6']);
      assert.equal(out.length, 3);
    } finally {
      await cam.peer.endAsync();
    }
  });

  it('one message per plate: the plates of a detection travel together; a detection with no plates is acked without a batch', async () => {
    await helper.load(NODES, flow(mosquitto, { split: true, batch: 3, batchWindow: 300 }));
    const out = collectTimed('out');
    await waitReady();
    const cam = await camera(mosquitto, 'batch-split');
    try {
      const two = (id: string) => {
        const d = detection('CAM001', id, 'กข 1234');
        d.detection_data.plates.push({ ...d.detection_data.plates[0], plate_index: 1, plate_number: '๑กข ๑๒๓๔' });
        d.detection_data.plates_count = 2;
        return d;
      };
      const none = detection('CAM001', 'none');
      none.detection_data.plates = [];
      none.detection_data.plates_count = 0;
      const a = two('a');
      const b = two('b');
      await cam.send(a);
      await cam.send(none);
      await cam.send(b);
      await waitUntil(() => out.length === 2, 'two batches');
      // a's two plates, then b's: three would split b, so a's batch left with two.
      assert.deepEqual(out.map(({ msg }) => msg.lpr.count), [2, 2]);
      const first = out[0]!.msg;
      assert.deepEqual(first.payload, a.detection_data.plates);
      assert.deepEqual(first.lpr.items.map((i: any) => [i.messageId, i.plateIndex, i.plateKey]), [
        ['a', 0, 'กข1234'],
        ['a', 1, '1กข1234'],
      ]);
      assert.deepEqual(first.lpr.items[1].detection, a);
      assert.equal(first.lpr.items[0].topic, TOPIC);
      await waitUntil(() => cam.acks.length === 3, 'three acks');
      assert.deepEqual(cam.ackIds().sort(), ['a', 'b', 'none']);
    } finally {
      await cam.peer.endAsync();
    }
  });

  it('bad batch settings stop the node with an error naming the field', async () => {
    for (const [props, want] of [
      [{ batch: -1 }, /batch: must be at least 0/],
      [{ batch: 2.5 }, /batch: must be a whole number/],
      [{ batch: 20_000 }, /batch: must be at most 10000/],
      [{ batchWindow: 0 }, /batchWindow: must be at least 1/],
      [{ batchWindow: 'soon' }, /batchWindow: must be a number/],
    ] as const) {
      await helper.load(NODES, flow(mosquitto, props));
      const node = helper.getNode('in') as any;
      await waitUntil(() => node.error.called, 'set-up reported', 5000);
      const text = node.error.args.map((a: any[]) => String(a[0])).join('\n');
      assert.match(text, want);
      await helper.unload();
    }
  });
});

describe('lpr-detection-in batches across a redeploy', function () {
  let mosquitto: Mosquitto;
  let userDir: string;

  before(async () => {
    mosquitto = await startMosquitto();
  });
  after(async () => {
    await mosquitto?.stop();
  });
  beforeEach(() => {
    // With a user directory the dedupe window outlives the redeploy (its journal): the unsent
    // batch's detections must not be in it.
    userDir = mkdtempSync(path.join(os.tmpdir(), 'lpr-batch-'));
    helper.settings({ userDir });
  });
  afterEach(() => {
    helper.settings({});
    rmSync(userDir, { recursive: true, force: true });
  });
  useHelperServer();

  it('a batch not yet sent is not acked; after the redeploy the resends are taken as new: nothing lost, nothing twice', async () => {
    const f = flow(mosquitto, { batch: 100, batchWindow: 60_000 });
    await helper.load(NODES, f);
    const out = collectTimed('out'); // 'out' is not redeployed: one collector sees both instances' output
    await waitReady();
    const cam = await camera(mosquitto, 'batch-redeploy');
    try {
      const sent = ['r-1', 'r-2', 'r-3'].map((id) => detection('CAM001', id));
      for (const d of sent) await cam.send(d);
      await sleep(300);
      assert.equal(out.length, 0);
      const original = helper.getNode('in');
      const changed = f.map((n) => (n.id === 'in' ? { ...n, name: 'renamed', batchWindow: 200 } : n));
      await helper.setFlows(changed, 'nodes');
      assert.notEqual(helper.getNode('in'), original, 'the redeploy must recreate the node');
      await sleep(500);
      assert.equal(cam.acks.length, 0, 'the unsent batch was not acked');
      // The camera resends what was not acked.
      for (const d of sent) await cam.send(d);
      await waitUntil(() => out.length === 1 && cam.acks.length === 3, 'the resends sent on and acked');
      await sleep(400);
      assert.deepEqual(out.flatMap(({ msg }) => ids(msg)), ['r-1', 'r-2', 'r-3']);
      assert.deepEqual(cam.ackIds(), ['r-1', 'r-2', 'r-3']);
    } finally {
      await cam.peer.endAsync();
    }
  });
});
