/** BlacklistUpdate and BlacklistNotification (PROTOCOL.md). */
import { z } from 'zod';
import { Envelope, Identifier, MessageId, Timestamp } from './common';

/** A Lamport revision: each server counts max(seen) + 1 on each local change. */
export const Revision = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** The server that wrote a revision; breaks ties between equal revisions (greater wins). */
export const Origin = z.string().min(1).max(64);

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
    /** Our extension (several servers): the entry's Lamport revision and the server that wrote it. */
    revision: Revision.optional(),
    origin: Origin.optional(),
    /** Our extension: a removal kept as a tombstone (in snapshots only), so an older add cannot bring it back. */
    deleted: z.literal(true).optional(),
  })
  .loose();

/** Our extension: one chunk of a list sent in several messages, each under the broker's size limit. */
export const SnapshotChunk = z
  .object({
    id: z.string().min(1).max(64),
    /** The list it replaces (absent: every entry the sender holds). */
    list: z.string().max(64).optional(),
    /** The sender's revision counter when the snapshot was taken. */
    revision: Revision,
    index: z.number().int().min(0).max(99_999),
    count: z.number().int().min(1).max(100_000),
    entries_total: z.number().int().min(0).max(20_000_000),
  })
  .loose();

export const BlacklistUpdate = z
  .object({
    ...Envelope,
    action: z.enum(['add', 'remove', 'replace', 'snapshot']),
    entries: z.array(BlacklistEntry).max(2_000_000),
    /** Our extension: the update's revision and writer; absent = applied as the receiver's own newest change. */
    revision: Revision.optional(),
    origin: Origin.optional(),
    /** Our extension: the one list a `replace` replaces (absent: the lists its entries name, or the default list). */
    list: z.string().max(64).optional(),
    /** Our extension: present exactly when `action` is `snapshot`. */
    snapshot: SnapshotChunk.optional(),
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

/**
 * What a camera raised itself, on its own `cameras/{id}/blacklist/notification`: a
 * BlacklistNotification with `raised_by: "edge"` (required), `camera_id` = the topic's.
 */
export const EdgeBlacklistNotification = BlacklistNotification.extend({ raised_by: z.literal('edge') });

export type BlacklistEntry = z.infer<typeof BlacklistEntry>;
export type SnapshotChunk = z.infer<typeof SnapshotChunk>;
export type BlacklistUpdate = z.infer<typeof BlacklistUpdate>;
export type BlacklistNotification = z.infer<typeof BlacklistNotification>;
export type EdgeBlacklistNotification = z.infer<typeof EdgeBlacklistNotification>;
