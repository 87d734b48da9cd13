/** The flows the benchmarks deploy (flow nodes need x/y: Node-RED takes a node without them for a config node): lpr-detection-in or core `mqtt in` (json) into a bench-counter. */
import { DETECTION_FILTER, TOPIC_ROOT } from './detections';

export type CounterMode = 'count' | 'ids' | 'latency';

const tab = { id: 'tab', type: 'tab', label: 'bench' };

/** Only the tab: what a runtime starts with, before the measured flow is deployed. */
export const EMPTY_FLOW = [tab];

function counter(mode: CounterMode, target: number) {
  return { id: 'counter', type: 'bench-counter', z: 'tab', x: 500, y: 100, mode, target, wires: [] };
}

export interface LprFlowOptions {
  port: number;
  clientId: string;
  clean: boolean;
  ack: boolean;
  sharedGroup?: string;
  mode?: CounterMode;
  target?: number;
  protocolVersion?: 4 | 5;
  /** The batch output: most detections per message (0 = off) and the window in ms (default 50). */
  batch?: number;
  batchWindow?: number;
}

export function lprFlow(o: LprFlowOptions): unknown[] {
  return [
    tab,
    {
      id: 'lb', type: 'lpr-broker', name: 'bench', broker: '127.0.0.1', port: o.port, protocolVersion: o.protocolVersion ?? 4, clientId: o.clientId,
      cleanSession: o.clean, sessionExpiry: 3600, keepalive: 60, reconnectPeriod: 1, connectTimeout: 30, topicRoot: TOPIC_ROOT, birth: false, queueLimit: 10000,
    },
    {
      id: 'din', type: 'lpr-detection-in', z: 'tab', x: 200, y: 100, broker: 'lb', camera: '', sharedGroup: o.sharedGroup ?? '', ack: o.ack, dedupe: 300, dedupeSize: 100000,
      split: false, maxBytes: 262144,
      // The per-camera rate limit stays on (its cost is measured) but set where a backlog drain of
      // 5,000 detections per camera never trips it; the default (20/s, burst 1000) would reject most.
      rateLimit: 1_000_000, rateBurst: 10_000_000, batch: o.batch ?? 0, batchWindow: o.batchWindow ?? 50, wires: [['counter']],
    },
    counter(o.mode ?? 'count', o.target ?? 0),
  ];
}

export interface CoreFlowOptions {
  port: number;
  clientId: string;
  clean: boolean;
  mode?: CounterMode;
  target?: number;
}

export function coreFlow(o: CoreFlowOptions): unknown[] {
  return [
    tab,
    {
      id: 'cb', type: 'mqtt-broker', name: 'bench', broker: '127.0.0.1', port: String(o.port), clientid: o.clientId, autoConnect: true, usetls: false,
      protocolVersion: '4', keepalive: '60', cleansession: o.clean, autoUnsubscribe: false,
    },
    { id: 'cin', type: 'mqtt in', z: 'tab', x: 200, y: 100, topic: DETECTION_FILTER, qos: '1', datatype: 'json', broker: 'cb', nl: false, rap: true, rh: 0, inputs: 0, wires: [['counter']] },
    counter(o.mode ?? 'count', o.target ?? 0),
  ];
}

/**
 * What an integrator builds without this package (issue 19): core `mqtt in` (json) → a function
 * node that checks the camera id against the topic, drops repeats of a message_id within 300 s
 * (a Map in the node's context, bounded at 100,000 ids) and builds the ack → core `mqtt out`
 * (QoS 1) for the ack. No schema validation: less work than lpr-detection-in does.
 */
export function integratorFlow(o: CoreFlowOptions & { ack?: boolean; topic?: string }): unknown[] {
  const func = `
const parts = msg.topic.split('/');
const cameraId = parts[parts.length - 2];
const d = msg.payload;
if (!d || typeof d !== 'object' || d.camera_id !== cameraId || typeof d.message_id !== 'string') {
  node.warn('bad detection on ' + msg.topic);
  return null;
}
let seen = context.get('seen');
if (!seen) { seen = new Map(); context.set('seen', seen); }
const now = Date.now();
const key = cameraId + '/' + d.message_id;
const at = seen.get(key);
const repeat = at !== undefined && now - at < 300000;
if (!repeat) {
  seen.delete(key);
  seen.set(key, now);
  if (seen.size > 100000) seen.delete(seen.keys().next().value);
}
const ack = ${o.ack === false ? 'null' : `{
  topic: msg.topic + '/ack',
  qos: 1,
  payload: JSON.stringify({ message_id: 'ack-' + now.toString(36) + '-' + Math.random().toString(36).slice(2), timestamp: new Date(now).toISOString(), camera_id: cameraId, ack_id: d.message_id, status: 'received' }),
}`};
return [repeat ? null : msg, ack];
`;
  return [
    tab,
    {
      id: 'cb', type: 'mqtt-broker', name: 'bench', broker: '127.0.0.1', port: String(o.port), clientid: o.clientId, autoConnect: true, usetls: false,
      protocolVersion: '4', keepalive: '60', cleansession: o.clean, autoUnsubscribe: false,
    },
    // `topic`: e.g. `$share/<group>/…` for several instances in one shared group (the scale-out).
    { id: 'cin', type: 'mqtt in', z: 'tab', x: 200, y: 100, topic: o.topic ?? DETECTION_FILTER, qos: '1', datatype: 'json', broker: 'cb', nl: false, rap: true, rh: 0, inputs: 0, wires: [['check']] },
    { id: 'check', type: 'function', z: 'tab', x: 350, y: 100, name: 'check, dedupe, ack', func, outputs: 2, wires: [['counter'], ['ackout']] },
    { id: 'ackout', type: 'mqtt out', z: 'tab', x: 500, y: 160, topic: '', qos: '', retain: '', broker: 'cb', wires: [] },
    counter(o.mode ?? 'count', o.target ?? 0),
  ];
}
