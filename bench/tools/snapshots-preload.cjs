/**
 * Three heap snapshots of a running process, for `snapshot-lifetimes.cjs`: at LPR_SNAP_AT ms after
 * start (default 40,000), then 0.6 s and 1.5 s after each previous one finished, into LPR_SNAP_DIR
 * (default the working directory) as a-/b-/c-<pid>.heapsnapshot. Object ids stay the same across
 * snapshots of one process, which is what lets the three be compared.
 *   BENCH_NODE_ARGS="--require $PWD/bench/tools/snapshots-preload.cjs" npm run bench -- growth --counts 1000 --duration 30
 * Each snapshot stops the process for seconds: the run's own figures mean nothing then.
 */
const v8 = require('node:v8');
const path = require('node:path');

const at = Number(process.env.LPR_SNAP_AT || 40_000);
const dir = process.env.LPR_SNAP_DIR || process.cwd();
const snap = (name) => v8.writeHeapSnapshot(path.join(dir, `${name}-${process.pid}.heapsnapshot`));
setTimeout(() => {
  snap('a');
  setTimeout(() => {
    snap('b');
    setTimeout(() => snap('c'), 1500).unref();
  }, 600).unref();
}, at).unref();
