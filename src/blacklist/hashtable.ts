/**
 * A compact multimap from 32-bit hashes to entry ids, for the blacklist index.
 *
 * Ordered linear probing (Amble & Knuth) over distinct hashes. A slot is two int32s side by side
 * in one array (one cache line per probe): the hash, and what is stored under it: 0 = empty,
 * v > 0 = the single id v - 1 (the common case: most deletion variants belong to one key), v < 0 =
 * a linked list of ids starting at node -v - 1 in a typed node pool (id, next) — a variant such as
 * `B1234` shared by `AB1234`, `CB1234`, ... A hash that many keys share costs one slot and 8 bytes
 * an id, never a long probe run.
 *
 * The home slot `floor(h * capacity / 2^32)` grows with h, and every run of occupied slots is
 * kept sorted by hash, so a lookup stops at the first larger hash: about 3 slots at load 0.8,
 * found or not (plain linear probing looks at 13 for a miss). Runs never wrap: a slack of slots
 * after the last home takes the end of the last run, and one empty slot is always left at the end.
 * Deletion shifts the rest of the run back (no tombstones), so a table does not degrade under churn.
 *
 * Only hashes are stored, never the strings: a lookup returns the ids stored under an equal hash
 * and the caller verifies each against the real key (a 32-bit collision only costs one extra
 * verification). The capacity is any integer: growth aims at a load of 0.5 after growing and at
 * most 0.8 before; `compact` brings a bulk-loaded table to a chosen load.
 */

const MAX_LOAD = 0.8;
const LOAD_AFTER_GROW = 0.5;

function slackFor(capacity: number): number {
  return 64 + (capacity >>> 6);
}

export class HashMultiMap {
  /** [hash | 0, value] per slot; `limit` slots (capacity homes + slack). */
  slots: Int32Array;
  capacity: number;
  limit: number;
  /** Slots in use (distinct hashes). */
  used = 0;
  /** (hash, id) pairs held. */
  size = 0;
  /** List nodes: [id, next] pairs; next = -1 ends a list. Free nodes are chained through next. */
  private nodes = new Int32Array(0);
  private nodeTop = 0;
  private freeNode = -1;

  constructor(expected = 0) {
    this.capacity = capacityFor(expected);
    this.limit = this.capacity + slackFor(this.capacity);
    this.slots = new Int32Array(2 * this.limit);
  }

  /** Bytes held by the typed arrays. */
  get bytes(): number {
    return this.slots.byteLength + this.nodes.byteLength;
  }

  /** Makes room for `extra` more distinct hashes without growing on the way (before a bulk load). */
  reserve(extra: number): void {
    const needed = this.used + extra;
    if (needed > this.capacity * MAX_LOAD) this.rehash(capacityFor(needed));
  }

  /**
   * After a bulk load: shrinks the slots to a load of `load` (if below it) and the node pool to
   * what is in use, so a list loaded at once does not keep the slack growth leaves.
   */
  compact(load: number): void {
    const target = Math.max(16, Math.ceil(this.used / load));
    if (target < this.capacity) this.rehash(target);
    this.relayoutNodes();
  }

  /** Copies every list into consecutive nodes, in slot order, so walking a list reads adjacent memory. */
  private relayoutNodes(): void {
    if (this.nodeTop === 0) return;
    const slots = this.slots;
    const old = this.nodes;
    const fresh = new Int32Array(2 * this.nodeTop + 64);
    let top = 0;
    for (let s = 0; s < this.limit; s++) {
      const v = slots[2 * s + 1]!;
      if (v >= 0) continue;
      slots[2 * s + 1] = -top - 1;
      for (let n = -v - 1; n !== -1; n = old[2 * n + 1]!) {
        fresh[2 * top] = old[2 * n]!;
        fresh[2 * top + 1] = top + 1;
        top++;
      }
      fresh[2 * top - 1] = -1;
    }
    this.nodes = top === this.nodeTop ? fresh : fresh.slice(0, 2 * top + 64);
    this.nodeTop = top;
    this.freeNode = -1;
  }

  /**
   * Fills an empty table from `n` pairs sorted by unsigned hash (see PairBuffer.sorted), in one
   * sequential pass, at a load of `load`; each shared hash's ids go to consecutive nodes.
   */
  buildFrom(keys: Uint32Array, vals: Int32Array, n: number, load: number): void {
    if (this.used !== 0) throw new Error('buildFrom needs an empty table');
    let distinct = 0;
    for (let i = 0; i < n; i++) if (i === 0 || keys[i] !== keys[i - 1]) distinct++;
    let capacity = Math.max(16, Math.ceil(distinct / load));
    for (;;) {
      this.capacity = capacity;
      this.limit = capacity + slackFor(capacity);
      const slots = new Int32Array(2 * this.limit);
      const nodes = new Int32Array(4 * (n - distinct) + 64); // a shared hash of g ids: g <= 2 (g - 1) nodes
      let next = 0;
      let top = 0;
      let fits = true;
      for (let i = 0; i < n; ) {
        let j = i + 1;
        while (j < n && keys[j] === keys[i]) j++;
        const s = Math.max(this.home(keys[i]!), next);
        if (s >= this.limit - 1) {
          fits = false;
          break;
        }
        slots[2 * s] = keys[i]! | 0;
        if (j - i === 1) slots[2 * s + 1] = vals[i]! + 1;
        else {
          slots[2 * s + 1] = -top - 1;
          for (let t = i; t < j; t++) {
            nodes[2 * top] = vals[t]!;
            nodes[2 * top + 1] = t + 1 < j ? top + 1 : -1;
            top++;
          }
        }
        next = s + 1;
        i = j;
      }
      if (fits) {
        this.slots = slots;
        this.nodes = nodes.length > 2 * top + 64 ? nodes.slice(0, 2 * top + 64) : nodes;
        this.nodeTop = top;
        this.freeNode = -1;
        this.used = distinct;
        this.size = n;
        return;
      }
      capacity = Math.ceil(capacity * 1.25);
    }
  }

  /** floor(h * capacity / 2^32) for an unsigned h, computed exactly in two 16-bit halves (always < capacity). */
  home(h: number): number {
    const cap = this.capacity;
    return Math.floor(((h >>> 16) * cap + Math.floor(((h & 0xffff) * cap) / 65536)) / 65536);
  }

  /** The first slot from `hu`'s home that is empty or holds a hash >= hu (unsigned). */
  private seek(hu: number): number {
    const slots = this.slots;
    let s = this.home(hu);
    while (slots[2 * s + 1] !== 0 && slots[2 * s]! >>> 0 < hu) s++;
    return s;
  }

  insert(h: number, id: number): void {
    const hu = h >>> 0;
    let s = this.seek(hu);
    const slots = this.slots;
    const v = slots[2 * s + 1]!;
    if (v !== 0 && slots[2 * s]! >>> 0 === hu) {
      if (v > 0) {
        const tail = this.node(v - 1, -1);
        slots[2 * s + 1] = -this.node(id, tail) - 1;
      } else {
        slots[2 * s + 1] = -this.node(id, -v - 1) - 1;
      }
      this.size++;
      return;
    }
    if (this.used + 1 > this.capacity * MAX_LOAD) {
      this.rehash(capacityFor(this.used + 1));
      this.insert(h, id);
      return;
    }
    // Open a slot at s by moving the rest of the run one slot on; the last slot stays empty.
    let e = s;
    while (slots[2 * e + 1] !== 0) e++;
    if (e >= this.limit - 1) {
      this.rehash(Math.ceil(this.capacity * 1.25));
      this.insert(h, id);
      return;
    }
    if (e > s) slots.copyWithin(2 * s + 2, 2 * s, 2 * e);
    slots[2 * s] = h | 0;
    slots[2 * s + 1] = id + 1;
    this.used++;
    this.size++;
  }

  /** Removes the pair (h, id); false if absent. */
  remove(h: number, id: number): boolean {
    const hu = h >>> 0;
    const s = this.seek(hu);
    const v = this.slots[2 * s + 1]!;
    if (v === 0 || this.slots[2 * s]! >>> 0 !== hu) return false;
    if (v > 0) {
      if (v !== id + 1) return false;
      this.deleteSlot(s);
      this.size--;
      return true;
    }
    const nodes = this.nodes;
    let prev = -1;
    let n = -v - 1;
    while (n !== -1 && nodes[2 * n] !== id) {
      prev = n;
      n = nodes[2 * n + 1]!;
    }
    if (n === -1) return false;
    const next = nodes[2 * n + 1]!;
    if (prev === -1) this.slots[2 * s + 1] = -next - 1;
    else nodes[2 * prev + 1] = next;
    this.freeNodeAt(n);
    // One id left: back to the inline form.
    const head = -this.slots[2 * s + 1]! - 1;
    if (nodes[2 * head + 1] === -1) {
      this.slots[2 * s + 1] = nodes[2 * head]! + 1;
      this.freeNodeAt(head);
    }
    this.size--;
    return true;
  }

  /** Appends to `out` every id stored under `h`. */
  collect(h: number, out: number[]): void {
    const slots = this.slots;
    const hu = h >>> 0;
    let s = this.home(hu);
    for (let v = slots[2 * s + 1]!; v !== 0; v = slots[2 * ++s + 1]!) {
      const k = slots[2 * s]! >>> 0;
      if (k < hu) continue;
      if (k === hu) {
        if (v > 0) out.push(v - 1);
        else {
          const nodes = this.nodes;
          for (let n = -v - 1; n !== -1; n = nodes[2 * n + 1]!) out.push(nodes[2 * n]!);
        }
      }
      return;
    }
  }

  private node(id: number, next: number): number {
    let n = this.freeNode;
    if (n !== -1) this.freeNode = this.nodes[2 * n + 1]!;
    else {
      if (2 * this.nodeTop === this.nodes.length) {
        const grown = new Int32Array(Math.max(64, 2 * Math.ceil(this.nodes.length * 0.75)));
        grown.set(this.nodes);
        this.nodes = grown;
      }
      n = this.nodeTop++;
    }
    this.nodes[2 * n] = id;
    this.nodes[2 * n + 1] = next;
    return n;
  }

  private freeNodeAt(n: number): void {
    this.nodes[2 * n + 1] = this.freeNode;
    this.freeNode = n;
  }

  /** Backward shift: the displaced rest of the run moves one slot back into the hole. */
  private deleteSlot(hole: number): void {
    const slots = this.slots;
    let j = hole + 1;
    while (slots[2 * j + 1] !== 0 && this.home(slots[2 * j]! >>> 0) < j) {
      slots[2 * j - 2] = slots[2 * j]!;
      slots[2 * j - 1] = slots[2 * j + 1]!;
      j++;
    }
    slots[2 * j - 1] = 0;
    this.used--;
  }

  /**
   * Moves every pair to a table of `capacity` homes. The occupied slots, read in order, are sorted
   * by hash (homes grow with the hash), so each goes to max(its home, the slot after the last).
   */
  private rehash(capacity: number): void {
    for (;;) {
      const limit = capacity + slackFor(capacity);
      const slots = new Int32Array(2 * limit);
      const old = this.slots;
      this.capacity = capacity;
      let next = 0;
      let fits = true;
      for (let o = 0; o < old.length; o += 2) {
        const v = old[o + 1]!;
        if (v === 0) continue;
        const s = Math.max(this.home(old[o]! >>> 0), next);
        if (s >= limit - 1) {
          fits = false;
          break;
        }
        slots[2 * s] = old[o]!;
        slots[2 * s + 1] = v;
        next = s + 1;
      }
      if (fits) {
        this.slots = slots;
        this.limit = limit;
        return;
      }
      capacity = Math.ceil(capacity * 1.25);
    }
  }
}

/** A growable list of (hash, value) pairs for a bulk build, sorted once at the end. */
export class PairBuffer {
  keys: Uint32Array<ArrayBufferLike>;
  vals: Int32Array<ArrayBufferLike>;
  n = 0;

  constructor(expected: number) {
    this.keys = new Uint32Array(Math.max(16, expected));
    this.vals = new Int32Array(Math.max(16, expected));
  }

  /** Same shape as HashMultiMap.insert, so a bulk load can stand in for a table. */
  insert(h: number, v: number): void {
    this.push(h, v);
  }

  push(h: number, v: number): void {
    if (this.n === this.keys.length) {
      const size = Math.ceil(this.n * 1.5);
      const keys = new Uint32Array(size);
      const vals = new Int32Array(size);
      keys.set(this.keys);
      vals.set(this.vals);
      this.keys = keys;
      this.vals = vals;
    }
    this.keys[this.n] = h;
    this.vals[this.n++] = v;
  }

  /** Keeps the pairs whose value passes `keep`. */
  filter(keep: (v: number) => boolean): void {
    let w = 0;
    for (let r = 0; r < this.n; r++) {
      if (!keep(this.vals[r]!)) continue;
      this.keys[w] = this.keys[r]!;
      this.vals[w++] = this.vals[r]!;
    }
    this.n = w;
  }

  /** Sorts the pairs by unsigned hash: LSD radix sort, two passes of 16 bits. */
  sort(): void {
    const n = this.n;
    let keys: Uint32Array = this.keys;
    let vals: Int32Array = this.vals;
    let k2: Uint32Array = new Uint32Array(n);
    let v2: Int32Array = new Int32Array(n);
    const counts = new Uint32Array(65536);
    for (const shift of [0, 16]) {
      counts.fill(0);
      for (let i = 0; i < n; i++) counts[(keys[i]! >>> shift) & 0xffff]!++;
      let sum = 0;
      for (let b = 0; b < 65536; b++) {
        const c = counts[b]!;
        counts[b] = sum;
        sum += c;
      }
      for (let i = 0; i < n; i++) {
        const d = counts[(keys[i]! >>> shift) & 0xffff]!++;
        k2[d] = keys[i]!;
        v2[d] = vals[i]!;
      }
      [keys, k2] = [k2, keys];
      [vals, v2] = [v2, vals];
    }
    this.keys = keys;
    this.vals = vals;
  }
}

function capacityFor(n: number): number {
  return Math.max(16, Math.ceil(n / LOAD_AFTER_GROW));
}

/**
 * 32-bit hash of a key given as code units `a[off, off + len)`, with the units at positions
 * `skipA` and `skipB` (relative to `off`; -1: none) left out, so deletion variants are hashed
 * without building them. FNV-1a over code units, then the murmur3 finaliser so the high bits (which
 * pick the home slot) are well mixed. `hashString(s)` is the same hash of a string's code units.
 */
export function hashUnits(a: Uint16Array, off: number, len: number, skipA: number, skipB: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < len; i++) {
    if (i === skipA || i === skipB) continue;
    h = Math.imul(h ^ a[off + i]!, 0x01000193);
  }
  return fmix(h);
}

export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return fmix(h);
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A small reusable set of 32-bit values (dedupe of one key's variant hashes), cleared in O(1). */
export class SmallHashSet {
  private keys = new Uint32Array(256);
  private marks = new Uint32Array(256);
  private mark = 1;
  private count = 0;

  reset(): void {
    this.count = 0;
    if (++this.mark === 0xffffffff) {
      this.marks.fill(0);
      this.mark = 1;
    }
  }

  /** Adds `h`; false if it was already there. */
  add(h: number): boolean {
    if ((this.count + 1) * 2 > this.keys.length) this.grow();
    const mask = this.keys.length - 1;
    let s = h & mask;
    while (this.marks[s] === this.mark) {
      if (this.keys[s] === h) return false;
      s = (s + 1) & mask;
    }
    this.marks[s] = this.mark;
    this.keys[s] = h;
    this.count++;
    return true;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldMarks = this.marks;
    const mark = this.mark;
    this.keys = new Uint32Array(oldKeys.length * 2);
    this.marks = new Uint32Array(oldKeys.length * 2);
    this.mark = 1;
    this.count = 0;
    for (let i = 0; i < oldKeys.length; i++) if (oldMarks[i] === mark) this.add(oldKeys[i]!);
  }
}
