/**
 * Answers `blacklist/request`s: only the camera that asked, on its own topic; requests from one
 * camera that arrive together merged into one answer; answers per camera limited by a token
 * bucket (over it: dropped), and spread by a second bucket across all cameras (a camera can put
 * any `camera_id` in a request, so the per-camera limit alone would not bound the total). Over the
 * overall rate an answer waits for the next free slot (many cameras starting at once are all
 * served, spread out) up to `globalMaxWaitMs`; past that it is dropped.
 *
 * The list is serialised once per revision: every answer shares one JSON string of the entries
 * and only wraps it in its own envelope (message_id, timestamp), so answering 100 cameras costs
 * one stringify. The owner calls `invalidate()` on every change of the list.
 *
 * No Node-RED import: the `lpr-blacklist` node adapts it. Later list transports (chunked
 * snapshots with revisions) belong here too.
 */
import { newMessageId, nowIso } from '../protocol';
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
  /** The JSON array of the live entries (called at most once per revision). */
  serialiseEntries(): string;
  /** Sends one answer (a complete `replace` BlacklistUpdate as JSON) to `cameraId`'s own topic. */
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
}

export type RequestOutcome = 'scheduled' | 'merged' | 'limited';

export class RequestAnswerer {
  readonly options: AnswererOptions;
  readonly counts: AnswererCounts = { requests: 0, answered: 0, merged: 0, deferred: 0, limited: 0, serialised: 0 };
  private readonly perCamera: RateLimiter;
  private readonly global: RateLimiter;
  private readonly alerts: AlertThrottle;
  /** Scheduled answers, by camera. Bounded by the global bucket: at most burst + rate × (window + max wait). */
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private entriesJson: string | null = null;
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

  /** One valid request from `cameraId` (its identifier already checked). */
  request(cameraId: string, now = Date.now()): RequestOutcome {
    this.counts.requests++;
    if (this.closed) return 'limited';
    if (this.pending.has(cameraId)) {
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
    this.pending.set(cameraId, timer);
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
    this.entriesJson = null;
  }

  /** Cancels scheduled answers and the report timer. */
  close(): void {
    this.closed = true;
    clearInterval(this.sweep);
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }

  private answer(cameraId: string): void {
    this.pending.delete(cameraId);
    if (this.closed) return;
    if (this.entriesJson === null) {
      this.entriesJson = this.sink.serialiseEntries();
      this.counts.serialised++;
    }
    // Field order as createMessage gives it; the entries were validated when they entered the store.
    const body = `{"message_id":${JSON.stringify(newMessageId())},"timestamp":${JSON.stringify(nowIso())},"action":"replace","entries":${this.entriesJson}}`;
    this.counts.answered++;
    this.sink.publish(cameraId, body);
  }

  private reportLimited(key: string, count: number): void {
    this.sink.limited(key, count, key === '*' ? 'global' : 'camera');
  }
}
