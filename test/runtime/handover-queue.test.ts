import assert from 'node:assert/strict';
import { HandoverQueue, type Released } from '../../src/runtime/handover-queue';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const settle = async () => {
  for (let i = 0; i < 5; i++) await tick();
};

describe('HandoverQueue', () => {
  it('releases acks and delivered detections only after an event-loop turn, in order', async () => {
    const released: Array<Released<string>> = [];
    const queue = new HandoverQueue<string>((item) => released.push(item));
    queue.add('ack-1', { cameraId: 'CAM1', messageId: 'm1' }, 10);
    queue.add('ack-dup');
    queue.add(null, null); // nothing to wait for
    assert.equal(released.length, 0, 'not before the hand-over');
    assert.equal(queue.pendingKeys().has('CAM1/m1'), true);
    await settle();
    assert.deepEqual(released, [
      { ack: 'ack-1', delivered: { cameraId: 'CAM1', messageId: 'm1' }, at: 10 },
      { ack: 'ack-dup', delivered: null, at: 0 },
    ]);
    assert.equal(queue.pendingKeys().has('CAM1/m1'), false);
  });

  // Node-RED delivers each node.send() output with its own setImmediate. Several detections taken in
  // one turn (one TCP read of a burst) each queue their delivery after the queue's first flush was
  // scheduled: a flush that released them all would ack outputs not handed over yet, and a crash
  // right then loses them (seen in the reliability matrix's server SIGKILL row: 14 lost).
  it('releases each item only after the delivery its send queued, however many come in one turn', async () => {
    const delivered = new Set<string>();
    const early: string[] = [];
    const queue = new HandoverQueue<string>((item) => {
      if (item.delivered && !delivered.has(item.delivered.messageId)) early.push(item.delivered.messageId);
    });
    const send = (id: string) => setImmediate(() => delivered.add(id)); // as Node-RED's Flow.send
    for (let turn = 0; turn < 3; turn++) {
      for (let i = 0; i < 20; i++) {
        const id = `m${turn}-${i}`;
        send(id);
        queue.add(`ack-${id}`, { cameraId: 'CAM1', messageId: id }, 0);
      }
      await tick();
    }
    await settle();
    assert.deepEqual(early, [], 'acks released before their output was handed over');
    assert.equal(delivered.size, 60);
    assert.equal(queue.pendingKeys().size, 0, 'everything released in the end');
  });

  // A graceful stop between two flushes: the items whose delivery ran (added before the last flush)
  // were handed over, so their journal lines and acks are due; forgetting them made the restarted
  // runtime emit their resends again (the matrix's server-stop row: 2,643 duplicates).
  it('on close releases the items handed over already and returns only those never delivered', async () => {
    const released: string[] = [];
    const queue = new HandoverQueue<string>((item) => released.push(item.ack!));
    const delivered = new Set<string>();
    const send = (id: string) => setImmediate(() => delivered.add(id));
    for (let i = 0; i < 5; i++) {
      send(`a${i}`);
      queue.add(`a${i}`, { cameraId: 'C', messageId: `a${i}` }, 0);
    }
    await tick(); // the first flush ran (a0 released); a1..a4 were delivered right after it
    assert.deepEqual(released, ['a0']);
    send('b0');
    queue.add('b0', { cameraId: 'C', messageId: 'b0' }, 0); // its delivery has not run
    assert.equal(delivered.has('a4'), true);
    assert.equal(delivered.has('b0'), false);
    const dropped = queue.close();
    assert.deepEqual(released, ['a0', 'a1', 'a2', 'a3', 'a4'], 'handed over: released at close');
    assert.deepEqual(dropped, [{ cameraId: 'C', messageId: 'b0' }], 'only the undelivered one is dropped');
    await settle();
    assert.deepEqual(released, ['a0', 'a1', 'a2', 'a3', 'a4'], 'nothing after close');
  });

  it('once closed releases nothing, and returns what was never handed over', async () => {
    const released: Array<Released<string>> = [];
    const queue = new HandoverQueue<string>((item) => released.push(item));
    queue.add('a', { cameraId: 'CAM1', messageId: 'm1' }, 1);
    queue.add('b');
    queue.add(null, { cameraId: 'CAM2', messageId: 'm2' }, 2);
    assert.deepEqual(queue.close(), [
      { cameraId: 'CAM1', messageId: 'm1' },
      { cameraId: 'CAM2', messageId: 'm2' },
    ]);
    queue.add('c', { cameraId: 'CAM3', messageId: 'm3' }, 3);
    await tick();
    await tick();
    assert.deepEqual(released, []);
    assert.equal(queue.pendingKeys().has('CAM1/m1'), false);
  });
});
