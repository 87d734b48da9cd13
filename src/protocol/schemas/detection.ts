/** Detection (seed "Detection Message Format"), camera -> server, QoS 1. */
import { z } from 'zod';
import { ImageUrl } from '../images';
import { BBox, Count, Envelope, Identifier, NonNegative, Score } from './common';

export const Vehicle = z
  .object({
    vehicle_index: Count,
    bbox: BBox.optional(),
    confidence: Score.optional(),
    vehicle_class: z.string().max(64).optional(),
    vehicle_type: z.string().max(64).optional(),
    color: z.string().max(64).optional(),
    brand: z.string().max(64).optional(),
    model: z.string().max(64).optional(),
    year: z.number().int().min(1886).max(2200).optional(),
  })
  .loose();

export const Plate = z
  .object({
    plate_index: Count,
    plate_number: z.string().min(1).max(32),
    bbox: BBox.optional(),
    confidence: Score,
    plate_type: z.string().max(64).optional(),
    country: z.string().max(64).optional(),
    province: z.string().max(128).optional(),
    is_valid: z.boolean().optional(),
  })
  .loose();

export const DetectionData = z
  .object({
    vehicles_count: Count,
    plates_count: Count,
    processing_time_ms: NonNegative,
    confidence_score: Score,
    detection_type: z.string().min(1).max(64),
    vehicles: z.array(Vehicle).max(256),
    plates: z.array(Plate).max(256),
  })
  .loose();

/** Free-form, except `image_url`: where the detection's picture is (http or https, docs/protocol.md "Images"). */
export const DetectionMetadata = z.object({ image_url: ImageUrl.optional() }).loose();

export const Detection = z
  .object({
    ...Envelope,
    camera_id: Identifier,
    checkpoint_id: Identifier.optional(),
    detection_data: DetectionData,
    metadata: DetectionMetadata.optional(),
  })
  .loose();

export type Vehicle = z.infer<typeof Vehicle>;
export type Plate = z.infer<typeof Plate>;
export type DetectionData = z.infer<typeof DetectionData>;
export type Detection = z.infer<typeof Detection>;
