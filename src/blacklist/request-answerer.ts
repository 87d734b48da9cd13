/**
 * Answers `blacklist/request`s: only the camera that asked, on its own topic; requests from one
 * camera that arrive together merged into one answer; answers per camera limited by a token
 * bucket (over it: dropped), and spread by a second bucket across all cameras (a camera can put
 * any `camera_id` in a request, so the per-camera limit alone would not bound the total). Over the
 * overall rate an answer waits for the next free slot (many cameras starting at once are all
 * served, spread out) up to `globalMaxWaitMs`; past that it is dropped.
 *
 * An answer is a snapshot (./snapshot.ts): chunks that each fit the broker's message size limit.
 * The list is serialised and chunked once per change: every answer shares the chunks and only wraps
 * each in its own envelope (message_id, timestamp), so answering 100 cameras costs one stringify.
 * The owner calls `invalidate()` on every change of the list. A request that names a snapshot id
 * and missing chunks gets only those again while that snapshot is current (else the whole new one).
 *
 * No Node-RED import: the `lpr-blacklist` node adapts it.
 */
import { newMessageId, nowIso } from '../protocol';
import { snapshotMessage, type SnapshotPlan } from './snapshot';
import { AlertThrottle, RateLimiter } from '../runtime/rate-limit';

export interface AnswererOptions {
  /** Requests from one camera within this many ms of its first are answered once, at the end (ms). */
  mergeWindowMs: number;
  /** Answers per camera per minute; also the bucket size (that many at once after a quiet spell). */
  perCameraPerMinute: number;
  /** Answers per second across all cameras (bucket size: `globalBurst`). */
  globalPerSecond: number;
  globalBurst: number;
  /** Longest wait for an overall slot (ms); a request that would wait longer is dropped. */
  globalMaxWaitMs: number;
  /** At most one `limited` report per camera per this many ms (the count of the others comes with it). */
  alertIntervalMs: number;
}

export const ANSWERER_DEFAULTS: AnswererOptions = {
  mergeWindowMs: 1000,
  perCameraPerMinute: 6,
  globalPerSecond: 20,
  globalBurst: 200,
  globalMaxWaitMs: 120_000,
  alertIntervalMs: 60_000,
};

export interface AnswererSink {
  /** The list as a snapshot plan (called at most once per change of the list). */
  plan(): SnapshotPlan;
  /** Sends one message of an answer (a BlacklistUpdate `snapshot` chunk as JSON) to `cameraId`'s own topic. */
  publish(cameraId: string, body: string): void;
  /** Requests of `cameraId` were dropped over a limit: `count` since the last report (throttled). */
  limited(cameraId: string, count: number, scope: 'camera' | 'global'): void;
}

export interface AnswererCounts {
  requests: number;
  answered: number;
  /** Folded into an answer already scheduled for the same camera. */
  merged: number;
  /** Answered later than the merge window, waiting for an overall slot. */
  deferred: number;
  /** Dropped over the per-camera limit, or waiting too long for an overall slot. */
  limited: number;
  /** Times the entries were serialised. */
  serialised: number;
  /** Chunk messages sent. */
  chunks: number;
}

/** What a camera asked for: the whole list, or chunks of one snapshot. */
export interface Wanted {
  id: string;
  missing: number[];
}

export type RequestOutcome = 'scheduled' | 'merged' | 'limited' | 'ignored';

export class RequestAnswerer {
  readonly options: AnswererOptions;
  readonly counts: AnswererCounts = { requests: 0, answered: 0, merged: 0, deferred: 0, limited: 0, serialised: 0, chunks: 0 };
  private readonly perCamera: RateLimiter;
  private readonly global: RateLimiter;
  private readonly alerts: AlertThrottle;
  /** Scheduled answers, by camera. Bounded by the global bucket: at most burst + rate × (window + max wait). */
  private readonly pending = new Map<string, { timer: NodeJS.Timeout; wanted: Wanted | null }>();
  private current: SnapshotPlan | null = null;
  /** Ids of the last snapshots this answerer made: a request naming another sender's snapshot is not ours to answer. */
  private readonly recentIds: string[] = [];
  private readonly sweep: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly sink: AnswererSink,
    options: Partial<AnswererOptions> = {},
  ) {
    this.options = { ...ANSWERER_DEFAULTS, ...options };
    const o = this.options;
    this.perCamera = new RateLimiter({ ratePerSec: o.perCameraPerMinute / 60, burst: o.perCameraPerMinute });
    this.global = new RateLimiter({ ratePerSec: o.globalPerSecond, burst: o.globalBurst, maxKeys: 1, minWaitMs: 0, maxWaitMs: o.globalMaxWaitMs });
    this.alerts = new AlertThrottle(o.alertIntervalMs);
    // Reports the counts held back by the throttle once their interval has passed.
    this.sweep = setInterval(() => {
      for (const { key, count } of this.alerts.flush(Date.now())) this.reportLimited(key, count);
    }, Math.min(o.alertIntervalMs, 10_000));
    this.sweep.unref?.();
  }

  /** Cameras with an answer scheduled. */
  get scheduled(): number {
    return this.pending.size;
  }

  /** One valid request from `cameraId` (its identifier already checked); `wanted`: only these chunks. */
  request(cameraId: string, now = Date.now(), wanted: Wanted | null = null): RequestOutcome {
    this.counts.requests++;
    if (this.closed) return 'limited';
    // Chunks of a snapshot some other server sent (several answer the same request): its sender re-sends them.
    if (wanted && !this.recentIds.includes(wanted.id)) return 'ignored';
    const scheduled = this.pending.get(cameraId);
    if (scheduled) {
      // Merged: chunks of the same snapshot add up; anything else makes it the whole list.
      if (!scheduled.wanted || !wanted || scheduled.wanted.id !== wanted.id) scheduled.wanted = null;
      else scheduled.wanted.missing = [...new Set([...scheduled.wanted.missing, ...wanted.missing])];
      this.counts.merged++;
      return 'merged';
    }
    if (!this.perCamera.take(cameraId, now)) return this.refuse(cameraId, now);
    // A slot in the overall rate: now (0) or booked `wait` ms ahead; maxWaitMs = none booked.
    const wait = this.global.acquire('*', now);
    if (wait >= this.global.maxWaitMs) return this.refuse('*', now);
    if (wait > this.options.mergeWindowMs) this.counts.deferred++;
    const timer = setTimeout(() => this.answer(cameraId), Math.max(this.options.mergeWindowMs, wait));
    timer.unref?.();
    this.pending.set(cameraId, { timer, wanted: wanted ? { id: wanted.id, missing: [...wanted.missing] } : null });
    return 'scheduled';
  }

  private refuse(key: string, now: number): 'limited' {
    this.counts.limited++;
    const due = this.alerts.note(key, now);
    if (due > 0) this.reportLimited(key, due);
    return 'limited';
  }

  /** The list changed: the next answer serialises it again. */
  invalidate(): void {
    this.current = null;
  }

  /** The current snapshot plan (made now if the list changed since the last). */
  plan(): SnapshotPlan {
    if (this.current === null) {
      this.current = this.sink.plan();
      this.counts.serialised++;
      this.recentIds.push(this.current.header.id);
      if (this.recentIds.length > 16) this.recentIds.shift();
    }
    return this.current;
  }

  /** Cancels scheduled answers and the report timer. */
  close(): void {
    this.closed = true;
    clearInterval(this.sweep);
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }

  private answer(cameraId: string): void {
    const wanted = this.pending.get(cameraId)?.wanted ?? null;
    this.pending.delete(cameraId);
    if (this.closed) return;
    const plan = this.plan();
    // Only the missing chunks while that snapshot is still the current one; else the whole list again.
    const indexes =
      wanted && wanted.id === plan.header.id ? wanted.missing.filter((i) => i < plan.chunks.length).sort((a, b) => a - b) : plan.chunks.map((_, i) => i);
    this.counts.answered++;
    for (const i of indexes) {
      this.counts.chunks++;
      // The entries were validated when they entered the store.
      this.sink.publish(cameraId, snapshotMessage(plan, i, newMessageId(), nowIso()));
    }
  }

  private reportLimited(key: string, count: number): void {
    this.sink.limited(key, count, key === '*' ? 'global' : 'camera');
  }
}
