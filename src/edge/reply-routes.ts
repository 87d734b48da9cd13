/**
 * MQTT 5 request/response at the edge: a command may name where its answer goes (response topic)
 * and what to echo (correlation data). The camera keeps both per command until its final answer,
 * and answers there; with neither (MQTT 3.1.1, or a requester that sets none) it answers on its
 * own `control/response`.
 */
import type { TopicTree } from '../protocol';

export interface ReplyRoute {
  /** The response topic to answer on; null = this camera's `control/response`. */
  topic: string | null;
  correlationData: Buffer | null;
}

/** MQTT's limit on a topic name (UTF-8 bytes). */
const MAX_TOPIC_BYTES = 65_535;

/** Why a response topic is refused, as data: the camera node says it in the reader's language. */
export type ResponseTopicRefusal =
  | { reason: 'empty' | 'wildcard' | 'dollar' }
  | { reason: 'tooLong'; max: number }
  | { reason: 'lprTree'; own: string };

/**
 * Why this camera will not publish its answer on `topic`, or null when it may. Not a topic name (a
 * wildcard would make the broker drop the camera, and MQTT.js replays a QoS ≥ 1 publish on every
 * reconnect: a poison loop), a `$` topic, or a topic of the LPR tree other than this camera's own
 * `control/response` and what is below it (a command must not make a camera publish on its
 * detection, health or config topics, nor on another camera's or the system's).
 */
export function responseTopicRefusal(topic: string, tree: TopicTree, cameraId: string): ResponseTopicRefusal | null {
  if (topic.length === 0) return { reason: 'empty' };
  if (/[+#\u0000]/.test(topic)) return { reason: 'wildcard' };
  if (topic.startsWith('$')) return { reason: 'dollar' };
  if (Buffer.byteLength(topic) > MAX_TOPIC_BYTES) return { reason: 'tooLong', max: MAX_TOPIC_BYTES };
  const own = tree.topic('controlResponse', cameraId);
  if ((topic === tree.root || topic.startsWith(`${tree.root}/`)) && topic !== own && !topic.startsWith(`${own}/`)) {
    return { reason: 'lprTree', own };
  }
  return null;
}

/** The refusal in English (logs, tests); null when the camera may answer on `topic`. */
export function refusalText(refusal: ResponseTopicRefusal): string {
  switch (refusal.reason) {
    case 'empty':
      return 'is empty';
    case 'wildcard':
      return 'holds a wildcard (+ or #) or NUL: not a topic one can publish on';
    case 'dollar':
      return 'starts with $ (broker topics)';
    case 'tooLong':
      return `is longer than ${refusal.max} bytes`;
    case 'lprTree':
      return `is in the LPR tree outside this camera's ${refusal.own} (and what is below it)`;
  }
}

export function responseTopicProblem(topic: string, tree: TopicTree, cameraId: string): string | null {
  const refusal = responseTopicRefusal(topic, tree, cameraId);
  return refusal === null ? null : refusalText(refusal);
}

/** Routes by command `message_id`, at most `max` (the oldest go first) for at most `ttlMs` each. */
export class ReplyRoutes {
  private readonly routes = new Map<string, { at: number; route: ReplyRoute }>();

  constructor(
    private readonly max = 1000,
    private readonly ttlMs = 3600_000,
  ) {}

  get size(): number {
    return this.routes.size;
  }

  remember(requestId: string, route: ReplyRoute, now: number = Date.now()): void {
    this.expire(now);
    this.routes.delete(requestId);
    this.routes.set(requestId, { at: now, route });
    if (this.routes.size > this.max) this.routes.delete(this.routes.keys().next().value as string);
  }

  /** The route of a command, if it named one; `final` (not an interim `accepted`) forgets it. */
  take(requestId: string, final: boolean, now: number = Date.now()): ReplyRoute | null {
    this.expire(now);
    const found = this.routes.get(requestId);
    if (found && final) this.routes.delete(requestId);
    return found?.route ?? null;
  }

  private expire(now: number): void {
    const cutoff = now - this.ttlMs;
    for (const [id, item] of this.routes) {
      if (item.at > cutoff) break;
      this.routes.delete(id);
    }
  }
}
