/**
 * One counted detection stream for the fault-injection tests. The edge side is real on both
 * kinds: `lpr-sim` (dist/bin/lpr-sim.js) in its own process with several cameras, and `lpr-camera`
 * nodes in a Node-RED runtime (node-red-node-test-helper, in the test process) fed detections with
 * ids we choose. The server side is a ServerHost (Node-RED in its own process). Faults run when
 * the server has emitted a given number of detections. At the end every camera's outputs are
 * counted by message_id: lost = sent but never emitted, duplicates = emitted more than once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import type { Mosquitto } from '../fixtures/mosquitto';
import { sleep, waitUntil } from '../fixtures/wait';
import { helper } from '../nodes/harness';
import type { ServerHost } from './server-host';

/* eslint-disable @typescript-eslint/no-require-imports */
const EDGE_NODES = [require('../../dist/lpr-broker.js'), require('../../dist/lpr-camera.js')];
/* eslint-enable @typescript-eslint/no-require-imports */

const SIM = path.resolve(__dirname, '../../dist/bin/lpr-sim.js');

export interface Fault {
  /** Runs once the server has emitted at least this many detections (probe excluded). */
  atOutputs: number;
  name: string;
  run(): Promise<void>;
}

export interface StreamPlan {
  mosquitto: Mosquitto;
  server: ServerHost;
  simCameras: number;
  perSimCamera: number;
  /** Detections per second per simulated camera. */
  simRate: number;
  nodeCameras: number;
  perNodeCamera: number;
  /** One detection per lpr-camera node every this many ms. */
  nodeIntervalMs: number;
  /** Camera ack timeout, seconds. */
  ackTimeout: number;
  faults: Fault[];
  /** Give up (fail) after this long. */
  timeoutMs: number;
  /** The port the cameras connect to (a proxy in front of Mosquitto); default Mosquitto's. */
  cameraPort?: number;
  /** Keepalive of the lpr-camera nodes' brokers, seconds (default 10). */
  edgeKeepalive?: number;
  /** lpr-sim --health-interval (default 0: health only on connect). */
  simHealthInterval?: number;
  /** The server's lpr-detection-in nodes to count, each on its own (default ['din']). */
  countNodes?: string[];
}

export interface NodeCount {
  node: string;
  /** Runs of the node seen in its status counters (a restart or a redeploy starts a new one). */
  runs: number;
  /** Lost per camera (those with any). */
  lostPerCamera: Record<string, number>;
  /** Distinct message_ids emitted. */
  received: number;
  outputs: number;
  lost: number;
  duplicates: number;
  foreign: number;
}

export interface CameraCount {
  camera: string;
  sent: number;
  distinct: number;
  lost: number;
  duplicates: number;
  resent: number;
}

export interface StreamReport {
  sent: number;
  /** Distinct message_ids emitted by lpr-detection-in. */
  received: number;
  /** Output messages, duplicates included. */
  outputs: number;
  lost: number;
  duplicatesAtOutput: number;
  /** Copies lpr-detection-in recognised and did not emit (acked again), summed over its runs. */
  dedupeSuppressed: number;
  /** Detections the cameras sent again (ack timeout, reconnect). */
  resends: number;
  /** Outputs not sent by any camera of the plan: unknown cameras or ids (must be 0). */
  foreign: number;
  /** Errors reported to the server flow's Catch node. */
  errors: string[];
  perCamera: CameraCount[];
  /** The same counts for each lpr-detection-in node counted (lost/duplicates above are their sums). */
  perNode: NodeCount[];
  faults: Array<{ name: string; atOutputs: number; ms: number }>;
  seconds: number;
}

export const PROBE_CAMERA = 'PROBE01';

/** Publishes probe detections until the server emits one: its subscription is in place. */
export async function waitServerReady(mosquitto: Mosquitto, server: ServerHost, timeoutMs = 30_000): Promise<void> {
  const client = mqtt.connect(mosquitto.url, { clientId: `rel-probe-${process.pid}`, reconnectPeriod: 200 });
  const seen = () => server.counts().perCamera.get(PROBE_CAMERA)?.size ?? 0;
  const before = seen();
  try {
    const deadline = Date.now() + timeoutMs;
    while (seen() === before) {
      if (Date.now() > deadline) throw new Error(`the server did not emit a probe detection within ${timeoutMs} ms:\n${server.log()}`);
      if (client.connected) {
        const detection = { ...detectionBody('PROBE1'), message_id: randomUUID(), timestamp: new Date().toISOString(), camera_id: PROBE_CAMERA };
        client.publish(`lprserver/cameras/${PROBE_CAMERA}/detection`, JSON.stringify(detection), { qos: 1 });
      }
      await sleep(200);
    }
  } finally {
    await client.endAsync(true);
  }
}

export function detectionBody(plate: string): Record<string, unknown> {
  return {
    detection_data: {
      vehicles_count: 1,
      plates_count: 1,
      processing_time_ms: 120,
      confidence_score: 0.9,
      detection_type: 'lpr',
      vehicles: [{ vehicle_index: 0, vehicle_class: 'car' }],
      plates: [{ plate_index: 0, plate_number: plate, confidence: 0.9, province: 'Bangkok' }],
    },
  };
}

/** `{ in, dup }` from each lpr-detection-in status text, summed over the runs of the node (a new run starts from 0). */
function statusTotals(statuses: string[]): { dedupeSuppressed: number; runs: number } {
  let total = 0;
  let runs = 0;
  let lastIn = -1;
  let lastDup = 0;
  for (const text of statuses) {
    const inCount = /(\d+) in\b/.exec(text);
    if (!inCount) continue;
    const n = Number(inCount[1]);
    const dup = Number(/(\d+) dup\b/.exec(text)?.[1] ?? 0);
    if (n < lastIn || lastIn < 0) {
      runs++;
      if (lastIn >= 0) total += lastDup;
    }
    lastIn = n;
    lastDup = dup;
  }
  return { dedupeSuppressed: total + lastDup, runs };
}

interface SimRun {
  proc: ChildProcess;
  summary: Promise<any>;
}

function startSim(plan: StreamPlan): SimRun {
  const args = [
    SIM,
    '--url', `mqtt://127.0.0.1:${plan.cameraPort ?? plan.mosquitto.port}`,
    '--cameras', String(plan.simCameras),
    '--prefix', 'SIM',
    '--rate', String(plan.simRate),
    '--count', String(plan.perSimCamera),
    '--ack-timeout', String(plan.ackTimeout),
    '--health-interval', String(plan.simHealthInterval ?? 0),
    '--no-config-request',
    '--blacklist-ratio', '0',
    '--drain', String(Math.ceil(plan.timeoutMs / 1000)),
    '--seed', '7',
    '--json',
    '--quiet',
  ];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (err += d));
  const summary = new Promise<any>((resolve, reject) => {
    proc.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`lpr-sim exited ${code}:\n${err}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1)!));
      } catch {
        reject(new Error(`lpr-sim printed no JSON summary:\n${out}\n${err}`));
      }
    });
  });
  summary.catch(() => undefined);
  return { proc, summary };
}

function edgeFlow(plan: StreamPlan, dir: string): { flow: unknown[]; cameras: string[] } {
  const flow: unknown[] = [];
  const cameras: string[] = [];
  for (let i = 0; i < plan.nodeCameras; i++) {
    const camera = `NODE${String(i + 1).padStart(3, '0')}`;
    cameras.push(camera);
    flow.push(
      {
        id: `eb${i}`,
        type: 'lpr-broker',
        broker: '127.0.0.1',
        port: plan.cameraPort ?? plan.mosquitto.port,
        protocolVersion: 4,
        clientId: `rel-edge-${camera}`,
        // The node's default: a persistent session (the MQTT.js store is kept across reconnects).
        cleanSession: false,
        sessionExpiry: 86400,
        keepalive: plan.edgeKeepalive ?? 10,
        reconnectPeriod: 0.2,
        connectTimeout: 5,
        topicRoot: 'lprserver',
        usetls: false,
        birth: false,
        queueLimit: 100000,
      },
      {
        id: `cam${i}`,
        type: 'lpr-camera',
        broker: `eb${i}`,
        camera,
        checkpoint: 'CP001',
        ack: true,
        ackTimeout: plan.ackTimeout,
        bufferSize: 100000,
        overflow: 'reject-new',
        // The node's default: the outbox journal on disk.
        persist: true,
        file: path.join(dir, `${camera}.ndjson`),
        requestConfig: false,
        wires: [[], []],
      },
    );
  }
  return { flow, cameras };
}

/** Runs the plan; the caller asserts on the report. Loads and unloads the edge runtime itself. */
export async function runStream(plan: StreamPlan): Promise<StreamReport> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lpr-rel-edge-'));
  const started = Date.now();
  const deadline = started + plan.timeoutMs;
  await new Promise<void>((resolve) => helper.startServer(() => resolve()));
  let sim: SimRun | null = null;
  let feeder: NodeJS.Timeout | null = null;
  try {
    const { flow, cameras: nodeCameras } = edgeFlow(plan, dir);
    await helper.load(EDGE_NODES, flow);
    const agents = nodeCameras.map((_, i) => (helper.getNode(`cam${i}`) as any).lprAgent);
    await waitUntil(() => agents.every((a: any) => a.link.connection.connected), 'the lpr-camera connections', 15_000);
    await sleep(200);

    // The edge starts: lpr-sim cameras and lpr-camera nodes at once.
    sim = startSim(plan);
    const sentIds = nodeCameras.map(() => [] as string[]);
    let fed = 0;
    feeder = setInterval(() => {
      if (fed >= plan.perNodeCamera) return;
      fed++;
      nodeCameras.forEach((camera, i) => {
        const id = randomUUID();
        sentIds[i]!.push(id);
        helper.getNode(`cam${i}`).receive({ topic: 'detection', payload: { ...detectionBody(`N${i}${fed}`), message_id: id } });
      });
    }, plan.nodeIntervalMs);

    const faults: StreamReport['faults'] = [];
    for (const fault of plan.faults) {
      await waitUntil(() => plan.server.outputCount() >= fault.atOutputs, `${fault.atOutputs} outputs before "${fault.name}"`, Math.max(1, deadline - Date.now()));
      const t0 = Date.now();
      await fault.run();
      faults.push({ name: fault.name, atOutputs: fault.atOutputs, ms: Date.now() - t0 });
    }

    const simSummary = await Promise.race([
      sim.summary,
      sleep(Math.max(1, deadline - Date.now())).then(() => {
        throw new Error('lpr-sim did not finish in time');
      }),
    ]);
    await waitUntil(() => fed >= plan.perNodeCamera && agents.every((a: any) => a.outbox.size === 0), 'the lpr-camera outboxes to drain', Math.max(1, deadline - Date.now()));
    // Late copies (a redelivery after the last ack) would show up now: wait until the output is still.
    let last = -1;
    for (;;) {
      const n = plan.server.outputCount();
      if (n === last || Date.now() > deadline) break;
      last = n;
      // Longer than the status throttle (1 s), so the last status line holds the final counts.
      await sleep(1500);
    }
    const seconds = (Date.now() - started) / 1000;

    const counts = plan.server.counts();
    const simCameras: Array<{ camera: string; generated: number; resent: number }> = simSummary.perCamera;
    const countNode = (node: string) => {
      const got = counts.perNode.get(node) ?? new Map<string, Map<string, number>>();
      const perCamera: CameraCount[] = [];
      let foreign = 0;
      const count = (camera: string, sent: number, resent: number, expected?: string[]) => {
        const ids = got.get(camera) ?? new Map<string, number>();
        let duplicates = 0;
        for (const n of ids.values()) duplicates += n - 1;
        let lost: number;
        if (expected) {
          // The ids we chose: each one must be there, and nothing else.
          const want = new Set(expected);
          lost = expected.filter((id) => !ids.has(id)).length;
          foreign += [...ids.keys()].filter((id) => !want.has(id)).length;
        } else {
          // lpr-sim's random UUIDs (only it publishes for its cameras): as many distinct ids as it generated.
          lost = Math.max(0, sent - ids.size);
          foreign += Math.max(0, ids.size - sent);
        }
        perCamera.push({ camera, sent, distinct: ids.size, lost, duplicates, resent });
      };
      for (const c of simCameras) count(c.camera, c.generated, c.resent);
      nodeCameras.forEach((camera, i) => count(camera, sentIds[i]!.length, agents[i].metrics.resent, sentIds[i]));
      const known = new Set([...perCamera.map((c) => c.camera), PROBE_CAMERA]);
      let outputs = 0;
      for (const [camera, ids] of got) {
        if (!known.has(camera)) foreign += ids.size;
        if (camera !== PROBE_CAMERA) for (const n of ids.values()) outputs += n;
      }
      const sum = (k: keyof CameraCount) => perCamera.reduce((s, c) => s + (c[k] as number), 0);
      const lostPerCamera = Object.fromEntries(perCamera.filter((c) => c.lost > 0).map((c) => [c.camera, c.lost]));
      const { runs } = statusTotals(plan.server.statuses(node));
      return { perCamera, count: { node, runs, lostPerCamera, received: sum('distinct'), outputs, lost: sum('lost'), duplicates: sum('duplicates'), foreign } satisfies NodeCount };
    };
    const nodes = (plan.countNodes ?? ['din']).map(countNode);
    const perCamera = nodes[0]!.perCamera;
    const perNode = nodes.map((n) => n.count);
    const total = (k: 'lost' | 'duplicates' | 'foreign') => perNode.reduce((s, n) => s + n[k], 0);
    return {
      sent: perCamera.reduce((s, c) => s + c.sent, 0),
      received: perNode[0]!.received,
      outputs: perNode[0]!.outputs,
      lost: total('lost'),
      duplicatesAtOutput: total('duplicates'),
      dedupeSuppressed: statusTotals(plan.server.statuses()).dedupeSuppressed,
      resends: perCamera.reduce((s, c) => s + c.resent, 0),
      foreign: total('foreign'),
      errors: counts.errors,
      perCamera,
      perNode,
      faults,
      seconds,
    };
  } finally {
    if (feeder) clearInterval(feeder);
    if (sim && sim.proc.exitCode === null && sim.proc.signalCode === null) {
      sim.proc.kill('SIGKILL');
      await new Promise((r) => sim!.proc.once('exit', r));
    }
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The report as printed by the tests (and quoted in the README). */
export function formatReport(title: string, r: StreamReport): string {
  const faults = r.faults.map((f) => `${f.name} at ${f.atOutputs} outputs (${f.ms} ms)`).join('; ');
  return [
    `  ${title}`,
    `    sent ${r.sent} · received ${r.received} · outputs ${r.outputs} · lost ${r.lost} · duplicates at output ${r.duplicatesAtOutput}`,
    `    duplicates suppressed by dedupe ${r.dedupeSuppressed} · camera resends ${r.resends} · ${r.seconds.toFixed(1)} s`,
    `    faults: ${faults || 'none'}`,
    `    per node: ${r.perNode.map((n) => `${n.node} (${n.runs} run${n.runs === 1 ? '' : 's'}) ${n.received} distinct, lost ${n.lost}, dup ${n.duplicates}`).join(' · ')}`,
    `    errors at the server ${r.errors.length}${r.errors[0] ? ` (first: ${r.errors[0]})` : ''}`,
    `    per camera: ${r.perCamera.map((c) => `${c.camera} ${c.distinct}/${c.sent}${c.duplicates ? ` +${c.duplicates} dup` : ''} (resent ${c.resent})`).join(', ')}`,
  ].join('\n');
}
