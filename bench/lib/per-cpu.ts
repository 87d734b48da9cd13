/**
 * What the ack-path and camera-acks scenarios share: a run in its own process that prints one JSON
 * line, and tables of rates per second of wall time and per CPU-second of the measured process (N
 * over its CPU time: on a shared machine the steadier measure of cost), with ratios per run.
 */
import { spawn } from 'node:child_process';
import { nodeArgsFrom } from './args';
import { track } from './cleanup';
import { median } from './drain-run';
import { printTable } from './report';

export interface RateResult {
  rate: number;
  seconds: number;
  cpuCores: number;
}

/**
 * Runs `script` (TypeScript, through tsx) with `args`; resolves with the last line it printed, parsed.
 * BENCH_CHILD_ARGS: node options for the child, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p` to profile each run.
 */
export function runJsonChild<T>(script: string, args: string[], what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', ...nodeArgsFrom('BENCH_CHILD_ARGS'), '--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const untrack = track(child.pid);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      untrack();
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`${what} failed (${code}): ${err.slice(-2000)}`));
      else resolve(JSON.parse(line) as T);
    });
  });
}

export const perCpu = (r: RateResult) => r.rate / r.cpuCores;

export type Ratio = { median: number; perRun: number[]; cpuMedian: number; cpuPerRun: number[] };

/**
 * Prints the contenders' table (`unit`: what is counted, e.g. 'msg') and the ratios of the pairs
 * asked for (`[x, y]` for x/y); returns the ratios for the saved result.
 */
export function reportPerCpu(
  title: string,
  unit: string,
  contenders: Array<{ key: string; label: string }>,
  results: Record<string, RateResult[]>,
  pairs: Array<[string, string]>,
  goal: string,
): Record<string, Ratio> {
  const med = (k: string) => median(results[k]!.map((r) => r.rate));
  const medCpu = (k: string) => median(results[k]!.map(perCpu));
  printTable(
    title,
    contenders.map((c) => ({
      contender: c.label,
      [`${unit}/s (median)`]: med(c.key).toFixed(0),
      runs: results[c.key]!.map((r) => r.rate.toFixed(0)).join(' / '),
      'per CPU-second (median)': medCpu(c.key).toFixed(0),
      'per CPU-second, runs': results[c.key]!.map((r) => perCpu(r).toFixed(0)).join(' / '),
      'CPU (cores)': median(results[c.key]!.map((r) => r.cpuCores)).toFixed(2),
    })),
  );
  const ratios: Record<string, Ratio> = {};
  for (const [x, y] of pairs) {
    ratios[`${x}/${y}`] = {
      median: med(x) / med(y),
      perRun: results[x]!.map((r, i) => r.rate / results[y]![i]!.rate),
      cpuMedian: medCpu(x) / medCpu(y),
      cpuPerRun: results[x]!.map((r, i) => perCpu(r) / perCpu(results[y]![i]!)),
    };
  }
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' / ');
  printTable(
    `ratios (${goal})`,
    Object.entries(ratios).map(([k, v]) => ({ ratio: k, 'wall, median': v.median.toFixed(2), 'wall, per run': fmt(v.perRun), 'per CPU-second, median': v.cpuMedian.toFixed(2), 'per CPU-second, per run': fmt(v.cpuPerRun) })),
  );
  return ratios;
}
