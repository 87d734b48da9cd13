import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readInstallSecret } from '../../src/runtime/install-secret';

describe('readInstallSecret', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lpr-secret-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('makes a random secret once, readable by its owner only, and gives the same one on every start', () => {
    const first = readInstallSecret(dir);
    assert.match(first, /^[0-9a-f]{32}$/);
    const file = path.join(dir, 'lpr-broker', 'install-secret');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readInstallSecret(dir), first);
    const other = mkdtempSync(path.join(os.tmpdir(), 'lpr-secret-'));
    try {
      assert.notEqual(readInstallSecret(other), first, 'another installation, another secret');
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('a damaged file is an error naming it, never silently replaced (the id would change and the session be lost)', () => {
    readInstallSecret(dir);
    const file = path.join(dir, 'lpr-broker', 'install-secret');
    writeFileSync(file, 'not a secret\n');
    assert.throws(() => readInstallSecret(dir), (err: Error) => err.message.includes(file));
    assert.equal(readFileSync(file, 'utf8'), 'not a secret\n');
  });
});
