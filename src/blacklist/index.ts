/**
 * BlacklistIndex: the watch list behind `lpr-blacklist`, built so a read never scans the list.
 *
 * Keys. Each entry's `plate_number` is normalized once on add (`normalizePlate`; a pattern's
 * literal parts likewise, see pattern.ts) and its province resolved once (`provinceCode`). A read
 * goes through `parsePlate` / `provinceCode` and is compared key to key.
 *
 * Structures. Every hash table maps 32-bit hashes to entry ids in typed arrays (hashtable.ts); no
 * table holds a string, and every hit is verified against the entry's key.
 * - exact table: hash(key) -> id. Exact match and upsert identity: O(1).
 * - look-alike table: hash(lookalikeKey(key)) -> id, only for keys that differ from their
 *   look-alike key (a key made only of class representatives is found in the exact table under
 *   the read's look-alike key). Look-alike match: O(1) lookups plus `substitutions` on the few
 *   entries that share the read's look-alike key.
 * - near tables (symmetric delete, for fuzzy matching): level 0+1 holds every key and its distinct
 *   1-deletion variants, level 2 its 2-deletion variants. Two keys within Levenshtein distance k
 *   share a string made of at most k deletions from each, so a read probes its own key and
 *   deletion variants (1 + L probes for k = 1, about L²/2 more for k = 2) and verifies each
 *   candidate with a bounded Levenshtein. The cost depends on the key length and on how many
 *   entries share a variant, not on the list size. Each level-1 pair carries an 8-bit tag (the
 *   run of equal characters the deletion came from), so a read skips, without touching the
 *   entry, the candidates whose one deletion is elsewhere than its own (distance 2, not 1).
 *   For k = 2 the level-2 probes run only when no distance-1 match was found.
 *   The levels are built on add when the constructor asks for them; otherwise on the first fuzzy
 *   query that needs them (one pass over the list: about 1 s for level 1 and 2 s for level 2
 *   at 1,000,000 entries, blocking), and kept current from then on. A load of 10,000 entries or
 *   more fills empty tables from sorted pairs in one pass, and compacts the others.
 *   Memory at 1,000,000 plates (bench/blacklist.ts): about 137 bytes an entry with level 1, 146
 *   more with level 2, besides the entry objects.
 * - patterns: kept apart (they are few: an operator's wildcards, not the bulk of a list) and
 *   tested per read, each compiled once to an escaped, anchored RegExp. Filed under their literal
 *   start (1-2 characters), else their literal end, so a read only tests the patterns that start
 *   or end as it does, plus those with wildcards at both ends.
 * - per entry, one 32-byte record in an ArrayBuffer: the key's first 8 code units (plate keys are
 *   5-8 characters; longer keys and patterns keep their key string in a Map), key length, expiry
 *   (ms), province code (index into a small table), priority, flags and recency. Verifying a
 *   candidate touches that one record, not a string on the heap. Plus the entry object itself.
 *   Ids of removed entries are reused.
 *
 * Matching. Per entry the match type is the first enabled one that accepts it:
 * exact (same key, distance 0); look-alike (same length and look-alike key, 1..maxSubstitutions
 * substitutions, distance = substitutions); fuzzy (1 <= Levenshtein <= maxDistance on the keys,
 * in UTF-16 code units); pattern (pattern entries only, distance 0). With `exact` off an identical
 * key matches nothing. The best match wins: type exact < lookalike < fuzzy < pattern, then
 * distance, then province outcome true < null < false, then priority critical > high > medium >
 * low/none, then the most recently added. `requireProvince` keeps only province_match === true.
 * Because the type ranks first, a read stops looking once a stage has found something better
 * than the next stage can: an exact hit never runs the fuzzy or pattern stages.
 *
 * Expiry: an entry whose `expires_at` is at or before `now` never matches, purged or not;
 * `purgeExpired` drops them and `entries()` leaves them out. `size` counts entries held,
 * including expired ones not yet purged. An `expires_at` that does not parse is ignored.
 *
 * Layout: this file holds the matching (the stages and the ranking); ./index/ the parts it uses:
 * record-store.ts (the 32-byte records), plate-tables.ts (the exact, look-alike and near tables),
 * bulk-load.ts (filling them in one pass), deletion-variants.ts (the near tables' hashes and tags), patterns.ts (the
 * wildcard entries) and province-ids.ts (province codes as record ids).
 *
 * Pure and synchronous: no Node-RED import, no I/O.
 */
import type { BlacklistEntry } from '../protocol/schemas/blacklist';
import { readTimestamp } from '../protocol/timestamp';
import { SmallHashSet } from './hashtable';
import { boundedLevenshteinUnits, toUnits } from './levenshtein';
import { lookalikeKey, normalizePlate, parsePlateInto, plateKeyScratch, substitutions } from './normalize';
import { compilePattern, isPatternPlate, patternKey, type CompiledPattern } from './pattern';
import { PatternTable } from './index/patterns';
import { BULK, PlateTables } from './index/plate-tables';
import { ProvinceIds } from './index/province-ids';
import { F_LIVE, F_PATTERN, INLINE_UNITS, RECORD_BYTES, RecordStore } from './index/record-store';

export interface MatchOptions {
  exact: boolean;
  lookalike: boolean;
  /** Most look-alike substitutions accepted (default 1). */
  maxSubstitutions: number;
  fuzzy: boolean;
  /** Most Levenshtein edits accepted by fuzzy matching. */
  maxDistance: 1 | 2;
  pattern: boolean;
  /** Only matches whose province is known on both sides and equal. */
  requireProvince: boolean;
}

export const DEFAULT_MATCH_OPTIONS: MatchOptions = Object.freeze({
  exact: true,
  lookalike: true,
  maxSubstitutions: 1,
  fuzzy: false,
  maxDistance: 1,
  pattern: true,
  requireProvince: false,
});

export interface IndexedEntry {
  id: number;
  entry: BlacklistEntry;
  /** normalizePlate(plate_number), or the normalized pattern. */
  key: string;
  /** provinceCode(entry.province). */
  province: string | null;
  /** ms since the epoch; Infinity if none. */
  expiresAt: number;
  isPattern: boolean;
}

export type MatchType = 'exact' | 'lookalike' | 'fuzzy' | 'pattern';

export interface MatchResult {
  entry: BlacklistEntry;
  type: MatchType;
  distance: number;
  province_match: boolean | null;
  /** The matched entry's key (normalized plate or pattern). */
  key: string;
}

export interface IndexStats {
  entries: number;
  patterns: number;
  /** Deletion levels built (0, 1 or 2). */
  fuzzyDepth: number;
  /** Bytes of the typed arrays: hash tables and entry records (entry objects and long keys not included). */
  tableBytes: { exact: number; lookalike: number; near1: number; near2: number; records: number };
}

const TYPES: readonly MatchType[] = ['exact', 'lookalike', 'fuzzy', 'pattern'];
const T_EXACT = 0;
const T_LOOKALIKE = 1;
const T_FUZZY = 2;
const T_PATTERN = 3;

const PRIORITY_RANK: Readonly<Record<string, number>> = { low: 0, medium: 1, high: 2, critical: 3 };

/** Keys longer than this are not indexed (plate_number is at most 32 characters). */
const MAX_KEY_UNITS = 255;

/**
 * The expiry instant, by the protocol's timestamp rules: a zone-less time is read in the site time
 * zone (not the server's, as Date.parse would); none, or one that does not parse, never expires.
 */
export function parseExpiry(value: unknown, timeZone = 'UTC'): number {
  return readTimestamp(value, timeZone)?.ms ?? Infinity;
}

export class BlacklistIndex {
  private records = new RecordStore();
  private provinces = new ProvinceIds();
  private tables: PlateTables;
  private patterns = new PatternTable();

  // Scratch, reused by every call (the index is synchronous).
  private found: number[] = [];
  private sameKey: number[] = [];
  /** Ids already weighed for the current read. */
  private weighed = new SmallHashSet();
  private longUnits: Uint16Array = new Uint16Array(64);

  // The read being matched.
  private readonly parsed = plateKeyScratch();
  private rKey = '';
  private rUnits: Uint16Array = new Uint16Array(64);
  private rProv = 0;
  private now = 0;
  private opts: MatchOptions = DEFAULT_MATCH_OPTIONS;
  private maxSubs = 1;
  private k = 1;
  private bestId = -1;
  private bestType = 0;
  private bestDist = 0;
  private bestProv = 0;
  readonly timeZone: string;

  /**
   * `fuzzyMaxDistance`: deletion levels to build as entries are added (0: none until a fuzzy
   * query asks). `taggedIdLimit` is for tests only: the id count above which near1 drops its tags.
   * `timeZone`: the site time zone a zone-less `expires_at` is read in (default UTC).
   */
  constructor(opts?: { fuzzyMaxDistance?: 0 | 1 | 2; taggedIdLimit?: number; timeZone?: string }) {
    this.timeZone = opts?.timeZone ?? 'UTC';
    const d = opts?.fuzzyMaxDistance ?? 0;
    this.tables = new PlateTables(this.records, d >= 2 ? 2 : d >= 1 ? 1 : 0, opts?.taggedIdLimit);
  }

  /** When `entry` expires, ms since the epoch (Infinity: never). */
  expiryOf(entry: Pick<BlacklistEntry, 'expires_at'>): number {
    return parseExpiry(entry.expires_at, this.timeZone);
  }

  /** Entries held (patterns included; expired ones count until purged). */
  get size(): number {
    return this.records.live;
  }

  /**
   * Adds entries; one with the same normalized key, province code and list as an entry held
   * replaces it (and counts as the most recently added). Entries whose plate normalizes to
   * nothing (or to more than 255 characters), and patterns with no literal character (`*`, `??`),
   * are skipped. Returns how many were added or replaced.
   */
  add(entries: BlacklistEntry[]): number {
    this.records.reserve(entries.length);
    const bulk = entries.length >= BULK;
    if (bulk) {
      let units = 0;
      for (const e of entries) units += typeof e?.plate_number === 'string' ? Math.min(e.plate_number.length, 16) : 0;
      this.tables.beginBulk(entries.length, units, true);
    }
    let n = 0;
    for (const entry of entries) if (this.addOne(entry)) n++;
    if (bulk) this.tables.endBulk();
    return n;
  }

  /** Removes entries by normalized key, and by province code and list when given. Returns how many. */
  remove(entries: Array<Pick<BlacklistEntry, 'plate_number' | 'province' | 'list'>>): number {
    const records = this.records;
    let n = 0;
    for (const r of entries) {
      if (typeof r?.plate_number !== 'string') continue;
      const pattern = isPatternPlate(r.plate_number);
      const key = pattern ? patternKey(r.plate_number) : normalizePlate(r.plate_number);
      if (!key) continue;
      const byProvince = r.province !== undefined;
      const prov = byProvince ? this.provinces.idOf(this.provinces.codeOf(r.province), false) : 0;
      if (prov === -1) continue; // a province no entry has
      for (const id of this.idsWithKey(key, pattern)) {
        if (byProvince && records.provOf(id) !== prov) continue;
        if (r.list !== undefined && records.entryOf[id]!.list !== r.list) continue;
        this.removeId(id);
        n++;
      }
    }
    return n;
  }

  /** Replaces the whole list (the fuzzy depth built so far is kept). */
  replace(entries: BlacklistEntry[]): void {
    this.records.clear();
    this.tables.reset();
    this.patterns = new PatternTable();
    this.add(entries);
  }

  /** The entries held and not expired at `now`, in no particular order. */
  entries(now: number = Date.now()): BlacklistEntry[] {
    const r = this.records;
    const out: BlacklistEntry[] = [];
    for (let id = 0; id < r.highWater; id++) {
      if (r.isLive(id) && r.expiresOf(id) > now) out.push(r.entryOf[id]!);
    }
    return out;
  }

  /** The entries held with their derived fields (diagnostics and tests). */
  indexedEntries(): IndexedEntry[] {
    const r = this.records;
    const out: IndexedEntry[] = [];
    for (let id = 0; id < r.highWater; id++) {
      const flags = r.flagsOf(id);
      if (!(flags & F_LIVE)) continue;
      out.push({
        id,
        entry: r.entryOf[id]!,
        key: r.keyString(id),
        province: this.provinces.codeAt(r.provOf(id)),
        expiresAt: r.expiresOf(id),
        isPattern: (flags & F_PATTERN) !== 0,
      });
    }
    return out;
  }

  /** Drops every entry expired at `now`; returns how many. */
  purgeExpired(now: number): number {
    const r = this.records;
    const expired: number[] = [];
    for (let id = 0; id < r.highWater; id++) {
      if (r.isLive(id) && r.expiresOf(id) <= now) expired.push(id);
    }
    if (expired.length > 1024 && expired.length > r.live / 8) {
      // Many at once: drop the records and rebuild the tables from what is left.
      for (const id of expired) {
        if (r.flagsOf(id) & F_PATTERN) this.removeId(id);
        else r.free(id);
      }
      this.tables.rebuild();
    } else {
      for (const id of expired) this.removeId(id);
    }
    return expired.length;
  }

  stats(): IndexStats {
    const t = this.tables;
    return {
      entries: this.records.live,
      patterns: this.patterns.count,
      fuzzyDepth: t.depth,
      tableBytes: {
        exact: t.exact.bytes,
        lookalike: t.look.bytes,
        near1: t.near1?.bytes ?? 0,
        near2: t.near2?.bytes ?? 0,
        records: this.records.u8.byteLength,
      },
    };
  }

  /**
   * Builds the edit-distance index up to `k` now, rather than on the first fuzzy read (at a million
   * entries that first read would otherwise stall the event loop for a second or two).
   */
  prepareFuzzy(k: 1 | 2): void {
    this.tables.ensureDepth(k);
  }

  /**
   * The best match for a read, or null. `province` (any spelling provinceCode knows) wins over a
   * province found in the plate text; the latter is used when none is given or it is not known.
   */
  match(plate: string, province: string | null | undefined, options: MatchOptions, now: number = Date.now()): MatchResult | null {
    const parsed = parsePlateInto(plate, this.parsed);
    const key = parsed.key;
    if (!key) return null;
    const code = (province ? this.codeOf(province) : null) ?? parsed.province;
    this.rKey = key;
    this.rUnits = toUnits(key, this.rUnits);
    this.rProv = this.provinces.lookup(code);
    // Unknown, or no entry has it: no match can have province_match === true.
    if (options.requireProvince && this.rProv <= 0) return null;
    this.now = now;
    this.opts = options;
    this.maxSubs = options.maxSubstitutions >= 0 ? Math.floor(options.maxSubstitutions) : 0;
    this.k = options.maxDistance >= 2 ? 2 : 1;
    this.bestId = -1;
    this.weighed.reset();

    const found = this.found;
    if (options.exact) {
      found.length = 0;
      this.tables.collectExact(key, found);
      for (let i = 0; i < found.length; i++) this.considerKeyed(found[i]!);
    }
    // Stage t finds every entry of type t (and weighs any other it meets at its true type), so
    // once the best held is of a better type than t, stage t and later ones cannot improve it.
    if (this.worthStage(T_LOOKALIKE) && options.lookalike && this.maxSubs >= 1) {
      const look = lookalikeKey(key);
      found.length = 0;
      // Keys equal to the read's look-alike key; when that is the read itself the exact stage saw them.
      this.tables.collectLookalike(look, look !== key || !options.exact, found);
      for (let i = 0; i < found.length; i++) this.considerKeyed(found[i]!);
    }
    if (this.worthStage(T_FUZZY) && options.fuzzy && this.records.live > this.patterns.count) this.fuzzyStage();
    if (this.worthStage(T_PATTERN) && options.pattern && this.patterns.count > 0) this.patternStage(key);

    if (this.bestId < 0) return null;
    const id = this.bestId;
    return {
      entry: this.records.entryOf[id]!,
      type: TYPES[this.bestType]!,
      distance: this.bestDist,
      province_match: this.bestProv === 0 ? true : this.bestProv === 2 ? false : null,
      key: this.records.keyString(id),
    };
  }

  // ---- matching ----

  private fuzzyStage(): void {
    const k = this.k;
    this.tables.ensureDepth(k);
    const found = this.found;
    const units = this.rUnits;
    const len = this.rKey.length;
    // Levels 0-1 on both sides find every entry within distance 1 ...
    found.length = 0;
    this.tables.collectNear1(units, len, found);
    for (let i = 0; i < found.length; i++) this.considerKeyed(found[i]!);
    if (k < 2 || (this.bestId >= 0 && (this.bestType < T_FUZZY || this.bestDist <= 1))) return;
    // ... and, for k = 2 when none was found, level 2 the rest.
    found.length = 0;
    this.tables.collectNear2(units, len, found);
    for (let i = 0; i < found.length; i++) this.considerKeyed(found[i]!);
  }

  private patternStage(key: string): void {
    const found = this.found;
    found.length = 0;
    this.patterns.collectMatches(key, found);
    for (let i = 0; i < found.length; i++) this.offer(found[i]!, T_PATTERN, 0);
  }

  /** Classifies one keyed (non-pattern) entry against the read and offers it. */
  private considerKeyed(id: number): void {
    if (!this.weighed.add(id)) return;
    const records = this.records;
    const len = records.u8[id * RECORD_BYTES + 26]!;
    let units = records.u16;
    let off = id * (RECORD_BYTES / 2);
    if (len > INLINE_UNITS) {
      units = this.longUnits = toUnits(records.keyString(id), this.longUnits);
      off = 0;
    }
    const r = this.rUnits;
    const rLen = this.rKey.length;
    const o = this.opts;
    if (len === rLen) {
      let diff = 0;
      for (let i = 0; i < len; i++) if (units[off + i] !== r[i]) diff++;
      if (diff === 0) {
        if (o.exact) this.offer(id, T_EXACT, 0);
        return;
      }
      // Look-alike only when few enough positions differ; `substitutions` says whether they are look-alikes.
      if (o.lookalike && diff <= this.maxSubs && substitutions(this.rKey, records.keyString(id)) === diff) {
        this.offer(id, T_LOOKALIKE, diff);
        return;
      }
    }
    if (o.fuzzy) {
      const d = boundedLevenshteinUnits(r, 0, rLen, units, off, len, this.k);
      if (d <= this.k) this.offer(id, T_FUZZY, d);
    }
  }

  /** Whether a match of type `t` could still beat the best so far. */
  private worthStage(t: number): boolean {
    return this.bestId < 0 || this.bestType >= t;
  }

  private offer(id: number, type: number, dist: number): void {
    const records = this.records;
    if (records.expiresOf(id) <= this.now) return;
    const p = records.provOf(id);
    const rp = this.rProv;
    const prov = p === 0 || rp === 0 ? 1 : p === rp ? 0 : 2;
    if (prov !== 0 && this.opts.requireProvince) return;
    const best = this.bestId;
    if (best >= 0) {
      if (type !== this.bestType) {
        if (type > this.bestType) return;
      } else if (dist !== this.bestDist) {
        if (dist > this.bestDist) return;
      } else if (prov !== this.bestProv) {
        if (prov > this.bestProv) return;
      } else {
        const pr = records.priorityOf(id);
        const bp = records.priorityOf(best);
        if (pr !== bp) {
          if (pr < bp) return;
        } else if (records.seqOf(id) < records.seqOf(best)) return;
      }
    }
    this.bestId = id;
    this.bestType = type;
    this.bestDist = dist;
    this.bestProv = prov;
  }

  // ---- adding and removing ----

  private addOne(entry: BlacklistEntry): boolean {
    const plate = entry?.plate_number;
    if (typeof plate !== 'string') return false;
    const isPattern = isPatternPlate(plate);
    const key = isPattern ? patternKey(plate) : normalizePlate(plate);
    if (!key || key.length > MAX_KEY_UNITS) return false;
    let compiled: CompiledPattern | null = null;
    if (isPattern) {
      compiled = compilePattern(key);
      if (!compiled) return false;
    }
    const records = this.records;
    const prov = this.provinces.idOf(this.provinces.codeOf(entry.province), true);
    if (isPattern) {
      for (const id of this.patterns.idsWithKey(key)) if (records.provOf(id) === prov && records.entryOf[id]!.list === entry.list) this.removeId(id);
    } else {
      const same = this.sameKey;
      same.length = 0;
      this.tables.collectExact(key, same);
      for (let i = 0; i < same.length; i++) {
        const id = same[i]!;
        if (records.keyEquals(id, key) && records.provOf(id) === prov && records.entryOf[id]!.list === entry.list) this.removeId(id);
      }
    }

    this.tables.beforeAllocate();
    const id = records.allocate(entry, key, isPattern, prov, this.expiryOf(entry), PRIORITY_RANK[entry.priority ?? 'low'] ?? 0);
    if (compiled) this.patterns.add(id, key, compiled);
    else this.tables.insertKeyed(id, key);
    return true;
  }

  private removeId(id: number): void {
    const key = this.records.keyString(id);
    if (this.records.flagsOf(id) & F_PATTERN) this.patterns.remove(id, key);
    else this.tables.removeKeyed(id, key);
    this.records.free(id);
  }

  /** Ids held under exactly `key` (a fresh array: callers may remove while iterating). */
  private idsWithKey(key: string, isPattern: boolean): number[] {
    if (isPattern) return this.patterns.idsWithKey(key);
    const out: number[] = [];
    this.tables.collectExact(key, out);
    return out.filter((id) => this.records.keyEquals(id, key));
  }

  private codeOf(name: string | null | undefined): string | null {
    return this.provinces.codeOf(name);
  }
}
