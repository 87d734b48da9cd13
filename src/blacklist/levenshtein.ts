/**
 * Bounded Levenshtein distance over UTF-16 code units (plate keys are Latin, digits and Thai, all
 * in the Basic Multilingual Plane, so this is the distance in characters).
 */

let rowA = new Int32Array(64);
let rowB = new Int32Array(64);
let unitsA: Uint16Array = new Uint16Array(64);
let unitsB: Uint16Array = new Uint16Array(64);

/**
 * The edit distance between `a[aOff, aOff + n)` and `b[bOff, bOff + m)` (insert, delete,
 * substitute; each costs 1) if it is at most `k`, else `k + 1`. Strips the common prefix and
 * suffix, and stops as soon as a whole row of the table exceeds `k`; for plate keys and k <= 2
 * this is a few dozen steps. Works on code-unit arrays so the index can compare a read with a key
 * stored in a typed array without building a string.
 */
export function boundedLevenshteinUnits(a: Uint16Array, aOff: number, n: number, b: Uint16Array, bOff: number, m: number, k: number): number {
  if (n - m > k || m - n > k) return k + 1;
  while (n > 0 && m > 0 && a[aOff] === b[bOff]) {
    aOff++;
    bOff++;
    n--;
    m--;
  }
  while (n > 0 && m > 0 && a[aOff + n - 1] === b[bOff + m - 1]) {
    n--;
    m--;
  }
  if (n === 0) return m <= k ? m : k + 1;
  if (m === 0) return n <= k ? n : k + 1;
  if (m + 1 > rowA.length) {
    rowA = new Int32Array(2 * (m + 1));
    rowB = new Int32Array(2 * (m + 1));
  }
  let prev = rowA;
  let cur = rowB;
  for (let j = 0; j <= m; j++) prev[j] = j;
  for (let i = 1; i <= n; i++) {
    const ca = a[aOff + i - 1];
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= m; j++) {
      const sub = prev[j - 1]! + (ca === b[bOff + j - 1] ? 0 : 1);
      const del = prev[j]! + 1;
      const ins = cur[j - 1]! + 1;
      const v = sub < del ? (sub < ins ? sub : ins) : del < ins ? del : ins;
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > k) return k + 1;
    const t = prev;
    prev = cur;
    cur = t;
  }
  const d = prev[m]!;
  return d <= k ? d : k + 1;
}

/** Copies the code units of `s` into `into` (grown when too small); returns the array used. */
export function toUnits(s: string, into: Uint16Array): Uint16Array {
  const out = into.length >= s.length ? into : new Uint16Array(2 * s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The edit distance between two strings if at most `k`, else `k + 1`. */
export function boundedLevenshtein(a: string, b: string, k: number): number {
  unitsA = toUnits(a, unitsA);
  unitsB = toUnits(b, unitsB);
  return boundedLevenshteinUnits(unitsA, 0, a.length, unitsB, 0, b.length, k);
}
