/**
 * A Node-RED 4 runtime in its own process, with this package installed (linked, as
 * `npm install <path>` does) and a given flow deployed, so a benchmark can measure that process alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../test/fixtures/mosquitto';

const root = path.resolve(__dirname, '../..');

export interface NodeRedHost {
  pid: number;
  port: number;
  log(): string;
  stop(): Promise<void>;
}

export async function startNodeRed(flows: unknown[], options: { nodeArgs?: string[] } = {}): Promise<NodeRedHost> {
  const userDir = mkdtempSync(path.join(os.tmpdir(), 'lpr-bench-red-'));
  mkdirSync(path.join(userDir, 'node_modules/@lprserver'), { recursive: true });
  symlinkSync(root, path.join(userDir, 'node_modules/@lprserver/node-red-lpr'), 'dir');
  writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'bench', private: true }));
  writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify(flows));
  writeFileSync(
    path.join(userDir, 'settings.js'),
    "module.exports = { flowFile: 'flows.json', credentialSecret: false, logging: { console: { level: 'warn' } }, editorTheme: { tours: false } };\n",
  );
  const port = await freePort();
  let log = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), require.resolve('node-red/red.js'), '--userDir', userDir, '--port', String(port)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Node-RED exited:\n${log}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/flows`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`Node-RED did not start in 60 s:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    pid: child.pid!,
    port,
    log: () => log,
    stop: async () => {
      child.kill('SIGINT');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
      rmSync(userDir, { recursive: true, force: true });
    },
  };
}
