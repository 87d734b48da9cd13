/**
 * What must wait until Node-RED has handed a detection's output to the next node: its ack and its
 * dedupe journal line. Node-RED delivers node.send() outputs on a later tick (setImmediate), and a
 * runtime stop in between drops them; an ack sent before that would tell the camera to forget a
 * detection the flow never got. A flush releases only the items added before it was scheduled:
 * their deliveries were queued before it, so they have run. Items added later in the same turn
 * (a burst read in one go) had their deliveries queued after the flush, so they wait for the next
 * one, scheduled from within this flush and so behind those deliveries. Once closed nothing is
 * released: the camera resends, and the next runtime takes it as new. Every ack waits in the same
 * queue, so a duplicate's ack can't overtake the original's delivery.
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

  /** Stops releasing; returns the detections that were sent but never handed over. */
  close(): Delivered[] {
    this.closed = true;
    this.covered = 0;
    const dropped = this.items.flatMap((item) => (item.delivered ? [item.delivered] : []));
    this.items = [];
    return dropped;
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
    if (this.items.length > 0) this.schedule();
    for (const item of due) this.release(item);
  }
}
