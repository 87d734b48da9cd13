/**
 * A bulk load of a BlacklistIndex's tables (a batch of 10,000 entries or more, a lazy fuzzy build,
 * a rebuild). A near table that is empty when the load begins is filled at its end from its pairs
 * sorted by hash (PairBuffer, HashMultiMap.buildFrom): one sequential pass instead of a random
 * insert per pair. Ids freed meanwhile are held back by the record store (holdFreed), so a buffered
 * pair never names another entry; pairs of entries removed meanwhile are dropped at the end.
 */
import { type HashMultiMap, PairBuffer } from '../hashtable';

/** Load the tables are compacted to after a bulk load (they grow at 0.8). */
const COMPACT_LOAD = 0.75;

export interface BulkTables {
  exact: HashMultiMap;
  look: HashMultiMap;
  near1: HashMultiMap | null;
  near2: HashMultiMap | null;
}

export class BulkLoad {
  /** Pairs for near1 / near2 when that table was empty at the start; null: insert into the table. */
  readonly near1: PairBuffer | null;
  readonly near2: PairBuffer | null;

  /** `keys` entries with `units` key units in all are about to be filed in `t`. */
  constructor(
    t: BulkTables,
    private readonly keys: number,
    units: number,
  ) {
    this.near1 = t.near1 && t.near1.used === 0 ? new PairBuffer(keys + units) : null;
    this.near2 = t.near2 && t.near2.used === 0 ? new PairBuffer(Math.ceil((units * units) / Math.max(1, keys) / 2)) : null;
  }

  /** near1 values lose their run tags (the ids outgrew them): drop the tags of the buffered pairs. */
  untag(): void {
    const buf = this.near1;
    if (buf) for (let i = 0; i < buf.n; i++) buf.vals[i] = buf.vals[i]! >>> 8;
  }

  /**
   * Fills the buffered tables with the pairs of entries still live (`tagged`: near1 values are
   * (id << 8) | tag), and compacts the others when this load was a large part of what they hold
   * (tables filled one pair at a time keep the slack growth leaves; compacting costs a pass).
   */
  finish(t: BulkTables, tagged: boolean, isLive: (id: number) => boolean, live: number): void {
    if (this.near1) {
      const buf = this.near1;
      buf.filter((v) => isLive(tagged ? v >>> 8 : v));
      buf.sort();
      t.near1!.buildFrom(buf.keys, buf.vals, buf.n, COMPACT_LOAD);
    }
    if (this.near2) {
      const buf = this.near2;
      buf.filter(isLive);
      buf.sort();
      t.near2!.buildFrom(buf.keys, buf.vals, buf.n, COMPACT_LOAD);
    }
    if (this.keys * 4 >= live) {
      t.exact.compact(COMPACT_LOAD);
      t.look.compact(COMPACT_LOAD);
      if (t.near1 && !this.near1) t.near1.compact(COMPACT_LOAD);
      if (t.near2 && !this.near2) t.near2.compact(COMPACT_LOAD);
    }
  }
}
