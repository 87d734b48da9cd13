import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AlertThrottle, RateLimiter } from '../../src/runtime/rate-limit';

/** Event times: sorted offsets (ms) built from non-negative gaps. */
const times = (maxEvents: number, maxGap: number) =>
  fc.array(fc.integer({ min: 0, max: maxGap }), { minLength: 1, maxLength: maxEvents }).map((gaps) => {
    let t = 1_000_000;
    return gaps.map((g) => (t += g));
  });

describe('runtime/rate-limit', () => {
  describe('RateLimiter', () => {
    it('lets a burst through at once, then the rate', () => {
      const limiter = new RateLimiter({ ratePerSec: 10, burst: 5 });
      const t0 = 50_000;
      const first = Array.from({ length: 8 }, () => limiter.take('CAM001', t0));
      assert.deepEqual(first, [true, true, true, true, true, false, false, false]);
      assert.equal(limiter.take('CAM001', t0 + 99), false, 'not a whole token after 99 ms at 10/s');
      assert.equal(limiter.take('CAM001', t0 + 100), true, 'one token after 100 ms');
      assert.equal(limiter.take('CAM001', t0 + 100), false);
      // Another camera has its own bucket.
      assert.equal(limiter.take('CAM002', t0 + 100), true);
    });

    it('available() looks without taking', () => {
      const limiter = new RateLimiter({ ratePerSec: 1, burst: 1 });
      assert.equal(limiter.available('A', 0), true);
      assert.equal(limiter.available('A', 0), true);
      assert.equal(limiter.take('A', 0), true);
      assert.equal(limiter.available('A', 0), false);
      assert.equal(limiter.available('A', 1000), true);
    });

    it('a clock that goes backwards adds no tokens', () => {
      const limiter = new RateLimiter({ ratePerSec: 1, burst: 2 });
      assert.ok(limiter.take('A', 10_000));
      assert.ok(limiter.take('A', 10_000));
      assert.equal(limiter.take('A', 5_000), false);
      assert.equal(limiter.take('A', 10_500), false, 'half a token since the latest time seen');
      assert.equal(limiter.take('A', 11_000), true);
    });

    it('forgets buckets once they are full again, without timers (bounded memory)', () => {
      const limiter = new RateLimiter({ ratePerSec: 10, burst: 20 }); // refills in 2 s
      for (let i = 0; i < 5000; i++) limiter.take(`CAM${i}`, 1000);
      assert.equal(limiter.size, 5000);
      limiter.take('other', 2999);
      assert.equal(limiter.size, 5001, 'not full yet: kept');
      limiter.take('other', 3000);
      assert.equal(limiter.size, 1, 'full again: forgotten');
    });

    it('keeps at most maxKeys buckets', () => {
      const limiter = new RateLimiter({ ratePerSec: 1, burst: 1, maxKeys: 100 });
      for (let i = 0; i < 1000; i++) limiter.take(`k${i}`, 0);
      assert.equal(limiter.size, 100);
    });

    it('acquire(): a token now (0), or a booked slot: the first when a token is back (at least minWaitMs), each next 1/rate later, at most maxWaitMs', () => {
      const limiter = new RateLimiter({ ratePerSec: 20, burst: 2, minWaitMs: 100, maxWaitMs: 1000 });
      const t0 = 1_000_000;
      assert.equal(limiter.acquire('A', t0), 0);
      assert.equal(limiter.acquire('A', t0), 0);
      // Empty: a token is back in 50 ms, but the floor is 100 ms; then one slot per 50 ms.
      const waits = Array.from({ length: 22 }, () => limiter.acquire('A', t0));
      assert.deepEqual(waits.slice(0, 4), [100, 150, 200, 250]);
      assert.equal(waits[18], 1000);
      assert.deepEqual(waits.slice(19), [1000, 1000, 1000], 'beyond maxWaitMs: told to ask again then, nothing booked');
      // Coming back when told, each finds its token.
      for (let k = 0; k < 19; k++) assert.equal(limiter.acquire('A', t0 + waits[k]!), 0, `slot ${k}`);
      // Another key is unaffected; slots in the past are not carried over.
      assert.equal(limiter.acquire('B', t0), 0);
      assert.equal(limiter.acquire('A', t0 + 60_000), 0);
    });

    it('a bucket with slots booked ahead is not forgotten as idle', () => {
      const limiter = new RateLimiter({ ratePerSec: 10, burst: 1, maxWaitMs: 60_000 }); // refills in 100 ms
      limiter.acquire('A', 0);
      for (let i = 0; i < 50; i++) limiter.acquire('A', 0); // booked up to 5 s ahead
      limiter.take('other', 1000);
      assert.equal(limiter.size, 2, 'A kept: its callers come back for their slots');
      limiter.take('other', 6000);
      assert.equal(limiter.size, 1);
    });

    it('refuses nonsense options', () => {
      assert.throws(() => new RateLimiter({ ratePerSec: 0, burst: 1 }), RangeError);
      assert.throws(() => new RateLimiter({ ratePerSec: NaN, burst: 1 }), RangeError);
      assert.throws(() => new RateLimiter({ ratePerSec: 1, burst: 0 }), RangeError);
      assert.throws(() => new RateLimiter({ ratePerSec: 1, burst: Infinity }), RangeError);
    });

    it('property: over any interval at most burst + rate * t events of one key are accepted', () => {
      fc.assert(
        fc.property(
          fc.double({ min: 0.1, max: 200, noNaN: true }),
          fc.integer({ min: 1, max: 50 }),
          times(300, 400),
          (rate, burst, at) => {
            const limiter = new RateLimiter({ ratePerSec: rate, burst });
            const accepted = at.filter((t) => limiter.take('CAM', t));
            for (let i = 0; i < accepted.length; i++) {
              for (let j = i; j < accepted.length; j++) {
                const bound = burst + (rate * (accepted[j]! - accepted[i]!)) / 1000;
                assert.ok(j - i + 1 <= bound + 1e-9, `${j - i + 1} accepted in ${accepted[j]! - accepted[i]!} ms > ${bound}`);
              }
            }
          },
        ),
        { numRuns: 300 },
      );
    });

    it('property: per key, with interleaved keys and idle eviction, the bound holds and an idle key gets its burst', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 20 }),
          fc.integer({ min: 1, max: 10 }),
          fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.constantFrom('A', 'B', 'C', 'D')), { minLength: 1, maxLength: 400 }),
          (rate, burst, steps) => {
            const limiter = new RateLimiter({ ratePerSec: rate, burst });
            let t = 0;
            const acceptedAt = new Map<string, number[]>();
            for (const [gap, key] of steps) {
              t += gap;
              if (limiter.take(key, t)) acceptedAt.set(key, [...(acceptedAt.get(key) ?? []), t]);
            }
            for (const accepted of acceptedAt.values()) {
              for (let i = 0; i < accepted.length; i++) {
                for (let j = i; j < accepted.length; j++) {
                  assert.ok(j - i + 1 <= burst + (rate * (accepted[j]! - accepted[i]!)) / 1000 + 1e-9);
                }
              }
            }
            // Quiet for the refill time: every key has its whole burst again.
            const later = t + (burst / rate) * 1000 + 1;
            for (const key of ['A', 'B', 'C', 'D']) {
              for (let i = 0; i < burst; i++) assert.ok(limiter.take(key, later), `${key} token ${i}`);
              assert.equal(limiter.take(key, later), false);
            }
            assert.ok(limiter.size <= 4);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('property: the same answers and the same number of buckets as a Map kept in order of use (the order is a queue beside it, rebuilt now and then)', () => {
      // The reference: the former implementation, a Map re-inserted on every use.
      class Reference {
        readonly buckets = new Map<string, { tokens: number; at: number; booked: number }>();
        constructor(readonly rate: number, readonly burst: number, readonly maxKeys: number) {}
        take(key: string, now: number): boolean {
          const refillMs = (this.burst / this.rate) * 1000;
          for (const [k, b] of this.buckets) {
            if (now - b.at < refillMs || b.booked > now) break;
            this.buckets.delete(k);
          }
          let b = this.buckets.get(key);
          if (b === undefined) b = { tokens: this.burst, at: now, booked: 0 };
          else {
            b.tokens = Math.min(this.burst, b.tokens + (Math.max(0, now - b.at) * this.rate) / 1000);
            b.at = Math.max(b.at, now);
            this.buckets.delete(key);
          }
          this.buckets.set(key, b);
          if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
          if (b.tokens < 1) return false;
          b.tokens -= 1;
          return true;
        }
      }
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 50 }),
          fc.integer({ min: 1, max: 5 }),
          fc.integer({ min: 1, max: 40 }),
          fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 60 })), { minLength: 1, maxLength: 3000 }),
          (rate, burst, maxKeys, steps) => {
            const limiter = new RateLimiter({ ratePerSec: rate, burst, maxKeys });
            const reference = new Reference(rate, burst, maxKeys);
            let t = 0;
            for (const [gap, k] of steps) {
              t += gap;
              const key = `CAM${k}`;
              assert.equal(limiter.take(key, t), reference.take(key, t), `${key} at ${t}`);
              assert.equal(limiter.size, reference.buckets.size, `buckets at ${t}`);
            }
          },
        ),
        { numRuns: 200 },
      );
    });

    it('property: a key sending at or under the rate is never refused', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 500 }), (rate, burst, n) => {
          const limiter = new RateLimiter({ ratePerSec: rate, burst });
          const gap = Math.ceil(1000 / rate);
          for (let i = 0; i < n; i++) assert.ok(limiter.take('CAM', i * gap), `event ${i}`);
        }),
        { numRuns: 200 },
      );
    });
  });

  describe('AlertThrottle', () => {
    it('reports the first event at once, holds the rest of the interval, flushes them after it', () => {
      const alerts = new AlertThrottle(60_000);
      assert.equal(alerts.note('CAM001', 0), 1);
      for (let i = 1; i <= 9; i++) assert.equal(alerts.note('CAM001', i * 1000), 0);
      assert.equal(alerts.note('CAM002', 5000), 1, 'each camera its own interval');
      assert.deepEqual(alerts.flush(59_999), []);
      assert.deepEqual(alerts.flush(60_000), [{ key: 'CAM001', count: 9 }]);
      assert.deepEqual(alerts.flush(200_000), [], 'nothing held: nothing reported');
      assert.equal(alerts.size, 0, 'quiet keys are forgotten');
    });

    it('an event after the interval reports itself with those held back', () => {
      const alerts = new AlertThrottle(1000);
      assert.equal(alerts.note('A', 0), 1);
      assert.equal(alerts.note('A', 10), 0);
      assert.equal(alerts.note('A', 20), 0);
      assert.equal(alerts.note('A', 1000), 3);
    });

    it('property: at most one alert per key per interval, and every event is reported exactly once', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 5000 }),
          fc.array(fc.tuple(fc.integer({ min: 0, max: 2000 }), fc.constantFrom('A', 'B', 'C'), fc.boolean()), { maxLength: 300 }),
          (interval, steps) => {
            const alerts = new AlertThrottle(interval);
            const sent = new Map<string, number[]>();
            const events = new Map<string, number>();
            let reported = 0;
            let t = 0;
            const record = (key: string, count: number) => {
              if (count === 0) return;
              reported += count;
              sent.set(key, [...(sent.get(key) ?? []), t]);
            };
            for (const [gap, key, sweep] of steps) {
              t += gap;
              if (sweep) for (const due of alerts.flush(t)) record(due.key, due.count);
              events.set(key, (events.get(key) ?? 0) + 1);
              record(key, alerts.note(key, t));
            }
            t += interval;
            for (const due of alerts.flush(t)) record(due.key, due.count);
            const total = [...events.values()].reduce((a, b) => a + b, 0);
            assert.equal(reported, total);
            for (const at of sent.values()) for (let i = 1; i < at.length; i++) assert.ok(at[i]! - at[i - 1]! >= interval);
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});
