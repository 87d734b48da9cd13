/**
 * The Detection schema's checks written out by hand, for the inbound hot path: zod's parse of a
 * seed-format detection costs ~10-15 µs, this ~1 µs. It only ever answers "certainly valid":
 * anything it does not accept goes through the zod schema, which decides and words the error. So it
 * must never accept what the schema rejects (a property test holds the two together; change both
 * when changing schemas/detection.ts). The value it accepts is the checked object itself (the schema
 * would return a copy equal to it): in decodePayload it came from JSON.parse, so nobody else holds
 * it; lpr-blacklist-match checks a detection from a flow the same way, and hands it on unchanged.
 */
import { isTimestamp } from './timestamp';
import { IDENTIFIER_PATTERN } from './identifiers';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function isPlain(v: unknown): v is Obj {
  if (!isObj(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
function num(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
function count(v: unknown): boolean {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}
function score(v: unknown): boolean {
  return num(v) && v >= 0 && v <= 1;
}
function str(v: unknown, min: number, max: number): boolean {
  return typeof v === 'string' && v.length >= min && v.length <= max;
}
function optStr(v: unknown, max: number): boolean {
  return v === undefined || (typeof v === 'string' && v.length <= max);
}
function identifier(v: unknown): boolean {
  return typeof v === 'string' && IDENTIFIER_PATTERN.test(v);
}
function bbox(v: unknown): boolean {
  return Array.isArray(v) && v.length === 4 && num(v[0]) && num(v[1]) && num(v[2]) && num(v[3]);
}

function vehicle(v: unknown): boolean {
  if (!isObj(v)) return false;
  const year = v.year;
  return (
    count(v.vehicle_index) &&
    (v.bbox === undefined || bbox(v.bbox)) &&
    (v.confidence === undefined || score(v.confidence)) &&
    optStr(v.vehicle_class, 64) &&
    optStr(v.vehicle_type, 64) &&
    optStr(v.color, 64) &&
    optStr(v.brand, 64) &&
    optStr(v.model, 64) &&
    (year === undefined || (Number.isSafeInteger(year) && (year as number) >= 1886 && (year as number) <= 2200))
  );
}

/** True only when `p` certainly passes the Plate schema (one entry of `detection_data.plates`). */
export function isCertainlyPlate(p: unknown): boolean {
  if (!isObj(p)) return false;
  return (
    count(p.plate_index) &&
    str(p.plate_number, 1, 32) &&
    (p.bbox === undefined || bbox(p.bbox)) &&
    score(p.confidence) &&
    optStr(p.plate_type, 64) &&
    optStr(p.country, 64) &&
    optStr(p.province, 128) &&
    (p.is_valid === undefined || typeof p.is_valid === 'boolean')
  );
}

function every(list: unknown, max: number, check: (v: unknown) => boolean): boolean {
  if (!Array.isArray(list) || list.length > max) return false;
  for (let i = 0; i < list.length; i++) if (!check(list[i])) return false;
  return true;
}

/** True only when `data` certainly passes the Detection schema. */
export function isCertainlyDetection(data: unknown): boolean {
  if (!isObj(data)) return false;
  const d = data.detection_data;
  if (!isObj(d)) return false;
  return (
    str(data.message_id, 1, 128) &&
    // The schema's own check, so the two cannot disagree on timestamps.
    isTimestamp(data.timestamp) &&
    identifier(data.camera_id) &&
    (data.checkpoint_id === undefined || identifier(data.checkpoint_id)) &&
    (data.metadata === undefined || (isPlain(data.metadata) && data.metadata.image_url === undefined)) &&
    count(d.vehicles_count) &&
    count(d.plates_count) &&
    num(d.processing_time_ms) &&
    d.processing_time_ms >= 0 &&
    score(d.confidence_score) &&
    str(d.detection_type, 1, 64) &&
    every(d.vehicles, 256, vehicle) &&
    every(d.plates, 256, isCertainlyPlate)
  );
}
