/**
 * DedupeWindow skips its expiry scan while the first entry is still within the window; this holds it
 * to the plain version (every call walks the Map from the front, as before) under any sequence of
 * calls: clocks that go back, forget, restore, clear, eviction at maxEntries.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DedupeWindow } from '../../src/runtime/dedupe';

/** The plain version: what DedupeWindow did before the shortcut. */
class PlainWindow {
  readonly seen = new Map<string, number>();
  constructor(
    private readonly windowMs: number,
    private readonly maxEntries: number,
  ) {}
  has(id: string, now: number): boolean {
    this.expire(now);
    return this.seen.has(id);
  }
  check(id: string, now: number): boolean {
    this.expire(now);
    if (this.seen.get(id) !== undefined) return true;
    this.seen.set(id, now);
    if (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value as string);
    return false;
  }
  private expire(now: number): void {
    const cutoff = now - this.windowMs;
    for (const [id, at] of this.seen) {
      if (at > cutoff) break;
      this.seen.delete(id);
    }
  }
  entries(now: number): Array<[string, number]> {
    this.expire(now);
    return [...this.seen];
  }
  restore(entries: Array<[string, number]>, now: number): number {
    const cutoff = now - this.windowMs;
    let taken = 0;
    for (const [id, at] of entries) {
      if (at <= cutoff || at > now || this.seen.has(id)) continue;
      this.seen.set(id, at);
      taken++;
    }
    const list = [...this.seen];
    if (list.some((e, i) => i > 0 && e[1] < list[i - 1]![1])) {
      list.sort((a, b) => a[1] - b[1]);
      this.seen.clear();
      for (const [id, at] of list) this.seen.set(id, at);
    }
    while (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value as string);
    return taken;
  }
}

type Op =
  | { op: 'has' | 'check'; id: string; dt: number }
  | { op: 'forget'; id: string }
  | { op: 'entries'; dt: number }
  | { op: 'clear' }
  | { op: 'restore'; saved: Array<[string, number]>; dt: number };

const id = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f');
/** Mostly forward, sometimes back (a clock step). */
const dt = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: -60, max: 0 }));
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constantFrom('has' as const, 'check' as const), id, dt }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('forget' as const), id }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('entries' as const), dt }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('clear' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('restore' as const), saved: fc.array(fc.tuple(id, fc.integer({ min: 0, max: 400 })), { maxLength: 5 }), dt }) },
);

describe('runtime/dedupe: the expiry shortcut', () => {
  it('answers as the plain version for any sequence of calls (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 5 }), fc.array(op, { maxLength: 80 }), (windowMs, maxEntries, ops) => {
        const w = new DedupeWindow(windowMs, maxEntries);
        const plain = new PlainWindow(windowMs, maxEntries);
        let now = 200;
        for (const o of ops) {
          if ('dt' in o) now += o.dt;
          if (o.op === 'has' || o.op === 'check') assert.equal(w[o.op](o.id, now), plain[o.op](o.id, now), `${o.op} ${o.id} at ${now}`);
          else if (o.op === 'forget') {
            w.forget(o.id);
            plain.seen.delete(o.id);
          } else if (o.op === 'entries') assert.deepEqual(w.entries(now), plain.entries(now));
          else if (o.op === 'clear') {
            w.clear();
            plain.seen.clear();
          } else if (o.op === 'restore') assert.equal(w.restore(o.saved, now), plain.restore(o.saved, now));
          assert.equal(w.size, plain.seen.size);
        }
        assert.deepEqual(w.entries(now), plain.entries(now));
      }),
      { numRuns: 3000 },
    );
  });
});
