/** CheckpointStatus and CheckpointAnalytics (PROTOCOL.md). */
import { z } from 'zod';
import { Count, Envelope, Identifier, NonNegative, Score, Timestamp } from './common';

export const CheckpointStatus = z
  .object({
    ...Envelope,
    checkpoint_id: Identifier,
    cameras: z.object({ online: Count, offline: Count, total: Count }).loose(),
    last_detection: Timestamp.nullable().optional(),
  })
  .loose();

export const CheckpointAnalytics = z
  .object({
    ...Envelope,
    checkpoint_id: Identifier,
    window_start: Timestamp,
    window_end: Timestamp,
    detections: Count,
    plates: Count,
    unique_plates: Count,
    avg_confidence: Score.nullable(),
    avg_processing_time_ms: NonNegative.nullable(),
    blacklist_hits: Count,
  })
  .loose();

export type CheckpointStatus = z.infer<typeof CheckpointStatus>;
export type CheckpointAnalytics = z.infer<typeof CheckpointAnalytics>;
