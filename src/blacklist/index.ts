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
 * Pure and synchronous: no Node-RED import, no I/O.
 */
import type { BlacklistEntry } from '../protocol/schemas/blacklist';
import { readTimestamp } from '../protocol/timestamp';
import { HashMultiMap, PairBuffer, SmallHashSet, hashString, hashUnits } from './hashtable';
import { boundedLevenshteinUnits, toUnits } from './levenshtein';
import { lookalikeKey, normalizePlate, parsePlateInto, plateKeyScratch, substitutions } from './normalize';
import { compilePattern, isPatternPlate, patternKey, type CompiledPattern } from './pattern';
import { provinceCode } from './provinces';

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

// The 32-byte entry record, by view: u16[16 id + 0..7] key units; f64[4 id + 2] expiry;
// u16[16 id + 12] province id; u8[32 id + 26] key length; u8[32 id + 27] flags and priority;
// u32[8 id + 7] recency.
const RECORD_BYTES = 32;
const INLINE_UNITS = 8;
/** Keys longer than this are not indexed (plate_number is at most 32 characters). */
const MAX_KEY_UNITS = 255;
/** A batch this large is a bulk load: the tables are compacted after it. */
const BULK = 10_000;
/** Load the tables are compacted to after a bulk load (they grow at 0.8). */
const COMPACT_LOAD = 0.75;
const F_LIVE = 1;
const F_PATTERN = 2;
const PRIO_SHIFT = 4;

/**
 * near1 tags (low 8 bits of a value): bit 7 set for a 1-deletion variant (clear for the key
 * itself); bits 0-3 the first position of the run of equal units the deletion is from (15: 15 or
 * more), bits 4-6 the run length - 1 (7: 8 or more).
 */
const TAG_LEVEL1 = 0x80;
const MAX_TAGGED_IDS = 1 << 23;

function runTag(start: number, length: number): number {
  return (start < 15 ? start : 15) | ((length - 1 < 7 ? length - 1 : 7) << 4);
}

/** Whether two runs (as runTag) can hold the same position; a saturated field means "unknown", so yes. */
function runsOverlap(a: number, b: number): boolean {
  const as = a & 15;
  const bs = b & 15;
  if (as === 15 || bs === 15) return true;
  const al = a >> 4;
  const bl = b >> 4;
  const ae = al === 7 ? Infinity : as + al;
  const be = bl === 7 ? Infinity : bs + bl;
  return as <= be && bs <= ae;
}

interface PatternSlot {
  id: number;
  pattern: CompiledPattern;
}

/**
 * The expiry instant, by the protocol's timestamp rules: a zone-less time is read in the site time
 * zone (not the server's, as Date.parse would); none, or one that does not parse, never expires.
 */
export function parseExpiry(value: unknown, timeZone = 'UTC'): number {
  return readTimestamp(value, timeZone)?.ms ?? Infinity;
}

function removeFrom<T>(map: Map<string, T[]>, key: string, pred: (t: T) => boolean): void {
  const list = map.get(key);
  if (!list) return;
  const i = list.findIndex(pred);
  if (i >= 0) list.splice(i, 1);
  if (list.length === 0) map.delete(key);
}

export class BlacklistIndex {
  // Entry records, indexed by id.
  private capacity = 0;
  private highWater = 0;
  private freeIds: number[] = [];
  private live = 0;
  private u8: Uint8Array = new Uint8Array(0);
  private u16: Uint16Array = new Uint16Array(0);
  private u32: Uint32Array = new Uint32Array(0);
  private f64: Float64Array = new Float64Array(0);
  private entryOf: Array<BlacklistEntry | undefined> = [];
  /** Keys that do not fit the record (longer than 8 units), and pattern keys. */
  private longKeys = new Map<number, string>();
  private seq = 0;

  // Province codes: index 0 = unknown.
  private provCodes: Array<string | null> = [null];
  private provIds = new Map<string, number>();
  /** provinceCode of names seen (reads repeat a small vocabulary); bounded. */
  private provMemo = new Map<string, string | null>();

  private exactT = new HashMultiMap();
  private lookT = new HashMultiMap();
  /** Keys and their 1-deletion variants (levels 0 and 1), for fuzzy queries. */
  private near1: HashMultiMap | null = null;
  /** 2-deletion variants (level 2), for k = 2. */
  private near2: HashMultiMap | null = null;
  private depth: 0 | 1 | 2;
  /** During a bulk load: pairs for near tables that were empty when it began (see beginBulk). */
  private bulk1: PairBuffer | null = null;
  private bulk2: PairBuffer | null = null;
  private pendingFree: number[] | null = null;
  private bulkKeys = 0;
  /** near1 values carry a run tag: (id << 8) | tag, while ids fit in 23 bits; plain ids after. */
  private tagged: boolean;
  private readonly taggedIdLimit: number;

  private patternCount = 0;
  private patternsByKey = new Map<string, PatternSlot[]>();
  /** Patterns by their literal start (1 or 2 characters), else by their literal end, else floating. */
  private byPrefix = new Map<string, PatternSlot[]>();
  private bySuffix = new Map<string, PatternSlot[]>();
  private floating: PatternSlot[] = [];

  // Scratch, reused by every call (the index is synchronous).
  private found: number[] = [];
  private sameKey: number[] = [];
  private hashes1: number[] = [];
  private hashes2: number[] = [];
  private runs1: number[] = [];
  private codes: number[] = [];
  private seen = new SmallHashSet();
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
    this.taggedIdLimit = Math.min(opts?.taggedIdLimit ?? MAX_TAGGED_IDS, MAX_TAGGED_IDS);
    this.tagged = this.taggedIdLimit > 0;
    const d = opts?.fuzzyMaxDistance ?? 0;
    this.depth = d >= 2 ? 2 : d >= 1 ? 1 : 0;
    if (this.depth >= 1) this.near1 = new HashMultiMap();
    if (this.depth >= 2) this.near2 = new HashMultiMap();
  }

  /** When `entry` expires, ms since the epoch (Infinity: never). */
  expiryOf(entry: Pick<BlacklistEntry, 'expires_at'>): number {
    return parseExpiry(entry.expires_at, this.timeZone);
  }

  /** Entries held (patterns included; expired ones count until purged). */
  get size(): number {
    return this.live;
  }

  /**
   * Adds entries; one with the same normalized key, province code and list as an entry held
   * replaces it (and counts as the most recently added). Entries whose plate normalizes to
   * nothing (or to more than 255 characters), and patterns with no literal character (`*`, `??`),
   * are skipped. Returns how many were added or replaced.
   */
  add(entries: BlacklistEntry[]): number {
    this.ensureCapacity(this.highWater + Math.max(0, entries.length - this.freeIds.length));
    const bulk = entries.length >= BULK;
    if (bulk) {
      let units = 0;
      for (const e of entries) units += typeof e?.plate_number === 'string' ? Math.min(e.plate_number.length, 16) : 0;
      this.exactT.reserve(entries.length);
      this.lookT.reserve(entries.length >> 1);
      this.beginBulk(entries.length, units);
    }
    let n = 0;
    for (const entry of entries) if (this.addOne(entry)) n++;
    if (bulk) this.endBulk();
    return n;
  }

  /** Removes entries by normalized key, and by province code and list when given. Returns how many. */
  remove(entries: Array<Pick<BlacklistEntry, 'plate_number' | 'province' | 'list'>>): number {
    let n = 0;
    for (const r of entries) {
      if (typeof r?.plate_number !== 'string') continue;
      const pattern = isPatternPlate(r.plate_number);
      const key = pattern ? patternKey(r.plate_number) : normalizePlate(r.plate_number);
      if (!key) continue;
      const byProvince = r.province !== undefined;
      const prov = byProvince ? this.provIdOf(this.codeOf(r.province), false) : 0;
      if (prov === -1) continue; // a province no entry has
      for (const id of this.idsWithKey(key, pattern)) {
        if (byProvince && this.provOf(id) !== prov) continue;
        if (r.list !== undefined && this.entryOf[id]!.list !== r.list) continue;
        this.removeId(id);
        n++;
      }
    }
    return n;
  }

  /** Replaces the whole list (the fuzzy depth built so far is kept). */
  replace(entries: BlacklistEntry[]): void {
    this.reset();
    this.add(entries);
  }

  /** The entries held and not expired at `now`, in no particular order. */
  entries(now: number = Date.now()): BlacklistEntry[] {
    const out: BlacklistEntry[] = [];
    for (let id = 0; id < this.highWater; id++) {
      if (this.flagsOf(id) & F_LIVE && this.expiresOf(id) > now) out.push(this.entryOf[id]!);
    }
    return out;
  }

  /** The entries held with their derived fields (diagnostics and tests). */
  indexedEntries(): IndexedEntry[] {
    const out: IndexedEntry[] = [];
    for (let id = 0; id < this.highWater; id++) {
      const flags = this.flagsOf(id);
      if (!(flags & F_LIVE)) continue;
      out.push({
        id,
        entry: this.entryOf[id]!,
        key: this.keyString(id),
        province: this.provCodes[this.provOf(id)] ?? null,
        expiresAt: this.expiresOf(id),
        isPattern: (flags & F_PATTERN) !== 0,
      });
    }
    return out;
  }

  /** Drops every entry expired at `now`; returns how many. */
  purgeExpired(now: number): number {
    const expired: number[] = [];
    for (let id = 0; id < this.highWater; id++) {
      if (this.flagsOf(id) & F_LIVE && this.expiresOf(id) <= now) expired.push(id);
    }
    if (expired.length > 1024 && expired.length > this.live / 8) {
      // Many at once: drop the records and rebuild the tables from what is left.
      for (const id of expired) {
        if (this.flagsOf(id) & F_PATTERN) this.removeId(id);
        else this.freeRecord(id);
      }
      this.rebuildTables();
    } else {
      for (const id of expired) this.removeId(id);
    }
    return expired.length;
  }

  stats(): IndexStats {
    return {
      entries: this.live,
      patterns: this.patternCount,
      fuzzyDepth: this.depth,
      tableBytes: {
        exact: this.exactT.bytes,
        lookalike: this.lookT.bytes,
        near1: this.near1?.bytes ?? 0,
        near2: this.near2?.bytes ?? 0,
        records: this.u8.byteLength,
      },
    };
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
    this.rProv = code === null ? 0 : (this.provIds.get(code) ?? -1);
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
      this.exactT.collect(hashString(key), found);
      for (let i = 0; i < found.length; i++) this.considerKeyed(found[i]!);
    }
    // Stage t finds every entry of type t (and weighs any other it meets at its true type), so
    // once the best held is of a better type than t, stage t and later ones cannot improve it.
    if (this.worthStage(T_LOOKALIKE) && options.lookalike && this.maxSubs >= 1) {
      const look = lookalikeKey(key);
      const h = hashString(look);
      found.length = 0;
      // Keys equal to the read's look-alike key; when that is the read itself the exact stage saw them.
      if (look !== key || !options.exact) this.exactT.collect(h, found);
      this.lookT.collect(h, found);
      for (let i = 0; i < found.length; i++) this.considerKeyed(found[i]!);
    }
    if (this.worthStage(T_FUZZY) && options.fuzzy && this.live > this.patternCount) this.fuzzyStage();
    if (this.worthStage(T_PATTERN) && options.pattern && this.patternCount > 0) this.patternStage(key);

    if (this.bestId < 0) return null;
    const id = this.bestId;
    return {
      entry: this.entryOf[id]!,
      type: TYPES[this.bestType]!,
      distance: this.bestDist,
      province_match: this.bestProv === 0 ? true : this.bestProv === 2 ? false : null,
      key: this.keyString(id),
    };
  }

  // ---- matching ----

  private fuzzyStage(): void {
    const k = this.k;
    this.ensureDepth(k);
    const near1 = this.near1!;
    const near2 = k >= 2 ? this.near2! : null;
    const found = this.found;
    const codes = this.codes;
    const units = this.rUnits;
    const len = this.rKey.length;
    const tagged = this.tagged;
    // Two keys within distance k share a string made of at most k deletions from each: probe the
    // read and its deletion variants against the entries' keys and deletion variants.
    // Levels 0-1 on both sides find every entry within distance 1 ...
    found.length = 0;
    codes.length = 0;
    const h0 = hashUnits(units, 0, len, -1, -1);
    near1.collect(h0, codes);
    for (let c = 0; c < codes.length; c++) found.push(tagged ? codes[c]! >>> 8 : codes[c]!);
    const h1 = this.variants1(units, 0, len, this.hashes1, this.runs1);
    const runs = this.runs1;
    for (let i = 0; i < h1.length; i++) {
      codes.length = 0;
      near1.collect(h1[i]!, codes);
      for (let c = 0; c < codes.length; c++) {
        const code = codes[c]!;
        if (!tagged) {
          found.push(code);
          continue;
        }
        // Both sides one deletion away from the same string: distance 1 only when the deleted
        // positions can coincide (a substitution), i.e. the two runs they delete from overlap.
        if (code & TAG_LEVEL1 && !runsOverlap(runs[i]!, code & 0x7f)) continue;
        found.push(code >>> 8);
      }
    }
    for (let i = 0; i < found.length; i++) this.considerKeyed(found[i]!);
    if (!near2 || (this.bestId >= 0 && (this.bestType < T_FUZZY || this.bestDist <= 1))) return;
    // ... and, for k = 2 when none was found, every pair involving a level-2 variant the rest
    // (a pair skipped above, one deletion each at different places, shares a level-2 variant).
    found.length = 0;
    near2.collect(h0, found);
    for (let i = 0; i < h1.length; i++) near2.collect(h1[i]!, found);
    const h2 = this.variants2(units, 0, len, this.hashes2);
    for (let i = 0; i < h2.length; i++) {
      codes.length = 0;
      near1.collect(h2[i]!, codes);
      for (let c = 0; c < codes.length; c++) found.push(tagged ? codes[c]! >>> 8 : codes[c]!);
      near2.collect(h2[i]!, found);
    }
    for (let i = 0; i < found.length; i++) this.considerKeyed(found[i]!);
  }

  private patternStage(key: string): void {
    const n = key.length;
    const p1 = this.byPrefix.get(key.charAt(0));
    if (p1) this.considerPatterns(p1, key);
    const p2 = n >= 2 ? this.byPrefix.get(key.slice(0, 2)) : undefined;
    if (p2) this.considerPatterns(p2, key);
    const s1 = this.bySuffix.get(key.charAt(n - 1));
    if (s1) this.considerPatterns(s1, key);
    const s2 = n >= 2 ? this.bySuffix.get(key.slice(n - 2)) : undefined;
    if (s2) this.considerPatterns(s2, key);
    this.considerPatterns(this.floating, key);
  }

  private considerPatterns(slots: PatternSlot[], key: string): void {
    const len = key.length;
    for (let i = 0; i < slots.length; i++) {
      const { id, pattern } = slots[i]!;
      if (len < pattern.minLength || len > pattern.maxLength) continue;
      if (pattern.regex.test(key)) this.offer(id, T_PATTERN, 0);
    }
  }

  /** Classifies one keyed (non-pattern) entry against the read and offers it. */
  private considerKeyed(id: number): void {
    if (!this.weighed.add(id)) return;
    const len = this.u8[id * RECORD_BYTES + 26]!;
    let units = this.u16;
    let off = id * (RECORD_BYTES / 2);
    if (len > INLINE_UNITS) {
      units = this.longUnits = toUnits(this.longKeys.get(id)!, this.longUnits);
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
      if (o.lookalike && diff <= this.maxSubs && substitutions(this.rKey, this.keyString(id)) === diff) {
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
    if (this.expiresOf(id) <= this.now) return;
    const p = this.provOf(id);
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
        const pr = this.flagsOf(id) >> PRIO_SHIFT;
        const bp = this.flagsOf(best) >> PRIO_SHIFT;
        if (pr !== bp) {
          if (pr < bp) return;
        } else if (this.seqOf(id) < this.seqOf(best)) return;
      }
    }
    this.bestId = id;
    this.bestType = type;
    this.bestDist = dist;
    this.bestProv = prov;
  }

  // ---- deletion variants ----

  /**
   * Hashes of the distinct strings one deletion away from `a[off, off + len)` (deleting any unit
   * of a run of equal units gives the same string, so one per run), and in `runs` each one's
   * run as a 7-bit tag (see runTag).
   */
  private variants1(a: Uint16Array, off: number, len: number, out: number[], runs: number[]): number[] {
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

  /** Hashes of the distinct strings two deletions away from `a[off, off + len)`. */
  private variants2(a: Uint16Array, off: number, len: number, out: number[]): number[] {
    out.length = 0;
    const seen = this.seen;
    seen.reset();
    for (let i = 0; i < len; i++) {
      for (let j = i + 1; j < len; j++) {
        const h = hashUnits(a, off, len, i, j);
        if (seen.add(h)) out.push(h);
      }
    }
    return out;
  }

  /** Files entry `id` under its near-table variants of levels `from`..`to` (level 0, the key itself, lives in near1). */
  private insertVariants(id: number, from: number, to: number): void {
    const len = this.u8[id * RECORD_BYTES + 26]!;
    const [units, off] = this.unitsOf(id, len);
    if (from <= 1 && to >= 1) {
      const near1 = this.bulk1 ?? this.near1!;
      const tagged = this.tagged;
      near1.insert(hashUnits(units, off, len, -1, -1), tagged ? id << 8 : id);
      const hs = this.variants1(units, off, len, this.hashes1, this.runs1);
      for (let i = 0; i < hs.length; i++) near1.insert(hs[i]!, tagged ? (id << 8) | TAG_LEVEL1 | this.runs1[i]! : id);
    }
    if (from <= 2 && to >= 2) {
      const near2 = this.bulk2 ?? this.near2!;
      const hs = this.variants2(units, off, len, this.hashes2);
      for (let i = 0; i < hs.length; i++) near2.insert(hs[i]!, id);
    }
  }

  private removeVariants(id: number): void {
    const len = this.u8[id * RECORD_BYTES + 26]!;
    const [units, off] = this.unitsOf(id, len);
    // During a bulk load an empty table's pairs are still buffered: dropped at the end.
    if (this.depth >= 1 && !this.bulk1) {
      const near1 = this.near1!;
      const tagged = this.tagged;
      near1.remove(hashUnits(units, off, len, -1, -1), tagged ? id << 8 : id);
      const hs = this.variants1(units, off, len, this.hashes1, this.runs1);
      for (let i = 0; i < hs.length; i++) near1.remove(hs[i]!, tagged ? (id << 8) | TAG_LEVEL1 | this.runs1[i]! : id);
    }
    if (this.depth >= 2 && !this.bulk2) {
      const hs = this.variants2(units, off, len, this.hashes2);
      for (let i = 0; i < hs.length; i++) this.near2!.remove(hs[i]!, id);
    }
  }

  /**
   * Builds the edit-distance index up to `k` now, rather than on the first fuzzy read (at a million
   * entries that first read would otherwise stall the event loop for a second or two).
   */
  prepareFuzzy(k: 1 | 2): void {
    this.ensureDepth(k);
  }

  /** Builds the deletion levels up to `k` (once; later adds and removals keep them current). */
  private ensureDepth(k: number): void {
    if (this.depth >= k) return;
    const from = this.depth + 1;
    if (!this.near1) this.near1 = new HashMultiMap();
    if (k >= 2 && !this.near2) this.near2 = new HashMultiMap();
    const bulk = this.live >= BULK;
    if (bulk) this.beginBulk(this.live, this.live * 8);
    for (let id = 0; id < this.highWater; id++) {
      if ((this.flagsOf(id) & (F_LIVE | F_PATTERN)) === F_LIVE) this.insertVariants(id, from, k);
    }
    this.depth = k >= 2 ? 2 : 1;
    if (bulk) this.endBulk();
  }

  // ---- records ----

  private flagsOf(id: number): number {
    return this.u8[id * RECORD_BYTES + 27]!;
  }

  private provOf(id: number): number {
    return this.u16[id * (RECORD_BYTES / 2) + 12]!;
  }

  private expiresOf(id: number): number {
    return this.f64[id * (RECORD_BYTES / 8) + 2]!;
  }

  private seqOf(id: number): number {
    return this.u32[id * (RECORD_BYTES / 4) + 7]!;
  }

  /** The key's code units: [array, offset] into the record, or into a scratch copy of a long key. */
  private unitsOf(id: number, len: number): [Uint16Array, number] {
    if (len <= INLINE_UNITS) return [this.u16, id * (RECORD_BYTES / 2)];
    this.longUnits = toUnits(this.longKeys.get(id)!, this.longUnits);
    return [this.longUnits, 0];
  }

  private keyString(id: number): string {
    const len = this.u8[id * RECORD_BYTES + 26]!;
    if (len > INLINE_UNITS || this.flagsOf(id) & F_PATTERN) return this.longKeys.get(id)!;
    const base = id * (RECORD_BYTES / 2);
    let s = '';
    for (let i = 0; i < len; i++) s += String.fromCharCode(this.u16[base + i]!);
    return s;
  }

  private keyEquals(id: number, key: string): boolean {
    const len = this.u8[id * RECORD_BYTES + 26]!;
    if (len !== key.length) return false;
    if (len > INLINE_UNITS) return this.longKeys.get(id) === key;
    const base = id * (RECORD_BYTES / 2);
    for (let i = 0; i < len; i++) if (this.u16[base + i] !== key.charCodeAt(i)) return false;
    return true;
  }

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
    const prov = this.provIdOf(this.codeOf(entry.province), true);
    if (isPattern) {
      for (const id of this.idsWithKey(key, true)) if (this.provOf(id) === prov && this.entryOf[id]!.list === entry.list) this.removeId(id);
    } else {
      const same = this.sameKey;
      same.length = 0;
      this.exactT.collect(hashString(key), same);
      for (let i = 0; i < same.length; i++) {
        const id = same[i]!;
        if (this.keyEquals(id, key) && this.provOf(id) === prov && this.entryOf[id]!.list === entry.list) this.removeId(id);
      }
    }

    const id = this.allocId();
    this.entryOf[id] = entry;
    const len = isPattern ? 0 : key.length;
    const u16base = id * (RECORD_BYTES / 2);
    if (len <= INLINE_UNITS && !isPattern) for (let i = 0; i < len; i++) this.u16[u16base + i] = key.charCodeAt(i);
    else this.longKeys.set(id, key);
    this.u8[id * RECORD_BYTES + 26] = len;
    this.f64[id * (RECORD_BYTES / 8) + 2] = this.expiryOf(entry);
    this.u16[u16base + 12] = prov;
    const prio = PRIORITY_RANK[entry.priority ?? 'low'] ?? 0;
    this.u8[id * RECORD_BYTES + 27] = F_LIVE | (isPattern ? F_PATTERN : 0) | (prio << PRIO_SHIFT);
    if (this.seq === 0xffffffff) this.renumber();
    this.u32[id * (RECORD_BYTES / 4) + 7] = ++this.seq;
    this.live++;

    if (compiled) {
      const slot: PatternSlot = { id, pattern: compiled };
      this.pushTo(this.patternsByKey, key, slot);
      if (compiled.prefix !== null) this.pushTo(this.byPrefix, compiled.prefix, slot);
      else if (compiled.suffix !== null) this.pushTo(this.bySuffix, compiled.suffix, slot);
      else this.floating.push(slot);
      this.patternCount++;
      return true;
    }
    this.insertKeyed(id, key);
    return true;
  }

  /** Files a keyed entry in the exact, look-alike and near tables. */
  private insertKeyed(id: number, key: string): void {
    this.exactT.insert(hashString(key), id);
    const look = lookalikeKey(key);
    if (look !== key) this.lookT.insert(hashString(look), id);
    if (this.depth >= 1) this.insertVariants(id, 1, this.depth);
  }

  private removeId(id: number): void {
    const key = this.keyString(id);
    if (this.flagsOf(id) & F_PATTERN) {
      const isSlot = (s: PatternSlot) => s.id === id;
      const slot = this.patternsByKey.get(key)?.find(isSlot);
      removeFrom(this.patternsByKey, key, isSlot);
      if (slot?.pattern.prefix != null) removeFrom(this.byPrefix, slot.pattern.prefix, isSlot);
      else if (slot?.pattern.suffix != null) removeFrom(this.bySuffix, slot.pattern.suffix, isSlot);
      else {
        const i = this.floating.findIndex(isSlot);
        if (i >= 0) this.floating.splice(i, 1);
      }
      this.patternCount--;
    } else {
      this.exactT.remove(hashString(key), id);
      const look = lookalikeKey(key);
      if (look !== key) this.lookT.remove(hashString(look), id);
      this.removeVariants(id);
    }
    this.freeRecord(id);
  }

  /** Marks the record free (the caller has taken it out of the tables, or rebuilds them). */
  private freeRecord(id: number): void {
    this.entryOf[id] = undefined;
    this.longKeys.delete(id);
    this.u8[id * RECORD_BYTES + 27] = 0;
    (this.pendingFree ?? this.freeIds).push(id);
    this.live--;
  }

  /** Sizes the tables for a bulk load up front, so they do not grow (and rehash) step by step. */
  /**
   * Starts a bulk load: a near table that is empty now is filled at the end, from its pairs
   * sorted by hash (PairBuffer, HashMultiMap.buildFrom): one sequential pass instead of a random
   * insert per pair. Ids freed meanwhile are not reused before the end, so a buffered pair never
   * names another entry; pairs of entries removed meanwhile are dropped at the end.
   */
  private beginBulk(keys: number, units: number): void {
    this.bulkKeys = keys;
    if (this.near1 && this.near1.used === 0) this.bulk1 = new PairBuffer(keys + units);
    if (this.near2 && this.near2.used === 0) this.bulk2 = new PairBuffer(Math.ceil((units * units) / Math.max(1, keys) / 2));
    this.pendingFree = [];
  }

  private endBulk(): void {
    const liveId = (id: number) => (this.flagsOf(id) & F_LIVE) !== 0;
    if (this.bulk1) {
      const buf = this.bulk1;
      const tagged = this.tagged;
      buf.filter((v) => liveId(tagged ? v >>> 8 : v));
      buf.sort();
      this.near1!.buildFrom(buf.keys, buf.vals, buf.n, COMPACT_LOAD);
    }
    if (this.bulk2) {
      const buf = this.bulk2;
      buf.filter(liveId);
      buf.sort();
      this.near2!.buildFrom(buf.keys, buf.vals, buf.n, COMPACT_LOAD);
    }
    // Tables filled one pair at a time keep the slack growth leaves: compact them when this load
    // was a large part of what they hold (compacting costs a pass over the table).
    if (this.bulkKeys * 4 >= this.live) {
      this.exactT.compact(COMPACT_LOAD);
      this.lookT.compact(COMPACT_LOAD);
      if (this.near1 && !this.bulk1) this.near1.compact(COMPACT_LOAD);
      if (this.near2 && !this.bulk2) this.near2.compact(COMPACT_LOAD);
    }
    this.bulk1 = null;
    this.bulk2 = null;
    for (const id of this.pendingFree ?? []) this.freeIds.push(id);
    this.pendingFree = null;
  }

  private rebuildNear1(): void {
    this.near1 = new HashMultiMap();
    for (let id = 0; id < this.highWater; id++) {
      if ((this.flagsOf(id) & (F_LIVE | F_PATTERN)) === F_LIVE) this.insertVariants(id, 1, 1);
    }
  }

  /** New exact, look-alike and near tables from the live keyed entries. */
  private rebuildTables(): void {
    this.exactT = new HashMultiMap(this.live);
    this.lookT = new HashMultiMap(this.live >> 1);
    this.near1 = this.depth >= 1 ? new HashMultiMap() : null;
    this.near2 = this.depth >= 2 ? new HashMultiMap() : null;
    this.beginBulk(this.live, this.live * 8);
    for (let id = 0; id < this.highWater; id++) {
      if ((this.flagsOf(id) & (F_LIVE | F_PATTERN)) === F_LIVE) this.insertKeyed(id, this.keyString(id));
    }
    this.endBulk();
  }

  /** Ids held under exactly `key` (a fresh array: callers may remove while iterating). */
  private idsWithKey(key: string, isPattern: boolean): number[] {
    if (isPattern) return (this.patternsByKey.get(key) ?? []).map((s) => s.id);
    const out: number[] = [];
    this.exactT.collect(hashString(key), out);
    return out.filter((id) => this.keyEquals(id, key));
  }

  private pushTo(map: Map<string, PatternSlot[]>, key: string, slot: PatternSlot): void {
    const list = map.get(key);
    if (list) list.push(slot);
    else map.set(key, [slot]);
  }

  private codeOf(name: string | null | undefined): string | null {
    if (typeof name !== 'string' || name === '') return null;
    let code = this.provMemo.get(name);
    if (code === undefined) {
      code = provinceCode(name);
      if (this.provMemo.size >= 4096) this.provMemo.clear();
      this.provMemo.set(name, code);
    }
    return code;
  }

  /** The id of a province code (0 = unknown); -1 if `create` is false and no entry has it. */
  private provIdOf(code: string | null, create: boolean): number {
    if (code === null) return 0;
    let id = this.provIds.get(code);
    if (id === undefined) {
      if (!create || this.provCodes.length > 0xffff) return -1;
      id = this.provCodes.length;
      this.provCodes.push(code);
      this.provIds.set(code, id);
    }
    return id;
  }

  /** Recency counters ran out (4 billion adds): number the live entries 1..n in the same order. */
  private renumber(): void {
    const ids: number[] = [];
    for (let id = 0; id < this.highWater; id++) if (this.flagsOf(id) & F_LIVE) ids.push(id);
    ids.sort((a, b) => this.seqOf(a) - this.seqOf(b));
    ids.forEach((id, i) => (this.u32[id * (RECORD_BYTES / 4) + 7] = i + 1));
    this.seq = ids.length;
  }

  private allocId(): number {
    const reused = this.freeIds.pop();
    if (reused !== undefined) return reused;
    if (this.tagged && this.highWater >= this.taggedIdLimit) {
      // Ids no longer fit beside a tag: near1 holds plain ids from now on.
      this.tagged = false;
      if (this.bulk1) for (let i = 0; i < this.bulk1.n; i++) this.bulk1.vals[i] = this.bulk1.vals[i]! >>> 8;
      else if (this.near1) this.rebuildNear1();
    }
    if (this.highWater === this.capacity) this.ensureCapacity(Math.max(1024, this.capacity * 2));
    this.entryOf.push(undefined);
    return this.highWater++;
  }

  private ensureCapacity(n: number): void {
    if (n <= this.capacity) return;
    const buf = new ArrayBuffer(n * RECORD_BYTES);
    new Uint8Array(buf).set(this.u8);
    this.u8 = new Uint8Array(buf);
    this.u16 = new Uint16Array(buf);
    this.u32 = new Uint32Array(buf);
    this.f64 = new Float64Array(buf);
    this.capacity = n;
  }

  private reset(): void {
    this.capacity = 0;
    this.highWater = 0;
    this.freeIds = [];
    this.live = 0;
    this.u8 = new Uint8Array(0);
    this.u16 = new Uint16Array(0);
    this.u32 = new Uint32Array(0);
    this.f64 = new Float64Array(0);
    this.entryOf = [];
    this.longKeys = new Map();
    this.exactT = new HashMultiMap();
    this.lookT = new HashMultiMap();
    this.near1 = this.depth >= 1 ? new HashMultiMap() : null;
    this.near2 = this.depth >= 2 ? new HashMultiMap() : null;
    this.tagged = this.taggedIdLimit > 0;
    this.patternCount = 0;
    this.patternsByKey = new Map();
    this.byPrefix = new Map();
    this.bySuffix = new Map();
    this.floating = [];
  }
}
