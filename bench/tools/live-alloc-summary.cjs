/**
 * Sums a .heapprofile (bench/tools/live-alloc-preload.cjs) by the function that allocated, in KB,
 * the largest first; given two, each function's KB in both and the difference (second - first).
 *   node bench/tools/live-alloc-summary.cjs a.heapprofile [b.heapprofile] [--top 30]
 */
const fs = require('node:fs');

const args = process.argv.slice(2);
const topAt = args.indexOf('--top');
const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 30;

function bySite(file) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const sizes = new Map();
  const walk = (node) => {
    const f = node.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${(f.url || '').split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
    const self = (node.selfSize || 0) / 1024;
    if (self) sizes.set(key, (sizes.get(key) || 0) + self);
    for (const c of node.children || []) walk(c);
  };
  walk(profile.head);
  return sizes;
}

const [a, b] = args.map(bySite);
const total = (m) => [...m.values()].reduce((s, v) => s + v, 0);
if (!b) {
  console.log(`${total(a).toFixed(0)} KB alive`);
  for (const [k, v] of [...a].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`${v.toFixed(1).padStart(9)} KB  ${k}`);
} else {
  console.log(`${total(a).toFixed(0)} KB alive in the first, ${total(b).toFixed(0)} KB in the second`);
  const keys = new Set([...a.keys(), ...b.keys()]);
  const rows = [...keys].map((k) => [k, a.get(k) || 0, b.get(k) || 0]).sort((x, y) => Math.abs(y[2] - y[1]) - Math.abs(x[2] - x[1]));
  for (const [k, x, y] of rows.slice(0, top)) console.log(`${x.toFixed(1).padStart(9)} ${y.toFixed(1).padStart(9)} ${(y - x >= 0 ? '+' : '') + (y - x).toFixed(1)} KB  ${k}`);
}
