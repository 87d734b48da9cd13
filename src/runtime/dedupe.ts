/**
 * Remembers message ids for `windowMs`, at most `maxEntries` of them (the oldest go first), so
 * QoS 1 redeliveries and camera resends are emitted once. A Map keeps insertion order, which is
 * arrival order, so expiry and eviction only ever look at the front: O(1) amortised per message.
 */
export class DedupeWindow {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries: number,
  ) {}

  get size(): number {
    return this.seen.size;
  }

  /** True when `id` was seen within the window (a duplicate); otherwise records it. */
  check(id: string, now: number = Date.now()): boolean {
    this.expire(now);
    const at = this.seen.get(id);
    if (at !== undefined) return true;
    this.seen.set(id, now);
    if (this.seen.size > this.maxEntries) {
      const oldest = this.seen.keys().next().value as string;
      this.seen.delete(oldest);
    }
    return false;
  }

  private expire(now: number): void {
    const cutoff = now - this.windowMs;
    for (const [id, at] of this.seen) {
      if (at > cutoff) break;
      this.seen.delete(id);
    }
  }

  clear(): void {
    this.seen.clear();
  }
}
