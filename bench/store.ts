/**
 * Camera to committed rows (issue 19, part 2): lpr-sim cameras (each detection kept in the camera's
 * outbox and sent again until acked) → Mosquitto → Node-RED running the example flow
 * examples/flows/detections-to-sqlite.json or detections-to-postgres.json, acks on completion (a
 * detection is acked once its row is committed) → rows in SQLite and in a real PostgreSQL (the
 * server's own durability defaults: fsync and synchronous_commit on).
 *
 * Two contenders, the same flow file: as shipped (batches of 200 detections or 50 ms, one INSERT per
 * batch) and with batching off (Batch 0: one message, one INSERT, one commit per plate read).
 * Interleaved (the order alternates each run), median of --runs. The rate is rows committed per
 * second between the first row and the last one (the table polled every 20 ms); each run checks
 * that every detection generated was acked and is in the table, and no (message_id, plate) twice.
 *
 * By default (--backlog 1) the flow's link to the broker (through a TCP proxy) is frozen while the
 * cameras send, and thawed once every detection is at the broker (Mosquitto queues them for the
 * flow's persistent session): the rate is what the flow sustains through a backlog, as after an
 * outage or at a peak, not how fast cameras on this same machine can publish. --backlog 0 sends
 * live (--rate per camera), which on a loaded 2-core machine measures the cameras as much as the
 * flow. Two settings of the flow differ from the file, for both contenders: the
 * per-camera rate limit (20/s, a site's cameras) is off, a detection may wait --give-up seconds
 * (not 30) for its row, and PostgreSQL's pool lets a query wait for a connection without the
 * example's 10 s limit, so a slow contender measures its speed rather than resends. Store errors
 * (the flow's Catch) are counted.
 *
 * Options: --cameras 20 --count 1000 (per camera) --rate 1000 (per camera/s) --runs 3 --give-up 300
 * --backlog 1|0 --db sqlite|pg|both
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { option } from './lib/args';
import { startBenchBroker, type BenchBroker } from './lib/broker';
import { track } from './lib/cleanup';
import { median } from './lib/drain-run';
import { sample } from './lib/proc-stats';
import { printTable, saveResult } from './lib/report';
import { pointBrokers, readExample, ROOT, startNodeRed, type FlowNode, type NodeRedHost } from '../test/fixtures/node-red-host';
import { findPostgresBin, startPostgres, type Postgres } from '../test/fixtures/postgres';
import { startFreezeProxy, type FreezeProxy } from '../test/fixtures/freeze-proxy';
import mqtt from 'mqtt';

const CAMERAS = option('cameras', 20);
const PER_CAMERA = option('count', 1000);
const RATE = option('rate', 1000);
const RUNS = option('runs', 3);
const GIVE_UP_S = option('give-up', 300);
/** 1: the flow's link to the broker is frozen while the cameras send, then thawed (a backlog); 0: live. */
const BACKLOG = option('backlog', 1) === 1;
const DB_ARG = process.argv.includes('--db') ? process.argv[process.argv.indexOf('--db') + 1] : 'both';
const SIM = path.join(ROOT, 'dist/bin/lpr-sim.js');

type Db = 'sqlite' | 'pg';
type Mode = 'batch' | 'single';

interface SimSummary {
  generated: number;
  acked: number;
  resent: number;
  pending: number;
  rejected: number;
  dropped: number;
}

interface RunResult {
  db: Db;
  mode: Mode;
  rows: number;
  detections: number;
  rowsPerSec: number;
  seconds: number;
  sim: SimSummary;
  lost: number;
  duplicated: number;
  /** Node-RED's CPU (the flow, node-sqlite3 included) per 1,000 rows, first row to last: what the machine's load does not change. */
  redCpuMsPer1000: number;
  /** Messages the flow's Catch reported (rejected detections, failed stores). */
  storeErrors: number;
  /** The cameras' (lpr-sim) and Mosquitto's CPU per 1,000 rows, over the same time. */
  simCpuMsPer1000: number;
  brokerCpuMsPer1000: number;
}

/** Counts rows in the table under test: the bench's own connection, as any reader would. */
interface Table {
  count(): Promise<number>;
  /** detections = distinct message_id, rows, pairs = distinct (message_id, plate_index). */
  census(): Promise<{ detections: number; rows: number; pairs: number }>;
  close(): Promise<void>;
}

interface SqliteDb {
  all(sql: string, params: unknown[], cb: (err: Error | null, rows: Array<Record<string, number>>) => void): void;
  close(cb?: () => void): void;
}
const sqlite3 = createRequire(require.resolve('node-red-node-sqlite/package.json'))('sqlite3') as {
  Database: new (file: string, mode: number, cb: (err: Error | null) => void) => SqliteDb;
  OPEN_READONLY: number;
};
interface PgClient {
  connect(): Promise<void>;
  query(sql: string): Promise<{ rows: Array<Record<string, unknown>> }>;
  end(): Promise<void>;
  on(event: 'error', cb: (err: Error) => void): void;
}
const pg = require('pg') as { Client: new (config: Record<string, unknown>) => PgClient };

const CENSUS = 'SELECT count(DISTINCT message_id) AS detections, count(*) AS rows, (SELECT count(*) FROM (SELECT DISTINCT message_id, plate_index FROM detections) AS t) AS pairs FROM detections';

async function sqliteTable(file: string): Promise<Table> {
  const db = await new Promise<SqliteDb>((resolve, reject) => {
    const d = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (err) => (err ? reject(err) : resolve(d)));
  });
  const all = (sql: string) => new Promise<Array<Record<string, number>>>((resolve, reject) => db.all(sql, [], (err, rows) => (err ? reject(err) : resolve(rows))));
  return {
    count: async () => Number((await all('SELECT count(*) AS n FROM detections'))[0]!.n),
    census: async () => {
      const r = (await all(CENSUS))[0]!;
      return { detections: Number(r.detections), rows: Number(r.rows), pairs: Number(r.pairs) };
    },
    close: () => new Promise((r) => db.close(() => r())),
  };
}

async function pgTable(postgres: Postgres): Promise<Table> {
  const client = new pg.Client({ host: postgres.host, port: postgres.port, user: postgres.user, database: postgres.database });
  client.on('error', () => undefined);
  await client.connect();
  return {
    count: async () => Number((await client.query('SELECT count(*) AS n FROM detections')).rows[0]!.n),
    census: async () => {
      const r = (await client.query(CENSUS)).rows[0]!;
      return { detections: Number(r.detections), rows: Number(r.rows), pairs: Number(r.pairs) };
    },
    close: () => client.end(),
  };
}

function startSim(brokerUrl: string, prefix: string, seed: number): { pid: number; done: Promise<SimSummary> } {
  const args = [
    SIM, '--url', brokerUrl, '--cameras', String(CAMERAS), '--prefix', prefix, '--rate', String(RATE),
    '--count', String(PER_CAMERA), '--ack-timeout', String(GIVE_UP_S), '--health-interval', '0', '--no-config-request',
    '--blacklist-ratio', '0', '--drain', String(GIVE_UP_S * 2), '--seed', String(seed), '--json', '--quiet',
  ];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const untrack = track(proc.pid);
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (err += d));
  const done = new Promise<SimSummary>((resolve, reject) => {
    proc.once('exit', (code) => {
      untrack();
      if (code !== 0) return reject(new Error(`lpr-sim exited ${code}:\n${err}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1)!) as SimSummary);
      } catch {
        reject(new Error(`lpr-sim printed no JSON summary:\n${out}\n${err}`));
      }
    });
  });
  return { pid: proc.pid!, done };
}

/** The example flow of `db` for one run: batching as shipped or off, its own SQLite file. */
function flowFor(db: Db, mode: Mode, port: number, sqliteFile: string): FlowNode[] {
  const file = db === 'sqlite' ? 'detections-to-sqlite.json' : 'detections-to-postgres.json';
  return pointBrokers(readExample(file), port).map((n) => {
    if (n.type === 'lpr-detection-in') return { ...n, rateLimit: 0, ackTimeout: GIVE_UP_S, ...(mode === 'single' ? { batch: 0 } : {}) };
    if (n.type === 'sqlitedb') return { ...n, db: sqliteFile };
    // The Catch's debug node (rejected / not stored) also writes to the log, where the bench counts it.
    if (n.type === 'debug' && n.active) return { ...n, console: true };
    // A query waits for a pooled connection as long as it takes: a backlog of single-row INSERTs
    // queued behind 4 connections would otherwise fail after 10 s and come back only as resends.
    if (n.id === 'lpr-pg-store') return { ...n, initialize: String(n.initialize).replace('connectionTimeoutMillis: 10000', 'connectionTimeoutMillis: 0') };
    return n;
  });
}

/**
 * A process of ours the test fixtures do not give the pid of: Node-RED by its working directory (its
 * user dir; it renames itself, so its command line no longer says), PostgreSQL by its command line.
 */
function findPid(match: (pid: string) => boolean): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (match(entry)) return Number(entry);
    } catch {
      // exited meanwhile, or not ours to read
    }
  }
  throw new Error('process not found');
}
const byCwd = (dir: string) => (pid: string) => readlinkSync(`/proc/${pid}/cwd`) === dir && readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('node-red');
const byCommandLine = (marker: string) => (pid: string) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').includes(marker);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function runOnce(ctx: { red: NodeRedHost; redPid: number; broker: BenchBroker; proxy: FreezeProxy; postgres: Postgres | null }, db: Db, mode: Mode, run: number): Promise<RunResult> {
  const sqliteFile = path.join(ctx.red.userDir, `store-${db}-${mode}-${run}.db`);
  if (db === 'pg') {
    // Each run starts from an empty database: the flow creates the table on its first batch.
    const c = new pg.Client({ host: ctx.postgres!.host, port: ctx.postgres!.port, user: ctx.postgres!.user, database: ctx.postgres!.database });
    await c.connect();
    await c.query('DROP TABLE IF EXISTS detections');
    await c.end();
  }
  const logFrom = ctx.broker.log().length;
  const redLogFrom = ctx.red.log().length;
  await ctx.red.deploy(flowFor(db, mode, ctx.proxy.port, sqliteFile));
  await waitFor('detection in subscribed', async () => (ctx.broker.log().slice(logFrom).includes('lprserver/cameras/+/detection') ? true : undefined));
  // SQLite: the flow creates its table at deploy; PostgreSQL: on the first batch (inside the time).
  const table = db === 'sqlite' ? await waitFor('the SQLite table', async () => {
    const t = await sqliteTable(sqliteFile);
    try {
      await t.count();
      return t;
    } catch (err) {
      await t.close();
      throw err;
    }
  }) : await pgTable(ctx.postgres!);
  try {
    const prefix = `${db === 'sqlite' ? 'S' : 'P'}${mode === 'batch' ? 'B' : 'O'}${run}C`;
    // Backlog: the flow's link is frozen (nothing read, nothing lost: Mosquitto queues for its
    // session) until every detection has reached the broker; a reader of our own counts them.
    const reader = BACKLOG ? await mqtt.connectAsync(ctx.broker.url, { clientId: `store-reader-${prefix}` }) : null;
    let published = 0;
    if (reader) {
      reader.on('message', (topic) => {
        if (topic.startsWith(`lprserver/cameras/${prefix}`)) published++;
      });
      await reader.subscribeAsync('lprserver/cameras/+/detection', { qos: 0 });
      ctx.proxy.freeze();
    }
    const sim = startSim(ctx.broker.url, prefix, 1000 * run + (db === 'sqlite' ? 0 : 500) + (mode === 'batch' ? 0 : 1));
    const done = sim.done;
    // CPU of Node-RED, the cameras and the broker, read at the first and the last change of the count.
    const cpu = () => {
      const at = (pid: number | null) => {
        try {
          return pid ? sample(pid).cpuSeconds : NaN;
        } catch {
          return NaN; // the cameras may have exited by the last change
        }
      };
      return { red: at(ctx.redPid), sim: at(sim.pid), broker: at(ctx.broker.pid) };
    };
    let finished: SimSummary | null = null;
    let failed: unknown = null;
    done.then((s) => (finished = s), (e) => (failed = e));
    if (reader) {
      const expected = CAMERAS * PER_CAMERA;
      try {
        await waitFor(`${expected} detections at the broker`, async () => (failed ? Promise.reject(failed) : published >= expected ? true : undefined), 120_000);
      } finally {
        ctx.proxy.thaw();
        await reader.endAsync();
      }
    }
    // First and last change of the row count (PostgreSQL: the table appears with the first batch).
    let first: { at: number; n: number; cpu: ReturnType<typeof cpu> } | null = null;
    let last = { at: 0, n: 0, cpu: cpu() };
    for (;;) {
      if (failed) throw failed;
      const n = await table.count().catch(() => 0);
      const at = performance.now();
      if (n > 0 && !first) first = { at, n, cpu: cpu() };
      if (n !== last.n) last = { at, n, cpu: cpu() };
      if (finished && n === last.n && at - last.at > 500) break;
      await sleep(20);
    }
    const summary = finished as unknown as SimSummary;
    const census = await table.census();
    const seconds = (last.at - first!.at) / 1000;
    return {
      db,
      mode,
      rows: census.rows,
      detections: census.detections,
      rowsPerSec: (last.n - first!.n) / seconds,
      seconds,
      sim: summary,
      lost: summary.generated - census.detections,
      duplicated: census.rows - census.pairs,
      storeErrors: (ctx.red.log().slice(redLogFrom).match(/rejected \/ not stored/g) ?? []).length,
      redCpuMsPer1000: ((last.cpu.red - first!.cpu.red) * 1e6) / (last.n - first!.n),
      simCpuMsPer1000: ((last.cpu.sim - first!.cpu.sim) * 1e6) / (last.n - first!.n),
      brokerCpuMsPer1000: ((last.cpu.broker - first!.cpu.broker) * 1e6) / (last.n - first!.n),
    };
  } finally {
    await table.close();
  }
}

async function main() {
  const dbs: Db[] = DB_ARG === 'sqlite' ? ['sqlite'] : DB_ARG === 'pg' ? ['pg'] : ['sqlite', 'pg'];
  let postgres: Postgres | null = null;
  if (dbs.includes('pg')) {
    const found = findPostgresBin();
    if ('missing' in found) throw new Error(`PostgreSQL: ${found.missing} (or run with --db sqlite)`);
    postgres = await startPostgres(found.bin, { durable: true });
  }
  const broker = await startBenchBroker(['log_type subscribe']);
  // Node-RED reaches the broker through a proxy the backlog mode freezes.
  const proxy = await startFreezeProxy(broker.port);
  const red = await startNodeRed({ nodeModules: ['node-red-node-sqlite'], functionModules: ['pg'], env: postgres?.env ?? {} });
  const results: RunResult[] = [];
  try {
    const redPid = findPid(byCwd(red.userDir));
    // Stopped in order below; on Ctrl-C the bench's cleanup kills what it tracks (the server's
    // backends exit with their postmaster).
    track(redPid);
    if (postgres) track(findPid(byCommandLine(`-p ${postgres.port} -k `)));
    for (let run = 1; run <= RUNS; run++) {
      // Interleaved: which contender goes first alternates from run to run.
      const modes: Mode[] = run % 2 === 1 ? ['batch', 'single'] : ['single', 'batch'];
      for (const db of dbs) {
        for (const mode of modes) {
          const r = await runOnce({ red, redPid, broker, proxy, postgres }, db, mode, run);
          results.push(r);
          console.log(
            `run ${run} ${db} ${mode === 'batch' ? 'batches' : 'one row per detection'}: ${r.rowsPerSec.toFixed(0)} rows/s (${r.rows} rows of ${r.detections} detections in ${r.seconds.toFixed(1)} s; ` +
              `Node-RED CPU ${r.redCpuMsPer1000.toFixed(0)} ms per 1,000 rows; store errors ${r.storeErrors}; acked ${r.sim.acked}/${r.sim.generated}, resent ${r.sim.resent}, lost ${r.lost}, duplicated ${r.duplicated})`,
          );
        }
      }
    }
  } finally {
    await red.stop();
    await proxy.close();
    await broker.stop();
    await postgres?.stop();
  }
  const rows: Array<Record<string, string | number>> = [];
  const ratios: Record<string, { median: number; perRun: number[] }> = {};
  for (const db of dbs) {
    const of = (mode: Mode) => results.filter((r) => r.db === db && r.mode === mode);
    const batch = of('batch');
    const single = of('single');
    for (const [mode, list] of [['batches of 200 / 50 ms', batch], ['one row per detection (batch off)', single]] as const) {
      rows.push({
        database: db === 'sqlite' ? 'SQLite' : 'PostgreSQL',
        flow: mode,
        'rows/s (median)': median(list.map((r) => r.rowsPerSec)).toFixed(0),
        runs: list.map((r) => r.rowsPerSec.toFixed(0)).join(' / '),
        'CPU ms / 1,000 rows: Node-RED': median(list.map((r) => r.redCpuMsPer1000)).toFixed(0),
        cameras: median(list.map((r) => r.simCpuMsPer1000)).toFixed(0),
        broker: median(list.map((r) => r.brokerCpuMsPer1000)).toFixed(0),
        'acked / generated': `${list.reduce((s, r) => s + r.sim.acked, 0)} / ${list.reduce((s, r) => s + r.sim.generated, 0)}`,
        resent: list.reduce((s, r) => s + r.sim.resent, 0),
        'store errors': list.reduce((s, r) => s + r.storeErrors, 0),
        lost: list.reduce((s, r) => s + r.lost, 0),
        duplicated: list.reduce((s, r) => s + r.duplicated, 0),
      });
    }
    ratios[db] = { median: median(batch.map((r) => r.rowsPerSec)) / median(single.map((r) => r.rowsPerSec)), perRun: batch.map((r, i) => r.rowsPerSec / single[i]!.rowsPerSec) };
  }
  printTable(
    `store: ${CAMERAS} lpr-sim cameras × ${PER_CAMERA} detections (${BACKLOG ? 'queued at the broker while the flow\'s link was frozen, then drained' : `sent live at up to ${RATE}/s each`}; resent until acked), acks on completion, median of ${RUNS}; ${os.cpus().length} cores (command: npm run bench -- store${BACKLOG ? '' : ' --backlog 0'})`,
    rows,
  );
  for (const db of dbs) console.log(`${db === 'sqlite' ? 'SQLite' : 'PostgreSQL'}: batches / one row per detection ${ratios[db]!.median.toFixed(1)}× (per run ${ratios[db]!.perRun.map((x) => x.toFixed(1)).join(' / ')})`);
  console.log(`load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  const file = saveResult('store', { backlog: BACKLOG, cameras: CAMERAS, perCamera: PER_CAMERA, rate: RATE, runs: RUNS, giveUpSeconds: GIVE_UP_S, loadavg: os.loadavg(), results, ratios });
  console.log(`saved ${file}`);
  const bad = results.find((r) => r.lost || r.duplicated || r.sim.pending || r.sim.acked !== r.sim.generated || r.sim.rejected || r.sim.dropped);
  if (bad) throw new Error(`exactly-once check failed (${bad.db} ${bad.mode}): lost ${bad.lost}, duplicated ${bad.duplicated}, acked ${bad.sim.acked}/${bad.sim.generated}, pending ${bad.sim.pending}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
