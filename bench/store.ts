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
 * The cameras send faster than either contender stores (--rate per camera), so the rate is what the
 * flow sustains. Two settings of the flow differ from the file, for both contenders: the
 * per-camera rate limit (20/s, a site's cameras) is off, and a detection may wait --give-up seconds
 * (not 30) for its row, so a slow contender measures its speed rather than resends.
 *
 * Options: --cameras 20 --count 1000 (per camera) --rate 1000 (per camera/s) --runs 3 --give-up 300
 * --db sqlite|pg|both
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { option } from './lib/args';
import { startBenchBroker, type BenchBroker } from './lib/broker';
import { track } from './lib/cleanup';
import { median } from './lib/drain-run';
import { sample, type ProcSample } from './lib/proc-stats';
import { printTable, saveResult } from './lib/report';
import { pointBrokers, readExample, ROOT, startNodeRed, type FlowNode, type NodeRedHost } from '../test/fixtures/node-red-host';
import { findPostgresBin, startPostgres, type Postgres } from '../test/fixtures/postgres';

const CAMERAS = option('cameras', 20);
const PER_CAMERA = option('count', 1000);
const RATE = option('rate', 1000);
const RUNS = option('runs', 3);
const GIVE_UP_S = option('give-up', 300);
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

function startSim(brokerUrl: string, prefix: string, seed: number): Promise<SimSummary> {
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
  return new Promise((resolve, reject) => {
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
}

/** The example flow of `db` for one run: batching as shipped or off, its own SQLite file. */
function flowFor(db: Db, mode: Mode, port: number, sqliteFile: string): FlowNode[] {
  const file = db === 'sqlite' ? 'detections-to-sqlite.json' : 'detections-to-postgres.json';
  return pointBrokers(readExample(file), port).map((n) => {
    if (n.type === 'lpr-detection-in') return { ...n, rateLimit: 0, ackTimeout: GIVE_UP_S, ...(mode === 'single' ? { batch: 0 } : {}) };
    if (n.type === 'sqlitedb') return { ...n, db: sqliteFile };
    return n;
  });
}

/** The process whose command line holds `marker` (the test fixtures do not say their pids). */
function findPid(marker: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').includes(marker)) return Number(entry);
    } catch {
      // exited meanwhile
    }
  }
  throw new Error(`no process with ${marker} in its command line`);
}

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

async function runOnce(ctx: { red: NodeRedHost; redPid: number; broker: BenchBroker; postgres: Postgres | null }, db: Db, mode: Mode, run: number): Promise<RunResult> {
  const sqliteFile = path.join(ctx.red.userDir, `store-${db}-${mode}-${run}.db`);
  if (db === 'pg') {
    // Each run starts from an empty database: the flow creates the table on its first batch.
    const c = new pg.Client({ host: ctx.postgres!.host, port: ctx.postgres!.port, user: ctx.postgres!.user, database: ctx.postgres!.database });
    await c.connect();
    await c.query('DROP TABLE IF EXISTS detections');
    await c.end();
  }
  const logFrom = ctx.broker.log().length;
  await ctx.red.deploy(flowFor(db, mode, ctx.broker.port, sqliteFile));
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
    const done = startSim(ctx.broker.url, prefix, 1000 * run + (db === 'sqlite' ? 0 : 500) + (mode === 'batch' ? 0 : 1));
    let finished: SimSummary | null = null;
    let failed: unknown = null;
    done.then((s) => (finished = s), (e) => (failed = e));
    // First and last change of the row count (PostgreSQL: the table appears with the first batch).
    let first: { at: number; n: number; cpu: ProcSample } | null = null;
    let last = { at: 0, n: 0, cpu: sample(ctx.redPid) };
    for (;;) {
      if (failed) throw failed;
      const n = await table.count().catch(() => 0);
      const at = performance.now();
      if (n > 0 && !first) first = { at, n, cpu: sample(ctx.redPid) };
      if (n !== last.n) last = { at, n, cpu: sample(ctx.redPid) };
      if (finished && n === last.n && at - last.at > 500) break;
      await sleep(20);
    }
    const sim = finished as unknown as SimSummary;
    const census = await table.census();
    const seconds = (last.at - first!.at) / 1000;
    return {
      db,
      mode,
      rows: census.rows,
      detections: census.detections,
      rowsPerSec: (last.n - first!.n) / seconds,
      seconds,
      sim,
      lost: sim.generated - census.detections,
      duplicated: census.rows - census.pairs,
      redCpuMsPer1000: ((last.cpu.cpuSeconds - first!.cpu.cpuSeconds) * 1e6) / (last.n - first!.n),
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
  const red = await startNodeRed({ nodeModules: ['node-red-node-sqlite'], functionModules: ['pg'], env: postgres?.env ?? {} });
  const redPid = findPid(red.userDir);
  // Stopped in order below; on Ctrl-C the bench's cleanup kills what it tracks (the server's
  // backends exit with their postmaster).
  track(redPid);
  if (postgres) track(findPid(`-p ${postgres.port} `));
  const results: RunResult[] = [];
  try {
    for (let run = 1; run <= RUNS; run++) {
      // Interleaved: which contender goes first alternates from run to run.
      const modes: Mode[] = run % 2 === 1 ? ['batch', 'single'] : ['single', 'batch'];
      for (const db of dbs) {
        for (const mode of modes) {
          const r = await runOnce({ red, redPid, broker, postgres }, db, mode, run);
          results.push(r);
          console.log(
            `run ${run} ${db} ${mode === 'batch' ? 'batches' : 'one row per detection'}: ${r.rowsPerSec.toFixed(0)} rows/s (${r.rows} rows of ${r.detections} detections in ${r.seconds.toFixed(1)} s; ` +
              `Node-RED CPU ${r.redCpuMsPer1000.toFixed(0)} ms per 1,000 rows; acked ${r.sim.acked}/${r.sim.generated}, resent ${r.sim.resent}, lost ${r.lost}, duplicated ${r.duplicated})`,
          );
        }
      }
    }
  } finally {
    await red.stop();
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
        'Node-RED CPU ms / 1,000 rows': median(list.map((r) => r.redCpuMsPer1000)).toFixed(0),
        'acked / generated': `${list.reduce((s, r) => s + r.sim.acked, 0)} / ${list.reduce((s, r) => s + r.sim.generated, 0)}`,
        resent: list.reduce((s, r) => s + r.sim.resent, 0),
        lost: list.reduce((s, r) => s + r.lost, 0),
        duplicated: list.reduce((s, r) => s + r.duplicated, 0),
      });
    }
    ratios[db] = { median: median(batch.map((r) => r.rowsPerSec)) / median(single.map((r) => r.rowsPerSec)), perRun: batch.map((r, i) => r.rowsPerSec / single[i]!.rowsPerSec) };
  }
  printTable(
    `store: ${CAMERAS} lpr-sim cameras × ${PER_CAMERA} detections (sent at up to ${RATE}/s each, resent until acked), acks on completion, median of ${RUNS}; ${os.cpus().length} cores (command: npm run bench -- store)`,
    rows,
  );
  for (const db of dbs) console.log(`${db === 'sqlite' ? 'SQLite' : 'PostgreSQL'}: batches / one row per detection ${ratios[db]!.median.toFixed(1)}× (per run ${ratios[db]!.perRun.map((x) => x.toFixed(1)).join(' / ')})`);
  console.log(`load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  const file = saveResult('store', { cameras: CAMERAS, perCamera: PER_CAMERA, rate: RATE, runs: RUNS, giveUpSeconds: GIVE_UP_S, loadavg: os.loadavg(), results, ratios });
  console.log(`saved ${file}`);
  const bad = results.find((r) => r.lost || r.duplicated || r.sim.pending || r.sim.acked !== r.sim.generated || r.sim.rejected || r.sim.dropped);
  if (bad) throw new Error(`exactly-once check failed (${bad.db} ${bad.mode}): lost ${bad.lost}, duplicated ${bad.duplicated}, acked ${bad.sim.acked}/${bad.sim.generated}, pending ${bad.sim.pending}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
