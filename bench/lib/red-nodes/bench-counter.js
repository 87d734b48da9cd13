/**
 * `bench-counter`: the end of every benchmark flow. Counts messages, notes when the first and the
 * target-th arrived (wall clock with sub-ms resolution: performance.timeOrigin + performance.now(),
 * the same formula the bench process uses, so times compare across processes), optionally keeps
 * each message id (exactly-once checks) or the publish-to-here latency (`metadata.bench_sent_at`).
 * A message whose payload is an array (lpr-detection-in's batches) counts as its entries, each
 * arriving when the message does: its ids from `msg.lpr.items[i]`, its latencies from each entry.
 * Read by the bench over the admin API: GET /bench-counter, /bench-counter/ids, /bench-counter/latency.
 * Plain JavaScript: Node-RED loads it from `nodesDir`, outside the package build.
 */
'use strict';

module.exports = function (RED) {
  const now = () => performance.timeOrigin + performance.now();
  let state = fresh();

  function fresh() {
    return { count: 0, countAtFirst: 0, target: 0, first: 0, last: 0, atTarget: 0, cpuFirst: null, cpuAtTarget: null, hrFirstUs: 0, hrAtTargetUs: 0, ids: [], latency: [] };
  }

  RED.httpAdmin.get('/bench-counter', (_req, res) => {
    const s = state;
    res.json({
      count: s.count,
      countAtFirst: s.countAtFirst,
      first: s.first,
      last: s.last,
      atTarget: s.atTarget,
      cpuFirst: s.cpuFirst,
      cpuAtTarget: s.cpuAtTarget,
      hrFirstUs: s.hrFirstUs,
      hrAtTargetUs: s.hrAtTargetUs,
      rssBytes: process.memoryUsage().rss,
      now: now(),
    });
  });
  RED.httpAdmin.get('/bench-counter/ids', (_req, res) => res.json(state.ids));
  RED.httpAdmin.get('/bench-counter/latency', (_req, res) => res.json(state.latency));
  RED.httpAdmin.get('/bench-counter/clock', (_req, res) => res.json({ now: now() }));

  function idOf(lpr, p) {
    if (lpr && typeof lpr.messageId === 'string') return lpr.messageId;
    return p && typeof p === 'object' ? p.message_id : undefined;
  }

  function sentAt(p) {
    return p && p.metadata ? p.metadata.bench_sent_at : undefined;
  }

  function BenchCounter(config) {
    RED.nodes.createNode(this, config);
    const mode = config.mode || 'count';
    state = fresh();
    state.target = Number(config.target) || 0;
    const s = state;
    this.on('input', (msg, _send, done) => {
      const t = now();
      const batch = Array.isArray(msg.payload) ? msg.payload : null;
      const entries = batch ? batch.length : 1;
      const before = s.count;
      if (s.count === 0) {
        s.countAtFirst = entries;
        s.first = t;
        s.cpuFirst = process.cpuUsage();
        // Monotonic µs, the clock of a --cpu-prof profile: lets a summary keep only the drain.
        s.hrFirstUs = Number(process.hrtime.bigint() / 1000n);
      }
      s.count += entries;
      s.last = t;
      if (before < s.target && s.count >= s.target) {
        s.atTarget = t;
        s.cpuAtTarget = process.cpuUsage();
        s.hrAtTargetUs = Number(process.hrtime.bigint() / 1000n);
      }
      if (mode === 'ids') {
        if (!batch) s.ids.push(idOf(msg.lpr, msg.payload));
        else for (let i = 0; i < batch.length; i++) s.ids.push(idOf(msg.lpr && msg.lpr.items && msg.lpr.items[i], batch[i]));
      } else if (mode === 'latency') {
        for (const p of batch || [msg.payload]) {
          const sent = sentAt(p);
          if (typeof sent === 'number') s.latency.push(t - sent, sent);
        }
      }
      done();
    });
  }

  RED.nodes.registerType('bench-counter', BenchCounter);
};
