/**
 * The package's files on real disks: a damaged desired-config file is kept aside and read as far as
 * it can be; a failed atomic write leaves no temp file; node ids never escape their directory.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DesiredConfigStore } from '../../src/control/desired-store';
import { readCameraConfigSettings } from '../../src/control/settings';
import { DetectionOutbox } from '../../src/edge/outbox';
import { journalPath } from '../../src/edge/camera-settings';
import { readBlacklistSettings } from '../../src/runtime/blacklist-settings';
import { DedupeJournal } from '../../src/runtime/dedupe-journal';
import { seedConfig } from '../fixtures/samples';

function config(camera: string, type = 'detection_settings') {
  return { ...seedConfig(), message_id: `m-${camera}-${type}`, camera_id: camera, config_type: type } as any;
}

/** Flips one byte of `file` at `at` (a character that keeps the byte ASCII but breaks the JSON). */
function flipByte(file: string, at: number): void {
  const bytes = readFileSync(file);
  bytes[at] = bytes[at]! ^ 0x20 ^ 0x02;
  writeFileSync(file, bytes);
}

describe('files on disk', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lpr-files-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('desired-config file with a flipped byte', () => {
    const cameras = ['CAM001', 'CAM002', 'CAM003', 'CAM004', 'CAM005'];

    function check(file: string, before: Buffer) {
      const store = new DesiredConfigStore(file);
      const result = store.load();
      // One camera's record is damaged; every other camera's desired config is read.
      assert.equal(result.loaded, 4, JSON.stringify(result));
      assert.deepEqual(store.cameras(), ['CAM001', 'CAM002', 'CAM004', 'CAM005']);
      assert.ok(result.issues.length >= 1);
      // The damaged file is kept aside, byte for byte, under a name that says so.
      const aside = readdirSync(dir).filter((f) => f.startsWith(`${path.basename(file)}.corrupt-`));
      assert.equal(aside.length, 1, readdirSync(dir).join(', '));
      assert.equal(result.keptAs, path.join(dir, aside[0]!));
      assert.deepEqual(readFileSync(path.join(dir, aside[0]!)), before);
      // A change rewrites the file with what was recovered, readable whole.
      store.set(config('CAM006'));
      store.flushSync();
      const again = new DesiredConfigStore(file);
      const reread = again.load();
      assert.equal(reread.loaded, 5);
      assert.deepEqual(reread.issues, []);
      assert.equal(reread.keptAs, undefined);
    }

    it('in the line format the store writes: the other cameras are recovered, the file kept aside', () => {
      const file = path.join(dir, 'desired.json');
      const store = new DesiredConfigStore(file);
      for (const c of cameras) store.set(config(c));
      store.flushSync();
      const text = readFileSync(file, 'utf8');
      // Break the JSON inside CAM003's record (the quote after its camera_id key).
      flipByte(file, text.indexOf('"CAM003"') - 2);
      check(file, readFileSync(file));
    });

    it('in the version 1 format (one indented JSON document): the other cameras are recovered', () => {
      const file = path.join(dir, 'desired.json');
      writeFileSync(file, JSON.stringify({ version: 1, configs: cameras.map((c) => config(c)) }, null, 1) + '\n');
      const text = readFileSync(file, 'utf8');
      // Break the JSON inside CAM003's record (a quote becomes a letter).
      flipByte(file, text.indexOf('"CAM003"') - 3);
      check(file, readFileSync(file));
    });

    it('still reads an intact version 1 file whole, and keeps nothing aside', () => {
      const file = path.join(dir, 'desired.json');
      writeFileSync(file, JSON.stringify({ version: 1, configs: cameras.map((c) => config(c)) }, null, 1) + '\n');
      const store = new DesiredConfigStore(file);
      assert.equal(store.load().loaded, 5);
      assert.deepEqual(readdirSync(dir), ['desired.json']);
    });
  });

  describe('a failed atomic write leaves no temp file', () => {
    /** A non-empty directory where the file should be: the write succeeds, the rename fails. */
    function blockRename(file: string) {
      rmSync(file, { force: true });
      mkdirSync(path.join(file, 'occupied'), { recursive: true });
    }

    it('desired-config store', () => {
      const file = path.join(dir, 'desired.json');
      blockRename(file);
      const store = new DesiredConfigStore(file);
      store.set(config('CAM001'));
      assert.throws(() => store.flushSync());
      assert.deepEqual(readdirSync(dir), ['desired.json']);
    });

    it('dedupe journal', () => {
      const file = path.join(dir, 'n1.dedupe');
      blockRename(file);
      const errors: Error[] = [];
      const journal = new DedupeJournal(file, 100, () => [['CAM001/m1', 1]], (err) => errors.push(err));
      journal.rewrite();
      assert.equal(errors.length, 1);
      assert.deepEqual(readdirSync(dir), ['n1.dedupe']);
    });

    it('edge outbox compaction', () => {
      const file = path.join(dir, 'cam.ndjson');
      const box = new DetectionOutbox({ send: () => undefined, ackTimeoutMs: 1000, limit: 10, overflow: 'drop-oldest', file });
      box.open();
      box.add({ message_id: 'a' });
      blockRename(file);
      const problems: Error[] = [];
      box.on('problem', (err: Error) => problems.push(err));
      box.close();
      assert.equal(problems.length, 1);
      assert.deepEqual(readdirSync(dir), ['cam.ndjson']);
    });
  });

  it('temp files a crashed write left behind are removed when the file is next read', () => {
    const desired = path.join(dir, 'desired.json');
    const journal = path.join(dir, 'cam.ndjson');
    // `.tmp` today; the outbox named its temp files `<file>.<pid>.tmp` before.
    for (const leftover of [`${desired}.tmp`, `${journal}.tmp`, `${journal}.4242.tmp`]) writeFileSync(leftover, 'half');
    writeFileSync(path.join(dir, 'other.json.tmp'), 'not ours');
    new DesiredConfigStore(desired).load();
    new DetectionOutbox({ send: () => undefined, ackTimeoutMs: 1000, limit: 10, overflow: 'drop-oldest', file: journal }).open().close();
    assert.deepEqual(readdirSync(dir).sort(), ['cam.ndjson', 'other.json.tmp']);
  });

  describe('file names made from node ids', () => {
    const hostile = ['../../../etc/evil', 'a/b\\c', 'x y:z*?'];
    it('lpr-camera-config, lpr-blacklist and lpr-camera keep their files in their own directory', () => {
      for (const id of hostile) {
        const files = [
          readCameraConfigSettings({}, id, dir).file!,
          readBlacklistSettings({}, id, dir).file!,
          journalPath({ persist: true, file: '' }, dir, id)!,
        ];
        for (const file of files) {
          const base = path.basename(file);
          assert.ok(/^[A-Za-z0-9_.-]+$/.test(base), `${id} -> ${file}`);
          assert.equal(path.dirname(path.dirname(file)), dir, `${id} -> ${file}`);
          assert.ok(!existsSync(file));
        }
      }
    });
  });
});
