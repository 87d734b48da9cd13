/**
 * Deletion variants for the near tables (symmetric delete): two keys within Levenshtein distance k
 * share a string made of at most k deletions from each. Hashes only; no string is built.
 *
 * near1 tags (low 8 bits of a value): bit 7 set for a 1-deletion variant (clear for the key
 * itself); bits 0-3 the first position of the run of equal units the deletion is from (15: 15 or
 * more), bits 4-6 the run length - 1 (7: 8 or more).
 */
import { hashUnits, type SmallHashSet } from '../hashtable';

export const TAG_LEVEL1 = 0x80;
/** Ids up to this fit beside a tag in a near1 value ((id << 8) | tag). */
export const MAX_TAGGED_IDS = 1 << 23;

export function runTag(start: number, length: number): number {
  return (start < 15 ? start : 15) | ((length - 1 < 7 ? length - 1 : 7) << 4);
}

/** Whether two runs (as runTag) can hold the same position; a saturated field means "unknown", so yes. */
export function runsOverlap(a: number, b: number): boolean {
  const as = a & 15;
  const bs = b & 15;
  if (as === 15 || bs === 15) return true;
  const al = a >> 4;
  const bl = b >> 4;
  const ae = al === 7 ? Infinity : as + al;
  const be = bl === 7 ? Infinity : bs + bl;
  return as <= be && bs <= ae;
}

/**
 * Hashes of the distinct strings one deletion away from `a[off, off + len)` (deleting any unit
 * of a run of equal units gives the same string, so one per run), and in `runs` each one's
 * run as a 7-bit tag (see runTag). Fills and returns `out`.
 */
export function variants1(a: Uint16Array, off: number, len: number, out: number[], runs: number[]): number[] {
  out.length = 0;
  runs.length = 0;
  for (let i = 0; i < len; i++) {
    if (i > 0 && a[off + i] === a[off + i - 1]) continue;
    let end = i;
    while (end + 1 < len && a[off + end + 1] === a[off + i]) end++;
    out.push(hashUnits(a, off, len, i, -1));
    runs.push(runTag(i, end - i + 1));
  }
  return out;
}

/** Hashes of the distinct strings two deletions away from `a[off, off + len)`; `seen` is scratch. */
export function variants2(a: Uint16Array, off: number, len: number, out: number[], seen: SmallHashSet): number[] {
  out.length = 0;
  seen.reset();
  for (let i = 0; i < len; i++) {
    for (let j = i + 1; j < len; j++) {
      const h = hashUnits(a, off, len, i, j);
      if (seen.add(h)) out.push(h);
    }
  }
  return out;
}
