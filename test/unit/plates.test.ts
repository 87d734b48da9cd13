import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  isThaiPlateKey,
  LATIN_LOOKALIKE_CLASSES,
  lookalikeChar,
  lookalikeKey,
  normalizePlate,
  parsePlate,
  PLATE_PROVINCE_CONFLICTS,
  substitutions,
  THAI_LOOKALIKE_CLASSES,
} from '../../src/blacklist/normalize';
import { PROVINCE_ABBREVIATIONS, provinceCode, PROVINCES } from '../../src/blacklist/provinces';

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

const LATIN = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('');
const DIGITS = '0123456789'.split('');
/** Thai consonants ก–ฮ (U+0E01–U+0E2E). */
const THAI_CONSONANTS = Array.from({ length: 0x2e }, (_, i) => String.fromCharCode(0x0e01 + i));
const THAI_DIGITS = '๐๑๒๓๔๕๖๗๘๙';
const ARABIC_INDIC = '٠١٢٣٤٥٦٧٨٩';
const EASTERN_ARABIC_INDIC = '۰۱۲۳۴۵۶۷۸۹';
const FULLWIDTH_DIGITS = '０１２３４５６７８９';
/** Separators that must never reach a key. */
const SEPARATORS = [' ', '-', '.', '\u00a0', '·', '_', '/', ',', '\t', '\n', '\r\n', '\u200b', '\u2060', '\ufeff', '\u3000', '\u2013', '\u2212', '\u202f', '－', '．'];

const digit = fc.constantFrom(...DIGITS);
const latinKey = fc.string({ unit: fc.constantFrom(...LATIN, ...DIGITS), minLength: 1, maxLength: 10 });
/** A Thai plate key in the letter form: [1-9]? C{1,2} D{1,4}. */
const thaiLetterKey = fc
  .tuple(
    fc.option(fc.constantFrom(...'123456789'), { nil: '' }),
    fc.string({ unit: fc.constantFrom(...THAI_CONSONANTS), minLength: 1, maxLength: 2 }),
    fc.string({ unit: digit, minLength: 1, maxLength: 4 }),
  )
  .map(([p, l, n]) => p + l + n);
/** The numeric form NN-NNNN / NNN-NNNN, as its key. */
const thaiNumericKey = fc
  .tuple(fc.string({ unit: digit, minLength: 2, maxLength: 3 }), fc.string({ unit: digit, minLength: 4, maxLength: 4 }))
  .map(([a, b]) => a + b);
const thaiKey = fc.oneof(thaiLetterKey, thaiNumericKey);
/** Keys over the whole plate alphabet (not necessarily well-formed plates). */
const mixedKey = fc.string({ unit: fc.constantFrom(...LATIN, ...DIGITS, ...THAI_CONSONANTS), minLength: 1, maxLength: 12 });
const anyKey = fc.oneof(latinKey, thaiKey, mixedKey);

/** Interleave random runs of separators between (and around) the characters of s. */
function withSeparators(s: string): fc.Arbitrary<string> {
  const chars = [...s];
  return fc
    .array(fc.array(fc.constantFrom(...SEPARATORS), { maxLength: 2 }), { minLength: chars.length + 1, maxLength: chars.length + 1 })
    .map((gaps) => gaps[0]!.join('') + chars.map((ch, i) => ch + gaps[i + 1]!.join('')).join(''));
}

/** Replace every ASCII digit by the same digit in a random script. */
function withForeignDigits(s: string): fc.Arbitrary<string> {
  const chars = [...s];
  return fc
    .array(fc.integer({ min: 0, max: 4 }), { minLength: chars.length, maxLength: chars.length })
    .map((scripts) =>
      chars
        .map((ch, i) => {
          const d = DIGITS.indexOf(ch);
          if (d < 0) return ch;
          return ['0123456789', THAI_DIGITS, ARABIC_INDIC, EASTERN_ARABIC_INDIC, FULLWIDTH_DIGITS][scripts[i]!]![d]!;
        })
        .join(''),
    );
}

/** Lower-case a random subset of the Latin letters. */
function withRandomCase(s: string): fc.Arbitrary<string> {
  const chars = [...s];
  return fc
    .array(fc.boolean(), { minLength: chars.length, maxLength: chars.length })
    .map((lower) => chars.map((ch, i) => (lower[i] ? ch.toLowerCase() : ch)).join(''));
}

/** Characters worth throwing at the normaliser: every script and trap it handles, and some it does not. */
const INTERESTING = [
  ...LATIN, ...LATIN.map((c) => c.toLowerCase()), ...DIGITS, ...SEPARATORS,
  ...Array.from({ length: 0x80 }, (_, i) => String.fromCharCode(0x0e00 + i)), // whole Thai block: vowels, marks, digits
  ...ARABIC_INDIC, ...EASTERN_ARABIC_INDIC, ...FULLWIDTH_DIGITS, 'Ａ', 'ｚ', '＿', '／',
  'é', 'e\u0301', '\u0301', '\u0327', 'ß', 'ﬁ', 'µ', 'ÿ', 'ı', 'ſ', 'Ω', 'ω', 'ж', 'Å', '\u212b', '①', '²', '😀', '\ud800',
  'เชียงใหม่', 'กรุงเทพมหานคร', 'กทม', 'ชม', 'Bangkok', 'จ.', 'จังหวัด', 'Province',
];
const nastyString = fc.oneof(
  fc.string({ unit: fc.constantFrom(...INTERESTING), maxLength: 16 }),
  fc.string({ unit: 'binary', maxLength: 16 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
);

// ---------------------------------------------------------------------------------------------
// Normalisation properties
// ---------------------------------------------------------------------------------------------

describe('blacklist/normalize — properties', () => {
  it('normalizePlate is idempotent on arbitrary text', () => {
    fc.assert(
      fc.property(nastyString, (raw) => {
        const k = normalizePlate(raw);
        assert.equal(normalizePlate(k), k);
        assert.equal(parsePlate(k).key, k);
      }),
      { numRuns: 3000 },
    );
  });

  it('is idempotent on plate + province text in any layout', () => {
    const province = fc.constantFrom(...PROVINCES);
    fc.assert(
      fc.property(anyKey, province, fc.nat(), fc.boolean(), (key, p, pick, before) => {
        const names = [p.th, p.en, ...p.aliases];
        const name = names[pick % names.length]!;
        const raw = before ? `${name}\n${key}` : `${key}\n${name}`;
        const k = normalizePlate(raw);
        assert.equal(normalizePlate(k), k);
      }),
      { numRuns: 2000 },
    );
  });

  it('keys are NFC and free of separators', () => {
    fc.assert(
      fc.property(nastyString, (raw) => {
        const k = normalizePlate(raw);
        assert.equal(k.normalize('NFC'), k);
        assert.doesNotMatch(k, /[\s\-._/,·\u200b\u2060\ufeff]/u);
      }),
      { numRuns: 2000 },
    );
  });

  it('a key is its own normal form', () => {
    fc.assert(fc.property(anyKey, (key) => assert.equal(normalizePlate(key), normalizePlate(normalizePlate(key)))));
    fc.assert(fc.property(fc.oneof(latinKey, thaiKey), (key) => assert.equal(normalizePlate(key), key)));
  });

  it('inserting separators (spaces, dashes, dots, NBSP, zero-width, line breaks) anywhere does not change the key', () => {
    fc.assert(
      fc.property(
        anyKey.chain((key) => fc.tuple(fc.constant(key), withSeparators(key))),
        ([key, raw]) => assert.equal(normalizePlate(raw), normalizePlate(key)),
      ),
      { numRuns: 2000 },
    );
  });

  it('Thai, Arabic-Indic, Eastern Arabic-Indic and full-width digits give the key of ASCII digits', () => {
    fc.assert(
      fc.property(
        anyKey.chain((key) => fc.tuple(fc.constant(key), withForeignDigits(key))),
        ([key, raw]) => {
          assert.equal(normalizePlate(raw), normalizePlate(key));
          assert.deepEqual(parsePlate(raw), parsePlate(key));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('lower- and upper-case Latin give the same key', () => {
    fc.assert(
      fc.property(
        anyKey.chain((key) => fc.tuple(fc.constant(key), withRandomCase(key))),
        ([key, raw]) => assert.equal(normalizePlate(raw), normalizePlate(key)),
      ),
    );
  });

  it('all three transformations together still give the same key', () => {
    fc.assert(
      fc.property(
        anyKey.chain((key) =>
          fc.tuple(fc.constant(key), withRandomCase(key).chain(withForeignDigits).chain(withSeparators)),
        ),
        ([key, raw]) => assert.equal(normalizePlate(raw), normalizePlate(key)),
      ),
      { numRuns: 1000 },
    );
  });

  it('plate-alphabet input gives keys over [0-9A-Z] and Thai consonants only', () => {
    const unit = fc.constantFrom(...LATIN, ...LATIN.map((c) => c.toLowerCase()), ...DIGITS, ...THAI_CONSONANTS, ...THAI_DIGITS, ...ARABIC_INDIC, ...SEPARATORS);
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 16 }), (raw) => {
        assert.match(normalizePlate(raw), /^[0-9A-Z\u0e01-\u0e2e]*$/u);
      }),
    );
  });

  it('Thai keys parse back to their parts; the parts concatenate to the key', () => {
    fc.assert(
      fc.property(thaiKey, (key) => {
        const { thai } = parsePlate(key);
        assert.ok(thai, key);
        assert.equal(thai.prefix + thai.letters + thai.number, key);
        assert.ok(isThaiPlateKey(key));
      }),
    );
    fc.assert(
      fc.property(latinKey, (key) => {
        if (/^\d{6,7}$/.test(key)) return; // the numeric form
        assert.equal(parsePlate(key).thai, null);
      }),
    );
  });

  it('a plate and a province name (any spelling, either line) give the plate key and the province code', () => {
    const province = fc.constantFrom(...PROVINCES);
    fc.assert(
      fc.property(thaiKey, province, fc.nat(), fc.constantFrom(' ', '\n', '', ' - '), fc.boolean(), (key, p, pick, sep, before) => {
        const names = [p.th, p.en, ...p.aliases];
        const name = names[pick % names.length]!;
        const raw = before ? name + sep + key : key + sep + name;
        const parsed = parsePlate(raw);
        if (before && parsed.key !== key) {
          // Name first is ambiguous when the name plus the plate's first letter(s) is another spelling
          // (marks dropped: 'เพชรบุรี' + 'ณ' = 'เพชรบูรณ์', 'อบ' + 'ล' = 'อุบล'); the longest name wins.
          assert.ok(key.endsWith(parsed.key) && parsed.thai, raw);
          assert.equal(provinceCode(name + key.slice(0, key.length - parsed.key.length)), parsed.province, raw);
          return;
        }
        assert.equal(parsed.key, key, raw);
        assert.equal(parsed.province, p.code, raw);
      }),
      { numRuns: 3000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Normalisation tables
// ---------------------------------------------------------------------------------------------

describe('blacklist/normalize — tables', () => {
  const KEYS: ReadonlyArray<[raw: string, key: string]> = [
    ['ABC-1234', 'ABC1234'],
    ['abc 12.34', 'ABC1234'],
    [' a\u00a0b\u200bc·1_2/3,4\n', 'ABC1234'],
    ['ＡＢＣ－１２３４', 'ABC1234'],
    ['AB\u2013C\u22121234', 'ABC1234'],
    ['٠١٢٣-۴۵۶۷', '01234567'],
    ['e\u0301', 'É'], // NFC, then upper case
    ['กข 1234', 'กข1234'],
    ['ก่ข 1234', 'กข1234'], // stray tone mark from OCR noise is dropped
    ['๑กข๑๒๓๔', '1กข1234'],
    ['๑ กข ๑๒๓๔', '1กข1234'],
    ['', ''],
    ['  -. ', ''],
  ];
  for (const [raw, key] of KEYS) {
    it(`normalizePlate(${JSON.stringify(raw)}) = ${JSON.stringify(key)}`, () => assert.equal(normalizePlate(raw), key));
  }

  const PARSED: ReadonlyArray<[raw: string, key: string, province: string | null, thai: [string, string, string] | null]> = [
    ['1กข1234', '1กข1234', null, ['1', 'กข', '1234']],
    ['กข 1234', 'กข1234', null, ['', 'กข', '1234']],
    ['ขก-99', 'ขก99', null, ['', 'ขก', '99']],
    ['ก 1', 'ก1', null, ['', 'ก', '1']],
    ['9ฮ 9999', '9ฮ9999', null, ['9', 'ฮ', '9999']],
    ['๑กข๑๒๓๔', '1กข1234', null, ['1', 'กข', '1234']],
    ['70-1234', '701234', null, ['70', '', '1234']], // numeric form NN-NNNN (trucks/buses)
    ['๗๐-๑๒๓๔', '701234', null, ['70', '', '1234']],
    ['100-1234', '1001234', null, ['100', '', '1234']],
    // not Thai plates
    ['ABC1234', 'ABC1234', null, null],
    ['กขค1234', 'กขค1234', null, null], // three consonants
    ['กข12345', 'กข12345', null, null], // five digits
    ['0กข1234', '0กข1234', null, null], // leading digit must be 1–9
    ['12กข1234', '12กข1234', null, null],
    ['1234', '1234', null, null],
    ['12345', '12345', null, null],
    ['กข', 'กข', null, null],
    // two-line / three-line layouts with the province
    ['กข 1234 กรุงเทพมหานคร', 'กข1234', 'TH-10', ['', 'กข', '1234']],
    ['กข 1234\nเชียงใหม่', 'กข1234', 'TH-50', ['', 'กข', '1234']],
    ['กข1234เชียงใหม่', 'กข1234', 'TH-50', ['', 'กข', '1234']],
    ['กข 1234\r\nเชยงใหม', 'กข1234', 'TH-50', ['', 'กข', '1234']], // marks lost by the OCR
    ['1กข\n1234\nภูเก็ต', '1กข1234', 'TH-83', ['1', 'กข', '1234']],
    ['เชียงใหม่\nกข 1234', 'กข1234', 'TH-50', ['', 'กข', '1234']],
    ['ภูเก็ต 1กข 1234', '1กข1234', 'TH-83', ['1', 'กข', '1234']],
    ['กรุงเทพมหานคร ก 1', 'ก1', 'TH-10', ['', 'ก', '1']],
    ['๗๐-๑๒๓๔ ขอนแก่น', '701234', 'TH-40', ['70', '', '1234']],
    ['นครราชสีมา 70-1234', '701234', 'TH-30', ['70', '', '1234']],
    ['กข 1234 จ.เชียงใหม่', 'กข1234', 'TH-50', ['', 'กข', '1234']],
    ['กข 1234 จังหวัดเชียงใหม่', 'กข1234', 'TH-50', ['', 'กข', '1234']],
    ['กข 1234 พระนครศรีอยุธยา', 'กข1234', 'TH-14', ['', 'กข', '1234']],
    ['กข 1234 อยุธยา', 'กข1234', 'TH-14', ['', 'กข', '1234']],
    ['กข 1234 กทม.', 'กข1234', 'TH-10', ['', 'กข', '1234']],
    ['กข 1234 Bangkok', 'กข1234', 'TH-10', ['', 'กข', '1234']],
    ['กข 1234 CHIANG MAI', 'กข1234', 'TH-50', ['', 'กข', '1234']],
    ['กข 1234 Korat', 'กข1234', 'TH-30', ['', 'กข', '1234']],
    ['กข 1234 Chiang Mai Province', 'กข1234', 'TH-50', ['', 'กข', '1234']],
    // name first + a plate whose first letter extends the name: the longest name wins
    ['ตรัง ก 1234', 'ก1234', 'TH-92', ['', 'ก', '1234']], // not ตร (Trat) + งก1234
    ['ตร งก 1234', 'ก1234', 'TH-92', ['', 'ก', '1234']], // same folded text as the line above
    ['เพชรบุรี ณก 12', 'ก12', 'TH-67', ['', 'ก', '12']], // เพชรบุรี+ณ folds like เพชรบูรณ์
    ['อบ ลก 12', 'ก12', 'TH-34', ['', 'ก', '12']], // อบ+ล = อุบล: same province, shorter plate
    ['กข 1234 ตร', 'กข1234', 'TH-23', ['', 'กข', '1234']], // name last (the plate layout): no ambiguity
    ['ตาก กข 12', 'กข12', 'TH-63', ['', 'กข', '12']],
    // a province is only taken off a Thai plate; abbreviations never eat plate letters
    ['ABC 1234 Bangkok', 'ABC1234BANGKOK', null, null],
    ['ชม 1234', 'ชม1234', null, ['', 'ชม', '1234']],
    ['กข 1234 เมืองไทย', 'กข1234เมองไทย', null, null], // unknown name: kept (marks dropped)
    ['เชียงใหม่', 'เชยงใหม', null, null], // a name alone is not a plate
  ];
  for (const [raw, key, province, thai] of PARSED) {
    it(`parsePlate(${JSON.stringify(raw)})`, () => {
      const p = parsePlate(raw);
      assert.deepEqual(p, {
        key,
        province,
        thai: thai && { prefix: thai[0], letters: thai[1], number: thai[2] },
      });
      assert.equal(normalizePlate(raw), key);
      assert.equal(normalizePlate(key), key);
    });
  }

  it('no Thai abbreviation is taken for a province when it is the plate letters', () => {
    for (const abbr of PROVINCE_ABBREVIATIONS.values()) {
      if (abbr.length > 2) continue;
      for (const plate of [`${abbr}1234`, `1${abbr}1234`, `${abbr}-9`]) {
        const p = parsePlate(plate);
        assert.equal(p.province, null, plate);
        assert.equal(p.key, normalizePlate(plate.replace('-', '')));
        assert.ok(p.thai, plate);
      }
    }
  });

  it('name last (the layout of a Thai plate): every spelling × every 1–2-letter plate is read exactly', () => {
    for (const p of PROVINCES) {
      for (const name of [p.th, p.en, ...p.aliases]) {
        for (let i = 0; i < THAI_CONSONANTS.length; i++) {
          const a = THAI_CONSONANTS[i]!;
          const b = THAI_CONSONANTS[(i * 7 + name.length) % THAI_CONSONANTS.length]!;
          for (const plate of [`${a}12`, `1${a}${b}1234`, `${b}${a}9`]) {
            const parsed = parsePlate(`${plate}\n${name}`);
            assert.equal(parsed.key, plate, `${plate} ${name}`);
            assert.equal(parsed.province, p.code, `${plate} ${name}`);
          }
        }
      }
    }
  });

  it('every spelling of every province is recognised on the plate, unambiguously', () => {
    assert.deepEqual(PLATE_PROVINCE_CONFLICTS, []);
    for (const p of PROVINCES) {
      for (const name of [p.th, p.en, ...p.aliases]) {
        for (const raw of [`กข 1234 ${name}`, `${name}\nกข 1234`, `1กข 1234\n${name}`, `70-1234 ${name}`]) {
          const parsed = parsePlate(raw);
          assert.equal(parsed.province, p.code, raw);
          assert.ok(parsed.thai, raw);
        }
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Look-alike classes
// ---------------------------------------------------------------------------------------------

const CLASSES = [...LATIN_LOOKALIKE_CLASSES, ...THAI_LOOKALIKE_CLASSES];
const CLASS_CHARS = CLASSES.join('').split('');
/** Keys drawn mostly from class members, so that random pairs often differ within classes. */
const classyKey = fc.string({ unit: fc.constantFrom(...CLASS_CHARS, 'A', 'ก', '3', 'ง'), minLength: 1, maxLength: 8 });
/** A key and a copy in which some positions are replaced by another member of their class. */
const keyAndLookalike = classyKey.chain((key) =>
  fc
    .array(fc.nat(), { minLength: key.length, maxLength: key.length })
    .map((picks) => {
      const chars = [...key];
      const other = chars.map((ch, i) => {
        const cls = CLASSES.find((c) => c.includes(ch));
        return cls ? cls[picks[i]! % cls.length]! : ch;
      });
      return [key, other.join(''), chars.filter((ch, i) => ch !== other[i]).length] as const;
    }),
);

describe('blacklist/normalize — look-alike classes', () => {
  it('the issue’s Latin classes are present', () => {
    for (const cls of ['0ODQ', '1IL', '8B', '5S', '2Z']) {
      const rep = lookalikeChar(cls[0]!);
      for (const ch of cls) assert.equal(lookalikeChar(ch), rep, ch);
    }
  });

  it('classes are disjoint, non-trivial, single code units, and the first member is the representative', () => {
    assert.equal(new Set(CLASS_CHARS).size, CLASS_CHARS.length);
    for (const cls of CLASSES) {
      assert.ok(cls.length >= 2);
      for (const ch of cls) {
        assert.equal(ch.length, 1);
        assert.equal(lookalikeChar(ch), cls[0]);
      }
    }
    for (const cls of THAI_LOOKALIKE_CLASSES) assert.match(cls, /^[\u0e01-\u0e2e]+$/u);
    for (const cls of LATIN_LOOKALIKE_CLASSES) assert.match(cls, /^[0-9A-Z]+$/u);
  });

  it('characters outside every class map to themselves', () => {
    for (const ch of ['A', '3', '4', '7', '9', 'X', 'ง', 'จ', 'ย', 'ห', 'ม', 'น', '', '😀', 'é']) assert.equal(lookalikeChar(ch), ch);
  });

  it('lookalikeKey is idempotent and preserves length', () => {
    fc.assert(
      fc.property(fc.oneof(nastyString, classyKey, anyKey), (key) => {
        const l = lookalikeKey(key);
        assert.equal(lookalikeKey(l), l);
        assert.equal(l.length, key.length);
      }),
    );
  });

  it('strings that differ only within classes have the same lookalikeKey; substitutions counts the positions', () => {
    fc.assert(
      fc.property(keyAndLookalike, ([a, b, changed]) => {
        assert.equal(lookalikeKey(a), lookalikeKey(b));
        assert.equal(substitutions(a, b), changed);
        assert.equal(substitutions(a, lookalikeKey(a)), [...a].filter((ch) => lookalikeChar(ch) !== ch).length);
      }),
    );
  });

  it('substitutions is symmetric, 0 iff equal, finite iff same lookalikeKey, Infinity for different lengths', () => {
    fc.assert(
      fc.property(classyKey, classyKey, (a, b) => {
        const s = substitutions(a, b);
        assert.equal(substitutions(b, a), s);
        assert.equal(s === 0, a === b);
        assert.equal(Number.isFinite(s), lookalikeKey(a) === lookalikeKey(b));
        if (a.length !== b.length) assert.equal(s, Infinity);
        if (Number.isFinite(s)) assert.ok(s <= a.length);
      }),
    );
    fc.assert(fc.property(anyKey, (a) => assert.equal(substitutions(a, a), 0)));
    fc.assert(fc.property(anyKey, fc.constantFrom(...CLASS_CHARS), (a, ch) => assert.equal(substitutions(a, a + ch), Infinity)));
  });

  /** [plate on the list, plate read, substitutions]: Infinity = not a look-alike match. */
  const MISREADS: ReadonlyArray<[string, string, number]> = [
    // exact
    ['ABC1234', 'ABC1234', 0],
    ['กข1234', 'กข1234', 0],
    // Latin / digit look-alikes
    ['ABC1234', 'A8C1234', 1], // 8/B
    ['ABC1034', 'ABC1O34', 1], // 0/O
    ['ABC1034', 'ABC1D34', 1], // 0/D
    ['ABC1034', 'ABC1Q34', 1], // 0/Q
    ['OD0Q', '0000', 3],
    ['ABC1234', 'ABCI234', 1], // 1/I
    ['ABC1234', 'ABCL234', 1], // 1/L
    ['IL1', '1I1', 2],
    ['ABC5234', 'ABCS234', 1], // 5/S
    ['ABC1234', 'ABC1Z34', 1], // 2/Z
    ['SB0', '580', 2],
    ['BOSS', '8055', 4],
    ['ABC1236', 'ABC123G', 1], // 6/G
    // Thai look-alikes (registration letters) and Thai digits read by the OCR
    ['กข1234', 'ภข1234', 1], // ก/ภ
    ['กข1234', 'ถข1234', 1], // ก/ถ
    ['กข1234', 'กช1234', 1], // ข/ช
    ['กข1234', 'ภช1234', 2],
    ['1ซฃ99', '1ขข99', 2], // ซ/ข, ฃ/ข
    ['ดต5', 'ตด5', 2], // ด/ต
    ['คศ12', 'ดค12', 2], // ค/ด, ศ/ค
    ['บป1', 'ปษ1', 2], // บ/ป, ป/ษ
    ['ผพ7', 'ฟฝ7', 2], // ผ/ฟ, พ/ฝ
    ['ฎฐ88', 'ฏฎ88', 2],
    ['ทร1', 'ฑว1', 2], // ท/ฑ, ร/ว
    ['ลอ10', 'สฮ1O', 3], // ล/ส, อ/ฮ, 0/O
    // not look-alikes
    ['ABC1234', 'ABC1235', Infinity], // 4/5
    ['ABC1234', 'ABC123', Infinity], // length
    ['ABC1234', 'XBC1234', Infinity],
    ['กข1234', 'กค1234', Infinity], // ข/ค are different classes
    ['กข1234', 'งข1234', Infinity],
    ['มน1', 'นม1', Infinity], // ม/น kept apart
    ['O1', 'อ1', Infinity], // Latin O is not Thai อ
    ['กข1234', 'ABC1234', Infinity],
  ];
  for (const [listed, read, expected] of MISREADS) {
    it(`substitutions(${listed}, ${read}) = ${expected}`, () => {
      assert.equal(substitutions(listed, read), expected);
      assert.equal(substitutions(read, listed), expected);
      assert.equal(lookalikeKey(listed) === lookalikeKey(read), Number.isFinite(expected));
    });
  }

  it('raw readings normalise before comparison (separators, Thai digits, case)', () => {
    const table: ReadonlyArray<[string, string, number]> = [
      ['กข 1234', 'ภข-๑๒๓๔', 1],
      ['abc-1234', 'A8C 1234', 1],
      ['1กข 1234 กรุงเทพมหานคร', '๑ภช ๑๒๓๔\nกรุงเทพมหานคร', 2],
      ['กข 1234\nเชียงใหม่', 'กข1234', 0],
    ];
    for (const [a, b, n] of table) assert.equal(substitutions(normalizePlate(a), normalizePlate(b)), n, `${a} / ${b}`);
  });
});
