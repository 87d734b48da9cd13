import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DedupeWindow } from '../../src/runtime/dedupe';

describe('runtime/dedupe', () => {
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
});
