/**
 * lpr-detection-in with `ackWhen: 'complete'` on a real Mosquitto: the ack waits until the scoped
 * node has finished the message (Node-RED's onComplete hook). A function node stands in for a
 * database: it finishes some messages, fails others with done(err) and leaves others unfinished.
 * A detection not acked must come through again when the camera resends it (not swallowed by dedupe).
 */
import assert from 'node:assert/strict';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { mosquittoPub, mosquittoSub, type Subscriber } from '../fixtures/mqtt-cli';
import { detection } from '../fixtures/samples';
import { sleep, waitUntil } from '../fixtures/wait';
import { brokerConfig, collect, detectionInConfig, detectionInWithHooks, functionNode, brokerNode, catchNode, helper, waitReady, useHelperServer } from './harness';


const TOPIC = 'lprserver/cameras/CAM001/detection';

/**
 * The stand-in database: the first try of an id starting `fail` ends in done(err), of `hang` never
 * ends; every other try (and every other id) is stored. `slow` ids finish after 600 ms. With the
 * split output, the plate `FAILPLATE` fails on its detection's first try.
 */
const STORE = `
const id = msg.lpr.messageId;
const key = id + '#' + (msg.lpr.plateIndex ?? '');
const tries = (context.get(key) || 0) + 1;
context.set(key, tries);
const first = tries === 1;
const plate = msg.lpr.plateIndex === undefined ? null : msg.payload.plate_number;
if (first && (id.startsWith('fail') || plate === 'FAILPLATE')) { node.done(new Error('database down for ' + key)); return; }
if (first && id.startsWith('hang')) return;
if (id.startsWith('slow')) { setTimeout(() => { node.send(msg); node.done(); }, 600); return; }
node.send(msg);
node.done();
`;

function flow(mosquitto: Mosquitto, inProps: Record<string, unknown> = {}) {
  return [
    brokerConfig(mosquitto),
    detectionInConfig({ ackWhen: 'complete', ackScope: ['store'], ackTimeout: 1, wires: [['store', 'seen']] }),
    { id: 'store', type: 'function', name: 'stand-in database', func: STORE, outputs: 1, wires: [['stored']] },
    { id: 'seen', type: 'helper' },
    { id: 'stored', type: 'helper' },
    { id: 'catcher', type: 'catch', scope: ['store'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ].map((n) => (n.id === 'in' ? { ...n, ...inProps } : n));
}

const publish = (mosquitto: Mosquitto, d: Record<string, unknown>) => mosquittoPub(mosquitto.port, TOPIC, JSON.stringify(d));
const ackIds = (acks: Subscriber) => acks.messages.map((m) => JSON.parse(m.payload) as { ack_id: string; status: string }).map((a) => `${a.ack_id} ${a.status}`);

describe('lpr-detection-in acks when the flow has finished (ackWhen complete)', function () {
  let mosquitto: Mosquitto;
  const nodes = [brokerNode, detectionInWithHooks, catchNode, functionNode];

  before(async () => {
    mosquitto = await startMosquitto();
  });
  after(async () => {
    await mosquitto?.stop();
  });
  useHelperServer();

  it('acks only what the scoped node finished; a failed detection is not acked and its resend comes through again', async () => {
    await helper.load(nodes, flow(mosquitto));
    const seen = collect('seen');
    const stored = collect('stored');
    const caught = collect('caught');
    await waitReady();
    const acks = await mosquittoSub(mosquitto.port, 'lprserver/cameras/+/detection/ack');
    try {
      const ok1 = detection('CAM001', 'ok-1');
      const fail1 = detection('CAM001', 'fail-1');
      const ok2 = detection('CAM001', 'ok-2');
      for (const d of [ok1, fail1, ok2]) await publish(mosquitto, d);
      await waitUntil(() => stored.length === 2 && caught.length === 1, 'two stored, one failed');
      await acks.waitFor(2);
      await sleep(1500); // longer than ackTimeout: a late ack for fail-1 would be here by now
      assert.deepEqual(ackIds(acks), ['ok-1 received', 'ok-2 received']);
      assert.match(caught[0].error.message, /database down for fail-1/);

      // The camera resends fail-1 (same message_id): taken as new, emitted again, stored, acked.
      await publish(mosquitto, fail1);
      await waitUntil(() => stored.length === 3, 'fail-1 stored on its resend');
      await acks.waitFor(3);
      assert.deepEqual(ackIds(acks), ['ok-1 received', 'ok-2 received', 'fail-1 received']);
      assert.deepEqual(seen.map((m) => m.lpr.messageId), ['ok-1', 'fail-1', 'ok-2', 'fail-1']);

      // A resend of an acked detection is still a duplicate: acked again, not emitted.
      await publish(mosquitto, ok1);
      await acks.waitFor(4);
      assert.equal(ackIds(acks)[3], 'ok-1 received');
      await sleep(200);
      assert.equal(seen.length, 4);
    } finally {
      acks.stop();
    }
  });

  it('does not ack a detection the flow has not finished within ackTimeout; its resend comes through again', async () => {
    await helper.load(nodes, flow(mosquitto));
    const seen = collect('seen');
    const stored = collect('stored');
    const statuses: string[] = [];
    const inNode = helper.getNode('in') as any;
    const status = inNode.status.bind(inNode);
    inNode.status = (s: any) => {
      if (s && s.text) statuses.push(s.text);
      return status(s);
    };
    await waitReady();
    const acks = await mosquittoSub(mosquitto.port, 'lprserver/cameras/+/detection/ack');
    try {
      const hang = detection('CAM001', 'hang-1');
      await publish(mosquitto, hang);
      await waitUntil(() => seen.length === 1, 'hang-1 emitted');
      await sleep(2200); // ackTimeout is 1 s
      assert.deepEqual(ackIds(acks), []);
      assert.ok(statuses.some((t) => /1 timed out/.test(t)), `status: ${statuses.join(' | ')}`);
      await publish(mosquitto, hang);
      await waitUntil(() => stored.length === 1, 'hang-1 stored on its resend');
      await acks.waitFor(1);
      assert.deepEqual(ackIds(acks), ['hang-1 received']);
      assert.equal(seen.length, 2);
    } finally {
      acks.stop();
    }
  });

  it('a resend while the first copy is still being stored waits for it: one ack, after the store', async () => {
    await helper.load(nodes, flow(mosquitto));
    const seen = collect('seen');
    const stored = collect('stored');
    await waitReady();
    const acks = await mosquittoSub(mosquitto.port, 'lprserver/cameras/+/detection/ack');
    try {
      const slow = detection('CAM001', 'slow-1');
      await publish(mosquitto, slow);
      await publish(mosquitto, slow);
      await sleep(300);
      assert.deepEqual(ackIds(acks), [], 'no ack before the store finished');
      await waitUntil(() => stored.length === 1, 'slow-1 stored');
      await acks.waitFor(1);
      await sleep(300);
      assert.equal(seen.length, 1);
      assert.deepEqual(ackIds(acks), ['slow-1 received']);
    } finally {
      acks.stop();
    }
  });

  it('split output: acked only when every plate is stored; one failed plate means no ack, and the resend stores all', async () => {
    await helper.load(nodes, flow(mosquitto, { split: true }));
    const seen = collect('seen');
    const stored = collect('stored');
    await waitReady();
    const acks = await mosquittoSub(mosquitto.port, 'lprserver/cameras/+/detection/ack');
    try {
      const two = detection('CAM001', 'two-1');
      two.detection_data.plates.push({ ...two.detection_data.plates[0], plate_index: 1, plate_number: 'FAILPLATE' });
      two.detection_data.plates_count = 2;
      const one = detection('CAM001', 'one-1');
      await publish(mosquitto, two);
      await publish(mosquitto, one);
      await waitUntil(() => seen.length === 3 && stored.length === 2, 'three plates out, two stored');
      await acks.waitFor(1);
      await sleep(1500);
      assert.deepEqual(ackIds(acks), ['one-1 received']);
      await publish(mosquitto, two);
      await waitUntil(() => stored.length === 4, 'both plates of two-1 stored');
      await acks.waitFor(2);
      assert.deepEqual(ackIds(acks), ['one-1 received', 'two-1 received']);
    } finally {
      acks.stop();
    }
  });

  it('a flow saved before ackWhen existed acks on hand-over, as before', async () => {
    const old = flow(mosquitto).map((n) => {
      if (n.id !== 'in') return n;
      const { ackWhen: _w, ackScope: _s, ackTimeout: _t, ...rest } = n as Record<string, unknown>;
      return rest as typeof n;
    });
    await helper.load(nodes, old);
    await waitReady();
    const acks = await mosquittoSub(mosquitto.port, 'lprserver/cameras/+/detection/ack');
    try {
      await publish(mosquitto, detection('CAM001', 'fail-old'));
      await acks.waitFor(1);
      assert.deepEqual(ackIds(acks), ['fail-old received']);
    } finally {
      acks.stop();
    }
  });
});
