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
