/**
 * What must wait until Node-RED has handed a detection's output to the next node: its ack and its
 * dedupe journal line. Node-RED delivers node.send() outputs on a later tick (setImmediate), and a
 * runtime stop in between drops them; an ack sent before that would tell the camera to forget a
 * detection the flow never got.
 *
 * A flush releases only the items added before it was scheduled: their deliveries were queued before
 * it, so they have run. Items added later in the same turn (a burst read in one go) had their
 * deliveries queued after the flush; they run in the same check phase, right after it, so those items
 * are handed over by the time anything else runs, and the next flush (scheduled from within this one,
 * behind those deliveries) releases them. Closing releases the items known to be handed over and
 * returns the others (never delivered: the camera resends, and the next runtime takes them as new).
 * Every ack waits in the same queue, so a duplicate's ack can't overtake the original's delivery.
 */
import { dedupeKey } from './detection-intake';

export interface Delivered {
  cameraId: string;
  messageId: string;
}

export interface Released<A> {
  ack: A | null;
  /** The detection whose output was handed over, with when it was received; null for acks alone. */
  delivered: Delivered | null;
  at: number;
}

export class HandoverQueue<A> {
  private items: Array<Released<A>> = [];
  private closed = false;
  /** How many of `items` the scheduled flush may release (0: none scheduled). */
  private covered = 0;
  /** How many leading `items` are handed over already (added before the last flush ran). */
  private handedOver = 0;

  constructor(private readonly release: (item: Released<A>) => void) {}

  /** Queues `ack` (and the detection `delivered`, just sent) until the hand-over. */
  add(ack: A | null, delivered: Delivered | null = null, at = 0): void {
    if (this.closed || (!ack && !delivered)) return;
    this.items.push({ ack, delivered, at });
    if (this.covered === 0) this.schedule();
  }

  /**
   * Dedupe keys of the detections sent but not handed over yet (never journalled before they are).
   * Built on demand: only a journal rewrite asks, so the per-message path keeps no second index.
   */
  pendingKeys(): Set<string> {
    const keys = new Set<string>();
    for (const { delivered } of this.items) if (delivered) keys.add(dedupeKey(delivered.cameraId, delivered.messageId));
    return keys;
  }

  /**
   * Stops: releases what was handed over already (its journal line and ack are due), and returns the
   * detections that were sent but never handed over.
   */
  close(): Delivered[] {
    if (this.closed) return [];
    this.closed = true;
    const done = this.items.slice(0, this.handedOver);
    const rest = this.items.slice(this.handedOver);
    this.items = [];
    this.covered = this.handedOver = 0;
    for (const item of done) this.release(item);
    return rest.flatMap((item) => (item.delivered ? [item.delivered] : []));
  }

  private schedule(): void {
    this.covered = this.items.length;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    if (this.closed) return;
    const due = this.covered === this.items.length ? this.items : this.items.slice(0, this.covered);
    this.items = due === this.items ? [] : this.items.slice(this.covered);
    this.covered = 0;
    // What is left was added before now: its deliveries were queued in this same check phase.
    this.handedOver = this.items.length;
    if (this.items.length > 0) this.schedule();
    for (const item of due) this.release(item);
  }
}
