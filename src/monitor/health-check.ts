/**
 * The seed's health-check object for one broker connection:
 * `{status, timestamp, connection_status, last_message_received, message_rate, error_rate, latency_ms}`.
 *
 * Rules (documented in the node's help):
 * - `unhealthy`: the connection is not up (connecting, disconnected, closed, idle);
 * - `degraded`: up, but in the interval there were errors, failed publishes or failed connection
 *   attempts, or the outgoing queue holds at least `QUEUE_DEGRADED` messages;
 * - `healthy`: otherwise.
 */
import type { ConnectionState } from '../runtime/broker-connection';

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** Publishes held or unacknowledged from which a connected broker counts as degraded. */
export const QUEUE_DEGRADED = 100;

export interface HealthCheck {
  status: HealthStatus;
  timestamp: string;
  /** `connected` or the connection state (`connecting`, `disconnected`, `closed`, `idle`). */
  connection_status: ConnectionState;
  /** ISO time of the last message received on this connection, null before the first. */
  last_message_received: string | null;
  /** Messages received per second over the interval. */
  message_rate: number;
  /** Errors per second over the interval. */
  error_rate: number;
  /** Average detection latency (camera timestamp -> receipt, ms) over the interval, else the latest; null without any. */
  latency_ms: number | null;
}

export interface HealthInputs {
  now: number;
  state: ConnectionState;
  lastMessageReceived: number | null;
  messageRate: number;
  errorRate: number;
  failedInInterval: number;
  connectionsFailedInInterval: number;
  queueSize: number;
  latencyMs: number | null;
}

export function healthStatus(i: Omit<HealthInputs, 'now' | 'lastMessageReceived' | 'messageRate' | 'latencyMs'>): HealthStatus {
  if (i.state !== 'connected') return 'unhealthy';
  if (i.errorRate > 0 || i.failedInInterval > 0 || i.connectionsFailedInInterval > 0 || i.queueSize >= QUEUE_DEGRADED) return 'degraded';
  return 'healthy';
}

export function healthCheck(i: HealthInputs): HealthCheck {
  return {
    status: healthStatus(i),
    timestamp: new Date(i.now).toISOString(),
    connection_status: i.state,
    last_message_received: i.lastMessageReceived === null ? null : new Date(i.lastMessageReceived).toISOString(),
    message_rate: i.messageRate,
    error_rate: i.errorRate,
    latency_ms: i.latencyMs,
  };
}
