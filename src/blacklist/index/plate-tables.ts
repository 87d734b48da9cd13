/**
 * The four hash tables of a BlacklistIndex, over the keyed (non-pattern) entries of a RecordStore.
 * Each maps 32-bit hashes to entry ids in typed arrays (hashtable.ts); no table holds a string, and
 * the caller verifies every hit against the entry's record.
 * - exact: hash(key) -> id.
 * - look-alike: hash(lookalikeKey(key)) -> id, only for keys that differ from their look-alike key
 *   (a key made only of class representatives is found in the exact table under it).
 * - near1 (levels 0 and 1: the key and its distinct 1-deletion variants, each tagged with its run,
 *   see deletion-variants.ts) and near2 (2-deletion variants), for fuzzy matching; built on add when
 *   `depth` asks for them, else on the first fuzzy query (ensureDepth), and kept current from then on.
 *
 * Bulk loads (beginBulk/endBulk, see bulk-load.ts) buffer the pairs of empty near tables and build
 * them in one pass at the end.
 */
import { HashMultiMap, SmallHashSet, hashString, hashUnits } from '../hashtable';
import { lookalikeKey } from '../normalize';
import { BulkLoad } from './bulk-load';
import { MAX_TAGGED_IDS, runsOverlap, TAG_LEVEL1, variants1, variants2 } from './deletion-variants';
import type { RecordStore } from './record-store';

/** A batch this large is a bulk load: the tables are compacted after it. */
export const BULK = 10_000;

export class PlateTables {
  exact = new HashMultiMap();
  look = new HashMultiMap();
  near1: HashMultiMap | null = null;
  near2: HashMultiMap | null = null;
  depth: 0 | 1 | 2;
  /** The bulk load in progress, if any. */
  private bulk: BulkLoad | null = null;
  /** near1 values carry a run tag: (id << 8) | tag, while ids fit in 23 bits; plain ids after. */
  tagged: boolean;
  private readonly taggedIdLimit: number;

  // Scratch, reused by every call (the index is synchronous).
  private hashes1: number[] = [];
  private hashes2: number[] = [];
  private runs1: number[] = [];
  private codes: number[] = [];
  private seen = new SmallHashSet();

  constructor(
    private readonly records: RecordStore,
    depth: 0 | 1 | 2,
    taggedIdLimit: number | undefined,
  ) {
    this.taggedIdLimit = Math.min(taggedIdLimit ?? MAX_TAGGED_IDS, MAX_TAGGED_IDS);
    this.tagged = this.taggedIdLimit > 0;
    this.depth = depth;
    if (depth >= 1) this.near1 = new HashMultiMap();
    if (depth >= 2) this.near2 = new HashMultiMap();
  }

  /** Empties every table (the depth built so far is kept). */
  reset(): void {
    this.exact = new HashMultiMap();
    this.look = new HashMultiMap();
    this.near1 = this.depth >= 1 ? new HashMultiMap() : null;
    this.near2 = this.depth >= 2 ? new HashMultiMap() : null;
    this.tagged = this.taggedIdLimit > 0;
  }

  /** Call before allocating a record: once new ids no longer fit beside a tag, near1 holds plain ids. */
  beforeAllocate(): void {
    const r = this.records;
    if (!this.tagged || !r.nextIdIsNew || r.highWater < this.taggedIdLimit) return;
    this.tagged = false;
    if (this.bulk?.near1) this.bulk.untag();
    else if (this.near1) {
      this.near1 = new HashMultiMap();
      for (let id = 0; id < r.highWater; id++) if (r.isKeyed(id)) this.insertVariants(id, 1, 1);
    }
  }

  // ---- filing ----

  /** Files a keyed entry in the exact, look-alike and near tables. */
  insertKeyed(id: number, key: string): void {
    this.exact.insert(hashString(key), id);
    const look = lookalikeKey(key);
    if (look !== key) this.look.insert(hashString(look), id);
    if (this.depth >= 1) this.insertVariants(id, 1, this.depth);
  }

  removeKeyed(id: number, key: string): void {
    this.exact.remove(hashString(key), id);
    const look = lookalikeKey(key);
    if (look !== key) this.look.remove(hashString(look), id);
    this.removeVariants(id);
  }

  /** Files entry `id` under its near-table variants of levels `from`..`to` (level 0, the key itself, lives in near1). */
  private insertVariants(id: number, from: number, to: number): void {
    const r = this.records;
    const len = r.keyLength(id);
    const units = r.unitsOf(id, len);
    const off = r.unitsOffset(id, len);
    if (from <= 1 && to >= 1) {
      const near1 = this.bulk?.near1 ?? this.near1!;
      const tagged = this.tagged;
      near1.insert(hashUnits(units, off, len, -1, -1), tagged ? id << 8 : id);
      const hs = variants1(units, off, len, this.hashes1, this.runs1);
      for (let i = 0; i < hs.length; i++) near1.insert(hs[i]!, tagged ? (id << 8) | TAG_LEVEL1 | this.runs1[i]! : id);
    }
    if (from <= 2 && to >= 2) {
      const near2 = this.bulk?.near2 ?? this.near2!;
      const hs = variants2(units, off, len, this.hashes2, this.seen);
      for (let i = 0; i < hs.length; i++) near2.insert(hs[i]!, id);
    }
  }

  private removeVariants(id: number): void {
    const r = this.records;
    const len = r.keyLength(id);
    const units = r.unitsOf(id, len);
    const off = r.unitsOffset(id, len);
    // During a bulk load an empty table's pairs are still buffered: dropped at the end.
    if (this.depth >= 1 && !this.bulk?.near1) {
      const near1 = this.near1!;
      const tagged = this.tagged;
      near1.remove(hashUnits(units, off, len, -1, -1), tagged ? id << 8 : id);
      const hs = variants1(units, off, len, this.hashes1, this.runs1);
      for (let i = 0; i < hs.length; i++) near1.remove(hs[i]!, tagged ? (id << 8) | TAG_LEVEL1 | this.runs1[i]! : id);
    }
    if (this.depth >= 2 && !this.bulk?.near2) {
      const hs = variants2(units, off, len, this.hashes2, this.seen);
      for (let i = 0; i < hs.length; i++) this.near2!.remove(hs[i]!, id);
    }
  }

  /** Builds the deletion levels up to `k` (once; later adds and removals keep them current). */
  ensureDepth(k: number): void {
    if (this.depth >= k) return;
    const r = this.records;
    const from = this.depth + 1;
    if (!this.near1) this.near1 = new HashMultiMap();
    if (k >= 2 && !this.near2) this.near2 = new HashMultiMap();
    const bulk = r.live >= BULK;
    if (bulk) this.beginBulk(r.live, r.live * 8);
    for (let id = 0; id < r.highWater; id++) if (r.isKeyed(id)) this.insertVariants(id, from, k);
    this.depth = k >= 2 ? 2 : 1;
    if (bulk) this.endBulk();
  }

  // ---- look-ups (append ids to `out`; the caller verifies each against its record) ----

  collectExact(key: string, out: number[]): void {
    this.exact.collect(hashString(key), out);
  }

  /** Entries whose look-alike key is `look`; those whose key is `look` itself only when `withExact`. */
  collectLookalike(look: string, withExact: boolean, out: number[]): void {
    const h = hashString(look);
    if (withExact) this.exact.collect(h, out);
    this.look.collect(h, out);
  }

  /**
   * Every entry within distance 1 of the read `units[0, len)` (and some at distance 2). Keeps the
   * read's 1-deletion hashes for collectNear2. Needs ensureDepth(1).
   */
  collectNear1(units: Uint16Array, len: number, out: number[]): void {
    const near1 = this.near1!;
    const codes = this.codes;
    const tagged = this.tagged;
    codes.length = 0;
    near1.collect(hashUnits(units, 0, len, -1, -1), codes);
    for (let c = 0; c < codes.length; c++) out.push(tagged ? codes[c]! >>> 8 : codes[c]!);
    const h1 = variants1(units, 0, len, this.hashes1, this.runs1);
    const runs = this.runs1;
    for (let i = 0; i < h1.length; i++) {
      codes.length = 0;
      near1.collect(h1[i]!, codes);
      for (let c = 0; c < codes.length; c++) {
        const code = codes[c]!;
        if (!tagged) {
          out.push(code);
          continue;
        }
        // Both sides one deletion away from the same string: distance 1 only when the deleted
        // positions can coincide (a substitution), i.e. the two runs they delete from overlap.
        if (code & TAG_LEVEL1 && !runsOverlap(runs[i]!, code & 0x7f)) continue;
        out.push(code >>> 8);
      }
    }
  }

  /**
   * The rest within distance 2 (a pair skipped by collectNear1, one deletion each at different
   * places, shares a level-2 variant). Call right after collectNear1 on the same read; needs ensureDepth(2).
   */
  collectNear2(units: Uint16Array, len: number, out: number[]): void {
    const near1 = this.near1!;
    const near2 = this.near2!;
    const codes = this.codes;
    const tagged = this.tagged;
    const h1 = this.hashes1;
    near2.collect(hashUnits(units, 0, len, -1, -1), out);
    for (let i = 0; i < h1.length; i++) near2.collect(h1[i]!, out);
    const h2 = variants2(units, 0, len, this.hashes2, this.seen);
    for (let i = 0; i < h2.length; i++) {
      codes.length = 0;
      near1.collect(h2[i]!, codes);
      for (let c = 0; c < codes.length; c++) out.push(tagged ? codes[c]! >>> 8 : codes[c]!);
      near2.collect(h2[i]!, out);
    }
  }

  // ---- bulk loads ----

  /** Sizes the tables for a load of `keys` entries (`units` key units in all) and starts buffering. */
  beginBulk(keys: number, units: number, reserve = false): void {
    if (reserve) {
      this.exact.reserve(keys);
      this.look.reserve(keys >> 1);
    }
    this.bulk = new BulkLoad(this, keys, units);
    this.records.holdFreed();
  }

  endBulk(): void {
    const r = this.records;
    this.bulk!.finish(this, this.tagged, (id) => r.isLive(id), r.live);
    this.bulk = null;
    r.releaseFreed();
  }

  /** New tables from the live keyed entries (after many records were freed at once). */
  rebuild(): void {
    const r = this.records;
    this.exact = new HashMultiMap(r.live);
    this.look = new HashMultiMap(r.live >> 1);
    this.near1 = this.depth >= 1 ? new HashMultiMap() : null;
    this.near2 = this.depth >= 2 ? new HashMultiMap() : null;
    this.beginBulk(r.live, r.live * 8);
    for (let id = 0; id < r.highWater; id++) if (r.isKeyed(id)) this.insertKeyed(id, r.keyString(id));
    this.endBulk();
  }
}
