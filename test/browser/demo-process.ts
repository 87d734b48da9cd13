/**
 * The `npm start` demo as a child process, started exactly as `npm start` does after its build
 * (`node scripts/start.mjs`), with free ports and a temporary state folder. It runs in its own
 * process group, so stopping it is what Ctrl-C in a terminal does: SIGINT to the whole group.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');

export interface Demo {
  editor: string;
  dashboard: string;
  broker: string;
  dir: string;
  child: ChildProcess;
  /** stdout + stderr so far (Node-RED's log, the banner, lpr-sim's errors). */
  log(): string;
  /** SIGINT to the process group (Ctrl-C), SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  /** Processes of this demo still running (`ps` lines naming its state folder or broker). */
  leftovers(): string[];
}

function match(log: string, label: string, scheme: string): string | null {
  return new RegExp(`^\\s*${label}:\\s+(${scheme}://\\S+)`, 'm').exec(log)?.[1] ?? null;
}

/** `extraEnv`: more environment for the demo, e.g. `TZ` (the zone the server runs in). */
export async function startDemo(timeoutMs = 90_000, extraEnv: Record<string, string> = {}): Promise<Demo> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lpr-demo-'));
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv, LPR_PORT: '0', LPR_BROKER_PORT: '0', LPR_DEMO_DIR: dir };
  delete env.LPR_BROKER_URL;
  delete env.LPR_DEMO_CAMERAS;
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts/start.mjs')], {
    cwd: ROOT,
    env,
    detached: true, // its own process group, as a terminal gives it
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve((exitCode = code))));

  const stop = async (graceMs = 15_000): Promise<number | null> => {
    if (exitCode !== undefined) return exitCode;
    try {
      process.kill(-child.pid!, 'SIGINT');
    } catch {
      // already gone
    }
    const code = await Promise.race([exited, new Promise<'late'>((r) => setTimeout(() => r('late'), graceMs))]);
    if (code !== 'late') return code;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    await exited;
    return null;
  };

  const demo: Demo = {
    editor: '',
    dashboard: '',
    broker: '',
    dir,
    child,
    log: () => log,
    stop,
    leftovers: () => {
      const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).split('\n');
      return ps.filter((line) => line.includes(dir) || (demo.broker !== '' && line.includes(demo.broker)) || new RegExp(`^\\s*${child.pid}\\s`).test(line));
    },
  };

  const deadline = Date.now() + timeoutMs;
  while (!match(log, 'dashboard', 'https?')) {
    if (exitCode !== undefined) throw new Error(`the demo exited (${exitCode}) before printing its URLs:\n${log}`);
    if (Date.now() > deadline) {
      await stop(5000);
      throw new Error(`the demo printed no URLs within ${timeoutMs} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  demo.editor = match(log, 'editor', 'https?')!;
  demo.dashboard = match(log, 'dashboard', 'https?')!;
  demo.broker = match(log, 'broker', 'mqtts?')!;
  return demo;
}

/** Removes the demo's state folder (after it has stopped). */
export function removeDemoDir(demo: Demo): void {
  rmSync(demo.dir, { recursive: true, force: true });
}
