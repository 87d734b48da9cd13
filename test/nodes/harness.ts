/** Node-RED test-helper set-up shared by the node tests: the built nodes, a flow builder, collectors. */
import helper from 'node-red-node-test-helper';
import type { Mosquitto } from '../fixtures/mosquitto';
import { waitUntil } from '../fixtures/wait';

helper.init(require.resolve('node-red'));

// The tests exercise what ships: dist/, built by `npm test` before mocha runs.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const brokerNode = require('../../dist/lpr-broker.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const detectionInNode = require('../../dist/lpr-detection-in.js');

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const healthMonitorNode = require('../../dist/lpr-health-monitor.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const catchNode = require('@node-red/nodes/core/common/25-catch.js');

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const functionNode = require('@node-red/nodes/core/function/10-function.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const runtimeHooks = require('@node-red/util').hooks;

/**
 * node-red-node-test-helper builds the node API from a runtime stub without `hooks` (a real
 * runtime passes RED.hooks, since Node-RED 2). Hand the node the runtime's own hooks engine, the
 * one Node-RED's nodes report completions to (for ackWhen "complete").
 */
export const detectionInWithHooks = (RED: any) => {
  if (!RED.hooks) RED.hooks = runtimeHooks;
  return detectionInNode(RED);
};

/** Every module the node tests load. */
export const allNodes = [brokerNode, detectionInNode, healthMonitorNode, catchNode];

export { helper };

export function brokerConfig(mosquitto: Mosquitto, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'broker',
    type: 'lpr-broker',
    name: 'test broker',
    broker: '127.0.0.1',
    port: mosquitto.port,
    protocolVersion: 4,
    clientId: '',
    cleanSession: true,
    sessionExpiry: 0,
    keepalive: 60,
    reconnectPeriod: 0.2,
    connectTimeout: 5,
    topicRoot: 'lprserver',
    usetls: false,
    birth: true,
    queueLimit: 1000,
    ...extra,
  };
}

/** An lpr-detection-in `in` on `broker` for all cameras: acks on, dedupe 300 s over 1000 ids, no rate limit. */
export function detectionInConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'in',
    type: 'lpr-detection-in',
    broker: 'broker',
    camera: '',
    sharedGroup: '',
    ack: true,
    dedupe: 300,
    dedupeSize: 1000,
    split: false,
    maxBytes: 262144,
    rateLimit: 0,
    ...extra,
  };
}

/** Mocha hooks: a fresh Node-RED test server for each test, its flows unloaded after it. */
export function useHelperServer(): void {
  beforeEach((done) => {
    helper.startServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
  });
}

/** Collects the messages a node receives. */
export function collect(nodeId: string): any[] {
  const node = helper.getNode(nodeId);
  const seen: any[] = [];
  node.on('input', (msg: any) => seen.push(msg));
  return seen;
}

/**
 * Records what a node warns, also while its flow stops: the test helper stops recording the log
 * (helper.log()) before it stops the flows, so warnings made on close would be missed there.
 */
export function recordWarnings(nodeId: string): string[] {
  const node = helper.getNode(nodeId) as any;
  const seen: string[] = [];
  const warn = node.warn.bind(node);
  node.warn = (m: unknown) => {
    seen.push(String(m));
    warn(m);
  };
  return seen;
}

/** Waits until the lpr-broker is connected and `filters` subscriptions are granted. */
export async function waitReady(brokerId = 'broker', filters = 1): Promise<void> {
  const broker = helper.getNode(brokerId) as any;
  let granted = 0;
  broker.connection.on('subscribed', () => granted++);
  await waitUntil(() => broker.connection.state === 'connected' && granted >= filters, 'broker connected and subscribed');
}
