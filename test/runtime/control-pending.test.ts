import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PendingFullError, PendingTable, type Outcome, type Scheduler } from '../../src/control/pending';

/** A clock the test moves by hand: timers fire in deadline order (then in the order they were set). */
class FakeScheduler implements Scheduler {
  time = 0;
  private seq = 0;
  private timers = new Map<number, { at: number; seq: number; fn: () => void }>();
  now(): number {
    return this.time;
  }
  set(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.time + ms, seq: id, fn });
    return id;
  }
  clear(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  get count(): number {
    return this.timers.size;
  }
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at || a[1].seq - b[1].seq)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = due[1].at;
      due[1].fn();
    }
    this.time = end;
  }
}

type Res = { id: string; status: string };

describe('control/pending', () => {
  it('settles a response, with the elapsed time, and forgets the request', () => {
    const clock = new FakeScheduler();
    const table = new PendingTable<string, Res>(10, clock);
    const seen: Array<Outcome<Res>> = [];
    table.add('r1', 'CAM1', 'req', 1000, (o) => seen.push(o));
    clock.advance(250);
    assert.equal(table.resolve('r1', { id: 'r1', status: 'success' }), true);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.kind, 'response');
    assert.equal(seen[0]!.elapsedMs, 250);
    assert.equal(table.size, 0);
    assert.equal(clock.count, 0, 'the timer is cleared');
    assert.equal(table.resolve('r1', { id: 'r1', status: 'success' }), false, 'a second answer finds nobody');
    clock.advance(5000);
    assert.equal(seen.length, 1);
  });

  it('times out, keeping the interim answer; a late answer finds nobody', () => {
    const clock = new FakeScheduler();
    const table = new PendingTable<string, Res>(10, clock);
    const seen: Array<Outcome<Res>> = [];
    table.add('r1', 'CAM1', 'req', 1000, (o) => seen.push(o));
    clock.advance(100);
    assert.equal(table.interim('r1', { id: 'r1', status: 'accepted' }), true);
    clock.advance(899);
    assert.equal(seen.length, 0, 'accepted does not settle, nor extend the timeout');
    clock.advance(1);
    assert.equal(seen.length, 1);
    const o = seen[0]!;
    assert.equal(o.kind, 'timeout');
    assert.equal(o.elapsedMs, 1000);
    assert.equal(o.interimMs, 100);
    assert.deepEqual(o.interim, { id: 'r1', status: 'accepted' });
    assert.equal(table.resolve('r1', { id: 'r1', status: 'success' }), false);
  });

  it('is bounded, refuses duplicate ids and bad timeouts', () => {
    const clock = new FakeScheduler();
    const table = new PendingTable<string, Res>(2, clock);
    table.add('a', 'C', 'x', 10, () => {});
    assert.throws(() => table.add('a', 'C', 'x', 10, () => {}), /already waiting/);
    table.add('b', 'C', 'x', 10, () => {});
    assert.throws(() => table.add('c', 'C', 'x', 10, () => {}), PendingFullError);
    assert.throws(() => table.add('d', 'C', 'x', 0, () => {}), RangeError);
    clock.advance(10);
    assert.equal(table.size, 0);
    table.add('c', 'C', 'x', 10, () => {});
    assert.equal(table.size, 1);
    assert.throws(() => new PendingTable(0), RangeError);
  });

  it('cancel and clear settle once, as cancelled', () => {
    const clock = new FakeScheduler();
    const table = new PendingTable<string, Res>(10, clock);
    const kinds: string[] = [];
    for (const id of ['a', 'b', 'c']) table.add(id, 'C', id, 100, (o, info) => kinds.push(`${info.id}:${o.kind}`));
    assert.equal(table.cancel('a', 'publish failed'), true);
    assert.equal(table.cancel('a', 'again'), false);
    assert.equal(table.clear('closing'), 2);
    clock.advance(1000);
    assert.deepEqual(kinds, ['a:cancelled', 'b:cancelled', 'c:cancelled']);
    assert.equal(clock.count, 0);
  });

  it('a settle callback that adds or answers requests cannot settle anything twice', () => {
    const clock = new FakeScheduler();
    const table = new PendingTable<string, Res>(10, clock);
    const settled: string[] = [];
    table.add('a', 'C', 'a', 10, (_o, info) => {
      settled.push(info.id);
      assert.equal(table.resolve('a', { id: 'a', status: 'success' }), false);
      table.add('b', 'C', 'b', 10, (_o2, info2) => settled.push(info2.id));
    });
    clock.advance(10);
    clock.advance(10);
    assert.deepEqual(settled, ['a', 'b']);
  });

  it('property: every request settles exactly once (response, timeout or cancel) and the table never leaks', () => {
    const op = fc.oneof(
      fc.record({ t: fc.constant('add' as const), id: fc.integer({ min: 0, max: 30 }), timeout: fc.integer({ min: 1, max: 500 }) }),
      fc.record({ t: fc.constant('respond' as const), id: fc.integer({ min: 0, max: 30 }), final: fc.boolean() }),
      fc.record({ t: fc.constant('cancel' as const), id: fc.integer({ min: 0, max: 30 }) }),
      fc.record({ t: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 300 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), fc.integer({ min: 1, max: 20 }), (ops, limit) => {
        const clock = new FakeScheduler();
        const table = new PendingTable<number, Res>(limit, clock);
        // Model: which ids wait, and how often each added request settled.
        const waiting = new Map<string, number>();
        const settledCount = new Map<number, number>();
        let serial = 0;
        for (const o of ops) {
          if (o.t === 'add') {
            const id = `r${o.id}`;
            const s = serial++;
            let threw = false;
            try {
              table.add(id, 'C', s, o.timeout, (_outcome, info) => {
                assert.equal(info.request, s);
                settledCount.set(s, (settledCount.get(s) ?? 0) + 1);
                waiting.delete(id);
              });
            } catch {
              threw = true;
            }
            const shouldThrow = waiting.has(id) || waiting.size >= limit;
            assert.equal(threw, shouldThrow);
            if (!threw) {
              waiting.set(id, s);
              settledCount.set(s, 0);
            }
          } else if (o.t === 'respond') {
            const id = `r${o.id}`;
            const res = { id, status: o.final ? 'success' : 'accepted' };
            const had = waiting.has(id);
            const found = o.final ? table.resolve(id, res) : table.interim(id, res);
            assert.equal(found, had);
            if (o.final) assert.equal(waiting.has(id), false);
          } else if (o.t === 'cancel') {
            const id = `r${o.id}`;
            const had = waiting.has(id);
            assert.equal(table.cancel(id, 'x'), had);
          } else {
            clock.advance(o.ms);
          }
          assert.equal(table.size, waiting.size);
          assert.ok(table.size <= limit);
        }
        // Let every timeout run: nothing may be left, and everything settled exactly once.
        clock.advance(1000);
        assert.equal(table.size, 0);
        assert.equal(clock.count, 0, 'no timer left behind');
        for (const [s, n] of settledCount) assert.equal(n, 1, `request #${s} settled ${n} times`);
      }),
      { numRuns: 300 },
    );
  });
});
