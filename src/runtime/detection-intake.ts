/**
 * The `lpr-detection-in` hot path without Node-RED: decode and validate a detection, drop
 * duplicates, decide the ack, and shape the output messages (PROTOCOL.md "Node types").
 */
import { createAck, createRetryAck, decodePayload, parseCameraFilter, readTimestamp, assertShareGroup, IdentifierError, ValidationError } from '../protocol';
import type { Ack, Detection, TopicTree } from '../protocol';
import { normalizePlate } from '../blacklist/normalize';
import { DedupeWindow } from './dedupe';
import { RateLimiter } from './rate-limit';
import { plainConstructor } from './plain-objects';
import { defaultEra, type Era, type SiteTime } from './site-time';
import { cachedIsoUtc, cachedSiteTime } from './site-time-cache';
import { ConfigError, readBoolean, readNumber, readString } from './settings';

export interface DetectionInSettings {
  camera: string | null;
  sharedGroup: string | null;
  ack: boolean;
  dedupeMs: number;
  dedupeSize: number;
  split: boolean;
  maxBytes: number;
  /** Detections per second per camera; 0 = no limit. */
  rateLimit: number;
  /** Detections a camera may send at once after a quiet spell. */
  rateBurst: number;
  /** At most one rate-limit alert per camera per this many ms. */
  rateAlertIntervalMs: number;
}

/**
 * A normal camera detects about once a second (the seed's `detection_interval: 1000`), so 20/s
 * sustained is far above it. A detection over the limit is deferred (acked `retry`, sent again
 * later), not refused, so the burst no longer has to hold a whole outbox (it was 10,000 when
 * refusals were final): 1,000 lets a camera back from about a quarter of an hour offline deliver
 * its backlog at once; a longer backlog keeps flowing at 20/s, twenty times the rate it piled up
 * at, so it drains in a twentieth of the outage. A flooding camera hands the flow at most 1,000
 * at once, then 20/s.
 */
export const DEFAULT_RATE_LIMIT = 20;
export const DEFAULT_RATE_BURST = 1_000;
export const DEFAULT_RATE_ALERT_INTERVAL_S = 60;

export function readDetectionInSettings(props: Record<string, unknown>): DetectionInSettings {
  let camera: string | null;
  let sharedGroup: string | null;
  try {
    camera = parseCameraFilter(readString(props, 'camera', ''), 'camera');
    const group = readString(props, 'sharedGroup', '');
    sharedGroup = group ? assertShareGroup(group, 'sharedGroup') : null;
  } catch (err) {
    if (err instanceof IdentifierError) throw new ConfigError(err.field, err.message.slice(err.field.length + 2));
    throw err;
  }
  return {
    camera,
    sharedGroup,
    ack: readBoolean(props, 'ack', true),
    dedupeMs: readNumber(props, 'dedupe', 300, { min: 0, max: 86_400 * 7 }) * 1000,
    dedupeSize: readNumber(props, 'dedupeSize', 100_000, { min: 1, max: 10_000_000, integer: true }),
    split: readBoolean(props, 'split', false),
    maxBytes: readNumber(props, 'maxBytes', 256 * 1024, { min: 1, max: 64 * 1024 * 1024, integer: true }),
    rateLimit: readNumber(props, 'rateLimit', DEFAULT_RATE_LIMIT, { min: 0, max: 1_000_000 }),
    rateBurst: readNumber(props, 'rateBurst', DEFAULT_RATE_BURST, { min: 1, max: 10_000_000, integer: true }),
    rateAlertIntervalMs: readNumber(props, 'rateAlertInterval', DEFAULT_RATE_ALERT_INTERVAL_S, { min: 1, max: 86_400 }) * 1000,
  };
}

export type IntakeResult =
  | { kind: 'detection'; detection: Detection; cameraId: string; ack: Ack | null }
  | { kind: 'duplicate'; detection: Detection; cameraId: string; ack: Ack | null }
  | { kind: 'rejected'; error: ValidationError; cameraId: string; messageId: string | null; ack: Ack | null }
  /** Over the camera's rate limit: not taken, not remembered; the ack (`retry`) tells the camera when to send it again. */
  | { kind: 'deferred'; detection: Detection; cameraId: string; messageId: string; retryAfterMs: number; ack: Ack | null }
  | { kind: 'foreign' };

export interface IntakeCounts {
  received: number;
  accepted: number;
  duplicates: number;
  /** Failed validation. */
  rejected: number;
  /** Valid, but over the camera's rate limit: acked `retry` (counted per copy, resends included). */
  deferred: number;
}

/** The `message_id` of a payload that failed validation, so the camera can be told to stop resending it. */
function salvageMessageId(payload: Uint8Array, maxBytes: number): string | null {
  if (payload.byteLength > maxBytes) return null;
  try {
    const data: unknown = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
    const id = (data as { message_id?: unknown } | null)?.message_id;
    return typeof id === 'string' && id.length > 0 && id.length <= 128 ? id : null;
  } catch {
    return null;
  }
}

/**
 * The dedupe window's key: by camera too, so two cameras that happen to reuse an id do not
 * swallow each other's reads.
 */
export function dedupeKey(cameraId: string, messageId: string): string {
  return `${cameraId}/${messageId}`;
}

export class DetectionIntake {
  readonly counts: IntakeCounts = { received: 0, accepted: 0, duplicates: 0, rejected: 0, deferred: 0 };
  private readonly dedupe: DedupeWindow | null;
  readonly limiter: RateLimiter | null;
  constructor(
    private readonly topics: TopicTree,
    private readonly settings: DetectionInSettings,
  ) {
    this.dedupe = settings.dedupeMs > 0 ? new DedupeWindow(settings.dedupeMs, settings.dedupeSize) : null;
    this.limiter = settings.rateLimit > 0 ? new RateLimiter({ ratePerSec: settings.rateLimit, burst: settings.rateBurst }) : null;
  }

  handle(topic: string, payload: Uint8Array, now: number = Date.now()): IntakeResult {
    const parsed = this.topics.parse(topic);
    if (!parsed || parsed.kind !== 'detection' || !parsed.cameraId) return { kind: 'foreign' };
    const cameraId = parsed.cameraId;
    this.counts.received++;
    const result = decodePayload('detection', payload, { maxBytes: this.settings.maxBytes, topicCameraId: cameraId });
    if (!result.ok) {
      this.counts.rejected++;
      const messageId = salvageMessageId(payload, this.settings.maxBytes);
      const ack = this.settings.ack && messageId ? createAck(cameraId, messageId, 'rejected', result.error.message) : null;
      return { kind: 'rejected', error: result.error, cameraId, messageId, ack };
    }
    const detection = result.value;
    const key = dedupeKey(cameraId, detection.message_id);
    // A duplicate is acked again (the camera resends when an ack is lost) but not emitted; it is
    // looked for first, so it takes no token and is never deferred, whatever the camera's rate.
    if (this.dedupe?.has(key, now)) {
      this.counts.duplicates++;
      return { kind: 'duplicate', detection, cameraId, ack: this.settings.ack ? createAck(cameraId, detection.message_id, 'received') : null };
    }
    // Over the limit: deferred before the dedupe window records it, so the resend is taken then.
    if (this.limiter) {
      const wait = this.limiter.acquire(cameraId, now);
      if (wait > 0) return this.defer(detection, cameraId, wait);
    }
    this.dedupe?.check(key, now);
    const ack = this.settings.ack ? createAck(cameraId, detection.message_id, 'received') : null;
    this.counts.accepted++;
    return { kind: 'detection', detection, cameraId, ack };
  }

  /** Whether duplicates are being suppressed at all (dedupe window > 0). */
  get dedupes(): boolean {
    return this.dedupe !== null;
  }

  /** The dedupe window's ids still within the window, oldest first (see DedupeWindow.entries). */
  dedupeEntries(now: number = Date.now()): Array<[string, number]> {
    return this.dedupe?.entries(now) ?? [];
  }

  /** Forgets an accepted detection whose output never left the node, so a resend is not a duplicate. */
  forgetDedupe(cameraId: string, messageId: string): void {
    this.dedupe?.forget(dedupeKey(cameraId, messageId));
  }

  /** Takes back ids a previous runtime saved; returns how many were still within the window. */
  restoreDedupe(entries: Iterable<readonly [unknown, unknown]>, now: number = Date.now()): number {
    return this.dedupe?.restore(entries, now) ?? 0;
  }

  private defer(detection: Detection, cameraId: string, retryAfterMs: number): IntakeResult {
    this.counts.deferred++;
    const limit = `${this.settings.rateLimit} detections/s, burst ${this.settings.rateBurst}`;
    const ack = this.settings.ack
      ? createRetryAck(cameraId, detection.message_id, retryAfterMs, `rateLimit: over ${limit} for camera ${cameraId}; send it again in ${retryAfterMs} ms`)
      : null;
    return { kind: 'deferred', detection, cameraId, messageId: detection.message_id, retryAfterMs, ack };
  }
}

export interface DetectionMsgMeta {
  type: 'detection';
  cameraId: string;
  checkpointId: string | null;
  messageId: string;
  /** Receipt time, ms since the epoch. */
  receivedAt: number;
  /**
   * The detection's `timestamp` as ISO 8601 UTC with ms (`2026-12-04T03:13:45.123Z`); the payload
   * keeps it as the camera wrote it. A time written without a zone is read in lpr-broker's site
   * time zone. (Null only for a detection that never passed validation.)
   */
  timestamp: string | null;
  /** The same instant in ms since the epoch. */
  timestampMs: number | null;
  /** True when the camera wrote no zone, so the time was read in the site time zone. */
  timestampZoneless: boolean;
  /** Receipt time minus the detection's own time (clock skew included). */
  latencyMs: number | null;
  /** Detection and receipt time in the site time zone, ready to show (see site-time.ts). */
  site: DetectionSiteTimes;
  plateIndex?: number;
  /**
   * With split: the plate's normalised key (the blacklist's normalizePlate: separators dropped, Thai
   * digits folded, Latin upper-cased, a province name removed), e.g. 'กข 1234' and '๑กข ๑๒๓๔' →
   * 'กข1234' / '1กข1234'. A store keeps it in a column to search plates however they were written.
   */
  plateKey?: string;
}

export interface DetectionSiteTimes {
  /** lpr-broker's site time zone (IANA name). */
  zone: string;
  /** The era the `th`/`en` texts are in. */
  era: Era;
  /** The camera's time of detection (`timestamp`); null only for a detection that never passed validation. */
  detected: SiteTime | null;
  /** When this runtime received it. */
  received: SiteTime;
}

export interface DetectionMsg {
  topic: string;
  payload: unknown;
  lpr: DetectionMsgMeta;
  detection?: Detection;
  parts?: MsgParts;
}

export interface MsgParts {
  id: string;
  index: number;
  count: number;
  type: 'array';
  len: 1;
}

/**
 * The output: one msg with the detection, or (split) one msg per plate. `timeZone` is the site
 * time zone a zone-less `timestamp` is read in and times are shown in, `era` the era of the dates shown.
 */
export function detectionMessages(topic: string, detection: Detection, receivedAt: number, split: boolean, timeZone = 'UTC', era: Era = defaultEra(timeZone)): DetectionMsg[] {
  const time = readTimestamp(detection.timestamp, timeZone);
  const zone = new SiteZone(timeZone, era);
  // The time texts are built once per second (site-time-cache.ts), the same strings as isoUtc /
  // siteTime write: per message they cost as much as the rest of the node's own work.
  const site = new SiteTimes(timeZone, era, time ? cachedSiteTime(time.ms, zone) : null, cachedSiteTime(receivedAt, zone));
  const lpr = new MsgMeta(detection, receivedAt, time ? cachedIsoUtc(time.ms) : null, time ? time.ms : null, time ? !time.zoned : false, site);
  if (!split) return Array.of(new WholeMsg(topic, detection, lpr));
  const plates = detection.detection_data.plates;
  return plates.map((plate, index) => new PlateMsg(topic, plate, detection, { ...lpr, plateIndex: index, plateKey: normalizePlate(plate.plate_number) }, new Parts(detection.message_id, index, plates.length)));
}

// What detectionMessages makes per detection, by constructors rather than literals, so that V8 never
// allocates them in the old generation (plain-objects.ts); the property order is the msg's.
const SiteZone = plainConstructor(function (this: { zone: string; era: Era }, zone: string, era: Era) {
  this.zone = zone;
  this.era = era;
});
const SiteTimes = plainConstructor(function (this: DetectionSiteTimes, zone: string, era: Era, detected: SiteTime | null, received: SiteTime) {
  this.zone = zone;
  this.era = era;
  this.detected = detected;
  this.received = received;
});
const MsgMeta = plainConstructor(function (
  this: DetectionMsgMeta,
  detection: Detection,
  receivedAt: number,
  timestamp: string | null,
  timestampMs: number | null,
  timestampZoneless: boolean,
  site: DetectionSiteTimes,
) {
  this.type = 'detection';
  this.cameraId = detection.camera_id;
  this.checkpointId = detection.checkpoint_id ?? null;
  this.messageId = detection.message_id;
  this.receivedAt = receivedAt;
  this.timestamp = timestamp;
  this.timestampMs = timestampMs;
  this.timestampZoneless = timestampZoneless;
  this.latencyMs = timestampMs === null ? null : receivedAt - timestampMs;
  this.site = site;
});
const WholeMsg = plainConstructor(function (this: DetectionMsg, topic: string, payload: Detection, lpr: DetectionMsgMeta) {
  this.topic = topic;
  this.payload = payload;
  this.lpr = lpr;
});
const PlateMsg = plainConstructor(function (this: DetectionMsg, topic: string, payload: Detection['detection_data']['plates'][number], detection: Detection, lpr: DetectionMsgMeta, parts: MsgParts) {
  this.topic = topic;
  this.payload = payload;
  this.detection = detection;
  this.lpr = lpr;
  this.parts = parts;
});
const Parts = plainConstructor(function (this: MsgParts, id: string, index: number, count: number) {
  this.id = id;
  this.index = index;
  this.count = count;
  this.type = 'array';
  this.len = 1;
});
