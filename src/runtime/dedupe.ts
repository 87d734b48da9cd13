/**
 * Remembers message ids for `windowMs`, at most `maxEntries` of them (the oldest go first), so
 * QoS 1 redeliveries and camera resends are emitted once. A Map keeps insertion order, which is
 * arrival order, so expiry and eviction only ever look at the front: O(1) amortised per message.
 */
export class DedupeWindow {
  private readonly seen = new Map<string, number>();
  /**
   * The first entry's time, or -Infinity when unknown (after anything that may have removed the
   * first entry). While it is past the cutoff, expiry has nothing to do and skips the Map
   * iterator it would otherwise allocate per message (twice: `has`, then `check`).
   */
  private firstAt = -Infinity;

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
    if (this.seen.size === 1) this.firstAt = now;
    if (this.seen.size > this.maxEntries) {
      const oldest = this.seen.keys().next().value as string;
      this.seen.delete(oldest);
      this.firstAt = -Infinity;
    }
    return false;
  }

  private expire(now: number): void {
    const cutoff = now - this.windowMs;
    if (this.firstAt > cutoff) return;
    this.firstAt = Infinity;
    for (const [id, at] of this.seen) {
      if (at > cutoff) {
        this.firstAt = at;
        break;
      }
      this.seen.delete(id);
    }
  }

  /** Drops `id`, e.g. an accepted detection whose output was never delivered. */
  forget(id: string): void {
    if (this.seen.delete(id)) this.firstAt = -Infinity;
  }

  clear(): void {
    this.seen.clear();
    this.firstAt = -Infinity;
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
    while (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value as string);
    this.firstAt = -Infinity;
    return taken;
  }
}
