/**
 * Ack-path scenario (issue 19, "the ack path"): what acking costs lpr-detection-in's hot path
 * itself, without Node-RED around it (whose per-message machinery is the same with acks on or off).
 * N queued detections per contender's persistent session, drained (bench/lib/ack-path-run.ts: the
 * node's BrokerConnection → DetectionIntake → detectionMessages → HandoverQueue → ack publish) with
 * (c) acks off and (c') on, each in its own process, interleaved, median of --runs; figures per
 * second of wall time and per CPU-second of the consumer (the steadier one on a shared machine).
 * BENCH_SRC_B=<dir of another src/> adds (cB) and (c'B) running that source for before/after.
 * Options: --n 50000 --runs 3 --cameras 20
 */
import path from 'node:path';
import { startBenchBroker, type BenchBroker } from './lib/broker';
import { createSession, DETECTION_FILTER, DetectionFactory, publishAll } from './lib/detections';
import { option } from './lib/args';
import { perCpu, reportPerCpu, runJsonChild, type RateResult } from './lib/per-cpu';
import { saveResult } from './lib/report';

const N = option('n', 50_000);
const RUNS = option('runs', 3);
const CAMERAS = option('cameras', 20);
const OWN_SRC = path.resolve(__dirname, '../src');

interface RunResult extends RateResult {
  failed: number;
  accepted: number;
}

function drain(broker: BenchBroker, clientId: string, ack: boolean, src: string): Promise<RunResult> {
  return runJsonChild<RunResult>(path.join(__dirname, 'lib/ack-path-run.ts'), [broker.url, clientId, ack ? '1' : '0', String(N), src], clientId);
}

async function main() {
  const broker = await startBenchBroker();
  const srcB = process.env.BENCH_SRC_B ? path.resolve(process.env.BENCH_SRC_B) : null;
  const contenders = [
    { key: 'c', label: '(c) hot path, ack off', clientId: 'ackpath-c', ack: false, src: OWN_SRC },
    { key: "c'", label: "(c') hot path, ack on", clientId: 'ackpath-c2', ack: true, src: OWN_SRC },
  ];
  if (srcB) {
    contenders.push(
      { key: 'cB', label: '(c) ack off, source B', clientId: 'ackpath-cB', ack: false, src: srcB },
      { key: "c'B", label: "(c') ack on, source B", clientId: 'ackpath-c2B', ack: true, src: srcB },
    );
  }
  const results: Record<string, RunResult[]> = Object.fromEntries(contenders.map((c) => [c.key, []]));
  const factory = new DetectionFactory(CAMERAS);
  try {
    for (let run = 1; run <= RUNS; run++) {
      for (const c of contenders) await createSession(broker.url, c.clientId, DETECTION_FILTER);
      const seconds = await publishAll(broker.url, factory.batch(N));
      console.log(`run ${run}/${RUNS}: ${N} detections queued for ${contenders.length} sessions in ${seconds.toFixed(1)} s`);
      for (const c of contenders) {
        const r = await drain(broker, c.clientId, c.ack, c.src);
        if (r.accepted < N || r.failed > 0) throw new Error(`${c.label}: ${r.accepted} of ${N} accepted, ${r.failed} acks failed`);
        results[c.key]!.push(r);
        console.log(`  ${c.label}: ${r.rate.toFixed(0)} msg/s, ${perCpu(r).toFixed(0)} per CPU-second (${r.seconds.toFixed(2)} s, ${r.cpuCores.toFixed(2)} cores)`);
      }
    }
  } finally {
    await broker.stop();
  }
  const pairs: Array<[string, string]> = [["c'", 'c']];
  if (srcB) pairs.push(["c'B", 'cB'], ["c'", "c'B"], ['c', 'cB']);
  const ratios = reportPerCpu(`ack path: ${N} queued detections, ${CAMERAS} cameras, median of ${RUNS} (command: npm run bench -- ack-path)`, 'msg', contenders, results, pairs, "goal c'/c >= 0.85");
  console.log(`saved ${saveResult('ack-path', { n: N, runs: RUNS, cameras: CAMERAS, srcB, results, ratios })}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
