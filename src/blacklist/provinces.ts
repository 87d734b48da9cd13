/**
 * The 77 provinces of Thailand (76 changwat + Bangkok, a special administrative area), keyed by their
 * ISO 3166-2:TH code. Pure data + O(1) look-up; no Node-RED import, no runtime dependency.
 *
 * - `code`: ISO 3166-2:TH (TH-10 Bangkok … TH-96 Narathiwat; TH-38 Bueng Kan, created 2011, included;
 *   TH-S Phatthaya is a special city, not a province, and is deliberately absent).
 * - `th`:   the official Thai name (as printed on the lower line of a Thai plate).
 * - `en`:   the official English romanisation (RTGS, as used by ISO 3166-2:TH), except Bangkok whose
 *           English name is 'Bangkok' (ISO: 'Krung Thep Maha Nakhon', kept as an alias).
 * - `aliases`: common alternative English spellings, short Thai names, the standard Thai document
 *           abbreviation (อักษรย่อ, e.g. กทม, ชม, ภก) and, for Bangkok, 'BKK'.
 *
 * `provinceCode()` folds its input (NFKC, so SARA AM in either spelling; full-width → ASCII, case, spaces/dots/hyphens/apostrophes,
 * Thai vowel/tone marks) before a single Map look-up, so 'Chiang Mai', 'chiangmai', 'CHIANG-MAI',
 * 'เชียงใหม่', 'จ.เชียงใหม่', 'ชม', 'TH-50' and 'th50' all give 'TH-50'.
 */

export interface Province {
  code: string;
  th: string;
  en: string;
  aliases: string[];
}

/** [code, Thai name, English name, Thai abbreviation, ...other aliases]. Ordered by code; checked by tests. */
type Row = readonly [code: string, th: string, en: string, abbr: string, ...aliases: string[]];

const ROWS: readonly Row[] = [
  ['TH-10', 'กรุงเทพมหานคร', 'Bangkok', 'กทม', 'กรุงเทพ', 'กรุงเทพฯ', 'BKK', 'Krung Thep Maha Nakhon', 'Krung Thep', 'Bangkok Metropolis', 'Bangkok Metropolitan', 'Bangkok Metropolitan Administration'],
  ['TH-11', 'สมุทรปราการ', 'Samut Prakan', 'สป', 'Samut Prakarn', 'Samutprakan', 'Samutprakarn'],
  ['TH-12', 'นนทบุรี', 'Nonthaburi', 'นบ', 'Nontaburi', 'Nonthaburee'],
  ['TH-13', 'ปทุมธานี', 'Pathum Thani', 'ปท', 'Pathumthani', 'Patumthani', 'Pathum Tani'],
  ['TH-14', 'พระนครศรีอยุธยา', 'Phra Nakhon Si Ayutthaya', 'อย', 'อยุธยา', 'Ayutthaya', 'Ayudhya', 'Ayuthaya', 'Ayudhaya', 'Phra Nakhon Sri Ayutthaya'],
  ['TH-15', 'อ่างทอง', 'Ang Thong', 'อท', 'Angthong'],
  ['TH-16', 'ลพบุรี', 'Lop Buri', 'ลบ', 'Lopburi'],
  ['TH-17', 'สิงห์บุรี', 'Sing Buri', 'สห', 'Singburi'],
  ['TH-18', 'ชัยนาท', 'Chai Nat', 'ชน', 'Chainat', 'Chai Nath'],
  ['TH-19', 'สระบุรี', 'Saraburi', 'สบ', 'Sara Buri'],
  ['TH-20', 'ชลบุรี', 'Chon Buri', 'ชบ', 'Chonburi', 'Cholburi'],
  ['TH-21', 'ระยอง', 'Rayong', 'รย'],
  ['TH-22', 'จันทบุรี', 'Chanthaburi', 'จบ', 'Chantaburi', 'Chantha Buri', 'Chanthaburee'],
  ['TH-23', 'ตราด', 'Trat', 'ตร', 'Trad'],
  ['TH-24', 'ฉะเชิงเทรา', 'Chachoengsao', 'ฉช', 'Chachoeng Sao', 'Chachengsao', 'Chacherngsao'],
  ['TH-25', 'ปราจีนบุรี', 'Prachin Buri', 'ปจ', 'Prachinburi'],
  ['TH-26', 'นครนายก', 'Nakhon Nayok', 'นย', 'Nakornnayok', 'Nakhonnayok'],
  ['TH-27', 'สระแก้ว', 'Sa Kaeo', 'สก', 'Sakaeo', 'Sa Kaew', 'Sakaew', 'Srakaew', 'Sra Kaeo'],
  ['TH-30', 'นครราชสีมา', 'Nakhon Ratchasima', 'นม', 'โคราช', 'Korat', 'Khorat', 'Nakhonratchasima', 'Nakorn Ratchasima', 'Nakhon Rajasima'],
  ['TH-31', 'บุรีรัมย์', 'Buri Ram', 'บร', 'Buriram', 'Burirum'],
  ['TH-32', 'สุรินทร์', 'Surin', 'สร'],
  ['TH-33', 'ศรีสะเกษ', 'Si Sa Ket', 'ศก', 'Sisaket', 'Srisaket', 'Si Saket', 'Sri Sa Ket'],
  ['TH-34', 'อุบลราชธานี', 'Ubon Ratchathani', 'อบ', 'อุบล', 'Ubon', 'Ubonratchathani', 'Ubon Rajathani'],
  ['TH-35', 'ยโสธร', 'Yasothon', 'ยส', 'Yasoton'],
  ['TH-36', 'ชัยภูมิ', 'Chaiyaphum', 'ชย', 'Chaiyapoom', 'Chaiyaphoom'],
  ['TH-37', 'อำนาจเจริญ', 'Amnat Charoen', 'อจ', 'Amnatcharoen', 'Amnat Chareon'],
  ['TH-38', 'บึงกาฬ', 'Bueng Kan', 'บก', 'Buengkan', 'Bung Kan', 'Bungkan', 'Bueng Karn'],
  ['TH-39', 'หนองบัวลำภู', 'Nong Bua Lam Phu', 'นภ', 'Nong Bua Lamphu', 'Nongbualamphu'],
  ['TH-40', 'ขอนแก่น', 'Khon Kaen', 'ขก', 'Khonkaen', 'Khon Khaen'],
  ['TH-41', 'อุดรธานี', 'Udon Thani', 'อด', 'อุดร', 'Udonthani', 'Udon', 'Udorn Thani', 'Udorn'],
  ['TH-42', 'เลย', 'Loei', 'ลย', 'Loey'],
  ['TH-43', 'หนองคาย', 'Nong Khai', 'นค', 'Nongkhai', 'Nong Kai'],
  ['TH-44', 'มหาสารคาม', 'Maha Sarakham', 'มค', 'Mahasarakham', 'Maha Sarakam', 'Mahasarakam'],
  ['TH-45', 'ร้อยเอ็ด', 'Roi Et', 'รอ', 'Roiet', 'Roi-Et', 'Roi Ed'],
  ['TH-46', 'กาฬสินธุ์', 'Kalasin', 'กส', 'Kalasinthu'],
  ['TH-47', 'สกลนคร', 'Sakon Nakhon', 'สน', 'Sakonnakhon', 'Sakon Nakorn'],
  ['TH-48', 'นครพนม', 'Nakhon Phanom', 'นพ', 'Nakhonphanom', 'Nakorn Phanom'],
  ['TH-49', 'มุกดาหาร', 'Mukdahan', 'มห', 'Mukdaharn'],
  ['TH-50', 'เชียงใหม่', 'Chiang Mai', 'ชม', 'Chiangmai', 'Chieng Mai'],
  ['TH-51', 'ลำพูน', 'Lamphun', 'ลพ', 'Lamphoon', 'Lampoon'],
  ['TH-52', 'ลำปาง', 'Lampang', 'ลป', 'Lam Pang'],
  ['TH-53', 'อุตรดิตถ์', 'Uttaradit', 'อต', 'Utaradit'],
  ['TH-54', 'แพร่', 'Phrae', 'พร', 'Prae', 'Phrea'],
  ['TH-55', 'น่าน', 'Nan', 'นน'],
  ['TH-56', 'พะเยา', 'Phayao', 'พย', 'Payao'],
  ['TH-57', 'เชียงราย', 'Chiang Rai', 'ชร', 'Chiangrai', 'Chieng Rai'],
  ['TH-58', 'แม่ฮ่องสอน', 'Mae Hong Son', 'มส', 'Maehongson', 'Mae Hong Sorn'],
  ['TH-60', 'นครสวรรค์', 'Nakhon Sawan', 'นว', 'Nakhonsawan', 'Nakorn Sawan'],
  ['TH-61', 'อุทัยธานี', 'Uthai Thani', 'อน', 'Uthaithani', 'Uthai Tani'],
  ['TH-62', 'กำแพงเพชร', 'Kamphaeng Phet', 'กพ', 'Kamphaengphet', 'Kampaeng Phet', 'Kamphaeng Pet'],
  ['TH-63', 'ตาก', 'Tak', 'ตก', 'Taak'],
  ['TH-64', 'สุโขทัย', 'Sukhothai', 'สท', 'Sukhotai', 'Sukothai'],
  ['TH-65', 'พิษณุโลก', 'Phitsanulok', 'พล', 'Pitsanulok', 'Phitsanuloke'],
  ['TH-66', 'พิจิตร', 'Phichit', 'พจ', 'Pichit', 'Phijit'],
  ['TH-67', 'เพชรบูรณ์', 'Phetchabun', 'พช', 'Phetchaboon', 'Petchabun', 'Phetchabul'],
  ['TH-70', 'ราชบุรี', 'Ratchaburi', 'รบ', 'Rajaburi', 'Ratburi', 'Rachaburi'],
  ['TH-71', 'กาญจนบุรี', 'Kanchanaburi', 'กจ', 'Kanjanaburi', 'Kanchana Buri'],
  ['TH-72', 'สุพรรณบุรี', 'Suphan Buri', 'สพ', 'Suphanburi', 'Supanburi', 'Suphanburee'],
  ['TH-73', 'นครปฐม', 'Nakhon Pathom', 'นฐ', 'Nakhonpathom', 'Nakorn Pathom'],
  ['TH-74', 'สมุทรสาคร', 'Samut Sakhon', 'สค', 'Samutsakhon', 'Samut Sakorn'],
  ['TH-75', 'สมุทรสงคราม', 'Samut Songkhram', 'สส', 'Samutsongkhram', 'Samut Songkram'],
  ['TH-76', 'เพชรบุรี', 'Phetchaburi', 'พบ', 'Petchaburi', 'Phetburi', 'Phet Buri'],
  ['TH-77', 'ประจวบคีรีขันธ์', 'Prachuap Khiri Khan', 'ปข', 'Prachuapkhirikhan', 'Prachuab Khiri Khan', 'Prachuap'],
  ['TH-80', 'นครศรีธรรมราช', 'Nakhon Si Thammarat', 'นศ', 'Nakhonsithammarat', 'Nakhon Sri Thammarat', 'Nakorn Si Thammarat'],
  ['TH-81', 'กระบี่', 'Krabi', 'กบ'],
  ['TH-82', 'พังงา', 'Phangnga', 'พง', 'Phang Nga', 'Phang-nga', 'Pang Nga'],
  ['TH-83', 'ภูเก็ต', 'Phuket', 'ภก', 'Puket'],
  ['TH-84', 'สุราษฎร์ธานี', 'Surat Thani', 'สฎ', 'สุราษฎร์', 'Suratthani', 'Surat', 'Surat Tani'],
  ['TH-85', 'ระนอง', 'Ranong', 'รน'],
  ['TH-86', 'ชุมพร', 'Chumphon', 'ชพ', 'Chumporn', 'Chumpon'],
  ['TH-90', 'สงขลา', 'Songkhla', 'สข', 'Songkla'],
  ['TH-91', 'สตูล', 'Satun', 'สต', 'Satul', 'Satoon'],
  ['TH-92', 'ตรัง', 'Trang', 'ตง'],
  ['TH-93', 'พัทลุง', 'Phatthalung', 'พท', 'Pattalung', 'Phattalung', 'Phatalung'],
  ['TH-94', 'ปัตตานี', 'Pattani', 'ปน', 'Patani'],
  ['TH-95', 'ยะลา', 'Yala', 'ยล'],
  ['TH-96', 'นราธิวาส', 'Narathiwat', 'นธ', 'Narathiwas', 'Naratiwat'],
];

/** All 77 provinces, ordered by ISO code. Frozen. */
export const PROVINCES: readonly Province[] = Object.freeze(
  ROWS.map(([code, th, en, abbr, ...rest]) =>
    Object.freeze({ code, th, en, aliases: Object.freeze([abbr, ...rest]) as string[] }),
  ),
);

/** The standard Thai abbreviation (อักษรย่อ) of each province, by code — e.g. 'TH-10' → 'กทม'. */
export const PROVINCE_ABBREVIATIONS: ReadonlyMap<string, string> = new Map(ROWS.map((r) => [r[0], r[3]]));

// ---------------------------------------------------------------------------------------------
// Name folding for provinceCode(). Not on the per-read hot path (normalize.ts folds plate text with
// its own table), but still regex-light and done once per call.
// ---------------------------------------------------------------------------------------------

/**
 * Characters ignored when comparing province names: white space (incl. NBSP and zero-width), dots,
 * hyphens/dashes, underscores, slashes, commas, apostrophes, parentheses, the Thai abbreviation sign
 * ฯ (U+0E2F) and Thai non-spacing marks (vowels above/below, tone marks, thanthakhat — U+0E31,
 * U+0E34–U+0E3A, U+0E47–U+0E4E), so 'เชียงใหม่' and a mark-less OCR 'เชยงใหม' fold alike.
 */
const NAME_IGNORED =
  /[\s\u00AD\u180E\u200B-\u200D\u2060\uFEFF._\-\u2010-\u2015\u2212/,'\u2018\u2019`\u00B7()\u0E2F\u0E31\u0E34-\u0E3A\u0E47-\u0E4E]/g;
const FULLWIDTH = /[\uFF01-\uFF5E]/g;

/** Fold a province name (or code) to its look-up key. Exported for tests / the plate normaliser. */
export function foldProvinceName(name: string): string {
  // Upper-casing can leave text that is not NFC (e.g. 'ῢ' → 'Ϋ̀'), so iterate to a fixed point; ASCII and
  // Thai names are stable after one round.
  // NFKC folds every canonical and compatibility form: full-width letters, and SARA AM (U+0E33) into
  // NIKHAHIT + SARA AA, whose NIKHAHIT is then ignored like every Thai mark ('ลำปาง' = 'ลําปาง' = 'ลาปาง').
  let s = name.normalize('NFKC');
  for (let i = 0; i < 4; i++) {
    const t = s
      .replace(FULLWIDTH, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
      .toUpperCase()
      .replace(NAME_IGNORED, '')
      .normalize('NFKC');
    if (t === s) break;
    s = t;
  }
  return s;
}

/** Folded prefixes / suffix that may surround a name: 'จังหวัด', 'จ.', 'Changwat', '… Province'. */
const PREFIXES = [foldProvinceName('จังหวัด'), foldProvinceName('Changwat'), foldProvinceName('จ.')] as const;
const SUFFIX = foldProvinceName('Province');

const BY_KEY = new Map<string, string>();
const BY_CODE = new Map<string, Province>();
/** Keys that two provinces would both claim (should stay empty; asserted by the tests). */
export const PROVINCE_KEY_CONFLICTS: readonly string[] = (() => {
  const conflicts: string[] = [];
  const add = (key: string, code: string): void => {
    if (!key) return;
    const prev = BY_KEY.get(key);
    if (prev === undefined) BY_KEY.set(key, code);
    else if (prev !== code) conflicts.push(`${key}: ${prev} / ${code}`);
  };
  for (const p of PROVINCES) {
    BY_CODE.set(p.code, p);
    add(foldProvinceName(p.code), p.code); // 'TH10'
  }
  // Official names first so that an alias can never shadow one.
  for (const p of PROVINCES) {
    add(foldProvinceName(p.th), p.code);
    add(foldProvinceName(p.en), p.code);
  }
  for (const p of PROVINCES) for (const a of p.aliases) add(foldProvinceName(a), p.code);
  return Object.freeze(conflicts);
})();

/**
 * Canonical ISO 3166-2:TH code for a province name, spelling, abbreviation or code; null if unknown.
 * Case-insensitive; ignores spaces, dots, hyphens, Thai vowel/tone marks; strips a leading 'จังหวัด',
 * 'จ.' or 'Changwat' and a trailing 'Province'. One or two Map look-ups per call.
 */
export function provinceCode(name: string | null | undefined): string | null {
  if (typeof name !== 'string' || name.length === 0) return null;
  const key = foldProvinceName(name);
  if (key.length === 0) return null;
  const hit = BY_KEY.get(key);
  if (hit !== undefined) return hit;
  let k = key;
  for (const p of PREFIXES) {
    if (k.length > p.length && k.startsWith(p)) {
      k = k.slice(p.length);
      break;
    }
  }
  if (k.length > SUFFIX.length && k.endsWith(SUFFIX)) k = k.slice(0, -SUFFIX.length);
  if (k === key) return null;
  return BY_KEY.get(k) ?? null;
}

/** The province record for a code (or anything provinceCode accepts); undefined if unknown. */
export function provinceByCode(codeOrName: string | null | undefined): Province | undefined {
  if (typeof codeOrName !== 'string') return undefined;
  const direct = BY_CODE.get(codeOrName);
  if (direct) return direct;
  const code = provinceCode(codeOrName);
  return code === null ? undefined : BY_CODE.get(code);
}

/** Thai and English names of a province given its code (or any accepted name); null if unknown. */
export function provinceName(code: string | null | undefined): { th: string; en: string } | null {
  const p = provinceByCode(code);
  return p ? { th: p.th, en: p.en } : null;
}
