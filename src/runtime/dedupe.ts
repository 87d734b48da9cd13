/**
 * Remembers message ids for `windowMs`, at most `maxEntries` of them (the oldest go first), so
 * QoS 1 redeliveries and camera resends are emitted once. Expiry and eviction only ever look at the
 * oldest: a queue of (id, time) in arrival order beside the Map, consumed from `head`. Not the Map's
 * own order: V8 keeps a deleted entry's slot at the Map's front until it rehashes, and every look
 * at the oldest steps over all of them, so a window full or expiring one id per message cost
 * 55 µs to 0.9 ms per check at 100,000 ids (measured), against O(1) amortised with the queue.
 * A queue entry whose id was forgotten or seen again later is stale, skipped when it comes up.
 */
export class DedupeWindow {
  private readonly seen = new Map<string, number>();
  private ids: Array<string | undefined> = [];
  private times: number[] = [];
  private head = 0;

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
    this.ids.push(id);
    this.times.push(now);
    if (this.seen.size > this.maxEntries) this.dropOldest();
    if (this.ids.length - this.head > 2 * this.seen.size + 1024) this.rebuildQueue();
    return false;
  }

  /** Skips stale queue entries; true when the entry at `head` is a live id. */
  private live(): boolean {
    while (this.head < this.ids.length) {
      if (this.seen.get(this.ids[this.head]!) === this.times[this.head]) return true;
      this.ids[this.head++] = undefined;
    }
    return false;
  }

  private dropOldest(): void {
    if (!this.live()) return;
    this.seen.delete(this.ids[this.head]!);
    this.ids[this.head++] = undefined;
    this.compact();
  }

  private expire(now: number): void {
    const cutoff = now - this.windowMs;
    while (this.live() && this.times[this.head]! <= cutoff) {
      this.seen.delete(this.ids[this.head]!);
      this.ids[this.head++] = undefined;
    }
    this.compact();
  }

  /** The consumed front of the queue, given back now and then rather than shifted per message. */
  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.ids.length) {
      this.ids = this.ids.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }

  /** The queue again from the Map (in arrival order): one entry per id. */
  private rebuildQueue(): void {
    this.ids = [...this.seen.keys()];
    this.times = [...this.seen.values()];
    this.head = 0;
  }

  /** Drops `id`, e.g. an accepted detection whose output was never delivered. */
  forget(id: string): void {
    this.seen.delete(id);
  }

  clear(): void {
    this.seen.clear();
    this.rebuildQueue();
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
    this.rebuildQueue();
    while (this.seen.size > this.maxEntries) this.dropOldest();
    return taken;
  }
}
