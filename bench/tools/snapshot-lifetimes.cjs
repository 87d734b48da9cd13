/**
 * What lives for about a second: the objects of snapshot B that were not in A (made since) and are
 * not in C (gone 1.5 s later), with the older objects that held them in B (the edges that kept them
 * alive), by count. At N camera ids and R detections/s, what a detection leaves until its camera's
 * next one lives N/R s: these are the objects the young generation promotes once N/R outlasts two
 * scavenges (docs/performance.md, the sixth pass).
 *   node --max-old-space-size=6000 bench/tools/snapshot-lifetimes.cjs a-<pid>.heapsnapshot b-<pid>.heapsnapshot c-<pid>.heapsnapshot
 */
const fs = require('node:fs');

function load(file) {
  const s = JSON.parse(fs.readFileSync(file, 'utf8'));
  const nf = s.snapshot.meta.node_fields;
  const ef = s.snapshot.meta.edge_fields;
  return {
    s,
    nodeTypes: s.snapshot.meta.node_types[0],
    edgeTypes: s.snapshot.meta.edge_types[0],
    n: nf.length,
    type: nf.indexOf('type'),
    name: nf.indexOf('name'),
    id: nf.indexOf('id'),
    size: nf.indexOf('self_size'),
    edges: nf.indexOf('edge_count'),
    en: ef.length,
    edgeType: ef.indexOf('type'),
    edgeName: ef.indexOf('name_or_index'),
    to: ef.indexOf('to_node'),
  };
}

function idsOf(file) {
  const x = load(file);
  const ids = new Set();
  for (let i = 0; i < x.s.nodes.length; i += x.n) ids.add(x.s.nodes[i + x.id]);
  return ids;
}

const [fileA, fileB, fileC] = process.argv.slice(2);
if (!fileC) throw new Error('usage: snapshot-lifetimes.cjs A B C (three snapshots of one process, in order)');
const before = idsOf(fileA);
const after = idsOf(fileC);
const b = load(fileB);
const nodes = b.s.nodes;
const edges = b.s.edges;
// The objects of B made since A and gone by C.
const short = new Uint8Array(nodes.length / b.n);
let count = 0;
let bytes = 0;
for (let i = 0; i < nodes.length; i += b.n) {
  const id = nodes[i + b.id];
  if (before.has(id) || after.has(id)) continue;
  short[i / b.n] = 1;
  count++;
  bytes += nodes[i + b.size];
}
const label = (i) => {
  const type = b.nodeTypes[nodes[i + b.type]];
  const name = b.s.strings[nodes[i + b.name]];
  return `${type}:${type.includes('string') ? name.slice(0, 30) : name}`;
};
// Who holds them: edges from objects that are not short-lived themselves.
const holders = new Map();
let e = 0;
for (let i = 0; i < nodes.length; i += b.n) {
  const own = short[i / b.n] === 1;
  for (let j = 0; j < nodes[i + b.edges]; j++, e += b.en) {
    const to = edges[e + b.to];
    if (own || !short[to / b.n]) continue;
    const kind = b.edgeTypes[edges[e + b.edgeType]];
    const name = kind === 'element' || kind === 'hidden' ? `[${kind}]` : b.s.strings[edges[e + b.edgeName]];
    const key = `${label(i)} --${name}--> ${label(to)}`;
    const g = holders.get(key) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += nodes[to + b.size];
    holders.set(key, g);
  }
}
console.log(`made since A and gone by C: ${count} objects, ${(bytes / 1e6).toFixed(2)} MB; held in B by:`);
for (const [key, g] of [...holders].sort((x, y) => y[1].count - x[1].count).slice(0, 40)) {
  console.log(`${String(g.count).padStart(7)} ${String(g.bytes).padStart(9)} B  ${key.slice(0, 160)}`);
}
