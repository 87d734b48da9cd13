/** `{root}/system/*` messages (PROTOCOL.md). */
import { z } from 'zod';
import { Count, Envelope, Identifier } from './common';

/** Birth and will of a server connection on `system/status`. */
export const SystemStatus = z
  .object({
    status: z.enum(['online', 'offline']),
    timestamp: Envelope.timestamp,
    message_id: Envelope.message_id.optional(),
  })
  .loose();

export const SystemHealth = z
  .object({
    ...Envelope,
    status: z.enum(['healthy', 'degraded', 'critical']),
    cameras: z.object({ healthy: Count, warning: Count, critical: Count, offline: Count, total: Count }).loose(),
  })
  .loose();

export const AlertLevel = z.enum(['info', 'warning', 'critical']);

export const Alert = z
  .object({
    ...Envelope,
    level: AlertLevel,
    source: z.string().min(1).max(256),
    camera_id: Identifier.optional(),
    message: z.string().min(1).max(4096),
    details: z.unknown().optional(),
  })
  .loose();

export const LogLine = z
  .object({
    ...Envelope,
    level: z.enum(['debug', 'info', 'warn', 'error']),
    source: z.string().min(1).max(256),
    message: z.string().max(8192),
  })
  .loose();

/** A metrics snapshot on `system/monitoring`; its fields belong to lpr-system-monitor. */
export const MonitoringSnapshot = z.object({ ...Envelope }).loose();

export type SystemStatus = z.infer<typeof SystemStatus>;
export type SystemHealth = z.infer<typeof SystemHealth>;
export type Alert = z.infer<typeof Alert>;
export type LogLine = z.infer<typeof LogLine>;
export type MonitoringSnapshot = z.infer<typeof MonitoringSnapshot>;
