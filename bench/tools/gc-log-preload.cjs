/**
 * Logs every garbage collection of a running process, and once a second its CPU time and heap spaces,
 * to $LPR_GC_DIR/gc-<pid>.tsv (default the working directory), read by bench/lib/gc-log.ts:
 *   LPR_GC_DIR=/tmp/gc BENCH_NODE_ARGS="--require $PWD/bench/tools/gc-log-preload.cjs" npm run bench -- site
 * Lines: `<epoch ms>\t<minor|major|incremental|weak>\t<ms>` per collection, and
 * `<epoch ms>\theap\t<CPU ms since start>\t<space>=<MB used> ... new_capacity=<MB>` per second (the
 * last: the young generation's size, which V8 grows and shrinks as it goes). The growth bench
 * runs every Node-RED with it (bench/lib/gc-log.ts) and reports the measured window's figures.
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
// Wall-clock ms, so that another process can cut out its own window.
const at = (t) => (performance.timeOrigin + t).toFixed(0);
const cpu0 = process.cpuUsage();
let lines = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) lines.push(`${at(e.startTime)}\t${KINDS[e.detail.kind] ?? e.detail.kind}\t${e.duration.toFixed(2)}`);
}).observe({ entryTypes: ['gc'] });
setInterval(() => {
  const stats = v8.getHeapSpaceStatistics();
  const spaces = stats.map((s) => `${s.space_name}=${(s.space_used_size / 1e6).toFixed(1)}`);
  const young = stats.find((s) => s.space_name === 'new_space');
  if (young) spaces.push(`new_capacity=${(young.space_size / 1e6).toFixed(1)}`);
  const cpu = process.cpuUsage(cpu0);
  lines.push(`${at(performance.now())}\theap\t${((cpu.user + cpu.system) / 1000).toFixed(0)}\t${spaces.join(' ')}`);
  fs.appendFileSync(file, lines.join('\n') + '\n');
  lines = [];
}, 1000).unref();
