/**
 * `bench-counter`: the end of every benchmark flow. Counts messages, notes when the first and the
 * target-th arrived (wall clock with sub-ms resolution: performance.timeOrigin + performance.now(),
 * the same formula the bench process uses, so times compare across processes), optionally keeps
 * each message id (exactly-once checks) or the publish-to-here latency (`metadata.bench_sent_at`).
 * Read by the bench over the admin API: GET /bench-counter, /bench-counter/ids, /bench-counter/latency.
 * Plain JavaScript: Node-RED loads it from `nodesDir`, outside the package build.
 */
'use strict';

module.exports = function (RED) {
  const now = () => performance.timeOrigin + performance.now();
  let state = fresh();

  function fresh() {
    return { count: 0, target: 0, first: 0, last: 0, atTarget: 0, cpuFirst: null, cpuAtTarget: null, hrFirstUs: 0, hrAtTargetUs: 0, ids: [], latency: [] };
  }

  RED.httpAdmin.get('/bench-counter', (_req, res) => {
    const s = state;
    res.json({
      count: s.count,
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

  function idOf(msg) {
    if (msg.lpr && typeof msg.lpr.messageId === 'string') return msg.lpr.messageId;
    const p = msg.payload;
    return p && typeof p === 'object' ? p.message_id : undefined;
  }

  function BenchCounter(config) {
    RED.nodes.createNode(this, config);
    const mode = config.mode || 'count';
    state = fresh();
    state.target = Number(config.target) || 0;
    const s = state;
    this.on('input', (msg, _send, done) => {
      const t = now();
      if (s.count === 0) {
        s.first = t;
        s.cpuFirst = process.cpuUsage();
        // Monotonic µs, the clock of a --cpu-prof profile: lets a summary keep only the drain.
        s.hrFirstUs = Number(process.hrtime.bigint() / 1000n);
      }
      s.count++;
      s.last = t;
      if (s.count === s.target) {
        s.atTarget = t;
        s.cpuAtTarget = process.cpuUsage();
        s.hrAtTargetUs = Number(process.hrtime.bigint() / 1000n);
      }
      if (mode === 'ids') s.ids.push(idOf(msg));
      else if (mode === 'latency') {
        const p = msg.payload;
        const sent = p && p.metadata ? p.metadata.bench_sent_at : undefined;
        if (typeof sent === 'number') s.latency.push(t - sent, sent);
      }
      done();
    });
  }

  RED.nodes.registerType('bench-counter', BenchCounter);
};
