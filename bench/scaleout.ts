/**
 * Scale-out scenario (issue 8): the drain (N queued detections, default 100,000) consumed by one
 * Node-RED runtime versus two (separate processes), lpr-detection-in (ack off) in one MQTT shared
 * subscription group (`sharedGroup`) in both cases. Mosquitto deals a shared group's messages
 * round-robin, also to members offline with a persistent session, so each of the two holds N/2.
 * Both runtimes are started first and get their flow by simultaneous deploys; the time runs from
 * the first message either sees to the last either sees (wall clock: performance.timeOrigin +
 * performance.now() in each). Every message_id is collected from both: 0 missing, 0 duplicated.
 * Interleaved one, two, one, two, ...; median of --runs (default 3). Options: --n --runs --ack 0|1
 */
import os from 'node:os';
import { option } from './lib/args';
import { startBenchBroker, type BenchBroker } from './lib/broker';
import { createSession, DetectionFactory, publishAll, TOPIC_ROOT } from './lib/detections';
import { cpuBetween, median, pollUntil, type CounterState } from './lib/drain-run';
import { EMPTY_FLOW, lprFlow } from './lib/flows';
import { startNodeRed, type NodeRedHost } from './lib/node-red-host';
import { printTable, saveResult } from './lib/report';

const N = option('n', 100_000);
const RUNS = option('runs', 3);
const ACK = option('ack', 0) === 1;
const filter = (group: string) => `$share/${group}/${TOPIC_ROOT}/cameras/+/detection`;

interface ScaleResult {
  runtimes: number;
  rate: number;
  seconds: number;
  perRuntime: Array<{ count: number; rate: number; cpu: number | null }>;
  brokerCpu: number | null;
  missing: number;
  duplicated: number;
}

async function drainGroup(group: string, clientIds: string[], broker: BenchBroker, expected: Set<string>): Promise<ScaleResult> {
  const hosts: NodeRedHost[] = [];
  try {
    for (let i = 0; i < clientIds.length; i++) hosts.push(await startNodeRed(EMPTY_FLOW));
    await Promise.all(hosts.map((h, i) => h.deploy(lprFlow({ port: broker.port, clientId: clientIds[i]!, clean: false, ack: ACK, sharedGroup: group, mode: 'ids', target: Math.floor(N / clientIds.length) }))));
    const read = async () => {
      const states = await Promise.all(hosts.map((h) => h.get<CounterState>('/bench-counter')));
      return { count: states.reduce((s, x) => s + x.count, 0), states };
    };
    const { state, brokerSamples } = await pollUntil(read, (s) => s.count >= N, broker);
    // Anything more (a duplicate) would arrive right behind: give it a moment, then read again.
    await new Promise((r) => setTimeout(r, 500));
    const { states } = await read();
    const first = Math.min(...states.map((s) => s.first));
    const last = Math.max(...states.map((s) => s.last));
    const seen = new Map<string, number>();
    for (const h of hosts) for (const id of await h.get<string[]>('/bench-counter/ids')) seen.set(id, (seen.get(id) ?? 0) + 1);
    let missing = 0;
    for (const id of expected) if (!seen.has(id)) missing++;
    let duplicated = 0;
    for (const n of seen.values()) if (n > 1) duplicated += n - 1;
    const [b0, b1] = brokerSamples;
    return {
      runtimes: hosts.length,
      rate: ((state.count - 1) * 1000) / (last - first),
      seconds: (last - first) / 1000,
      perRuntime: states.map((s) => ({
        count: s.count,
        rate: ((s.count - 1) * 1000) / (s.last - s.first),
        // Each counter's target is its even share (N / runtimes): its CPU from first to that message.
        cpu: cpuBetween(s.cpuFirst, s.cpuAtTarget, s.atTarget - s.first),
      })),
      brokerCpu: b0 && b1 ? (b1.cpuSeconds - b0.cpuSeconds) / ((b1.at - b0.at) / 1000) : null,
      missing,
      duplicated: duplicated + [...seen.keys()].filter((id) => !expected.has(id)).length,
    };
  } finally {
    await Promise.all(hosts.map((h) => h.stop()));
  }
}

async function main() {
  const broker = await startBenchBroker();
  const one: ScaleResult[] = [];
  const two: ScaleResult[] = [];
  const factory = new DetectionFactory(20);
  try {
    for (let run = 1; run <= RUNS; run++) {
      await createSession(broker.url, 'scale-solo-1', filter('solo'));
      await createSession(broker.url, 'scale-pair-1', filter('pair'));
      await createSession(broker.url, 'scale-pair-2', filter('pair'));
      const items = factory.batch(N);
      await publishAll(broker.url, items);
      const expected = new Set(items.map((m) => m.messageId));
      const r1 = await drainGroup('solo', ['scale-solo-1'], broker, expected);
      one.push(r1);
      console.log(`run ${run}: one runtime ${r1.rate.toFixed(0)} msg/s (missing ${r1.missing}, duplicated ${r1.duplicated})`);
      const r2 = await drainGroup('pair', ['scale-pair-1', 'scale-pair-2'], broker, expected);
      two.push(r2);
      console.log(`run ${run}: two runtimes ${r2.rate.toFixed(0)} msg/s [${r2.perRuntime.map((p) => `${p.count} at ${p.rate.toFixed(0)}/s`).join(', ')}] (missing ${r2.missing}, duplicated ${r2.duplicated})`);
    }
  } finally {
    await broker.stop();
  }
  // CPU the runtimes spent per message: if it stays flat from one runtime to two, throughput follows
  // the cores the runtimes get, and the second runtime only helps when a core is free for it.
  const cpuPerMsgUs = (r: ScaleResult) => {
    const cores = r.perRuntime.reduce((s, p) => s + (p.cpu ?? NaN), 0);
    return (cores / r.rate) * 1e6;
  };
  const m1 = median(one.map((r) => r.rate));
  const m2 = median(two.map((r) => r.rate));
  const cores = os.cpus().length;
  printTable(`scaleout: ${N} queued detections, lpr-detection-in (ack ${ACK ? 'on' : 'off'}) in one shared group, median of ${RUNS}; ${cores} cores (command: npm run bench -- scaleout)`, [
    { runtimes: 1, 'msg/s (median)': m1.toFixed(0), runs: one.map((r) => r.rate.toFixed(0)).join(' / '), 'runtime CPU (cores)': median(one.map((r) => r.perRuntime.reduce((s, p) => s + (p.cpu ?? NaN), 0))).toFixed(2), 'CPU µs/msg': median(one.map(cpuPerMsgUs)).toFixed(1), 'broker CPU (cores)': median(one.map((r) => r.brokerCpu ?? NaN)).toFixed(2), missing: one.reduce((s, r) => s + r.missing, 0), duplicated: one.reduce((s, r) => s + r.duplicated, 0) },
    { runtimes: 2, 'msg/s (median)': m2.toFixed(0), runs: two.map((r) => r.rate.toFixed(0)).join(' / '), 'runtime CPU (cores)': median(two.map((r) => r.perRuntime.reduce((s, p) => s + (p.cpu ?? NaN), 0))).toFixed(2), 'CPU µs/msg': median(two.map(cpuPerMsgUs)).toFixed(1), 'broker CPU (cores)': median(two.map((r) => r.brokerCpu ?? NaN)).toFixed(2), missing: two.reduce((s, r) => s + r.missing, 0), duplicated: two.reduce((s, r) => s + r.duplicated, 0) },
  ]);
  const ratio = m2 / m1;
  console.log(`scale-out ratio (two / one): ${ratio.toFixed(2)} (per run ${two.map((r, i) => (r.rate / one[i]!.rate).toFixed(2)).join(' / ')}); ${cores} cores shared by the broker and both runtimes; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  const file = saveResult('scaleout', { n: N, runs: RUNS, ack: ACK, cores, loadavg: os.loadavg(), one, two, ratio, cpuPerMsgUs: { one: median(one.map(cpuPerMsgUs)), two: median(two.map(cpuPerMsgUs)) } });
  console.log(`saved ${file}`);
  const bad = [...one, ...two].find((r) => r.missing || r.duplicated);
  if (bad) throw new Error(`exactly-once check failed: ${bad.missing} missing, ${bad.duplicated} duplicated with ${bad.runtimes} runtime(s)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
