/**
 * Plate-text normalisation and look-alike classes (contract: ./API.md). Pure; no Node-RED import.
 *
 * ## The key (normalizePlate / parsePlate().key)
 * One pass over the UTF-16 code units through a 64 Ki-entry table built at module load:
 * - dropped: white space of every kind (incl. NBSP, U+2000–U+200A, U+3000, line/paragraph separators),
 *   invisible format characters (zero-width space/joiners, word joiner, BOM, soft hyphen, bidi marks),
 *   C0/C1 control characters, and the separators '-', '.', '·', '_', '/', ',' with their Unicode and
 *   full-width variants (dashes U+2010–U+2015, minus U+2212, bullet/dot operators, ideographic comma/stop…);
 * - digits: Thai ๐–๙ (U+0E50–U+0E59), Arabic-Indic (U+0660–U+0669), Eastern Arabic-Indic (U+06F0–U+06F9)
 *   and full-width ０–９ become ASCII 0–9;
 * - full-width ASCII (U+FF01–U+FF5E) becomes ASCII;
 * - SARA AM ำ (U+0E33) becomes SARA AA า (U+0E32): NFKC/NFKD and many OCR and Python pipelines write it
 *   as NIKHAHIT + SARA AA (U+0E4D U+0E32), and NIKHAHIT is a dropped mark (below), so both spellings
 *   give one key and 'ลำปาง' / 'ลําปาง' are the same province;
 * - letters are upper-cased (ASCII, Latin-1 and every other BMP letter whose upper case is one code unit);
 * - Thai non-spacing marks (vowels above/below ั ิ ี ึ ื ุ ู ฺ, ็, tone marks ่ ้ ๊ ๋, ์ ํ ๎ — U+0E31,
 *   U+0E34–U+0E3A, U+0E47–U+0E4E) are dropped. The registration part of a Thai plate (prefix digit,
 *   consonants, number) never carries one, so a mark in OCR output there is noise; on the province
 *   line they are dropped consistently from the text and from the province names we compare against.
 *   Spacing Thai characters (consonants, เ แ โ ใ ไ า ะ ำ ฯ ๆ …) are kept as they are.
 * - everything else is kept. Text that contains a character outside ASCII/Latin-1/Thai/the folded
 *   ranges (Greek, Cyrillic, combining diacritics, astral characters, Latin-1 compatibility characters
 *   such as ª ² µ ¼…) takes a slow path that applies NFKC before and after the table, so the key is the
 *   same for the NFC, NFD, NFKC and NFKD forms of a text. ASCII/Latin-1/Thai text is NFKC already once
 *   the Thai marks are dropped and SARA AM folded, so the fast path never calls String.prototype.normalize.
 *
 * Then a province name at the end or the start (two-line Thai plates: 'กข 1234\nเชียงใหม่') is removed and
 * reported — ONLY when what remains is a Thai plate (see below). Province names are matched on the folded
 * text, so the separator between the registration and the province is optional; Thai names, the Thai
 * abbreviation (กทม, ชม, …), English spellings and aliases are recognised, optionally with 'จังหวัด'/'จ.'
 * /'Changwat' before or 'Province' after. A plate that is not Thai keeps any trailing word in its key.
 *
 * ## Thai plates (parsePlate().thai)
 * - letter form: optional leading digit 1–9, one or two Thai consonants (U+0E01–U+0E2E), 1–4 digits:
 *   '1กข1234' → { prefix: '1', letters: 'กข', number: '1234' }; 'ขก99' → { prefix: '', letters: 'ขก', number: '99' }.
 * - numeric form (trucks/buses/public vehicles, printed 'NN-NNNN'): a key of 6 or 7 ASCII digits only,
 *   read as 2–3 digits + 4 digits: '70-1234' → key '701234' → { prefix: '70', letters: '', number: '1234' }.
 *   The key has no dash, so ANY 6–7-digit key is reported this way; callers that know the plate is not
 *   Thai should ignore `thai`.
 *
 * ## Idempotence
 * normalizePlate(normalizePlate(x)) === normalizePlate(x): the table maps every output character to itself
 * (the slow path iterates NFKC∘table to a fixed point), and a province is only removed when the remainder
 * is a Thai plate key, which can neither end with a name (it ends with a digit) nor start with one (a name
 * is at least two characters and never a digit+consonant pair, while a Thai key has at most one
 * character before a one/two-consonant run).
 *
 * ## Look-alike classes (lookalikeChar / lookalikeKey / substitutions)
 * Disjoint classes (an equivalence relation, so lookalikeKey is idempotent) applied position by position:
 * each character of the key is replaced by its class representative. Thai consonants and Latin
 * letters/digits are single UTF-16 code units; characters outside every class map to themselves.
 * See LATIN_LOOKALIKE_CLASSES and THAI_LOOKALIKE_CLASSES for the classes and their rationale.
 */

import { PROVINCE_ABBREVIATIONS, PROVINCES } from './provinces';

export interface ParsedPlate {
  /** Canonical key: see the module comment. */
  key: string;
  /** ISO 3166-2:TH code of the province found in the raw text (removed from the key), else null. */
  province: string | null;
  /** The Thai plate parts when the key is a Thai plate, else null. */
  thai: { prefix: string; letters: string; number: string } | null;
}

// =============================================================================================
// Character table
// =============================================================================================

/** MAP[c] = target code unit; | NEEDS_NFKC when the text must take the NFKC slow path; or DROP. */
const NEEDS_NFKC = 0x10000;
const DROP = 0x20000;
const MAP = new Int32Array(0x10000);

/** Char types for the Thai grammar: 1 = ASCII digit, 2 = Thai consonant U+0E01–U+0E2E. */
const CT = new Uint8Array(0x10000);
const T_DIGIT = 1;
const T_CONS = 2;

/** Code units that are separators, invisible, or control characters: dropped from the key. */
function isDropped(c: number): boolean {
  return (
    c <= 0x20 || // C0 controls incl. \t \n \v \f \r, and space
    (c >= 0x7f && c <= 0xa0) || // DEL, C1 controls (incl. NEL U+0085), NBSP
    c === 0x2d || c === 0x2e || c === 0x5f || c === 0x2f || c === 0x2c || // - . _ / ,
    c === 0xad || c === 0xb7 || c === 0x387 || // soft hyphen, middle dot, Greek ano teleia (NFC → ·)
    c === 0x60c || // Arabic comma
    c === 0x1680 || c === 0x180e ||
    (c >= 0x2000 && c <= 0x200f) || // spaces, ZWSP, ZWNJ, ZWJ, LRM, RLM
    (c >= 0x2010 && c <= 0x2015) || // hyphen … horizontal bar
    c === 0x2022 || c === 0x2024 || c === 0x2027 || // bullet, one-dot leader, hyphenation point
    (c >= 0x2028 && c <= 0x202f) || // line/paragraph separators, bidi embeddings, narrow NBSP
    c === 0x2044 || c === 0x205f || (c >= 0x2060 && c <= 0x206f) || // fraction slash, MMSP, word joiner, invisibles
    c === 0x2212 || c === 0x2215 || c === 0x2219 || c === 0x22c5 || // minus, division slash, bullet/dot operators
    c === 0x3000 || c === 0x3001 || c === 0x3002 || c === 0x30fb || // ideographic space, comma, full stop; katakana middle dot
    c === 0xfe58 || c === 0xfe63 || c === 0xfeff || c === 0xff61 || c === 0xff64 || c === 0xff65
  );
}

/** Thai non-spacing marks: MAI HAN-AKAT, SARA I…PHINTHU, MAITAIKHU…YAMAKKAN. */
function isThaiMark(c: number): boolean {
  return c === 0x0e31 || (c >= 0x0e34 && c <= 0x0e3a) || (c >= 0x0e47 && c <= 0x0e4e);
}

/** Upper case of one code unit when it is a single code unit that is its own upper case, else c. */
function upperUnit(c: number): number {
  if (c >= 0xd800 && c <= 0xdfff) return c;
  const u = String.fromCharCode(c).toUpperCase();
  if (u.length !== 1) return c;
  return u.toUpperCase() === u ? u.charCodeAt(0) : c;
}

(function buildMap(): void {
  // Default: kept as is, but outside ASCII/Latin-1/Thai the text takes the NFKC slow path.
  for (let c = 0; c < 0x10000; c++) MAP[c] = c | NEEDS_NFKC;
  const rule = (c: number): void => {
    if (isDropped(c) || isThaiMark(c)) MAP[c] = DROP;
    else if (c === 0x0e33) MAP[c] = 0x0e32; // SARA AM = NIKHAHIT (a dropped mark) + SARA AA, its NFKC form
    else if (c >= 0x0e50 && c <= 0x0e59) MAP[c] = 0x30 + (c - 0x0e50); // Thai digits
    else if (c >= 0x0660 && c <= 0x0669) MAP[c] = 0x30 + (c - 0x0660); // Arabic-Indic digits
    else if (c >= 0x06f0 && c <= 0x06f9) MAP[c] = 0x30 + (c - 0x06f0); // Eastern Arabic-Indic digits
    else if (c >= 0xff01 && c <= 0xff5e) {
      const a = c - 0xfee0; // full-width ASCII → ASCII, then the ASCII rule
      MAP[c] = isDropped(a) ? DROP : upperUnit(a);
    } else if ((c < 0x300 && String.fromCharCode(c).normalize('NFKC') === String.fromCharCode(c)) || (c >= 0x0e00 && c <= 0x0e7f)) {
      // Below U+0300 every character is NFC-stable and never composes with a preceding one (those with a
      // compatibility decomposition — ª ² µ ¼ … — take the NFKC slow path); Thai has no canonical
      // compositions, its reorderable marks are dropped and its one compatibility form (SARA AM) is
      // folded above: no normalisation needed.
      MAP[c] = upperUnit(c);
    }
    // else: slow path; its upper case is taken in mapPlain, keeping module load cheap.
  };
  for (let c = 0; c < 0x300; c++) rule(c);
  for (let c = 0x0e00; c <= 0x0e7f; c++) rule(c);
  for (const [lo, hi] of [[0x0387, 0x0387], [0x060c, 0x060c], [0x0660, 0x0669], [0x06f0, 0x06f9], [0x1680, 0x1680],
    [0x180e, 0x180e], [0x2000, 0x206f], [0x2212, 0x22c5], [0x3000, 0x30fb], [0xfe58, 0xfe63], [0xfeff, 0xff65]] as const)
    for (let c = lo; c <= hi; c++) rule(c);
})();
for (let c = 0x30; c <= 0x39; c++) CT[c] = T_DIGIT;
for (let c = 0x0e01; c <= 0x0e2e; c++) CT[c] = T_CONS;

const DIGIT_CHARS: readonly string[] = Array.from({ length: 10 }, (_, d) => String(d));

/** Table-only fold (no NFKC): used by the slow path. */
function mapPlain(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const m = MAP[c]!;
    if (m === DROP) continue;
    out += String.fromCharCode(m & NEEDS_NFKC ? upperUnit(c) : m);
  }
  return out;
}

/** NFKC ∘ table ∘ NFKC iterated to a fixed point (rare: non-Latin-1, non-Thai text). */
function slowFold(raw: string): string {
  let s = raw.normalize('NFKC');
  for (let i = 0; i < 6; i++) {
    const t = mapPlain(s).normalize('NFKC');
    if (t === s) return s;
    s = t;
  }
  return s;
}

/**
 * The character-level part of the key: separators/marks dropped, digits folded, Latin upper-cased.
 * Returns the input string itself when nothing changes; otherwise copies unchanged runs with slice.
 */
export function foldPlateChars(s: string): string {
  const n = s.length;
  let out = '';
  let run = 0; // start of the pending unchanged run
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    const m = MAP[c]!;
    if (m === c) continue;
    if (m & NEEDS_NFKC) return slowFold(s);
    if (i > run) out += s.slice(run, i);
    if (m !== DROP) out += m >= 0x30 && m <= 0x39 ? DIGIT_CHARS[m - 0x30]! : String.fromCharCode(m);
    run = i + 1;
  }
  if (run === 0) return s;
  return run < n ? out + s.slice(run) : out;
}

// =============================================================================================
// Thai plate grammar (on folded text)
// =============================================================================================

/**
 * The Thai plate that starts at index 0 of s and is followed by a non-digit (or the end), packed in
 * one number so the hot path allocates nothing: its end index (bits 0-7), the length of its prefix
 * (bits 8-11) and of its consonant run (bits 12-15); -1 when there is none. Letter form
 * [1-9]? C{1,2} D{1,4}, numeric form D{6,7}. The end is headEnd(head), the prefix length
 * (head >> 8) & 0xf, the consonant count (head >> 12) & 0xf.
 */
function thaiHead(s: string, n: number): number {
  if (n === 0) return -1;
  let i = 0;
  const c0 = s.charCodeAt(0);
  if (CT[c0] === T_DIGIT) {
    let d = 1;
    while (d < n && CT[s.charCodeAt(d)] === T_DIGIT) d++;
    if (d >= 6 && d <= 7) return d | ((d - 4) << 8);
    if (d !== 1 || c0 === 0x30) return -1;
    i = 1; // leading digit 1–9, a consonant must follow (checked below)
  }
  let k = 0;
  while (k < 3 && i + k < n && CT[s.charCodeAt(i + k)] === T_CONS) k++;
  if (k === 0 || k > 2) return -1;
  const p = i;
  i += k;
  let r = 0;
  while (r < 5 && i + r < n && CT[s.charCodeAt(i + r)] === T_DIGIT) r++;
  if (r === 0 || r > 4) return -1;
  return (i + r) | (p << 8) | (k << 12);
}

/** End index of a packed thaiHead result (-1 stays -1). */
function headEnd(head: number): number {
  return head < 0 ? -1 : head & 0xff;
}

/** The Thai parts of a key, or null when the key is not a Thai plate. */
export function thaiPlateParts(key: string): { prefix: string; letters: string; number: string } | null {
  const n = key.length;
  const head = thaiHead(key, n);
  if (headEnd(head) !== n) return null;
  const p = (head >> 8) & 0xf;
  const k = (head >> 12) & 0xf;
  if (k === 0) return { prefix: key.slice(0, p), letters: '', number: key.slice(p) };
  return { prefix: key.slice(0, p), letters: key.slice(p, p + k), number: key.slice(p + k) };
}

/** True when the (normalised) key is a Thai plate in either form. */
export function isThaiPlateKey(key: string): boolean {
  return headEnd(thaiHead(key, key.length)) === key.length;
}

// =============================================================================================
// Province names in plate text
// =============================================================================================

const DETECT = new Map<string, string>();
/** Folded province spellings claimed by two provinces (should stay empty; asserted by the tests). */
export const PLATE_PROVINCE_CONFLICTS: readonly string[] = (() => {
  const conflicts: string[] = [];
  const add = (name: string, code: string): void => {
    const k = foldPlateChars(name);
    // Idempotence needs names of >= 2 characters that do not start with a digit.
    if (k.length < 2 || CT[k.charCodeAt(0)] === T_DIGIT) return;
    const prev = DETECT.get(k);
    if (prev === undefined) DETECT.set(k, code);
    else if (prev !== code) conflicts.push(`${k}: ${prev} / ${code}`);
  };
  const isThai = (s: string): boolean => /[\u0e00-\u0e7f]/.test(s);
  const pass = (names: (p: (typeof PROVINCES)[number]) => string[]): void => {
    for (const p of PROVINCES) for (const name of names(p)) add(name, p.code);
  };
  pass((p) => [p.th, p.en]); // official names first: never shadowed
  pass((p) => p.aliases);
  // 'จังหวัด…', 'จ.…', 'Changwat …', '… Province' — not around the short Thai abbreviations:
  // 'จ.' + 'บก' would read as 'จบ' (Chanthaburi) + plate letter 'ก'.
  const abbreviations = new Set(PROVINCE_ABBREVIATIONS.values());
  pass((p) =>
    [p.th, p.en, ...p.aliases]
      .filter((a) => !abbreviations.has(a))
      .flatMap((a) => (isThai(a) ? [`จังหวัด${a}`, `จ.${a}`] : [`Changwat ${a}`, `${a} Province`])),
  );
  return Object.freeze(conflicts);
})();

/**
 * What normalisation found: the key, and the province it removed from the text. A caller on a hot
 * path keeps one and passes it to parsePlateInto, so a read allocates no result object.
 */
export interface PlateKey {
  key: string;
  /** ISO 3166-2:TH code of the province found in the text (removed from the key), else null. */
  province: string | null;
}

/** A fresh PlateKey to reuse with parsePlateInto. */
export function plateKeyScratch(): PlateKey {
  return { key: '', province: null };
}

/** Folded text → key, stripping a leading/trailing province when the rest is a Thai plate; fills and returns `out`. */
export function parsePlateInto(raw: string, out: PlateKey): PlateKey {
  out.province = null;
  const s = foldPlateChars(raw);
  out.key = s;
  const n = s.length;
  if (n < 3) return out;

  // Trailing province: the longest Thai plate at the start, followed by a known name.
  const end = headEnd(thaiHead(s, n));
  if (end > 0 && end < n) {
    const code = DETECT.get(s.slice(end));
    if (code !== undefined) {
      out.province = code;
      out.key = s.slice(0, end);
      return out;
    }
  }

  // Leading province: a known name followed by a Thai plate that runs to the end.
  if (CT[s.charCodeAt(0)] === T_DIGIT) return out;
  let r = 0;
  while (r < 8 && r < n && CT[s.charCodeAt(n - 1 - r)] === T_DIGIT) r++;
  if (r >= 6 && r <= 7) {
    const st = n - r;
    if (st >= 2) {
      const code = DETECT.get(s.slice(0, st));
      if (code !== undefined) {
        out.province = code;
        out.key = s.slice(st);
        return out;
      }
    }
  } else if (r >= 1 && r <= 4) {
    let c = 0;
    while (c < 3 && n - r - 1 - c >= 0 && CT[s.charCodeAt(n - r - 1 - c)] === T_CONS) c++;
    // Try the shorter plate (longer name) first: 'ตรังก1234' is Trang + ก1234, not Trat's
    // abbreviation ตร + งก1234. Both readings fit the grammar; the full name is the likelier one.
    for (let k = 1, kMax = c < 2 ? c : 2; k <= kMax; k++) {
      let st = n - r - k;
      if (k === c && st >= 1) {
        const d = s.charCodeAt(st - 1);
        if (CT[d] === T_DIGIT && d !== 0x30) st--; // optional leading digit 1–9
      }
      if (st < 2) continue;
      const code = DETECT.get(s.slice(0, st));
      if (code !== undefined) {
        out.province = code;
        out.key = s.slice(st);
        return out;
      }
    }
  }
  return out;
}

/** Scratch for normalizePlate, which only returns the key (synchronous, so one is enough). */
const SCRATCH = plateKeyScratch();

/** Canonical key of a plate reading (= parsePlate(raw).key). Idempotent. */
export function normalizePlate(raw: string): string {
  return parsePlateInto(raw, SCRATCH).key;
}

/** Key, province found in the text (removed from the key), and Thai plate parts. */
export function parsePlate(raw: string): ParsedPlate {
  const { key, province } = parsePlateInto(raw, plateKeyScratch());
  return { key, province, thai: thaiPlateParts(key) };
}

// =============================================================================================
// Look-alike classes
// =============================================================================================

/**
 * Latin letters / digits an OCR confuses on plates; the representative is the digit.
 * 0/O/D/Q — closed round bowls; 1/I/L — single vertical stroke (L's foot is often lost);
 * 8/B — two stacked bowls; 5/S — same S-curve with a flat or round top; 2/Z — diagonal with flat base;
 * 6/G — open bowl with an inward hook (a common ANPR confusion; the one addition to the five).
 */
export const LATIN_LOOKALIKE_CLASSES: readonly string[] = Object.freeze(['0ODQ', '1IL', '8B', '5S', '2Z', '6G']);

/**
 * Thai consonants that differ only by a small stroke a plate OCR loses or adds (a notch, a tail, a
 * taller stem, the direction of the head loop); the representative is the first letter of each class.
 * Obsolete ฃ/ฅ are included so an OCR that emits them still matches.
 */
export const THAI_LOOKALIKE_CLASSES: readonly string[] = Object.freeze([
  'กถภ', // same arch; ถ/ภ add a head loop at the foot (loop turned in vs out), ก has none
  'ขฃชซ', // same two-stem body with head loop; ฃ notched top, ช tail on the right stem, ซ both
  'คฅดตศ', // arch with an inner head loop (ค at the top, ด at the foot); ฅ/ต add a notch, ศ a tail
  'บปษ', // U-shape with head loop; ป has a tall right stem, ษ an added inner stroke and tail
  'ผฝพฟ', // W-shape with head loop; ฝ/ฟ tall right stem, พ/ฟ pointed rather than flat middle
  'ฎฏฐ', // same body; differ only in the flourish under the foot (ฎ/ฏ) or the tail (ฐ)
  'ทฑ', // ฑ replaces ท's head loop with a split curl
  'รว', // same hooked body with a loop at the foot; ร adds the notch at the top
  'ลส', // ส is ล with a tail on the top
  'อฮ', // ฮ is อ with a tail at the foot
]);

/** LA[c] = representative code unit of c's class (c itself when in no class). */
const LA = new Uint16Array(0x10000);
for (let c = 0; c < 0x10000; c++) LA[c] = c;
for (const cls of [...LATIN_LOOKALIKE_CLASSES, ...THAI_LOOKALIKE_CLASSES]) {
  const rep = cls.charCodeAt(0);
  for (let i = 0; i < cls.length; i++) {
    const c = cls.charCodeAt(i);
    if (LA[c] !== c) throw new Error(`look-alike classes overlap at ${cls[i]}`);
    LA[c] = rep;
  }
}

/** Representative of ch's look-alike class (ch itself if none). ch is one character of a key. */
export function lookalikeChar(ch: string): string {
  if (ch.length !== 1) return ch;
  const c = ch.charCodeAt(0);
  const m = LA[c]!;
  return m === c ? ch : String.fromCharCode(m);
}

/** Per position: lookalikeChar of each character of a normalised key. Idempotent. */
export function lookalikeKey(key: string): string {
  const n = key.length;
  let out = '';
  let run = 0;
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    const m = LA[c]!;
    if (m === c) continue;
    if (i > run) out += key.slice(run, i);
    out += m >= 0x30 && m <= 0x39 ? DIGIT_CHARS[m - 0x30]! : String.fromCharCode(m);
    run = i + 1;
  }
  if (run === 0) return key;
  return run < n ? out + key.slice(run) : out;
}

/**
 * Number of positions at which two normalised keys differ, when every differing position holds two
 * characters of the same look-alike class; Infinity when the lengths differ or a position differs
 * across classes. Symmetric; 0 iff a === b. (Code-unit comparison equals code-point comparison here:
 * surrogates are in no class, so any misaligned astral character yields Infinity.)
 */
export function substitutions(a: string, b: string): number {
  const n = a.length;
  if (n !== b.length) return Infinity;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    if (LA[ca] !== LA[cb]) return Infinity;
    count++;
  }
  return count;
}
