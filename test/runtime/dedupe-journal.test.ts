import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { DedupeJournal } from '../../src/runtime/dedupe-journal';
import { DedupeWindow } from '../../src/runtime/dedupe';

describe('DedupeJournal', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lpr-journal-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const journalFor = (window: DedupeWindow, compactAfter = 1000, errors: Error[] = []) =>
    new DedupeJournal(path.join(dir, 'sub', 'node.dedupe'), compactAfter, () => window.entries(), (err) => errors.push(err));

  it('an absent file is an empty journal', () => {
    assert.deepEqual(journalFor(new DedupeWindow(60_000, 10)).load(), { entries: [], skipped: 0 });
  });

  it('what was appended and flushed is what the next runtime restores', () => {
    const key = fc.tuple(fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/), fc.string({ minLength: 1, maxLength: 128 }).filter((s) => !/[\t\n]/.test(s)));
    fc.assert(
      fc.property(fc.uniqueArray(key, { minLength: 1, maxLength: 50, selector: ([c, m]) => `${c}/${m}` }), (ids) => {
        rmSync(path.join(dir, 'sub'), { recursive: true, force: true });
        const now = Date.now();
        const before = new DedupeWindow(60_000, 1000);
        const journal = journalFor(before);
        ids.forEach(([camera, message], i) => {
          const k = `${camera}/${message}`;
          assert.equal(before.check(k, now - ids.length + i), false);
          journal.append(k, now - ids.length + i);
        });
        journal.flush();
        const after = new DedupeWindow(60_000, 1000);
        const loaded = journalFor(after).load();
        assert.equal(loaded.skipped, 0);
        assert.equal(after.restore(loaded.entries, now), ids.length);
        for (const [camera, message] of ids) assert.equal(after.check(`${camera}/${message}`, now), true, 'a duplicate after the restart');
      }),
      { numRuns: 50 },
    );
  });

  it('skips and counts malformed lines (a torn last line after a crash, foreign text)', () => {
    const window = new DedupeWindow(60_000, 100);
    const journal = journalFor(window);
    journal.append('CAM1/a', 1000);
    journal.flush();
    appendFileSync(journal.file, `not a line\n\tCAM1/b\nx\tCAM1/c\n${'9'.repeat(600)}\tCAM1/d\n2000\tCAM1/e\n3000\tCAM1/f`);
    const { entries, skipped } = journal.load();
    assert.deepEqual(entries, [
      ['CAM1/a', 1000],
      ['CAM1/e', 2000],
      ['CAM1/f', 3000],
    ]);
    assert.equal(skipped, 4);
  });

  it('rewrites itself from the live window once it has grown past the limit, and on close', () => {
    const window = new DedupeWindow(60_000, 5);
    const journal = journalFor(window, 10);
    const now = Date.now();
    for (let i = 0; i < 12; i++) {
      window.check(`CAM1/${i}`, now + i);
      journal.append(`CAM1/${i}`, now + i);
    }
    journal.flush(); // 12 lines pending > 10: a rewrite with the window's 5
    assert.equal(readFileSync(journal.file, 'utf8').trim().split('\n').length, 5);
    window.check('CAM1/12', now + 12);
    journal.append('CAM1/12', now + 12);
    journal.close();
    const lines = readFileSync(journal.file, 'utf8').trim().split('\n');
    assert.deepEqual(
      lines.map((l) => l.split('\t')[1]),
      ['CAM1/8', 'CAM1/9', 'CAM1/10', 'CAM1/11', 'CAM1/12'],
    );
    assert.equal(existsSync(`${journal.file}.tmp`), false);
  });

  it('reports a write it cannot make, once per call, and keeps going', () => {
    const window = new DedupeWindow(60_000, 5);
    writeFileSync(path.join(dir, 'sub'), 'a file where the folder should be');
    const errors: Error[] = [];
    const journal = journalFor(window, 1000, errors);
    journal.append('CAM1/a', 1);
    journal.flush();
    journal.close();
    assert.equal(errors.length, 2);
    assert.match(errors[0]!.message, /ENOTDIR|EEXIST/);
  });

  it('discard deletes the file', () => {
    const journal = journalFor(new DedupeWindow(60_000, 5));
    journal.append('CAM1/a', 1);
    journal.flush();
    assert.equal(existsSync(journal.file), true);
    journal.discard();
    assert.equal(existsSync(journal.file), false);
  });
});
