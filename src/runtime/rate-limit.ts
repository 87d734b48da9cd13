/**
 * Per-key (per-camera) token buckets and a per-key alert throttle, pure and timer-free.
 *
 * A bucket holds up to `burst` tokens and refills at `ratePerSec`; each accepted event takes one.
 * Over any interval of `t` seconds a key therefore gets at most `burst + ratePerSec * t` events.
 *
 * Memory stays bounded without a timer per key: a bucket that has been idle long enough to be full
 * again is indistinguishable from a new one, so it is dropped the next time anything is taken. The
 * order of last use is a TouchOrder of (key, use number) beside the Map, not the Map's own order
 * (re-inserting a key per use cost 25 µs per take at 10,000 cameras, 87 µs at 100,000, against 0.7
 * µs at 100), so each take costs O(1) amortised whatever the number of keys. It holds the bucket's
 * own key string and a number, so a take allocates nothing: with 100,000 cameras an entry waits
 * minutes for the front, and an object per take would all be promoted to the old generation.
 * Past `maxKeys` live buckets the least recently used one is dropped even if not full; that key
 * starts again with a full bucket (a bounded leniency, only with more keys than `maxKeys`).
 *
 * `acquire` is `take` for callers that defer rather than refuse: over the limit it books the key's
 * next free slot (one per 1/rate after the last one booked) and says how long to wait for it, so
 * a backlog sent all at once comes back spread at the rate instead of all at the same moment.
 */
import { TouchOrder } from './touch-order';

export interface RateLimitOptions {
  /** Tokens added per second (sustained events per second per key); > 0. */
  ratePerSec: number;
  /** Bucket size: events a key may send at once after being idle; >= 1. */
  burst: number;
  /** Most buckets kept (default 100,000). */
  maxKeys?: number;
  /** `acquire`: the shortest wait it answers (ms, default 100): slack for a resend that arrives early. */
  minWaitMs?: number;
  /** `acquire`: the longest wait it answers (ms, default 60,000); slots beyond it are not booked. */
  maxWaitMs?: number;
}

interface Bucket {
  /** The key as first stored (the queue keeps this one string, not each caller's copy). */
  key: string;
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  at: number;
  /** The latest slot `acquire` booked (ms; 0 = none). */
  booked: number;
  /** Its last use: the order's entry with this number is the bucket's place in it. */
  use: number;
}

export class RateLimiter {
  readonly ratePerSec: number;
  readonly burst: number;
  private readonly maxKeys: number;
  /** Time for an empty bucket to fill (ms): a bucket untouched this long is full again. */
  private readonly refillMs: number;
  readonly minWaitMs: number;
  readonly maxWaitMs: number;
  private readonly buckets = new Map<string, Bucket>();
  /** Keys in order of last use; an entry older than its bucket's `use` is stale. */
  private readonly order = new TouchOrder<string>(
    (key, use) => this.buckets.get(key)?.use === use,
    () => this.buckets.size,
  );
  private uses = 0;

  constructor(options: RateLimitOptions) {
    if (!(options.ratePerSec > 0) || !Number.isFinite(options.ratePerSec)) throw new RangeError('ratePerSec must be a finite number > 0');
    if (!(options.burst >= 1) || !Number.isFinite(options.burst)) throw new RangeError('burst must be a finite number >= 1');
    this.ratePerSec = options.ratePerSec;
    this.burst = options.burst;
    this.maxKeys = Math.max(1, options.maxKeys ?? 100_000);
    this.refillMs = (this.burst / this.ratePerSec) * 1000;
    this.minWaitMs = Math.max(0, options.minWaitMs ?? 100);
    this.maxWaitMs = Math.max(this.minWaitMs, options.maxWaitMs ?? 60_000);
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
    const bucket = this.touch(key, now);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /**
   * Takes a token for `key` and returns 0, or, over the limit, returns how many ms to wait before
   * trying again (a whole number from `minWaitMs` to `maxWaitMs`). The wait is a booked slot: the
   * first caller is told when the bucket has a token again, each further one the slot 1/rate after
   * the last one booked, so callers that come back when told find a token each. A wait that would
   * pass `maxWaitMs` is answered `maxWaitMs` and books nothing (the caller asks again before its turn).
   */
  acquire(key: string, now: number): number {
    const bucket = this.touch(key, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    const untilToken = ((1 - bucket.tokens) * 1000) / this.ratePerSec;
    let slot = now + Math.max(this.minWaitMs, untilToken);
    if (bucket.booked > now) slot = Math.max(slot, bucket.booked + 1000 / this.ratePerSec);
    const wait = Math.ceil(slot - now);
    if (wait > this.maxWaitMs) return this.maxWaitMs;
    bucket.booked = slot;
    return wait;
  }

  clear(): void {
    this.buckets.clear();
    this.order.clear();
  }

  /** The key's bucket brought up to `now`, created full when new, moved to the back (last used). */
  private touch(key: string, now: number): Bucket {
    this.evictIdle(now);
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = { key, tokens: this.burst, at: now, booked: 0, use: 0 };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = this.level(bucket, now);
      bucket.at = Math.max(bucket.at, now);
    }
    bucket.use = ++this.uses;
    this.order.push(bucket.key, bucket.use);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.order.first()!);
    return bucket;
  }

  /** The bucket's tokens at `now` (a clock that went backwards adds nothing). */
  private level(bucket: Bucket, now: number): number {
    const elapsed = Math.max(0, now - bucket.at);
    return Math.min(this.burst, bucket.tokens + (elapsed * this.ratePerSec) / 1000);
  }

  private evictIdle(now: number): void {
    for (let key = this.order.first(); key !== undefined; key = this.order.first()) {
      const bucket = this.buckets.get(key)!;
      // Slots booked ahead keep a bucket: those callers come back expecting their tokens.
      if (now - bucket.at < this.refillMs || bucket.booked > now) break;
      this.buckets.delete(key);
      this.order.shift();
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
