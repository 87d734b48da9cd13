/**
 * dist/locales is committed (Node-RED and the Flow Library look for a node's catalog beside its
 * file, dist/lpr-*.js), but built from locales/ by scripts/build.mjs. `npm test` builds first, so
 * here the working tree holds what the build wrote: it must be what is committed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

describe('committed message catalogs (dist/locales)', function () {
  it('are what the build writes from locales/ (run npm run build and commit dist/locales)', function () {
    if (!existsSync(path.join(ROOT, '.git'))) this.skip();
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' });
    assert.equal(git('status', '--porcelain', '--', 'dist/locales'), '', 'dist/locales differs from the build');
    const files = git('ls-files', '--', 'dist/locales').split('\n').filter(Boolean);
    assert.ok(files.some((f) => f.endsWith('/en-US/lpr-detection-in.json')) && files.some((f) => f.endsWith('/th/lpr-detection-in.json')));
  });
});
