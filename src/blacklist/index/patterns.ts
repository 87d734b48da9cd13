/**
 * The pattern entries of a BlacklistIndex (`*`, `?`). They are few (an operator's wildcards, not
 * the bulk of a list) and tested per read, each compiled once (pattern.ts). Filed under their
 * literal start (1-2 characters), else their literal end, so a read only tests the patterns that
 * start or end as it does, plus those with wildcards at both ends.
 */
import { wildcardMatch, type CompiledPattern } from '../pattern';

interface PatternSlot {
  id: number;
  pattern: CompiledPattern;
}

function pushTo(map: Map<string, PatternSlot[]>, key: string, slot: PatternSlot): void {
  const list = map.get(key);
  if (list) list.push(slot);
  else map.set(key, [slot]);
}

function removeFrom(map: Map<string, PatternSlot[]>, key: string, id: number): void {
  const list = map.get(key);
  if (!list) return;
  const i = list.findIndex((s) => s.id === id);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) map.delete(key);
}

export class PatternTable {
  count = 0;
  private byKey = new Map<string, PatternSlot[]>();
  private byPrefix = new Map<string, PatternSlot[]>();
  private bySuffix = new Map<string, PatternSlot[]>();
  private floating: PatternSlot[] = [];

  add(id: number, key: string, pattern: CompiledPattern): void {
    const slot: PatternSlot = { id, pattern };
    pushTo(this.byKey, key, slot);
    if (pattern.prefix !== null) pushTo(this.byPrefix, pattern.prefix, slot);
    else if (pattern.suffix !== null) pushTo(this.bySuffix, pattern.suffix, slot);
    else this.floating.push(slot);
    this.count++;
  }

  remove(id: number, key: string): void {
    const slot = this.byKey.get(key)?.find((s) => s.id === id);
    removeFrom(this.byKey, key, id);
    if (slot?.pattern.prefix != null) removeFrom(this.byPrefix, slot.pattern.prefix, id);
    else if (slot?.pattern.suffix != null) removeFrom(this.bySuffix, slot.pattern.suffix, id);
    else {
      const i = this.floating.findIndex((s) => s.id === id);
      if (i >= 0) this.floating.splice(i, 1);
    }
    this.count--;
  }

  /** Ids of the patterns whose key is exactly `key` (a fresh array: callers may remove while iterating). */
  idsWithKey(key: string): number[] {
    return (this.byKey.get(key) ?? []).map((s) => s.id);
  }

  /** Appends to `out` the ids of the patterns that match `key` (a read's key). */
  collectMatches(key: string, out: number[]): void {
    const n = key.length;
    const p1 = this.byPrefix.get(key.charAt(0));
    if (p1) matches(p1, key, out);
    const p2 = n >= 2 ? this.byPrefix.get(key.slice(0, 2)) : undefined;
    if (p2) matches(p2, key, out);
    const s1 = this.bySuffix.get(key.charAt(n - 1));
    if (s1) matches(s1, key, out);
    const s2 = n >= 2 ? this.bySuffix.get(key.slice(n - 2)) : undefined;
    if (s2) matches(s2, key, out);
    matches(this.floating, key, out);
  }
}

/** Linear-time wildcard matching (no regular expression: a hostile pattern cannot stall a read). */
function matches(slots: PatternSlot[], key: string, out: number[]): void {
  const len = key.length;
  let chars: string[] | null = null;
  for (let i = 0; i < slots.length; i++) {
    const { id, pattern } = slots[i]!;
    if (len < pattern.minLength || len > pattern.maxLength) continue;
    if (wildcardMatch(pattern.chars, (chars ??= Array.from(key)))) out.push(id);
  }
}
