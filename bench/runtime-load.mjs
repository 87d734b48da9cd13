// What loading the package costs Node-RED: every node file of package.json "node-red.nodes" is
// required in a fresh `node` process (as Node-RED does at start), RUNS times; prints the median time
// (wall clock and CPU: CPU time varies less on a busy machine) to require them all and the process's RSS and heapUsed afterwards (after a forced GC).
// `deps` rows first require mqtt, zod and csv-parse, so they measure our code alone.
//   node bench/runtime-load.mjs [distDir] [runs]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.resolve(process.argv[2] ?? path.join(root, 'dist'));
const runs = Number(process.argv[3] ?? 15);
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const files = Object.values(pkg['node-red'].nodes).map((f) => path.join(dist, path.basename(f)));

function probe(preloadDeps) {
  const script = `
    const { performance } = require('node:perf_hooks');
    ${preloadDeps ? "require('mqtt'); require('zod'); require('csv-parse');" : ''}
    global.gc(); const before = process.memoryUsage();
    const t0 = performance.now(); const c0 = process.cpuUsage();
    for (const f of ${JSON.stringify(files)}) require(f);
    const ms = performance.now() - t0; const c = process.cpuUsage(c0); const cpu = (c.user + c.system) / 1000;
    global.gc(); const after = process.memoryUsage();
    console.log(JSON.stringify({ ms, cpu, rss: after.rss, heap: after.heapUsed, rssAdded: after.rss - before.rss, heapAdded: after.heapUsed - before.heapUsed }));`;
  return JSON.parse(execFileSync(process.execPath, ['--expose-gc', '-e', script], { cwd: root, encoding: 'utf8' }));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (b) => (b / 1048576).toFixed(1) + ' MB';
for (const preload of [false, true]) {
  const rows = Array.from({ length: runs }, () => probe(preload));
  const m = (k) => median(rows.map((r) => r[k]));
  console.log(
    `${preload ? 'deps preloaded' : 'cold          '}: require ${files.length} node files ${m('ms').toFixed(0)} ms wall, ${m('cpu').toFixed(0)} ms CPU (medians of ${runs}), ` +
      `RSS ${mb(m('rss'))} (+${mb(m('rssAdded'))}), heapUsed ${mb(m('heap'))} (+${mb(m('heapAdded'))})`,
  );
}
