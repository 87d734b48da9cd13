/**
 * Per-key (per-camera) token buckets and a per-key alert throttle, pure and timer-free.
 *
 * A bucket holds up to `burst` tokens and refills at `ratePerSec`; each accepted event takes one.
 * Over any interval of `t` seconds a key therefore gets at most `burst + ratePerSec * t` events.
 *
 * Memory stays bounded without a timer per key: buckets live in a Map ordered by last use, and a
 * bucket that has been idle long enough to be full again is indistinguishable from a new one, so
 * it is dropped the next time anything is taken (the oldest are at the front: O(1) amortised).
 * Past `maxKeys` live buckets the least recently used one is dropped even if not full; that key
 * starts again with a full bucket (a bounded leniency, only with more keys than `maxKeys`).
 */

export interface RateLimitOptions {
  /** Tokens added per second (sustained events per second per key); > 0. */
  ratePerSec: number;
  /** Bucket size: events a key may send at once after being idle; >= 1. */
  burst: number;
  /** Most buckets kept (default 100,000). */
  maxKeys?: number;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  at: number;
}

export class RateLimiter {
  readonly ratePerSec: number;
  readonly burst: number;
  private readonly maxKeys: number;
  /** Time for an empty bucket to fill (ms): a bucket untouched this long is full again. */
  private readonly refillMs: number;
  private readonly buckets = new Map<string, Bucket>();

  constructor(options: RateLimitOptions) {
    if (!(options.ratePerSec > 0) || !Number.isFinite(options.ratePerSec)) throw new RangeError('ratePerSec must be a finite number > 0');
    if (!(options.burst >= 1) || !Number.isFinite(options.burst)) throw new RangeError('burst must be a finite number >= 1');
    this.ratePerSec = options.ratePerSec;
    this.burst = options.burst;
    this.maxKeys = Math.max(1, options.maxKeys ?? 100_000);
    this.refillMs = (this.burst / this.ratePerSec) * 1000;
  }

  /** Buckets currently kept (idle-and-full ones are dropped lazily). */
  get size(): number {
    return this.buckets.size;
  }

  /** Whether `key` has a token now, without taking it. */
  available(key: string, now: number): boolean {
    const bucket = this.buckets.get(key);
    return bucket === undefined || this.level(bucket, now) >= 1;
  }

  /** Takes a token for `key`: true = within the limit, false = over it (nothing is taken). */
  take(key: string, now: number): boolean {
    this.evictIdle(now);
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: this.burst, at: now };
    } else {
      bucket.tokens = this.level(bucket, now);
      bucket.at = Math.max(bucket.at, now);
      // Re-inserted below: the Map stays ordered by last use.
      this.buckets.delete(key);
    }
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value as string);
    return allowed;
  }

  clear(): void {
    this.buckets.clear();
  }

  /** The bucket's tokens at `now` (a clock that went backwards adds nothing). */
  private level(bucket: Bucket, now: number): number {
    const elapsed = Math.max(0, now - bucket.at);
    return Math.min(this.burst, bucket.tokens + (elapsed * this.ratePerSec) / 1000);
  }

  private evictIdle(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.at < this.refillMs) break;
      this.buckets.delete(key);
    }
  }
}

/**
 * At most one alert per key per `intervalMs`: the first event of a quiet key is reported at once,
 * later ones are counted and reported together once the interval has passed (by the next event,
 * or by `flush`, which the caller runs now and then from one timer).
 */
export class AlertThrottle {
  private readonly keys = new Map<string, { lastAlert: number; held: number }>();

  constructor(
    readonly intervalMs: number,
    private readonly maxKeys = 10_000,
  ) {}

  get size(): number {
    return this.keys.size;
  }

  /** Counts one event for `key`; returns how many to report now (this one and those held back), or 0. */
  note(key: string, now: number): number {
    const entry = this.keys.get(key);
    if (entry === undefined || now - entry.lastAlert >= this.intervalMs) {
      const count = (entry?.held ?? 0) + 1;
      this.keys.delete(key);
      this.keys.set(key, { lastAlert: now, held: 0 });
      if (this.keys.size > this.maxKeys) this.keys.delete(this.keys.keys().next().value as string);
      return count;
    }
    entry.held++;
    return 0;
  }

  /** Held-back counts whose interval has passed, to report now; forgets keys quiet for an interval. */
  flush(now: number): Array<{ key: string; count: number }> {
    const due: Array<{ key: string; count: number }> = [];
    for (const [key, entry] of this.keys) {
      if (now - entry.lastAlert < this.intervalMs) continue;
      if (entry.held > 0) {
        due.push({ key, count: entry.held });
        entry.held = 0;
        entry.lastAlert = now;
      } else this.keys.delete(key);
    }
    // Keys just reported go to the back, so the Map stays ordered by last alert.
    for (const { key } of due) {
      const entry = this.keys.get(key)!;
      this.keys.delete(key);
      this.keys.set(key, entry);
    }
    return due;
  }
}
