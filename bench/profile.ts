/**
 * Profile scenario (issue 8): the drain (N queued detections, default 100,000) consumed by a
 * Node-RED host running under `node --cpu-prof`, for lpr-detection-in (ack off, ack on) and core
 * `mqtt in` (json) for comparison. Only the samples between the first and the N-th message count
 * (the bench-counter's process.hrtime stamps, the profile's clock). Prints self time by group
 * (ours / MQTT.js / Node-RED / zod / Node / V8), by owner (our source files, packages) and the top
 * functions; keeps the .cpuprofile files in bench/results/ (open them in Chrome DevTools).
 * Options: --n 100000 --interval 200 (sampling µs) --top 25; --batch 500 adds lpr-detection-in with batches of that many (50 ms), ack off and on
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { option } from './lib/args';
import { startBenchBroker } from './lib/broker';
import { createSession, DETECTION_FILTER, DetectionFactory, publishAll } from './lib/detections';
import { drainNodeRed, type DrainResult } from './lib/drain-run';
import { coreFlow, lprFlow } from './lib/flows';
import { summarise, type CpuProfile, type Summary } from './lib/profile-summary';
import { printTable, saveResult } from './lib/report';

const N = option('n', 100_000);
const INTERVAL = option('interval', 200);
const TOP = option('top', 25);
const BATCH = option('batch', 0);

async function main() {
  const broker = await startBenchBroker();
  const runs: Array<{ key: string; label: string; clientId: string; flow: unknown[] }> = [
    { key: 'c', label: 'lpr-detection-in, ack off', clientId: 'prof-c', flow: lprFlow({ port: broker.port, clientId: 'prof-c', clean: false, ack: false, target: N }) },
    { key: "c'", label: 'lpr-detection-in, ack on', clientId: 'prof-c2', flow: lprFlow({ port: broker.port, clientId: 'prof-c2', clean: false, ack: true, target: N }) },
    { key: 'b', label: 'core mqtt in (json)', clientId: 'prof-b', flow: coreFlow({ port: broker.port, clientId: 'prof-b', clean: false, target: N }) },
  ];
  if (BATCH > 1) {
    for (const [key, ack] of [['d', false], ["d'", true]] as const) {
      const clientId = `prof-${key === 'd' ? 'd' : 'd2'}`;
      runs.push({ key, label: `lpr-detection-in, batches of ${BATCH}, ack ${ack ? 'on' : 'off'}`, clientId, flow: lprFlow({ port: broker.port, clientId, clean: false, ack, batch: BATCH, batchWindow: 50, target: N }) });
    }
  }
  const out: Array<{ key: string; label: string; drain: DrainResult; summary: Summary; profile: string }> = [];
  try {
    for (const r of runs) await createSession(broker.url, r.clientId, DETECTION_FILTER);
    await publishAll(broker.url, new DetectionFactory(20).batch(N));
    for (const r of runs) {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'lpr-bench-prof-'));
      try {
        const drain = await drainNodeRed(r.key, r.flow, broker, N, { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', String(INTERVAL)] });
        const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
        if (!file) throw new Error(`${r.label}: no .cpuprofile written`);
        const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
        const summary = summarise(profile, { fromUs: drain.hrFirstUs, toUs: drain.hrAtTargetUs });
        // bench/results/ is not in git (a fresh clone has none until a scenario saves a result).
        mkdirSync(path.resolve(__dirname, 'results'), { recursive: true });
        const kept = path.resolve(__dirname, 'results', `profile-${r.key.replace("'", '-ack')}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
        copyFileSync(path.join(dir, file), kept);
        out.push({ key: r.key, label: r.label, drain, summary, profile: kept });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await broker.stop();
  }
  const pct = (x: number) => `${(x * 100).toFixed(1)}`;
  for (const o of out) {
    const perMsgUs = (ms: number) => ((ms * 1000) / N).toFixed(2);
    console.log(`\n=== ${o.label}: ${o.drain.rate.toFixed(0)} msg/s under the profiler; ${o.summary.sampledMs.toFixed(0)} ms sampled in a ${o.summary.windowMs.toFixed(0)} ms drain`);
    printTable(`${o.label}: self time by group`, o.summary.byGroup.map((r) => ({ group: r.name, ms: r.ms.toFixed(0), '%': pct(r.share), 'µs/msg': perMsgUs(r.ms) })));
    printTable(
      `${o.label}: self time by owner (top ${TOP})`,
      o.summary.byOwner.slice(0, TOP).map((r) => ({ owner: r.name, group: r.owner, ms: r.ms.toFixed(0), '%': pct(r.share), 'µs/msg': perMsgUs(r.ms) })),
    );
    printTable(
      `${o.label}: top ${TOP} functions by self time`,
      o.summary.byFunction.slice(0, TOP).map((r) => ({ function: r.name.slice(0, 60), owner: r.owner, ms: r.ms.toFixed(0), '%': pct(r.share), 'µs/msg': perMsgUs(r.ms) })),
    );
    console.log(`profile: ${o.profile}`);
  }
  const file = saveResult('profile', {
    n: N,
    intervalUs: INTERVAL,
    runs: out.map((o) => ({ key: o.key, label: o.label, drain: o.drain, profile: o.profile, byGroup: o.summary.byGroup, byOwner: o.summary.byOwner.slice(0, 60), byFunction: o.summary.byFunction.slice(0, 100) })),
  });
  console.log(`saved ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
