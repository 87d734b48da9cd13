/**
 * Pattern entries: a `plate_number` with `*` (any run, possibly empty) and `?` (exactly one
 * character). The pattern applies to the normalized key of a read, so its literal parts are
 * normalized the same way (`ab-*` becomes `AB*`). Each pattern is compiled once to an anchored
 * RegExp in which every literal character is escaped: a pattern can never inject regex syntax.
 */
import { foldPlateChars } from './normalize';

export interface CompiledPattern {
  /** The normalized pattern, e.g. `AB*`, `?B1234`. */
  key: string;
  regex: RegExp;
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

const REGEX_SYNTAX = /[\\^$.*+?()[\]{}|/]/g;

/** Compiles a normalized pattern key; null when it has no literal character (`*`, `??`). */
export function compilePattern(key: string): CompiledPattern | null {
  let source = '^';
  let literalUnits = 0;
  let singles = 0;
  let star = false;
  for (const ch of key) {
    if (ch === '*') {
      star = true;
      source += '[^]*';
    } else if (ch === '?') {
      singles++;
      source += '[^]';
    } else {
      literalUnits += ch.length;
      source += ch.replace(REGEX_SYNTAX, '\\$&');
    }
  }
  if (literalUnits === 0) return null;
  const literal = (c: string) => c !== '' && c !== '*' && c !== '?';
  const prefixLength = literal(key.charAt(0)) ? (literal(key.charAt(1)) ? 2 : 1) : 0;
  const suffixLength = literal(key.charAt(key.length - 1)) ? (key.length > 1 && literal(key.charAt(key.length - 2)) ? 2 : 1) : 0;
  return {
    key,
    regex: new RegExp(source + '$', 'u'),
    minLength: literalUnits + singles,
    maxLength: star ? Infinity : literalUnits + 2 * singles,
    prefix: prefixLength ? key.slice(0, prefixLength) : null,
    suffix: suffixLength ? key.slice(key.length - suffixLength) : null,
  };
}
