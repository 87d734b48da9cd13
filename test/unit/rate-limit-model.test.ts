/**
 * RateLimiter looks at its least recently used bucket without a Map iterator per event, and leaves
 * the last key used where it is; this holds it to the plain version (an idle sweep from the front
 * and a move to the back on every event, as before) under any sequence of calls.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RateLimiter } from '../../src/runtime/rate-limit';

interface Bucket {
  tokens: number;
  at: number;
  booked: number;
}

/** The plain version: what RateLimiter did before the shortcuts. */
class PlainLimiter {
  readonly buckets = new Map<string, Bucket>();
  private readonly refillMs: number;
  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    private readonly maxKeys: number,
    private readonly minWaitMs = 100,
    private readonly maxWaitMs = 60_000,
  ) {
    this.refillMs = (burst / ratePerSec) * 1000;
  }
  available(key: string, now: number): boolean {
    const b = this.buckets.get(key);
    return b === undefined || this.level(b, now) >= 1;
  }
  take(key: string, now: number): boolean {
    const b = this.touch(key, now);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
  acquire(key: string, now: number): number {
    const b = this.touch(key, now);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    let slot = now + Math.max(this.minWaitMs, ((1 - b.tokens) * 1000) / this.ratePerSec);
    if (b.booked > now) slot = Math.max(slot, b.booked + 1000 / this.ratePerSec);
    const wait = Math.ceil(slot - now);
    if (wait > this.maxWaitMs) return this.maxWaitMs;
    b.booked = slot;
    return wait;
  }
  private touch(key: string, now: number): Bucket {
    for (const [k, b] of this.buckets) {
      if (now - b.at < this.refillMs || b.booked > now) break;
      this.buckets.delete(k);
    }
    let b = this.buckets.get(key);
    if (b === undefined) b = { tokens: this.burst, at: now, booked: 0 };
    else {
      b.tokens = this.level(b, now);
      b.at = Math.max(b.at, now);
      this.buckets.delete(key);
    }
    this.buckets.set(key, b);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
    return b;
  }
  private level(b: Bucket, now: number): number {
    return Math.min(this.burst, b.tokens + (Math.max(0, now - b.at) * this.ratePerSec) / 1000);
  }
}

type Op = { op: 'take' | 'acquire' | 'available'; key: string; dt: number } | { op: 'clear' };
const key = fc.constantFrom('c1', 'c2', 'c3', 'c4');
/** Runs of one key (the shortcut), round robins, idle gaps, clocks that go back. */
const dt = fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 3000 }), fc.integer({ min: -500, max: 0 }));
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ op: fc.constantFrom('take' as const, 'acquire' as const, 'available' as const), key, dt }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('clear' as const) }) },
);

describe('runtime/rate-limit: the sweep and reorder shortcuts', () => {
  it('answers and keeps buckets as the plain version for any sequence of calls (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 120 }), (rate, burst, maxKeys, ops) => {
        const r = new RateLimiter({ ratePerSec: rate, burst, maxKeys });
        const plain = new PlainLimiter(rate, burst, maxKeys);
        let now = 1000;
        for (const o of ops) {
          if (o.op === 'clear') {
            r.clear();
            plain.buckets.clear();
          } else {
            now += o.dt;
            assert.equal(r[o.op](o.key, now), plain[o.op](o.key, now), `${o.op} ${o.key} at ${now}`);
          }
          assert.equal(r.size, plain.buckets.size);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
