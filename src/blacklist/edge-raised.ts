/**
 * What a server remembers of the notifications cameras raised themselves (`raised_by: "edge"`, on
 * a camera's `cameras/{id}/blacklist/notification` or on `blacklist/notifications`), so that
 * `lpr-blacklist-match` outputs each once (`remember` is false for a `message_id` it knows: a QoS 1
 * redelivery, a camera's resend, the copy a server forwarded) and does not raise the same one again
 * when the detection arrives: keyed by the camera, the detection's `message_id` and the entry's
 * plate key (a notification naming another camera than the detection's suppresses nothing), for
 * `windowMs`, at most `maxEntries` (the oldest go first). A camera publishes its notification
 * before the detection on one connection at QoS 1, so it is here first (see docs/protocol.md).
 */
import type { BlacklistNotification } from '../protocol';
import { DedupeWindow } from '../runtime/dedupe';
import { normalizePlate } from './normalize';
import { isPatternPlate, patternKey } from './pattern';

export class EdgeRaised {
  private readonly seen = new Map<string, { at: number; notification: BlacklistNotification }>();
  private readonly ids: DedupeWindow;

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries: number,
  ) {
    this.ids = new DedupeWindow(windowMs, maxEntries);
  }

  get size(): number {
    return this.seen.size;
  }

  static key(cameraId: string, detectionMessageId: string, entryPlate: string): string {
    return `${cameraId}\u0000${detectionMessageId}\u0000${normalizePlate(entryPlate)}`;
  }

  /** The key the matcher gives an entry (MatchResult.key): its pattern key, or its normalized plate. */
  static entryKey(entryPlate: string): string {
    return isPatternPlate(entryPlate) ? patternKey(entryPlate) : normalizePlate(entryPlate);
  }

  /**
   * Remembers an edge-raised notification: true when it is new, false for one already known (same
   * `message_id` within the window) and for others (the server's own, which are not remembered).
   */
  remember(notification: BlacklistNotification, now: number = Date.now()): boolean {
    if (notification.raised_by !== 'edge') return false;
    if (this.ids.check(notification.message_id, now)) return false;
    this.expire(now);
    const key = EdgeRaised.key(notification.camera_id, notification.detection_message_id, notification.entry.plate_number);
    this.seen.delete(key);
    this.seen.set(key, { at: now, notification });
    if (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value as string);
    return true;
  }

  /** The edge's notification for this detection and entry, if one was seen within the window. */
  get(cameraId: string, detectionMessageId: string, entryPlate: string, now: number = Date.now()): BlacklistNotification | null {
    this.expire(now);
    return this.seen.get(EdgeRaised.key(cameraId, detectionMessageId, entryPlate))?.notification ?? null;
  }

  private expire(now: number): void {
    const cutoff = now - this.windowMs;
    for (const [key, item] of this.seen) {
      if (item.at > cutoff) break;
      this.seen.delete(key);
    }
  }
}

/**
 * The edge notifications a server has forwarded to `blacklist/notifications`, per broker
 * connection: several lpr-blacklist-match nodes on one connection (one list, or lists sharing a
 * broker) forward each once. Bounded like the dedupe windows (oldest forgotten first).
 */
const forwardedByConnection = new WeakMap<object, DedupeWindow>();

/** True the first time `messageId` is offered for `connection` (within `windowMs`): forward it then. */
export function firstForward(connection: object, messageId: string, windowMs: number, maxEntries: number, now: number = Date.now()): boolean {
  let ids = forwardedByConnection.get(connection);
  if (!ids) {
    ids = new DedupeWindow(windowMs, maxEntries);
    forwardedByConnection.set(connection, ids);
  }
  return !ids.check(messageId, now);
}
