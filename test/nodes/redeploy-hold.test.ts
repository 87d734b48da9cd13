/**
 * Two lpr-detection-in on all cameras (one filter) while detections stream from a camera that
 * resends what is not acked, through a real Mosquitto: modified-nodes redeploys of one of them,
 * and a full redeploy. Each node must emit every detection exactly once: a redeployed node gets
 * what arrived while it was down (the other one acked it, so the camera never sends it again).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { detection } from '../fixtures/samples';
import { sleep, waitUntil } from '../fixtures/wait';
import { allNodes, brokerConfig, helper, useHelperServer, waitReady } from './harness';

/** What each record node saw: `A <message_id>` / `B <message_id>`, over every incarnation of the flow. */
const records: string[] = [];

/**
 * A sink that outlives redeploys in what it counts (a module-level array). It takes `closeMs` to
 * close, as a database node closing its pool does: Node-RED starts the redeployed nodes only once
 * every stopped node has closed, so that is how long lpr-detection-in A is away.
 */
function recordNode(RED: any): void {
  RED.nodes.registerType('record', function (this: any, config: any) {
    RED.nodes.createNode(this, config);
    this.on('input', (msg: any, _send: unknown, done: () => void) => {
      records.push(`${config.name} ${msg.payload.message_id}`);
      done();
    });
    this.on('close', (_removed: boolean, done: () => void) => {
      setTimeout(done, Number(config.closeMs) || 0);
    });
  });
}

/** `nameA` changes lpr-detection-in A and its sink together: a modified-nodes deploy of both. */
function flow(mosquitto: Mosquitto, nameA = 'A'): any[] {
  const din = { type: 'lpr-detection-in', broker: 'broker', camera: '', sharedGroup: '', ack: true, dedupe: 300, dedupeSize: 10_000, split: false, maxBytes: 262144, rateLimit: 0 };
  return [
    brokerConfig(mosquitto),
    { id: 'inA', name: nameA, ...din, wires: [['recA']] },
    { id: 'inB', name: 'B', ...din, wires: [['recB']] },
    { id: 'recA', type: 'record', name: 'A', closeMs: 150, info: nameA },
    { id: 'recB', type: 'record', name: 'B' },
  ];
}

/**
 * A camera in the test process: publishes `total` detections over two camera ids at a steady pace
 * (QoS 1), and sends again every one not acked within `ackTimeoutMs`, until all are acked.
 */
class ResendingCamera {
  readonly ids: string[];
  private readonly acked = new Set<string>();
  private readonly sentAt = new Map<string, number>();
  resends = 0;
  private stopped = false;

  constructor(
    private readonly client: MqttClient,
    total: number,
    private readonly ackTimeoutMs = 1000,
  ) {
    this.ids = Array.from({ length: total }, (_, i) => `d-${i}`);
  }

  static async connect(mosquitto: Mosquitto, total: number): Promise<ResendingCamera> {
    const client = mqtt.connect(mosquitto.url, { clientId: `cam-${process.pid}-${Date.now()}`, reconnectPeriod: 200 });
    client.on('error', () => {});
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    const camera = new ResendingCamera(client, total);
    client.on('message', (_topic, payload) => {
      try {
        camera.acked.add(JSON.parse(payload.toString()).ack_id);
      } catch {
        // not ours
      }
    });
    await client.subscribeAsync('lprserver/cameras/+/detection/ack', { qos: 1 });
    return camera;
  }

  private send(id: string): Promise<unknown> {
    const cam = Number(id.slice(2)) % 2 === 0 ? 'CAM001' : 'CAM002';
    this.sentAt.set(id, Date.now());
    return this.client.publishAsync(`lprserver/cameras/${cam}/detection`, JSON.stringify(detection(cam, id)), { qos: 1 });
  }

  /** Streams every detection (20 at a time, then 5 ms), then resends until all are acked. */
  async run(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let i = 0; i < this.ids.length && !this.stopped; i += 20) {
      await Promise.all(this.ids.slice(i, i + 20).map((id) => this.send(id)));
      await sleep(5);
      await this.resendDue();
    }
    while (!this.stopped && this.acked.size < this.ids.length) {
      if (Date.now() > deadline) throw new Error(`camera: ${this.ids.length - this.acked.size} detection(s) never acked`);
      await this.resendDue();
      await sleep(50);
    }
  }

  private async resendDue(): Promise<void> {
    const due = Date.now() - this.ackTimeoutMs;
    const late = this.ids.filter((id) => !this.acked.has(id) && (this.sentAt.get(id) ?? Infinity) < due);
    this.resends += late.length;
    await Promise.all(late.map((id) => this.send(id)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client.endAsync(true);
  }
}

/** How many times each of `ids` was emitted by node `name`. */
function emitted(name: string, ids: string[]): { missing: string[]; twice: string[] } {
  const counts = new Map<string, number>();
  for (const r of records) {
    const [who, id] = r.split(' ');
    if (who === name) counts.set(id!, (counts.get(id!) ?? 0) + 1);
  }
  return { missing: ids.filter((id) => !counts.has(id)), twice: ids.filter((id) => (counts.get(id) ?? 0) > 1) };
}

describe('two lpr-detection-in on one filter across redeploys', function () {
  this.timeout(60_000);
  let mosquitto: Mosquitto;
  let userDir: string;

  before(async () => {
    mosquitto = await startMosquitto();
  });
  after(async () => {
    await mosquitto?.stop();
  });
  beforeEach(() => {
    records.length = 0;
    // A user directory: the dedupe journal keeps each node's window across a full redeploy.
    userDir = mkdtempSync(path.join(os.tmpdir(), 'lpr-redeploy-'));
    helper.settings({ userDir });
  });
  afterEach(() => {
    helper.settings({});
    rmSync(userDir, { recursive: true, force: true });
  });
  useHelperServer();

  const TOTAL = 3000;

  async function streamWith(redeploy: (k: number) => Promise<void>, at: number[]): Promise<ResendingCamera> {
    await helper.load([...allNodes, recordNode], flow(mosquitto));
    await waitReady();
    const camera = await ResendingCamera.connect(mosquitto, TOTAL);
    try {
      const streaming = camera.run(45_000);
      for (const [k, threshold] of at.entries()) {
        await waitUntil(() => records.filter((r) => r.startsWith('B ')).length >= threshold, `${threshold} detections at B`, 30_000);
        await redeploy(k);
      }
      await streaming;
      await waitUntil(
        () => emitted('A', camera.ids).missing.length === 0 && emitted('B', camera.ids).missing.length === 0,
        'every detection at both nodes',
        15_000,
      ).catch(() => {});
      await sleep(300); // anything late would show as twice
    } finally {
      await camera.stop();
    }
    return camera;
  }

  function assertExactlyOnce(camera: ResendingCamera): void {
    for (const name of ['A', 'B']) {
      const { missing, twice } = emitted(name, camera.ids);
      assert.deepEqual(
        { missing: missing.length, twice: twice.length },
        { missing: 0, twice: 0 },
        `node ${name}: ${missing.length} lost (${missing.slice(0, 5).join(', ')}), ${twice.length} twice (${twice.slice(0, 5).join(', ')})`,
      );
    }
    const broker = helper.getNode('broker') as any;
    assert.equal(broker.connection.metrics.messagesDropped, 0, 'nothing dropped from a hold');
  }

  it('modified-nodes redeploys of one node mid-stream: both emit every detection exactly once', async () => {
    const camera = await streamWith(async (k) => {
      await helper.setFlows(flow(mosquitto, `A-${k}`), 'nodes');
    }, [400, 1200, 2000]);
    assert.equal(helper.getNode('inA').name, 'A-2', 'inA was redeployed');
    assertExactlyOnce(camera);
  });

  it('a full redeploy mid-stream: both emit every detection exactly once (the camera resends what was not acked)', async () => {
    const camera = await streamWith(async () => {
      await helper.setFlows(flow(mosquitto), 'full');
    }, [1000]);
    assertExactlyOnce(camera);
  });
});
