import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  foldProvinceName,
  PROVINCE_ABBREVIATIONS,
  PROVINCE_KEY_CONFLICTS,
  provinceByCode,
  provinceCode,
  provinceName,
  PROVINCES,
} from '../../src/blacklist/provinces';

/**
 * ISO 3166-2:TH, written out independently of the module: code, RTGS/ISO subdivision name, Thai name,
 * Thai abbreviation. A typo or a swapped code in provinces.ts fails a row here.
 */
const ISO_3166_2_TH: ReadonlyArray<[code: string, iso: string, th: string, abbr: string]> = [
  ['TH-10', 'Krung Thep Maha Nakhon', 'กรุงเทพมหานคร', 'กทม'],
  ['TH-11', 'Samut Prakan', 'สมุทรปราการ', 'สป'],
  ['TH-12', 'Nonthaburi', 'นนทบุรี', 'นบ'],
  ['TH-13', 'Pathum Thani', 'ปทุมธานี', 'ปท'],
  ['TH-14', 'Phra Nakhon Si Ayutthaya', 'พระนครศรีอยุธยา', 'อย'],
  ['TH-15', 'Ang Thong', 'อ่างทอง', 'อท'],
  ['TH-16', 'Lop Buri', 'ลพบุรี', 'ลบ'],
  ['TH-17', 'Sing Buri', 'สิงห์บุรี', 'สห'],
  ['TH-18', 'Chai Nat', 'ชัยนาท', 'ชน'],
  ['TH-19', 'Saraburi', 'สระบุรี', 'สบ'],
  ['TH-20', 'Chon Buri', 'ชลบุรี', 'ชบ'],
  ['TH-21', 'Rayong', 'ระยอง', 'รย'],
  ['TH-22', 'Chanthaburi', 'จันทบุรี', 'จบ'],
  ['TH-23', 'Trat', 'ตราด', 'ตร'],
  ['TH-24', 'Chachoengsao', 'ฉะเชิงเทรา', 'ฉช'],
  ['TH-25', 'Prachin Buri', 'ปราจีนบุรี', 'ปจ'],
  ['TH-26', 'Nakhon Nayok', 'นครนายก', 'นย'],
  ['TH-27', 'Sa Kaeo', 'สระแก้ว', 'สก'],
  ['TH-30', 'Nakhon Ratchasima', 'นครราชสีมา', 'นม'],
  ['TH-31', 'Buri Ram', 'บุรีรัมย์', 'บร'],
  ['TH-32', 'Surin', 'สุรินทร์', 'สร'],
  ['TH-33', 'Si Sa Ket', 'ศรีสะเกษ', 'ศก'],
  ['TH-34', 'Ubon Ratchathani', 'อุบลราชธานี', 'อบ'],
  ['TH-35', 'Yasothon', 'ยโสธร', 'ยส'],
  ['TH-36', 'Chaiyaphum', 'ชัยภูมิ', 'ชย'],
  ['TH-37', 'Amnat Charoen', 'อำนาจเจริญ', 'อจ'],
  ['TH-38', 'Bueng Kan', 'บึงกาฬ', 'บก'],
  ['TH-39', 'Nong Bua Lam Phu', 'หนองบัวลำภู', 'นภ'],
  ['TH-40', 'Khon Kaen', 'ขอนแก่น', 'ขก'],
  ['TH-41', 'Udon Thani', 'อุดรธานี', 'อด'],
  ['TH-42', 'Loei', 'เลย', 'ลย'],
  ['TH-43', 'Nong Khai', 'หนองคาย', 'นค'],
  ['TH-44', 'Maha Sarakham', 'มหาสารคาม', 'มค'],
  ['TH-45', 'Roi Et', 'ร้อยเอ็ด', 'รอ'],
  ['TH-46', 'Kalasin', 'กาฬสินธุ์', 'กส'],
  ['TH-47', 'Sakon Nakhon', 'สกลนคร', 'สน'],
  ['TH-48', 'Nakhon Phanom', 'นครพนม', 'นพ'],
  ['TH-49', 'Mukdahan', 'มุกดาหาร', 'มห'],
  ['TH-50', 'Chiang Mai', 'เชียงใหม่', 'ชม'],
  ['TH-51', 'Lamphun', 'ลำพูน', 'ลพ'],
  ['TH-52', 'Lampang', 'ลำปาง', 'ลป'],
  ['TH-53', 'Uttaradit', 'อุตรดิตถ์', 'อต'],
  ['TH-54', 'Phrae', 'แพร่', 'พร'],
  ['TH-55', 'Nan', 'น่าน', 'นน'],
  ['TH-56', 'Phayao', 'พะเยา', 'พย'],
  ['TH-57', 'Chiang Rai', 'เชียงราย', 'ชร'],
  ['TH-58', 'Mae Hong Son', 'แม่ฮ่องสอน', 'มส'],
  ['TH-60', 'Nakhon Sawan', 'นครสวรรค์', 'นว'],
  ['TH-61', 'Uthai Thani', 'อุทัยธานี', 'อน'],
  ['TH-62', 'Kamphaeng Phet', 'กำแพงเพชร', 'กพ'],
  ['TH-63', 'Tak', 'ตาก', 'ตก'],
  ['TH-64', 'Sukhothai', 'สุโขทัย', 'สท'],
  ['TH-65', 'Phitsanulok', 'พิษณุโลก', 'พล'],
  ['TH-66', 'Phichit', 'พิจิตร', 'พจ'],
  ['TH-67', 'Phetchabun', 'เพชรบูรณ์', 'พช'],
  ['TH-70', 'Ratchaburi', 'ราชบุรี', 'รบ'],
  ['TH-71', 'Kanchanaburi', 'กาญจนบุรี', 'กจ'],
  ['TH-72', 'Suphan Buri', 'สุพรรณบุรี', 'สพ'],
  ['TH-73', 'Nakhon Pathom', 'นครปฐม', 'นฐ'],
  ['TH-74', 'Samut Sakhon', 'สมุทรสาคร', 'สค'],
  ['TH-75', 'Samut Songkhram', 'สมุทรสงคราม', 'สส'],
  ['TH-76', 'Phetchaburi', 'เพชรบุรี', 'พบ'],
  ['TH-77', 'Prachuap Khiri Khan', 'ประจวบคีรีขันธ์', 'ปข'],
  ['TH-80', 'Nakhon Si Thammarat', 'นครศรีธรรมราช', 'นศ'],
  ['TH-81', 'Krabi', 'กระบี่', 'กบ'],
  ['TH-82', 'Phangnga', 'พังงา', 'พง'],
  ['TH-83', 'Phuket', 'ภูเก็ต', 'ภก'],
  ['TH-84', 'Surat Thani', 'สุราษฎร์ธานี', 'สฎ'],
  ['TH-85', 'Ranong', 'ระนอง', 'รน'],
  ['TH-86', 'Chumphon', 'ชุมพร', 'ชพ'],
  ['TH-90', 'Songkhla', 'สงขลา', 'สข'],
  ['TH-91', 'Satun', 'สตูล', 'สต'],
  ['TH-92', 'Trang', 'ตรัง', 'ตง'],
  ['TH-93', 'Phatthalung', 'พัทลุง', 'พท'],
  ['TH-94', 'Pattani', 'ปัตตานี', 'ปน'],
  ['TH-95', 'Yala', 'ยะลา', 'ยล'],
  ['TH-96', 'Narathiwat', 'นราธิวาส', 'นธ'],
];

describe('blacklist/provinces — the table', () => {
  it('has 77 provinces with distinct ISO 3166-2:TH codes, Thai names, English names and abbreviations', () => {
    assert.equal(PROVINCES.length, 77);
    assert.equal(ISO_3166_2_TH.length, 77);
    for (const field of ['code', 'th', 'en'] as const) assert.equal(new Set(PROVINCES.map((p) => p[field])).size, 77, field);
    assert.equal(new Set(PROVINCE_ABBREVIATIONS.values()).size, 77);
    for (const p of PROVINCES) assert.match(p.code, /^TH-\d\d$/);
    assert.deepEqual(PROVINCE_KEY_CONFLICTS, []);
  });

  it('includes Bueng Kan (TH-38) and not the special city of Pattaya (TH-S)', () => {
    assert.equal(provinceByCode('TH-38')?.en, 'Bueng Kan');
    assert.equal(provinceCode('TH-S'), null);
  });

  for (const [code, iso, th, abbr] of ISO_3166_2_TH) {
    it(`${code} ${iso} / ${th} / ${abbr}`, () => {
      const p = provinceByCode(code);
      assert.ok(p, code);
      assert.equal(p.th, th);
      assert.equal(p.th.normalize('NFC'), p.th);
      assert.equal(PROVINCE_ABBREVIATIONS.get(code), abbr);
      assert.ok(p.aliases.includes(abbr));
      assert.match(abbr, /^[\u0e01-\u0e2e]{2,3}$/u);
      if (code !== 'TH-10') assert.equal(p.en, iso);
      else assert.equal(p.en, 'Bangkok');
      // every spelling leads back to the code
      for (const name of [code, th, iso, abbr, p.en, ...p.aliases]) assert.equal(provinceCode(name), code, name);
      assert.deepEqual(provinceName(code), { th, en: p.en });
    });
  }

  it('is ordered by code and frozen', () => {
    const codes = PROVINCES.map((p) => p.code);
    assert.deepEqual(codes, [...codes].sort());
    assert.ok(Object.isFrozen(PROVINCES));
    assert.ok(Object.isFrozen(PROVINCES[0]));
  });
});

describe('blacklist/provinces — provinceCode', () => {
  const OUTCOMES: ReadonlyArray<[input: string | null | undefined, code: string | null]> = [
    ['กทม', 'TH-10'],
    ['กทม.', 'TH-10'],
    ['Bangkok', 'TH-10'],
    ['BANGKOK', 'TH-10'],
    ['bangkok', 'TH-10'],
    ['BKK', 'TH-10'],
    ['Krung Thep', 'TH-10'],
    ['Krung Thep Maha Nakhon', 'TH-10'],
    ['Bangkok Metropolis', 'TH-10'],
    ['กรุงเทพฯ', 'TH-10'],
    ['กรุงเทพ', 'TH-10'],
    ['Chiang Mai', 'TH-50'],
    ['chiangmai', 'TH-50'],
    ['Chiang-Mai', 'TH-50'],
    ['  chiang   mai  ', 'TH-50'],
    ['ชม', 'TH-50'],
    ['ช.ม.', 'TH-50'],
    ['เชียงใหม่', 'TH-50'],
    ['จ.เชียงใหม่', 'TH-50'],
    ['จ. เชียงใหม่', 'TH-50'],
    ['จังหวัดเชียงใหม่', 'TH-50'],
    ['จังหวัด เชียงใหม่', 'TH-50'],
    ['Changwat Chiang Mai', 'TH-50'],
    ['Chiang Mai Province', 'TH-50'],
    ['chiang mai province', 'TH-50'],
    ['เชยงใหม', 'TH-50'], // marks lost by an OCR
    ['Korat', 'TH-30'],
    ['Khorat', 'TH-30'],
    ['โคราช', 'TH-30'],
    ['นม', 'TH-30'],
    ['Phuket', 'TH-83'],
    ['ภูเก็ต', 'TH-83'],
    ['ภก', 'TH-83'],
    ['Khon Kaen', 'TH-40'],
    ['Khonkaen', 'TH-40'],
    ['ขก', 'TH-40'],
    ['Ayutthaya', 'TH-14'],
    ['Ayudhya', 'TH-14'],
    ['Phra Nakhon Si Ayutthaya', 'TH-14'],
    ['อยุธยา', 'TH-14'],
    ['Chonburi', 'TH-20'],
    ['ชบ', 'TH-20'],
    ['Bueng Kan', 'TH-38'],
    ['บึงกาฬ', 'TH-38'],
    ['Phang Nga', 'TH-82'],
    ['Sisaket', 'TH-33'],
    ['Buriram', 'TH-31'],
    ['TH-10', 'TH-10'],
    ['th-10', 'TH-10'],
    ['th10', 'TH-10'],
    ['TH 50', 'TH-50'],
    ['ＴＨ－５０', 'TH-50'],
    ['TH-96', 'TH-96'],
    // unknown
    [null, null],
    [undefined, null],
    ['', null],
    ['   ', null],
    ['Atlantis', null],
    ['TH-99', null],
    ['TH-28', null],
    ['10', null],
    ['จังหวัด', null],
    ['Province', null],
    ['จ.', null],
    ['Chiang', null],
    ['กข', null],
  ];
  for (const [input, code] of OUTCOMES) {
    it(`provinceCode(${JSON.stringify(input)}) = ${code}`, () => assert.equal(provinceCode(input), code));
  }

  it('provinceName / provinceByCode', () => {
    assert.deepEqual(provinceName('TH-10'), { th: 'กรุงเทพมหานคร', en: 'Bangkok' });
    assert.deepEqual(provinceName('ชม'), { th: 'เชียงใหม่', en: 'Chiang Mai' });
    assert.equal(provinceName('nowhere'), null);
    assert.equal(provinceName(null), null);
    assert.equal(provinceByCode('TH-83')?.th, 'ภูเก็ต');
    assert.equal(provinceByCode(undefined), undefined);
  });

  it('any spelling, in any case, with spaces/dots/hyphens anywhere, gives the same code', () => {
    const seps = fc.constantFrom('', ' ', '  ', '-', '.', '\u00a0');
    fc.assert(
      fc.property(fc.constantFrom(...PROVINCES), fc.nat(), fc.array(fc.tuple(fc.boolean(), seps), { maxLength: 40 }), (p, pick, noise) => {
        const names = [p.th, p.en, ...p.aliases, p.code];
        const name = names[pick % names.length]!;
        const mangled = [...name]
          .map((ch, i) => {
            const [upper, sep] = noise[i] ?? [false, ''];
            return (upper ? ch.toUpperCase() : ch.toLowerCase()) + sep;
          })
          .join('');
        assert.equal(provinceCode(mangled), p.code, mangled);
      }),
      { numRuns: 2000 },
    );
  });

  it('folding is idempotent', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), (s) => assert.equal(foldProvinceName(foldProvinceName(s)), foldProvinceName(s))));
  });
});
