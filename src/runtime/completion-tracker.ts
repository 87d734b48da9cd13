/**
 * Ack on completion: a detection's ack (and its dedupe journal line) waits until the nodes in
 * scope have finished every message the detection was sent as (Node-RED's `done()`, which the
 * node adapter sees through the `onComplete` messaging hook and reports here by `_msgid`).
 *
 * Each output message carries its own `_msgid` (Node-RED keeps it through clones, and a function
 * node copies it to the messages it returns), and each must be completed by every scoped node.
 * A scoped node that completes with an error, or a detection not finished within the timeout,
 * gives the detection up: no ack, so its camera resends it, and the caller forgets its dedupe entry
 * so that the resend is taken as new. A completion that arrives after that is ignored.
 *
 * A batch message carries many detections under one `_msgid` (trackBatch): when the scope has
 * finished it, all of them complete; when a scoped node fails it, all of them are given up.
 *
 * Memory is bounded: at most `maxPending` detections wait; taking one more gives up the oldest
 * (reason `overflow`), exactly as a timeout would. No Node-RED import: the adapter wires the hook.
 */
import { dedupeKey } from './detection-intake';
import type { Delivered, Released } from './handover-queue';

export type GiveUpReason = 'error' | 'timeout' | 'overflow';

export interface GivenUp<A> {
  ack: A | null;
  delivered: Delivered;
  reason: GiveUpReason;
  /** The scoped node's error, for `error`. */
  error?: unknown;
  /** The node that reported it, for `error`. */
  nodeId?: string;
}

export interface CompletionCounts {
  /** Detections the scope finished (acked, when acks are on). */
  completed: number;
  /** Given up because a scoped node reported an error. */
  failed: number;
  /** Given up because the scope did not finish them in time. */
  timedOut: number;
  /** Given up to stay within `maxPending`. */
  overflowed: number;
}

export interface CompletionTrackerOptions<A> {
  /** Ids of the nodes whose completion counts; every one must complete each message. */
  scope: Iterable<string>;
  timeoutMs: number;
  maxPending: number;
  /** The scope finished the detection: send its ack, journal it. */
  onComplete(item: Released<A>): void;
  /** The detection was given up: forget its dedupe entry, count it, say so. */
  onGiveUp(item: GivenUp<A>): void;
  now?: () => number;
}

interface Entry<A> {
  key: string;
  ack: A | null;
  delivered: Delivered;
  at: number;
  deadline: number;
  msgIds: string[];
  /** Messages not yet completed by every scoped node. */
  partsLeft: number;
}

interface Part<A> {
  /** The detections this message answers for: one, or a batch's many. */
  entries: Set<Entry<A>>;
  /** Scoped nodes that have not completed this message yet. */
  waiting: Set<string>;
}

export class CompletionTracker<A> {
  readonly counts: CompletionCounts = { completed: 0, failed: 0, timedOut: 0, overflowed: 0 };
  readonly scope: ReadonlySet<string>;
  /** Oldest first: every entry gets the same timeout, so the first one is always due first. */
  private readonly entries = new Set<Entry<A>>();
  private readonly byKey = new Map<string, Entry<A>>();
  private readonly parts = new Map<string, Part<A>>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly now: () => number;

  constructor(private readonly options: CompletionTrackerOptions<A>) {
    this.scope = new Set(options.scope);
    if (this.scope.size === 0) throw new RangeError('the completion scope is empty');
    if (!(options.timeoutMs > 0)) throw new RangeError('timeoutMs must be above 0');
    if (!(options.maxPending >= 1)) throw new RangeError('maxPending must be at least 1');
    this.now = options.now ?? Date.now;
  }

  /** Detections waiting for their scope to finish. */
  get pending(): number {
    return this.entries.size;
  }

  /**
   * Waits for the scope to finish the messages `msgIds` (the detection's outputs, about to be
   * sent). Call before `node.send`. A detection with no outputs has nothing to wait for: the
   * caller acks it on hand-over.
   */
  track(msgIds: readonly string[], ack: A | null, delivered: Delivered, at: number): void {
    if (this.closed || msgIds.length === 0) return;
    this.makeRoom(1);
    const entry = this.entry(ack, delivered, at, [...msgIds]);
    for (const id of msgIds) {
      if (this.parts.has(id)) continue; // the same message listed twice counts once
      this.parts.set(id, { entries: new Set([entry]), waiting: new Set(this.scope) });
      entry.partsLeft++;
    }
    this.add(entry);
  }

  /**
   * Waits for the scope to finish the one message `msgId` (a batch, about to be sent) that carries
   * every detection in `items`. Call before `node.send`.
   */
  trackBatch(msgId: string, items: ReadonlyArray<{ ack: A | null; delivered: Delivered; at: number }>): void {
    if (this.closed || items.length === 0 || this.parts.has(msgId)) return;
    this.makeRoom(items.length);
    const part: Part<A> = { entries: new Set(), waiting: new Set(this.scope) };
    const msgIds = [msgId];
    for (const { ack, delivered, at } of items) {
      const entry = this.entry(ack, delivered, at, msgIds);
      entry.partsLeft = 1;
      part.entries.add(entry);
      this.add(entry);
    }
    this.parts.set(msgId, part);
  }

  /**
   * Whether the detection is still waiting for its scope. A resend that arrives meanwhile is not
   * acked on its own: the first copy's ack answers it once stored, or neither is acked.
   */
  isPending(cameraId: string, messageId: string): boolean {
    return this.byKey.has(dedupeKey(cameraId, messageId));
  }

  /** A node completed message `msgId` (with `error` when it failed). Cheap for messages not tracked. */
  complete(msgId: unknown, nodeId: string, error?: unknown): void {
    if (typeof msgId !== 'string' || !this.scope.has(nodeId)) return;
    const part = this.parts.get(msgId);
    if (!part || !part.waiting.has(nodeId)) return;
    if (error !== undefined && error !== null && error !== false) {
      for (const entry of [...part.entries]) this.giveUp(entry, { reason: 'error', error, nodeId });
      return;
    }
    part.waiting.delete(nodeId);
    if (part.waiting.size > 0) return;
    this.parts.delete(msgId);
    for (const entry of part.entries) {
      if (--entry.partsLeft > 0) continue;
      this.remove(entry);
      this.counts.completed++;
      this.options.onComplete({ ack: entry.ack, delivered: entry.delivered, at: entry.at });
    }
  }

  /** Dedupe keys of detections waiting (never journalled before their scope has finished them). */
  pendingKeys(): Set<string> {
    return new Set(this.byKey.keys());
  }

  /** Stops; returns the detections still waiting (not acked: their cameras resend them). */
  close(): Delivered[] {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const waiting = [...this.entries].map((e) => e.delivered);
    this.entries.clear();
    this.byKey.clear();
    this.parts.clear();
    return waiting;
  }

  /** Gives up the oldest detections until `n` more fit within `maxPending` (or none is left). */
  private makeRoom(n: number): void {
    while (this.entries.size > 0 && this.entries.size + n > this.options.maxPending) {
      const oldest = this.entries.values().next().value as Entry<A>;
      this.giveUp(oldest, { reason: 'overflow' });
    }
  }

  private entry(ack: A | null, delivered: Delivered, at: number, msgIds: string[]): Entry<A> {
    const key = dedupeKey(delivered.cameraId, delivered.messageId);
    return { key, ack, delivered, at, deadline: this.now() + this.options.timeoutMs, msgIds, partsLeft: 0 };
  }

  private add(entry: Entry<A>): void {
    this.entries.add(entry);
    this.byKey.set(entry.key, entry);
    if (!this.timer) this.arm();
  }

  private giveUp(entry: Entry<A>, how: Omit<GivenUp<A>, 'ack' | 'delivered'>): void {
    this.remove(entry);
    if (how.reason === 'error') this.counts.failed++;
    else if (how.reason === 'timeout') this.counts.timedOut++;
    else this.counts.overflowed++;
    this.options.onGiveUp({ ack: entry.ack, delivered: entry.delivered, ...how });
  }

  private remove(entry: Entry<A>): void {
    this.entries.delete(entry);
    if (this.byKey.get(entry.key) === entry) this.byKey.delete(entry.key);
    for (const id of entry.msgIds) {
      const part = this.parts.get(id);
      if (!part?.entries.delete(entry)) continue;
      if (part.entries.size === 0) this.parts.delete(id);
    }
  }

  /** One timer, for the oldest entry's deadline. */
  private arm(): void {
    const first = this.entries.values().next().value as Entry<A> | undefined;
    if (!first || this.closed) return;
    this.timer = setTimeout(() => this.expire(), Math.max(0, first.deadline - this.now()) + 1);
    this.timer.unref?.();
  }

  private expire(): void {
    this.timer = null;
    const now = this.now();
    for (const entry of this.entries) {
      if (entry.deadline > now) break;
      this.giveUp(entry, { reason: 'timeout' });
    }
    this.arm();
  }
}
