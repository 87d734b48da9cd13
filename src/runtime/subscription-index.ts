/**
 * Which of a connection's subscriptions an incoming topic is for (MQTT 3.1.1 does not say; MQTT 5
 * brokers send subscription identifiers instead), once per inbound message.
 *
 * A topic is asked only of the filters that can match it: those whose last level is the topic's last
 * level, and those ending in a wildcard. Nothing is kept per topic: a memory of answers per topic
 * (what this replaced) is faster only while it is small and hot, and 100,000 cameras publish on
 * 200,000 topics: past its 50,000 the memory missed on most lookups, was cold in the CPU caches when
 * it hit, and threw away entries old enough to be old-generation garbage each time it started over.
 */

/** What the index needs of a subscription: its filter, split once (TopicFilter). */
export interface Indexed {
  readonly matcher: { readonly lastLevel: string; matches(topic: string): boolean };
}

export class SubscriptionIndex<T extends Indexed> {
  /** Literal last level → the items that can match a topic ending in it, in subscription order. */
  private byLastLevel = new Map<string, readonly T[]>();
  /** The items whose last level is `+` or `#`: candidates for every topic. */
  private wildLast: readonly T[] = [];

  /** Takes the subscriptions as they are now, in subscription order. */
  reset(items: Iterable<T>): void {
    const all = [...items];
    const wild = (i: T) => i.matcher.lastLevel === '+' || i.matcher.lastLevel === '#';
    this.wildLast = all.filter(wild);
    this.byLastLevel = new Map();
    for (const i of all) {
      const level = i.matcher.lastLevel;
      if (wild(i) || this.byLastLevel.has(level)) continue;
      this.byLastLevel.set(level, all.filter((j) => j.matcher.lastLevel === level || wild(j)));
    }
  }

  /**
   * The items matching `topic`, in subscription order; each candidate asked once. The candidates'
   * own array when all match, the usual case (shared: do not change it).
   */
  match(topic: string): readonly T[] {
    const candidates = this.byLastLevel.get(topic.slice(topic.lastIndexOf('/') + 1)) ?? this.wildLast;
    let i = 0;
    while (i < candidates.length && candidates[i]!.matcher.matches(topic)) i++;
    if (i === candidates.length) return candidates;
    const found = candidates.slice(0, i);
    for (i++; i < candidates.length; i++) if (candidates[i]!.matcher.matches(topic)) found.push(candidates[i]!);
    return found;
  }
}
