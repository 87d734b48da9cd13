/**
 * Which of a connection's subscriptions an incoming topic is for (MQTT 3.1.1 does not say; MQTT 5
 * brokers send subscription identifiers instead).
 *
 * A camera's few topics come again and again, so the answer is remembered per topic, for the first
 * `limit` topics. Past that (100,000 cameras publish on 200,000 topics) a topic is asked only of the
 * filters that can match it: those whose last level is the topic's last level, and those ending in a
 * wildcard. The memory is not started over when full: starting over missed on most lookups at
 * 200,000 topics and threw away 50,000 entries at a time that had lived long enough to be
 * old-generation garbage.
 */

/** What the index needs of a subscription: its filter, split once (TopicFilter). */
export interface Indexed {
  readonly matcher: { readonly lastLevel: string; matches(topic: string): boolean };
}

export const DEFAULT_MATCH_MEMORY = 50_000;

export class SubscriptionIndex<T extends Indexed> {
  private readonly memory = new Map<string, readonly T[]>();
  /** Literal last level → the items that can match a topic ending in it, in subscription order. */
  private byLastLevel = new Map<string, readonly T[]>();
  /** The items whose last level is `+` or `#`: candidates for every topic. */
  private wildLast: readonly T[] = [];

  constructor(private readonly limit: number = DEFAULT_MATCH_MEMORY) {}

  /** How many topics are remembered. */
  get remembered(): number {
    return this.memory.size;
  }

  /** Takes the subscriptions as they are now, in subscription order; forgets every answer. */
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
    this.memory.clear();
  }

  /** The items matching `topic`, in subscription order (shared: do not change the array). */
  match(topic: string): readonly T[] {
    let found = this.memory.get(topic);
    if (found === undefined) {
      found = this.ask(topic);
      if (this.memory.size < this.limit) this.memory.set(topic, found);
    }
    return found;
  }

  /** Asks each candidate once; the candidates' own array when all match (the usual case). */
  private ask(topic: string): readonly T[] {
    const candidates = this.byLastLevel.get(topic.slice(topic.lastIndexOf('/') + 1)) ?? this.wildLast;
    let i = 0;
    while (i < candidates.length && candidates[i]!.matcher.matches(topic)) i++;
    if (i === candidates.length) return candidates;
    const found = candidates.slice(0, i);
    for (i++; i < candidates.length; i++) if (candidates[i]!.matcher.matches(topic)) found.push(candidates[i]!);
    return found;
  }
}
