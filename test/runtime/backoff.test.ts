import assert from 'node:assert/strict';
import fc from 'fast-check';
import { backoffDelay } from '../../src/runtime/backoff';

const ceilingOf = (attempt: number, base: number, max: number) => Math.min(max, base * 2 ** Math.min(attempt, 20));
/** Values of Math.random(): [0, 1). */
const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('runtime/backoff', () => {
  it('stays within [ceiling/2, ceiling] for integer settings and any random value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 60_000 }), fc.integer({ min: 1, max: 3_600_000 }), unit, (attempt, base, max, r) => {
        const ceiling = ceilingOf(attempt, base, max);
        const d = backoffDelay(attempt, base, max, () => r);
        assert.ok(Number.isInteger(d), `${d} is a whole number of ms`);
        assert.ok(d >= ceiling / 2 && d <= ceiling, `${d} in [${ceiling / 2}, ${ceiling}]`);
        assert.ok(d <= max, 'capped at max');
      }),
      { numRuns: 2000 },
    );
  });

  it('has a non-decreasing ceiling: the lowest and the highest delay never shrink with more attempts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 600_000 }), (attempt, base, max) => {
        for (const r of [0, 0.5, 1 - Number.EPSILON]) {
          assert.ok(backoffDelay(attempt + 1, base, max, () => r) >= backoffDelay(attempt, base, max, () => r));
        }
      }),
    );
  });

  it('doubles from the base and is capped at max', () => {
    const hi = () => 1 - Number.EPSILON;
    assert.equal(backoffDelay(0, 1000, 60_000, hi), 1000);
    assert.equal(backoffDelay(1, 1000, 60_000, hi), 2000);
    assert.equal(backoffDelay(5, 1000, 60_000, hi), 32_000);
    assert.equal(backoffDelay(6, 1000, 60_000, hi), 60_000);
    assert.equal(backoffDelay(1e9, 1000, 60_000, hi), 60_000);
    assert.equal(backoffDelay(0, 1000, 60_000, () => 0), 500);
    assert.equal(backoffDelay(100, 1000, 60_000, () => 0), 30_000);
  });

  it('is jittered with the default Math.random', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 50; i++) seen.add(backoffDelay(10, 1000, 60_000));
    assert.ok(seen.size > 1, 'a fleet does not reconnect in lock-step');
    for (const d of seen) assert.ok(d >= 30_000 && d <= 60_000);
  });
});
