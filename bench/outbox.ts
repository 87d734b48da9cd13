/**
 * Outbox scenario (`npm run bench -- outbox`): what the journal's durability costs. One
 * DetectionOutbox (lpr-camera's and lpr-sim's) with its journal on the disk, offline, takes
 * simulator detections (≈860 B) as fast as it can for a fixed time, in batches of 100 with a turn
 * of the event loop between them (where a camera's input, the timers and the group commit's fsync
 * callback run), each batch acked one batch later: two journal records per detection, compactions
 * as in service. Per durability: `none` (no fsync), `group` (one background fsync per 50 ms at
 * most) and `every` (an fsync per record, before add() returns), interleaved, median of --runs.
 * Options: --seconds 3 --runs 3 --interval 50 (the group commit's)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DetectionOutbox, type Durability } from '../src/edge/outbox';
import { option } from './lib/args';
import { DetectionFactory } from './lib/detections';
import { printTable, saveResult } from './lib/report';

const SECONDS = option('seconds', 3);
const RUNS = option('runs', 3);
const INTERVAL = option('interval', 50);
const BATCH = 100;
const MODES: Durability[] = ['none', 'group', 'every'];

interface Run {
  mode: Durability;
  detections: number;
  perSecond: number;
  fsyncs: number;
}

async function runOnce(mode: Durability, bodies: Array<Record<string, unknown> & { message_id: string }>, dir: string): Promise<Run> {
  const file = path.join(dir, `${mode}.ndjson`);
  fs.rmSync(file, { force: true });
  let fsyncs = 0;
  const fileSync = {
    fsync: (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
      fsyncs++;
      fs.fsync(fd, cb);
    },
    fsyncSync: (fd: number) => {
      fsyncs++;
      fs.fsyncSync(fd);
    },
  };
  const box = new DetectionOutbox({ send: () => undefined, ackTimeoutMs: 10_000, limit: 1_000_000, overflow: 'drop-oldest', file, durability: mode, commitIntervalMs: INTERVAL, fileSync });
  box.open();
  const start = performance.now();
  const end = start + SECONDS * 1000;
  let n = 0;
  let previous: string[] = [];
  while (performance.now() < end) {
    const batch: string[] = [];
    for (let i = 0; i < BATCH; i++) {
      const body = bodies[n % bodies.length]!;
      const id = `${body.message_id}-${n}`;
      box.add({ ...body, message_id: id });
      batch.push(id);
      n++;
    }
    for (const id of previous) box.ack(id, 'received');
    previous = batch;
    await new Promise((r) => setImmediate(r));
  }
  const elapsed = (performance.now() - start) / 1000;
  box.close();
  fs.rmSync(file, { force: true });
  return { mode, detections: n, perSecond: n / elapsed, fsyncs };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  // On the disk the project lives on (a tmpfs would make fsync free).
  const dir = fs.mkdtempSync(path.join(path.resolve(__dirname, 'results'), '.outbox-'));
  const factory = new DetectionFactory(20);
  const bodies = Array.from({ length: 1000 }, () => factory.make().body as Record<string, unknown> & { message_id: string });
  const runs: Run[] = [];
  try {
    for (let r = 0; r < RUNS; r++) for (const mode of MODES) runs.push(await runOnce(mode, bodies, dir));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const base = median(runs.filter((r) => r.mode === 'none').map((r) => r.perSecond));
  const rows = MODES.map((mode) => {
    const mine = runs.filter((r) => r.mode === mode);
    const rate = median(mine.map((r) => r.perSecond));
    return {
      durability: mode === 'group' ? `group (${INTERVAL} ms)` : mode,
      'detections/s (median)': Math.round(rate),
      runs: mine.map((r) => Math.round(r.perSecond)).join(' / '),
      'vs none': `${(rate / base).toFixed(2)}×`,
      'fsyncs/s': Math.round(median(mine.map((r) => r.fsyncs / SECONDS))),
    };
  });
  printTable(`Outbox journal append throughput by durability (${SECONDS} s each, ${RUNS} runs interleaved, 2 records per detection, ${os.cpus().length} cores)`, rows);
  console.log(`saved ${saveResult('outbox', { seconds: SECONDS, runs: RUNS, intervalMs: INTERVAL, rows, raw: runs })}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
