import assert from 'node:assert/strict';
import { HandoverQueue, type Released } from '../../src/runtime/handover-queue';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('HandoverQueue', () => {
  it('releases acks and delivered detections only after an event-loop turn, in order', async () => {
    const released: Array<Released<string>> = [];
    const queue = new HandoverQueue<string>((item) => released.push(item));
    queue.add('ack-1', { cameraId: 'CAM1', messageId: 'm1' }, 10);
    queue.add('ack-dup');
    queue.add(null, null); // nothing to wait for
    assert.equal(released.length, 0, 'not before the hand-over');
    assert.equal(queue.pendingKeys().has('CAM1/m1'), true);
    await tick();
    assert.deepEqual(released, [
      { ack: 'ack-1', delivered: { cameraId: 'CAM1', messageId: 'm1' }, at: 10 },
      { ack: 'ack-dup', delivered: null, at: 0 },
    ]);
    assert.equal(queue.pendingKeys().has('CAM1/m1'), false);
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
