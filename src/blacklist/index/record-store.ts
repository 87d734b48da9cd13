/**
 * The entry records of a BlacklistIndex: one 32-byte record per entry in one ArrayBuffer, read
 * through four views, plus the entry object and (for long keys and patterns) the key string.
 * Verifying a candidate touches its record, not a string on the heap. Ids of removed entries are
 * reused, except while a bulk load holds them back (see holdFreed).
 *
 * Record layout, by view: u16[16 id + 0..7] key units; f64[4 id + 2] expiry; u16[16 id + 12]
 * province id; u8[32 id + 26] key length; u8[32 id + 27] flags and priority; u32[8 id + 7] recency.
 */
import type { BlacklistEntry } from '../../protocol/schemas/blacklist';
import { toUnits } from '../levenshtein';

export const RECORD_BYTES = 32;
/** Key units kept in the record; longer keys (and patterns) keep their string in `longKeys`. */
export const INLINE_UNITS = 8;
export const F_LIVE = 1;
export const F_PATTERN = 2;
export const PRIO_SHIFT = 4;

export class RecordStore {
  private capacity = 0;
  /** Ids below this have been allocated (live or free). */
  highWater = 0;
  private freeIds: number[] = [];
  /** During a bulk load: ids freed meanwhile, not reused before it ends. */
  private heldFree: number[] | null = null;
  /** Live records. */
  live = 0;
  u8: Uint8Array = new Uint8Array(0);
  u16: Uint16Array = new Uint16Array(0);
  u32: Uint32Array = new Uint32Array(0);
  f64: Float64Array = new Float64Array(0);
  entryOf: Array<BlacklistEntry | undefined> = [];
  private longKeys = new Map<number, string>();
  private seq = 0;
  /** Scratch copy of a long key's units (unitsOf). */
  private longUnits: Uint16Array = new Uint16Array(64);

  /** Drops every record (ids start again from 0). */
  clear(): void {
    this.capacity = 0;
    this.highWater = 0;
    this.freeIds = [];
    this.heldFree = null;
    this.live = 0;
    this.u8 = new Uint8Array(0);
    this.u16 = new Uint16Array(0);
    this.u32 = new Uint32Array(0);
    this.f64 = new Float64Array(0);
    this.entryOf = [];
    this.longKeys = new Map();
  }

  flagsOf(id: number): number {
    return this.u8[id * RECORD_BYTES + 27]!;
  }

  isLive(id: number): boolean {
    return (this.u8[id * RECORD_BYTES + 27]! & F_LIVE) !== 0;
  }

  /** Live and not a pattern: an entry filed in the hash tables. */
  isKeyed(id: number): boolean {
    return (this.u8[id * RECORD_BYTES + 27]! & (F_LIVE | F_PATTERN)) === F_LIVE;
  }

  keyLength(id: number): number {
    return this.u8[id * RECORD_BYTES + 26]!;
  }

  provOf(id: number): number {
    return this.u16[id * (RECORD_BYTES / 2) + 12]!;
  }

  expiresOf(id: number): number {
    return this.f64[id * (RECORD_BYTES / 8) + 2]!;
  }

  seqOf(id: number): number {
    return this.u32[id * (RECORD_BYTES / 4) + 7]!;
  }

  priorityOf(id: number): number {
    return this.u8[id * RECORD_BYTES + 27]! >> PRIO_SHIFT;
  }

  /** The key's code units: the record's u16 view at `unitsOffset`, or a scratch copy of a long key (offset 0). */
  unitsOf(id: number, len: number): Uint16Array {
    if (len <= INLINE_UNITS) return this.u16;
    return (this.longUnits = toUnits(this.longKeys.get(id)!, this.longUnits));
  }

  /** Offset of the key's units in what unitsOf returned. */
  unitsOffset(id: number, len: number): number {
    return len <= INLINE_UNITS ? id * (RECORD_BYTES / 2) : 0;
  }

  keyString(id: number): string {
    const len = this.u8[id * RECORD_BYTES + 26]!;
    if (len > INLINE_UNITS || this.flagsOf(id) & F_PATTERN) return this.longKeys.get(id)!;
    const base = id * (RECORD_BYTES / 2);
    let s = '';
    for (let i = 0; i < len; i++) s += String.fromCharCode(this.u16[base + i]!);
    return s;
  }

  keyEquals(id: number, key: string): boolean {
    const len = this.u8[id * RECORD_BYTES + 26]!;
    if (len !== key.length) return false;
    if (len > INLINE_UNITS) return this.longKeys.get(id) === key;
    const base = id * (RECORD_BYTES / 2);
    for (let i = 0; i < len; i++) if (this.u16[base + i] !== key.charCodeAt(i)) return false;
    return true;
  }

  /** Whether the next allocate() takes a new id (none free to reuse). */
  get nextIdIsNew(): boolean {
    return this.freeIds.length === 0;
  }

  /** Writes a new record for `entry` and returns its id. */
  allocate(entry: BlacklistEntry, key: string, isPattern: boolean, prov: number, expiresAt: number, priority: number): number {
    const id = this.allocId();
    this.entryOf[id] = entry;
    const len = isPattern ? 0 : key.length;
    const u16base = id * (RECORD_BYTES / 2);
    if (len <= INLINE_UNITS && !isPattern) for (let i = 0; i < len; i++) this.u16[u16base + i] = key.charCodeAt(i);
    else this.longKeys.set(id, key);
    this.u8[id * RECORD_BYTES + 26] = len;
    this.f64[id * (RECORD_BYTES / 8) + 2] = expiresAt;
    this.u16[u16base + 12] = prov;
    this.u8[id * RECORD_BYTES + 27] = F_LIVE | (isPattern ? F_PATTERN : 0) | (priority << PRIO_SHIFT);
    if (this.seq === 0xffffffff) this.renumber();
    this.u32[id * (RECORD_BYTES / 4) + 7] = ++this.seq;
    this.live++;
    return id;
  }

  /** Marks the record free (the caller has taken it out of the tables, or rebuilds them). */
  free(id: number): void {
    this.entryOf[id] = undefined;
    this.longKeys.delete(id);
    this.u8[id * RECORD_BYTES + 27] = 0;
    (this.heldFree ?? this.freeIds).push(id);
    this.live--;
  }

  /** From now until releaseFreed, freed ids are not reused (a bulk load's buffered pairs name them). */
  holdFreed(): void {
    this.heldFree = [];
  }

  releaseFreed(): void {
    for (const id of this.heldFree ?? []) this.freeIds.push(id);
    this.heldFree = null;
  }

  /** Room for `n` records without growing. */
  ensureCapacity(n: number): void {
    if (n <= this.capacity) return;
    const buf = new ArrayBuffer(n * RECORD_BYTES);
    new Uint8Array(buf).set(this.u8);
    this.u8 = new Uint8Array(buf);
    this.u16 = new Uint16Array(buf);
    this.u32 = new Uint32Array(buf);
    this.f64 = new Float64Array(buf);
    this.capacity = n;
  }

  /** Room for `adding` more entries, counting the ids free for reuse. */
  reserve(adding: number): void {
    this.ensureCapacity(this.highWater + Math.max(0, adding - this.freeIds.length));
  }

  private allocId(): number {
    const reused = this.freeIds.pop();
    if (reused !== undefined) return reused;
    if (this.highWater === this.capacity) this.ensureCapacity(Math.max(1024, this.capacity * 2));
    this.entryOf.push(undefined);
    return this.highWater++;
  }

  /** Recency counters ran out (4 billion adds): number the live entries 1..n in the same order. */
  private renumber(): void {
    const ids: number[] = [];
    for (let id = 0; id < this.highWater; id++) if (this.flagsOf(id) & F_LIVE) ids.push(id);
    ids.sort((a, b) => this.seqOf(a) - this.seqOf(b));
    ids.forEach((id, i) => (this.u32[id * (RECORD_BYTES / 4) + 7] = i + 1));
    this.seq = ids.length;
  }
}
