/**
 * Per-checkpoint tumbling windows of detection counts (pure: the clock is passed in).
 *
 * Windows:
 * - Boundaries are multiples of the window length on the site's wall clock (lpr-broker's
 *   `timeZone`), counted from 1970-01-01 00:00 there: with 60 s windows they end at every whole
 *   minute, with one-day windows at the site's midnight (00:00-24:00 in Bangkok, not 07:00-07:00
 *   as UTC midnights would give). Where the clocks change, a day window lasts 23 or 25 hours (see
 *   WallClockBoundaries in runtime/site-time.ts). In UTC these are multiples of the length since
 *   the Unix epoch, as before the site zone existed. A window is the half-open interval
 *   [window_start, window_end): an event at window_end - 1 ms is in it, one at window_end in the next.
 * - An event belongs to the window of its **receipt time** (the clock when it reaches the
 *   aggregator), not the detection's own `timestamp`: a camera's skewed clock can neither put a
 *   detection in a closed window nor in one that has not begun.
 * - The first window starts when the aggregator starts (window_start = that time, not the
 *   earlier boundary) and ends at the next boundary. A flush ends the current window at the flush
 *   time and starts the next at that time; it still ends at the next boundary.
 * - When a window closes, one result is produced for every checkpoint seen since the start (an
 *   empty window gives zeros and nulls, so a dashboard sees a quiet checkpoint as quiet, not as
 *   missing). Empty windows skipped by a clock jump are produced too, at most `maxCatchUp` of
 *   them (the most recent); older ones are dropped.
 * - At most `maxCheckpoints` checkpoints are tracked; events of further checkpoints are
 *   counted in `dropped` and otherwise ignored. A checkpoint's cameras (for its status) are bounded
 *   too, see cameras.ts.
 *
 * Figures per checkpoint and window: `detections` (detection messages), `plates` (plate reads),
 * `unique_plates` (distinct normalized plate keys: exact up to `uniqueCap`, then a HyperLogLog
 * estimate, see unique.ts), `avg_confidence` (mean plate confidence, rounded to 4 decimals; null
 * without plates), `avg_processing_time_ms` (mean `detection_data.processing_time_ms` of the
 * detections, rounded to 0.01 ms; null without detections), `blacklist_hits` (blacklist-match
 * messages).
 */
import { normalizePlate } from '../blacklist/normalize';
import { newMessageId, nowIso, validateMessage, type CheckpointAnalytics } from '../protocol';
import { CheckpointCameras, type HealthState } from './cameras';
import type { PlateRead } from './input';
import { UniqueCounter } from './unique';
import { WallClockBoundaries } from '../runtime/site-time';

export interface AggregatorOptions {
  windowMs: number;
  /** The site time zone the window boundaries follow (default UTC). */
  timeZone?: string;
  uniqueCap?: number;
  /** The clock, ms since the epoch. */
  now?: () => number;
  maxCatchUp?: number;
  maxCheckpoints?: number;
  maxCamerasPerCheckpoint?: number;
  /** (camera, checkpoint) pairs tracked for the status, in all (default 100,000). */
  maxCameras?: number;
  /** A camera's state from the health monitors (default: none known). */
  health?: (camera: string) => HealthState | undefined;
}

/** A closed window of one checkpoint: CheckpointAnalytics without message_id/timestamp. */
export interface WindowResult {
  [key: string]: unknown;
  checkpoint_id: string;
  window_start: string;
  window_end: string;
  detections: number;
  plates: number;
  unique_plates: number;
  avg_confidence: number | null;
  avg_processing_time_ms: number | null;
  blacklist_hits: number;
}

/** CheckpointStatus without message_id/timestamp. */
export interface StatusFields {
  [key: string]: unknown;
  checkpoint_id: string;
  cameras: { online: number; offline: number; total: number };
  last_detection?: string;
}

export type { HealthState };

class Accumulator {
  detections = 0;
  plates = 0;
  confidenceSum = 0;
  processingSum = 0;
  processingCount = 0;
  blacklistHits = 0;
  readonly unique: UniqueCounter;
  constructor(cap: number) {
    this.unique = new UniqueCounter(cap);
  }
}

interface CheckpointState {
  /** NaN until the first: a number field from the start, so that V8 updates it in place rather than boxing a new number per detection. */
  lastDetection: number;
}

const round = (value: number, decimals: number) => {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
};

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export class WindowAggregator {
  readonly windowMs: number;
  private readonly uniqueCap: number;
  private readonly now: () => number;
  private readonly maxCatchUp: number;
  private readonly maxCheckpoints: number;
  private readonly cameras: CheckpointCameras;
  private readonly boundaries: WallClockBoundaries;
  private start: number;
  private end: number;
  private acc = new Map<string, Accumulator>();
  /** The sum of `acc`'s detections. */
  private windowDetections = 0;
  private readonly checkpoints = new Map<string, CheckpointState>();
  /** Events of checkpoints beyond maxCheckpoints. */
  dropped = 0;
  /** Events fed since the start: detections and blacklist hits, for tests and status. */
  readonly totals = { detections: 0, plates: 0, blacklistHits: 0 };

  constructor(options: AggregatorOptions) {
    if (!Number.isInteger(options.windowMs) || options.windowMs < 1) throw new RangeError('windowMs: must be a whole number >= 1');
    this.windowMs = options.windowMs;
    this.boundaries = new WallClockBoundaries(options.windowMs, options.timeZone ?? 'UTC');
    this.uniqueCap = options.uniqueCap ?? 100_000;
    this.now = options.now ?? Date.now;
    this.maxCatchUp = options.maxCatchUp ?? 10;
    this.maxCheckpoints = options.maxCheckpoints ?? 10_000;
    this.cameras = new CheckpointCameras(this.windowMs, options.maxCameras ?? 100_000, options.maxCamerasPerCheckpoint ?? 1_000, options.health ?? (() => undefined));
    this.start = this.now();
    this.end = this.boundaryAfter(this.start);
  }

  /** The first window boundary strictly after `t`. */
  boundaryAfter(t: number): number {
    return this.boundaries.after(t);
  }

  get windowStart(): number {
    return this.start;
  }

  get windowEnd(): number {
    return this.end;
  }

  /** Checkpoints seen since the start, in first-seen order. */
  checkpointIds(): string[] {
    return [...this.checkpoints.keys()];
  }

  /** How many checkpoints are tracked (the node's status, once a second: no array of every id). */
  get checkpointCount(): number {
    return this.checkpoints.size;
  }

  hasCheckpoint(id: string): boolean {
    return this.checkpoints.has(id);
  }

  /** Detections in the current window, all checkpoints: counted as they come, not summed per call. */
  currentDetections(): number {
    return this.windowDetections;
  }

  /** Closes every window that has ended by now; returns their results (oldest first). */
  advance(): WindowResult[] {
    const now = this.now();
    if (now < this.end) return [];
    const out = this.close(this.start, this.end);
    // Whole windows that passed without a call: empty, the most recent maxCatchUp of them, found
    // walking back from now (a clock jump of years costs maxCatchUp steps, not one per window).
    const nextStart = this.boundaries.atOrBefore(now);
    const skipped: number[] = [];
    for (let s = nextStart; s > this.end && skipped.length < 2 * this.maxCatchUp; ) {
      const before = this.boundaries.atOrBefore(s - 1);
      skipped.push(before, s);
      s = before;
    }
    for (let i = skipped.length - 2; i >= 0; i -= 2) out.push(...this.close(skipped[i]!, skipped[i + 1]!));
    this.start = nextStart;
    this.end = this.boundaries.after(nextStart);
    return out;
  }

  /** Ends the current window now (after closing any already ended) and starts the next one. */
  flush(): WindowResult[] {
    const out = this.advance();
    const now = this.now();
    out.push(...this.close(this.start, now));
    this.start = now;
    this.end = this.boundaryAfter(now);
    return out;
  }

  /**
   * Adds a detection (or some plates of one) for `checkpointId`. Returns the windows that closed
   * before it (the event itself goes to the window of the current time).
   */
  addDetection(checkpointId: string, cameraId: string, plates: readonly PlateRead[], processingTimeMs: number | null, countsDetection = true): WindowResult[] {
    const closed = this.advance();
    const a = this.accumulator(checkpointId);
    if (!a) return closed;
    const now = this.now();
    if (countsDetection) {
      a.detections++;
      this.windowDetections++;
      this.totals.detections++;
    }
    if (processingTimeMs !== null) {
      a.processingSum += processingTimeMs;
      a.processingCount++;
    }
    for (const p of plates) {
      a.plates++;
      a.confidenceSum += p.confidence;
      a.unique.add(normalizePlate(p.plate_number) || p.plate_number);
    }
    this.totals.plates += plates.length;
    this.cameras.seen(checkpointId, cameraId, now);
    this.checkpoints.get(checkpointId)!.lastDetection = now;
    return closed;
  }

  addBlacklistHit(checkpointId: string): WindowResult[] {
    const closed = this.advance();
    const a = this.accumulator(checkpointId);
    if (a) {
      a.blacklistHits++;
      this.totals.blacklistHits++;
    }
    return closed;
  }

  /**
   * The CheckpointStatus figures of `checkpointId`: its cameras are those seen in its detections;
   * a camera is offline when the health monitors say `offline`, online in any other known state,
   * and, with no known state, online if it sent a detection within the last window length.
   * O(1): the counts are kept up to date by events (cameras.ts).
   */
  status(checkpointId: string): StatusFields | null {
    const cp = this.checkpoints.get(checkpointId);
    if (!cp) return null;
    this.cameras.expire(this.now());
    return {
      checkpoint_id: checkpointId,
      cameras: this.cameras.counts(checkpointId),
      ...(Number.isNaN(cp.lastDetection) ? {} : { last_detection: iso(cp.lastDetection) }),
    };
  }

  /** The health monitors' state of `camera` may have changed. */
  healthChanged(camera: string): void {
    this.cameras.healthChanged(camera);
  }

  /** A health monitor was added or removed: every camera's state is read again. */
  healthSourcesChanged(): void {
    this.cameras.recomputeAll();
  }

  /** Checkpoints whose camera counts changed since the last call (cameras silent by now included). */
  changedStatus(): string[] {
    this.cameras.expire(this.now());
    return this.cameras.takeChanged().filter((id) => this.checkpoints.has(id));
  }

  /** (camera, checkpoint) pairs tracked for the status. */
  get cameraCount(): number {
    return this.cameras.size;
  }

  /** Pairs forgotten at maxCameras. */
  get camerasForgotten(): number {
    return this.cameras.forgotten;
  }

  private accumulator(checkpointId: string): Accumulator | null {
    let a = this.acc.get(checkpointId);
    if (a) return a;
    if (!this.checkpoints.has(checkpointId)) {
      if (this.checkpoints.size >= this.maxCheckpoints) {
        this.dropped++;
        return null;
      }
      this.checkpoints.set(checkpointId, { lastDetection: NaN });
    }
    a = new Accumulator(this.uniqueCap);
    this.acc.set(checkpointId, a);
    return a;
  }

  private close(start: number, end: number): WindowResult[] {
    const out: WindowResult[] = [];
    // One pair of texts for every checkpoint's result (10,000 of them at the default bound).
    const windowStart = iso(start);
    const windowEnd = iso(end);
    for (const id of this.checkpoints.keys()) {
      const a = this.acc.get(id);
      out.push({
        checkpoint_id: id,
        window_start: windowStart,
        window_end: windowEnd,
        detections: a?.detections ?? 0,
        plates: a?.plates ?? 0,
        unique_plates: a ? a.unique.count() : 0,
        avg_confidence: a && a.plates > 0 ? Math.min(1, round(a.confidenceSum / a.plates, 4)) : null,
        avg_processing_time_ms: a && a.processingCount > 0 ? round(a.processingSum / a.processingCount, 2) : null,
        blacklist_hits: a?.blacklistHits ?? 0,
      });
    }
    this.acc = new Map();
    this.windowDetections = 0;
    return out;
  }
}

/** A WindowResult as a validated CheckpointAnalytics message (throws a ValidationError if not valid). */
export function analyticsMessage(r: WindowResult, now: number = Date.now()): CheckpointAnalytics {
  // Written out, not spread into createMessage: one is made per checkpoint at every window end.
  const message: CheckpointAnalytics = {
    message_id: newMessageId(),
    timestamp: nowIso(now),
    checkpoint_id: r.checkpoint_id,
    window_start: r.window_start,
    window_end: r.window_end,
    detections: r.detections,
    plates: r.plates,
    unique_plates: r.unique_plates,
    avg_confidence: r.avg_confidence,
    avg_processing_time_ms: r.avg_processing_time_ms,
    blacklist_hits: r.blacklist_hits,
  };
  const checked = validateMessage('checkpointAnalytics', message);
  if (!checked.ok) throw checked.error;
  return checked.value;
}
