/**
 * The inbound pipeline for an MQTT payload: size, UTF-8, nesting depth, JSON, forbidden keys,
 * schema, and topic/payload `camera_id` equality. Never throws; returns the first failure.
 */
import { fromZodError, ValidationError, WHOLE_PAYLOAD, type FieldIssue } from './errors';
import { isCertainlyAck } from './fast-ack';
import { isCertainlyCheckpointAnalytics, isCertainlyCheckpointStatus } from './fast-checkpoint';
import { isCertainlyDetection } from './fast-detection';
import { POLICY, type MessageKind, type MessageOf } from './policy';

export const DEFAULT_MAX_BYTES = 256 * 1024;
export const DEFAULT_MAX_DEPTH = 32;

export interface DecodeOptions {
  maxBytes?: number;
  maxDepth?: number;
  /** The camera id the topic names; the payload's `camera_id` must equal it. */
  topicCameraId?: string;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: ValidationError };

const utf8 = new TextDecoder('utf-8', { fatal: true });

function fail(code: ValidationError['code'], path: string, message: string): { ok: false; error: ValidationError } {
  return { ok: false, error: new ValidationError(code, [{ path, message }]) };
}

export interface JsonScan {
  /** Deepest nesting, counted up to `limit + 1`. */
  depth: number;
  /** A `\u` escape, or a string starting `__proto__"`, `constructor"` or `prototype"`: could hide a forbidden key. */
  suspicious: boolean;
  /** A number JSON.parse may turn into Infinity: an exponent of 3+ digits or a run of 309+ digits. */
  huge: boolean;
}

/**
 * One pass over the UTF-8 bytes of JSON text for what the text checks need: nesting depth, and
 * whether the parsed value has to be walked for forbidden keys or infinite numbers. Quotes,
 * backslashes, brackets and digits are ASCII and never part of a multi-byte character, so bytes
 * serve as well as characters, and are cheaper to read than decoding first. Unlike a regex over
 * the text, an escaped backslash before `u` and digits inside strings are not taken for suspects.
 */
export function scanJson(bytes: Uint8Array, limit: number): JsonScan {
  let depth = 0;
  let max = 0;
  let suspicious = false;
  let huge = false;
  let digits = 0;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const c = bytes[i]!;
    if (c >= 48 && c <= 57) {
      if (++digits >= 309) huge = true;
      continue;
    }
    digits = 0;
    if (c === 34 /* " */) {
      const f = bytes[i + 1];
      if (!suspicious && (f === 95 /* _ */ || f === 99 /* c */ || f === 112) /* p */) suspicious = startsForbidden(bytes, i + 1);
      for (i++; i < n; i++) {
        const d = bytes[i]!;
        if (d === 92 /* \ */) {
          if (bytes[i + 1] === 117 /* u */) suspicious = true;
          i++;
        } else if (d === 34) break;
      }
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) {
        max = depth;
        if (max > limit) return { depth: max, suspicious, huge };
      }
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
    else if (c === 101 /* e */ || c === 69 /* E */) {
      // Outside strings an e is an exponent or part of true/false; `e+999` / `e999` overflow.
      let j = i + 1;
      if (bytes[j] === 43 /* + */) j++;
      if (isDigit(bytes[j]) && isDigit(bytes[j + 1]) && isDigit(bytes[j + 2])) huge = true;
    }
  }
  return { depth: max, suspicious, huge };
}

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= 48 && b <= 57;
}

const FORBIDDEN_BYTES = ['__proto__"', 'constructor"', 'prototype"'].map((k) => Buffer.from(k, 'latin1'));

function startsForbidden(bytes: Uint8Array, at: number): boolean {
  outer: for (const key of FORBIDDEN_BYTES) {
    if (at + key.length > bytes.length) continue;
    for (let j = 0; j < key.length; j++) if (bytes[at + j] !== key[j]) continue outer;
    return true;
  }
  return false;
}

export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

type ProblemCode = 'forbidden_key' | 'too_deep' | 'schema';
type Problem = { code: ProblemCode; path: string; message: string } | null;

/**
 * The first `__proto__`/`constructor`/`prototype` key (which a later merge could turn into
 * pollution), the first place nested deeper than `maxDepth` (which also stops cycles in objects
 * handed over from a flow), or, with `values`, the first value JSON cannot carry as it is: NaN and
 * ±Infinity (JSON.stringify turns them into null), BigInt (it throws), functions and symbols
 * (silently dropped). JSON text can hold none of those, so only objects from flows and files need it.
 */
function inspectObject(value: unknown, path: string, depth: number, maxDepth: number, values: boolean): Problem {
  if (values) {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      return { code: 'schema', path: path || WHOLE_PAYLOAD, message: `must be a finite number, got ${String(value)} (JSON has no NaN or Infinity)` };
    }
    if (typeof value === 'bigint' || typeof value === 'function' || typeof value === 'symbol') {
      return { code: 'schema', path: path || WHOLE_PAYLOAD, message: `must be JSON data, got a ${typeof value}` };
    }
  }
  if (value === null || typeof value !== 'object') return null;
  if (depth > maxDepth) return { code: 'too_deep', path: path || WHOLE_PAYLOAD, message: `nests deeper than ${maxDepth} levels` };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = inspectObject(value[i], `${path}[${i}]`, depth + 1, maxDepth, values);
      if (hit) return hit;
    }
    return null;
  }
  for (const key of Object.keys(value)) {
    const child = path ? `${path}.${key}` : key;
    if (FORBIDDEN_KEYS.has(key)) return { code: 'forbidden_key', path: child, message: 'is a forbidden key' };
    const hit = inspectObject((value as Record<string, unknown>)[key], child, depth + 1, maxDepth, values);
    if (hit) return hit;
  }
  return null;
}

/**
 * Checks data from a flow or a file before a schema sees it: no forbidden key at any depth, at
 * most `maxDepth` levels, and only values JSON can carry (no NaN/Infinity, BigInt, function).
 * Returns the ValidationError naming the first offending path, or null.
 */
export function inspectData(value: unknown, maxDepth: number = DEFAULT_MAX_DEPTH): ValidationError | null {
  const bad = inspectObject(value, '', 1, maxDepth, true);
  return bad ? new ValidationError(bad.code, [{ path: bad.path, message: bad.message }]) : null;
}

/** Parses and validates raw JSON text or bytes into the payload of `kind`. */
export function decodePayload<K extends MessageKind>(
  kind: K,
  payload: Uint8Array | string,
  options: DecodeOptions = {},
): Decoded<MessageOf<K>> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  // Text (from a test or a file) takes the same path as the bytes MQTT delivers.
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const size = bytes.byteLength;
  if (size > maxBytes) return fail('too_large', WHOLE_PAYLOAD, `is ${size} bytes, over the ${maxBytes}-byte limit`);
  if (size === 0) return fail('invalid_json', WHOLE_PAYLOAD, 'is empty');
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  let text: string;
  try {
    text = typeof payload === 'string' ? payload : utf8.decode(payload);
  } catch {
    return fail('invalid_utf8', WHOLE_PAYLOAD, 'is not valid UTF-8');
  }
  // One scan answers the depth, and what the parsed value must be walked for.
  const scan = scanJson(bytes, maxDepth);
  if (scan.depth > maxDepth) return fail('too_deep', WHOLE_PAYLOAD, `nests deeper than ${maxDepth} levels`);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return fail('invalid_json', WHOLE_PAYLOAD, `is not valid JSON (${(err as Error).message})`);
  }
  if (scan.suspicious || scan.huge) {
    const bad = inspectObject(data, '', 1, DEFAULT_MAX_DEPTH, scan.huge);
    if (bad) return fail(bad.code, bad.path, bad.message);
  }
  // Fresh from JSON.parse, walked where needed: a detection the hand-written check is sure of skips
  // zod (~10-15 µs); anything else goes through the schema, which decides and words the error.
  if (kind === 'detection' && isCertainlyDetection(data)) return cameraMatches(data as MessageOf<K>, options);
  // An ack comes per detection to an edge camera: the same shortcut (fast-ack.ts).
  if (kind === 'detectionAck' && isCertainlyAck(data)) return cameraMatches(data as MessageOf<K>, options);
  const result = POLICY[kind].schema.safeParse(data);
  if (!result.success) return { ok: false, error: fromZodError(result.error) };
  return cameraMatches(result.data as MessageOf<K>, options);
}

/**
 * Validates an already-parsed object (e.g. `msg.payload` from a flow) as the payload of `kind`:
 * forbidden keys and depth at any level, values JSON can carry (no NaN/Infinity, BigInt,
 * function), then the schema.
 */
export function validateMessage<K extends MessageKind>(
  kind: K,
  data: unknown,
  options: Pick<DecodeOptions, 'topicCameraId'> = {},
): Decoded<MessageOf<K>> {
  // What lpr-checkpoint-analytics makes in bursts (every checkpoint at every window end), checked by
  // hand when it is certainly valid (fast-checkpoint.ts); the rest as below.
  if (CERTAINLY[kind]?.(data)) return cameraMatches(data as MessageOf<K>, options);
  const bad = inspectObject(data, '', 1, DEFAULT_MAX_DEPTH, true);
  if (bad) return fail(bad.code, bad.path, bad.message);
  const result = POLICY[kind].schema.safeParse(data);
  if (!result.success) return { ok: false, error: fromZodError(result.error) };
  return cameraMatches(result.data as MessageOf<K>, options);
}

const CERTAINLY: Partial<Record<MessageKind, (data: unknown) => boolean>> = {
  checkpointAnalytics: isCertainlyCheckpointAnalytics,
  checkpointStatus: isCertainlyCheckpointStatus,
};

function cameraMatches<T>(value: T, options: Pick<DecodeOptions, 'topicCameraId'>): Decoded<T> {
  const cameraId = (value as { camera_id?: unknown }).camera_id;
  // An absent optional camera_id (e.g. a Request) claims no camera, so it cannot mismatch the topic.
  if (options.topicCameraId !== undefined && cameraId !== undefined && cameraId !== options.topicCameraId) {
    const issue: FieldIssue = {
      path: 'camera_id',
      message: `is ${JSON.stringify(cameraId)} but the topic names camera ${JSON.stringify(options.topicCameraId)}`,
    };
    return { ok: false, error: new ValidationError('camera_mismatch', [issue]) };
  }
  return { ok: true, value };
}
