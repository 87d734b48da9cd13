/** Fifo (src/runtime/fifo.ts) behaves as an array used with push/shift, whatever the sequence. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Fifo } from '../../src/runtime/fifo';

describe('Fifo', () => {
  it('matches an array model under any sequence of push, shift, peek and drain', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('push' as const), n: fc.integer({ min: 1, max: 3000 }) }),
      fc.record({ kind: fc.constant('shift' as const), n: fc.integer({ min: 1, max: 3000 }) }),
      fc.record({ kind: fc.constant('drain' as const), n: fc.constant(0) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const fifo = new Fifo<number>();
        const model: number[] = [];
        let next = 0;
        for (const { kind, n } of ops) {
          if (kind === 'push') for (let i = 0; i < n; i++) (fifo.push(next), model.push(next++));
          else if (kind === 'shift') for (let i = 0; i < n; i++) assert.equal(fifo.shift(), model.shift());
          else assert.deepEqual(fifo.drain(), model.splice(0));
          assert.equal(fifo.length, model.length);
          assert.equal(fifo.peek(), model[0]);
        }
      }),
      { numRuns: 200 },
    );
  });
});
