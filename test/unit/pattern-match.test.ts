/**
 * Wildcard matching of blacklist pattern entries (issue 14, item 7): `*` and `?` are matched
 * without a backtracking RegExp, in at most (pattern + 1) × (read + 1) steps, so a hostile pattern
 * entry cannot stall the runtime. The reference is the anchored RegExp the patterns used to
 * compile to, run only on inputs too small to backtrack badly.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BlacklistIndex, DEFAULT_MATCH_OPTIONS } from '../../src/blacklist/index';
import { compilePattern, matchPattern, wildcardMatch } from '../../src/blacklist/pattern';

/** The former compilation: an anchored, escaped RegExp (exponential on some patterns). */
function referenceRegex(key: string): RegExp {
  let source = '^';
  for (const ch of key) source += ch === '*' ? '[^]*' : ch === '?' ? '[^]' : ch.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
  return new RegExp(source + '$', 'u');
}

// A small alphabet (with a Thai letter and an astral character) so that matches are frequent.
const char = fc.constantFrom('A', 'B', 'C', '1', 'ก', '𝟘');
const patternChar = fc.constantFrom('A', 'B', 'C', '1', 'ก', '𝟘', '*', '?', '*', '?');

describe('blacklist pattern matching', () => {
  it('agrees with the RegExp reference on random patterns and reads', () => {
    fc.assert(
      fc.property(fc.array(patternChar, { maxLength: 10 }), fc.array(char, { maxLength: 12 }), (p, s) => {
        const pattern = p.join('');
        const read = s.join('');
        assert.equal(wildcardMatch(Array.from(pattern), Array.from(read)), referenceRegex(pattern).test(read), `${pattern} vs ${read}`);
      }),
      { numRuns: 5000 },
    );
  });

  it('compiled patterns agree with the reference, length bounds included', () => {
    fc.assert(
      fc.property(fc.array(patternChar, { minLength: 1, maxLength: 10 }), fc.array(char, { maxLength: 12 }), (p, s) => {
        const pattern = p.join('');
        const read = s.join('');
        const compiled = compilePattern(pattern);
        if (!compiled) return;
        assert.equal(matchPattern(compiled, read), referenceRegex(pattern).test(read), `${pattern} vs ${read}`);
      }),
      { numRuns: 3000 },
    );
  });

  it('the adversarial pattern of the attack run is answered within (m+1)(n+1) steps', () => {
    const pattern = '*A*A*A*A*A*A*A*A*A*A*A*A*C*B';
    const read = 'A'.repeat(31) + 'B';
    const steps = { count: 0 };
    assert.equal(wildcardMatch(Array.from(pattern), Array.from(read), steps), false);
    assert.ok(steps.count <= (pattern.length + 1) * (read.length + 1), `${steps.count} steps`);
    const hit = 'A'.repeat(12) + 'C' + 'A'.repeat(18) + 'B';
    assert.equal(wildcardMatch(Array.from(pattern), Array.from(hit)), true);
  });

  it('worst cases at the key length bound stay within (m+1)(n+1) steps', () => {
    const pattern = '*A'.repeat(120) + '*C*B';
    const read = 'A'.repeat(254) + 'B';
    const steps = { count: 0 };
    assert.equal(wildcardMatch(Array.from(pattern), Array.from(read), steps), false);
    assert.ok(steps.count <= (pattern.length + 1) * (read.length + 1), `${steps.count} steps`);
  });

  it('a blacklist holding the adversarial pattern answers a 32-character read', () => {
    const index = new BlacklistIndex();
    index.add([{ plate_number: '*A*A*A*A*A*A*A*A*A*A*A*A*C*B' }, { plate_number: 'AAAA*B' }]);
    const m = index.match('A'.repeat(31) + 'B', null, DEFAULT_MATCH_OPTIONS, Date.now());
    assert.equal(m?.entry.plate_number, 'AAAA*B');
    assert.equal(m?.type, 'pattern');
  });
});
