/**
 * End-to-end delivery for an edge camera (PROTOCOL.md "Ack"): every detection is kept until the
 * server's `detection/ack` for its `message_id` arrives (`received` or `rejected` both end it),
 * and sent again with the same `message_id` when no ack came within the ack timeout, and at once
 * after every reconnect. The server deduplicates by `message_id`, so a resend is harmless. An ack
 * `retry` (the server's rate limit) keeps the detection and sends it again once `retry_after_ms`
 * has passed: the same per-entry due time as an ack timeout, only set by the server.
 *
 * Bounded: at most `limit` detections wait; beyond that the overflow policy drops the oldest or
 * refuses the new one (both counted and reported). Optionally persisted to an append-only NDJSON
 * journal of `add` and `ack` records, compacted (atomically: temp file + rename) now and then and
 * on close, and replayed on start, so a restart of the camera (or of Node-RED) loses nothing.
 * Every record is written (to the OS) before `add` returns, so a process crash loses nothing;
 * `durability` decides when it is also forced to the disk, against a power cut (see Durability).
 *
 * Pure: no Node-RED, no MQTT. The caller supplies `send` (a publish that resolves on PUBACK) and
 * tells the outbox when the link is up (`setOnline`) and when an ack arrives (`ack`). Clock and
 * timers are injectable for tests.
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { keepAside, removeStaleTemp, writeFileAtomicSync } from '../runtime/files';
import { JournalNotKeptAside } from './agent-problems';

export type OverflowPolicy = 'drop-oldest' | 'reject-new';
export const OVERFLOW_POLICIES: readonly OverflowPolicy[] = ['drop-oldest', 'reject-new'];

/**
 * When journal records are fsynced. `none`: never (the OS writes them back within seconds; a power
 * cut can lose those). `group` (default): a group commit, one fsync in the background for all the
 * records appended since the last, at most every `commitIntervalMs`; after a power cut the journal
 * holds everything appended before the last commit began. `every`: an fsync per record before
 * `add` returns (a disk flush per detection). Neither sending nor acks wait for an fsync.
 */
export type Durability = 'none' | 'group' | 'every';
export const DURABILITIES: readonly Durability[] = ['none', 'group', 'every'];
export const DEFAULT_COMMIT_INTERVAL_MS = 50;

/** The fsync calls the journal makes (node:fs; injectable so tests can count them). */
export interface FileSync {
  fsync(fd: number, callback: (err: NodeJS.ErrnoException | null) => void): void;
  fsyncSync(fd: number): void;
}

export interface OutboxTimers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Real time; the timers do not keep the process alive. */
export const realTimers: OutboxTimers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface OutboxMessage {
  message_id: string;
}

export interface OutboxOptions<T extends OutboxMessage> {
  /** Publishes `message`; resolves once the broker has it (PUBACK), rejects when it could not be sent. */
  send(message: T, attempt: number): Promise<void> | void;
  /** How long to wait for the server's ack after the broker took the message, before sending it again. */
  ackTimeoutMs: number;
  /** Each further resend of the same message waits twice as long, up to this (default max(ackTimeoutMs, 60 s)). */
  maxAckTimeoutMs?: number;
  /** Most detections held; at least 1. */
  limit: number;
  overflow: OverflowPolicy;
  /**
   * `ack` (default): a message is done when the server acks it. `publish`: when the broker has
   * it (PUBACK), for servers that send no acks (fire-and-forget QoS 1, still kept across restarts).
   */
  settle?: 'ack' | 'publish';
  /** Journal file; null/undefined/'' = memory only. Its directory is created when missing. */
  file?: string | null;
  /** When records are forced to disk (default `group`). */
  durability?: Durability;
  /** `group`: at most one fsync per this many ms (default 50; 0 = one per event-loop turn with appends). */
  commitIntervalMs?: number;
  fileSync?: FileSync;
  /** Compact the journal once it holds this many records and more than twice the pending ones. */
  compactMinRecords?: number;
  /** ... and at least this often while anything was removed since the last compaction (0 = only by count). */
  compactIntervalMs?: number;
  /** Checks a message read back from the journal; rejected ones are counted as `corrupt` and skipped. */
  validate?: (message: unknown) => boolean;
  timers?: OutboxTimers;
}

export interface OutboxMetrics {
  /** Waiting for an ack now. */
  pending: number;
  /** First sends. */
  sent: number;
  /** Sends of a message sent before (ack timeout, reconnect, or restored from the journal). */
  resent: number;
  /** Acked `received` (or, with settle `publish`, taken by the broker). */
  acked: number;
  /** Acked `rejected` by the server: it will never accept them, so they are not sent again. */
  rejected: number;
  /** Acked `retry` by the server (over its rate limit): kept and sent again when it said. */
  deferred: number;
  /** Lost to the overflow policy (the oldest dropped, or a new one refused). */
  dropped: number;
  /** Of `dropped`: new messages refused by `reject-new`. */
  refused: number;
  /** Read back from the journal at start. */
  restored: number;
  /** Journal lines that could not be read (e.g. a line torn by a crash) or failed `validate`. */
  corrupt: number;
  /** Publishes that failed (they are retried). */
  sendErrors: number;
  /** Acks for message ids not pending (duplicates of an ack, or acks for another instance). */
  unknownAcks: number;
}

export type AddResult<T> =
  | { status: 'queued'; dropped?: T }
  | { status: 'duplicate' }
  | { status: 'refused'; reason: string };

export type AckStatus = 'received' | 'rejected' | 'retry';
type FinalStatus = 'received' | 'rejected';

interface Entry<T> {
  id: string;
  message: T;
  /** Sends in this process. */
  tries: number;
  /** Sends since the server last answered (drives the ack-timeout backoff). */
  unanswered: number;
  /** A `retry` ack's time to send again (ms), until that send; null = none asked. */
  retryAt: number | null;
  /** Sent in an earlier process (read back from the journal). */
  restored: boolean;
  inFlight: boolean;
  /** Invalidates scheduled checks: only the latest schedule of an entry counts. */
  gen: number;
}

interface Due {
  at: number;
  id: string;
  gen: number;
}

type JournalRecord<T> = { t: 'add'; m: T } | { t: 'ack'; id: string; s: FinalStatus | 'dropped' };

/** A binary min-heap of due times. */
class DueHeap {
  private readonly items: Due[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Due | undefined {
    return this.items[0];
  }

  push(item: Due): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]!.at <= item.at) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = item;
  }

  pop(): Due | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || !last) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const child = r < a.length && a[r]!.at < a[l]!.at ? r : l;
      if (a[child]!.at >= last.at) break;
      a[i] = a[child]!;
      i = child;
    }
    a[i] = last;
    return top;
  }

  /** Keeps only the items `keep` accepts (to shed stale entries). */
  filter(keep: (item: Due) => boolean): void {
    const kept = this.items.filter(keep);
    this.items.length = 0;
    for (const item of kept) this.push(item);
  }
}

export class DetectionOutbox<T extends OutboxMessage> extends EventEmitter {
  readonly metrics: OutboxMetrics = {
    pending: 0,
    sent: 0,
    resent: 0,
    acked: 0,
    rejected: 0,
    deferred: 0,
    dropped: 0,
    refused: 0,
    restored: 0,
    corrupt: 0,
    sendErrors: 0,
    unknownAcks: 0,
  };

  private readonly pending = new Map<string, Entry<T>>();
  private readonly heap = new DueHeap();
  private readonly timers: OutboxTimers;
  private readonly settle: 'ack' | 'publish';
  private readonly maxAckTimeoutMs: number;
  private readonly file: string | null;
  private online = false;
  private closed = false;
  private opened = false;
  /** Where `open()` kept the journal it read when some records were unreadable (`metrics.corrupt`), else null. */
  corruptCopy: string | null = null;
  private timer: unknown = null;
  private timerAt = Infinity;
  private fd: number | null = null;
  /** Records in the journal file now. */
  private journalRecords = 0;
  /** Removals journaled since the last compaction. */
  private removalsSinceCompaction = 0;
  private compactTimer: unknown = null;
  readonly durability: Durability;
  readonly commitIntervalMs: number;
  private readonly fileSync: FileSync;
  /** Records written since the last group commit began. */
  private dirty = false;
  private commitTimer: unknown = null;
  /** A group commit's fsync is running (in the thread pool). */
  private syncing = false;
  private syncingFd: number | null = null;
  private lastCommitAt = -Infinity;
  /** A journal fd closed while its fsync ran: closed when that fsync returns. */
  private retiredFd: number | null = null;

  constructor(private readonly options: OutboxOptions<T>) {
    super();
    if (!(options.ackTimeoutMs > 0)) throw new RangeError('ackTimeoutMs must be above 0');
    if (!(Number.isInteger(options.limit) && options.limit >= 1)) throw new RangeError('limit must be a whole number of at least 1');
    if (!OVERFLOW_POLICIES.includes(options.overflow)) throw new RangeError(`overflow must be one of ${OVERFLOW_POLICIES.join(', ')}`);
    this.timers = options.timers ?? realTimers;
    this.settle = options.settle ?? 'ack';
    this.maxAckTimeoutMs = Math.max(options.ackTimeoutMs, options.maxAckTimeoutMs ?? 60_000);
    this.file = options.file ? path.resolve(options.file) : null;
    this.durability = options.durability ?? 'group';
    if (!DURABILITIES.includes(this.durability)) throw new RangeError(`durability must be one of ${DURABILITIES.join(', ')}`);
    this.commitIntervalMs = options.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS;
    if (!(this.commitIntervalMs >= 0 && this.commitIntervalMs <= 3_600_000)) throw new RangeError('commitIntervalMs must be from 0 to 3600000');
    this.fileSync = options.fileSync ?? fs;
  }

  /** Detections waiting for their ack. */
  get size(): number {
    return this.pending.size;
  }

  get isOnline(): boolean {
    return this.online;
  }

  get journalFile(): string | null {
    return this.file;
  }

  has(id: string): boolean {
    return this.pending.has(id);
  }

  /** The pending messages, oldest first. */
  messages(): T[] {
    return [...this.pending.values()].map((e) => e.message);
  }

  /**
   * Reads the journal back (when persisted) and compacts it. Call once before anything else;
   * throws when the journal cannot be read or written (e.g. a directory without permission).
   */
  open(): this {
    if (this.opened) return this;
    this.opened = true;
    if (!this.file) return this;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    let text = '';
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const restored = new Map<string, T>();
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let record: JournalRecord<T>;
      try {
        record = JSON.parse(line) as JournalRecord<T>;
      } catch {
        this.metrics.corrupt++;
        continue;
      }
      if (record && record.t === 'add' && isMessage(record.m) && (!this.options.validate || this.options.validate(record.m))) {
        if (!restored.has(record.m.message_id)) restored.set(record.m.message_id, record.m);
      } else if (record && record.t === 'ack' && typeof record.id === 'string') {
        restored.delete(record.id);
      } else this.metrics.corrupt++;
    }
    let list = [...restored.values()];
    if (list.length > this.options.limit) {
      // The limit was lowered since: the overflow policy decides which survive.
      const excess = list.length - this.options.limit;
      const lost = this.options.overflow === 'drop-oldest' ? list.slice(0, excess) : list.slice(this.options.limit);
      list = this.options.overflow === 'drop-oldest' ? list.slice(excess) : list.slice(0, this.options.limit);
      this.metrics.dropped += lost.length;
      for (const m of lost) this.emit('dropped', m, 'overflow');
    }
    for (const m of list) {
      this.pending.set(m.message_id, { id: m.message_id, message: m, tries: 0, unanswered: 0, retryAt: null, restored: true, inFlight: false, gen: 0 });
    }
    this.metrics.restored = list.length;
    this.metrics.pending = this.pending.size;
    // The compaction below drops what could not be read: keep the journal as it was for inspection.
    if (this.metrics.corrupt > 0) {
      try {
        this.corruptCopy = keepAside(this.file);
      } catch (err) {
        this.emit('problem', new JournalNotKeptAside(this.file, (err as Error).message));
      }
    }
    removeStaleTemp(this.file);
    this.compact();
    return this;
  }

  /** Queues a detection (and sends it when online). A message_id already pending is not added twice. */
  add(message: T): AddResult<T> {
    if (this.closed) return { status: 'refused', reason: 'the outbox is closed' };
    if (!this.opened) this.open();
    if (!isMessage(message)) return { status: 'refused', reason: 'message_id must be a non-empty string' };
    const id = message.message_id;
    if (this.pending.has(id)) return { status: 'duplicate' };
    let dropped: T | undefined;
    if (this.pending.size >= this.options.limit) {
      if (this.options.overflow === 'reject-new') {
        this.metrics.dropped++;
        this.metrics.refused++;
        this.emit('dropped', message, 'refused');
        this.emit('change');
        return { status: 'refused', reason: `outbox full (${this.options.limit} detections waiting for their ack; overflow policy reject-new)` };
      }
      const oldest = this.pending.values().next().value as Entry<T>;
      this.remove(oldest, 'dropped');
      this.metrics.dropped++;
      dropped = oldest.message;
      this.emit('dropped', oldest.message, 'overflow');
    }
    const entry: Entry<T> = { id, message, tries: 0, unanswered: 0, retryAt: null, restored: false, inFlight: false, gen: 0 };
    this.pending.set(id, entry);
    this.metrics.pending = this.pending.size;
    this.journal({ t: 'add', m: message });
    if (this.online) this.send(entry);
    this.emit('change');
    return dropped ? { status: 'queued', dropped } : { status: 'queued' };
  }

  /**
   * The server's ack for `id`: `received` or `rejected` both end its delivery (a rejected one
   * would be rejected again); `retry` keeps it and sends it again once `retryAfterMs` has passed
   * (not before, not even on a reconnect). Returns false when `id` is not pending.
   */
  ack(id: string, status: AckStatus, error?: string, retryAfterMs = 0): boolean {
    const entry = this.pending.get(id);
    if (!entry || this.closed) {
      this.metrics.unknownAcks++;
      return false;
    }
    if (status === 'retry') this.deferRetry(entry, retryAfterMs);
    else this.complete(entry, status, error);
    return true;
  }

  /** The link is up (resend everything not in flight, in order) or down (stop sending). */
  setOnline(online: boolean): void {
    if (this.closed || online === this.online) return;
    this.online = online;
    if (!online) return;
    if (!this.opened) this.open();
    const now = this.timers.now();
    for (const entry of [...this.pending.values()]) {
      if (!this.online) break;
      // One waiting out a `retry` keeps its due time (scheduled): the server asked for that.
      if (!entry.inFlight && this.pending.get(entry.id) === entry && (entry.retryAt === null || entry.retryAt <= now)) this.send(entry);
    }
  }

  /** Stops the timers and compacts the journal; pending detections stay in it for the next start. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.online = false;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
    if (this.compactTimer !== null) this.timers.clearTimeout(this.compactTimer);
    this.compactTimer = null;
    if (this.commitTimer !== null) this.timers.clearTimeout(this.commitTimer);
    this.commitTimer = null;
    if (this.file && this.opened) {
      try {
        this.compact();
      } catch (err) {
        this.emit('problem', err);
      }
    }
    this.closeFd();
  }

  // -------------------------------------------------------------------------------------------

  private timeoutFor(entry: Entry<T>): number {
    return Math.min(this.maxAckTimeoutMs, this.options.ackTimeoutMs * 2 ** Math.max(0, Math.min(entry.unanswered - 1, 20)));
  }

  private send(entry: Entry<T>): void {
    entry.tries++;
    entry.unanswered++;
    entry.retryAt = null;
    if (entry.tries === 1 && !entry.restored) this.metrics.sent++;
    else this.metrics.resent++;
    entry.inFlight = true;
    const gen = ++entry.gen;
    let result: Promise<void>;
    try {
      result = Promise.resolve(this.options.send(entry.message, entry.tries));
    } catch (err) {
      result = Promise.reject(err);
    }
    result.then(
      () => {
        if (this.closed || this.pending.get(entry.id) !== entry || entry.gen !== gen) return;
        entry.inFlight = false;
        if (this.settle === 'publish') this.complete(entry, 'received');
        // A `retry` ack that overtook the PUBACK: its time, not the ack timeout.
        else if (entry.retryAt !== null) this.schedule(entry, Math.max(0, entry.retryAt - this.timers.now()));
        else this.schedule(entry, this.timeoutFor(entry));
      },
      (err: unknown) => {
        if (this.closed || this.pending.get(entry.id) !== entry || entry.gen !== gen) return;
        entry.inFlight = false;
        this.metrics.sendErrors++;
        this.emit('problem', err instanceof Error ? err : new Error(String(err)));
        this.schedule(entry, this.options.ackTimeoutMs);
      },
    );
    this.emit('change');
  }

  private schedule(entry: Entry<T>, delay: number): void {
    const at = this.timers.now() + delay;
    this.heap.push({ at, id: entry.id, gen: ++entry.gen });
    // Stale items (acked entries) wait in the heap until their time: shed them when they dominate.
    if (this.heap.size > 64 && this.heap.size > 4 * this.pending.size) {
      this.heap.filter((d) => this.pending.get(d.id)?.gen === d.gen);
    }
    this.arm();
  }

  private arm(): void {
    const top = this.heap.peek();
    if (!top || this.closed) return;
    if (this.timer !== null && this.timerAt <= top.at) return;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timerAt = top.at;
    this.timer = this.timers.setTimeout(() => this.onTimer(), Math.max(0, top.at - this.timers.now()));
  }

  private onTimer(): void {
    this.timer = null;
    this.timerAt = Infinity;
    if (this.closed) return;
    const now = this.timers.now();
    for (let top = this.heap.peek(); top && top.at <= now; top = this.heap.peek()) {
      this.heap.pop();
      const entry = this.pending.get(top.id);
      if (!entry || entry.gen !== top.gen || entry.inFlight) continue;
      // Offline: the reconnect sends everything again.
      if (this.online) this.send(entry);
    }
    this.arm();
  }

  /** A `retry` ack: not a failure; the entry is due again at the time the server gave. */
  private deferRetry(entry: Entry<T>, retryAfterMs: number): void {
    const wait = Number.isFinite(retryAfterMs) && retryAfterMs > 0 ? retryAfterMs : 0;
    entry.retryAt = this.timers.now() + wait;
    // The server answered: the next ack timeout starts from the first again.
    entry.unanswered = 0;
    this.metrics.deferred++;
    // In flight (the ack overtook the PUBACK): the publish's completion schedules it.
    if (!entry.inFlight) this.schedule(entry, wait);
    this.emit('change');
  }

  private complete(entry: Entry<T>, status: FinalStatus, error?: string): void {
    this.remove(entry, status);
    if (status === 'received') {
      this.metrics.acked++;
      this.emit('acked', entry.message);
    } else {
      this.metrics.rejected++;
      this.emit('rejected', entry.message, error);
    }
    this.emit('change');
  }

  private remove(entry: Entry<T>, why: FinalStatus | 'dropped'): void {
    this.pending.delete(entry.id);
    entry.gen++;
    this.metrics.pending = this.pending.size;
    this.journal({ t: 'ack', id: entry.id, s: why });
    this.removalsSinceCompaction++;
    if (this.file && this.journalRecords >= (this.options.compactMinRecords ?? 1000) && this.journalRecords > 2 * this.pending.size) {
      try {
        this.compact();
      } catch (err) {
        this.emit('problem', err);
      }
    } else this.armCompaction();
  }

  private armCompaction(): void {
    const every = this.options.compactIntervalMs ?? 60_000;
    if (!this.file || every <= 0 || this.compactTimer !== null || this.closed) return;
    this.compactTimer = this.timers.setTimeout(() => {
      this.compactTimer = null;
      if (this.closed || this.removalsSinceCompaction === 0) return;
      try {
        this.compact();
      } catch (err) {
        this.emit('problem', err);
      }
    }, every);
  }

  private journal(record: JournalRecord<T>): void {
    if (!this.file) return;
    try {
      if (this.fd === null) this.fd = fs.openSync(this.file, 'a');
      const line = JSON.stringify(record) + '\n';
      fs.writeSync(this.fd, line);
      this.journalRecords++;
      if (this.durability === 'every') this.fileSync.fsyncSync(this.fd);
      else if (this.durability === 'group') {
        this.dirty = true;
        this.armCommit();
      }
    } catch (err) {
      // Persistence is degraded, delivery is not: keep going in memory and say so.
      this.emit('problem', err instanceof Error ? err : new Error(String(err)));
    }
  }

  // Durability: the group commit. One fsync covers every record written before it starts; it
  // runs in the thread pool (fs.fsync), so neither the event loop nor `add` waits for the disk.
  // At most one runs at a time and one starts at most every commitIntervalMs: under load the
  // appends of an interval share one disk flush; after an idle spell the first commit is at once.

  private armCommit(): void {
    if (this.commitTimer !== null || this.syncing || this.closed) return;
    const delay = Math.max(0, this.lastCommitAt + this.commitIntervalMs - this.timers.now());
    this.commitTimer = this.timers.setTimeout(() => {
      this.commitTimer = null;
      this.commit();
    }, delay);
  }

  private commit(): void {
    if (!this.dirty || this.fd === null || this.closed) return;
    this.dirty = false;
    this.syncing = true;
    this.lastCommitAt = this.timers.now();
    const fd = this.fd;
    this.syncingFd = fd;
    this.fileSync.fsync(fd, (err) => {
      this.syncing = false;
      this.syncingFd = null;
      if (this.retiredFd === fd) {
        this.retiredFd = null;
        closeQuietly(fd);
      } else if (err && !this.closed) this.emit('problem', err);
      if (this.dirty) this.armCommit();
    });
  }

  /** Rewrites the journal as the pending `add` records only: temp file, fsync, rename. */
  private compact(): void {
    if (!this.file) return;
    this.closeFd();
    const lines: string[] = [];
    for (const entry of this.pending.values()) lines.push(JSON.stringify({ t: 'add', m: entry.message }));
    writeFileAtomicSync(this.file, lines.length > 0 ? lines.join('\n') + '\n' : '', { fsync: (fd) => this.fileSync.fsyncSync(fd) });
    this.journalRecords = lines.length;
    this.removalsSinceCompaction = 0;
    // The new file is on disk as a whole: nothing left for a group commit.
    this.dirty = false;
  }

  private closeFd(): void {
    if (this.fd === null) return;
    // A group commit still running on it closes it when done (closing now could let the fd number
    // be reused under that fsync); the compacted file that replaces it was fsynced on its own.
    if (this.syncing && this.syncingFd === this.fd) this.retiredFd = this.fd;
    else closeQuietly(this.fd);
    this.fd = null;
  }
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed
  }
}

function isMessage(value: unknown): value is OutboxMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const id = (value as { message_id?: unknown }).message_id;
  return typeof id === 'string' && id.length > 0;
}
