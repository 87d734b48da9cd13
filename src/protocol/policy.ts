/**
 * The topic tree with its QoS/retain policy and payload schema per message kind: the one table
 * every node, test and document reads (PROTOCOL.md "Topics").
 */
import type { z } from 'zod';
import { Ack, BlacklistRequest, Request } from './schemas/ack';
import { BlacklistNotification, BlacklistUpdate, EdgeBlacklistNotification } from './schemas/blacklist';
import { CheckpointAnalytics, CheckpointStatus } from './schemas/checkpoint';
import { Config } from './schemas/config';
import { Control, ControlResponse, SystemControl } from './schemas/control';
import { Detection } from './schemas/detection';
import { Health } from './schemas/health';
import { Alert, LogLine, MonitoringSnapshot, SystemHealth, SystemStatus } from './schemas/system';

export type Scope = 'camera' | 'checkpoint' | 'root';
export type QoS = 0 | 1 | 2;

export interface PolicyEntry {
  /** `camera`: `{root}/cameras/{id}/{suffix}`; `checkpoint`: `{root}/checkpoints/{id}/{suffix}`; `root`: `{root}/{suffix}`. */
  scope: Scope;
  suffix: string;
  qos: QoS;
  retain: boolean;
  direction: string;
  schema: z.ZodType;
}

export const POLICY = {
  detection: { scope: 'camera', suffix: 'detection', qos: 1, retain: false, direction: 'camera → server', schema: Detection },
  detectionAck: { scope: 'camera', suffix: 'detection/ack', qos: 1, retain: false, direction: 'server → camera', schema: Ack },
  health: { scope: 'camera', suffix: 'health', qos: 0, retain: true, direction: 'camera → server', schema: Health },
  healthRequest: { scope: 'camera', suffix: 'health/request', qos: 0, retain: false, direction: 'server → camera', schema: Request },
  config: { scope: 'camera', suffix: 'config', qos: 2, retain: true, direction: 'camera → server', schema: Config },
  configUpdate: { scope: 'camera', suffix: 'config/update', qos: 2, retain: true, direction: 'server → camera', schema: Config },
  configRequest: { scope: 'camera', suffix: 'config/request', qos: 2, retain: false, direction: 'camera → server', schema: Request },
  control: { scope: 'camera', suffix: 'control', qos: 2, retain: false, direction: 'server → camera', schema: Control },
  controlResponse: { scope: 'camera', suffix: 'control/response', qos: 2, retain: false, direction: 'camera → server', schema: ControlResponse },
  checkpointStatus: { scope: 'checkpoint', suffix: 'status', qos: 1, retain: true, direction: 'server → all', schema: CheckpointStatus },
  checkpointAnalytics: { scope: 'checkpoint', suffix: 'analytics', qos: 0, retain: false, direction: 'server → all', schema: CheckpointAnalytics },
  blacklistUpdates: { scope: 'root', suffix: 'blacklist/updates', qos: 1, retain: false, direction: 'any → server, server → cameras', schema: BlacklistUpdate },
  blacklistNotifications: { scope: 'root', suffix: 'blacklist/notifications', qos: 1, retain: false, direction: 'server → all', schema: BlacklistNotification },
  blacklistRequest: { scope: 'root', suffix: 'blacklist/request', qos: 1, retain: false, direction: 'camera → server', schema: BlacklistRequest },
  // Our extension: the answer to one camera's blacklist/request, on that camera's own topic only.
  blacklistAnswer: { scope: 'camera', suffix: 'blacklist', qos: 1, retain: false, direction: 'server → camera', schema: BlacklistUpdate },
  // Our extension: a notification the camera raised itself (matchAtEdge), on its own topic (an ACL
  // lets a camera write there and nowhere shared); lpr-blacklist-match forwards it to blacklist/notifications.
  blacklistEdgeNotification: { scope: 'camera', suffix: 'blacklist/notification', qos: 1, retain: false, direction: 'camera → server', schema: EdgeBlacklistNotification },
  systemStatus: { scope: 'root', suffix: 'system/status', qos: 1, retain: true, direction: 'server → all', schema: SystemStatus },
  systemHealth: { scope: 'root', suffix: 'system/health', qos: 0, retain: true, direction: 'server → all', schema: SystemHealth },
  systemAlerts: { scope: 'root', suffix: 'system/alerts', qos: 1, retain: false, direction: 'server → all', schema: Alert },
  systemLogs: { scope: 'root', suffix: 'system/logs', qos: 0, retain: false, direction: 'server → all', schema: LogLine },
  systemMonitoring: { scope: 'root', suffix: 'system/monitoring', qos: 0, retain: false, direction: 'server → all', schema: MonitoringSnapshot },
  systemControl: { scope: 'root', suffix: 'system/control', qos: 2, retain: false, direction: 'operator → server', schema: SystemControl },
} as const satisfies Record<string, PolicyEntry>;

export type MessageKind = keyof typeof POLICY;
export const MESSAGE_KINDS = Object.keys(POLICY) as MessageKind[];

/** The payload type of a message kind, inferred from its schema. */
export type MessageOf<K extends MessageKind> = z.infer<(typeof POLICY)[K]['schema']>;

export function policyOf(kind: MessageKind): PolicyEntry {
  return POLICY[kind];
}
