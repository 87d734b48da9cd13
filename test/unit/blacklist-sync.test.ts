/** Snapshot chunking and reassembly, and revision merge: pure logic, property-tested. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BlacklistUpdate, type BlacklistEntry } from '../../src/protocol';
import { planSnapshot, snapshotMessage, SnapshotAssembler } from '../../src/blacklist/snapshot';
import { ReplicatedList } from '../../src/blacklist/replicated';
import { BlacklistStore } from '../../src/blacklist/store';

const plate = fc.stringMatching(/^[A-Z]{2}[0-9]{1,4}$/);
const thaiPlate = fc.constantFrom('กข1234', 'ขค99', '1กก555', 'ฮฮ1');
const entry: fc.Arbitrary<BlacklistEntry> = fc.record(
  {
    plate_number: fc.oneof(plate, thaiPlate),
    province: fc.constantFrom('กรุงเทพมหานคร', 'ลำปาง', 'เชียงใหม่'),
    reason: fc.string({ maxLength: 300 }),
    list: fc.constantFrom('police', 'vip'),
  },
  { requiredKeys: ['plate_number'] },
);

const sortKey = (e: BlacklistEntry) => JSON.stringify([e.plate_number, e.province ?? '', e.list ?? '', e.reason ?? '']);
const set = (entries: BlacklistEntry[]) => entries.map(sortKey).sort();

describe('watch-list snapshots (chunking and assembly)', () => {
  it('any chunking of any entries reassembles to the same entries, each message under the limit, in any order and with duplicates', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 300 }), fc.integer({ min: 4096, max: 40_000 }), fc.integer(), (entries, maxBytes, seed) => {
        const plan = planSnapshot(entries, { id: 's1', list: 'police', revision: 7, origin: 'srvA', maxBytes });
        const messages = plan.chunks.map((_, i) => snapshotMessage(plan, i, `m-${i}`, '2026-12-04T00:00:00Z'));
        for (const m of messages) assert.ok(Buffer.byteLength(m) <= maxBytes, `${Buffer.byteLength(m)} > ${maxBytes}`);
        // Delivered shuffled, some twice.
        const order = [...messages.keys(), ...messages.keys()].filter((i) => (i * 7919 + seed) % 3 !== 0 || i < messages.length);
        const rnd = fc.sample(fc.shuffledSubarray(order, { minLength: order.length }), { seed, numRuns: 1 })[0]!;
        const asm = new SnapshotAssembler();
        let done: BlacklistEntry[] | null = null;
        const seen = new Set<number>();
        for (const i of [...rnd, ...messages.keys()]) {
          const parsed = BlacklistUpdate.parse(JSON.parse(messages[i]!));
          const r = asm.add('srvA|police', parsed.snapshot!, parsed.entries);
          seen.add(i);
          if (r.status === 'complete') {
            assert.equal(done, null, 'completes once');
            assert.equal(seen.size, messages.length, 'complete only when every chunk is held');
            done = r.entries;
          }
        }
        assert.deepEqual(done, entries.map((e) => JSON.parse(JSON.stringify(e))));
        assert.equal(asm.pending, 0);
      }),
      { numRuns: 150 },
    );
  });

  it('reports the chunks a stalled snapshot misses, and a newer snapshot id abandons the old one', () => {
    const entries = Array.from({ length: 500 }, (_, i) => ({ plate_number: `AB${i}`, reason: 'x'.repeat(100) }));
    const plan = planSnapshot(entries, { id: 's1', revision: 1, origin: 'o', maxBytes: 8192 });
    assert.ok(plan.chunks.length > 5);
    const asm = new SnapshotAssembler({ timeoutMs: 1000 });
    const parse = (i: number, p = plan) => BlacklistUpdate.parse(JSON.parse(snapshotMessage(p, i, 'm', '2026-12-04T00:00:00Z')));
    for (const i of [0, 2, 3]) asm.add('k', parse(i).snapshot!, parse(i).entries, 0);
    assert.deepEqual(asm.stalled(500), []);
    const [stalled] = asm.stalled(1500);
    assert.equal(stalled!.attempt, 1);
    assert.deepEqual(stalled!.missing, [1, ...Array.from({ length: plan.chunks.length - 4 }, (_, i) => i + 4)]);
    assert.deepEqual(asm.stalled(1600), [], 'asked once per timeout');
    const newer = planSnapshot(entries.slice(0, 10), { id: 's2', revision: 2, origin: 'o', maxBytes: 8192 });
    const r = asm.add('k', parse(0, newer).snapshot!, parse(0, newer).entries, 2000);
    assert.equal(r.status, 'complete');
    assert.equal(asm.pending, 0);
  });

  it('refuses a chunk that lies about its count or holds more than entries_total', () => {
    const asm = new SnapshotAssembler();
    assert.equal(asm.add('k', { id: 'a', revision: 0, index: 3, count: 3, entries_total: 1 }, []).status, 'refused');
    assert.equal(asm.add('k', { id: 'a', revision: 0, index: 0, count: 2, entries_total: 1 }, [{ plate_number: 'A1' }, { plate_number: 'A2' }]).status, 'refused');
    assert.equal(asm.add('k', { id: 'b', revision: 0, index: 0, count: 2, entries_total: 9e6 }, []).status, 'refused');
    assert.equal(asm.pending, 0);
  });

  it('holds at most maxAssemblies snapshots at once (many senders cannot fill the memory)', () => {
    const asm = new SnapshotAssembler({ maxAssemblies: 4 });
    for (let i = 0; i < 100; i++) asm.add(`sender${i}`, { id: `s${i}`, revision: 0, index: 0, count: 2, entries_total: 2 }, [{ plate_number: `A${i}` }], i);
    assert.equal(asm.pending, 4);
    const r = asm.add('sender99', { id: 's99', revision: 0, index: 1, count: 2, entries_total: 2 }, [{ plate_number: 'B' }], 200);
    assert.equal(r.status, 'complete', 'the newest are the ones kept');
  });
});

/** One change: at server `s`, add or remove an entry. */
const op = fc.record({ server: fc.integer({ min: 0, max: 2 }), remove: fc.boolean(), entry: fc.record({ plate_number: fc.constantFrom('AB1', 'AB2', 'กข1234', 'ZZ9'), province: fc.constantFrom('ลำปาง', 'เชียงใหม่'), list: fc.constantFrom('police', 'vip'), reason: fc.constantFrom('a', 'b') }) });

describe('watch-list revisions (several servers, one truth)', () => {
  it('any order and duplication of the updates servers published converges every replica to the same list', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), fc.array(fc.nat(), { minLength: 1, maxLength: 10 }), (ops, seeds) => {
        // Three servers make changes, each seeing (some of) the others' earlier updates.
        const servers = [0, 1, 2].map((i) => new ReplicatedList(new BlacklistStore([], null), `srv${i}`));
        const published: BlacklistUpdate[] = [];
        ops.forEach((o, n) => {
          const s = servers[o.server]!;
          // Deliver a few earlier updates first (partial knowledge).
          for (const u of published.filter((_, i) => (i + n) % 2 === 0)) s.remote(u);
          const { stamp } = s.local(o.remove ? 'remove' : 'add', [o.entry]);
          published.push({ message_id: `m${n}`, timestamp: '2026-12-04T00:00:00Z', action: o.remove ? 'remove' : 'add', entries: [o.entry], ...stamp });
        });
        const finals = seeds.map((seed) => {
          const r = new ReplicatedList(new BlacklistStore([], null), `cam${seed}`);
          const order = fc.sample(fc.shuffledSubarray([...published, ...published.slice(0, seed % (published.length + 1))], { minLength: published.length + (seed % (published.length + 1)) }), { seed, numRuns: 1 })[0]!;
          for (const u of order) r.remote(u);
          return set(r.store.snapshot());
        });
        // Servers also converge once they have seen everything.
        for (const s of servers) for (const u of published) s.remote(u);
        for (const f of [...finals, ...servers.map((s) => set(s.store.snapshot()))]) assert.deepEqual(f, finals[0]);
      }),
      { numRuns: 200 },
    );
  });

  it('an older add never brings back a newer removal (tombstone); a replace touches only its list', () => {
    const r = new ReplicatedList(new BlacklistStore([], null), 'me');
    r.remote({ action: 'add', entries: [{ plate_number: 'AB1', list: 'police' }], revision: 5, origin: 'x' });
    r.remote({ action: 'remove', entries: [{ plate_number: 'AB1', list: 'police' }], revision: 9, origin: 'y' });
    r.remote({ action: 'add', entries: [{ plate_number: 'AB1', list: 'police' }], revision: 7, origin: 'x' });
    assert.equal(r.store.size, 0);
    r.remote({ action: 'add', entries: [{ plate_number: 'VIP1', list: 'vip' }, { plate_number: 'P2', list: 'police' }], revision: 10, origin: 'x' });
    r.remote({ action: 'replace', entries: [{ plate_number: 'P3', list: 'police' }], revision: 11, origin: 'x' });
    assert.deepEqual(r.store.snapshot().map((e) => e.plate_number).sort(), ['P3', 'VIP1']);
    // An update without a revision (mosquitto_pub, an older server) applies as the newest change here.
    r.remote({ action: 'remove', entries: [{ plate_number: 'VIP1' }] });
    assert.deepEqual(r.store.snapshot().map((e) => e.plate_number), ['P3']);
    assert.ok(r.replica.clock > 11);
  });

  it('a snapshot with tombstones merges: newer local writes stay, older ones give way', () => {
    const a = new ReplicatedList(new BlacklistStore([], null), 'a');
    const b = new ReplicatedList(new BlacklistStore([], null), 'b');
    a.local('add', [{ plate_number: 'AA1' }, { plate_number: 'AA2' }]);
    b.remote({ action: 'snapshot', entries: a.writes() });
    a.local('remove', [{ plate_number: 'AA1' }]);
    b.local('add', [{ plate_number: 'BB1' }]);
    b.remote({ action: 'snapshot', entries: a.writes() });
    a.remote({ action: 'snapshot', entries: b.writes() });
    assert.deepEqual(set(a.store.snapshot()), set(b.store.snapshot()));
    assert.deepEqual(a.store.snapshot().map((e) => e.plate_number).sort(), ['AA2', 'BB1']);
  });
});
