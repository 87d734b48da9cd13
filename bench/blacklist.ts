/**
 * Blacklist scenario (`npm run bench -- blacklist`): BlacklistIndex at 10,000 and 1,000,000
 * entries (Latin `AB1234` / `1ABC234` and Thai `1กข1234` plates with provinces, a few hundred
 * patterns, generated from a fixed seed). Per size: build time, memory per entry, reads/s for
 * exact only, exact + look-alike, exact + look-alike + fuzzy (k = 1) and everything on, then the
 * k = 2 level built lazily (and, on a second index, the k = 1 level built lazily, as
 * `new BlacklistIndex()` does); and in the same run a linear scan with fastest-levenshtein
 * (distance <= 1 against every key) as the baseline, timed on a few reads and extrapolated.
 *
 * Memory needs `node --expose-gc` (bench/run.ts passes it); without it the figures are skipped.
 * Sizes can be changed with BENCH_BLACKLIST_SIZES=10000,1000000.
 */
import { distance } from 'fastest-levenshtein';
import { BlacklistIndex, DEFAULT_MATCH_OPTIONS, type MatchOptions } from '../src/blacklist/index';
import { normalizePlate } from '../src/blacklist/normalize';
import { PROVINCES } from '../src/blacklist/provinces';
import type { BlacklistEntry } from '../src/protocol/schemas/blacklist';
import { printTable, saveResult } from './lib/report';

const SIZES = (process.env.BENCH_BLACKLIST_SIZES ?? '10000,1000000').split(',').map(Number);
const PATTERNS = 300;
const READS = 100_000;
const MEASURE_MS = Number(process.env.BENCH_BLACKLIST_MS ?? 1500);
const COMMAND = 'npm run bench -- blacklist';

const gc = (globalThis as { gc?: () => void }).gc;

/** mulberry32: a small seeded PRNG, so every run uses the same lists and reads. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LATIN = 'ABCDEFGHJKLMNPRSTUVWXYZ'; // no I, O, Q: as on most Latin plates
const DIGITS = '0123456789';
const THAI = Array.from({ length: 0x0e2e - 0x0e01 + 1 }, (_, i) => String.fromCharCode(0x0e01 + i)).join('');
const REASONS = ['stolen', 'unpaid fines', 'wanted', 'expired registration', 'watch', 'amber alert', 'cloned plate', 'toll evasion'];
const LISTS = [undefined, undefined, undefined, 'police', 'parking'];
const PRIORITIES = [undefined, 'low', 'medium', 'high', 'critical'] as const;
const LOOKALIKE: Record<string, string> = { '0': 'O', '8': 'B', B: '8', '1': 'I', '5': 'S', S: '5', '2': 'Z', Z: '2' };

function generator(seed: number) {
  const rnd = prng(seed);
  const pick = <T>(s: ArrayLike<T>): T => s[Math.floor(rnd() * s.length)]!;
  const run = (s: string, n: number) => Array.from({ length: n }, () => pick(s)).join('');
  const plate = (): string => {
    const r = rnd();
    if (r < 0.35) return run(LATIN, 2) + run(DIGITS, 4); // AB1234
    if (r < 0.5) return run('123456789', 1) + run(LATIN, 3) + run(DIGITS, 3); // 1ABC234
    // Thai: optional prefix digit, one or two consonants, a number 1-9999
    return (rnd() < 0.5 ? run('123456789', 1) : '') + run(THAI, rnd() < 0.8 ? 2 : 1) + String(1 + Math.floor(rnd() * 9999));
  };
  const province = () => {
    const p = pick(PROVINCES);
    return rnd() < 0.5 ? p.th : p.en;
  };
  const entry = (plate_number: string): BlacklistEntry => {
    const e: BlacklistEntry = { plate_number, reason: pick(REASONS) };
    if (rnd() < 0.7) e.province = province();
    const priority = pick(PRIORITIES);
    if (priority) e.priority = priority;
    const list = pick(LISTS);
    if (list) e.list = list;
    if (rnd() < 0.1) e.expires_at = '2099-01-01T00:00:00Z';
    return e;
  };
  const pattern = (): string => {
    const r = rnd();
    if (r < 0.4) return run(LATIN, 2) + '*'; // AB*
    if (r < 0.6) return '?' + run(LATIN, 1) + run(DIGITS, 4); // ?B1234
    if (r < 0.8) return run(THAI, 2) + '*'; // กข*
    return '*' + run(DIGITS, 4); // *1234
  };
  return { rnd, pick, plate, province, entry, pattern };
}

function makeList(n: number): BlacklistEntry[] {
  const g = generator(0x5eed + n);
  const out: BlacklistEntry[] = [];
  for (let i = 0; i < n - PATTERNS; i++) out.push(g.entry(g.plate()));
  for (let i = 0; i < PATTERNS; i++) out.push(g.entry(g.pattern()));
  return out;
}

interface Read {
  plate: string;
  province: string | null;
  kind: 'hit' | 'misread' | 'miss';
}

/** A third hits (as printed, sometimes with a space), a third misreads (look-alike or one edit), a third misses. */
function makeReads(list: BlacklistEntry[], n: number): Read[] {
  const g = generator(0xbeef + list.length);
  const plates = list.filter((e) => !/[*?]/.test(e.plate_number));
  const reads: Read[] = [];
  for (let i = 0; i < n; i++) {
    const province = g.rnd() < 0.5 ? g.province() : null;
    const k = i % 3;
    if (k === 2) {
      reads.push({ plate: g.plate(), province, kind: 'miss' });
      continue;
    }
    const e = g.pick(plates);
    let cs = [...e.plate_number];
    if (k === 0) {
      if (g.rnd() < 0.3) cs.splice(2, 0, ' ');
      reads.push({ plate: cs.join(''), province: e.province ?? province, kind: 'hit' });
      continue;
    }
    const at = Math.floor(g.rnd() * cs.length);
    const swappable = cs.findIndex((c) => LOOKALIKE[c]);
    const r = g.rnd();
    if (r < 0.4 && swappable >= 0) cs[swappable] = LOOKALIKE[cs[swappable]!]!;
    else if (r < 0.6) cs[at] = g.pick(/[\u0e00-\u0e7f]/.test(cs[at]!) ? THAI : DIGITS);
    else if (r < 0.8) cs.splice(at, 1);
    else cs.splice(at, 0, g.pick(DIGITS));
    if (cs.length === 0) cs = [...e.plate_number];
    reads.push({ plate: cs.join(''), province: e.province ?? province, kind: 'misread' });
  }
  return reads;
}

function memory(): number {
  if (!gc) return NaN;
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * Reads/s for `options`: after a short warm-up, three rounds of MEASURE_MS / 2 through `reads`,
 * the median reported; and the share of reads (of each kind) that matched.
 */
function readsPerSecond(index: BlacklistIndex, reads: Read[], options: MatchOptions): { perSecond: number; rounds: number[]; matched: number; byKind: Record<string, number> } {
  const now = Date.now();
  for (let i = 0; i < 20_000; i++) index.match(reads[i % reads.length]!.plate, reads[i % reads.length]!.province, options, now);
  let done = 0;
  let matched = 0;
  const hitsByKind: Record<string, number> = { hit: 0, misread: 0, miss: 0 };
  const countByKind: Record<string, number> = { hit: 0, misread: 0, miss: 0 };
  const rounds: number[] = [];
  for (let round = 0; round < 3; round++) {
    let n = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < MEASURE_MS / 2) {
      for (let i = 0; i < 5_000; i++) {
        const r = reads[(done + i) % reads.length]!;
        const m = index.match(r.plate, r.province, options, now);
        countByKind[r.kind]!++;
        if (m) {
          matched++;
          hitsByKind[r.kind]!++;
        }
      }
      done += 5_000;
      n += 5_000;
      elapsed = performance.now() - start;
    }
    rounds.push((n / elapsed) * 1000);
  }
  const byKind = Object.fromEntries(Object.keys(countByKind).map((k) => [k, hitsByKind[k]! / countByKind[k]!]));
  return { perSecond: [...rounds].sort((a, b) => a - b)[1]!, rounds, matched: matched / done, byKind };
}

/** The baseline: every read compared with every key by fastest-levenshtein, distance <= 1. */
function linearScan(keys: string[], reads: Read[], count: number): { perSecond: number; reads: number } {
  let found = 0;
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const key = normalizePlate(reads[i]!.plate);
    for (let j = 0; j < keys.length; j++) if (distance(key, keys[j]!) <= 1) found++;
  }
  const ms = performance.now() - start;
  if (found < 0) console.log(found);
  return { perSecond: (count / ms) * 1000, reads: count };
}

const MODES: Array<[string, MatchOptions]> = [
  ['exact', { ...DEFAULT_MATCH_OPTIONS, lookalike: false, fuzzy: false, pattern: false }],
  ['exact+lookalike', { ...DEFAULT_MATCH_OPTIONS, lookalike: true, fuzzy: false, pattern: false }],
  ['exact+lookalike+fuzzy(k=1)', { ...DEFAULT_MATCH_OPTIONS, lookalike: true, fuzzy: true, maxDistance: 1, pattern: false }],
  ['all on (k=1, patterns)', { ...DEFAULT_MATCH_OPTIONS, lookalike: true, fuzzy: true, maxDistance: 1, pattern: true }],
  ['all on (k=2, patterns)', { ...DEFAULT_MATCH_OPTIONS, lookalike: true, fuzzy: true, maxDistance: 2, pattern: true }],
];

async function measureSize(n: number) {
  const m0 = memory();
  const list = makeList(n);
  const m1 = memory();
  // What `new BlacklistIndex()` does (no deletion level until a fuzzy query asks for one).
  let plain: BlacklistIndex | null = new BlacklistIndex();
  let t = performance.now();
  plain.replace(list);
  const buildPlainMs = performance.now() - t;
  t = performance.now();
  plain.match('ZZZZZZZZ', null, MODES[2]![1], Date.now());
  const lazyK1Ms = performance.now() - t;
  plain = null;
  memory();

  const t0 = performance.now();
  const index = new BlacklistIndex({ fuzzyMaxDistance: 1 });
  index.replace(list);
  const buildMs = performance.now() - t0;
  const m2 = memory();
  const stats1 = index.stats();

  const reads = makeReads(list, READS);
  const modes: Record<string, ReturnType<typeof readsPerSecond>> = {};
  for (const [name, options] of MODES.slice(0, 4)) modes[name] = readsPerSecond(index, reads, options);

  // The k = 2 level, built lazily by the first query that asks for it.
  const m3 = memory();
  const t2 = performance.now();
  index.match('ZZZZZZZZ', null, MODES[4]![1], Date.now());
  const lazyK2Ms = performance.now() - t2;
  const m4 = memory();
  const stats2 = index.stats();
  modes[MODES[4]![0]] = readsPerSecond(index, reads, MODES[4]![1]);

  const keys = index.indexedEntries().filter((e) => !e.isPattern).map((e) => e.key);
  const baselineReads = n >= 1_000_000 ? 20 : n >= 100_000 ? 100 : 500;
  const baseline = linearScan(keys, reads, baselineReads);
  const fuzzy = modes['exact+lookalike+fuzzy(k=1)']!;

  return {
    entries: n,
    held: index.size,
    patterns: stats1.patterns,
    buildMs,
    buildPlainMs,
    lazyK1Ms,
    bytesPerEntry: {
      entryObjects: (m1 - m0) / n,
      index: (m2 - m1) / n,
      k2Extra: (m4 - m3) / n,
    },
    tableBytesPerEntry: Object.fromEntries(Object.entries(stats2.tableBytes).map(([k, v]) => [k, v / n])),
    lazyK2Ms,
    modes,
    baseline,
    ratio: fuzzy.perSecond / baseline.perSecond,
    keepAlive: index.size + list.length,
  };
}

async function main() {
  if (!gc) console.log('(run with node --expose-gc for memory figures)');
  const results = [];
  for (const n of SIZES) {
    const r = await measureSize(n);
    results.push(r);
    console.log(`${n} entries measured`);
  }
  const fmt = (x: number, d = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : 'n/a');
  printTable(`blacklist index: build and memory (command: ${COMMAND})`, results.map((r) => ({
    entries: fmt(r.entries),
    'build s (k=1 index)': fmt(r.buildMs / 1000, 2),
    'build s (no fuzzy) + lazy k=1 s': `${fmt(r.buildPlainMs / 1000, 2)} + ${fmt(r.lazyK1Ms / 1000, 2)}`,
    'index B/entry': fmt(r.bytesPerEntry.index),
    '+k=2 B/entry': fmt(r.bytesPerEntry.k2Extra),
    'k=2 lazy build s': fmt(r.lazyK2Ms / 1000, 2),
    'entry objects B/entry': fmt(r.bytesPerEntry.entryObjects),
  })));
  printTable('typed-array bytes per entry (exact / look-alike / near level 0+1 / near level 2 / 32-byte records)', results.map((r) => ({
    entries: fmt(r.entries),
    exact: fmt(r.tableBytesPerEntry.exact!, 1),
    lookalike: fmt(r.tableBytesPerEntry.lookalike!, 1),
    near1: fmt(r.tableBytesPerEntry.near1!, 1),
    near2: fmt(r.tableBytesPerEntry.near2!, 1),
    records: fmt(r.tableBytesPerEntry.records!, 1),
  })));
  const rows: Array<Record<string, string>> = [];
  for (const r of results) {
    for (const [mode] of MODES) {
      const m = r.modes[mode]!;
      rows.push({
        entries: fmt(r.entries),
        mode,
        'reads/s': fmt(m.perSecond),
        matched: `${(m.matched * 100).toFixed(1)} %`,
        'hits / misreads / misses matched': ['hit', 'misread', 'miss'].map((k) => `${(m.byKind[k]! * 100).toFixed(0)} %`).join(' / '),
      });
    }
    rows.push({ entries: fmt(r.entries), mode: `linear scan, fastest-levenshtein <= 1 (${r.baseline.reads} reads)`, 'reads/s': fmt(r.baseline.perSecond, 1), matched: '', 'hits / misreads / misses matched': '' });
  }
  printTable(`blacklist index: reads/s, median of 3 rounds (${READS.toLocaleString('en-US')} reads cycled: 1/3 hits, 1/3 misreads, 1/3 misses; half with a province)`, rows);
  for (const r of results) {
    console.log(`${fmt(r.entries)} entries: index (exact+lookalike+fuzzy k=1) / linear scan = ${fmt(r.ratio)}x`);
  }
  const big = results.find((r) => r.entries >= 1_000_000);
  if (big) {
    const rps = big.modes['exact+lookalike+fuzzy(k=1)']!.perSecond;
    console.log(`targets at 1,000,000 entries: >= 200,000 reads/s with look-alike + fuzzy (k=1): ${fmt(rps)} ${rps >= 200_000 ? 'met' : 'NOT met'}; >= 1000x a linear scan: ${fmt(big.ratio)}x ${big.ratio >= 1000 ? 'met' : 'NOT met'}`);
  }
  const file = saveResult('blacklist', { command: COMMAND, sizes: SIZES, patterns: PATTERNS, reads: READS, measureMs: MEASURE_MS, results: results.map(({ keepAlive: _k, ...r }) => r) });
  console.log(`saved ${file}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
