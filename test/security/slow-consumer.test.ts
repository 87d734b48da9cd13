/**
 * A burst of 50,000 detections into a flow whose consumer is slow (a function node that blocks the
 * event loop in batches), through the broker lpr-mosquitto configures: every message_id reaches the
 * output. The same burst against Mosquitto's stock queue limit (max_queued_messages 1000) is run for
 * comparison and printed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createReadStream, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startProvisionedMosquitto, type ProvisionedMosquitto } from '../fixtures/provisioned-mosquitto';
import { detection } from '../fixtures/samples';
import { brokerNode, detectionInNode, helper, waitReady } from '../nodes/harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const functionNode = require('@node-red/nodes/core/function/10-function.js');

const CAMERAS = Array.from({ length: 10 }, (_, i) => `CAM${String(i + 1).padStart(2, '0')}`);
const PER_CAMERA = 5_000;
const TOTAL = CAMERAS.length * PER_CAMERA;
/** Every 200 messages the consumer blocks the event loop for 40 ms: at most ~5,000 messages/s. */
const SLOW_FUNCTION = `
const n = (context.get('n') || 0) + 1;
context.set('n', n);
if (n % 200 === 0) { const until = Date.now() + 40; while (Date.now() < until) {} }
return msg;`;

/** Publishes `lines` (one JSON detection each) as camera `id` with `mosquitto_pub -l` (QoS 1), a separate process. */
function publishLines(broker: ProvisionedMosquitto, id: string, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'mosquitto_pub',
      ['-h', '127.0.0.1', '-p', String(broker.port), '-u', id, '-P', broker.credentials.get(id)!, '-i', `pub-${id}`, '-t', `lprserver/cameras/${id}/detection`, '-q', '1', '-l'],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    createReadStream(file).pipe(child.stdin);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mosquitto_pub ${id} exited ${code}: ${stderr}`))));
  });
}

interface Outcome {
  received: number;
  distinct: number;
  publishMs: number;
  totalMs: number;
}

async function burst(broker: ProvisionedMosquitto, stallMs: number, maxMs = 85_000): Promise<Outcome> {
  const flow = [
    {
      id: 'broker', type: 'lpr-broker', broker: '127.0.0.1', port: broker.port, protocolVersion: 4, clientId: 'lpr-slow-consumer-test', cleanSession: false,
      sessionExpiry: 86400, keepalive: 60, reconnectPeriod: 0.2, connectTimeout: 5, topicRoot: 'lprserver', usetls: false, birth: true, queueLimit: 100_000,
    },
    // Acks on, dedupe on, rate limit off (this is a burst on purpose).
    { id: 'in', type: 'lpr-detection-in', broker: 'broker', camera: '', sharedGroup: '', ack: true, dedupe: 300, dedupeSize: 100_000, split: false, maxBytes: 262144, rateLimit: 0, wires: [['slow']] },
    { id: 'slow', type: 'function', name: 'slow consumer', func: SLOW_FUNCTION, outputs: 1, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], wires: [['out']] },
    { id: 'out', type: 'helper' },
  ];
  await helper.load([brokerNode, detectionInNode, functionNode], flow, { broker: { user: 'lprserver', password: broker.credentials.get('lprserver')! } });
  const ids = new Set<string>();
  let received = 0;
  helper.getNode('out').on('input', (msg: any) => {
    received++;
    ids.add(msg.payload.message_id);
  });
  await waitReady();

  const files = CAMERAS.map((id) => {
    const file = path.join(broker.dir, `${id}.ndjson`);
    const lines: string[] = [];
    for (let i = 0; i < PER_CAMERA; i++) lines.push(JSON.stringify(detection(id, `${id}-${i}`)));
    writeFileSync(file, lines.join('\n') + '\n');
    return file;
  });
  const started = Date.now();
  await Promise.all(CAMERAS.map((id, i) => publishLines(broker, id, files[i]!)));
  const publishMs = Date.now() - started;
  // Wait for all, or until nothing has arrived for `stallMs` (what is missing by then was dropped).
  let last = -1;
  let lastChange = Date.now();
  while (ids.size < TOTAL && Date.now() - lastChange < stallMs && Date.now() - started < maxMs) {
    if (ids.size !== last) {
      last = ids.size;
      lastChange = Date.now();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { received, distinct: ids.size, publishMs, totalMs: Date.now() - started };
}

describe('reliability: a slow flow consuming a burst of 50,000 detections', function () {
  this.timeout(150_000);
  let broker: ProvisionedMosquitto | undefined;

  beforeEach((done) => {
    helper.startServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
    await broker?.stop();
    broker = undefined;
  });

  it('with the lpr-mosquitto broker config: 0 lost, 0 duplicates', async () => {
    broker = await startProvisionedMosquitto({ cameras: CAMERAS });
    const r = await burst(broker, 10_000);
    console.log(
      `      generated config (max_queued_messages ${broker.options.maxQueuedMessages}): ${r.distinct}/${TOTAL} delivered, ${r.received - r.distinct} duplicates; ` +
        `published in ${(r.publishMs / 1000).toFixed(1)} s, consumed in ${(r.totalMs / 1000).toFixed(1)} s (${Math.round(TOTAL / (r.totalMs / 1000))}/s)`,
    );
    assert.equal(r.distinct, TOTAL, `${TOTAL - r.distinct} detections lost`);
    assert.equal(r.received, TOTAL, 'no duplicates');
  });

  it('for comparison, Mosquitto\'s stock queue limit (max_queued_messages 1000) with the same burst', async () => {
    broker = await startProvisionedMosquitto({ cameras: CAMERAS, maxQueuedMessages: 1000 });
    const r = await burst(broker, 3_000);
    console.log(`      stock limit (max_queued_messages 1000): ${r.distinct}/${TOTAL} delivered, ${TOTAL - r.distinct} lost, in ${(r.totalMs / 1000).toFixed(1)} s`);
    // If the stock limit lost nothing, the burst did not outrun the consumer and the test above proved nothing.
    assert.ok(r.distinct < TOTAL, 'the burst must overflow a 1000-message queue, or the slow consumer is not slow enough');
  });
});
