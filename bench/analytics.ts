/**
 * Analytics scenario (issue 14, items 4 and 5), in one process, no broker: the cost per detection
 * of lpr-checkpoint-analytics's status upkeep at 100 / 10,000 / 100,000 cameras known to a health
 * monitor, and the health monitor's memory when flooded with camera ids.
 *
 * - after: what the node does now for each detection (WindowAggregator.addDetection, then its
 *   checkpoint's status), with camera states looked up one by one in the registry, from a real
 *   HealthTracker registered as a health monitor.
 * - before: what it did (measured in the same run on the same data): copy every camera's state from
 *   every health monitor (cameraHealthStates) and scan the checkpoint's cameras for its status.
 * - memory: heap growth of a HealthTracker fed N distinct camera ids, bounded (maxCameras 10,000)
 *   and unbounded (maxCameras = N).
 * - window end (issue 19): what the node does for every checkpoint when a window closes, made and
 *   encoded (its CheckpointAnalytics and its retained CheckpointStatus) at 1,000 and 10,000
 *   checkpoints, against the schema's path (each message parsed by zod when made and again when
 *   encoded, as before fast-checkpoint.ts) in the same run; medians of `--rounds` (default 7).
 */
import { analyticsMessage, WindowAggregator } from '../src/analytics/aggregator';
import { createMessage, encodeMessage, POLICY, type Health } from '../src/protocol';
import { readHealthMonitorSettings } from '../src/runtime/health-settings';
import { HealthTracker } from '../src/runtime/health-tracker';
import { cameraHealthState, cameraHealthStates, registerHealthSource, unregisterHealthSource, type CameraHealthState } from '../src/runtime/registry';
import { option } from './lib/args';
import { printTable, saveResult } from './lib/report';

const SIZES = [100, 10_000, 100_000];
const CHECKPOINTS = 100;
const DETECTIONS = option('detections', 2000);
const FLOOD = option('flood', 400_000);
const rules = readHealthMonitorSettings({ offlineAfter: 90 }).rules;

function health(camera: string): Health {
  return {
    message_id: `${camera}-h`,
    timestamp: new Date().toISOString(),
    camera_id: camera,
    health_status: 'healthy',
    health_details: { cpu_usage: 40, memory_usage: 50, disk_usage: 20, network_status: 'connected', camera_status: 'active', uptime_seconds: 1, temperature: 40 },
    alerts: [],
  } as Health;
}

const cameraId = (i: number) => `CAM${String(i).padStart(6, '0')}`;

/** The old per-detection work: a copy of all states, then a scan of the checkpoint's cameras. */
function before(cameras: number, detections: number): number {
  const lastSeen = new Map<string, Map<string, number>>();
  for (let i = 0; i < cameras; i++) {
    const cp = `CP${i % CHECKPOINTS}`;
    let m = lastSeen.get(cp);
    if (!m) lastSeen.set(cp, (m = new Map()));
    if (m.size < 1000) m.set(cameraId(i), Date.now());
  }
  const t0 = performance.now();
  let online = 0;
  for (let d = 0; d < detections; d++) {
    const i = (d * 7919) % cameras;
    const cp = lastSeen.get(`CP${i % CHECKPOINTS}`)!;
    const now = Date.now();
    if (cp.has(cameraId(i)) || cp.size < 1000) cp.set(cameraId(i), now);
    const states = cameraHealthStates();
    for (const [camera, last] of cp) {
      const s = states.get(camera);
      if (s ? s !== 'offline' : now - last < 60_000) online++;
    }
  }
  if (online < 0) console.log(online);
  return (performance.now() - t0) / detections;
}

function after(cameras: number): number {
  const agg = new WindowAggregator({ windowMs: 60_000, health: cameraHealthState });
  for (let i = 0; i < cameras; i++) agg.addDetection(`CP${i % CHECKPOINTS}`, cameraId(i), [], 5);
  const t0 = performance.now();
  let online = 0;
  for (let d = 0; d < DETECTIONS; d++) {
    const i = (d * 7919) % cameras;
    const cp = `CP${i % CHECKPOINTS}`;
    agg.addDetection(cp, cameraId(i), [{ plate_number: 'AB1234', confidence: 0.9 }], 5);
    online += agg.status(cp)!.cameras.online;
  }
  if (online < 0) console.log(online);
  return (performance.now() - t0) / DETECTIONS;
}

function heapMiB(): number {
  global.gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

function flood(maxCameras: number): { mib: number; kept: number } {
  const base = heapMiB();
  const t = new HealthTracker(rules, 'UTC', { maxCameras });
  const now = Date.now();
  for (let i = 0; i < FLOOD; i++) t.ingest(health(cameraId(i)), now + i);
  const mib = heapMiB() - base;
  return { mib, kept: t.size };
}

const perDetection: Array<Record<string, string | number>> = [];
const raw: Array<{ cameras: number; beforeMs: number; afterMs: number }> = [];
for (const cameras of SIZES) {
  const tracker = new HealthTracker(rules, 'UTC', { maxCameras: Math.max(cameras, 1) });
  const now = Date.now();
  for (let i = 0; i < cameras; i++) tracker.ingest(health(cameraId(i)), now);
  const states = (): ReadonlyMap<string, CameraHealthState> => tracker.states();
  registerHealthSource('bench', { state: (c) => tracker.get(c)?.status, counts: () => tracker.counts(), states });
  // The old path costs O(cameras) per detection: fewer detections at large sizes keep the run short.
  const oldDetections = Math.min(DETECTIONS, Math.max(50, Math.round(2e7 / cameras)));
  before(cameras, 10); // warm-up
  after(cameras);
  const b = before(cameras, oldDetections);
  const a = after(cameras);
  console.log(`${cameras} cameras: before ${b.toFixed(4)} ms (${oldDetections} detections), after ${a.toFixed(4)} ms per detection`);
  unregisterHealthSource('bench');
  raw.push({ cameras, beforeMs: b, afterMs: a });
  perDetection.push({ cameras: cameras.toLocaleString('en-US'), 'before ms/detection': b.toFixed(4), 'after ms/detection': a.toFixed(4), 'after detections/s': Math.round(1000 / a).toLocaleString('en-US') });
}
printTable(`checkpoint analytics: status upkeep per detection (${DETECTIONS} detections, ${CHECKPOINTS} checkpoints)`, perDetection);

/** A closed window of `checkpoints` checkpoints, one detection each, and the time it closed. */
function closedWindow(checkpoints: number) {
  const clock = { t: Date.UTC(2026, 11, 4, 10, 30, 0) };
  const agg = new WindowAggregator({ windowMs: 60_000, now: () => clock.t, maxCheckpoints: checkpoints });
  for (let i = 0; i < checkpoints; i++) agg.addDetection(`CP${i}`, cameraId(i), [{ plate_number: `AB${i}`, confidence: 0.9 }], 40 + (i % 20));
  clock.t += 61_000;
  return { agg, results: agg.advance(), now: clock.t };
}

/** Every checkpoint's analytics and status made and encoded; `schema`: each parsed by zod twice, as before. */
function windowEnd(checkpoints: number, schema: boolean): number {
  const { agg, results, now } = closedWindow(checkpoints);
  const ids = agg.checkpointIds();
  const t0 = performance.now();
  let bytes = 0;
  if (schema) {
    const a = POLICY.checkpointAnalytics.schema;
    const s = POLICY.checkpointStatus.schema;
    for (const r of results) {
      const m = a.parse({ message_id: crypto.randomUUID(), ...r, timestamp: new Date(now).toISOString() });
      bytes += JSON.stringify(a.parse(m)).length;
    }
    for (const id of ids) {
      const m = s.parse({ message_id: crypto.randomUUID(), timestamp: new Date(now).toISOString(), ...agg.status(id)! });
      bytes += JSON.stringify(s.parse(m)).length;
    }
  } else {
    for (const r of results) bytes += encodeMessage('checkpointAnalytics', analyticsMessage(r, now)).length;
    for (const id of ids) bytes += encodeMessage('checkpointStatus', createMessage('checkpointStatus', { ...agg.status(id)! })).length;
  }
  const ms = performance.now() - t0;
  if (bytes === 0) throw new Error('nothing encoded');
  return ms;
}

const ROUNDS = option('rounds', 7);
const windowEnds: Array<Record<string, string>> = [];
const windowRaw: Array<{ checkpoints: number; schemaMs: number; nowMs: number }> = [];
for (const checkpoints of [1000, 10_000]) {
  windowEnd(checkpoints, true); // warm-up
  windowEnd(checkpoints, false);
  const before: number[] = [];
  const after: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    before.push(windowEnd(checkpoints, true));
    after.push(windowEnd(checkpoints, false));
  }
  const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  const b = med(before);
  const a = med(after);
  windowRaw.push({ checkpoints, schemaMs: b, nowMs: a });
  windowEnds.push({ checkpoints: checkpoints.toLocaleString('en-US'), 'schema twice per message, ms': b.toFixed(1), 'now, ms': a.toFixed(1), ratio: (a / b).toFixed(2) });
}
printTable(`checkpoint analytics: a window end, every checkpoint's analytics and status made and encoded (medians of ${ROUNDS})`, windowEnds);

const bounded = flood(10_000);
const unbounded = flood(FLOOD);
const memory = [
  { 'health monitor': `maxCameras 10,000`, 'camera ids fed': FLOOD.toLocaleString('en-US'), kept: bounded.kept.toLocaleString('en-US'), 'heap growth MiB': bounded.mib.toFixed(1) },
  { 'health monitor': `unbounded (maxCameras ${FLOOD.toLocaleString('en-US')})`, 'camera ids fed': FLOOD.toLocaleString('en-US'), kept: unbounded.kept.toLocaleString('en-US'), 'heap growth MiB': unbounded.mib.toFixed(1) },
];
printTable('health monitor: memory under a flood of camera ids', memory);
console.log(`saved ${saveResult('analytics', { detections: DETECTIONS, checkpoints: CHECKPOINTS, perDetection: raw, windowEnd: windowRaw, flood: FLOOD, bounded, unbounded })}`);
