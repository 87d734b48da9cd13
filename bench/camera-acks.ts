/**
 * Camera-acks scenario (issue 19, "the ack path"): what awaiting the server's ack costs an edge
 * camera (lpr-camera's and lpr-sim's CameraAgent and DetectionOutbox). Per run, in its own process,
 * one camera publishes N detections (QoS 1) and settles each (c') on the server's `detection/ack`
 * or (c) on the broker's PUBACK (acks off, fire-and-forget QoS 1), interleaved, median of --runs.
 * The acks come from a bare MQTT.js client in another process (bench/lib/acker.ts), running in
 * both modes (the broker's load is the same; with acks off the camera does not subscribe to them).
 * Goal: c'/c >= 0.85. The figures are detections per second of wall time and per CPU-second of
 * the camera's process (N over its CPU time: on a shared machine the steadier measure of its cost). BENCH_SRC_B=<dir of another src/> adds (cB) and (c'B) running that source
 * (e.g. main's) for before/after in the same run.
 * Options: --n 20000 --runs 3 --window 2000 (most detections waiting in the outbox)
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startBenchBroker, type BenchBroker } from './lib/broker';
import { track } from './lib/cleanup';
import { DETECTION_FILTER } from './lib/detections';
import { option } from './lib/args';
import { perCpu, reportPerCpu, runJsonChild, type RateResult } from './lib/per-cpu';
import { saveResult } from './lib/report';

const N = option('n', 20_000);
const RUNS = option('runs', 3);
const WINDOW = option('window', 2_000);
const OWN_SRC = path.resolve(__dirname, '../src');

interface RunResult extends RateResult {
  mode: string;
  rssMB: number;
}

function runCamera(broker: BenchBroker, mode: 'ack' | 'noack', src: string): Promise<RunResult> {
  return runJsonChild<RunResult>(path.join(__dirname, 'lib/camera-run.ts'), [broker.url, mode, String(N), String(WINDOW), src], `camera run (${mode})`);
}

function startAcker(broker: BenchBroker): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'lib/acker.ts'), broker.url, DETECTION_FILTER], { stdio: ['ignore', 'pipe', 'inherit'] });
    const untrack = track(child.pid);
    const stop = () => {
      untrack();
      child.kill('SIGKILL');
    };
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) resolve(stop);
    });
    child.on('exit', (code) => reject(new Error(`acker exited (${code})`)));
  });
}

async function main() {
  const broker = await startBenchBroker();
  const srcB = process.env.BENCH_SRC_B ? path.resolve(process.env.BENCH_SRC_B) : null;
  const contenders: Array<{ key: string; label: string; mode: 'ack' | 'noack'; src: string }> = [
    { key: 'c', label: '(c) camera, acks off (settled on PUBACK)', mode: 'noack', src: OWN_SRC },
    { key: "c'", label: "(c') camera, acks awaited", mode: 'ack', src: OWN_SRC },
  ];
  if (srcB) {
    contenders.push(
      { key: 'cB', label: '(c) camera, acks off, source B', mode: 'noack', src: srcB },
      { key: "c'B", label: "(c') camera, acks awaited, source B", mode: 'ack', src: srcB },
    );
  }
  const results: Record<string, RunResult[]> = Object.fromEntries(contenders.map((c) => [c.key, []]));
  const stopAcker = await startAcker(broker);
  try {
    for (let run = 1; run <= RUNS; run++) {
      console.log(`run ${run}/${RUNS}`);
      for (const c of contenders) {
        const r = await runCamera(broker, c.mode, c.src);
        results[c.key]!.push(r);
        console.log(`  ${c.label}: ${r.rate.toFixed(0)} detections/s, ${perCpu(r).toFixed(0)} per CPU-second (${r.seconds.toFixed(2)} s, ${r.cpuCores.toFixed(2)} cores)`);
      }
    }
  } finally {
    stopAcker();
    await broker.stop();
  }
  const pairs: Array<[string, string]> = [["c'", 'c']];
  if (srcB) pairs.push(["c'B", 'cB'], ["c'", "c'B"], ['c', 'cB']);
  const ratios = reportPerCpu(`camera acks: ${N} detections per run, at most ${WINDOW} waiting, median of ${RUNS} (command: npm run bench -- camera-acks)`, 'detections', contenders, results, pairs, "goal c'/c >= 0.85");
  console.log(`saved ${saveResult('camera-acks', { n: N, runs: RUNS, window: WINDOW, srcB, results, ratios })}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
