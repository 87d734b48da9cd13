/**
 * Scale-out scenario (issue 8): the drain (N queued detections, default 100,000) consumed by one
 * Node-RED runtime versus two (separate processes), lpr-detection-in (ack off) in one MQTT shared
 * subscription group (`sharedGroup`) in both cases. Mosquitto deals a shared group's messages
 * round-robin, also to members offline with a persistent session, so each of the two holds N/2.
 * Both runtimes are started first and get their flow by simultaneous deploys; the time runs from
 * the first message either sees to the last either sees (wall clock: performance.timeOrigin +
 * performance.now() in each). Every message_id is collected from both: 0 missing, 0 duplicated.
 * Interleaved one, two, one, two, ...; median of --runs (default 3). Options: --n --runs --ack 0|1
 * --integrator 1 (issue 19) adds what an integrator builds without this package (core mqtt in with
 * `$share/<group>/` → function: camera id, dedupe, ack → mqtt out), acking as --ack says, one and
 * two runtimes in their own groups and sessions, interleaved with ours; ratios ours / theirs.
 */
import os from 'node:os';
import { option } from './lib/args';
import { startBenchBroker, type BenchBroker } from './lib/broker';
import { createSession, DetectionFactory, publishAll, TOPIC_ROOT } from './lib/detections';
import { cpuBetween, median, pollUntil, type CounterState } from './lib/drain-run';
import { EMPTY_FLOW, integratorFlow, lprFlow } from './lib/flows';
import { startNodeRed, type NodeRedHost } from './lib/node-red-host';
import { printTable, saveResult } from './lib/report';

const N = option('n', 100_000);
const RUNS = option('runs', 3);
const ACK = option('ack', 0) === 1;
const INTEGRATOR = option('integrator', 0) === 1;
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

/** The flow one runtime of a group runs: ours, or the integrator's (issue 19). */
type GroupFlow = (o: { port: number; clientId: string; group: string; target: number }) => unknown[];
const lprGroupFlow: GroupFlow = (o) => lprFlow({ port: o.port, clientId: o.clientId, clean: false, ack: ACK, sharedGroup: o.group, mode: 'ids', target: o.target });
const integratorGroupFlow: GroupFlow = (o) => integratorFlow({ port: o.port, clientId: o.clientId, clean: false, ack: ACK, topic: filter(o.group), mode: 'ids', target: o.target });

async function drainGroup(group: string, clientIds: string[], broker: BenchBroker, expected: Set<string>, flow: GroupFlow = lprGroupFlow): Promise<ScaleResult> {
  const hosts: NodeRedHost[] = [];
  try {
    for (let i = 0; i < clientIds.length; i++) hosts.push(await startNodeRed(EMPTY_FLOW));
    await Promise.all(hosts.map((h, i) => h.deploy(flow({ port: broker.port, clientId: clientIds[i]!, group, target: Math.floor(N / clientIds.length) }))));
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
  const intOne: ScaleResult[] = [];
  const intTwo: ScaleResult[] = [];
  const factory = new DetectionFactory(20);
  try {
    for (let run = 1; run <= RUNS; run++) {
      await createSession(broker.url, 'scale-solo-1', filter('solo'));
      await createSession(broker.url, 'scale-pair-1', filter('pair'));
      await createSession(broker.url, 'scale-pair-2', filter('pair'));
      if (INTEGRATOR) {
        await createSession(broker.url, 'scale-int-solo-1', filter('isolo'));
        await createSession(broker.url, 'scale-int-pair-1', filter('ipair'));
        await createSession(broker.url, 'scale-int-pair-2', filter('ipair'));
      }
      const items = factory.batch(N);
      await publishAll(broker.url, items);
      const expected = new Set(items.map((m) => m.messageId));
      const r1 = await drainGroup('solo', ['scale-solo-1'], broker, expected);
      one.push(r1);
      console.log(`run ${run}: one runtime ${r1.rate.toFixed(0)} msg/s (missing ${r1.missing}, duplicated ${r1.duplicated})`);
      const r2 = await drainGroup('pair', ['scale-pair-1', 'scale-pair-2'], broker, expected);
      two.push(r2);
      console.log(`run ${run}: two runtimes ${r2.rate.toFixed(0)} msg/s [${r2.perRuntime.map((p) => `${p.count} at ${p.rate.toFixed(0)}/s`).join(', ')}] (missing ${r2.missing}, duplicated ${r2.duplicated})`);
      if (INTEGRATOR) {
        const i1 = await drainGroup('isolo', ['scale-int-solo-1'], broker, expected, integratorGroupFlow);
        intOne.push(i1);
        console.log(`run ${run}: integrator, one runtime ${i1.rate.toFixed(0)} msg/s (missing ${i1.missing}, duplicated ${i1.duplicated})`);
        const i2 = await drainGroup('ipair', ['scale-int-pair-1', 'scale-int-pair-2'], broker, expected, integratorGroupFlow);
        intTwo.push(i2);
        console.log(`run ${run}: integrator, two runtimes ${i2.rate.toFixed(0)} msg/s [${i2.perRuntime.map((p) => `${p.count} at ${p.rate.toFixed(0)}/s`).join(', ')}] (missing ${i2.missing}, duplicated ${i2.duplicated})`);
      }
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
  const row = (flow: string, runtimes: number, rs: ScaleResult[]) => ({
    flow,
    runtimes,
    'msg/s (median)': median(rs.map((r) => r.rate)).toFixed(0),
    runs: rs.map((r) => r.rate.toFixed(0)).join(' / '),
    'runtime CPU (cores)': median(rs.map((r) => r.perRuntime.reduce((s, p) => s + (p.cpu ?? NaN), 0))).toFixed(2),
    'CPU µs/msg': median(rs.map(cpuPerMsgUs)).toFixed(1),
    'broker CPU (cores)': median(rs.map((r) => r.brokerCpu ?? NaN)).toFixed(2),
    missing: rs.reduce((s, r) => s + r.missing, 0),
    duplicated: rs.reduce((s, r) => s + r.duplicated, 0),
  });
  const rows = [row('lpr-detection-in', 1, one), row('lpr-detection-in', 2, two)];
  if (INTEGRATOR) rows.push(row("integrator's mqtt in + function + mqtt out", 1, intOne), row("integrator's mqtt in + function + mqtt out", 2, intTwo));
  printTable(`scaleout: ${N} queued detections, ack ${ACK ? 'on' : 'off'}, each flow in one shared group, median of ${RUNS}; ${cores} cores (command: npm run bench -- scaleout${ACK ? ' --ack 1' : ''}${INTEGRATOR ? ' --integrator 1' : ''})`, rows);
  const ratio = m2 / m1;
  console.log(`scale-out ratio (two / one): ${ratio.toFixed(2)} (per run ${two.map((r, i) => (r.rate / one[i]!.rate).toFixed(2)).join(' / ')}); ${cores} cores shared by the broker and both runtimes; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  // Ours against the integrator's flow with as many runtimes (issue 19: goal >= 2.5 with acks).
  const versus = INTEGRATOR
    ? {
        one: { median: m1 / median(intOne.map((r) => r.rate)), perRun: one.map((r, i) => r.rate / intOne[i]!.rate) },
        two: { median: m2 / median(intTwo.map((r) => r.rate)), perRun: two.map((r, i) => r.rate / intTwo[i]!.rate) },
      }
    : null;
  if (versus) {
    for (const [k, v] of Object.entries(versus)) console.log(`lpr-detection-in / integrator's flow, ${k} runtime(s), ack ${ACK ? 'on' : 'off'}: ${v.median.toFixed(2)} (per run ${v.perRun.map((x) => x.toFixed(2)).join(' / ')})`);
  }
  const file = saveResult('scaleout', {
    n: N, runs: RUNS, ack: ACK, cores, loadavg: os.loadavg(), one, two, ratio, cpuPerMsgUs: { one: median(one.map(cpuPerMsgUs)), two: median(two.map(cpuPerMsgUs)) },
    ...(INTEGRATOR ? { integrator: { one: intOne, two: intTwo, ratio: median(intTwo.map((r) => r.rate)) / median(intOne.map((r) => r.rate)) }, versus } : {}),
  });
  console.log(`saved ${file}`);
  const bad = [...one, ...two, ...intOne, ...intTwo].find((r) => r.missing || r.duplicated);
  if (bad) throw new Error(`exactly-once check failed: ${bad.missing} missing, ${bad.duplicated} duplicated with ${bad.runtimes} runtime(s)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
