/**
 * Seed-format detections for the benchmarks, made by the simulator's generator (src/sim: 1-3
 * vehicles, Latin and Thai plates with provinces, realistic boxes and metadata), each with its own
 * `message_id`, spread over several cameras; and a QoS 1 publisher that keeps a bounded window of
 * unacknowledged publishes, so "all acknowledged" means the broker holds every message.
 */
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { generateDetection, PlatePool, Random } from '../../src/sim';

export interface Outgoing {
  topic: string;
  payload: string;
  messageId: string;
}

export const TOPIC_ROOT = 'lprserver';
export const DETECTION_FILTER = `${TOPIC_ROOT}/cameras/+/detection`;

export function cameraIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `CAM${String(i + 1).padStart(3, '0')}`);
}

export class DetectionFactory {
  private readonly rng: Random;
  private readonly pool: PlatePool;
  private readonly cameras: string[];
  private next = 0;

  constructor(cameras: number, seed = 42) {
    this.rng = new Random(seed);
    this.pool = new PlatePool(this.rng, { poolSize: 20_000, thaiRatio: 0.5, blacklisted: [] });
    this.cameras = cameraIds(cameras);
  }

  /** One detection; `extra` goes into `metadata` (e.g. the publish time for latency). */
  make(now = Date.now()): { cameraId: string; messageId: string; body: Record<string, unknown> } {
    const cameraId = this.cameras[this.next++ % this.cameras.length]!;
    const { detection } = generateDetection(this.rng, { cameraId, pool: this.pool, blacklistRatio: 0 }, { confidenceThreshold: 0.7, maxVehiclesPerFrame: 3 }, now);
    const messageId = randomUUID();
    const body = { message_id: messageId, timestamp: new Date(now).toISOString(), checkpoint_id: `CP${cameraId.slice(3)}`, ...detection };
    return { cameraId, messageId, body };
  }

  batch(n: number): Outgoing[] {
    const now = Date.now();
    const out: Outgoing[] = [];
    for (let i = 0; i < n; i++) {
      const d = this.make(now + i);
      out.push({ topic: `${TOPIC_ROOT}/cameras/${d.cameraId}/detection`, payload: JSON.stringify(d.body), messageId: d.messageId });
    }
    return out;
  }
}

export function sizeStats(items: Outgoing[]): { meanBytes: number; minBytes: number; maxBytes: number } {
  let sum = 0;
  let min = Infinity;
  let max = 0;
  for (const m of items) {
    const n = Buffer.byteLength(m.payload);
    sum += n;
    min = Math.min(min, n);
    max = Math.max(max, n);
  }
  return { meanBytes: Math.round(sum / items.length), minBytes: min, maxBytes: max };
}

/** Publishes every item at QoS 1 and resolves once the broker has acknowledged them all. */
export async function publishAll(url: string, items: Outgoing[], window = 1000, timeoutMs = 300_000): Promise<number> {
  const client = await mqtt.connectAsync(url, { clientId: `bench-pub-${process.pid}`, clean: true, reconnectPeriod: 0 });
  const started = performance.now();
  try {
    await new Promise<void>((resolve, reject) => {
      let sent = 0;
      let acked = 0;
      const timer = setTimeout(() => reject(new Error(`publishing timed out: ${acked}/${items.length} acknowledged`)), timeoutMs);
      const pump = () => {
        while (sent < items.length && sent - acked < window) {
          const m = items[sent++]!;
          client.publish(m.topic, m.payload, { qos: 1 }, (err) => {
            if (err) {
              clearTimeout(timer);
              reject(err);
              return;
            }
            if (++acked === items.length) {
              clearTimeout(timer);
              resolve();
            } else pump();
          });
        }
      };
      pump();
    });
  } finally {
    await client.endAsync();
  }
  return (performance.now() - started) / 1000;
}

/** Creates (or refreshes) a persistent session subscribed to `filter`, then leaves it offline. */
export async function createSession(url: string, clientId: string, filter: string): Promise<void> {
  const client = await mqtt.connectAsync(url, { clientId, clean: false, protocolVersion: 4, reconnectPeriod: 0 });
  await client.subscribeAsync(filter, { qos: 1 });
  await client.endAsync();
}
