/** Message factories: fill `message_id` (UUID) and `timestamp` (ISO 8601 UTC), validate, return typed. */
import { randomUUID } from 'node:crypto';
import { validateMessage } from './decode';
import { ValidationError, type FieldIssue } from './errors';
import { isIdentifier } from './identifiers';
import { MAX_RETRY_AFTER_MS, type Ack } from './schemas/ack';
import type { MessageKind, MessageOf } from './policy';

export type Draft<T> = Omit<T, 'message_id' | 'timestamp'> & { message_id?: string; timestamp?: string };

export function newMessageId(): string {
  return randomUUID();
}

/** The last ISO string made, for its millisecond: acks come by the thousand per second, and toISOString costs ~1 µs. */
let isoMs = NaN;
let isoText = '';

export function nowIso(now: number = Date.now()): string {
  if (now !== isoMs) {
    isoText = new Date(now).toISOString();
    isoMs = now;
  }
  return isoText;
}

/**
 * An ack's own `message_id`: a version 4 UUID in form, whose first 20 hex digits (version and
 * variant included) come from one randomUUID per process and whose last 12 are a counter. Unique,
 * as the protocol asks (a process never repeats one, and two processes draw different prefixes), at
 * a third of randomUUID's cost. Only for acks: nobody keys anything on an ack's id, while a detection's or a
 * command's id is better not guessable.
 */
let ackIdPrefix = '';
let ackIdCount = 0;
export function newAckId(): string {
  if (ackIdCount === 0 || ackIdCount >= 0xffff_ffff_ffff) {
    ackIdPrefix = randomUUID().slice(0, 24);
    ackIdCount = Math.floor(Math.random() * 0xffff_ffff);
  }
  ackIdCount++;
  return ackIdPrefix + ackIdCount.toString(16).padStart(12, '0');
}

/** Builds a message of `kind` from `fields`; throws a ValidationError naming the bad fields. */
export function createMessage<K extends MessageKind>(kind: K, fields: Draft<MessageOf<K>>): MessageOf<K> {
  // `??` rather than spread defaults, so that an explicit `message_id: undefined` is filled too.
  const { message_id, timestamp, ...rest } = fields as Draft<MessageOf<K>>;
  const candidate = { message_id: message_id ?? newMessageId(), timestamp: timestamp ?? nowIso(), ...rest };
  const result = validateMessage(kind, candidate);
  if (!result.ok) throw result.error;
  return result.value;
}

/** JSON for the wire, after validation against the policy's schema. */
export function encodeMessage<K extends MessageKind>(kind: K, message: MessageOf<K>): string {
  const result = validateMessage(kind, message);
  if (!result.ok) throw result.error;
  return JSON.stringify(message);
}

/**
 * The `detection/ack` answer to a detection's `message_id` (PROTOCOL.md "Ack"). Built directly,
 * not through the schema: it is made for every detection, and its only outside fields are the
 * two checked here (the rest are ours).
 */
export function createAck(cameraId: string, ackId: string, status: 'received' | 'rejected', error?: string): Ack {
  checkAckIds(cameraId, ackId);
  // Assigned, not spread: a spread makes an object (and a slower literal) per ack.
  const ack: Ack = { message_id: newAckId(), timestamp: nowIso(), camera_id: cameraId, ack_id: ackId, status };
  if (error !== undefined) ack.error = error.slice(0, 4096);
  return ack;
}

/** A `retry` ack: the detection was not taken; the camera sends it again after `retryAfterMs` (a whole number of ms >= 0). */
export function createRetryAck(cameraId: string, ackId: string, retryAfterMs: number, error?: string): Ack {
  checkAckIds(cameraId, ackId);
  if (!Number.isInteger(retryAfterMs) || retryAfterMs < 0 || retryAfterMs > MAX_RETRY_AFTER_MS) {
    throw new ValidationError('schema', [{ path: 'retry_after_ms', message: `must be a whole number from 0 to ${MAX_RETRY_AFTER_MS}` }]);
  }
  const ack: Ack = { message_id: newAckId(), timestamp: nowIso(), camera_id: cameraId, ack_id: ackId, status: 'retry', retry_after_ms: retryAfterMs };
  if (error !== undefined) ack.error = error.slice(0, 4096);
  return ack;
}

function checkAckIds(cameraId: string, ackId: string): void {
  const issues: FieldIssue[] = [];
  if (!isIdentifier(cameraId)) issues.push({ path: 'camera_id', message: 'must be 1-64 letters, digits, "_", "." or "-", starting with a letter or digit' });
  if (typeof ackId !== 'string' || ackId.length < 1 || ackId.length > 128) issues.push({ path: 'ack_id', message: 'must be 1-128 characters' });
  if (issues.length) throw new ValidationError('schema', issues);
}
