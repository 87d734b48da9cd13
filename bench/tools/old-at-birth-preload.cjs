/**
 * Which per-message objects V8 makes in the old generation from birth (a pretenured allocation site,
 * docs/performance.md "The seventh pass"). From LPR_BIRTH_AT ms after start (30,000), every send
 * through Node-RED's flows is looked at as it is made: Node-RED's send event and its array, and for
 * this package's nodes the msg, msg.payload, msg.lpr, msg.lpr.site, counted young or old, into
 * $LPR_BIRTH_DIR/birth-<pid>.txt (default the working directory) once a second; and when a send
 * event is first seen old, a line `first old send event at <epoch ms>, from <node type>` (when V8
 * decided, to set beside the GC log's collections). Needs V8's natives:
 *   LPR_BIRTH_DIR=/tmp/b BENCH_NODE_ARGS="--allow-natives-syntax --require $PWD/bench/tools/old-at-birth-preload.cjs" npm run bench -- growth --counts 1000
 */
const fs = require('node:fs');
const path = require('node:path');

const file = path.join(process.env.LPR_BIRTH_DIR || process.cwd(), `birth-${process.pid}.txt`);
const isYoung = new Function('o', 'return %InYoungGeneration(o)');
const counts = new Map();
let firstOld = '';
const note = (what, o) => {
  if (o === null || typeof o !== 'object') return;
  let c = counts.get(what);
  if (!c) counts.set(what, (c = { young: 0, old: 0 }));
  if (isYoung(o)) c.young++;
  else c.old++;
};

setTimeout(() => {
  // Node-RED's Flow, as loaded by this process (its send() takes every node's sends).
  const key = Object.keys(require.cache).find((f) => f.endsWith('/@node-red/runtime/lib/flows/Flow.js'));
  if (!key) return fs.writeFileSync(file, 'Node-RED not loaded in this process\n');
  const Flow = require.cache[key].exports.Flow;
  const send = Flow.prototype.send;
  Flow.prototype.send = function (events) {
    note('Node-RED send events array', events);
    for (const ev of events) {
      note('Node-RED send event', ev);
      if (!firstOld && ev && !isYoung(ev)) firstOld = `first old send event at ${Date.now()}, from ${ev.source?.node?.type}`;
      const type = ev.source?.node?.type;
      if (!type?.startsWith('lpr-') || !ev.msg) continue;
      note(`${type} msg`, ev.msg);
      note(`${type} msg.payload`, ev.msg.payload);
      note(`${type} msg.lpr`, ev.msg.lpr);
      note(`${type} msg.lpr.site`, ev.msg.lpr?.site);
    }
    return send.apply(this, arguments);
  };
  setInterval(() => {
    const lines = [...counts].map(([what, c]) => `${what}: ${c.old} of ${c.old + c.young} old at birth`);
    if (firstOld) lines.push(firstOld);
    fs.writeFileSync(file, lines.join('\n') + '\n');
  }, 1000).unref();
}, Number(process.env.LPR_BIRTH_AT || 30_000)).unref();
