/**
 * The reliability matrix (issue 13, "The proof"): one row per ordinary operation, each driven with
 * real processes while 10,000 detections stream (see stream.ts). A row says what the rig looks like
 * (server flow variant, where a proxy sits) and which faults fire at which output counts; the
 * runner (matrix.test.ts) counts lost / duplicated / false state changes and writes the figures.
 * The target of every row is 0; `atLeastOnce` marks the one row where the design promises less.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import type { FreezeProxy } from '../fixtures/freeze-proxy';
import type { Mosquitto } from '../fixtures/mosquitto';
import { seedHealth } from '../fixtures/samples';
import { sleep, waitUntil } from '../fixtures/wait';
import type { ServerHost, ServerHostOptions } from './server-host';
import type { Fault } from './stream';

export interface RowContext {
  mosquitto: Mosquitto;
  server: ServerHost;
  /** Between the server Node-RED and Mosquitto (rows with `proxy: 'server'`). */
  serverProxy: FreezeProxy | null;
  /** Between every camera and Mosquitto (rows with `proxy: 'cameras'`). */
  cameraProxy: FreezeProxy | null;
}

export interface MatrixRow {
  /** Short key: the mocha test title starts with it (`--grep <id>`) and names the results file. */
  id: string;
  /** The operation, as the README table says it. */
  operation: string;
  /** Server flow variant (merged over the default: persistent session, dedupe 300 s). */
  server?: Partial<ServerHostOptions>;
  proxy?: 'server' | 'cameras';
  edgeKeepalive?: number;
  simHealthInterval?: number;
  /** lpr-detection-in nodes counted, each must emit every detection exactly once (default ['din']). */
  countNodes?: string[];
  setup?(ctx: RowContext): Promise<void>;
  faults(ctx: RowContext): Fault[];
  /** Duplicates are counted but allowed (documented at-least-once). */
  atLeastOnce?: string;
  /** Errors at the server are expected (the row makes them). */
  errorsExpected?: boolean;
  /** State changes the row's operation must not cause. */
  falseStateChanges?(ctx: RowContext): number;
  /** Asserts that the fault did what the row says (e.g. the client did time out and reconnect). */
  faultHappened?(ctx: RowContext): void;
}

const brokerKill = (ctx: RowContext) => async () => {
  await ctx.mosquitto.kill();
  await sleep(1000);
  await ctx.mosquitto.start();
};

/** The server's Node-RED down for 4 s (the cameras go on publishing; their ack timeout is 3 s). */
const serverDown = (ctx: RowContext, how: 'stop' | 'kill') => async () => {
  await ctx.server[how]();
  await sleep(4000);
  await ctx.server.start();
};

const freeze = (proxy: () => FreezeProxy | null, ms: number) => async () => {
  proxy()!.freeze();
  await sleep(ms);
  proxy()!.thaw();
};

/** Deploys the server flow as it is, or with a property of `din2` changed (a modified-nodes deploy). */
const redeploy = (ctx: RowContext, type: 'full' | 'nodes', n: number) => async () => {
  const flow = ctx.server.flow();
  if (type === 'nodes') {
    const din2 = flow.find((node) => node.id === 'din2')!;
    din2.name = `second detection-in, edit ${n}`;
  }
  await ctx.server.deploy(flow, type);
};

const SILENT = ['SILENT01', 'SILENT02', 'SILENT03', 'SILENT04', 'SILENT05'];
const OFFLINE_AFTER_S = 2;

/** Healthy retained health from cameras that then say nothing more (no will: they are simply silent). */
async function silentCameras(ctx: RowContext): Promise<void> {
  const client = await mqtt.connectAsync(ctx.mosquitto.url, { clientId: `rel-silent-${process.pid}`, reconnectPeriod: 0 });
  try {
    for (const camera of SILENT) {
      const health = { ...seedHealth(), message_id: randomUUID(), camera_id: camera, timestamp: new Date().toISOString(), alerts: [] };
      await client.publishAsync(`lprserver/cameras/${camera}/health`, JSON.stringify(health), { qos: 1, retain: true });
    }
  } finally {
    await client.endAsync();
  }
  await allSilentOffline(ctx);
}

/** Until every silent camera's last reported state is offline (again, after a false change). */
async function allSilentOffline(ctx: RowContext): Promise<void> {
  const offline = () => {
    const last = new Map<string, string>();
    for (const t of ctx.server.counts().health) if (SILENT.includes(t.camera)) last.set(t.camera, t.status);
    return SILENT.every((c) => last.get(c) === 'offline');
  };
  await waitUntil(offline, 'the silent cameras to be offline by silence', 15_000);
}

/** A silent camera that went offline and then shows any other state: nothing new was said. */
function silentTurnedBack(ctx: RowContext): number {
  const offline = new Set<string>();
  let wrong = 0;
  for (const t of ctx.server.counts().health) {
    if (!SILENT.includes(t.camera)) continue;
    if (t.status === 'offline') offline.add(t.camera);
    else if (offline.has(t.camera)) wrong++;
  }
  return wrong;
}

export const MATRIX: MatrixRow[] = [
  {
    id: 'broker-kill',
    operation: 'Mosquitto **SIGKILL**, restarted on the same port after 1 s (at 2,500 and 6,000 outputs)',
    faults: (ctx) => [
      { atOutputs: 2500, name: 'broker SIGKILL + restart', run: brokerKill(ctx) },
      { atOutputs: 6000, name: 'broker SIGKILL + restart', run: brokerKill(ctx) },
    ],
  },
  {
    id: 'broker-restart',
    operation: 'Mosquitto **graceful restart** (SIGTERM, persistence saved; at 3,000 and 7,000)',
    faults: (ctx) => [
      { atOutputs: 3000, name: 'broker SIGTERM + start', run: () => ctx.mosquitto.restart() },
      { atOutputs: 7000, name: 'broker SIGTERM + start', run: () => ctx.mosquitto.restart() },
    ],
  },
  {
    id: 'link-drop-server',
    operation: "server's link **dropped** (proxy closes both sockets; at 2,500 and 6,000)",
    proxy: 'server',
    faults: (ctx) => [
      { atOutputs: 2500, name: 'server link dropped', run: async () => ctx.serverProxy!.drop() },
      { atOutputs: 6000, name: 'server link dropped', run: async () => ctx.serverProxy!.drop() },
    ],
  },
  {
    id: 'link-drop-cameras',
    operation: "cameras' links **dropped** (proxy closes both sockets; at 2,500 and 6,000)",
    proxy: 'cameras',
    faults: (ctx) => [
      { atOutputs: 2500, name: 'camera links dropped', run: async () => ctx.cameraProxy!.drop() },
      { atOutputs: 6000, name: 'camera links dropped', run: async () => ctx.cameraProxy!.drop() },
    ],
  },
  {
    id: 'link-freeze-server',
    operation: "server's link **frozen** (no FIN/RST; keepalive 2 s): 1.5 s then thawed, and 6 s (the client times out and reconnects)",
    proxy: 'server',
    server: { keepalive: 2 },
    faults: (ctx) => [
      { atOutputs: 2500, name: 'server link frozen 1.5 s', run: freeze(() => ctx.serverProxy, 1500) },
      { atOutputs: 6000, name: 'server link frozen 6 s', run: freeze(() => ctx.serverProxy, 6000) },
    ],
    // The 6 s freeze outlasted the keepalive: the server gave up on the link and connected again.
    faultHappened: (ctx) => assert.ok(ctx.serverProxy!.connections() >= 2, `server connections through the proxy: ${ctx.serverProxy!.connections()}`),
  },
  {
    id: 'link-freeze-cameras',
    operation: "cameras' links **frozen** 6 s (lpr-camera keepalive 2 s times out and reconnects; lpr-sim, keepalive 30 s, thaws)",
    proxy: 'cameras',
    edgeKeepalive: 2,
    faults: (ctx) => [{ atOutputs: 3000, name: 'camera links frozen 6 s', run: freeze(() => ctx.cameraProxy, 6000) }],
    // 4 lpr-sim + 2 lpr-camera connections at the start; the lpr-camera nodes timed out and came back.
    faultHappened: (ctx) => assert.ok(ctx.cameraProxy!.connections() >= 8, `camera connections through the proxy: ${ctx.cameraProxy!.connections()}`),
  },
  {
    id: 'redeploy-full',
    operation: '**full deploy** of the server flow, two lpr-detection-in on all cameras, each counted (5 deploys, every 1,500 outputs)',
    server: { second: true },
    countNodes: ['din', 'din2'],
    faults: (ctx) => [1, 2, 3, 4, 5].map((n) => ({ atOutputs: 1500 * n, name: 'full deploy', run: redeploy(ctx, 'full', n) })),
  },
  {
    id: 'redeploy-nodes',
    operation: '**modified-nodes deploy** (one of two lpr-detection-in on all cameras edited; each counted; 5 deploys, every 1,500 outputs)',
    server: { second: true },
    countNodes: ['din', 'din2'],
    // The redeployed node misses only what arrives while it is away (milliseconds): several deploys
    // make that window come up on every run.
    faults: (ctx) => [1, 2, 3, 4, 5].map((n) => ({ atOutputs: 1500 * n, name: 'modified-nodes deploy (din2 edited)', run: redeploy(ctx, 'nodes', n) })),
  },
  {
    id: 'server-stop',
    operation: 'server Node-RED **stopped** (SIGINT) for 4 s and started, twice (at 2,500 and 6,000)',
    faults: (ctx) => [
      { atOutputs: 2500, name: 'server SIGINT, 4 s down, start', run: serverDown(ctx, 'stop') },
      { atOutputs: 6000, name: 'server SIGINT, 4 s down, start', run: serverDown(ctx, 'stop') },
    ],
  },
  {
    id: 'server-kill',
    operation: 'server Node-RED **killed** (SIGKILL) for 4 s and started (at 4,000)',
    atLeastOnce: 'a crash within a second of a detection can lose its dedupe journal line: its resend comes out again',
    faults: (ctx) => [{ atOutputs: 4000, name: 'server SIGKILL, 4 s down, start', run: serverDown(ctx, 'kill') }],
  },
  {
    id: 'rate-limit',
    operation: 'cameras **over the rate limit** (lpr-detection-in 200/s, burst 20, per camera; lpr-sim cameras send 400/s)',
    server: { rateLimit: 200, rateBurst: 20 },
    // Deferring a detection may be reported (Catch); what counts is that it comes through.
    errorsExpected: true,
    faults: () => [],
  },
  {
    id: 'db-down',
    operation: '**database down** for 3 s under ack-on-completion (`ackWhen: complete`; the store fails with done(err); at 3,000)',
    server: { ackOnComplete: true },
    errorsExpected: true,
    faults: (ctx) => [
      {
        atOutputs: 3000,
        name: 'database down 3 s',
        run: async () => {
          ctx.server.setDbDown(true);
          await sleep(3000);
          ctx.server.setDbDown(false);
        },
      },
    ],
  },
  {
    id: 'retained-health',
    operation: `**retained health** of ${SILENT.length} silent cameras (offline by silence, ${OFFLINE_AFTER_S} s) across a server link drop (at 3,000) and a broker restart (at 7,000)`,
    server: { health: { offlineAfter: OFFLINE_AFTER_S } },
    proxy: 'server',
    simHealthInterval: 1,
    setup: silentCameras,
    faults: (ctx) => [
      { atOutputs: 3000, name: 'server link dropped', run: async () => ctx.serverProxy!.drop() },
      {
        atOutputs: 7000,
        name: 'broker SIGTERM + start',
        // Each reconnect on its own: the silent cameras are offline again (if the first one turned them) first.
        run: async () => {
          await allSilentOffline(ctx);
          await ctx.mosquitto.restart();
        },
      },
    ],
    falseStateChanges: silentTurnedBack,
  },
];
