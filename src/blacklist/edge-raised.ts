/**
 * What a server remembers of the notifications cameras raised themselves (`raised_by: "edge"`, seen
 * on `blacklist/notifications`), so `lpr-blacklist-match` does not raise the same one again when the
 * detection arrives: keyed by the camera, the detection's `message_id` and the entry's plate key
 * (a notification naming another camera than the detection's suppresses nothing), for
 * `windowMs`, at most `maxEntries` (the oldest go first). A camera publishes its notification
 * before the detection on one connection at QoS 1, so it is here first (see docs/protocol.md).
 */
import type { BlacklistNotification } from '../protocol';
import { normalizePlate } from './normalize';

export class EdgeRaised {
  private readonly seen = new Map<string, { at: number; notification: BlacklistNotification }>();

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries: number,
  ) {}

  get size(): number {
    return this.seen.size;
  }

  static key(cameraId: string, detectionMessageId: string, entryPlate: string): string {
    return `${cameraId}\u0000${detectionMessageId}\u0000${normalizePlate(entryPlate)}`;
  }

  /** Remembers an edge-raised notification; others (the server's own) are ignored. */
  remember(notification: BlacklistNotification, now: number = Date.now()): boolean {
    if (notification.raised_by !== 'edge') return false;
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
