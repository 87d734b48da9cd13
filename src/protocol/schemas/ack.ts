/** Ack and Request (PROTOCOL.md). */
import { z } from 'zod';
import { Envelope, Identifier, MessageId } from './common';

/** The longest wait a `retry` ack may ask for (a day): a larger value is not a sane answer. */
export const MAX_RETRY_AFTER_MS = 86_400_000;

/**
 * `detection/ack`: `ack_id` is the detection's `message_id`. `received` and `rejected` end the
 * camera's delivery of it; `retry` (our extension) means "not taken: send the same detection
 * again, no sooner than `retry_after_ms` from now" (the server's per-camera rate limit).
 */
export const Ack = z
  .object({
    ...Envelope,
    camera_id: Identifier,
    ack_id: MessageId,
    status: z.enum(['received', 'rejected', 'retry']),
    retry_after_ms: z.number().int().min(0).max(MAX_RETRY_AFTER_MS).optional(),
    error: z.string().max(4096).optional(),
  })
  .loose()
  .refine((ack) => ack.status !== 'retry' || ack.retry_after_ms !== undefined, {
    path: ['retry_after_ms'],
    message: 'is required when status is "retry"',
  });

/** `health/request`, `config/request`. */
export const Request = z
  .object({
    ...Envelope,
    camera_id: Identifier.optional(),
  })
  .loose();

/**
 * `blacklist/request`: `camera_id` is required (our tightening): the whole list is sent to that
 * camera alone, on `cameras/{camera_id}/blacklist`.
 */
export const BlacklistRequest = z
  .object({
    ...Envelope,
    camera_id: Identifier,
    /** Our extension: the chunks of snapshot `id` the requester misses (only those are sent again). */
    snapshot: z
      .object({ id: z.string().min(1).max(64), missing: z.array(z.number().int().min(0).max(99_999)).min(1).max(100_000) })
      .loose()
      .optional(),
  })
  .loose();

export type Ack = z.infer<typeof Ack>;
export type Request = z.infer<typeof Request>;
export type BlacklistRequest = z.infer<typeof BlacklistRequest>;
