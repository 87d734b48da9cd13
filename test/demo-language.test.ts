/**
 * The demo dashboard's language (global context lprLang) survives a restart of the `npm start`
 * Node-RED: its function **language** from examples/flows/demo-dashboard.json, on the settings the
 * demo writes (scripts/demo/user-dir.mjs), in a real Node-RED stopped with SIGINT and started again.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
// @ts-expect-error: a plain ES module of the demo script, without type declarations
import { prepareUserDir } from '../scripts/demo/user-dir.mjs';
import { readExample, ROOT, type FlowNode } from './fixtures/node-red-host';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Red {
  base: string;
  stop(): Promise<void>;
}

async function startRed(userDir: string): Promise<Red> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [require.resolve('node-red/red.js'), '--userDir', userDir, '--port', String(port)], { cwd: userDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 60_000;
  while (!log.includes('Started flows')) {
    if (child.exitCode !== null) throw new Error(`Node-RED exited:\n${log}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Node-RED did not start in 60 s:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { base: `http://127.0.0.1:${port}`, stop };
}

/** lprLang in a context store, through the admin API. */
async function lprLang(red: Red, store: string): Promise<unknown> {
  const res = await fetch(`${red.base}/context/global/lprLang?store=${store}`);
  // { msg: 'en', format: 'string[2]' }, or { msg: '(undefined)' } when not set.
  const body = (await res.json()) as { msg?: string; format?: string };
  return body.format?.startsWith('string') ? body.msg : undefined;
}

describe('npm start: the dashboard language survives a restart', function () {
  this.timeout(150_000);
  let dir = '';
  let red: Red | undefined;

  before(function () {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lpr-demo-lang-'));
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    prepareUserDir({ root: ROOT, userDir: dir, host: '127.0.0.1', pkg }, 'mqtt://127.0.0.1:1', null, 1);
    // Only the language nodes of the dashboard flow (the switch itself is a browser widget), and a
    // way in for the operator's pick: GET /lang?lang=en.
    const dash = readExample('demo-dashboard.json');
    const pick = (id: string) => ({ ...dash.find((n) => n.id === id)!, z: 't' }) as FlowNode;
    const flows: FlowNode[] = [
      { id: 't', type: 'tab', label: 'language' },
      { ...pick('lpr-dash-lang-set'), wires: [[]] },
      { ...pick('lpr-dash-lang-start'), wires: [['lpr-dash-lang-set']] },
      { id: 'in', type: 'http in', z: 't', url: '/lang', method: 'get', wires: [['pick']] },
      { id: 'pick', type: 'change', z: 't', rules: [{ t: 'set', p: 'payload', pt: 'msg', to: 'req.query.lang', tot: 'msg' }], wires: [['lpr-dash-lang-set', 'out']] },
      { id: 'out', type: 'http response', z: 't', statusCode: '', headers: {}, wires: [] },
    ];
    writeFileSync(path.join(dir, 'flows.json'), JSON.stringify(flows));
  });

  after(async function () {
    await red?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("is 'th' at first, 'en' once picked, and still 'en' after Node-RED stops and starts again", async function () {
    red = await startRed(dir);
    const until = async (store: string, want: string) => {
      const deadline = Date.now() + 15_000;
      while ((await lprLang(red!, store)) !== want) {
        if (Date.now() > deadline) assert.fail(`lprLang in ${store} is ${String(await lprLang(red!, store))}, not ${want}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    await until('memory', 'th');
    assert.equal((await fetch(`${red.base}/lang?lang=en`)).status, 200);
    await until('memory', 'en');
    await until('file', 'en');
    // Anything but th/en changes nothing.
    await fetch(`${red.base}/lang?lang=fr`);
    await until('memory', 'en');
    await red.stop();
    red = await startRed(dir);
    await until('memory', 'en');
  });
});
