/**
 * What a user gets from the palette: `npm pack`, install the tarball into a fresh Node-RED 4.1
 * user dir (no build step on their side), start Node-RED, and ask its admin API what loaded.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../fixtures/mosquitto';
import { waitUntil } from '../fixtures/wait';

const root = path.resolve(__dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

describe('npm pack -> install into a fresh Node-RED user dir', function () {
  this.timeout(180_000);
  let dir: string;
  let red: ChildProcess | null = null;
  let log = '';

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lpr-pack-'));
  });
  after(() => {
    red?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('installs without a build step and registers every node type', async () => {
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    const files: string[] = packed.files.map((f: { path: string }) => f.path);
    for (const file of Object.values(pkg['node-red'].nodes) as string[]) {
      assert.ok(files.includes(file), `${file} is in the tarball`);
      assert.ok(files.includes(file.replace(/\.js$/, '.html')), `${file} has its .html in the tarball`);
    }
    assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('test/')), 'sources and tests are not shipped');
    // The node files are thin entries: what they require (the shared dist/runtime.js) ships with them.
    for (const file of Object.values(pkg['node-red'].nodes) as string[]) {
      for (const [, rel] of readFileSync(path.join(root, file), 'utf8').matchAll(/require\(['"](\.{1,2}\/[^'"]+)['"]\)/g)) {
        const target = path.posix.join(path.posix.dirname(file), rel!);
        assert.ok(files.includes(target), `${target}, required by ${file}, is in the tarball`);
      }
    }
    assert.ok(files.includes('dist/runtime.js'), 'the shared runtime is in the tarball');
    assert.ok(files.includes(pkg.main), `${pkg.main} (package.json "main") is in the tarball`);

    const userDir = path.join(dir, 'userdir');
    execFileSync('mkdir', ['-p', userDir]);
    writeFileSync(path.join(userDir, 'package.json'), JSON.stringify({ name: 'node-red-project', private: true }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', '--prefer-offline', path.join(dir, packed.filename)], {
      cwd: userDir,
      stdio: 'ignore',
    });

    // What a function node's Setup › Modules loads as `@lprserver/node-red-lpr`: the plate normaliser.
    const lib = require(path.join(userDir, 'node_modules', pkg.name)) as { normalizePlate: (s: string) => string };
    assert.equal(lib.normalizePlate('กข ๑๒๓๔'), 'กข1234');

    const port = await freePort();
    writeFileSync(path.join(userDir, 'settings.js'), 'module.exports = { credentialSecret: false, editorTheme: { tours: false } };\n');
    red = spawn(process.execPath, [require.resolve('node-red/red.js'), '--userDir', userDir, '--port', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    red.stdout!.on('data', (d) => (log += d));
    red.stderr!.on('data', (d) => (log += d));
    await waitUntil(() => /Server now running/.test(log), `Node-RED to start:\n${log}`, 60_000);

    const res = await fetch(`http://127.0.0.1:${port}/nodes`, { headers: { Accept: 'application/json' } });
    const sets = (await res.json()) as Array<{ module: string; types: string[]; enabled: boolean; loaded: boolean; err?: string }>;
    const ours = sets.filter((s) => s.module === pkg.name);
    const types = ours.flatMap((s) => s.types).sort();
    assert.deepEqual(types, Object.keys(pkg['node-red'].nodes).sort());
    for (const set of ours) assert.ok(set.enabled && !set.err, `${set.types} loaded: ${set.err ?? ''}`);

    const html = await (await fetch(`http://127.0.0.1:${port}/nodes`, { headers: { Accept: 'text/html' } })).text();
    for (const type of types) assert.match(html, new RegExp(`registerType\\(["']${type}["']`));

    // The shipped example flow deploys with no unknown node type (its broker is simply unreachable here).
    const example = JSON.parse(readFileSync(path.join(root, 'examples/flows/detections-to-debug.json'), 'utf8'));
    const deployed = await fetch(`http://127.0.0.1:${port}/flows`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
      body: JSON.stringify(example),
    });
    assert.ok(deployed.ok, `deploy answered ${deployed.status}`);
    await waitUntil(() => (log.match(/Started flows/g) ?? []).length >= 2, 'the example flow to start');
    assert.doesNotMatch(log, /\[error\]|Waiting for missing types/);
  });
});
