/**
 * A whole site (issue 19, part 4): `npm run bench -- site [--duration 60] [--rounds 1]`.
 *
 * The demo's flows as `npm start` deploys them (examples/flows/demo-dashboard.json: detection in,
 * recent reads, blacklist match on the watch list, alerts, health monitor, the camera table,
 * analytics and the system monitor, all on FlowFuse Dashboard 2; plus detections-to-sqlite.json, the
 * SQLite store), read from examples/ at run time, in a Node-RED process of its own against a real
 * Mosquitto. The watch list's editor rows (its `entries` property, what the editor's CSV import
 * fills) hold the demo's 2 plates plus 100,000 generated ones; the SQLite file is a temp file.
 *
 * Load: 200 cameras, each its own MQTT client subscribed to its `detection/ack` topic like a real
 * camera, each sending 5 seed-format detections/s at QoS 1 (1,000/s; 1 % of plates on the watch
 * list), plus health from 10,000 cameras every 10 s (1,000 msg/s, QoS 0 retained, one client).
 * 10 s of warm-up (every camera's health once), then `--duration` seconds measured.
 *
 * Figures: Node-RED's and Mosquitto's CPU (cores, from /proc) and RSS; camera-to-row latency: the
 * camera stamps each detection with performance.now() as it publishes it; this process polls the
 * SQLite file (read-only, WAL) every 10 ms for new rows and notes performance.now() when a
 * detection's first row shows up: one clock, no cross-process offset; the poll adds 0-10 ms (plus
 * the query), so figures are upper bounds by at most ~10 ms. Camera-to-ack: first and last ack a
 * camera got for the detection (the SQLite tab's detection-in acks on completion, after the row).
 *
 * Baselines in the same run, each in a fresh Node-RED and Mosquitto: the site flow idle (no camera,
 * no health), and the detection path alone (one lpr-detection-in, as on the demo tab, acks on, wired
 * to nothing) under the same 200 cameras. With `--rounds N` the three runs are interleaved N times
 * and medians reported.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { freePort } from '../test/fixtures/mosquitto';
import { option } from './lib/args';
import { startBenchBroker } from './lib/broker';
import { TOPIC_ROOT } from './lib/detections';
import { startNodeRed } from './lib/node-red-host';
import { cpuShare, sample } from './lib/proc-stats';
import { printTable, saveResult } from './lib/report';
import { cameraIdList, detectionNodes, median, percentile, SiteDetections, siteFlow, startHealth, watchList } from './lib/site';

const DURATION_S = option('duration', 60);
const ROUNDS = option('rounds', 1);
const CAMERAS = option('cameras', 200);
const PER_CAMERA = option('per-camera', 5);
const HEALTH_CAMERAS = option('health-cameras', 10_000);
const WATCH = option('watchlist', 100_000);
const WATCH_RATIO = 0.01;
const HEALTH_PERIOD_MS = 10_000;
const WARMUP_S = 10;
const POLL_MS = 10;
const COMMAND = 'npm run bench -- site';
const SITE_SETTINGS = "contextStorage: { default: 'memory', memory: { module: 'memory' }, file: { module: 'localfilesystem' } }, telemetry: { enabled: false }";

interface Statement {
  finalize(cb?: () => void): void;
  all(params: unknown[], cb: (err: Error | null, rows: Array<{ id: number; message_id: string }>) => void): void;
}
interface Db {
  get(sql: string, cb: (err: Error | null, row: unknown) => void): void;
  prepare(sql: string): Statement;
  close(cb?: () => void): void;
}
const sqlite3 = createRequire(require.resolve('node-red-node-sqlite/package.json'))('sqlite3') as {
  Database: new (file: string, mode: number, cb: (err: Error | null) => void) => Db;
  OPEN_READONLY: number;
};

/** Polls the detections table for new rows, noting when each message_id's first row appeared. */
async function watchRows(file: string, seen: Map<string, number>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let db: Db | undefined;
  // The flow creates the file and the table a moment after it starts.
  for (;;) {
    try {
      db = await new Promise<Db>((resolve, reject) => {
        const d = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (e) => (e ? reject(e) : resolve(d)));
      });
      await new Promise<void>((resolve, reject) => db!.get('SELECT 1 FROM detections LIMIT 1', (e) => (e ? reject(e) : resolve())));
      break;
    } catch (err) {
      db?.close();
      db = undefined;
      if (Date.now() > deadline) throw new Error(`no detections table in ${file} after ${timeoutMs / 1000} s: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const query = db.prepare('SELECT id, message_id FROM detections WHERE id > ? ORDER BY id LIMIT 20000');
  let last = 0;
  let rows = 0;
  let stopped = false;
  const poll = () => {
    if (stopped) return;
    query.all([last], (err, found) => {
      const t = performance.now();
      if (!err) {
        for (const r of found) {
          last = r.id;
          rows++;
          if (!seen.has(r.message_id)) seen.set(r.message_id, t);
        }
      }
      setTimeout(poll, POLL_MS);
    });
  };
  poll();
  return {
    rows: () => rows,
    stop: () => {
      stopped = true;
      query.finalize(() => db!.close());
    },
  };
}

interface Camera {
  client: mqtt.MqttClient;
}

/** `n` cameras, each its own client subscribed to its ack topic; acks noted by ack_id (first, last, count). */
async function startCameras(url: string, ids: string[], acks: Map<string, { first: number; last: number; n: number }>): Promise<Map<string, Camera>> {
  const cameras = new Map<string, Camera>();
  await Promise.all(
    ids.map(async (id) => {
      const client = await mqtt.connectAsync(url, { clientId: `bench-${id}-${process.pid}`, clean: true, reconnectPeriod: 0 });
      client.on('message', (_topic, payload) => {
        const t = performance.now();
        try {
          const ack = JSON.parse(payload.toString()) as { ack_id?: string };
          if (typeof ack.ack_id !== 'string') return;
          const a = acks.get(ack.ack_id);
          if (a) {
            a.last = t;
            a.n++;
          } else acks.set(ack.ack_id, { first: t, last: t, n: 1 });
        } catch {
          // not an ack
        }
      });
      await client.subscribeAsync(`${TOPIC_ROOT}/cameras/${id}/detection/ack`, { qos: 1 });
      cameras.set(id, { client });
    }),
  );
  return cameras;
}

/** Publishes detections at `rate`/s in turn over the cameras until stopped, noting each send time. */
function pace(cameras: Map<string, Camera>, factory: SiteDetections, rate: number, sentAt: Map<string, number>) {
  const start = performance.now();
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const due = Math.floor(((performance.now() - start) * rate) / 1000);
    while (sent < due) {
      const d = factory.make();
      const t = performance.now();
      d.body.metadata.bench_sent_at = t;
      sentAt.set(d.messageId, t);
      cameras.get(d.cameraId)!.client.publish(`${TOPIC_ROOT}/cameras/${d.cameraId}/detection`, JSON.stringify(d.body), { qos: 1 });
      sent++;
    }
    timer = setTimeout(tick, 2);
  };
  tick();
  return { sent: () => sent, stop: () => clearTimeout(timer) };
}

type Kind = 'idle' | 'detection' | 'site';
const LABELS: Record<Kind, string> = {
  idle: 'site flow, idle (no camera, no health)',
  detection: 'detection path alone (1 lpr-detection-in, acks on)',
  site: 'whole site',
};

interface RunResult {
  kind: Kind;
  loadAverage: number;
  detPerSec: number;
  healthPerSec: number;
  nodeRedCores: number;
  nodeRedRssMB: number;
  nodeRedPeakRssMB: number;
  mosquittoCores: number;
  benchCores: number;
  measured: number;
  withRow: number;
  rowsPerSec: number;
  rowP50: number;
  rowP99: number;
  rowMax: number;
  acked: number;
  acksPerDetection: number;
  firstAckP50: number;
  firstAckP99: number;
  lastAckP50: number;
  lastAckP99: number;
}

async function run(kind: Kind, entries: ReturnType<typeof watchList>): Promise<RunResult> {
  const broker = await startBenchBroker();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lpr-bench-site-'));
  const dbFile = path.join(dir, 'lpr-detections.db');
  const uiPort = await freePort();
  const site = siteFlow({ port: broker.port, uiPort, dbFile, entries });
  const flow =
    kind === 'detection'
      ? [
          { id: 'tab', type: 'tab', label: 'bench' },
          site.find((n) => n.type === 'lpr-broker')!,
          { ...detectionNodes(site).find((n) => n.id === 'lpr-dash-detection-in')!, z: 'tab', images: false, wires: [[]] },
        ]
      : site;
  // The demo's context stores (scripts/demo/user-dir.mjs): the dashboard keeps its language in "file".
  const red = await startNodeRed(flow, { port: uiPort, settings: SITE_SETTINGS });
  const sentAt = new Map<string, number>();
  const rowAt = new Map<string, number>();
  const acks = new Map<string, { first: number; last: number; n: number }>();
  const ids = cameraIdList(CAMERAS);
  let cameras: Map<string, Camera> | undefined;
  let rows: Awaited<ReturnType<typeof watchRows>> | undefined;
  let health: ReturnType<typeof startHealth> | undefined;
  let pacer: ReturnType<typeof pace> | undefined;
  try {
    if (kind === 'site') rows = await watchRows(dbFile, rowAt);
    if (kind !== 'idle') {
      cameras = await startCameras(broker.url, ids, acks);
      pacer = pace(cameras, new SiteDetections(ids, entries.slice(0, 50).map((e) => e.plate_number), WATCH_RATIO), CAMERAS * PER_CAMERA, sentAt);
    }
    if (kind === 'site') health = startHealth(broker.url, cameraIdList(HEALTH_CAMERAS), HEALTH_PERIOD_MS);
    await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
    const from = performance.now();
    const sent0 = pacer?.sent() ?? 0;
    const health0 = health?.sent() ?? 0;
    const rows0 = rows?.rows() ?? 0;
    const a = { red: sample(red.pid), mq: broker.pid ? sample(broker.pid) : null, self: process.cpuUsage() };
    let peak = a.red.rssBytes;
    const seconds = kind === 'idle' ? Math.min(DURATION_S, 20) : DURATION_S;
    for (let s = 0; s < seconds; s++) {
      await new Promise((r) => setTimeout(r, 1000));
      peak = Math.max(peak, sample(red.pid).rssBytes);
    }
    const b = { red: sample(red.pid), mq: broker.pid ? sample(broker.pid) : null, self: process.cpuUsage(a.self) };
    const to = performance.now();
    const elapsed = (b.red.at - a.red.at) / 1000;
    const sentInWindow = (pacer?.sent() ?? 0) - sent0;
    const rowsInWindow = (rows?.rows() ?? 0) - rows0;
    pacer?.stop();
    await health?.stop();
    // The tail: wait until every measured detection has its row and its acks (or 20 s).
    const measuredIds = [...sentAt].filter(([, t]) => t >= from && t < to).map(([id]) => id);
    const tailUntil = Date.now() + 20_000;
    while (Date.now() < tailUntil && measuredIds.some((id) => (rows && !rowAt.has(id)) || !acks.has(id))) await new Promise((r) => setTimeout(r, 200));
    await new Promise((r) => setTimeout(r, 500));
    const lat = (pick: (id: string) => number | undefined) => Float64Array.from(measuredIds.flatMap((id) => { const t = pick(id); return t === undefined ? [] : [t - sentAt.get(id)!]; })).sort();
    const row = lat((id) => rowAt.get(id));
    const first = lat((id) => acks.get(id)?.first);
    const last = lat((id) => acks.get(id)?.last);
    const ackCounts = measuredIds.map((id) => acks.get(id)?.n ?? 0);
    return {
      kind,
      loadAverage: os.loadavg()[0]!,
      detPerSec: sentInWindow / elapsed,
      healthPerSec: health ? (health.sent() - health0) / elapsed : 0,
      nodeRedCores: cpuShare(a.red, b.red),
      nodeRedRssMB: b.red.rssBytes / 2 ** 20,
      nodeRedPeakRssMB: peak / 2 ** 20,
      mosquittoCores: a.mq && b.mq ? cpuShare(a.mq, b.mq) : NaN,
      benchCores: (b.self.user + b.self.system) / 1e6 / elapsed,
      measured: measuredIds.length,
      withRow: row.length,
      rowsPerSec: rowsInWindow / elapsed,
      rowP50: percentile(row, 50),
      rowP99: percentile(row, 99),
      rowMax: row[row.length - 1] ?? NaN,
      acked: first.length,
      acksPerDetection: ackCounts.reduce((s, n) => s + n, 0) / (ackCounts.length || 1),
      firstAckP50: percentile(first, 50),
      firstAckP99: percentile(first, 99),
      lastAckP50: percentile(last, 50),
      lastAckP99: percentile(last, 99),
    };
  } catch (err) {
    throw new Error(`${kind}: ${(err as Error).message}\n${red.log().slice(-3000)}`);
  } finally {
    pacer?.stop();
    await health?.stop().catch(() => undefined);
    rows?.stop();
    if (cameras) await Promise.all([...cameras.values()].map((c) => c.client.endAsync()));
    const log = red.log();
    await red.stop();
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
    if (/Waiting for missing types|missing node types/i.test(log)) throw new Error(`${kind}: Node-RED is missing node types:\n${log.slice(-2000)}`);
  }
}

async function main() {
  const entries = watchList(WATCH);
  const results: RunResult[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const kind of ['idle', 'detection', 'site'] as Kind[]) {
      const res = await run(kind, entries);
      results.push(res);
      console.log(`round ${r + 1} ${LABELS[kind]}: Node-RED ${res.nodeRedCores.toFixed(2)} cores, ${res.nodeRedRssMB.toFixed(0)} MB; Mosquitto ${res.mosquittoCores.toFixed(2)} cores; row p50 ${res.rowP50.toFixed(1)} ms p99 ${res.rowP99.toFixed(1)} ms (${res.withRow}/${res.measured})`);
    }
  }
  const med = (kind: Kind, key: keyof RunResult) => median(results.filter((r) => r.kind === kind).map((r) => r[key] as number));
  const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');
  const rows = (['idle', 'detection', 'site'] as Kind[]).map((kind) => ({
    run: LABELS[kind],
    'det/s': f(med(kind, 'detPerSec'), 0),
    'health/s': f(med(kind, 'healthPerSec'), 0),
    'Node-RED cores': f(med(kind, 'nodeRedCores'), 3),
    'Node-RED RSS MB': f(med(kind, 'nodeRedRssMB'), 0),
    'peak RSS MB': f(med(kind, 'nodeRedPeakRssMB'), 0),
    'Mosquitto cores': f(med(kind, 'mosquittoCores'), 3),
    'rows/s': f(med(kind, 'rowsPerSec'), 0),
    'row p50 ms': f(med(kind, 'rowP50')),
    'row p99 ms': f(med(kind, 'rowP99')),
    'first ack p50/p99 ms': `${f(med(kind, 'firstAckP50'))} / ${f(med(kind, 'firstAckP99'))}`,
    'last ack p50/p99 ms': `${f(med(kind, 'lastAckP50'))} / ${f(med(kind, 'lastAckP99'))}`,
    'acks/det': f(med(kind, 'acksPerDetection'), 2),
    'load avg': f(med(kind, 'loadAverage')),
  }));
  printTable(
    `site: ${CAMERAS} cameras x ${PER_CAMERA} detections/s, health of ${HEALTH_CAMERAS} cameras every ${HEALTH_PERIOD_MS / 1000} s, watch list ${WATCH} + 2 entries, ${DURATION_S} s measured after ${WARMUP_S} s, median of ${ROUNDS} round(s) (command: ${COMMAND}${DURATION_S !== 60 ? ` --duration ${DURATION_S}` : ''})`,
    rows,
  );
  const ratio = {
    cpuSiteOverDetection: med('site', 'nodeRedCores') / med('detection', 'nodeRedCores'),
    cpuSiteMinusIdle: med('site', 'nodeRedCores') - med('idle', 'nodeRedCores'),
    rssSiteMinusIdleMB: med('site', 'nodeRedRssMB') - med('idle', 'nodeRedRssMB'),
    rssSiteMinusDetectionMB: med('site', 'nodeRedRssMB') - med('detection', 'nodeRedRssMB'),
    mosquittoSiteOverDetection: med('site', 'mosquittoCores') / med('detection', 'mosquittoCores'),
  };
  console.log(
    `whole site / detection path alone: Node-RED CPU ${ratio.cpuSiteOverDetection.toFixed(2)}x, Mosquitto CPU ${ratio.mosquittoSiteOverDetection.toFixed(2)}x; ` +
      `site minus idle: +${ratio.cpuSiteMinusIdle.toFixed(3)} cores, +${ratio.rssSiteMinusIdleMB.toFixed(0)} MB RSS`,
  );
  const site = results.filter((r) => r.kind === 'site');
  const missing = site.reduce((s, r) => s + (r.measured - r.withRow), 0);
  const file = saveResult('site', {
    cameras: CAMERAS, perCamera: PER_CAMERA, healthCameras: HEALTH_CAMERAS, healthPeriodMs: HEALTH_PERIOD_MS, watchList: WATCH, watchRatio: WATCH_RATIO,
    durationSeconds: DURATION_S, warmupSeconds: WARMUP_S, rounds: ROUNDS, pollMs: POLL_MS,
    clock: 'performance.now() of the bench process: camera send stamp and the moment a poll (every 10 ms) first saw the row', results, ratio,
  });
  console.log(`saved ${file}`);
  // Not an error of the bench: a site that does not keep up is a result (said, and kept in the JSON).
  if (missing > 0) console.log(`the site did not keep up: ${missing} of the measured detections had no row 20 s after the window`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
