/**
 * A Node-RED 4 runtime in its own process, with this package installed (linked, as
 * `npm install <path>` does) and a given flow deployed, so a benchmark can measure that process alone.
 * The bench's own `bench-counter` node (red-nodes/) is loaded too, and flows can be (re)deployed
 * over the admin API once the runtime is up, so a measurement does not include Node-RED's start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../test/fixtures/mosquitto';
import { nodeArgsFrom } from './args';
import { track } from './cleanup';

const root = path.resolve(__dirname, '../..');

const snapshots = new Map<string, string>();
/**
 * The package as Node-RED loads it: a private copy of dist/ (or of BENCH_DIST, e.g. a prototype
 * build) taken once per bench process, so a rebuild by someone else mid-run cannot change what is
 * measured, and a profile's line numbers still match the files a summary reads afterwards.
 */
export function packageSnapshot(dist: string = process.env.BENCH_DIST ?? path.join(root, 'dist')): string {
  const known = snapshots.get(dist);
  if (known) return known;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lpr-bench-pkg-'));
  cpSync(dist, path.join(dir, 'dist'), { recursive: true });
  cpSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  snapshots.set(dist, dir);
  return dir;
}

export interface NodeRedHost {
  pid: number;
  port: number;
  log(): string;
  /** Full deploy of `flows` (POST /flows). */
  deploy(flows: unknown[]): Promise<void>;
  /** GET a JSON admin endpoint, e.g. `/bench-counter`. */
  get<T>(endpoint: string): Promise<T>;
  stop(): Promise<void>;
}

const NODES_DIR = path.join(__dirname, 'red-nodes');

/**
 * BENCH_NODE_ARGS: node options for every Node-RED a scenario starts, e.g.
 * `--heapsnapshot-signal=SIGUSR2` to take a heap snapshot of a running one (`kill -USR2 <pid>`).
 */
const extraNodeArgs = () => nodeArgsFrom('BENCH_NODE_ARGS');

/**
 * BENCH_NODE_LOG: a directory; each Node-RED's output is written there as red-<pid>.log instead of
 * kept in memory (for V8's own traces, e.g. BENCH_NODE_ARGS=--trace-pretenuring-statistics).
 */
const logDir = () => process.env.BENCH_NODE_LOG || '';

export async function startNodeRed(flows: unknown[], options: { nodeArgs?: string[]; env?: Record<string, string>; dist?: string; port?: number; settings?: string } = {}): Promise<NodeRedHost> {
  const userDir = mkdtempSync(path.join(os.tmpdir(), 'lpr-bench-red-'));
  mkdirSync(path.join(userDir, 'node_modules/@lprserver'), { recursive: true });
  symlinkSync(packageSnapshot(options.dist), path.join(userDir, 'node_modules/@lprserver/node-red-lpr'), 'dir');
  // As `npm install <path>` leaves it: the dependency listed is what lets a function node load the
  // package (Setup › Modules, e.g. the SQLite example's `lpr`) without Node-RED trying to install it.
  writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'bench', private: true, dependencies: { '@lprserver/node-red-lpr': 'file:../package' } }));
  writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows));
  writeFileSync(
    path.join(userDir, 'settings.js'),
    `module.exports = { flowFile: 'flows.json', credentialSecret: false, nodesDir: ${JSON.stringify(NODES_DIR)}, uiHost: '127.0.0.1', logging: { console: { level: 'warn' } }, editorTheme: { tours: false }${options.settings ? `, ${options.settings}` : ''} };\n`,
  );
  const port = options.port ?? (await freePort());
  let log = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), ...extraNodeArgs(), require.resolve('node-red/red.js'), '--userDir', userDir, '--port', String(port)],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } },
  );
  const untrack = track(child.pid);
  child.once('exit', untrack);
  const logFile = logDir() && path.join(logDir(), `red-${child.pid}.log`);
  const keep = (d: Buffer) => {
    if (logFile) appendFileSync(logFile, d);
    else log += d;
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Node-RED exited:\n${log}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/flows`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(userDir, { recursive: true, force: true });
      throw new Error(`Node-RED did not start in 60 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const base = `http://127.0.0.1:${port}`;
  return {
    pid: child.pid!,
    port,
    log: () => log,
    deploy: async (next) => {
      const res = await fetch(`${base}/flows`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
        body: JSON.stringify(next),
      });
      if (!res.ok) throw new Error(`deploy failed: ${res.status} ${await res.text()}`);
    },
    get: async <T>(endpoint: string) => {
      const res = await fetch(`${base}${endpoint}`);
      if (!res.ok) throw new Error(`GET ${endpoint}: ${res.status}`);
      return (await res.json()) as T;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGINT');
        // Node-RED closes its nodes (and, under --cpu-prof, writes the profile) before it exits.
        const exited = new Promise((r) => child.once('exit', r));
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(userDir, { recursive: true, force: true });
    },
  };
}
