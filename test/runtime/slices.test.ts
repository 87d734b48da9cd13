/** Slices: work a slice per turn of the event loop, in order, with finish/stop for a closing node. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Slices } from '../../src/runtime/slices';

const turn = () => new Promise<void>((r) => setImmediate(r));

describe('runtime/slices', () => {
  it('runs items in the order added, at most `size` per turn, other work running between turns', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 7 }), fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 6 }), async (size, bursts) => {
        const ran: number[] = [];
        const perTurn: number[] = [];
        let drained = 0;
        const slices = new Slices<number>({ size, run: (n) => ran.push(n), failed: (err) => assert.fail(String(err)), drained: () => drained++ });
        let next = 0;
        for (const burst of bursts) {
          for (let i = 0; i < burst; i++) slices.add(next++);
          // Other work gets a turn while items wait: count what ran in each.
          while (slices.length > 0) {
            const before = ran.length;
            await turn();
            perTurn.push(ran.length - before);
          }
        }
        assert.deepEqual(ran, [...Array(next).keys()]);
        assert.ok(perTurn.every((n) => n <= size), `${perTurn} with size ${size}`);
        assert.equal(drained, bursts.filter((b) => b > 0).length);
      }),
      { numRuns: 100 },
    );
  });

  it('finish runs the rest at once; stop drops it; a throwing item is reported and the rest still run', async () => {
    const ran: number[] = [];
    const failures: unknown[] = [];
    const slices = new Slices<number>({
      size: 2,
      run: (n) => {
        if (n === 3) throw new Error('three');
        ran.push(n);
      },
      failed: (err) => failures.push(err),
    });
    for (let i = 0; i < 6; i++) slices.add(i);
    await turn();
    assert.deepEqual(ran, [0, 1]);
    slices.finish();
    assert.deepEqual(ran, [0, 1, 2, 4, 5]);
    assert.equal((failures[0] as Error).message, 'three');
    for (let i = 6; i < 9; i++) slices.add(i);
    slices.stop();
    await turn();
    await turn();
    assert.deepEqual(ran, [0, 1, 2, 4, 5]);
    assert.equal(slices.length, 0);
    assert.throws(() => new Slices({ size: 0, run: () => undefined, failed: () => undefined }), /size/);
  });
});
