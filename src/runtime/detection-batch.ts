/**
 * The batch output of `lpr-detection-in` without Node-RED: entries collect until the batch holds
 * `size` of them or `windowMs` has passed since its first one, whichever comes first, and then leave
 * as one batch. A detection's entries (with `split`, its plates) always travel in the same batch, so
 * that one message's hand-over or completion answers for the whole detection: a batch that could not
 * take the next detection's entries whole leaves first, and a detection with more entries than
 * `size` leaves alone. Each detection carries a tag (its ack) that leaves with its last entry.
 */
import { readNumber } from './settings';

export interface BatchSettings {
  /** Most entries per output message; 0 or 1 = off (one message per detection). */
  batch: number;
  /** The longest the first entry of a batch waits, in ms. */
  batchWindowMs: number;
}

export const DEFAULT_BATCH_WINDOW_MS = 50;
/** A bound on one message (and one database statement): 10,000 rows is far past where batching pays. */
export const MAX_BATCH = 10_000;
export const MAX_BATCH_WINDOW_MS = 60_000;

/** Flows saved before batches existed have neither property: batching off. */
export function readBatchSettings(props: Record<string, unknown>): BatchSettings {
  return {
    batch: readNumber(props, 'batch', 0, { min: 0, max: MAX_BATCH, integer: true }),
    batchWindowMs: readNumber(props, 'batchWindow', DEFAULT_BATCH_WINDOW_MS, { min: 1, max: MAX_BATCH_WINDOW_MS }),
  };
}

export function batching(settings: BatchSettings): boolean {
  return settings.batch > 1;
}

export interface Batch<E, T> {
  /** In arrival order. */
  entries: E[];
  /** One per detection with an entry in this batch, in arrival order. */
  tags: T[];
}

/** The window's timer; a test hands in a clock of its own. */
export interface BatchTimers {
  set(fire: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const realTimers: BatchTimers = {
  set: (fire, ms) => setTimeout(fire, ms),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class Batcher<E, T> {
  private entries: E[] = [];
  private tags: T[] = [];
  /** Keys of the detections in the open batch, so a resend of one of them can be recognised. */
  private waitingKeys = new Set<string>();
  private timer: unknown = null;
  private closed = false;

  constructor(
    private readonly size: number,
    private readonly windowMs: number,
    private readonly onBatch: (batch: Batch<E, T>) => void,
    private readonly timers: BatchTimers = realTimers,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('the batch size must be a whole number of at least 1');
    if (!(windowMs > 0)) throw new RangeError('the batch window must be above 0 ms');
  }

  /** Entries waiting in the open batch. */
  get length(): number {
    return this.entries.length;
  }

  /** Whether the detection `key` sits in the open batch. */
  has(key: string): boolean {
    return this.waitingKeys.has(key);
  }

  /** Keys of the detections in the open batch. */
  keys(): IterableIterator<string> {
    return this.waitingKeys.values();
  }

  /** Adds one detection's entries (none: nothing to add) with its tag; may send a batch, or two. */
  add(key: string, entries: readonly E[], tag: T): void {
    if (this.closed || entries.length === 0) return;
    if (this.entries.length > 0 && this.entries.length + entries.length > this.size) this.flush();
    for (const entry of entries) this.entries.push(entry);
    this.tags.push(tag);
    this.waitingKeys.add(key);
    if (this.entries.length >= this.size) this.flush();
    else if (this.timer === null) this.timer = this.timers.set(() => this.flush(), this.windowMs);
  }

  /** Sends the open batch now (nothing when it is empty). */
  flush(): void {
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    if (this.entries.length === 0) return;
    const batch = { entries: this.entries, tags: this.tags };
    this.entries = [];
    this.tags = [];
    this.waitingKeys = new Set();
    this.onBatch(batch);
  }

  /** Stops without sending; returns the tags of the detections in the open batch (never sent). */
  close(): T[] {
    if (this.timer !== null) this.timers.clear(this.timer);
    this.timer = null;
    this.closed = true;
    const unsent = this.tags;
    this.entries = [];
    this.tags = [];
    this.waitingKeys = new Set();
    return unsent;
  }
}
