/** Health (seed "Health Message Format"), camera -> server, QoS 0, retained; also the camera's will. */
import { z } from 'zod';
import { Envelope, Identifier, NonNegative, Percent, Timestamp } from './common';

export const HealthStatus = z.enum(['healthy', 'warning', 'critical', 'offline']);

export const HealthAlert = z
  .object({
    level: z.enum(['info', 'warning', 'critical', 'error']),
    message: z.string().max(1024),
    timestamp: Timestamp.optional(),
  })
  .loose();

export const HealthDetails = z
  .object({
    cpu_usage: Percent.optional(),
    memory_usage: Percent.optional(),
    disk_usage: Percent.optional(),
    network_status: z.string().max(64).optional(),
    camera_status: z.string().max(64).optional(),
    last_detection: Timestamp.nullable().optional(),
    uptime_seconds: NonNegative.optional(),
    temperature: z.number().min(-100).max(200).optional(),
  })
  .loose();

export const Health = z
  .object({
    ...Envelope,
    camera_id: Identifier,
    health_status: HealthStatus,
    /** Optional so that a will (`health_status: "offline"`) may be minimal. */
    health_details: HealthDetails.optional(),
    alerts: z.array(HealthAlert).max(100).optional(),
  })
  .loose();

export type HealthStatus = z.infer<typeof HealthStatus>;
export type HealthAlert = z.infer<typeof HealthAlert>;
export type HealthDetails = z.infer<typeof HealthDetails>;
export type Health = z.infer<typeof Health>;
