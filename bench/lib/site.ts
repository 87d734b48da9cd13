/**
 * What the site benchmarks (site.ts, growth.ts) share: the demo's flows as `npm start` deploys them
 * (examples/flows/demo-dashboard.json and detections-to-sqlite.json, read at run time, so whatever
 * the examples are is what runs), a generated watch list, seed-format detections for any camera ids
 * (a share of them carrying watch-listed plates), and cameras' health at a steady rate.
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import mqtt from 'mqtt';
import { generateDetection, latinPlate, PlatePool, Random, SIM_PROVINCES, thaiPlate } from '../../src/sim';
import { TOPIC_ROOT } from './detections';

type FlowNode = Record<string, unknown> & { id: string; type: string };

const EXAMPLES = path.resolve(__dirname, '../../examples/flows');
/** The example files the site runs: the demo dashboard (detection in, match, health, analytics, the dashboard) and the SQLite store. */
export const SITE_FILES = ['demo-dashboard.json', 'detections-to-sqlite.json'];

/** Every node of `files`, each id once (the first file wins, as `npm start` merges them). */
export function exampleNodes(files: string[] = SITE_FILES): FlowNode[] {
  const seen = new Set<string>();
  const nodes: FlowNode[] = [];
  for (const file of files) {
    for (const node of JSON.parse(readFileSync(path.join(EXAMPLES, file), 'utf8')) as FlowNode[]) {
      if (seen.has(node.id)) continue;
      seen.add(node.id);
      nodes.push(node);
    }
  }
  return nodes;
}

export interface WatchEntry {
  plate_number: string;
  province?: string;
  reason: string;
  priority: string;
}

/** `n` distinct watch-list entries (Thai and Latin plates, with a province for most), seeded. */
export function watchList(n: number, seed = 19): WatchEntry[] {
  const rng = new Random(seed);
  const seen = new Set<string>();
  const out: WatchEntry[] = [];
  const reasons = ['stolen', 'wanted', 'unpaid fines', 'expired registration', 'watch'];
  const priorities = ['low', 'medium', 'high', 'critical'];
  while (out.length < n) {
    const thai = rng.chance(0.6);
    const plate = thai ? thaiPlate(rng) : latinPlate(rng);
    if (seen.has(plate)) continue;
    seen.add(plate);
    const p = SIM_PROVINCES[rng.int(0, SIM_PROVINCES.length - 1)]!;
    const e: WatchEntry = { plate_number: plate, reason: rng.pick(reasons), priority: rng.pick(priorities) };
    if (rng.chance(0.7)) e.province = thai ? p.th : p.en;
    out.push(e);
  }
  return out;
}

export interface SiteFlowOptions {
  /** Mosquitto's port. */
  port: number;
  /** Node-RED's own port (the monitoring tab scrapes its /lpr/metrics). */
  uiPort?: number;
  /** Absolute path of the SQLite file (the example's is relative to Node-RED's working directory). */
  dbFile: string;
  /** Watch-list entries, in the list's editor rows (the `entries` property), after the example's own. */
  entries: WatchEntry[];
  /** Override properties of nodes by id (e.g. a cap raised for the growth scenario). */
  overrides?: Record<string, Record<string, unknown>>;
}

/**
 * The site's flows as users get them: every lpr-broker pointed at the bench's Mosquitto, the SQLite
 * file at `dbFile`, the watch list's editor rows extended with `entries`, the monitoring tab's scrape
 * at this Node-RED, and the debug nodes off but for the rejected-input one (as `npm start` does).
 */
export function siteFlow(o: SiteFlowOptions, files: string[] = SITE_FILES): FlowNode[] {
  const nodes = exampleNodes(files);
  for (const node of nodes) {
    if (node.type === 'lpr-broker') {
      node.broker = '127.0.0.1';
      node.port = o.port;
    } else if (node.type === 'sqlitedb') node.db = o.dbFile;
    else if (node.type === 'lpr-blacklist') node.entries = [...((node.entries as unknown[]) ?? []), ...o.entries];
    else if (node.type === 'http request' && typeof node.url === 'string' && o.uiPort) node.url = node.url.replace(/^http:\/\/(127\.0\.0\.1|localhost):\d+\//, `http://127.0.0.1:${o.uiPort}/`);
    else if (node.type === 'debug') node.active = node.id === 'lpr-dash-debug-rejected';
    Object.assign(node, o.overrides?.[node.id]);
  }
  return nodes;
}

/** The site flow's lpr-detection-in nodes, for a "detection path alone" baseline built from the same nodes. */
export function detectionNodes(flow: FlowNode[]): FlowNode[] {
  return flow.filter((n) => n.type === 'lpr-detection-in');
}

/**
 * Seed-format detections (the simulator's generator) for the given camera ids, in turn, each with a
 * fresh `message_id` and the camera's checkpoint; `watchRatio` of plates are drawn from `watched`.
 */
export class SiteDetections {
  private readonly rng: Random;
  private readonly pool: PlatePool;
  private next = 0;

  constructor(
    readonly cameras: string[],
    watched: string[],
    private readonly watchRatio: number,
    seed = 7,
    /** Cameras per checkpoint (in id order); 1: each camera its own checkpoint. */
    private readonly perCheckpoint = 1,
  ) {
    this.rng = new Random(seed);
    this.pool = new PlatePool(this.rng, { poolSize: 20_000, thaiRatio: 0.5, blacklisted: watched });
  }

  /** The next camera's detection; `metadata.bench_sent_at` is set by the caller just before sending. */
  make(now = Date.now()): { cameraId: string; messageId: string; body: Record<string, unknown> & { metadata: Record<string, unknown> } } {
    const index = this.next++ % this.cameras.length;
    const cameraId = this.cameras[index]!;
    const { detection } = generateDetection(this.rng, { cameraId, pool: this.pool, blacklistRatio: this.watchRatio }, { confidenceThreshold: 0.7, maxVehiclesPerFrame: 3 }, now);
    const messageId = randomUUID();
    const body = { message_id: messageId, timestamp: new Date(now).toISOString(), checkpoint_id: this.perCheckpoint === 1 ? `CP${cameraId.slice(3)}` : `CP${Math.floor(index / this.perCheckpoint) + 1}`, ...detection };
    return { cameraId, messageId, body };
  }
}

export function cameraIdList(n: number, width = 3): string[] {
  return Array.from({ length: n }, (_, i) => `CAM${String(i + 1).padStart(width, '0')}`);
}

function healthPayload(camera: string, cpu: number): string {
  return JSON.stringify({
    message_id: randomUUID(),
    timestamp: new Date().toISOString(),
    camera_id: camera,
    health_status: 'healthy',
    health_details: { cpu_usage: cpu, memory_usage: 55.1, disk_usage: 23.1, network_status: 'connected', camera_status: 'active', uptime_seconds: 86400, temperature: 42.5 },
    alerts: [],
  });
}

/**
 * Health of every camera in `ids` once per `periodMs`, spread evenly (one client, QoS 0 retained, as
 * the protocol's policy has it); about 1 % of reports run hot, so the monitor has state changes to send.
 */
export function startHealth(url: string, ids: string[], periodMs: number) {
  const client = mqtt.connect(url, { clientId: `bench-health-${process.pid}`, reconnectPeriod: 0 });
  const rng = new Random(3);
  const tickMs = 20;
  const started = performance.now();
  let sent = 0;
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) * ids.length) / periodMs);
    while (sent < due) {
      const id = ids[sent % ids.length]!;
      const cpu = rng.chance(0.01) ? rng.range(85, 99) : rng.range(30, 60);
      client.publish(`${TOPIC_ROOT}/cameras/${id}/health`, healthPayload(id, Math.round(cpu * 10) / 10), { qos: 0, retain: true });
      sent++;
    }
  }, tickMs);
  return {
    sent: () => sent,
    stop: async () => {
      clearInterval(timer);
      await client.endAsync();
    },
  };
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
