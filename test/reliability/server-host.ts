/**
 * The server side of the fault-injection tests: a real Node-RED runtime (node-red/red.js) in its own
 * process, with this package linked into its user directory (as `npm install <path>` does) and a
 * flow `lpr-broker` -> `lpr-detection-in` (acks, dedupe) -> a function node that appends
 * `<camera> <message_id>` to a record file with a synchronous write. The record is written the
 * moment the detection leaves the node, so it survives a stop or a SIGKILL of the process, and a
 * restarted process appends to the same file: every output of every incarnation is counted.
 *
 * `stop()` is SIGINT (Node-RED closes its nodes: the lpr-broker disconnects cleanly), `kill()` is
 * SIGKILL (a crash); `start()` starts the same user directory and flow again.
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
}

export interface RecordCounts {
  /** Outputs per camera: message_id -> times emitted. */
  perCamera: Map<string, Map<string, number>>;
  /** Total output messages (duplicates included). */
  outputs: number;
  /** Errors the flow's Catch node saw. */
  errors: string[];
  /** The last lpr-detection-in status text. */
  status: string;
}

export interface ServerHost {
  recordFile: string;
  /** Starts (or starts again) the runtime; resolves once its HTTP side listens (flows started). */
  start(): Promise<void>;
  /** SIGINT: a graceful stop; resolves when the process has exited. */
  stop(): Promise<void>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
  running(): boolean;
  /** Lines in the record file now (cheap enough to poll: one read of a small file). */
  outputCount(): number;
  counts(): RecordCounts;
  /** Every lpr-detection-in status text recorded, in order, over all runs. */
  statuses(): string[];
  log(): string;
  /** Stops the runtime if running and removes the user directory. */
  dispose(): Promise<void>;
}

/** The server flow; ids are fixed so that a restart is the same flow. */
function serverFlow(o: ServerHostOptions): unknown[] {
  return [
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
      keepalive: 10,
      reconnectPeriod: 0.2,
      connectTimeout: 5,
      topicRoot: 'lprserver',
      usetls: false,
      birth: true,
      queueLimit: 100000,
    },
    {
      id: 'din',
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
      // limit, which would (rightly) reject them with an ack `rejected` that ends their delivery.
      rateLimit: 0,
      wires: [['rec']],
    },
    {
      id: 'rec',
      z: 'tab',
      type: 'function',
      name: 'record',
      func: "global.get('lprRecord')(msg.lpr.cameraId + ' ' + msg.lpr.messageId);\nreturn null;",
      outputs: 0,
      wires: [],
    },
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
    { id: 'stat', z: 'tab', type: 'status', name: '', scope: ['din'], wires: [['recstat']] },
    {
      id: 'recstat',
      z: 'tab',
      type: 'function',
      name: 'record status',
      func: "global.get('lprRecord')('STATUS ' + JSON.stringify(msg.status && msg.status.text));\nreturn null;",
      outputs: 0,
      wires: [],
    },
  ];
}

const SETTINGS = `const fs = require('fs');
const fd = fs.openSync(process.env.LPR_RECORD_FILE, 'a');
module.exports = {
  flowFile: 'flows.json',
  credentialSecret: false,
  logging: { console: { level: 'warn', metrics: false, audit: false } },
  editorTheme: { tours: false, projects: { enabled: false } },
  // One synchronous write per output: on disk (in the page cache) before the next message.
  functionGlobalContext: { lprRecord: (line) => fs.writeSync(fd, line + '\\n') },
};
`;

export async function createServerHost(options: ServerHostOptions): Promise<ServerHost> {
  const userDir = mkdtempSync(path.join(os.tmpdir(), 'lpr-rel-red-'));
  mkdirSync(path.join(userDir, 'node_modules/@lprserver'), { recursive: true });
  symlinkSync(root, path.join(userDir, 'node_modules/@lprserver/node-red-lpr'), 'dir');
  writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'reliability', private: true }));
  writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(serverFlow(options)));
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
    const proc = spawn(process.execPath, [require.resolve('node-red/red.js'), '--userDir', userDir, '--port', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LPR_RECORD_FILE: recordFile },
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
        for (const l of parts) if (l !== '' && !l.startsWith('ERROR ') && !l.startsWith('STATUS ')) outputLines++;
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
    start,
    stop: () => signal('SIGINT'),
    kill: () => signal('SIGKILL'),
    running: () => child !== null,
    outputCount,
    counts: () => {
      const perCamera = new Map<string, Map<string, number>>();
      const errors: string[] = [];
      let outputs = 0;
      let status = '';
      for (const line of lines()) {
        if (line.startsWith('ERROR ')) errors.push(line.slice(6));
        else if (line.startsWith('STATUS ')) status = JSON.parse(line.slice(7)) ?? '';
        else {
          const [camera, id] = line.split(' ') as [string, string];
          let ids = perCamera.get(camera);
          if (!ids) perCamera.set(camera, (ids = new Map()));
          ids.set(id, (ids.get(id) ?? 0) + 1);
          outputs++;
        }
      }
      return { perCamera, outputs, errors, status };
    },
    statuses: () => lines().filter((l) => l.startsWith('STATUS ')).map((l) => String(JSON.parse(l.slice(7)) ?? '')),
    log: () => output,
    dispose: async () => {
      await signal('SIGINT');
      // LPR_RELIABILITY_KEEP=1 keeps the user directory (flow, record file) to look at.
      if (process.env.LPR_RELIABILITY_KEEP) process.stderr.write(`kept ${userDir}\n`);
      else rmSync(userDir, { recursive: true, force: true });
    },
  };
}
