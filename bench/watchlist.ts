/**
 * Watch-list sync scenario (`npm run bench -- watchlist [--sizes 100000,1000000]`): a list of N
 * entries (70 % Thai `1กข1234` plates, 30 % Latin, each with a province, a reason and a revision)
 * sent over a real Mosquitto:
 *
 * - snapshot (the protocol): the sender plans it with planSnapshot/snapshotMessage as lpr-blacklist's
 *   request answerer does (chunks of at most 240 KiB), publishes every chunk QoS 1 to the receiver's
 *   answer topic, on a broker with `message_size_limit 262144` as lpr-mosquitto writes. Receivers:
 *   (a) a server peer, made of the pure modules lpr-blacklist uses (BlacklistUpdate validation,
 *       SnapshotAssembler, ReplicatedList over a BlacklistStore: as test/fixtures/list-camera.ts),
 *       not a whole Node-RED; (b) an edge node: EdgeList.apply with each chunk, as lpr-camera does.
 * - baseline: one retained message holding the whole list as a JSON array (no revisions). On the
 *   256 KiB broker it is published and then looked for (delivered or not); on a second broker with
 *   `message_size_limit 0` (no limit but MQTT's 256 MiB) it is timed: a late subscriber receives the
 *   retained list, JSON.parse, then a Set of normalised keys, or the same BlacklistStore (replace).
 *
 * Time runs from the first publish to the list held by the receiver (sender and receiver share one
 * process, as on a one-box site). Memory: "heap Δ" is heap + array buffers after two global.gc()
 * (needs --expose-gc, which bench/run.ts passes) once the list is held minus before the first
 * publish; the sender's plan (and the baseline's JSON) is held throughout, so it is the receiver's.
 * The JSON also keeps `heapHeld`, what releasing the receiver gives back (0 where something still
 * references it). RSS Δ is the process's growth over the sync (transient buffers included).
 * (c) then reads/s of EdgeList.match on the edge's list: exact hits, misses, Thai look-alike reads.
 * Sizes: 100,000 by default; `--sizes 100000,1000000` (or BENCH_SIZES) adds 1,000,000 (~2.5 min).
 */
import mqtt, { type MqttClient } from 'mqtt';
import { BlacklistUpdate, type BlacklistEntry } from '../src/protocol';
import { planSnapshot, snapshotMessage, SnapshotAssembler, type SnapshotPlan } from '../src/blacklist/snapshot';
import { ReplicatedList } from '../src/blacklist/replicated';
import { BlacklistStore } from '../src/blacklist/store';
import { normalizePlate, THAI_LOOKALIKE_CLASSES } from '../src/blacklist/normalize';
import { PROVINCES } from '../src/blacklist/provinces';
import { EdgeList } from '../src/edge/edge-list';
import { startBenchBroker, type BenchBroker } from './lib/broker';
import { printTable, saveResult } from './lib/report';

const COMMAND = 'npm run bench -- watchlist';
const LIMIT = 262_144; // lpr-mosquitto's message_size_limit (256 KiB)
const SNAPSHOT_MAX = 240 * 1024; // DEFAULT_SNAPSHOT_MAX_BYTES
const MEASURE_MS = 1000;

function sizesOption(): number[] {
  const argv = process.argv.slice(2);
  // 1,000,000 takes over 2 minutes on a shared 2-core VM: ask for it with --sizes 100000,1000000.
  let v = process.env.BENCH_SIZES ?? '100000';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--sizes') v = argv[i + 1] ?? v;
    else if (argv[i]!.startsWith('--sizes=')) v = argv[i]!.slice(8);
  }
  return v.split(',').map(Number).filter((n) => n > 0);
}

const gc = (globalThis as { gc?: () => void }).gc;
function heap(): number {
  if (!gc) return NaN;
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}
const rss = () => process.memoryUsage().rss;

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const THAI = 'กขคงจฉชซฌญฎฏฐฑฒณดตถทธนบปผฝพฟภมยรลวศษสหฬอฮ';
const LATIN = 'ABCDEFGHJKLMNPRSTUVWXYZ';
const REASONS = ['stolen', 'unpaid fines', 'wanted', 'expired registration', 'watch', 'amber alert', 'cloned plate'];
const PRIORITIES = [undefined, 'low', 'medium', 'high', 'critical'] as const;

function plateMaker(seed: number) {
  const rnd = prng(seed);
  const pick = (s: string) => s[Math.floor(rnd() * s.length)]!;
  const digits = (n: number) => Array.from({ length: n }, () => String(Math.floor(rnd() * 10))).join('');
  return {
    rnd,
    plate(): string {
      if (rnd() < 0.7) return (rnd() < 0.5 ? String(1 + Math.floor(rnd() * 9)) : '') + pick(THAI) + pick(THAI) + String(1 + Math.floor(rnd() * 9999));
      return pick(LATIN) + pick(LATIN) + digits(4);
    },
  };
}

/** N entries with distinct plates, as a server's writes carry them (revision, origin). */
function makeList(n: number): BlacklistEntry[] {
  const g = plateMaker(0x5eed + n);
  const seen = new Set<string>();
  const out: BlacklistEntry[] = [];
  while (out.length < n) {
    const plate_number = g.plate();
    const key = normalizePlate(plate_number);
    if (seen.has(key)) continue;
    seen.add(key);
    const e: BlacklistEntry = { plate_number, province: PROVINCES[Math.floor(g.rnd() * PROVINCES.length)]!.th, reason: REASONS[out.length % REASONS.length]! };
    const p = PRIORITIES[out.length % PRIORITIES.length];
    if (p) e.priority = p;
    e.revision = out.length + 1;
    e.origin = 'srv-A';
    out.push(e);
  }
  return out;
}

interface Receiver {
  /** Handles one message; true once the whole list is held. */
  onMessage(topic: string, payload: Buffer): boolean;
  size(): number;
}

function serverReceiver(): Receiver {
  const list = new ReplicatedList(new BlacklistStore([], null), 'srv-B');
  const assembler = new SnapshotAssembler();
  return {
    onMessage(topic, payload) {
      const update = BlacklistUpdate.parse(JSON.parse(payload.toString()));
      const r = assembler.add(`${update.origin ?? ''}|${update.snapshot!.list ?? ''}|${topic}`, update.snapshot!, update.entries);
      if (r.status !== 'complete') return false;
      list.remote({ action: 'snapshot', entries: r.entries });
      return true;
    },
    size: () => list.store.size,
  };
}

function edgeReceiver(n: number): Receiver & { edge: EdgeList } {
  const edge = new EdgeList({ maxEntries: Math.max(n, 1), file: null });
  return {
    edge,
    onMessage(topic, payload) {
      const update = BlacklistUpdate.parse(JSON.parse(payload.toString()));
      return edge.apply(update, topic).complete;
    },
    size: () => edge.size,
  };
}

async function connect(broker: BenchBroker, id: string): Promise<MqttClient> {
  return mqtt.connectAsync(broker.url, { clientId: id, reconnectPeriod: 0, protocolVersion: 5 });
}

/** Sends a snapshot plan chunk by chunk to `rx`; resolves once rx holds the whole list. */
async function syncSnapshot(broker: BenchBroker, plan: SnapshotPlan, rx: Receiver, name: string) {
  const topic = `lprserver/cameras/${name}/blacklist`;
  const sub = await connect(broker, `rx-${name}`);
  const pub = await connect(broker, `tx-${name}`);
  await sub.subscribeAsync(topic, { qos: 1 });
  const h0 = heap();
  const r0 = rss();
  let bytes = 0;
  let peakRss = r0;
  const t0 = performance.now();
  const done = new Promise<number>((resolve, reject) => {
    sub.on('message', (t, payload) => {
      try {
        peakRss = Math.max(peakRss, rss());
        if (rx.onMessage(t, payload)) resolve(performance.now());
      } catch (err) {
        reject(err);
      }
    });
  });
  const now = new Date().toISOString();
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < plan.chunks.length; i++) {
    const m = snapshotMessage(plan, i, `snap-${name}-${i}`, now);
    bytes += Buffer.byteLength(m);
    sends.push(pub.publishAsync(topic, m, { qos: 1 }));
  }
  // Timers are cleared: a pending one would keep this scope, and so the receiver, alive.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${name}: snapshot not complete in 600 s`)), 600_000)));
  const t1 = await Promise.race([done, timeout]);
  clearTimeout(timer);
  await Promise.all(sends);
  const r1 = rss();
  const h1 = heap();
  await sub.endAsync(true);
  await pub.endAsync(true);
  return { seconds: (t1 - t0) / 1000, chunks: plan.chunks.length, bytes, held: rx.size(), heapDelta: h1 - h0, rssDelta: r1 - r0, peakRssDelta: peakRss - r0 };
}

/** The plain retained list: published, then a late subscriber receives it (or not, within waitMs). */
async function syncRetained(broker: BenchBroker, json: string, build: ((list: BlacklistEntry[]) => { size: number }) | null, name: string, waitMs: number) {
  const topic = `lprserver/blacklist/list-${name}`;
  const pub = await connect(broker, `tx-${name}`);
  const h0 = heap();
  const r0 = rss();
  const t0 = performance.now();
  let ackTimer: NodeJS.Timeout | undefined;
  let heldTimer: NodeJS.Timeout | undefined;
  // Over the limit Mosquitto drops the message and may never acknowledge it: wait at most waitMs.
  const acked = await Promise.race([
    pub.publishAsync(topic, json, { qos: 1, retain: true }).then(
      () => 'acknowledged',
      (err: Error) => `refused: ${err.message}`,
    ),
    new Promise<string>((r) => (ackTimer = setTimeout(() => r('no PUBACK'), waitMs))),
  ]);
  clearTimeout(ackTimer);
  const published = performance.now();
  const sub = await connect(broker, `rx-${name}`);
  let held: { size: number } | null = null as { size: number } | null;
  let heldSize = 0;
  let parseMs = 0;
  let buildMs = 0;
  const got = new Promise<number>((resolve) => {
    sub.on('message', (_t, payload) => {
      if (payload.length === 0 || held) return; // the clearing publish below
      const p0 = performance.now();
      const list = JSON.parse(payload.toString()) as BlacklistEntry[];
      const p1 = performance.now();
      held = build ? build(list) : { size: list.length };
      heldSize = held.size;
      const p2 = performance.now();
      parseMs = p1 - p0;
      buildMs = p2 - p1;
      resolve(p2);
    });
  });
  await sub.subscribeAsync(topic, { qos: 1 });
  const t1 = await Promise.race([got, new Promise<null>((r) => (heldTimer = setTimeout(() => r(null), waitMs)))]);
  clearTimeout(heldTimer);
  const r1 = rss();
  const h1 = heap();
  held = null; // what the receiver held: the heap it gives back
  const heapHeld = h1 - heap();
  // Clear the retained message (an empty retained publish) so the broker frees it.
  if (t1 !== null) await pub.publishAsync(topic, '', { qos: 1, retain: true });
  await sub.endAsync(true);
  await pub.endAsync(true);
  return {
    delivered: t1 !== null,
    publish: acked,
    seconds: t1 === null ? NaN : (t1 - t0) / 1000,
    publishSeconds: (published - t0) / 1000,
    parseSeconds: parseMs / 1000,
    buildSeconds: buildMs / 1000,
    bytes: Buffer.byteLength(json),
    held: heldSize,
    heapDelta: h1 - h0,
    heapHeld,
    rssDelta: r1 - r0,
  };
}

/** Reads/s of edge.match over `reads`: median of 3 rounds of MEASURE_MS / 3 each, and the share matched. */
function matchRate(edge: EdgeList, reads: string[], provinces: (string | null)[]) {
  const now = Date.now();
  for (let i = 0; i < Math.min(20_000, reads.length * 4); i++) edge.match(reads[i % reads.length]!, provinces[i % reads.length], now);
  const rounds: number[] = [];
  let matched = 0;
  let total = 0;
  let at = 0;
  for (let round = 0; round < 3; round++) {
    let n = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < MEASURE_MS / 3) {
      for (let i = 0; i < 2_000; i++) {
        const k = at++ % reads.length;
        if (edge.match(reads[k]!, provinces[k], now)) matched++;
      }
      n += 2_000;
      elapsed = performance.now() - start;
    }
    total += n;
    rounds.push((n / elapsed) * 1000);
  }
  return { perSecond: rounds.sort((a, b) => a - b)[1]!, matched: matched / total };
}

function makeReads(list: BlacklistEntry[], edge: EdgeList) {
  const g = plateMaker(0xbeef + list.length);
  const R = 50_000;
  const hits: string[] = [];
  const hitProv: (string | null)[] = [];
  const misses: string[] = [];
  const lookalikes: string[] = [];
  const lookProv: (string | null)[] = [];
  const keys = new Set(list.map((e) => normalizePlate(e.plate_number)));
  const cls = new Map<string, string>();
  for (const c of THAI_LOOKALIKE_CLASSES) for (const ch of c) cls.set(ch, c);
  while (hits.length < R) {
    const e = list[Math.floor(g.rnd() * list.length)]!;
    hits.push(g.rnd() < 0.3 ? e.plate_number.replace(/(\d+)$/, ' $1') : e.plate_number);
    hitProv.push(e.province ?? null);
  }
  while (misses.length < R) {
    const p = g.plate();
    if (!keys.has(normalizePlate(p))) misses.push(p);
  }
  // A Thai entry read with one consonant swapped for a look-alike of its class (not itself an entry).
  let guard = 0;
  while (lookalikes.length < R && guard++ < R * 50) {
    const e = list[Math.floor(g.rnd() * list.length)]!;
    const cs = [...e.plate_number];
    const at = cs.findIndex((c) => cls.has(c));
    if (at < 0) continue;
    const options = cls.get(cs[at]!)!.replace(cs[at]!, '');
    cs[at] = options[Math.floor(g.rnd() * options.length)]!;
    const read = cs.join('');
    if (keys.has(normalizePlate(read))) continue;
    lookalikes.push(read);
    lookProv.push(e.province ?? null);
  }
  void edge;
  return { hits, hitProv, misses, missProv: misses.map(() => null), lookalikes, lookProv };
}

const fmt = (x: number, d = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : 'n/a');
const mib = (b: number) => fmt(b / 2 ** 20, 1);

async function main() {
  if (!gc) console.log('(run with node --expose-gc for heap figures)');
  const sizes = sizesOption();
  const limited = await startBenchBroker([`message_size_limit ${LIMIT}`]);
  const unlimited = await startBenchBroker(['message_size_limit 0']);
  const results: Record<string, unknown>[] = [];
  const syncRows: Array<Record<string, string>> = [];
  const matchRows: Array<Record<string, string>> = [];
  try {
    for (const n of sizes) {
      const tg = performance.now();
      let list: BlacklistEntry[] | null = makeList(n);
      console.log(`${fmt(n)} entries generated in ${fmt((performance.now() - tg) / 1000, 1)} s`);
      const tp = performance.now();
      const plan = planSnapshot(list, { id: `bench-${n}`, revision: n, origin: 'srv-A', maxBytes: SNAPSHOT_MAX });
      const planSeconds = (performance.now() - tp) / 1000;

      let server: Receiver | null = serverReceiver();
      const a0 = await syncSnapshot(limited, plan, server, `srv-${n}`);
      let hb = heap();
      server = null;
      const a = { ...a0, heapHeld: hb - heap() };
      console.log(`(a) server: ${fmt(a.seconds, 2)} s`);
      let edgeRx: ReturnType<typeof edgeReceiver> | null = edgeReceiver(n);
      const b0 = await syncSnapshot(limited, plan, edgeRx, `edge-${n}`);
      console.log(`(b) edge: ${fmt(b0.seconds, 2)} s`);

      // The baseline (plain entries, no revisions).
      const plain = list.map(({ revision: _r, origin: _o, ...e }) => e);
      let json: string | null = JSON.stringify(plain);
      const asSet = await syncRetained(unlimited, json, (l) => new Set(l.map((e) => normalizePlate(e.plate_number))), `set-${n}`, 600_000);
      console.log(`baseline Set: ${fmt(asSet.seconds, 2)} s`);
      const asStore = await syncRetained(
        unlimited,
        json,
        (l) => {
          const s = new BlacklistStore([], null);
          s.apply('replace', l);
          return s;
        },
        `store-${n}`,
        600_000,
      );
      console.log(`baseline BlacklistStore: ${fmt(asStore.seconds, 2)} s`);
      // Last: the dropped, never acknowledged publish keeps its buffer in the publisher for a while,
      // which would skew the heap figures of whatever came after it.
      const dropped = await syncRetained(limited, json, null, `limited-${n}`, 5_000);
      console.log(`baseline on the 256 KiB broker: publish ${dropped.publish}, delivered ${dropped.delivered}`);
      json = null;

      // (c) match rate on the edge's list.
      const reads = makeReads(list, edgeRx.edge);
      const exact = matchRate(edgeRx.edge, reads.hits, reads.hitProv);
      const miss = matchRate(edgeRx.edge, reads.misses, reads.missProv);
      const look = matchRate(edgeRx.edge, reads.lookalikes, reads.lookProv);
      list = null;
      const overLimit = edgeRx.edge.metrics.overLimit;
      hb = heap();
      edgeRx = null;
      const b = { ...b0, heapHeld: hb - heap() };

      const row = (name: string, r: { seconds: number; bytes: number; heapDelta: number; rssDelta: number; held: number }, how: string, delivered = 'yes') => ({
        entries: fmt(n),
        method: name,
        broker: how,
        messages: name.startsWith('snapshot') ? fmt(plan.chunks.length) : '1',
        MiB: mib(r.bytes),
        delivered,
        held: fmt(r.held),
        's to held': fmt(r.seconds, 2),
        'heap Δ MiB': mib(r.heapDelta),
        'RSS Δ MiB': mib(r.rssDelta),
      });
      syncRows.push(row('snapshot → (a) server: ReplicatedList+BlacklistStore', a, '256 KiB'));
      syncRows.push(row('snapshot → (b) edge: EdgeList.apply', b, '256 KiB'));
      syncRows.push(row('baseline retained JSON list', { ...dropped, heapDelta: NaN, rssDelta: NaN }, '256 KiB', dropped.delivered ? 'yes' : 'NO (dropped)'));
      syncRows.push(row('baseline retained JSON → Set', asSet, 'no limit'));
      syncRows.push(row('baseline retained JSON → BlacklistStore', asStore, 'no limit'));
      for (const [kind, m] of [['exact hits', exact], ['misses', miss], ['Thai look-alike', look]] as const) {
        matchRows.push({ entries: fmt(n), reads: kind, 'reads/s': fmt(m.perSecond), matched: `${(m.matched * 100).toFixed(1)} %` });
      }
      results.push({ entries: n, planSeconds, chunks: plan.chunks.length, server: a, edge: b, baselineLimited: dropped, baselineSet: asSet, baselineStore: asStore, match: { exact, miss, lookalike: look }, edgeOverLimit: overLimit });
      console.log(`${fmt(n)} entries: plan ${fmt(planSeconds, 2)} s, ${plan.chunks.length} chunks`);
    }
  } finally {
    await limited.stop();
    await unlimited.stop();
  }
  printTable(`watch list sync over MQTT (command: ${COMMAND}; time from first publish to the list held)`, syncRows);
  printTable('EdgeList.match on the synced edge list (default options: exact + look-alike + patterns; median of 3 rounds)', matchRows);
  const file = saveResult('watchlist', { command: COMMAND, sizes, messageSizeLimit: LIMIT, snapshotMaxBytes: SNAPSHOT_MAX, results });
  console.log(`saved ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
