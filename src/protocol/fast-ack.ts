/**
 * The Ack schema's checks written out by hand, as fast-detection.ts does for detections: a camera
 * takes an ack per detection, and zod's parse of one (~5 µs) was most of what an ack cost it. It
 * only ever answers "certainly valid"; anything else goes through the schema, which decides and
 * words the error. It must never accept what the schema rejects (a property test holds the two
 * together: change both when changing schemas/ack.ts). The accepted value is the object JSON.parse made.
 */
import { IDENTIFIER_PATTERN } from './identifiers';
import { MAX_RETRY_AFTER_MS } from './schemas/ack';
import { isTimestamp } from './timestamp';

function id(v: unknown): boolean {
  return typeof v === 'string' && v.length >= 1 && v.length <= 128;
}

export function isCertainlyAck(data: unknown): boolean {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  const proto = Object.getPrototypeOf(data);
  if (proto !== Object.prototype && proto !== null) return false;
  const a = data as Record<string, unknown>;
  const status = a.status;
  if (status !== 'received' && status !== 'rejected' && status !== 'retry') return false;
  if (!id(a.message_id) || !id(a.ack_id)) return false;
  if (typeof a.camera_id !== 'string' || !IDENTIFIER_PATTERN.test(a.camera_id)) return false;
  const retry = a.retry_after_ms;
  if (retry === undefined ? status === 'retry' : !(Number.isSafeInteger(retry) && (retry as number) >= 0 && (retry as number) <= MAX_RETRY_AFTER_MS)) return false;
  const error = a.error;
  if (error !== undefined && !(typeof error === 'string' && error.length <= 4096)) return false;
  return isTimestamp(a.timestamp);
}
