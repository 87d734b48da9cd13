/**
 * BlacklistStore's file on real disk: whatever order saves, updates and the closing flush come in,
 * the file ends up holding the newest list, and no temporary file is left behind.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import type { BlacklistEntry } from '../../src/protocol';
import { BlacklistStore } from '../../src/blacklist/store';

function entries(prefix: string, n: number): BlacklistEntry[] {
  return Array.from({ length: n }, (_, i) => ({ plate_number: `${prefix}${i}`, reason: 'x'.repeat(40) }) as BlacklistEntry);
}

/** Plates in the file, in file order (none when there is no file: the store then loads an empty list). */
function platesOnDisk(file: string): string[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as BlacklistEntry).plate_number);
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until the store's delayed save has started (its timer fired and the write began). */
async function saveStarted(store: BlacklistStore): Promise<void> {
  const deadline = Date.now() + 5000;
  while ((store as unknown as { writeTimer: unknown }).writeTimer !== null) {
    if (Date.now() > deadline) throw new Error('the delayed save never started');
    await sleep(1);
  }
}

describe('blacklist/store: the file holds the newest list', function () {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lpr-store-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a large replace being saved, then a small replace, then close: the small list is on disk once all settles', async () => {
    const file = path.join(dir, 'list.ndjson');
    const errors: Error[] = [];
    const store = new BlacklistStore([], file, (err) => errors.push(err), { saveDelayMs: 5 });
    store.apply('replace', entries('BIG', 100_000));
    await saveStarted(store); // the large write is now in flight
    store.apply('replace', entries('SMALL', 3));
    store.flushSync(); // what the node's close does
    assert.deepEqual(platesOnDisk(file), ['SMALL0', 'SMALL1', 'SMALL2'], 'the final flush wrote the newest list');
    await store.flush();
    await sleep(50);
    assert.deepEqual(platesOnDisk(file), ['SMALL0', 'SMALL1', 'SMALL2'], 'the older save must not land over it');
    assert.deepEqual(readdirSync(dir), ['list.ndjson'], 'no temporary file left');
    assert.deepEqual(errors, []);
  });

  it('a failing save removes its temporary file and reports the error', async () => {
    const file = path.join(dir, 'list.ndjson');
    // A directory where the file should be: the write succeeds, the rename over it fails.
    mkdirSync(file);
    mkdirSync(path.join(file, 'keep'));
    const errors: Error[] = [];
    const store = new BlacklistStore([], file, (err) => errors.push(err), { saveDelayMs: 1 });
    store.apply('replace', entries('A', 10));
    await saveStarted(store);
    await store.flush().catch(() => {});
    await sleep(20);
    assert.ok(errors.length >= 1, 'the failure was reported');
    assert.deepEqual(readdirSync(dir).sort(), ['list.ndjson'], 'no temporary file left');
  });

  it('any interleaving of replaces, saves and the closing flush ends with the newest list on disk (fast-check)', async function () {
    this.timeout(60_000);
    type Op = { kind: 'replace'; size: number } | { kind: 'add' } | { kind: 'wait'; ms: number } | { kind: 'tick' } | { kind: 'flush' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('replace' as const), size: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 5_000, max: 30_000 })) }),
      fc.record({ kind: fc.constant('add' as const) }),
      fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 8 }) }),
      fc.record({ kind: fc.constant('tick' as const) }),
      fc.record({ kind: fc.constant('flush' as const) }),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 3 }), async (ops, delay) => {
        const file = path.join(dir, `list-${++run}.ndjson`);
        const errors: Error[] = [];
        const store = new BlacklistStore([], file, (err) => errors.push(err), { saveDelayMs: delay });
        let generation = 0;
        for (const o of ops) {
          if (o.kind === 'replace') store.apply('replace', entries(`R${++generation}X`, o.size));
          else if (o.kind === 'add') store.apply('add', entries(`A${++generation}X`, 1));
          else if (o.kind === 'wait') await sleep(o.ms);
          else if (o.kind === 'tick') await tick();
          else store.flushSync();
        }
        const newest = store.snapshot().map((e) => e.plate_number).sort();
        store.flushSync(); // close
        await store.flush();
        await sleep(5);
        assert.deepEqual(errors, []);
        assert.deepEqual(platesOnDisk(file).sort(), newest);
        assert.deepEqual(
          readdirSync(dir).filter((f) => f.startsWith(`list-${run}.`) && f !== `list-${run}.ndjson`),
          [],
          'no temporary file left',
        );
      }),
      { numRuns: 40 },
    );
  });
});
