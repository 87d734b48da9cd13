/**
 * Pattern entries: a `plate_number` with `*` (any run, possibly empty) and `?` (exactly one
 * character). The pattern applies to the normalized key of a read, so its literal parts are
 * normalized the same way (`ab-*` becomes `AB*`). A pattern is matched character by character
 * (code points), never as a RegExp: a backtracking RegExp took seconds on `*A*A*…*C*B` against a
 * 32-character read, and literal characters need no escaping. `wildcardMatch` is the greedy
 * two-pointer algorithm that backtracks only to the last `*`: at most (m + 1) × (n + 1) steps for a
 * pattern of m and a read of n characters, both bounded (255 units) by the index.
 */
import { foldPlateChars } from './normalize';

export interface CompiledPattern {
  /** The normalized pattern, e.g. `AB*`, `?B1234`. */
  key: string;
  /** The key's code points, what `wildcardMatch` walks. */
  chars: readonly string[];
  /** Bounds on the length (UTF-16 code units) of a key the pattern can match. */
  minLength: number;
  maxLength: number;
  /**
   * The literal start / end of the pattern, up to 2 characters (null when it starts / ends with a
   * wildcard): the index files a pattern under one of them, so a read only tests the patterns
   * whose start or end it has.
   */
  prefix: string | null;
  suffix: string | null;
}

export function isPatternPlate(plate: string): boolean {
  return plate.includes('*') || plate.includes('?');
}

/** A run of wildcards in canonical form: its `?`s, then one `*` if it had any. */
function canonicalRun(run: string): string {
  let q = 0;
  let star = false;
  for (const c of run) {
    if (c === '?') q++;
    else star = true;
  }
  return '?'.repeat(q) + (star ? '*' : '');
}

/**
 * The normalized pattern key: literal runs folded like plate characters (separators out, Latin
 * upper-cased, Thai digits to 0-9) but never stripped of a "province" (a literal `กข1ชม` keeps its
 * `ชม`), wildcard runs canonical.
 */
export function patternKey(plate: string): string {
  let out = '';
  for (const part of plate.split(/([*?]+)/)) {
    if (part === '') continue;
    out += part[0] === '*' || part[0] === '?' ? part : foldPlateChars(part);
  }
  // A literal part that normalizes to nothing (`A*-*B`) joins two runs: make them one.
  return out.replace(/[*?]+/g, canonicalRun);
}

/** Compiles a normalized pattern key; null when it has no literal character (`*`, `??`). */
export function compilePattern(key: string): CompiledPattern | null {
  let literalUnits = 0;
  let singles = 0;
  let star = false;
  const chars = Array.from(key);
  for (const ch of chars) {
    if (ch === '*') star = true;
    else if (ch === '?') singles++;
    else literalUnits += ch.length;
  }
  if (literalUnits === 0) return null;
  const literal = (c: string) => c !== '' && c !== '*' && c !== '?';
  const prefixLength = literal(key.charAt(0)) ? (literal(key.charAt(1)) ? 2 : 1) : 0;
  const suffixLength = literal(key.charAt(key.length - 1)) ? (key.length > 1 && literal(key.charAt(key.length - 2)) ? 2 : 1) : 0;
  return {
    key,
    chars,
    minLength: literalUnits + singles,
    maxLength: star ? Infinity : literalUnits + 2 * singles,
    prefix: prefixLength ? key.slice(0, prefixLength) : null,
    suffix: suffixLength ? key.slice(key.length - suffixLength) : null,
  };
}

/** Whether the whole of `read` (a key, or its code points) matches the compiled pattern. */
export function matchPattern(pattern: CompiledPattern, read: string | readonly string[]): boolean {
  return wildcardMatch(pattern.chars, typeof read === 'string' ? Array.from(read) : read);
}

/**
 * Whether `text` matches `pattern` as a whole (`*` any run, `?` one element, anything else itself).
 * On a mismatch after a `*`, that star takes one more character and the rest is tried again: a
 * later star can absorb whatever an earlier one could, so no earlier star is ever revisited, and
 * each (star, start) pair is tried once. `steps`, when given, counts loop iterations (for tests).
 */
export function wildcardMatch(pattern: readonly string[], text: readonly string[], steps?: { count: number }): boolean {
  const m = pattern.length;
  const n = text.length;
  let p = 0;
  let s = 0;
  let star = -1;
  let mark = 0;
  let count = 0;
  while (s < n) {
    count++;
    const c = p < m ? pattern[p] : undefined;
    if (c !== undefined && c !== '*' && (c === '?' || c === text[s])) {
      p++;
      s++;
    } else if (c === '*') {
      star = p++;
      mark = s;
    } else if (star >= 0) {
      p = star + 1;
      s = ++mark;
    } else {
      if (steps) steps.count += count;
      return false;
    }
  }
  while (p < m && pattern[p] === '*') {
    count++;
    p++;
  }
  if (steps) steps.count += count;
  return p === m;
}
