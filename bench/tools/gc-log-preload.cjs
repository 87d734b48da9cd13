/**
 * Logs every garbage collection of a running process, and once a second its CPU time and heap spaces,
 * to $LPR_GC_DIR/gc-<pid>.tsv (default the working directory), for `gc-log-summary.cjs`:
 *   LPR_GC_DIR=/tmp/gc BENCH_NODE_ARGS="--require $PWD/bench/tools/gc-log-preload.cjs" npm run bench -- growth --counts 1000
 * Lines: `<ms since start>\t<minor|major|incremental|weak>\t<ms>` per collection, and
 * `<ms since start>\theap\t<CPU ms since start>\t<space>=<MB used> ...` per second.
 */
const { PerformanceObserver, constants } = require('node:perf_hooks');
const fs = require('node:fs');
const path = require('node:path');
const v8 = require('node:v8');

const file = path.join(process.env.LPR_GC_DIR || process.cwd(), `gc-${process.pid}.tsv`);
const KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak',
};
const t0 = performance.now();
const cpu0 = process.cpuUsage();
let lines = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) lines.push(`${(e.startTime - t0).toFixed(0)}\t${KINDS[e.detail.kind] ?? e.detail.kind}\t${e.duration.toFixed(2)}`);
}).observe({ entryTypes: ['gc'] });
setInterval(() => {
  const spaces = v8.getHeapSpaceStatistics().map((s) => `${s.space_name}=${(s.space_used_size / 1e6).toFixed(1)}`);
  const cpu = process.cpuUsage(cpu0);
  lines.push(`${(performance.now() - t0).toFixed(0)}\theap\t${((cpu.user + cpu.system) / 1000).toFixed(0)}\t${spaces.join(' ')}`);
  fs.appendFileSync(file, lines.join('\n') + '\n');
  lines = [];
}, 1000).unref();
