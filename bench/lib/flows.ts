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
      rateLimit: 1_000_000, rateBurst: 10_000_000, wires: [['counter']],
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
