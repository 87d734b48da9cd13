/**
 * Thai plate text in every Unicode normalisation form (issue 16, item 1). NFKC/NFKD split SARA AM
 * (U+0E33) into NIKHAHIT + SARA AA (U+0E4D U+0E32), as many OCR and Python pipelines emit it; a read
 * in any form must match the same entry, and a province name in any form must be the same province.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BlacklistIndex, DEFAULT_MATCH_OPTIONS, type MatchOptions } from '../../src/blacklist/index';
import { normalizePlate, parsePlate } from '../../src/blacklist/normalize';
import { provinceCode, PROVINCES } from '../../src/blacklist/provinces';

const FORMS = ['NFC', 'NFD', 'NFKC', 'NFKD'] as const;
const NOW = Date.parse('2026-06-01T00:00:00Z');
const opts = (o: Partial<MatchOptions> = {}): MatchOptions => ({ ...DEFAULT_MATCH_OPTIONS, ...o });
const AM_SPLIT = (s: string): string => s.replace(/\u0e33/g, '\u0e4d\u0e32');

const THAI_CONSONANTS = Array.from({ length: 0x2e }, (_, i) => String.fromCharCode(0x0e01 + i));
const thaiPlate = fc
  .tuple(
    fc.option(fc.constantFrom(...'123456789'), { nil: '' }),
    fc.string({ unit: fc.constantFrom(...THAI_CONSONANTS), minLength: 1, maxLength: 2 }),
    fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 4 }),
  )
  .map(([p, l, n]) => p + l + n);
const province = fc.constantFrom(...PROVINCES);
/** Thai digits for some of the ASCII digits: the plate as printed in Thai numerals. */
const thaiDigits = (s: string, mask: number): string =>
  s.replace(/[0-9]/g, (d, i: number) => ((mask >> i) & 1 ? String.fromCharCode(0x0e50 + Number(d)) : d));

describe('Thai text in every Unicode form', () => {
  describe('named examples', () => {
    const index = new BlacklistIndex({ fuzzyMaxDistance: 1 });
    index.add([{ plate_number: 'กข1234' }]);

    it('a read whose SARA AM arrives as NIKHAHIT + SARA AA matches the entry, exact and fuzzy', () => {
      const read = 'กข 1234 ลําปาง'; // U+0E4D U+0E32
      assert.ok(read.includes('\u0e4d\u0e32'));
      assert.equal(normalizePlate(read), 'กข1234');
      assert.equal(parsePlate(read).province, 'TH-52');
      assert.equal(index.match(read, null, opts(), NOW)?.entry.plate_number, 'กข1234');
      assert.equal(index.match(read, null, opts({ fuzzy: true, maxDistance: 1 }), NOW)?.type, 'exact');
    });

    for (const [name, code] of [['ลำปาง', 'TH-52'], ['ลำพูน', 'TH-51'], ['กำแพงเพชร', 'TH-62'], ['อำนาจเจริญ', 'TH-37'], ['หนองบัวลำภู', 'TH-39']] as const) {
      it(`${name} with SARA AM split is ${code}, as a province field and on the plate`, () => {
        const split = AM_SPLIT(name);
        assert.notEqual(split, name);
        assert.equal(provinceCode(split), code);
        assert.equal(provinceCode(`จังหวัด${split}`), code);
        assert.equal(provinceCode(name.normalize('NFKD')), code);
        assert.equal(parsePlate(`กข1234 ${split}`).province, code);
        assert.equal(parsePlate(`${split}\nกข1234`).province, code);
      });
    }

    it('the split province on the read matches the entry province', () => {
      const i = new BlacklistIndex();
      i.add([{ plate_number: 'กข1234', province: 'ลำปาง' }]);
      assert.equal(i.match('กข1234', 'ลําปาง', opts(), NOW)?.province_match, true);
      assert.equal(i.match('กข 1234 ลําปาง', null, opts({ requireProvince: true }), NOW)?.province_match, true);
    });

    it('an entry stored in NFKC form matches a read in NFC form', () => {
      const i = new BlacklistIndex();
      i.add([{ plate_number: 'กข1234 ลำพูน'.normalize('NFKC') }]);
      assert.equal(i.match('กข1234 ลำพูน', null, opts(), NOW)?.entry.plate_number, 'กข1234 ลำพูน'.normalize('NFKC'));
    });

    it('Thai digits match Arabic digits', () => {
      assert.equal(index.match('กข ๑๒๓๔ ลําปาง', null, opts(), NOW)?.type, 'exact');
    });
  });

  describe('properties', () => {
    it('every form of a plate with its province gives the same key and province as the original', () => {
      fc.assert(
        fc.property(thaiPlate, province, fc.constantFrom(...FORMS), fc.nat(15), fc.constantFrom(' ', '\n', ''), fc.boolean(), (plate, p, form, mask, sep, split) => {
          const original = `${plate}${sep}${p.th}`;
          const variant = thaiDigits(original, mask).normalize(form);
          const v = split ? AM_SPLIT(variant) : variant;
          const a = parsePlate(original);
          const b = parsePlate(v);
          assert.equal(b.key, a.key);
          assert.equal(b.province, p.code);
          assert.equal(a.province, p.code);
        }),
        { numRuns: 500 },
      );
    });

    it('any text, in any form, gives the key of the original (compatibility characters folded too)', () => {
      // Latin-1 compatibility characters (ª ² µ ½ ¨), a ligature, circled and full-width digits,
      // accented letters (NFD splits them), Thai with SARA AM and marks.
      const alphabet = [...'AB0189é\u00c5ß', 'ª', '²', 'µ', '½', '¨', 'ﬁ', '①', '７', 'Ｋ', ...'กขลำปาง่้ั', ' ', '-'];
      fc.assert(
        fc.property(fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 12 }), fc.constantFrom(...FORMS), (text, form) => {
          assert.equal(normalizePlate(text.normalize(form)), normalizePlate(text));
          assert.equal(normalizePlate(AM_SPLIT(text)), normalizePlate(text));
        }),
        { numRuns: 1000 },
      );
    });

    it('every form of each of the 77 province names is the same province', () => {
      for (const p of PROVINCES)
        for (const name of [p.th, p.en, ...p.aliases])
          for (const form of FORMS) {
            assert.equal(provinceCode(name.normalize(form)), p.code, `${name} ${form}`);
            assert.equal(provinceCode(AM_SPLIT(name)), p.code, `${name} split`);
          }
    });

    it('every form of a listed plate matches the same entry as the original', () => {
      fc.assert(
        fc.property(fc.uniqueArray(thaiPlate, { minLength: 1, maxLength: 20 }), fc.nat(), province, fc.constantFrom(...FORMS), (plates, pick, p, form) => {
          const index = new BlacklistIndex({ fuzzyMaxDistance: 1 });
          index.add(plates.map((plate_number) => ({ plate_number, province: p.th.normalize(form) })));
          const plate = plates[pick % plates.length]!;
          const read = `${plate} ${p.th}`;
          for (const o of [opts(), opts({ fuzzy: true, maxDistance: 1 })]) {
            const want = index.match(read, null, o, NOW);
            const got = index.match(AM_SPLIT(read.normalize(form)), null, o, NOW);
            assert.equal(got?.entry.plate_number, want?.entry.plate_number);
            assert.equal(got?.province_match, true);
            assert.equal(want?.province_match, true);
          }
        }),
        { numRuns: 200 },
      );
    });
  });
});
