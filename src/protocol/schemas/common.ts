/** Field types shared by every message schema. Unknown extra fields are kept (`.loose()`). */
import { z } from 'zod';
import { IDENTIFIER_PATTERN } from '../identifiers';
import { isTimestamp, TIMESTAMP_ERROR } from '../timestamp';

export const Identifier = z
  .string()
  .regex(IDENTIFIER_PATTERN, 'must be 1-64 letters, digits, "_", "." or "-", starting with a letter or digit');

export const MessageId = z.string().min(1).max(128);

/**
 * An ISO 8601 / RFC 3339 date-time in any form cameras commonly write (see ../timestamp.ts): with
 * or without a zone, `Z`/`z` or an offset, any fraction. Kept as sent; readTimestamp gives the instant.
 */
export const Timestamp = z.string({ error: TIMESTAMP_ERROR }).refine(isTimestamp, { error: TIMESTAMP_ERROR });

export const Score = z.number().min(0).max(1);
export const Percent = z.number().min(0).max(100);
export const NonNegative = z.number().min(0);
export const Count = z.number().int().min(0);

/** `[x1, y1, x2, y2]` or `[x, y, w, h]` in pixels: four finite numbers. */
export const BBox = z.tuple([z.number(), z.number(), z.number(), z.number()]);

/** The two fields every message carries (PROTOCOL.md "Messages the seed leaves open"). */
export const Envelope = {
  message_id: MessageId,
  timestamp: Timestamp,
};

export const Priority = z.enum(['low', 'normal', 'medium', 'high', 'critical']);
