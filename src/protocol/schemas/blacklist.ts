/** BlacklistUpdate and BlacklistNotification (PROTOCOL.md). */
import { z } from 'zod';
import { Envelope, Identifier, MessageId, Timestamp } from './common';

export const BlacklistPriority = z.enum(['low', 'medium', 'high', 'critical']);

/** `plate_number` may be a pattern with `*` (any run) and `?` (one character). */
export const BlacklistEntry = z
  .object({
    plate_number: z.string().min(1).max(32),
    province: z.string().max(128).optional(),
    country: z.string().max(64).optional(),
    reason: z.string().max(1024).optional(),
    priority: BlacklistPriority.optional(),
    list: z.string().max(64).optional(),
    expires_at: Timestamp.optional(),
  })
  .loose();

export const BlacklistUpdate = z
  .object({
    ...Envelope,
    action: z.enum(['add', 'remove', 'replace']),
    entries: z.array(BlacklistEntry).max(2_000_000),
  })
  .loose();

export const MatchType = z.enum(['exact', 'lookalike', 'fuzzy', 'pattern']);

export const BlacklistNotification = z
  .object({
    ...Envelope,
    camera_id: Identifier,
    checkpoint_id: Identifier.optional(),
    plate_number: z.string().min(1).max(32),
    province: z.string().max(128).optional(),
    detection_message_id: MessageId,
    entry: BlacklistEntry,
    match: z
      .object({
        type: MatchType,
        distance: z.number().int().min(0),
        province_match: z.boolean().nullable(),
      })
      .loose(),
    image_path: z.string().max(1024).optional(),
    /**
     * Who matched: absent or `server` = lpr-blacklist-match; `edge` = the camera `camera_id` itself,
     * from its own copy of the list (sent before its detection; a server does not raise it again).
     */
    raised_by: z.enum(['server', 'edge']).optional(),
  })
  .loose();

export type BlacklistEntry = z.infer<typeof BlacklistEntry>;
export type BlacklistUpdate = z.infer<typeof BlacklistUpdate>;
export type BlacklistNotification = z.infer<typeof BlacklistNotification>;
