/**
 * TouchOrder (the queue beside a Map that the dedupe window, the rate limiter, the checkpoint
 * cameras and the health tracker keep their order in) held to the plain version: a Map moved to
 * the back on every touch, whose first key is the oldest. Any sequence of touches, removals of the
 * oldest, forgets, prunes and clears; enough of them that the queue compacts and prunes.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TouchOrder } from '../../src/runtime/touch-order';

type Op = { op: 'touch'; key: number } | { op: 'shift' } | { op: 'forget'; key: number } | { op: 'prune' } | { op: 'clear' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 12, arbitrary: fc.record({ op: fc.constant('touch' as const), key: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 3, arbitrary: fc.constant({ op: 'shift' as const }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('forget' as const), key: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'prune' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
);

/** The owner's side: each key's latest stamp, as DedupeWindow keeps its ids' times. */
function setup() {
  const stamps = new Map<number, number>();
  const order = new TouchOrder<number>(
    (key, stamp) => stamps.get(key) === stamp,
    () => stamps.size,
  );
  const plain = new Map<number, true>();
  let next = 0;
  const apply = (o: Op) => {
    switch (o.op) {
      case 'touch':
        stamps.set(o.key, ++next);
        order.push(o.key, next);
        plain.delete(o.key);
        plain.set(o.key, true);
        break;
      case 'shift': {
        const first = order.first();
        if (first !== undefined) {
          assert.equal(order.firstStamp(), stamps.get(first));
          order.shift();
          stamps.delete(first);
          plain.delete(first);
        }
        break;
      }
      case 'forget':
        stamps.delete(o.key);
        plain.delete(o.key);
        break;
      case 'prune':
        order.prune();
        break;
      case 'clear':
        stamps.clear();
        order.clear();
        plain.clear();
        break;
    }
  };
  return { order, plain, stamps, apply };
}

describe('TouchOrder', () => {
  it('gives the oldest key a Map moved to the back per touch would, under any sequence of operations', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const { order, plain, apply } = setup();
        for (const o of ops) {
          apply(o);
          assert.equal(order.first(), plain.keys().next().value);
        }
        // Taking them all out gives the whole order, oldest first.
        const drained: number[] = [];
        for (let k = order.first(); k !== undefined; k = order.first()) {
          drained.push(k);
          order.shift();
        }
        assert.deepEqual(drained, [...plain.keys()]);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the order through compaction and pruning of many stale entries', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 3000, maxLength: 6000 }), fc.integer({ min: 0, max: 2000 }), (keys, shifts) => {
        const { order, plain, stamps, apply } = setup();
        for (const key of keys) {
          apply({ op: 'touch', key });
        }
        // Ten live keys touched thousands of times: prune keeps the queue near them, not near the touches.
        assert.ok(order.length <= 2 * stamps.size + 1024, `queue of ${order.length} for ${stamps.size} keys`);
        for (let i = 0; i < shifts; i++) apply({ op: 'shift' });
        assert.deepEqual(
          (() => {
            const out: number[] = [];
            for (let k = order.first(); k !== undefined; k = order.first()) {
              out.push(k);
              order.shift();
            }
            return out;
          })(),
          [...plain.keys()],
        );
      }),
      { numRuns: 50 },
    );
  });

  it('drops the consumed front: 100,000 touches of distinct keys shifted out leave nothing held', () => {
    const { order, apply } = setup();
    for (let i = 0; i < 100_000; i++) apply({ op: 'touch', key: i });
    for (let i = 0; i < 100_000; i++) apply({ op: 'shift' });
    assert.equal(order.length, 0);
    assert.equal(order.first(), undefined);
  });
});
