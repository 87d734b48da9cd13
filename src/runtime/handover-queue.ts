/**
 * What must wait until Node-RED has handed a detection's output to the next node: its ack and its
 * dedupe journal line. Node-RED delivers node.send() outputs on a later tick (setImmediate), and a
 * runtime stop in between drops them; an ack sent before that would tell the camera to forget a
 * detection the flow never got. Our setImmediate is queued behind Node-RED's, so by the time it
 * runs the outputs have been handed over. Once closed nothing is released: the camera resends, and
 * the next runtime takes it as new. Every ack waits in the same queue, so a duplicate's ack can't
 * overtake the original's delivery.
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

  constructor(private readonly release: (item: Released<A>) => void) {}

  /** Queues `ack` (and the detection `delivered`, just sent) until the hand-over. */
  add(ack: A | null, delivered: Delivered | null = null, at = 0): void {
    if (this.closed || (!ack && !delivered)) return;
    if (this.items.length === 0) setImmediate(() => this.flush());
    this.items.push({ ack, delivered, at });
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

  /** Stops releasing; returns the detections that were sent but never handed over. */
  close(): Delivered[] {
    this.closed = true;
    const dropped = this.items.flatMap((item) => (item.delivered ? [item.delivered] : []));
    this.items = [];
    return dropped;
  }

  private flush(): void {
    const due = this.items;
    this.items = [];
    if (this.closed) return;
    for (const item of due) this.release(item);
  }
}
