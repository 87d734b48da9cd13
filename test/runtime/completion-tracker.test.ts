import assert from 'node:assert/strict';
import { readAckSettings } from '../../src/runtime/ack-settings';
import { CompletionTracker, type GivenUp } from '../../src/runtime/completion-tracker';
import type { Released } from '../../src/runtime/handover-queue';
import { ConfigError } from '../../src/runtime/settings';
import { sleep } from '../fixtures/wait';

function tracker(scope: string[], options: { timeoutMs?: number; maxPending?: number; now?: () => number } = {}) {
  const completed: Array<Released<string>> = [];
  const givenUp: Array<GivenUp<string>> = [];
  const t = new CompletionTracker<string>({
    scope,
    timeoutMs: options.timeoutMs ?? 60_000,
    maxPending: options.maxPending ?? 100,
    onComplete: (item) => completed.push(item),
    onGiveUp: (item) => givenUp.push(item),
    now: options.now,
  });
  return { t, completed, givenUp };
}

const d = (messageId: string) => ({ cameraId: 'CAM1', messageId });

describe('CompletionTracker', () => {
  it('completes a detection once every scoped node has finished every one of its messages', () => {
    const { t, completed, givenUp } = tracker(['db', 'archive']);
    t.track(['m1', 'm2'], 'ack-a', d('a'), 5);
    assert.equal(t.pending, 1);
    assert.equal(t.isPending('CAM1', 'a'), true);
    t.complete('m1', 'db');
    t.complete('m1', 'db'); // a second completion by the same node counts once
    t.complete('m1', 'other'); // outside the scope
    t.complete('m2', 'db');
    t.complete('m1', 'archive');
    assert.deepEqual(completed, []);
    t.complete('m2', 'archive');
    assert.deepEqual(completed, [{ ack: 'ack-a', delivered: d('a'), at: 5 }]);
    assert.deepEqual(givenUp, []);
    assert.equal(t.pending, 0);
    assert.equal(t.isPending('CAM1', 'a'), false);
    assert.deepEqual(t.counts, { completed: 1, failed: 0, timedOut: 0, overflowed: 0 });
    t.complete('m2', 'archive'); // late: ignored
    assert.equal(completed.length, 1);
  });

  it('gives a detection up when a scoped node reports an error on any of its messages; later completions are ignored', () => {
    const { t, completed, givenUp } = tracker(['db']);
    t.track(['m1', 'm2'], 'ack-a', d('a'), 1);
    t.complete('m1', 'db');
    const err = new Error('connection refused');
    t.complete('m2', 'other', err); // an error outside the scope does not count
    assert.deepEqual(givenUp, []);
    t.complete('m2', 'db', err);
    assert.deepEqual(givenUp, [{ ack: 'ack-a', delivered: d('a'), reason: 'error', error: err, nodeId: 'db' }]);
    t.complete('m2', 'db');
    assert.deepEqual(completed, []);
    assert.equal(t.counts.failed, 1);
    assert.deepEqual([...t.pendingKeys()], []);
  });

  it('gives up what is not finished within the timeout, oldest first, with one timer', async () => {
    const { t, completed, givenUp } = tracker(['db'], { timeoutMs: 300 });
    t.track(['m1'], 'a', d('a'), 1);
    await sleep(150);
    t.track(['m2'], 'b', d('b'), 2);
    t.track(['m3'], 'c', d('c'), 3);
    t.complete('m3', 'db');
    await sleep(200); // a is due at 300 ms, b at 450 ms
    assert.deepEqual(givenUp.map((g) => `${g.delivered.messageId} ${g.reason}`), ['a timeout']);
    await sleep(250);
    assert.deepEqual(givenUp.map((g) => `${g.delivered.messageId} ${g.reason}`), ['a timeout', 'b timeout']);
    assert.deepEqual(completed.map((c) => c.ack), ['c']);
    assert.equal(t.counts.timedOut, 2);
    t.complete('m1', 'db'); // too late
    assert.equal(completed.length, 1);
  });

  it('at the cap, gives up the oldest waiting detection to take a new one', () => {
    const { t, givenUp } = tracker(['db'], { maxPending: 2 });
    t.track(['m1'], 'a', d('a'), 1);
    t.track(['m2'], 'b', d('b'), 2);
    t.track(['m3'], 'c', d('c'), 3);
    assert.equal(t.pending, 2);
    assert.deepEqual(givenUp.map((g) => `${g.delivered.messageId} ${g.reason}`), ['a overflow']);
    assert.deepEqual([...t.pendingKeys()].sort(), ['CAM1/b', 'CAM1/c']);
    assert.equal(t.counts.overflowed, 1);
  });

  it('close returns what still waits and stops; a detection with no messages is not tracked', () => {
    const { t, completed, givenUp } = tracker(['db']);
    t.track([], 'none', d('none'), 0);
    assert.equal(t.pending, 0);
    t.track(['m1'], 'a', d('a'), 1);
    assert.deepEqual(t.close(), [d('a')]);
    t.complete('m1', 'db');
    t.track(['m2'], 'b', d('b'), 2);
    assert.equal(t.pending, 0);
    assert.deepEqual([completed, givenUp], [[], []]);
  });

  it('two copies of one detection (dedupe off) are tracked apart', () => {
    const { t, completed } = tracker(['db']);
    t.track(['m1'], 'first', d('a'), 1);
    t.track(['m2'], 'second', d('a'), 2);
    t.complete('m1', 'db');
    assert.equal(t.isPending('CAM1', 'a'), true);
    t.complete('m2', 'db');
    assert.deepEqual(completed.map((c) => c.ack), ['first', 'second']);
    assert.equal(t.isPending('CAM1', 'a'), false);
  });

  it('a batch: one message carries many detections; finished, all complete in order; failed, all are given up', () => {
    const { t, completed, givenUp } = tracker(['db', 'archive']);
    const items = (ids: string[]) => ids.map((id, i) => ({ ack: `ack-${id}`, delivered: d(id), at: i }));
    t.trackBatch('b1', items(['a', 'b', 'c']));
    t.trackBatch('b2', items(['x', 'y']));
    t.trackBatch('b2', items(['z'])); // a _msgid already tracked is not taken twice
    assert.equal(t.pending, 5);
    assert.equal(t.isPending('CAM1', 'b'), true);
    assert.deepEqual([...t.pendingKeys()].sort(), ['CAM1/a', 'CAM1/b', 'CAM1/c', 'CAM1/x', 'CAM1/y']);
    t.complete('b1', 'db');
    assert.deepEqual(completed, [], 'every scoped node must finish the batch');
    t.complete('b1', 'archive');
    assert.deepEqual(completed, items(['a', 'b', 'c']));
    const err = new Error('disk full');
    t.complete('b2', 'archive', err);
    assert.deepEqual(
      givenUp.map((g) => [g.delivered.messageId, g.reason, g.error, g.nodeId]),
      [
        ['x', 'error', err, 'archive'],
        ['y', 'error', err, 'archive'],
      ],
    );
    t.complete('b2', 'db');
    assert.equal(completed.length, 3, 'a late completion of a failed batch is ignored');
    assert.equal(t.pending, 0);
    assert.deepEqual(t.counts, { completed: 3, failed: 2, timedOut: 0, overflowed: 0 });
  });

  it('a batch not finished in time is given up whole; at the cap the oldest detections make room for a new batch', async () => {
    const { t, givenUp, completed } = tracker(['db'], { timeoutMs: 50, maxPending: 4 });
    const items = (ids: string[]) => ids.map((id) => ({ ack: id, delivered: d(id), at: 0 }));
    t.trackBatch('b1', items(['a', 'b', 'c']));
    t.trackBatch('b2', items(['x', 'y']));
    assert.deepEqual(givenUp.map((g) => [g.delivered.messageId, g.reason]), [['a', 'overflow']]);
    t.complete('b1', 'db');
    assert.deepEqual(completed.map((c) => c.delivered?.messageId), ['b', 'c'], 'the rest of the batch completes');
    await sleep(120);
    assert.deepEqual(givenUp.map((g) => [g.delivered.messageId, g.reason]).slice(1), [['x', 'timeout'], ['y', 'timeout']]);
    assert.equal(t.pending, 0);
    t.trackBatch('b3', items(['p', 'q']));
    assert.deepEqual(t.close(), [d('p'), d('q')]);
  });

  it('refuses an empty scope, a timeout of 0 and a cap under 1', () => {
    const make = (scope: string[], timeoutMs: number, maxPending: number) =>
      new CompletionTracker({ scope, timeoutMs, maxPending, onComplete: () => undefined, onGiveUp: () => undefined });
    assert.throws(() => make([], 1000, 1), /scope/);
    assert.throws(() => make(['x'], 0, 1), /timeoutMs/);
    assert.throws(() => make(['x'], 1000, 0), /maxPending/);
  });
});

describe('readAckSettings', () => {
  it('defaults to the hand-over (flows saved before the setting existed)', () => {
    assert.deepEqual(readAckSettings({}), { ackWhen: 'handover', ackScope: [], ackTimeoutMs: 30_000 });
    assert.deepEqual(readAckSettings({ ackWhen: '', ackScope: null, ackTimeout: '' }), { ackWhen: 'handover', ackScope: [], ackTimeoutMs: 30_000 });
  });

  it('reads the completion mode, its scope (trimmed, once each) and timeout', () => {
    assert.deepEqual(readAckSettings({ ackWhen: 'complete', ackScope: ['db', ' db ', 'b2'], ackTimeout: '2.5' }), {
      ackWhen: 'complete',
      ackScope: ['db', 'b2'],
      ackTimeoutMs: 2500,
    });
  });

  it('names the property that is wrong', () => {
    const field = (props: Record<string, unknown>) => {
      try {
        readAckSettings(props);
      } catch (err) {
        assert.ok(err instanceof ConfigError);
        return err.field;
      }
      return null;
    };
    assert.equal(field({ ackWhen: 'stored' }), 'ackWhen');
    assert.equal(field({ ackScope: 'db' }), 'ackScope');
    assert.equal(field({ ackScope: ['db', 7] }), 'ackScope[1]');
    assert.equal(field({ ackScope: [''] }), 'ackScope[0]');
    assert.equal(field({ ackTimeout: 0 }), 'ackTimeout');
    assert.equal(field({ ackTimeout: 'soon' }), 'ackTimeout');
  });
});
