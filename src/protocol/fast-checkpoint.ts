/**
 * The CheckpointAnalytics and CheckpointStatus schemas' checks written out by hand, as fast-ack.ts
 * does for acks: lpr-checkpoint-analytics makes and publishes one of each per checkpoint at every
 * window end (10,000 at once at its default bound), and zod's parse, twice per message (made, then
 * encoded), was most of that burst. Like fast-ack.ts it only ever answers "certainly valid", for the
 * plain objects with exactly the schema's fields that the node makes; anything else (an extra field,
 * a value the schema might still take) goes through the schema, which decides and words the error.
 * It must never accept what the schema rejects (a property test holds them together: change both
 * when changing schemas/checkpoint.ts).
 */
import { IDENTIFIER_PATTERN } from './identifiers';
import { isTimestamp } from './timestamp';

const ANALYTICS_FIELDS = new Set([
  'message_id',
  'timestamp',
  'checkpoint_id',
  'window_start',
  'window_end',
  'detections',
  'plates',
  'unique_plates',
  'avg_confidence',
  'avg_processing_time_ms',
  'blacklist_hits',
]);
const STATUS_FIELDS = new Set(['message_id', 'timestamp', 'checkpoint_id', 'cameras', 'last_detection']);
const CAMERA_FIELDS = new Set(['online', 'offline', 'total']);

type Obj = Record<string, unknown>;

/** A plain object whose own enumerable keys are all in `fields` (so no `__proto__` key either). */
function plainWith(data: unknown, fields: ReadonlySet<string>): data is Obj {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  const proto = Object.getPrototypeOf(data);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in data) if (!fields.has(key) || !Object.prototype.hasOwnProperty.call(data, key)) return false;
  return true;
}

/**
 * The last few valid times seen: a window end's messages share their window's two times and the
 * moment they were made, so most checks are one comparison instead of a parse. Only valid texts
 * enter it.
 */
const recentTimes: string[] = ['', '', '', ''];
let nextSlot = 0;
function timestamp(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  if (v === recentTimes[0] || v === recentTimes[1] || v === recentTimes[2] || v === recentTimes[3]) return v !== '';
  if (!isTimestamp(v)) return false;
  recentTimes[nextSlot] = v;
  nextSlot = (nextSlot + 1) % recentTimes.length;
  return true;
}

const count = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const finiteAtLeast0 = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0;

function envelope(m: Obj): boolean {
  const id = m.message_id;
  if (typeof id !== 'string' || id.length < 1 || id.length > 128) return false;
  const cp = m.checkpoint_id;
  return typeof cp === 'string' && IDENTIFIER_PATTERN.test(cp) && timestamp(m.timestamp);
}

export function isCertainlyCheckpointAnalytics(data: unknown): boolean {
  if (!plainWith(data, ANALYTICS_FIELDS) || !envelope(data)) return false;
  if (!count(data.detections) || !count(data.plates) || !count(data.unique_plates) || !count(data.blacklist_hits)) return false;
  const confidence = data.avg_confidence;
  if (confidence !== null && !(finiteAtLeast0(confidence) && (confidence as number) <= 1)) return false;
  const processing = data.avg_processing_time_ms;
  if (processing !== null && !finiteAtLeast0(processing)) return false;
  return timestamp(data.window_start) && timestamp(data.window_end);
}

export function isCertainlyCheckpointStatus(data: unknown): boolean {
  if (!plainWith(data, STATUS_FIELDS) || !envelope(data)) return false;
  const cameras = data.cameras;
  if (!plainWith(cameras, CAMERA_FIELDS) || !count(cameras.online) || !count(cameras.offline) || !count(cameras.total)) return false;
  const last = data.last_detection;
  return last === undefined || last === null || timestamp(last);
}
