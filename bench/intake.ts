/**
 * Intake scenario (issue 19): lpr-detection-in's own per-detection work outside Node-RED and the
 * ack path, in one process: DetectionIntake.handle (decode, validate, dedupe, rate limit; ack off)
 * and detectionMessages (the output msg with its time texts), for N seed-format detections (20
 * cameras, receipt times advancing 1 ms per 32 detections as in a drain), in the UTC and
 * Asia/Bangkok sites. Reports µs per detection (median and best of --rounds, each round a fresh
 * intake; on a busy machine the best is the steadier figure)
 * and bytes allocated per detection (heap growth over a batch run between two forced GCs, with
 * a young generation large enough that no collection falls inside the batch).
 * BENCH_SRC_B=<a checkout's src/> runs that source too, interleaved with this one (before/after).
 * Options: --n 20000 --rounds 9
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { DetectionFactory } from './lib/detections';
import { option } from './lib/args';
import { printTable, saveResult } from './lib/report';

const SEMI_SPACE = '--max-semi-space-size=256';
if (!process.execArgv.includes(SEMI_SPACE)) {
  // Re-run with a young generation that holds a whole allocation batch (and with gc exposed).
  const r = spawnSync(process.execPath, [SEMI_SPACE, '--expose-gc', '--import', 'tsx', __filename, ...process.argv.slice(2)], { stdio: 'inherit', env: process.env });
  process.exit(r.status ?? 1);
}

const N = option('n', 20_000);
const ROUNDS = option('rounds', 9);
const ALLOC_BATCH = 2_000;

type IntakeModule = typeof import('../src/runtime/detection-intake');
type TopicsModule = typeof import('../src/protocol/topics');

interface Build {
  label: string;
  intake: IntakeModule;
  topics: TopicsModule;
}

async function load(label: string, src: string): Promise<Build> {
  return { label, intake: (await import(path.join(src, 'runtime/detection-intake.ts'))) as IntakeModule, topics: (await import(path.join(src, 'protocol/topics.ts'))) as TopicsModule };
}

const items = new DetectionFactory(20).batch(N);
const bytes = items.map((m) => Buffer.from(m.payload));

/** One pass over `count` detections from a fresh intake; returns how many came out. */
function pass(b: Build, zone: string, count: number, start: number): number {
  const intake = new b.intake.DetectionIntake(new b.topics.TopicTree('lprserver'), b.intake.readDetectionInSettings({ ack: false, rateLimit: 1_000_000, rateBurst: 10_000_000 }));
  let now = start;
  let out = 0;
  for (let i = 0; i < count; i++) {
    const r = intake.handle(items[i]!.topic, bytes[i]!, now);
    if (r.kind === 'detection') out += b.intake.detectionMessages(items[i]!.topic, r.detection, now, false, zone).length;
    if ((i & 31) === 31) now++;
  }
  return out;
}

function microsPerDetection(b: Build, zone: string): number {
  const t = performance.now();
  if (pass(b, zone, N, Date.now()) !== N) throw new Error(`${b.label}: not every detection came out`);
  return ((performance.now() - t) * 1000) / N;
}

function bytesPerDetection(b: Build, zone: string): number {
  pass(b, zone, ALLOC_BATCH, Date.now()); // warm
  const gc = (globalThis as { gc?: () => void }).gc!;
  gc();
  const before = process.memoryUsage().heapUsed;
  pass(b, zone, ALLOC_BATCH, Date.now());
  const after = process.memoryUsage().heapUsed;
  return (after - before) / ALLOC_BATCH;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function main() {
  const builds = [await load('this build', path.resolve(__dirname, '../src'))];
  if (process.env.BENCH_SRC_B) builds.push(await load(`B (${process.env.BENCH_SRC_B})`, path.resolve(process.env.BENCH_SRC_B)));
  const zones = ['UTC', 'Asia/Bangkok'];
  const times = new Map<string, number[]>();
  for (const zone of zones) for (const b of builds) pass(b, zone, N, Date.now()); // warm up
  for (let r = 0; r < ROUNDS; r++) {
    for (const zone of zones) {
      for (const b of builds) {
        const key = `${b.label}|${zone}`;
        times.set(key, [...(times.get(key) ?? []), microsPerDetection(b, zone)]);
      }
    }
  }
  const rows = zones.flatMap((zone) =>
    builds.map((b) => {
      const us = median(times.get(`${b.label}|${zone}`)!);
      const base = median(times.get(`${builds[0]!.label}|${zone}`)!);
      const best = Math.min(...times.get(`${b.label}|${zone}`)!);
      const baseBest = Math.min(...times.get(`${builds[0]!.label}|${zone}`)!);
      return {
        build: b.label,
        site: zone,
        'µs/detection (median)': us.toFixed(2),
        'µs (best)': best.toFixed(2),
        'B allocated/detection': bytesPerDetection(b, zone).toFixed(0),
        'vs this build (median)': (us / base).toFixed(2),
        'vs this build (best)': (best / baseBest).toFixed(2),
      };
    }),
  );
  printTable(`intake: DetectionIntake.handle + detectionMessages, ack off, ${N} detections, median of ${ROUNDS} (command: npm run bench -- intake)`, rows);
  const file = saveResult('intake', { n: N, rounds: ROUNDS, srcB: process.env.BENCH_SRC_B ?? null, times: Object.fromEntries(times), rows });
  console.log(`saved ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
