/**
 * Whether a retained message is news. A broker sends every retained message again whenever a
 * subscription is made anew: after each reconnect of a clean session, after a broker restart, and on
 * MQTT 3.1.1 even when the session was resumed. Those copies say what we already know (or knew
 * before silence told us better) and must not be taken as a change. Used by the nodes that keep
 * state from retained topics (lpr-health-monitor, lpr-camera-config); no Node-RED import.
 *
 * Per key (a camera, or a camera and config type) the filter remembers the `message_id` and time
 * of the last message taken. A retained message is then:
 * - `repeat`: the same `message_id` as the last one taken (drop silently);
 * - `older`: written before the last one taken (a stale copy; ignore);
 * - `stale`: older than `maxAgeMs` by its own timestamp (it cannot revive anything);
 * - `news` otherwise, and always for a key seen for the first time (the state to restore).
 * Live (not retained) messages are always news. Memory is bounded: past `limit` keys the least
 * recently taken is forgotten, and a forgotten key is judged like a new one.
 */

import { readTimestamp } from '../protocol';
import { TouchOrder } from './touch-order';

export type RetainedVerdict = 'news' | 'repeat' | 'older' | 'stale';

export interface RetainedMessage {
  messageId: string;
  /**
   * When the message speaks for, ms since the epoch; null when unknown or meaningless (e.g. a will,
   * whose timestamp is when the camera connected, not when it went away): then only the
   * `message_id` is compared.
   */
  at: number | null;
}

interface Mark {
  messageId: string;
  at: number | null;
  /** When it was taken, in takes: its entry in the order of takes. */
  stamp: number;
}

export const DEFAULT_RETAINED_KEYS = 100_000;

export class RetainedFilter {
  private readonly marks = new Map<string, Mark>();
  /**
   * The keys in order of their last take, the first the one to evict: a TouchOrder beside the Map,
   * not the Map's own order (moving a key to its back leaves a deleted slot that every look at the
   * front steps over: O(keys) per message once past the limit).
   */
  private readonly order = new TouchOrder<string>(
    (key, stamp) => this.marks.get(key)?.stamp === stamp,
    () => this.marks.size,
  );
  private takes = 0;

  constructor(readonly limit: number = DEFAULT_RETAINED_KEYS) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a whole number >= 1, got ${limit}`);
  }

  get size(): number {
    return this.marks.size;
  }

  has(key: string): boolean {
    return this.marks.has(key);
  }

  /** Judges a message before it is taken; `maxAgeMs` (optional) bounds how old a retained one may be. */
  judge(key: string, message: RetainedMessage, retained: boolean, now: number, maxAgeMs?: number): RetainedVerdict {
    if (!retained) return 'news';
    const last = this.marks.get(key);
    if (!last) return 'news';
    if (message.messageId === last.messageId) return 'repeat';
    if (message.at !== null && last.at !== null && message.at < last.at) return 'older';
    if (message.at !== null && maxAgeMs !== undefined && now - message.at >= maxAgeMs) return 'stale';
    return 'news';
  }

  /** Records `message` as the last one taken for `key`. */
  take(key: string, message: RetainedMessage): void {
    const last = this.marks.get(key);
    // A message without a usable time (a will) keeps the time we knew, so an older copy stays older.
    const at = message.at ?? last?.at ?? null;
    const stamp = ++this.takes;
    this.marks.set(key, { messageId: message.messageId, at, stamp });
    this.order.push(key, stamp);
    if (this.marks.size > this.limit) {
      this.marks.delete(this.order.first()!);
      this.order.shift();
    }
  }

  /** Judges and, when it is news, takes it: true when the caller should act on the message. */
  admit(key: string, message: RetainedMessage, retained: boolean, now: number, maxAgeMs?: number): RetainedVerdict {
    const verdict = this.judge(key, message, retained, now, maxAgeMs);
    if (verdict === 'news') this.take(key, message);
    return verdict;
  }

  forget(key: string): boolean {
    return this.marks.delete(key);
  }

  /** Forgets every key for which `match` holds (e.g. all config types of one camera). */
  forgetWhere(match: (key: string) => boolean): number {
    let n = 0;
    for (const key of [...this.marks.keys()]) if (match(key) && this.marks.delete(key)) n++;
    return n;
  }
}

/** A message timestamp as ms since the epoch (a zone-less one read in `timeZone`), or null when it cannot be read. */
export function timestampMs(timestamp: unknown, timeZone = 'UTC'): number | null {
  return readTimestamp(timestamp, timeZone)?.ms ?? null;
}
