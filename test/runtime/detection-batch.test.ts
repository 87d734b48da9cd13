/**
 * The batcher of lpr-detection-in's batch output, on a clock of the test's own: properties over
 * random arrivals (detections of 0-4 entries, gaps of 0-120 ms), then the settings reader.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Batcher, readBatchSettings, batching, type Batch, type BatchTimers } from '../../src/runtime/detection-batch';
import { ConfigError } from '../../src/runtime/settings';

/** A manual clock: timers fire, in order, when the test advances it past their time. */
class Clock implements BatchTimers {
  now = 0;
  private timers = new Map<number, { at: number; fire: () => void }>();
  private next = 1;
  set(fire: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.set(id, { at: this.now + ms, fire });
    return id;
  }
  clear(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.now = due[1].at;
      due[1].fire();
    }
    this.now = until;
  }
  get armed(): number {
    return this.timers.size;
  }
}

/** One detection: its key, its entries, and when it arrived. */
interface Arrival {
  key: string;
  entries: string[];
  at: number;
}

const scenario = fc.record({
  size: fc.integer({ min: 1, max: 8 }),
  windowMs: fc.integer({ min: 1, max: 100 }),
  steps: fc.array(fc.record({ gap: fc.integer({ min: 0, max: 120 }), entries: fc.integer({ min: 0, max: 4 }) }), { maxLength: 60 }),
  closeAtEnd: fc.boolean(),
});

function run({ size, windowMs, steps, closeAtEnd }: { size: number; windowMs: number; steps: Array<{ gap: number; entries: number }>; closeAtEnd: boolean }) {
  const clock = new Clock();
  const sent: Array<{ at: number; batch: Batch<string, Arrival> }> = [];
  const batcher = new Batcher<string, Arrival>(size, windowMs, (batch) => sent.push({ at: clock.now, batch }), clock);
  const arrivals: Arrival[] = [];
  const waitingAfterAdd: number[] = [];
  for (const [i, step] of steps.entries()) {
    clock.advance(step.gap);
    const arrival = { key: `k${i}`, entries: Array.from({ length: step.entries }, (_, j) => `e${i}.${j}`), at: clock.now };
    arrivals.push(arrival);
    batcher.add(arrival.key, arrival.entries, arrival);
    waitingAfterAdd.push(batcher.length);
  }
  const unsent = closeAtEnd ? batcher.close() : (clock.advance(windowMs), []);
  return { clock, batcher, sent, arrivals, unsent, waitingAfterAdd };
}

describe('Batcher (the batch output of lpr-detection-in)', () => {
  it('loses nothing and repeats nothing: the batches and the unsent rest are the arrivals, in order, each detection whole in one batch', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { sent, arrivals, unsent } = run(s);
        const withEntries = arrivals.filter((a) => a.entries.length > 0);
        assert.deepEqual([...sent.flatMap(({ batch }) => batch.tags), ...unsent], withEntries);
        for (const { batch } of sent) assert.deepEqual(batch.entries, batch.tags.flatMap((t) => t.entries));
      }),
    );
  });

  it('a batch holds at most `size` entries, unless one detection alone has more', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        for (const { batch } of run(s).sent) {
          assert.ok(batch.entries.length > 0);
          if (batch.entries.length > s.size) assert.equal(batch.tags.length, 1);
        }
      }),
    );
  });

  it('no entry waits longer than the window, and a batch leaves early only when full or when the next detection would not fit', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { sent, arrivals, waitingAfterAdd } = run(s);
        const withEntries = arrivals.filter((a) => a.entries.length > 0);
        for (const [i, { at, batch }] of sent.entries()) {
          const first = batch.tags[0]!.at;
          assert.ok(at - first <= s.windowMs, `batch ${i} left ${at - first} ms after its first entry`);
          if (at - first < s.windowMs) {
            // Left before its window: full, or the detection that arrived then did not fit.
            const next = withEntries[withEntries.indexOf(batch.tags.at(-1)!) + 1];
            const full = batch.entries.length >= s.size;
            const pushedOut = next !== undefined && next.at === at && batch.entries.length + next.entries.length > s.size;
            assert.ok(full || pushedOut, `batch ${i} of ${batch.entries.length} left early`);
          }
        }
        // After each add, what waits is below the size (a full batch leaves at once).
        for (const waiting of waitingAfterAdd) assert.ok(waiting < s.size, `${waiting} entries wait, size ${s.size}`);
      }),
    );
  });

  it('knows the keys of the open batch only; close keeps nothing and stops the timer', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { batcher, clock, unsent } = run({ ...s, closeAtEnd: true });
        for (const tag of unsent) assert.equal(tag.entries.length > 0, true);
        assert.equal(batcher.length, 0);
        assert.deepEqual([...batcher.keys()], []);
        assert.equal(clock.armed, 0);
        batcher.add('late', ['x'], { key: 'late', entries: ['x'], at: 0 });
        assert.equal(batcher.length, 0, 'closed: takes nothing more');
      }),
    );
    const clock = new Clock();
    const b = new Batcher<string, string>(3, 50, () => {}, clock);
    b.add('a', ['a0'], 'a');
    b.add('b', ['b0', 'b1'], 'b');
    assert.equal(b.has('a'), false, 'the full batch left');
    b.add('c', ['c0'], 'c');
    assert.equal(b.has('c'), true);
    assert.deepEqual([...b.keys()], ['c']);
    clock.advance(50);
    assert.equal(b.has('c'), false);
  });

  it('refuses a size under 1 and a window of 0', () => {
    assert.throws(() => new Batcher(0, 50, () => {}), RangeError);
    assert.throws(() => new Batcher(2, 0, () => {}), RangeError);
  });
});

describe('readBatchSettings', () => {
  it('is off for flows saved before batches existed', () => {
    assert.deepEqual(readBatchSettings({}), { batch: 0, batchWindowMs: 50 });
    assert.equal(batching(readBatchSettings({})), false);
    assert.equal(batching(readBatchSettings({ batch: 1 })), false);
    assert.equal(batching(readBatchSettings({ batch: '500', batchWindow: '20' })), true);
    assert.deepEqual(readBatchSettings({ batch: '500', batchWindow: '2.5' }), { batch: 500, batchWindowMs: 2.5 });
  });

  it('names the property that is wrong', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({ batch: fc.oneof(fc.integer({ max: -1 }), fc.integer({ min: 10_001 }), fc.double({ noInteger: true, noNaN: true }), fc.constant('many')) }),
          fc.record({ batchWindow: fc.oneof(fc.double({ max: 0.999, noNaN: true }), fc.double({ min: 60_000.001, noNaN: true }), fc.constant('soon')) }),
        ),
        (props) => {
          const field = Object.keys(props)[0]!;
          assert.throws(
            () => readBatchSettings(props),
            (err: unknown) => err instanceof ConfigError && err.field === field && err.message.startsWith(`${field}: must be`),
          );
        },
      ),
    );
  });
});
