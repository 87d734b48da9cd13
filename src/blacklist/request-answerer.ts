/**
 * Answers `blacklist/request`s: only the camera that asked, on its own topic; requests from one
 * camera that arrive together merged into one answer; answers per camera limited by a token
 * bucket, and by a second bucket across all cameras (a camera can put any `camera_id` in a
 * request, so the per-camera limit alone would not bound the total).
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
  /** At most one `limited` report per camera per this many ms (the count of the others comes with it). */
  alertIntervalMs: number;
}

export const ANSWERER_DEFAULTS: AnswererOptions = {
  mergeWindowMs: 1000,
  perCameraPerMinute: 6,
  globalPerSecond: 20,
  globalBurst: 200,
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
  /** Dropped over the per-camera or the global limit. */
  limited: number;
  /** Times the entries were serialised. */
  serialised: number;
}

export type RequestOutcome = 'scheduled' | 'merged' | 'limited';

export class RequestAnswerer {
  readonly options: AnswererOptions;
  readonly counts: AnswererCounts = { requests: 0, answered: 0, merged: 0, limited: 0, serialised: 0 };
  private readonly perCamera: RateLimiter;
  private readonly global: RateLimiter;
  private readonly alerts: AlertThrottle;
  /** Open merge windows, by camera. Bounded by the global bucket: at most burst + rate × window. */
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
    this.global = new RateLimiter({ ratePerSec: o.globalPerSecond, burst: o.globalBurst, maxKeys: 1 });
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
    // Checked before the camera's token is taken, so a global refusal costs the camera nothing.
    const scope = !this.global.available('*', now) ? 'global' : !this.perCamera.take(cameraId, now) ? 'camera' : null;
    if (scope) {
      this.counts.limited++;
      const due = this.alerts.note(scope === 'global' ? '*' : cameraId, now);
      if (due > 0) this.reportLimited(scope === 'global' ? '*' : cameraId, due);
      return 'limited';
    }
    this.global.take('*', now);
    const timer = setTimeout(() => this.answer(cameraId), this.options.mergeWindowMs);
    timer.unref?.();
    this.pending.set(cameraId, timer);
    return 'scheduled';
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
