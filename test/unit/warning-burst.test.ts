/** src/runtime/warning-burst.ts: failures of one turn reported once, with their count and the first. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { WarningBurst } from '../../src/runtime/warning-burst';

describe('WarningBurst', () => {
  it('reports the failures of one turn once, then starts again', async () => {
    const reports: Array<[string, number]> = [];
    const burst = new WarningBurst<string>((first, n) => reports.push([first, n]));
    for (let i = 0; i < 1000; i++) burst.add(`ack-${i}`);
    assert.deepEqual(reports, []);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(reports, [['ack-0', 1000]]);
    burst.add('later');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(reports, [['ack-0', 1000], ['later', 1]]);
  });

  it('property: every failure is counted in exactly one report, in order of the bursts', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 20 }), { maxLength: 30 }), (bursts) => {
        const queued: Array<() => void> = [];
        const reports: Array<[number, number]> = [];
        const burst = new WarningBurst<number>((first, n) => reports.push([first, n]), (fn) => queued.push(fn));
        let next = 0;
        const want: Array<[number, number]> = [];
        for (const size of bursts) {
          if (size > 0) want.push([next, size]);
          for (let i = 0; i < size; i++) burst.add(next++);
          while (queued.length) queued.shift()!();
        }
        assert.deepEqual(reports, want);
      }),
    );
  });
});
