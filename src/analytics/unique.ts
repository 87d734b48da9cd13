/**
 * Counting distinct plates in bounded memory: an exact Set up to a cap, then a HyperLogLog.
 *
 * - Up to `cap` distinct keys the count is exact (a Set of the normalized plate keys).
 * - When the Set would exceed `cap`, its keys are folded into a HyperLogLog with 2^14 registers
 *   (16 KiB, standard error 1.04/sqrt(16384) ≈ 0.81 %) and the Set is dropped; from then on the
 *   count is an estimate, within about 2.5 % with 99.7 % confidence. Memory per window is thus at
 *   most `cap` keys or 16 KiB.
 */

/** MurmurHash3 (x86, 32-bit) of a string's UTF-16 code units, seeded. */
export function murmur3(key: string, seed = 0): number {
  let h = seed >>> 0;
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let i = 0;
  const n = key.length;
  // Two UTF-16 units per 32-bit block.
  for (; i + 1 < n; i += 2) {
    let k = (key.charCodeAt(i) & 0xffff) | ((key.charCodeAt(i + 1) & 0xffff) << 16);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < n) {
    let k = key.charCodeAt(i) & 0xffff;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= n * 2;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export const HLL_PRECISION = 14;

/** HyperLogLog (Flajolet et al. 2007) with linear counting for small cardinalities. */
export class HyperLogLog {
  private readonly p: number;
  private readonly m: number;
  private readonly registers: Uint8Array;

  constructor(precision = HLL_PRECISION) {
    this.p = precision;
    this.m = 1 << precision;
    this.registers = new Uint8Array(this.m);
  }

  add(key: string): void {
    // 32 bits pick the register and give p-bit-free rank bits; a second seed extends the rank bits
    // so that ranks above 32 - p stay possible (they never matter below ~10^9 keys).
    const h = murmur3(key, 0x9747b28c);
    const index = h >>> (32 - this.p);
    const rest = (h << this.p) >>> 0;
    let rank: number;
    if (rest !== 0) rank = Math.clz32(rest) + 1;
    else {
      const h2 = murmur3(key, 0x5bd1e995);
      rank = 32 - this.p + (h2 === 0 ? 33 : Math.clz32(h2) + 1);
    }
    if (rank > this.registers[index]!) this.registers[index] = rank;
  }

  count(): number {
    const m = this.m;
    let sum = 0;
    let zeros = 0;
    for (let i = 0; i < m; i++) {
      const r = this.registers[i]!;
      sum += 2 ** -r;
      if (r === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / m);
    const estimate = (alpha * m * m) / sum;
    if (estimate <= 2.5 * m && zeros > 0) return Math.round(m * Math.log(m / zeros));
    return Math.round(estimate);
  }
}

/** Distinct keys: exact up to `cap`, then estimated (see the module comment). */
export class UniqueCounter {
  private exact: Set<string> | null = new Set();
  private hll: HyperLogLog | null = null;

  constructor(private readonly cap: number) {}

  add(key: string): void {
    if (this.exact) {
      if (this.exact.has(key)) return;
      if (this.exact.size < this.cap) {
        this.exact.add(key);
        return;
      }
      this.hll = new HyperLogLog();
      for (const k of this.exact) this.hll.add(k);
      this.exact = null;
    }
    this.hll!.add(key);
  }

  /** True while the count is exact. */
  get isExact(): boolean {
    return this.exact !== null;
  }

  count(): number {
    return this.exact ? this.exact.size : this.hll!.count();
  }
}
