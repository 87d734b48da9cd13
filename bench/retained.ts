/**
 * RetainedFilter scenario (the health monitor's and camera config node's judge of retained copies):
 * µs per take with cameras reporting in turn, below, at and past the filter's limit (100,000 keys),
 * in-process. The baseline in the same run: a plain `Map.set` per take (the floor), or with
 * BENCH_SRC_B=<dir of another src/> that source's RetainedFilter (before/after).
 * Options: --takes 200000 --runs 3 --counts 10000,100000,150000
 */
import path from 'node:path';
import { option, textOption } from './lib/args';
import { printTable, saveResult } from './lib/report';
import { median } from './lib/site';
import { RetainedFilter } from '../src/runtime/retained-filter';

const TAKES = option('takes', 200_000);
const RUNS = option('runs', 3);
const COUNTS = (textOption('counts') ?? '10000,100000,150000').split(',').map(Number);
const LIMIT = 100_000;

interface Taker {
  take(key: string, message: { messageId: string; at: number | null }): void;
}

/** µs per take once every camera was taken once. */
function measure(make: () => Taker, cameras: number): number {
  const f = make();
  const ids = Array.from({ length: cameras }, (_, i) => `CAM${i}`);
  for (let i = 0; i < cameras; i++) f.take(ids[i]!, { messageId: `w${i}`, at: i });
  const t0 = performance.now();
  for (let i = 0; i < TAKES; i++) f.take(ids[i % cameras]!, { messageId: `m${i}`, at: i });
  return ((performance.now() - t0) * 1000) / TAKES;
}

async function main() {
  const srcB = process.env.BENCH_SRC_B ? path.resolve(process.env.BENCH_SRC_B) : null;
  const Other = srcB ? ((await import(path.join(srcB, 'runtime/retained-filter.ts'))).RetainedFilter as new (limit: number) => Taker) : null;
  const B: { label: string; make: () => Taker } = Other
    ? { label: `RetainedFilter of ${srcB}`, make: () => new Other(LIMIT) }
    : {
        label: 'Map.set',
        make: () => {
          const m = new Map<string, unknown>();
          return { take: (k, v) => void m.set(k, v) };
        },
      };
  const rows = COUNTS.map((cameras) => {
    const a: number[] = [];
    const b: number[] = [];
    // Interleaved, so that both see the same machine.
    for (let r = 0; r < RUNS; r++) {
      a.push(measure(() => new RetainedFilter(LIMIT), cameras));
      b.push(measure(B.make, cameras));
    }
    return { cameras, ours: median(a), baseline: median(b), runsOurs: a, runsBaseline: b };
  });
  printTable(
    `RetainedFilter, µs per take, limit ${LIMIT}, ${TAKES} takes, median of ${RUNS}; baseline: ${B.label} (command: npm run bench -- retained)`,
    rows.map((r) => ({
      'cameras': r.cameras.toLocaleString('en-US'),
      'µs per take': r.ours.toFixed(2),
      'baseline µs': r.baseline.toFixed(2),
      'ratio to baseline': (r.ours / r.baseline).toFixed(2),
      'runs': r.runsOurs.map((x) => x.toFixed(2)).join(' / '),
      'baseline runs': r.runsBaseline.map((x) => x.toFixed(2)).join(' / '),
    })),
  );
  console.log(`saved ${saveResult('retained', { limit: LIMIT, takes: TAKES, runs: RUNS, baseline: B.label, rows })}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
