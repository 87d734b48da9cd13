/** Ack and Request (PROTOCOL.md). */
import { z } from 'zod';
import { Envelope, Identifier, MessageId } from './common';

/** `detection/ack`: `ack_id` is the detection's `message_id`. */
export const Ack = z
  .object({
    ...Envelope,
    camera_id: Identifier,
    ack_id: MessageId,
    status: z.enum(['received', 'rejected']),
    error: z.string().max(4096).optional(),
  })
  .loose();

/** `health/request`, `config/request`, `blacklist/request`. */
export const Request = z
  .object({
    ...Envelope,
    camera_id: Identifier.optional(),
  })
  .loose();

export type Ack = z.infer<typeof Ack>;
export type Request = z.infer<typeof Request>;
