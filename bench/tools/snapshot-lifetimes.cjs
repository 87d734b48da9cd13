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
  // Strings by kind only: their texts (one per camera, per plate) would split every group.
  return type.includes('string') ? type : `${type}:${name}`;
};
// Where each node's edges start (edges are stored in node order).
const firstEdge = new Uint32Array(nodes.length / b.n + 1);
for (let i = 0, e = 0; i < nodes.length; i += b.n) {
  firstEdge[i / b.n] = e;
  e += nodes[i + b.edges] * b.en;
}
firstEdge[nodes.length / b.n] = edges.length;
const edgeLabel = (e) => {
  const kind = b.edgeTypes[edges[e + b.edgeType]];
  return kind === 'element' || kind === 'hidden' ? `[${kind}]` : b.s.strings[edges[e + b.edgeName]];
};
// Who holds them: edges from objects that are not short-lived themselves (the roots); then every
// short-lived object below a root, reached through short-lived objects only, is counted to the
// first root that reaches it (its "tree"), so that the bytes below new objects are attributed too.
const holders = new Map();
const owner = new Int32Array(nodes.length / b.n).fill(-1);
const rootKeys = [];
const queue = [];
for (let i = 0; i < nodes.length; i += b.n) {
  if (short[i / b.n] === 1) continue;
  for (let e = firstEdge[i / b.n]; e < firstEdge[i / b.n + 1]; e += b.en) {
    const to = edges[e + b.to];
    if (!short[to / b.n]) continue;
    const key = `${label(i)} --${edgeLabel(e)}--> ${label(to)}`;
    let g = holders.get(key);
    if (!g) holders.set(key, (g = { count: 0, bytes: 0, treeCount: 0, treeBytes: 0, index: rootKeys.push(key) - 1 }));
    g.count++;
    g.bytes += nodes[to + b.size];
    if (owner[to / b.n] === -1) {
      owner[to / b.n] = g.index;
      queue.push(to);
    }
  }
}
for (let q = 0; q < queue.length; q++) {
  const i = queue[q];
  const g = holders.get(rootKeys[owner[i / b.n]]);
  g.treeCount++;
  g.treeBytes += nodes[i + b.size];
  for (let e = firstEdge[i / b.n]; e < firstEdge[i / b.n + 1]; e += b.en) {
    const to = edges[e + b.to];
    if (short[to / b.n] && owner[to / b.n] === -1) {
      owner[to / b.n] = owner[i / b.n];
      queue.push(to);
    }
  }
}
const unreached = count - queue.length;
console.log(`made since A and gone by C: ${count} objects, ${(bytes / 1e6).toFixed(2)} MB; held in B by (count, bytes):`);
for (const [key, g] of [...holders].sort((x, y) => y[1].count - x[1].count).slice(0, 40)) {
  console.log(`${String(g.count).padStart(7)} ${String(g.bytes).padStart(9)} B  ${key.slice(0, 160)}`);
}
console.log(`\nthe same roots with everything short-lived below them (objects, bytes), by bytes; ${unreached} objects reached from no older one:`);
for (const [key, g] of [...holders].sort((x, y) => y[1].treeBytes - x[1].treeBytes).slice(0, 40)) {
  console.log(`${String(g.treeCount).padStart(7)} ${String(g.treeBytes).padStart(9)} B  ${key.slice(0, 160)}`);
}
