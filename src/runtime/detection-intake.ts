/**
 * The `lpr-detection-in` hot path without Node-RED: decode and validate a detection, drop
 * duplicates, decide the ack, and shape the output messages (PROTOCOL.md "Node types").
 */
import { createAck, decodePayload, parseCameraFilter, assertShareGroup, IdentifierError } from '../protocol';
import type { Ack, Detection, TopicTree, ValidationError } from '../protocol';
import { DedupeWindow } from './dedupe';
import { ConfigError, readBoolean, readNumber, readString } from './settings';

export interface DetectionInSettings {
  camera: string | null;
  sharedGroup: string | null;
  ack: boolean;
  dedupeMs: number;
  dedupeSize: number;
  split: boolean;
  maxBytes: number;
}

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
  };
}

export type IntakeResult =
  | { kind: 'detection'; detection: Detection; cameraId: string; ack: Ack | null }
  | { kind: 'duplicate'; detection: Detection; cameraId: string; ack: Ack | null }
  | { kind: 'rejected'; error: ValidationError; cameraId: string; messageId: string | null; ack: Ack | null }
  | { kind: 'foreign' };

export interface IntakeCounts {
  received: number;
  accepted: number;
  duplicates: number;
  rejected: number;
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

export class DetectionIntake {
  readonly counts: IntakeCounts = { received: 0, accepted: 0, duplicates: 0, rejected: 0 };
  private readonly dedupe: DedupeWindow | null;

  constructor(
    private readonly topics: TopicTree,
    private readonly settings: DetectionInSettings,
  ) {
    this.dedupe = settings.dedupeMs > 0 ? new DedupeWindow(settings.dedupeMs, settings.dedupeSize) : null;
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
    const ack = this.settings.ack ? createAck(cameraId, detection.message_id, 'received') : null;
    // A duplicate is acked again (the camera resends when an ack is lost) but not emitted. Keyed
    // by camera too, so two cameras that happen to reuse an id do not swallow each other's reads.
    if (this.dedupe?.check(`${cameraId}/${detection.message_id}`, now)) {
      this.counts.duplicates++;
      return { kind: 'duplicate', detection, cameraId, ack };
    }
    this.counts.accepted++;
    return { kind: 'detection', detection, cameraId, ack };
  }
}

export interface DetectionMsgMeta {
  type: 'detection';
  cameraId: string;
  checkpointId: string | null;
  messageId: string;
  /** Receipt time, ms since the epoch. */
  receivedAt: number;
  /** Receipt time minus the detection's own `timestamp` (clock skew included). */
  latencyMs: number;
  plateIndex?: number;
}

export interface DetectionMsg {
  topic: string;
  payload: unknown;
  lpr: DetectionMsgMeta;
  detection?: Detection;
  parts?: { id: string; index: number; count: number; type: 'array'; len: 1 };
}

/** The output: one msg with the detection, or (split) one msg per plate. */
export function detectionMessages(topic: string, detection: Detection, receivedAt: number, split: boolean): DetectionMsg[] {
  const lpr: DetectionMsgMeta = {
    type: 'detection',
    cameraId: detection.camera_id,
    checkpointId: detection.checkpoint_id ?? null,
    messageId: detection.message_id,
    receivedAt,
    latencyMs: receivedAt - Date.parse(detection.timestamp),
  };
  if (!split) return [{ topic, payload: detection, lpr }];
  const plates = detection.detection_data.plates;
  return plates.map((plate, index) => ({
    topic,
    payload: plate,
    detection,
    lpr: { ...lpr, plateIndex: index },
    parts: { id: detection.message_id, index, count: plates.length, type: 'array', len: 1 },
  }));
}
