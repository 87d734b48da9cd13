/**
 * What an input message of `lpr-checkpoint-analytics` is: a detection (whole, or one plate of a
 * split detection), a blacklist match, or a flush request. Anything else throws an Error whose
 * message starts with the offending field (`msg.payload.detection_data.plates[1].confidence: ...`).
 *
 * Only the fields the analytics use are checked; a detection from `lpr-detection-in` is already
 * fully validated.
 */
import { identifierProblem } from '../protocol/identifiers';

export interface PlateRead {
  plate_number: string;
  confidence: number;
}

export type AnalyticsInput =
  | { kind: 'flush' }
  | {
      kind: 'detection';
      /** null: neither the detection nor msg.checkpoint names one. */
      checkpointId: string | null;
      cameraId: string;
      plates: PlateRead[];
      /** null: this message adds plates only (a later plate of a split detection). */
      processingTimeMs: number | null;
      /** false for the second and later plates of a split detection. */
      countsDetection: boolean;
    }
  | { kind: 'blacklist'; checkpointId: string | null; cameraId: string };

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(field: string, problem: string): never {
  throw new Error(`${field}: ${problem}`);
}

function identifier(value: unknown, field: string): string {
  const problem = identifierProblem(value);
  if (problem) fail(field, problem);
  return value as string;
}

function optionalIdentifier(value: unknown, field: string): string | null {
  return value === undefined || value === null ? null : identifier(value, field);
}

function plate(value: unknown, field: string): PlateRead {
  if (!isObject(value)) fail(field, 'must be a plate object {plate_number, confidence}');
  const n = value.plate_number;
  if (typeof n !== 'string' || n.trim() === '' || n.length > 32) fail(`${field}.plate_number`, 'must be a non-empty string of at most 32 characters');
  const c = value.confidence;
  if (typeof c !== 'number' || !Number.isFinite(c) || c < 0 || c > 1) fail(`${field}.confidence`, `must be a number from 0 to 1, got ${JSON.stringify(c)}`);
  return { plate_number: n, confidence: c };
}

function processingTime(data: Obj, field: string): number {
  const t = data.processing_time_ms;
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0) fail(`${field}.processing_time_ms`, `must be a number >= 0, got ${JSON.stringify(t)}`);
  return t;
}

/** The checkpoint of a message: the payload's `checkpoint_id`, else `msg.checkpoint`, else null. */
function checkpointOf(own: unknown, ownField: string, msg: Obj): string | null {
  const id = optionalIdentifier(own, ownField);
  if (id) return id;
  const fallback = msg.checkpoint;
  return fallback === undefined || fallback === null || fallback === '' ? null : identifier(fallback, 'msg.checkpoint');
}

function isBlacklistNotification(msg: Obj): boolean {
  const lpr = msg.lpr as Obj | undefined;
  if (isObject(lpr) && lpr.type === 'blacklist-match') return true;
  const p = msg.payload;
  return isObject(p) && 'detection_message_id' in p && 'entry' in p && 'match' in p;
}

export function readAnalyticsInput(msg: Obj): AnalyticsInput {
  if (msg.action !== undefined) {
    if (msg.action === 'flush') return { kind: 'flush' };
    fail('msg.action', `must be "flush" (or absent), got ${JSON.stringify(msg.action)}`);
  }
  const payload = msg.payload;
  if (!isObject(payload)) fail('msg.payload', 'not a detection or a blacklist notification');

  if (isBlacklistNotification(msg)) {
    const cameraId = identifier(payload.camera_id, 'msg.payload.camera_id');
    return { kind: 'blacklist', cameraId, checkpointId: checkpointOf(payload.checkpoint_id, 'msg.payload.checkpoint_id', msg) };
  }

  if ('detection_data' in payload) {
    const cameraId = identifier(payload.camera_id, 'msg.payload.camera_id');
    const checkpointId = checkpointOf(payload.checkpoint_id, 'msg.payload.checkpoint_id', msg);
    const data = payload.detection_data;
    if (!isObject(data)) fail('msg.payload.detection_data', 'must be an object');
    if (!Array.isArray(data.plates)) fail('msg.payload.detection_data.plates', 'must be an array');
    const plates = data.plates.map((p, i) => plate(p, `msg.payload.detection_data.plates[${i}]`));
    return { kind: 'detection', cameraId, checkpointId, plates, processingTimeMs: processingTime(data, 'msg.payload.detection_data'), countsDetection: true };
  }

  if ('plate_number' in payload) {
    // Split output of lpr-detection-in: msg.payload = one plate, msg.detection = the detection.
    const detection = msg.detection;
    if (!isObject(detection)) fail('msg.detection', 'a plate payload needs the detection in msg.detection (split output of detection in)');
    const cameraId = identifier(detection.camera_id, 'msg.detection.camera_id');
    const checkpointId = checkpointOf(detection.checkpoint_id, 'msg.detection.checkpoint_id', msg);
    const data = detection.detection_data;
    if (!isObject(data)) fail('msg.detection.detection_data', 'must be an object');
    const read = plate(payload, 'msg.payload');
    const parts = msg.parts as Obj | undefined;
    const lpr = msg.lpr as Obj | undefined;
    const index = isObject(parts) && typeof parts.index === 'number' ? parts.index : isObject(lpr) && typeof lpr.plateIndex === 'number' ? lpr.plateIndex : 0;
    const first = index === 0;
    return {
      kind: 'detection',
      cameraId,
      checkpointId,
      plates: [read],
      processingTimeMs: first ? processingTime(data, 'msg.detection.detection_data') : null,
      countsDetection: first,
    };
  }

  fail('msg.payload', 'not a detection or a blacklist notification');
}
