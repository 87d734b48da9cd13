/**
 * What a running process made that is still alive: V8's sampling heap profiler runs for
 * LPR_LIVE_FOR ms (5,000) from LPR_LIVE_AT ms after start (45,000), then writes
 * $LPR_LIVE_DIR/live-<pid>.heapprofile: the objects allocated in that time and not yet collected when
 * it stopped, by the function that made them. Set beside another camera count's, the difference is
 * what lives longer with more cameras (docs/performance.md, "The ninth pass"):
 *   LPR_LIVE_DIR=/tmp/live BENCH_NODE_ARGS="--require $PWD/bench/tools/live-alloc-preload.cjs" npm run bench -- growth --counts 100,1000
 * Summarise with `node bench/tools/live-alloc-summary.cjs a.heapprofile [b.heapprofile]`.
 */
const fs = require('node:fs');
const path = require('node:path');
const { Session } = require('node:inspector');

const dir = process.env.LPR_LIVE_DIR || process.cwd();
const at = Number(process.env.LPR_LIVE_AT || 45_000);
const span = Number(process.env.LPR_LIVE_FOR || 5_000);

setTimeout(() => {
  const session = new Session();
  session.connect();
  session.post('HeapProfiler.startSampling', { samplingInterval: 1024 }, (err) => {
    if (err) return fs.writeFileSync(path.join(dir, `live-${process.pid}.error`), String(err));
    setTimeout(() => {
      session.post('HeapProfiler.stopSampling', (err2, result) => {
        if (err2) return fs.writeFileSync(path.join(dir, `live-${process.pid}.error`), String(err2));
        fs.writeFileSync(path.join(dir, `live-${process.pid}.heapprofile`), JSON.stringify(result.profile));
        session.disconnect();
      });
    }, span).unref();
  });
}, at).unref();
