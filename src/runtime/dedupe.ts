/**
 * Remembers message ids for `windowMs`, at most `maxEntries` of them (the oldest go first), so
 * QoS 1 redeliveries and camera resends are emitted once. Expiry and eviction only ever look at the
 * oldest, in arrival order kept by a TouchOrder beside the Map (an id's time is its stamp: an id
 * forgotten, or forgotten and seen again, leaves a stale entry that is skipped).
 */
import { TouchOrder } from './touch-order';

export class DedupeWindow {
  private readonly seen = new Map<string, number>();
  private readonly order = new TouchOrder<string>(
    (id, at) => this.seen.get(id) === at,
    () => this.seen.size,
  );

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries: number,
  ) {}

  get size(): number {
    return this.seen.size;
  }

  /** True when `id` was seen within the window, without recording it. */
  has(id: string, now: number = Date.now()): boolean {
    this.expire(now);
    return this.seen.has(id);
  }

  /** True when `id` was seen within the window (a duplicate); otherwise records it. */
  check(id: string, now: number = Date.now()): boolean {
    this.expire(now);
    const at = this.seen.get(id);
    if (at !== undefined) return true;
    this.seen.set(id, now);
    this.order.push(id, now);
    if (this.seen.size > this.maxEntries) this.dropOldest();
    return false;
  }

  private dropOldest(): void {
    const id = this.order.first();
    if (id === undefined) return;
    this.seen.delete(id);
    this.order.shift();
  }

  private expire(now: number): void {
    const cutoff = now - this.windowMs;
    for (let id = this.order.first(); id !== undefined && this.order.firstStamp() <= cutoff; id = this.order.first()) {
      this.seen.delete(id);
      this.order.shift();
    }
  }

  /** The order again from the Map (in arrival order): one entry per id. */
  private rebuildOrder(): void {
    this.order.clear();
    for (const [id, at] of this.seen) this.order.push(id, at);
  }

  /** Drops `id`, e.g. an accepted detection whose output was never delivered. */
  forget(id: string): void {
    this.seen.delete(id);
  }

  clear(): void {
    this.seen.clear();
    this.order.clear();
  }

  /**
   * The ids still within the window at `now`, oldest first, with when each was first seen: what
   * to save so that a restarted runtime does not emit again what this one already emitted (a
   * camera resend whose ack was lost would otherwise come out twice).
   */
  entries(now: number = Date.now()): Array<[id: string, at: number]> {
    this.expire(now);
    return [...this.seen];
  }

  /**
   * Takes back saved `entries` (from `entries()`, oldest first): expired ones, malformed ones and
   * ids already known are skipped; beyond `maxEntries` the oldest go, as in `check`.
   */
  restore(entries: Iterable<readonly [unknown, unknown]>, now: number = Date.now()): number {
    const cutoff = now - this.windowMs;
    let taken = 0;
    for (const [id, at] of entries) {
      if (typeof id !== 'string' || typeof at !== 'number' || !Number.isFinite(at) || at <= cutoff || at > now || this.seen.has(id)) continue;
      this.seen.set(id, at);
      taken++;
    }
    // Arrival order is what expiry relies on: re-sort when the saved entries interleave with ours.
    const list = [...this.seen];
    if (list.some((e, i) => i > 0 && e[1] < list[i - 1]![1])) {
      list.sort((a, b) => a[1] - b[1]);
      this.seen.clear();
      for (const [id, at] of list) this.seen.set(id, at);
    }
    this.rebuildOrder();
    while (this.seen.size > this.maxEntries) this.dropOldest();
    return taken;
  }
}
