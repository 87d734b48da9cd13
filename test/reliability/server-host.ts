/**
 * The server side of the fault-injection tests: a real Node-RED runtime (node-red/red.js) in its own
 * process, with this package linked into its user directory (as `npm install <path>` does) and a
 * flow `lpr-broker` -> `lpr-detection-in` (acks, dedupe) -> a function node that appends
 * `din <camera> <message_id>` to a record file with a synchronous write. The record is written the
 * moment the detection leaves the node, so it survives a stop or a SIGKILL of the process, and a
 * restarted process appends to the same file: every output of every incarnation is counted.
 * Options add a second lpr-detection-in on the same filter (`din2`, recorded apart), a rate limit,
 * ack-on-completion with the record node as a database that can be "down", and an
 * lpr-health-monitor whose transitions are recorded.
 *
 * `stop()` is SIGINT (Node-RED closes its nodes: the lpr-broker disconnects cleanly), `kill()` is
 * SIGKILL (a crash); `start()` starts the same user directory and flow again; `deploy()` goes
 * through the admin HTTP API as the editor's Deploy button does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../fixtures/mosquitto';

const root = path.resolve(__dirname, '../..');

export interface ServerHostOptions {
  mqttPort: number;
  /** Fixed client id: with `cleanSession: false` the broker keeps the session across restarts. */
  clientId: string;
  cleanSession: boolean;
  /** lpr-detection-in `dedupe` seconds. */
  dedupe: number;
  /** The server lpr-broker's keepalive, seconds (default 10). */
  keepalive?: number;
  /** A second lpr-detection-in (`din2`) on the same filter, its outputs recorded apart. */
  second?: boolean;
  /** lpr-detection-in `rateLimit` / `rateBurst` (default: no limit). */
  rateLimit?: number;
  rateBurst?: number;
  /**
   * Ack when the flow has finished with the detection (`ackWhen: 'complete'`, `ackScope: ['rec']`),
   * and the record node is "the database": while `setDbDown(true)` it fails (done(err)).
   */
  ackOnComplete?: boolean;
  /** An lpr-health-monitor on all cameras, its transitions recorded as `HEALTH <camera> <previous> <status>`. */
  health?: { offlineAfter: number };
}

export interface RecordCounts {
  /** Outputs of `din` per camera: message_id -> times emitted. */
  perCamera: Map<string, Map<string, number>>;
  /** The same for every lpr-detection-in node: node id -> camera -> message_id -> times. */
  perNode: Map<string, Map<string, Map<string, number>>>;
  /** Total output messages of `din` (duplicates included). */
  outputs: number;
  /** Errors the flow's Catch node saw. */
  errors: string[];
  /** The last lpr-detection-in status text. */
  status: string;
  /** lpr-health-monitor transitions, in order. */
  health: Array<{ camera: string; previous: string; status: string }>;
}

export interface ServerHost {
  recordFile: string;
  /** The admin HTTP API of the running runtime (http://127.0.0.1:port). */
  adminUrl(): string;
  /** The flow as deployed now (ids fixed). */
  flow(): Array<Record<string, unknown>>;
  /** POST /flows with `Node-RED-Deployment-Type: full|nodes`; resolves when the runtime answered. */
  deploy(flow: Array<Record<string, unknown>>, type: 'full' | 'nodes'): Promise<void>;
  /** "The database" (the record node of an `ackOnComplete` server) fails while down. */
  setDbDown(down: boolean): void;
  /** Starts (or starts again) the runtime; resolves once its HTTP side listens (flows started). */
  start(): Promise<void>;
  /** SIGINT: a graceful stop; resolves when the process has exited. */
  stop(): Promise<void>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
  running(): boolean;
  /** Outputs of `din` recorded now (cheap enough to poll: reads only what was appended). */
  outputCount(): number;
  counts(): RecordCounts;
  /** Every status text of an lpr-detection-in node (default `din`) recorded, in order, over all runs. */
  statuses(node?: string): string[];
  log(): string;
  /** Stops the runtime if running and removes the user directory. */
  dispose(): Promise<void>;
}

/** A record node: appends `<node> <camera> <message_id>`; with `db`, fails while the database is down. */
function recordNode(id: string, source: string, db: boolean): Record<string, unknown> {
  const fail = db ? "if (global.get('lprDbDown')()) throw new Error('database down');\n" : '';
  return {
    id,
    z: 'tab',
    type: 'function',
    name: `record ${source}`,
    func: `${fail}global.get('lprRecord')('${source} ' + msg.lpr.cameraId + ' ' + msg.lpr.messageId);\nreturn null;`,
    outputs: 0,
    wires: [],
  };
}

function detectionIn(id: string, o: ServerHostOptions, record: string): Record<string, unknown> {
  return {
    id,
    z: 'tab',
    type: 'lpr-detection-in',
    name: '',
    broker: 'srvbroker',
    camera: '',
    sharedGroup: '',
    ack: true,
    dedupe: o.dedupe,
    dedupeSize: 100000,
    split: false,
    // The cameras here send 100-200/s each, far above a real camera's ~1/s: no per-camera rate
    // limit unless the row is about it.
    rateLimit: o.rateLimit ?? 0,
    ...(o.rateBurst !== undefined ? { rateBurst: o.rateBurst } : {}),
    // Ack-on-completion (issue 13 #5): the ack waits for the record node ("the database") to finish.
    ...(o.ackOnComplete ? { ackWhen: 'complete', ackScope: [record] } : {}),
    wires: [[record]],
  };
}

/** The server flow; ids are fixed so that a restart is the same flow. */
export function serverFlow(o: ServerHostOptions): Array<Record<string, unknown>> {
  const flow: Array<Record<string, unknown>> = [
    { id: 'tab', type: 'tab', label: 'reliability server' },
    {
      id: 'srvbroker',
      type: 'lpr-broker',
      name: 'server',
      broker: '127.0.0.1',
      port: o.mqttPort,
      protocolVersion: 4,
      clientId: o.clientId,
      cleanSession: o.cleanSession,
      sessionExpiry: 86400,
      keepalive: o.keepalive ?? 10,
      reconnectPeriod: 0.2,
      connectTimeout: 5,
      topicRoot: 'lprserver',
      usetls: false,
      birth: true,
      queueLimit: 100000,
    },
    detectionIn('din', o, 'rec'),
    recordNode('rec', 'din', !!o.ackOnComplete),
    { id: 'errs', z: 'tab', type: 'catch', name: '', scope: null, uncaught: false, wires: [['recerr']] },
    {
      id: 'recerr',
      z: 'tab',
      type: 'function',
      name: 'record error',
      func: "global.get('lprRecord')('ERROR ' + JSON.stringify(msg.error && msg.error.message));\nreturn null;",
      outputs: 0,
      wires: [],
    },
    { id: 'stat', z: 'tab', type: 'status', name: '', scope: o.second ? ['din', 'din2'] : ['din'], wires: [['recstat']] },
    {
      id: 'recstat',
      z: 'tab',
      type: 'function',
      name: 'record status',
      func: "global.get('lprRecord')('STATUS ' + msg.status.source.id + ' ' + JSON.stringify(msg.status.text));\nreturn null;",
      outputs: 0,
      wires: [],
    },
  ];
  if (o.second) flow.push(detectionIn('din2', o, 'rec2'), recordNode('rec2', 'din2', !!o.ackOnComplete));
  if (o.health) {
    flow.push(
      {
        id: 'hm',
        z: 'tab',
        type: 'lpr-health-monitor',
        name: '',
        broker: 'srvbroker',
        camera: '',
        offlineAfter: o.health.offlineAfter,
        summaryInterval: 0,
        publishSystemHealth: false,
        publishAlerts: false,
        wires: [['rechm'], []],
      },
      {
        id: 'rechm',
        z: 'tab',
        type: 'function',
        name: 'record health',
        func: "global.get('lprRecord')('HEALTH ' + msg.payload.camera_id + ' ' + msg.payload.previous + ' ' + msg.payload.status);\nreturn null;",
        outputs: 0,
        wires: [],
      },
    );
  }
  return flow;
}

const SETTINGS = `const fs = require('fs');
const fd = fs.openSync(process.env.LPR_RECORD_FILE, 'a');
module.exports = {
  flowFile: 'flows.json',
  credentialSecret: false,
  logging: { console: { level: 'warn', metrics: false, audit: false } },
  editorTheme: { tours: false, projects: { enabled: false } },
  functionGlobalContext: {
    // One synchronous write per output: on disk (in the page cache) before the next message.
    lprRecord: (line) => fs.writeSync(fd, line + '\\n'),
    // "The database is down" while this file exists (the test process toggles it).
    lprDbDown: () => fs.existsSync(process.env.LPR_DB_DOWN_FILE),
  },
};
`;

export async function createServerHost(options: ServerHostOptions): Promise<ServerHost> {
  const userDir = mkdtempSync(path.join(os.tmpdir(), 'lpr-rel-red-'));
  mkdirSync(path.join(userDir, 'node_modules/@lprserver'), { recursive: true });
  symlinkSync(root, path.join(userDir, 'node_modules/@lprserver/node-red-lpr'), 'dir');
  writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'reliability', private: true }));
  let currentFlow = serverFlow(options);
  writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(currentFlow));
  const dbDownFile = path.join(userDir, 'db-down');
  let adminPort = 0;
  writeFileSync(path.join(userDir, 'settings.js'), SETTINGS);
  const recordFile = path.join(userDir, 'record.txt');
  writeFileSync(recordFile, '');
  let child: ChildProcess | null = null;
  let output = '';

  function waitExit(proc: ChildProcess): Promise<void> {
    if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => proc.once('exit', () => resolve()));
  }

  async function start(): Promise<void> {
    if (child) throw new Error('the server runtime is already running');
    const port = await freePort();
    adminPort = port;
    const proc = spawn(process.execPath, [require.resolve('node-red/red.js'), '--userDir', userDir, '--port', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LPR_RECORD_FILE: recordFile, LPR_DB_DOWN_FILE: dbDownFile },
    });
    child = proc;
    proc.stdout!.on('data', (d) => (output += d));
    proc.stderr!.on('data', (d) => (output += d));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`Node-RED exited (${proc.exitCode}):\n${output}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/flows`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`Node-RED did not start within 60 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function signal(sig: NodeJS.Signals): Promise<void> {
    const proc = child;
    child = null;
    if (!proc) return;
    proc.kill(sig);
    await waitExit(proc);
  }

  // outputCount() is polled: read only what was appended since the last call.
  let readOffset = 0;
  let partial = '';
  let outputLines = 0;
  function outputCount(): number {
    const fd = openSync(recordFile, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size > readOffset) {
        const buf = Buffer.alloc(size - readOffset);
        readSync(fd, buf, 0, buf.length, readOffset);
        readOffset = size;
        const text = partial + buf.toString('utf8');
        const parts = text.split('\n');
        partial = parts.pop()!;
        for (const l of parts) if (l.startsWith('din ')) outputLines++;
      }
    } finally {
      closeSync(fd);
    }
    return outputLines;
  }

  function lines(): string[] {
    return readFileSync(recordFile, 'utf8').split('\n').filter((l) => l !== '');
  }

  return {
    recordFile,
    adminUrl: () => `http://127.0.0.1:${adminPort}`,
    flow: () => structuredClone(currentFlow),
    deploy: async (flow, type) => {
      const res = await fetch(`http://127.0.0.1:${adminPort}/flows`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': type },
        body: JSON.stringify(flow),
      });
      if (!res.ok) throw new Error(`deploy (${type}) answered ${res.status}: ${await res.text()}`);
      currentFlow = structuredClone(flow);
    },
    setDbDown: (down) => {
      if (down) writeFileSync(dbDownFile, '');
      else rmSync(dbDownFile, { force: true });
    },
    start,
    stop: () => signal('SIGINT'),
    kill: () => signal('SIGKILL'),
    running: () => child !== null,
    outputCount,
    counts: () => {
      const perNode = new Map<string, Map<string, Map<string, number>>>();
      const errors: string[] = [];
      const health: RecordCounts['health'] = [];
      let outputs = 0;
      let status = '';
      for (const line of lines()) {
        if (line.startsWith('ERROR ')) errors.push(line.slice(6));
        else if (line.startsWith('STATUS din ')) status = JSON.parse(line.slice(11)) ?? '';
        else if (line.startsWith('STATUS ')) continue;
        else if (line.startsWith('HEALTH ')) {
          const [, camera, previous, state] = line.split(' ') as [string, string, string, string];
          health.push({ camera, previous, status: state });
        } else {
          const [node, camera, id] = line.split(' ') as [string, string, string];
          let cameras = perNode.get(node);
          if (!cameras) perNode.set(node, (cameras = new Map()));
          let ids = cameras.get(camera);
          if (!ids) cameras.set(camera, (ids = new Map()));
          ids.set(id, (ids.get(id) ?? 0) + 1);
          if (node === 'din') outputs++;
        }
      }
      return { perCamera: perNode.get('din') ?? new Map(), perNode, outputs, errors, status, health };
    },
    statuses: (node = 'din') => {
      const prefix = `STATUS ${node} `;
      return lines()
        .filter((l) => l.startsWith(prefix))
        .map((l) => String(JSON.parse(l.slice(prefix.length)) ?? ''));
    },
    log: () => output,
    dispose: async () => {
      await signal('SIGINT');
      // LPR_RELIABILITY_KEEP=1 keeps the user directory (flow, record file) to look at.
      if (process.env.LPR_RELIABILITY_KEEP) process.stderr.write(`kept ${userDir}\n`);
      else rmSync(userDir, { recursive: true, force: true });
    },
  };
}
