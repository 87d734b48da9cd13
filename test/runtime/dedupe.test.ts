import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DedupeWindow } from '../../src/runtime/dedupe';

describe('runtime/dedupe', () => {
  it('property: the same answers, size and entries as a Map read from its front (the former implementation), with forget, clear and restore mixed in', () => {
    class Reference {
      seen = new Map<string, number>();
      constructor(readonly windowMs: number, readonly max: number) {}
      expire(now: number) {
        for (const [id, at] of this.seen) {
          if (at > now - this.windowMs) break;
          this.seen.delete(id);
        }
      }
      check(id: string, now: number): boolean {
        this.expire(now);
        if (this.seen.has(id)) return true;
        this.seen.set(id, now);
        if (this.seen.size > this.max) this.seen.delete(this.seen.keys().next().value as string);
        return false;
      }
    }
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.tuple(fc.constantFrom('check', 'check', 'check', 'forget', 'restore', 'clear'), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 50 })), { maxLength: 2500 }),
        (windowMs, max, ops) => {
          const w = new DedupeWindow(windowMs, max);
          const ref = new Reference(windowMs, max);
          let now = 0;
          for (const [op, k, gap] of ops) {
            now += gap;
            const id = `m${k}`;
            if (op === 'check') assert.equal(w.check(id, now), ref.check(id, now), `${id} at ${now}`);
            else if (op === 'forget') {
              w.forget(id);
              ref.seen.delete(id);
            } else if (op === 'clear') {
              w.clear();
              ref.seen.clear();
            } else {
              // A restart: what was saved, taken back by a fresh window.
              const saved = w.entries(now);
              ref.expire(now);
              assert.deepEqual(saved, [...ref.seen]);
              const fresh = new DedupeWindow(windowMs, max);
              fresh.restore(saved, now);
              assert.deepEqual(fresh.entries(now), saved);
            }
            assert.equal(w.size, ref.seen.size);
          }
          ref.expire(now);
          assert.deepEqual(w.entries(now), [...ref.seen]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reports a duplicate within the window and not after it', () => {
    const w = new DedupeWindow(1000, 100);
    assert.equal(w.check('a', 0), false);
    assert.equal(w.check('a', 1), true);
    assert.equal(w.check('a', 999), true);
    assert.equal(w.check('b', 999), false);
    // Seen at 0, window 1000: at 1000 it has expired and is recorded afresh.
    assert.equal(w.check('a', 1000), false);
    assert.equal(w.check('a', 1500), true);
    assert.equal(w.check('b', 2000), false);
  });

  it('a duplicate does not extend the window (the first sighting counts)', () => {
    const w = new DedupeWindow(100, 10);
    assert.equal(w.check('x', 0), false);
    assert.equal(w.check('x', 90), true);
    assert.equal(w.check('x', 100), false);
  });

  it('evicts the oldest beyond maxEntries', () => {
    const w = new DedupeWindow(60_000, 3);
    for (const id of ['a', 'b', 'c', 'd']) assert.equal(w.check(id, 1), false);
    assert.equal(w.size, 3);
    assert.equal(w.check('d', 2), true);
    assert.equal(w.check('b', 2), true);
    assert.equal(w.check('a', 2), false, 'a was evicted');
  });

  it('clear() forgets everything', () => {
    const w = new DedupeWindow(60_000, 10);
    w.check('a', 0);
    w.clear();
    assert.equal(w.size, 0);
    assert.equal(w.check('a', 1), false);
  });

  it('property: size never exceeds maxEntries and matches a reference model', () => {
    const ops = fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), fc.integer({ min: 0, max: 50 })), { maxLength: 200 });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 6 }), ops, (windowMs, max, steps) => {
        const w = new DedupeWindow(windowMs, max);
        // Reference: an ordered list of [id, at]; expire by time, then evict the oldest.
        let model: Array<[string, number]> = [];
        let now = 0;
        for (const [id, dt] of steps) {
          now += dt;
          model = model.filter(([, at]) => at > now - windowMs);
          const expected = model.some(([m]) => m === id);
          if (!expected) {
            model.push([id, now]);
            if (model.length > max) model.shift();
          }
          assert.equal(w.check(id, now), expected, `${id} at ${now}`);
          assert.ok(w.size <= max, `size ${w.size} <= ${max}`);
          assert.equal(w.size, model.length);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('handles many ids in a long window without growing past the bound', () => {
    const w = new DedupeWindow(300_000, 10_000);
    for (let i = 0; i < 50_000; i++) assert.equal(w.check(`id-${i}`, i), false);
    assert.equal(w.size, 10_000);
    assert.equal(w.check('id-49999', 50_000), true);
    assert.equal(w.check('id-0', 50_000), false);
  });

  describe('entries() / restore(): the window carried across a restart', () => {
    it('a restored window still recognises what the old one saw, until the original window ends', () => {
      const old = new DedupeWindow(1000, 100);
      old.check('a', 0);
      old.check('b', 500);
      const saved = JSON.parse(JSON.stringify(old.entries(600))) as Array<[string, number]>;
      assert.deepEqual(saved, [['a', 0], ['b', 500]]);
      const fresh = new DedupeWindow(1000, 100);
      assert.equal(fresh.restore(saved, 700), 2);
      assert.equal(fresh.check('a', 800), true, 'a resend after the restart is a duplicate');
      assert.equal(fresh.check('b', 1400), true);
      // The first sighting still counts: a expires at 1000, b at 1500, as in the old window.
      assert.equal(fresh.check('a', 1000), false);
      assert.equal(fresh.check('b', 1500), false);
    });

    it('skips expired, malformed and already known entries, and keeps the bound (the oldest go)', () => {
      const w = new DedupeWindow(1000, 3);
      w.check('known', 900);
      const taken = w.restore(
        [['old', 0], ['x', 950], [42, 950], ['y', Number.NaN], ['future', 5000], ['known', 950], ['z', 960], ['q', 970]] as Array<[unknown, unknown]>,
        1000,
      );
      assert.equal(taken, 3, 'x, z, q');
      assert.equal(w.size, 3);
      // Sorted by first sighting: known 900, x 950, z 960, q 970 -> known is the oldest and goes.
      assert.deepEqual(w.entries(1000).map(([id]) => id), ['x', 'z', 'q']);
    });

    it('property: check() after entries() -> restore() answers as the window never restarted', () => {
      const step = fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), fc.integer({ min: 0, max: 40 }));
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 6 }), fc.array(step, { maxLength: 60 }), fc.array(step, { maxLength: 60 }), (windowMs, max, before, after) => {
          const kept = new DedupeWindow(windowMs, max);
          const old = new DedupeWindow(windowMs, max);
          let now = 0;
          for (const [id, dt] of before) {
            now += dt;
            kept.check(id, now);
            old.check(id, now);
          }
          const restarted = new DedupeWindow(windowMs, max);
          restarted.restore(JSON.parse(JSON.stringify(old.entries(now))), now);
          for (const [id, dt] of after) {
            now += dt;
            assert.equal(restarted.check(id, now), kept.check(id, now), `${id} at ${now}`);
          }
        }),
        { numRuns: 300 },
      );
    });
  });
});
