/**
 * More cameras, same cost (issue 19, part 4): `npm run bench -- growth [--duration 60] [--rate 1000]
 * [--counts 100,1000,10000,100000] [--rounds 1] [--dashboard 1] [--profile 1] [--without <types>] [--per-checkpoint 1]
 * [--young 0,64] [--baseline 1] [--warm 20000]`
 * (`--without lpr-checkpoint-analytics`: those node types left out). With `--profile 1`
 * Node-RED runs under `--cpu-prof`, and each count's measured window is summarised by function in µs
 * per detection (the .cpuprofile kept in bench/results/): compare two counts to see what grows.
 *
 * This package's nodes of the demo dashboard's flow (examples/flows/demo-dashboard.json, read at run
 * time: two lpr-detection-in, lpr-blacklist-match on a 100,000-entry watch list, lpr-health-monitor,
 * lpr-checkpoint-analytics, lpr-system-monitor; with `--dashboard 1` the whole flow, its function
 * nodes and widgets too; no database) in a fresh Node-RED and Mosquitto per
 * camera count, fed a fixed total of `--rate` detections/s (QoS 1, one client, the camera ids in
 * turn) and 200 health messages/s, both spread over 100 ... 100,000 camera ids. Acks go to each
 * camera's own topic; one client subscribed to them all counts them.
 *
 * So that every camera is known before measuring: first every id's health once (5,000/s), and
 * max(N, 20,000) detections at 1,000/s (every id at least once, and the same count of warm-up
 * detections below 20,000 ids), then 5 s at the measured rate, then `--duration` s measured (60: the
 * analytics window of the demo flow, so that every round holds exactly one window end, whose work
 * grows with the checkpoints; with 20 s one round in three held one, and at 10,000 ids those were
 * the costly rounds, docs/performance.md "The ninth pass"): Node-RED's CPU
 * per detection taken (µs, /proc, the whole process including health, and of it the main thread's
 * and the other threads', which in Node.js are mostly V8's concurrent and parallel GC; detections taken counted
 * from the system monitor's /lpr/metrics, so a Node-RED falling behind is not flattered), its RSS,
 * Mosquitto's CPU per
 * detection, each with its ratio to the 100-camera figure (the goal: flat), and the window's garbage
 * collection (bench/lib/gc-log.ts): young collections' ms per second and the old generation's growth,
 * ~15 ms/s and ~2-3 MB/s normally, about twice that and ~6 MB/s in a run where V8 pretenured
 * per-message objects (docs/performance.md, "The seventh pass").
 *
 * `--young 0,64`: each count measured once per young-generation size in turn (Node's
 * `--max-semi-space-size` in MB; 0 = V8's default, 16 MB here), each size's ratios to its own first
 * count, and the cost against the first size at the same count: the same run, so the same machine.
 *
 * `--baseline 1`: each count measured a second time, in the same round, with what an integrator
 * builds without this package (bench/lib/flows.ts `integratorFlow`: core `mqtt in` (json), a function
 * node that checks, dedupes and acks, core `mqtt out`; and the health into a per-camera Map), fed the
 * same traffic; its detections taken counted by their acks. It does far less work per detection than
 * the demo's nodes, so only its ratios across counts compare: a step that both flows take from one count
 * to the next is Node-RED's, MQTT.js's or V8's at more camera ids, not this package's.
 *
 * Two caps are raised, and said so: the health monitor's maxCameras (10,000 in the example) to
 * 200,000 and its offlineAfter (90 s) to 3,600 s, so that 100,000 ids reporting once per 500 s are
 * all tracked and none goes offline: with the example's cap the monitor would keep 10,000 and the
 * growth would be hidden, not measured.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { freePort } from '../test/fixtures/mosquitto';
import { option, textOption } from './lib/args';
import { startBenchBroker } from './lib/broker';
import { TOPIC_ROOT } from './lib/detections';
import { packageSnapshot, startNodeRed, type NodeRedHost } from './lib/node-red-host';
import { gcLogArgs, gcWindow, youngSize } from './lib/gc-log';
import { integratorFlow } from './lib/flows';
import { cpuShare, sample } from './lib/proc-stats';
import { setDistDir, summarise, type CpuProfile } from './lib/profile-summary';
import { printTable, saveResult } from './lib/report';
import { cameraIdList, median, SiteDetections, siteFlow, startHealth, watchList } from './lib/site';

/** One window of the demo's lpr-checkpoint-analytics (60 s): every round measures one window end. */
const DURATION_S = option('duration', 60);
const RATE = option('rate', 1000);
const ROUNDS = option('rounds', 1);
const HEALTH_RATE = 200;
const COUNTS = (textOption('counts') ?? '100,1000,10000,100000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const WATCH = 100_000;
/** `--dashboard 1`: the demo flow whole (its function nodes and widgets too), not only this package's nodes. */
const DASHBOARD = option('dashboard', 0) === 1;
/** `--without lpr-checkpoint-analytics,…`: those node types left out of the flow, to see what a step in the cost comes from. */
const WITHOUT = new Set((textOption('without') ?? '').split(',').filter(Boolean));
/** `--profile 1`: Node-RED under `--cpu-prof`; the measured window's top functions printed per count. */
const PROFILE = option('profile', 0) === 1;
/** `--per-checkpoint 4`: cameras per checkpoint (a checkpoint's lanes); 1 (the default): each camera its own. */
const PER_CHECKPOINT = option('per-checkpoint', 1);
if (!Number.isInteger(PER_CHECKPOINT) || PER_CHECKPOINT < 1) throw new Error(`--per-checkpoint: a whole number >= 1, got ${textOption('per-checkpoint')}`);
/** `--young 0,64`: young-generation sizes to measure (`--max-semi-space-size`, MB; 0: V8's default). */
const YOUNG = (textOption('young') ?? '0').split(',').map(Number);
if (YOUNG.some((mb) => !Number.isInteger(mb) || mb < 0)) throw new Error(`--young: sizes in MB (0 = V8's default), e.g. 0,64; got ${textOption('young')}`);
/** `--baseline 1`: every count measured with the integrator's flow too (see the head of this file). */
const BASELINE = option('baseline', 0) === 1;
/**
 * `--warm 100000`: warm-up detections at least (max(N, this)). 20,000 by default; at 100,000 ids the
 * warm-up is then 100,000 and fills the detection nodes' dedupe windows (100,000 ids), at 100 ids it
 * does not: `--warm 100000` makes them equally full at every count.
 */
const DEFAULT_WARM = 20_000;
const WARM_DETECTIONS = option('warm', DEFAULT_WARM);
const WARM_RATE = 1000;
const COMMAND = 'npm run bench -- growth';
const SETTINGS = "contextStorage: { default: 'memory', memory: { module: 'memory' }, file: { module: 'localfilesystem' } }, telemetry: { enabled: false }";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Publishes `rate`/s detections over the factory's cameras until `total` (or stopped); resolves when done. */
function pace(client: mqtt.MqttClient, factory: SiteDetections, rate: number, total = Infinity) {
  const start = performance.now();
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  let finish: () => void = () => undefined;
  const done = new Promise<void>((r) => (finish = r));
  const tick = () => {
    const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000));
    while (sent < due) {
      const d = factory.make();
      client.publish(`${TOPIC_ROOT}/cameras/${d.cameraId}/detection`, JSON.stringify(d.body), { qos: 1 });
      sent++;
    }
    if (sent >= total) finish();
    else timer = setTimeout(tick, 2);
  };
  tick();
  return { sent: () => sent, done, stop: () => { clearTimeout(timer); finish(); } };
}

type FlowKind = 'lpr' | 'baseline';

interface GrowthResult {
  cameras: number;
  /** The demo's nodes of this package, or the integrator's flow (`--baseline 1`). */
  flow: FlowKind;
  /** `--max-semi-space-size` (MB) Node-RED ran with; 0: V8's default. */
  youngMB: number;
  sentPerSec: number;
  detPerSec: number;
  loadAverage: number;
  nodeRedUsPerDet: number;
  /** Of it, the main thread's (JavaScript, GC pauses) and the other threads' (mostly V8's GC helpers). */
  mainUsPerDet: number;
  otherUsPerDet: number;
  nodeRedCores: number;
  nodeRedRssMB: number;
  mosquittoUsPerDet: number;
  acksPerDet: number;
  /** Young collections' time per second of the window, and the old generation's growth (bench/lib/gc-log.ts). */
  youngGcMsPerSec: number;
  /** Young collections in the window, and the young generation's size then (bench/lib/gc-log.ts). */
  youngGcs: number;
  youngSize: string;
  oldMBPerSec: number;
  warnings: string[];
  /** With `--profile 1`: the measured window's self time by function (top 40) and the kept .cpuprofile. */
  profile?: { file: string; sampledMs: number; top: Array<{ name: string; owner: string; usPerDet: number }> };
}

/**
 * The demo flow's own nodes of this package (lpr-*: detection in, blacklist match and its list, health
 * monitor, analytics, system monitor, the broker) wired as in the demo, without the function nodes,
 * widgets and dashboard config that hang off them: what a site's cost per camera comes from in this
 * package, apart from what a flow author builds around it.
 */
function packageNodesOnly(flow: ReturnType<typeof siteFlow>): ReturnType<typeof siteFlow> {
  const kept = flow.filter((n) => n.type === 'tab' || (n.type.startsWith('lpr-') && !WITHOUT.has(n.type)));
  const ids = new Set(kept.map((n) => n.id));
  return kept.map((n) => (Array.isArray(n.wires) ? { ...n, wires: (n.wires as string[][]).map((w) => w.filter((id) => ids.has(id))) } : n));
}

/**
 * The baseline (`--baseline 1`): the integrator's detection flow, acking each detection, and the
 * health an integrator keeps without the health monitor: the last report per camera in a Map.
 */
function baselineFlow(port: number): Array<{ id: string; type: string; [key: string]: unknown }> {
  const health = `
let last = context.get('last');
if (!last) { last = new Map(); context.set('last', last); }
const parts = msg.topic.split('/');
const p = msg.payload;
last.set(parts[parts.length - 2], { status: p && p.health_status, cpu: p && p.health_details && p.health_details.cpu_usage, at: Date.now() });
return null;
`;
  return [
    ...(integratorFlow({ port, clientId: `bench-growth-baseline-${process.pid}`, clean: true, ack: true }) as Array<{ id: string; type: string }>),
    { id: 'hin', type: 'mqtt in', z: 'tab', x: 200, y: 240, topic: `${TOPIC_ROOT}/cameras/+/health`, qos: '0', datatype: 'json', broker: 'cb', nl: false, rap: true, rh: 0, inputs: 0, wires: [['hlast']] },
    { id: 'hlast', type: 'function', z: 'tab', x: 350, y: 240, name: 'last health per camera', func: health, outputs: 1, wires: [[]] },
  ];
}

/**
 * Detections the flow's lpr-detection-in nodes have taken so far: the demo's system monitor serves
 * /lpr/metrics, whose detection latency histogram counts one per detection per node.
 */
async function processed(red: NodeRedHost, nodes = 2): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${red.port}/lpr/metrics`, { signal: AbortSignal.timeout(60_000) });
  const text = await res.text();
  const m = /^lpr_latency_seconds_count\{[^}]*kind="detection"[^}]*\} (\d+)/m.exec(text);
  if (!m) throw new Error('no detection count in /lpr/metrics');
  return Number(m[1]) / nodes;
}

async function measure(n: number, entries: ReturnType<typeof watchList>, youngMB: number, kind: FlowKind): Promise<GrowthResult> {
  const broker = await startBenchBroker();
  const uiPort = await freePort();
  const demo = () =>
    siteFlow(
      { port: broker.port, uiPort, dbFile: ':memory:', entries, overrides: { 'lpr-dash-health': { maxCameras: 200_000, offlineAfter: 3600 } } },
      ['demo-dashboard.json'],
    );
  const flow = kind === 'baseline' ? baselineFlow(broker.port) : DASHBOARD ? demo() : packageNodesOnly(demo());
  const profDir = PROFILE ? mkdtempSync(path.join(os.tmpdir(), 'lpr-bench-growth-prof-')) : '';
  // Every collection logged: a run V8 pretenured per-message objects in shows in the window's figures.
  const gcDir = mkdtempSync(path.join(os.tmpdir(), 'lpr-bench-growth-gc-'));
  const gcLog = gcLogArgs(gcDir);
  const red = await startNodeRed(flow, {
    port: uiPort,
    settings: SETTINGS,
    env: gcLog.env,
    nodeArgs: [...gcLog.nodeArgs, ...(youngMB > 0 ? [`--max-semi-space-size=${youngMB}`] : []), ...(PROFILE ? ['--cpu-prof', '--cpu-prof-dir', profDir, '--cpu-prof-interval', '500'] : [])],
  });
  // process.hrtime is the profile's clock, and one monotonic clock for every process here.
  const hrUs = () => Number(process.hrtime.bigint() / 1000n);
  const window = { fromUs: 0, toUs: 0, fromMs: 0, toMs: 0 };
  let result: GrowthResult;
  const dins = flow.filter((node) => node.type === 'lpr-detection-in').length;
  const ids = cameraIdList(n, 6);
  const client = await mqtt.connectAsync(broker.url, { clientId: `bench-growth-${process.pid}`, clean: true, reconnectPeriod: 0 });
  let acks = 0;
  client.on('message', () => acks++);
  // The baseline has no /lpr/metrics: what it took is what it acked (one ack per detection).
  const taken = kind === 'baseline' ? async () => acks : () => processed(red, dins);
  await client.subscribeAsync(`${TOPIC_ROOT}/cameras/+/detection/ack`, { qos: 1 });
  let health: ReturnType<typeof startHealth> | undefined;
  let steady: ReturnType<typeof pace> | undefined;
  try {
    const factory = new SiteDetections(ids, entries.slice(0, 50).map((e) => e.plate_number), 0.01, 7, PER_CHECKPOINT);
    // Every camera known: its health once, fast, and at least one detection from each.
    const warmHealth = startHealth(broker.url, ids, (n / 5000) * 1000);
    const warm = pace(client, factory, WARM_RATE, Math.max(n, WARM_DETECTIONS));
    while (warmHealth.sent() < n) await sleep(100);
    await warmHealth.stop();
    await warm.done;
    health = startHealth(broker.url, ids, (n / HEALTH_RATE) * 1000);
    steady = pace(client, factory, RATE);
    await sleep(5000);
    window.fromUs = hrUs();
    window.fromMs = Date.now();
    const a = { red: sample(red.pid), mq: broker.pid ? sample(broker.pid) : null, sent: steady.sent(), acks, done: await taken() };
    await sleep(DURATION_S * 1000);
    window.toUs = hrUs();
    window.toMs = Date.now();
    const b = { red: sample(red.pid), mq: broker.pid ? sample(broker.pid) : null, sent: steady.sent(), acks, done: await taken() };
    // Per detection the flow took in (not per one sent): a Node-RED that falls behind is not flattered.
    const dets = b.done - a.done;
    const log = red.log();
    result = {
      cameras: n,
      flow: kind,
      youngMB,
      sentPerSec: (b.sent - a.sent) / ((b.red.at - a.red.at) / 1000),
      detPerSec: dets / ((b.red.at - a.red.at) / 1000),
      loadAverage: os.loadavg()[0]!,
      nodeRedUsPerDet: ((b.red.cpuSeconds - a.red.cpuSeconds) * 1e6) / dets,
      mainUsPerDet: ((b.red.mainCpuSeconds - a.red.mainCpuSeconds) * 1e6) / dets,
      otherUsPerDet: ((b.red.cpuSeconds - b.red.mainCpuSeconds - (a.red.cpuSeconds - a.red.mainCpuSeconds)) * 1e6) / dets,
      nodeRedCores: cpuShare(a.red, b.red),
      nodeRedRssMB: b.red.rssBytes / 2 ** 20,
      mosquittoUsPerDet: a.mq && b.mq ? ((b.mq.cpuSeconds - a.mq.cpuSeconds) * 1e6) / dets : NaN,
      acksPerDet: (b.acks - a.acks) / dets,
      youngGcMsPerSec: NaN,
      youngGcs: NaN,
      youngSize: '',
      oldMBPerSec: NaN,
      // What the flow said while it ran (caps reached, rate limits): a capped map shows up here.
      warnings: [...new Set(log.split('\n').filter((l) => /\[(warn|error)\]/.test(l) && !/Projects disabled|unencrypted credentials|reading 'flows'/.test(l)).map((l) => l.replace(/^.*?\[(warn|error)\]/, '[$1]').slice(0, 200)))].slice(0, 10),
    };
  } catch (err) {
    throw new Error(`${n} cameras: ${(err as Error).message}\n${red.log().slice(-3000)}`);
  } finally {
    steady?.stop();
    await health?.stop();
    await client.endAsync();
    await red.stop();
    await broker.stop();
  }
  try {
    const gc = gcWindow(path.join(gcDir, `gc-${red.pid}.tsv`), window.fromMs, window.toMs);
    if (gc) Object.assign(result, { youngGcMsPerSec: gc.minorMsPerSec, youngGcs: gc.minor, youngSize: youngSize(gc), oldMBPerSec: gc.oldMBPerSec });
  } finally {
    rmSync(gcDir, { recursive: true, force: true });
  }
  // Node-RED writes its profile as it exits.
  if (PROFILE) result.profile = profileOf(profDir, kind === 'baseline' ? `baseline-${n}` : String(n), window, result.detPerSec * ((window.toUs - window.fromUs) / 1e6));
  return result;
}

/** The measured window of the run's profile, per detection; the .cpuprofile kept in bench/results/. */
function profileOf(dir: string, n: string, window: { fromUs: number; toUs: number }, dets: number): GrowthResult['profile'] {
  try {
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) return undefined;
    setDistDir(path.join(packageSnapshot(), 'dist'));
    const summary = summarise(JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile, window);
    mkdirSync(path.resolve(__dirname, 'results'), { recursive: true });
    const kept = path.resolve(__dirname, 'results', `growth-${n}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
    copyFileSync(path.join(dir, file), kept);
    return {
      file: kept,
      sampledMs: summary.sampledMs,
      top: summary.byFunction.slice(0, 40).map((r) => ({ name: r.name, owner: r.owner, usPerDet: (r.ms * 1000) / dets })),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const entries = watchList(WATCH);
  const results: GrowthResult[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const n of COUNTS) {
      for (const youngMB of YOUNG) for (const kind of BASELINE ? (['lpr', 'baseline'] as const) : (['lpr'] as const)) {
        const res = await measure(n, entries, youngMB, kind);
        results.push(res);
        console.log(`round ${r + 1}, ${n} cameras${kind === 'baseline' ? ', the baseline' : ''}${YOUNG.length > 1 || youngMB > 0 ? `, young generation ${youngMB || 'default'}${youngMB ? ' MB' : ''}` : ''}: ${res.nodeRedUsPerDet.toFixed(0)} µs/detection (main thread ${res.mainUsPerDet.toFixed(0)}, other threads ${res.otherUsPerDet.toFixed(0)}), ${res.nodeRedRssMB.toFixed(0)} MB, ${res.acksPerDet.toFixed(2)} acks/detection, young GC ${res.youngGcMsPerSec.toFixed(1)} ms/s (${res.youngGcs} collections, young generation ${res.youngSize}), old generation ${res.oldMBPerSec.toFixed(1)} MB/s${res.warnings.length ? `; warnings: ${res.warnings.join(' | ')}` : ''}`);
        if (res.profile) {
          console.log(`  profile ${res.profile.file}: ${res.profile.sampledMs.toFixed(0)} ms sampled; top functions, µs/detection:`);
          for (const f of res.profile.top.slice(0, 25)) console.log(`  ${f.usPerDet.toFixed(1).padStart(7)}  ${f.name}  [${f.owner}]`);
        }
      }
    }
  }
  const med = (n: number, key: keyof GrowthResult, youngMB: number, flow: FlowKind = 'lpr') =>
    median(results.filter((r) => r.cameras === n && r.youngMB === youngMB && r.flow === flow).map((r) => r[key] as number));
  const base = COUNTS[0]!;
  const first = YOUNG[0]!;
  const rows = YOUNG.flatMap((young) => COUNTS.map((n) => {
    const m = (n2: number, key: keyof GrowthResult) => med(n2, key, young);
    // The baseline's cost, its own ratio to the first count, and ours over it at this count.
    const b = (n2: number) => med(n2, 'nodeRedUsPerDet', young, 'baseline');
    const baselineColumns = (n2: number) => ({
      'baseline µs/det': b(n2).toFixed(0),
      [`baseline ratio to ${base}`]: (b(n2) / b(base)).toFixed(2),
      'ours / baseline': (m(n2, 'nodeRedUsPerDet') / b(n2)).toFixed(2),
      'baseline acks/det': med(n2, 'acksPerDet', young, 'baseline').toFixed(2),
    });
    return {
      ...(YOUNG.length > 1 ? { 'young gen (MB)': young || 'default' } : {}),
      'camera ids': n.toLocaleString('en-US'),
      'sent/s': m(n, 'sentPerSec').toFixed(0),
      'taken/s': m(n, 'detPerSec').toFixed(0),
      'Node-RED cores': m(n, 'nodeRedCores').toFixed(3),
      'Node-RED µs/det': m(n, 'nodeRedUsPerDet').toFixed(0),
      ...(YOUNG.length > 1 ? { [`against ${first || 'default'}`]: (m(n, 'nodeRedUsPerDet') / med(n, 'nodeRedUsPerDet', first)).toFixed(2) } : {}),
      [`ratio to ${base}`]: (m(n, 'nodeRedUsPerDet') / m(base, 'nodeRedUsPerDet')).toFixed(2),
      'main thread µs/det': m(n, 'mainUsPerDet').toFixed(0),
      'other threads µs/det': m(n, 'otherUsPerDet').toFixed(0),
      ...(BASELINE ? baselineColumns(n) : {}),
      'RSS MB': m(n, 'nodeRedRssMB').toFixed(0),
      [`RSS ratio to ${base}`]: (m(n, 'nodeRedRssMB') / m(base, 'nodeRedRssMB')).toFixed(2),
      'Mosquitto µs/det': m(n, 'mosquittoUsPerDet').toFixed(0),
      [`Mosquitto ratio to ${base}`]: (m(n, 'mosquittoUsPerDet') / m(base, 'mosquittoUsPerDet')).toFixed(2),
      'acks/det': m(n, 'acksPerDet').toFixed(2),
      'young GC ms/s': m(n, 'youngGcMsPerSec').toFixed(1),
      'old gen MB/s': m(n, 'oldMBPerSec').toFixed(1),
      'load avg': m(n, 'loadAverage').toFixed(1),
    };
  }));
  printTable(
    `growth: ${RATE} detections/s and ${HEALTH_RATE} health/s spread over N camera ids, ${DASHBOARD ? 'the demo dashboard flow whole' : "the demo dashboard flow's lpr-* nodes"} (watch list ${WATCH} + 2), ${DURATION_S} s measured, median of ${ROUNDS} round(s) (command: ${COMMAND}${DASHBOARD ? ' --dashboard 1' : ''}${YOUNG.length > 1 || first > 0 ? ` --young ${YOUNG.join(',')}` : ''}${PER_CHECKPOINT > 1 ? ` --per-checkpoint ${PER_CHECKPOINT}` : ''}${WITHOUT.size ? ` --without ${[...WITHOUT].join(',')}` : ''}${BASELINE ? ' --baseline 1' : ''}${WARM_DETECTIONS !== DEFAULT_WARM ? ` --warm ${WARM_DETECTIONS}` : ''})`,
    rows,
  );
  const file = saveResult('growth', { baseline: BASELINE, dashboard: DASHBOARD, without: [...WITHOUT], perCheckpoint: PER_CHECKPOINT, young: YOUNG, rate: RATE, healthRate: HEALTH_RATE, durationSeconds: DURATION_S, rounds: ROUNDS, counts: COUNTS, warmDetections: WARM_DETECTIONS, warmRate: WARM_RATE, results });
  console.log(`saved ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
