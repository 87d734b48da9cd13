/** MQTT topic-filter matching (`+` one level, `#` the rest), with `$share/<group>/` stripped. */

/** The filter without its `$share/<group>/` prefix. */
export function stripShare(filter: string): string {
  if (!filter.startsWith('$share/')) return filter;
  const slash = filter.indexOf('/', 7);
  return slash < 0 ? filter : filter.slice(slash + 1);
}

/**
 * A filter split once, matched against topics by walking the topic in place: no array or string
 * is made per topic (a subscription is matched against every topic its connection has not seen
 * yet, and a site of 100,000 cameras has 200,000 topics).
 */
export class TopicFilter {
  private readonly levels: readonly string[];
  /** Wildcards at the first level do not match topics starting with `$` (MQTT 4.7.2). */
  private readonly wildFirst: boolean;
  /** The last level: `+`, `#` or a literal one a matching topic must end with. */
  readonly lastLevel: string;

  constructor(readonly filter: string) {
    this.levels = stripShare(filter).split('/');
    this.wildFirst = this.levels[0] === '+' || this.levels[0] === '#';
    this.lastLevel = this.levels[this.levels.length - 1]!;
  }

  matches(topic: string): boolean {
    if (this.wildFirst && topic.charCodeAt(0) === 36 /* $ */) return false;
    const levels = this.levels;
    // `pos`: where the topic's next level starts; past the end once every level is used.
    let pos = 0;
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i]!;
      if (level === '#') return true;
      if (pos > topic.length) return false;
      let end = topic.indexOf('/', pos);
      if (end < 0) end = topic.length;
      if (level !== '+' && (end - pos !== level.length || !topic.startsWith(level, pos))) return false;
      pos = end + 1;
    }
    return pos > topic.length;
  }
}

export function topicMatches(filter: string, topic: string): boolean {
  return new TopicFilter(filter).matches(topic);
}
