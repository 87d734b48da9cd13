import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * V8 may decide, from what it saw at start-up, to allocate every object of a literal in the old
 * generation; a detection's msg made there holds its young payload alive through every young
 * collection until a full one (src/runtime/plain-objects.ts). Measured in the growth bench: in some
 * runs the msgs were old from birth and the old generation grew two to three times as fast. This test makes
 * V8 take that decision for every part of a msg and checks that msgs made afterwards are young all
 * the same (a child process: the V8 flags it needs are not this process's).
 */
describe('detection msgs and V8 pretenuring', function () {
  this.timeout(60_000);

  it('every part of a detection msg is young even after V8 decided to pretenure where it was made', () => {
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--no-lazy-feedback-allocation', '--no-concurrent-recompilation', '--import', 'tsx', path.join(__dirname, 'pretenure-probe.ts')], {
      encoding: 'utf8',
    });
    const counts = JSON.parse(out) as Record<string, { marked: number; old: number; of: number }>;
    assert.equal(Object.keys(counts).length, 11, out);
    // The probe works: a plain object literal put through the same steps is made old.
    assert.deepEqual(counts['control literal'], { marked: 1, old: 1000, of: 1000 }, out);
    const old = Object.entries(counts)
      .filter(([name, c]) => name !== 'control literal' && c.old > 0)
      .map(([name, c]) => `${name}: ${c.old} of ${c.of} old`);
    assert.deepEqual(old, [], `parts made in the old generation: ${old.join('; ')}`);
  });
});
