/**
 * dist/locales and the node files package.json names (dist/lpr-*.js) are committed (Node-RED and the
 * Flow Library look for a node's catalog beside its file), but built by scripts/build.mjs from
 * locales/ and src/nodes. `npm test` builds first, so here the working tree holds what the build
 * wrote: it must be what is committed, and every node file named in package.json must be committed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

describe('committed node files and message catalogs (dist/lpr-*.js, dist/locales)', function () {
  it('are what the build writes from locales/ (run npm run build and commit dist/locales)', function () {
    if (!existsSync(path.join(ROOT, '.git'))) this.skip();
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' });
    assert.equal(git('status', '--porcelain', '--', 'dist/locales'), '', 'dist/locales differs from the build');
    const files = git('ls-files', '--', 'dist/locales').split('\n').filter(Boolean);
    assert.ok(files.some((f) => f.endsWith('/en-US/lpr-detection-in.json')) && files.some((f) => f.endsWith('/th/lpr-detection-in.json')));
  });

  it('the node files package.json names are committed as the build writes them, each with its catalogs beside it', function () {
    if (!existsSync(path.join(ROOT, '.git'))) this.skip();
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' });
    const nodes = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } })['node-red'].nodes;
    const files = Object.values(nodes);
    assert.equal(files.length, 11);
    assert.equal(git('status', '--porcelain', '--', ...files), '', 'a node file differs from the build');
    const tracked = new Set(git('ls-files', '--', 'dist').split('\n').filter(Boolean));
    for (const [type, file] of Object.entries(nodes)) {
      assert.ok(tracked.has(file), `${file} is not committed`);
      for (const lang of ['en-US', 'th']) assert.ok(tracked.has(path.posix.join(path.posix.dirname(file), 'locales', lang, `${type}.json`)), `${type}: no ${lang} catalog beside ${file}`);
    }
  });
});
