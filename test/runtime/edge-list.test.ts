/**
 * The edge's copy of the watch list (EdgeList) and the server's memory of edge-raised notifications
 * (EdgeRaised): the bound and its policy (property-based), updates, the file across a restart.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import type { BlacklistEntry, BlacklistNotification } from '../../src/protocol';
import { EdgeList } from '../../src/edge/edge-list';
import { EdgeRaised, firstForward } from '../../src/blacklist/edge-raised';
import { planSnapshot, snapshotMessage } from '../../src/blacklist/snapshot';
import { BlacklistUpdate } from '../../src/protocol';

const PRIORITIES = ['critical', 'high', 'medium', 'low', undefined] as const;
const rank = (e: BlacklistEntry) => PRIORITIES.indexOf(e.priority);

function entry(plate: string, priority?: BlacklistEntry['priority']): BlacklistEntry {
  return priority ? { plate_number: plate, priority } : { plate_number: plate };
}

describe('EdgeList (the edge copy of the watch list)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lpr-edge-list-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a snapshot answer is applied only once all its chunks are held, in any order: entries merged, tombstones removed', () => {
    const list = new EdgeList({ maxEntries: 10_000, file: null });
    list.apply({ action: 'add', entries: [entry('OLD1'), entry('GONE1')] });
    const entries: BlacklistEntry[] = [
      ...Array.from({ length: 300 }, (_, i) => ({ plate_number: `S${i}`, reason: 'x'.repeat(20), revision: i + 1, origin: 'srv' })),
      { plate_number: 'GONE1', deleted: true, revision: 400, origin: 'srv' },
    ];
    const plan = planSnapshot(entries, { id: 'snap-1', revision: 400, origin: 'srv', maxBytes: 4096 });
    assert.ok(plan.chunks.length >= 3, `chunks: ${plan.chunks.length}`);
    const updates = plan.chunks.map((_, i) => BlacklistUpdate.parse(JSON.parse(snapshotMessage(plan, i, `m${i}`, new Date().toISOString()))));
    const order = [...updates.keys()].reverse();
    for (const [n, i] of order.entries()) {
      const r = list.apply(updates[i]!, 'lprserver/cameras/CAM1/blacklist');
      assert.equal(r.complete, n === order.length - 1, `chunk ${n + 1} of ${order.length}`);
      if (!r.complete) assert.equal(list.size, 2, 'nothing applied before the snapshot is whole');
    }
    const plates = new Set(list.entries().map((e) => e.plate_number));
    assert.equal(list.size, 301);
    assert.ok(plates.has('OLD1') && plates.has('S299') && !plates.has('GONE1'));
    assert.equal(list.match('S17', null)?.entry.plate_number, 'S17');
  });

  it('never holds more than maxEntries, and never leaves out an entry more urgent than one it keeps (replace, then add)', () => {
    const arbEntries = fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(...PRIORITIES)), { selector: (t) => t[0], maxLength: 60 });
    fc.assert(
      fc.property(arbEntries, arbEntries, fc.integer({ min: 1, max: 40 }), (first, second, max) => {
        const list = new EdgeList({ maxEntries: max, file: null });
        const a = first.map(([n, p]) => entry(`A${n}`, p));
        const b = second.map(([n, p]) => entry(`B${n}`, p));
        const r1 = list.apply({ action: 'replace', entries: a });
        assert.equal(list.size, Math.min(max, a.length));
        assert.equal(r1.overLimit, a.length - list.size);
        const keptA = new Set(list.entries().map((e) => e.plate_number));
        const worstKept = Math.max(-1, ...a.filter((e) => keptA.has(e.plate_number)).map(rank));
        const bestDropped = Math.min(99, ...a.filter((e) => !keptA.has(e.plate_number)).map(rank));
        assert.ok(worstKept <= bestDropped, `kept rank ${worstKept} worse than dropped ${bestDropped}`);
        const r2 = list.apply({ action: 'add', entries: b });
        assert.ok(list.size <= max, `size ${list.size} over ${max}`);
        assert.equal(list.size, Math.min(max, keptA.size + b.length));
        assert.equal(r2.overLimit, keptA.size + b.length - list.size);
        assert.equal(list.metrics.overLimit, r1.overLimit + r2.overLimit);
        // Old and new together: nothing left out is more urgent than anything kept.
        const kept = new Set(list.entries().map((e) => e.plate_number));
        const universe = [...a.filter((e) => keptA.has(e.plate_number)), ...b];
        const worst = Math.max(-1, ...universe.filter((e) => kept.has(e.plate_number)).map(rank));
        const best = Math.min(99, ...universe.filter((e) => !kept.has(e.plate_number)).map(rank));
        assert.ok(worst <= best, `after add: kept rank ${worst} worse than dropped ${best}`);
      }),
      { numRuns: 200 },
    );
  });

  it('a full list takes a critical entry in place of its least urgent one, and refuses an equally urgent new one', () => {
    const list = new EdgeList({ maxEntries: 2, file: null });
    list.apply({ action: 'replace', entries: [entry('LOW1', 'low'), entry('HIGH1', 'high')] });
    assert.equal(list.apply({ action: 'add', entries: [entry('CRIT1', 'critical')] }).overLimit, 1);
    assert.deepEqual(list.entries().map((e) => e.plate_number).sort(), ['CRIT1', 'HIGH1']);
    list.apply({ action: 'add', entries: [entry('HIGH2', 'high')] });
    assert.deepEqual(list.entries().map((e) => e.plate_number).sort(), ['CRIT1', 'HIGH1']);
    assert.equal(list.metrics.overLimit, 2);
  });

  it('applies add, remove and replace, and matches with the server matcher (look-alike, pattern)', () => {
    const list = new EdgeList({ maxEntries: 10, file: null });
    list.apply({ action: 'replace', entries: [entry('กข1234', 'high'), entry('XYZ*', 'low')] });
    assert.equal(list.match('กข 1234', null)?.entry.plate_number, 'กข1234');
    assert.equal(list.match('XYZ999', null)?.type, 'pattern');
    list.apply({ action: 'remove', entries: [{ plate_number: 'XYZ*' }] });
    assert.equal(list.match('XYZ999', null), null);
    list.apply({ action: 'add', entries: [entry('ABC1234')] });
    assert.equal(list.match('ABC1234', null)?.type, 'exact');
    assert.equal(list.size, 2);
  });

  it('keeps its copy on disk across a restart, and a lowered maxEntries applies to what it reads back', () => {
    const file = path.join(dir, 'sub', 'cam.blacklist.ndjson');
    const first = new EdgeList({ maxEntries: 10, file });
    first.apply({ action: 'replace', entries: [entry('LOW1', 'low'), entry('CRIT1', 'critical'), entry('MED1', 'medium')] });
    first.close();
    const again = new EdgeList({ maxEntries: 10, file });
    assert.equal(again.load().loaded, 3);
    assert.equal(again.match('CRIT1', null)?.entry.priority, 'critical');
    const smaller = new EdgeList({ maxEntries: 2, file });
    smaller.load();
    assert.deepEqual(smaller.entries().map((e) => e.plate_number).sort(), ['CRIT1', 'MED1']);
    assert.equal(smaller.metrics.overLimit, 1);
  });

  it('refuses a bound that is not a whole number of at least 1', () => {
    assert.throws(() => new EdgeList({ maxEntries: 0, file: null }), /maxEntries/);
    assert.throws(() => new EdgeList({ maxEntries: 1.5, file: null }), /maxEntries/);
  });
});

describe('EdgeRaised (what a server remembers of edge-raised notifications)', () => {
  function note(detection: string, plate: string, raisedBy?: 'edge' | 'server'): BlacklistNotification {
    return {
      message_id: `n-${detection}`,
      timestamp: '2026-01-01T00:00:00Z',
      camera_id: 'CAM001',
      plate_number: plate,
      detection_message_id: detection,
      entry: { plate_number: plate },
      match: { type: 'exact', distance: 0, province_match: null },
      ...(raisedBy ? { raised_by: raisedBy } : {}),
    };
  }

  it('remembers edge-raised ones only, by detection and entry plate key, for its window, within its bound', () => {
    const seen = new EdgeRaised(1000, 2);
    assert.equal(seen.remember(note('d1', 'ABC1234'), 0), false, 'a server notification is not remembered');
    assert.equal(seen.remember(note('d1', 'ABC1234', 'server'), 0), false);
    assert.equal(seen.remember(note('d1', 'กข 1234', 'edge'), 0), true);
    assert.equal(seen.get('CAM001', 'd1', 'กข1234', 10)?.message_id, 'n-d1', 'the same entry in another written form');
    assert.equal(seen.get('CAM001', 'd2', 'กข1234', 10), null, 'another detection');
    assert.equal(seen.get('CAM001', 'd1', 'กข1235', 10), null, 'another entry');
    assert.equal(seen.get('CAM002', 'd1', 'กข1234', 10), null, 'another camera\'s detection');
    assert.equal(seen.get('CAM001', 'd1', 'กข1234', 1000), null, 'past the window');
    seen.remember(note('a', 'A1', 'edge'), 2000);
    seen.remember(note('b', 'B1', 'edge'), 2000);
    seen.remember(note('c', 'C1', 'edge'), 2000);
    assert.equal(seen.size, 2);
    assert.equal(seen.get('CAM001', 'a', 'A1', 2000), null, 'the oldest went first');
  });

  it('remember() is false for a message_id it knows (a redelivery, a resend, a forwarded copy), within its window', () => {
    const seen = new EdgeRaised(1000, 10);
    const n = note('d1', 'ABC1234', 'edge');
    assert.equal(seen.remember(n, 0), true);
    assert.equal(seen.remember({ ...n }, 10), false, 'the same message again');
    assert.equal(seen.remember({ ...n, detection_message_id: 'd9' }, 20), false, 'known by its message_id whatever it says');
    assert.equal(seen.remember({ ...n, message_id: 'other' }, 30), true, 'another message for the same detection');
    assert.equal(seen.remember({ ...n }, 1500), true, 'past the window it is new again');
  });

  it('firstForward() is true once per message_id and connection', () => {
    const a = {};
    const b = {};
    assert.equal(firstForward(a, 'm1', 1000, 10, 0), true);
    assert.equal(firstForward(a, 'm1', 1000, 10, 5), false);
    assert.equal(firstForward(b, 'm1', 1000, 10, 5), true, 'another connection forwards it too');
    assert.equal(firstForward(a, 'm2', 1000, 10, 5), true);
  });
});
