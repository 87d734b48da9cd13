/**
 * Drain scenario (issue 8): N seed-format detections (default 100,000; distinct message_ids, 20
 * cameras) queued in a real Mosquitto for persistent sessions, then drained in the same run by
 *   (a) a bare MQTT.js client doing JSON.parse,
 *   (b) Node-RED's core `mqtt in` (json) wired to a counting node,
 *   (i) what an integrator builds without this package: mqtt in (json) → function (camera id vs
 *       topic, dedupe by message_id, the ack) → mqtt out (issue 19; the ratio c'/i, goal ≥ 2.5),
 *   (c) lpr-detection-in (validation + dedupe), ack off, and (c') ack on, wired to the same node
 *       (issue 19: c'/c >= 0.85),
 *   (d) lpr-detection-in with batches (500 detections or 50 ms), ack off, and (d') ack on (issue 19:
 *       d'/b >= 2, d'/a >= 0.8); the counter counts each entry of a batch,
 * each in its own process, in interleaved order (a, b, c, c', a, b, ...), median of 3 runs.
 * Every contender has its own session, all filled by one publish per run.
 * Options: --n 100000 --runs 3 --cameras 20 --nodelay 1 (broker: set_tcp_nodelay true)
 * --raw-ack 1 adds (a') the bare client also publishing a QoS 1 ack per message (what acking costs
 * in MQTT.js and the broker alone). BENCH_DIST_B=<dir> adds (c) and (c') running that build of dist/ (e.g. a prototype), for before/after.
 */
import { startBenchBroker } from './lib/broker';
import { createSession, DETECTION_FILTER, DetectionFactory, publishAll, sizeStats } from './lib/detections';
import { drainNodeRed, drainRaw, median, type DrainResult } from './lib/drain-run';
import { coreFlow, integratorFlow, lprFlow } from './lib/flows';
import { option } from './lib/args';
import { printTable, saveResult } from './lib/report';

const N = option('n', 100_000);
const RUNS = option('runs', 3);
const CAMERAS = option('cameras', 20);
const RAW_ACK = option('raw-ack', 0) === 1;
/** `--nodelay 1`: Mosquitto with `set_tcp_nodelay true`. */
const NODELAY = option('nodelay', 0) === 1;

interface Contender {
  key: string;
  label: string;
  clientId: string;
  run: (port: number) => Promise<DrainResult>;
}

async function main() {
  const broker = await startBenchBroker(NODELAY ? ['set_tcp_nodelay true'] : []);
  const contenders: Contender[] = [
    { key: 'a', label: '(a) MQTT.js + JSON.parse', clientId: 'drain-a', run: () => drainRaw('a', 'drain-a', broker, N) },
    { key: 'b', label: '(b) core mqtt in (json)', clientId: 'drain-b', run: (port) => drainNodeRed('b', coreFlow({ port, clientId: 'drain-b', clean: false, target: N }), broker, N) },
    { key: 'i', label: "(i) integrator's mqtt in + function + mqtt out, ack on", clientId: 'drain-i', run: (port) => drainNodeRed('i', integratorFlow({ port, clientId: 'drain-i', clean: false, target: N }), broker, N) },
    { key: 'c', label: '(c) lpr-detection-in, ack off', clientId: 'drain-c', run: (port) => drainNodeRed('c', lprFlow({ port, clientId: 'drain-c', clean: false, ack: false, target: N }), broker, N) },
    { key: "c'", label: "(c') lpr-detection-in, ack on", clientId: 'drain-c2', run: (port) => drainNodeRed("c'", lprFlow({ port, clientId: 'drain-c2', clean: false, ack: true, target: N }), broker, N) },
    { key: 'd', label: '(d) lpr-detection-in, batches of 500 / 50 ms, ack off', clientId: 'drain-d', run: (port) => drainNodeRed('d', lprFlow({ port, clientId: 'drain-d', clean: false, ack: false, batch: 500, batchWindow: 50, target: N }), broker, N) },
    { key: "d'", label: "(d') lpr-detection-in, batches of 500 / 50 ms, ack on", clientId: 'drain-d2', run: (port) => drainNodeRed("d'", lprFlow({ port, clientId: 'drain-d2', clean: false, ack: true, batch: 500, batchWindow: 50, target: N }), broker, N) },
  ];
  if (RAW_ACK) contenders.splice(1, 0, { key: "a'", label: "(a') MQTT.js + JSON.parse + QoS 1 ack", clientId: 'drain-a2', run: () => drainRaw("a'", 'drain-a2', broker, N, { ack: true }) });
  const distB = process.env.BENCH_DIST_B;
  if (distB) {
    contenders.push(
      { key: 'cB', label: '(c) lpr-detection-in, ack off, build B', clientId: 'drain-cB', run: (port) => drainNodeRed('cB', lprFlow({ port, clientId: 'drain-cB', clean: false, ack: false, target: N }), broker, N, { dist: distB }) },
      { key: "c'B", label: "(c') lpr-detection-in, ack on, build B", clientId: 'drain-c2B', run: (port) => drainNodeRed("c'B", lprFlow({ port, clientId: 'drain-c2B', clean: false, ack: true, target: N }), broker, N, { dist: distB }) },
    );
  }
  const results: Record<string, DrainResult[]> = Object.fromEntries(contenders.map((c) => [c.key, []]));
  const factory = new DetectionFactory(CAMERAS);
  let sizes: ReturnType<typeof sizeStats> | null = null;
  const publishSeconds: number[] = [];
  try {
    for (let run = 1; run <= RUNS; run++) {
      for (const c of contenders) await createSession(broker.url, c.clientId, DETECTION_FILTER);
      const items = factory.batch(N);
      sizes ??= sizeStats(items);
      publishSeconds.push(await publishAll(broker.url, items));
      console.log(`run ${run}/${RUNS}: ${N} detections queued for ${contenders.length} sessions in ${publishSeconds.at(-1)!.toFixed(1)} s`);
      for (const c of contenders) {
        const r = await c.run(broker.port);
        if (r.count < N) throw new Error(`${c.label} received ${r.count} of ${N}`);
        results[c.key]!.push(r);
        console.log(`  ${c.label}: ${r.rate.toFixed(0)} msg/s (${r.seconds.toFixed(2)} s, consumer ${fmtCores(r.consumerCpu)}, broker ${fmtCores(r.brokerCpu)})`);
      }
    }
  } finally {
    await broker.stop();
  }
  const med = (k: string) => median(results[k]!.map((r) => r.rate));
  const rows = contenders.map((c) => {
    const rs = results[c.key]!;
    return {
      contender: c.label,
      'msg/s (median)': med(c.key).toFixed(0),
      runs: rs.map((r) => r.rate.toFixed(0)).join(' / '),
      'consumer CPU (cores)': median(rs.map((r) => r.consumerCpu ?? NaN)).toFixed(2),
      'broker CPU (cores)': median(rs.map((r) => r.brokerCpu ?? NaN)).toFixed(2),
      'RSS MB': median(rs.map((r) => r.rssMB)).toFixed(0),
    };
  });
  printTable(`drain: ${N} detections (${sizes!.meanBytes} B mean, ${sizes!.minBytes}-${sizes!.maxBytes}), ${CAMERAS} cameras, median of ${RUNS}; broker ${broker.config.join(', ')} (command: npm run bench -- drain)`, rows);
  // Ratios of the medians, and per run (same broker state, adjacent in time) to show the spread.
  const ratio = (x: string, y: string) => ({
    median: med(x) / med(y),
    perRun: results[x]!.map((r, i) => r.rate / results[y]![i]!.rate),
  });
  const ratios: Record<string, { median: number; perRun: number[] }> = { "c'/i": ratio("c'", 'i'), "c'/c": ratio("c'", 'c'), "d'/d": ratio("d'", 'd'), 'c/b': ratio('c', 'b'), 'c/a': ratio('c', 'a'), "c'/b": ratio("c'", 'b'), "c'/a": ratio("c'", 'a'), 'b/a': ratio('b', 'a'), 'd/b': ratio('d', 'b'), 'd/a': ratio('d', 'a'), "d'/b": ratio("d'", 'b'), "d'/a": ratio("d'", 'a'), "d'/i": ratio("d'", 'i'), 'd/c': ratio('d', 'c'), "d'/c'": ratio("d'", "c'") };
  if (RAW_ACK) Object.assign(ratios, { "c'/a'": ratio("c'", "a'") });
  if (distB) Object.assign(ratios, { 'cB/b': ratio('cB', 'b'), 'cB/a': ratio('cB', 'a'), "c'B/b": ratio("c'B", 'b'), "c'B/a": ratio("c'B", 'a'), 'cB/c': ratio('cB', 'c'), "c'B/c'": ratio("c'B", "c'") });
  printTable(
    "drain ratios (targets with ack off: c/b >= 1.3, c/a >= 0.8; with batches: d'/b >= 2, d'/a >= 0.8; with acks: c'/i >= 2.5, acks on against off c'/c >= 0.85)",
    Object.entries(ratios).map(([k, v]) => ({ ratio: k, median: v.median.toFixed(2), 'per run': v.perRun.map((x) => x.toFixed(2)).join(' / ') })),
  );
  const file = saveResult('drain', { distA: process.env.BENCH_DIST ?? 'dist', distB: distB ?? null, n: N, runs: RUNS, cameras: CAMERAS, sizes, publishSeconds, brokerConfig: broker.config, results, ratios });
  console.log(`saved ${file}`);
}

function fmtCores(x: number | null): string {
  return x === null ? '?' : `${x.toFixed(2)} cores`;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
