/**
 * Sums up `gc-log-preload.cjs` logs over the last `--seconds` (20) before their last 2 s (a growth
 * run's measured window): collections of each kind and their time, CPU, and how fast the old
 * generation grew. Two states show at 1,000 camera ids (docs/performance.md, "The seventh pass"):
 * young collections ~300 ms and the old generation ~2-3 MB/s, or ~550 ms and ~6 MB/s when V8 has
 * pretenured a literal that holds each message.
 *   node bench/tools/gc-log-summary.cjs [--seconds 20] /tmp/gc/gc-*.tsv
 */
const fs = require('node:fs');
const path = require('node:path');

const args = process.argv.slice(2);
let seconds = 20;
if (args[0] === '--seconds') {
  seconds = Number(args[1]);
  args.splice(0, 2);
}
if (!args.length || !(seconds > 0)) throw new Error('usage: gc-log-summary.cjs [--seconds 20] gc-<pid>.tsv ...');
for (const file of args) {
  const rows = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split('\t'));
  const end = Math.max(...rows.filter((r) => r[1] === 'heap').map((r) => Number(r[0]))) - 2000;
  const from = end - seconds * 1000;
  const kinds = {};
  const heaps = [];
  for (const r of rows) {
    const t = Number(r[0]);
    if (t < from || t > end) continue;
    if (r[1] === 'heap') heaps.push({ t, cpu: Number(r[2]), old: Number(/old_space=([\d.]+)/.exec(r[3])?.[1]) });
    else (kinds[r[1]] ??= { n: 0, ms: 0 }).n++, (kinds[r[1]].ms += Number(r[2]));
  }
  if (heaps.length < 2) {
    console.log(`${path.basename(file)}: under 2 s of samples in the window`);
    continue;
  }
  const a = heaps[0];
  const b = heaps[heaps.length - 1];
  const gc = Object.entries(kinds).map(([k, v]) => `${k} ${v.n} (${v.ms.toFixed(0)} ms)`).join(', ');
  const rate = (b.old - a.old) / ((b.t - a.t) / 1000);
  console.log(`${path.basename(file)}: ${((b.t - a.t) / 1000).toFixed(0)} s: ${gc || 'no collection'}; CPU ${b.cpu - a.cpu} ms; old generation ${a.old.toFixed(0)} → ${b.old.toFixed(0)} MB (${rate.toFixed(1)} MB/s)`);
}
