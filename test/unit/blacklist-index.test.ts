import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HashMultiMap } from '../../src/blacklist/hashtable';
import { BlacklistIndex, DEFAULT_MATCH_OPTIONS, type MatchOptions, type MatchResult } from '../../src/blacklist/index';
import { boundedLevenshtein } from '../../src/blacklist/levenshtein';
import { normalizePlate, parsePlate, substitutions } from '../../src/blacklist/normalize';
import { compilePattern, isPatternPlate, matchPattern, patternKey } from '../../src/blacklist/pattern';
import { provinceCode } from '../../src/blacklist/provinces';
import type { BlacklistEntry } from '../../src/protocol/schemas/blacklist';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const PAST = '2026-05-01T00:00:00Z';
const FUTURE = '2026-07-01T00:00:00Z';

const opts = (o: Partial<MatchOptions> = {}): MatchOptions => ({ ...DEFAULT_MATCH_OPTIONS, ...o });
const FUZZY1 = opts({ fuzzy: true, maxDistance: 1 });
const FUZZY2 = opts({ fuzzy: true, maxDistance: 2 });

function indexOf(entries: BlacklistEntry[], depth: 0 | 1 | 2 = 0): BlacklistIndex {
  const index = new BlacklistIndex({ fuzzyMaxDistance: depth });
  index.add(entries);
  return index;
}

/** The match reduced to what a notification carries, plus the entry's plate. */
function brief(m: MatchResult | null) {
  return m && { plate: m.entry.plate_number, type: m.type, distance: m.distance, province_match: m.province_match };
}

describe('blacklist index', () => {
  describe('DEFAULT_MATCH_OPTIONS', () => {
    it('exact, look-alike (1), pattern on; fuzzy (1) and requireProvince off', () => {
      assert.deepEqual({ ...DEFAULT_MATCH_OPTIONS }, {
        exact: true,
        lookalike: true,
        maxSubstitutions: 1,
        fuzzy: false,
        maxDistance: 1,
        pattern: true,
        requireProvince: false,
      });
    });
  });

  describe('misreads, one row per case', () => {
    type Row = [name: string, list: string[], read: string, options: MatchOptions, expected: { plate: string; type: string; distance: number } | null];
    const rows: Row[] = [
      ['exact', ['AB1234'], 'AB1234', opts(), { plate: 'AB1234', type: 'exact', distance: 0 }],
      ['exact after normalisation (case, space, dash)', ['AB1234'], 'ab 12-34', opts(), { plate: 'AB1234', type: 'exact', distance: 0 }],
      ['exact off: an identical key matches nothing', ['AB1234'], 'AB1234', opts({ exact: false, fuzzy: true }), null],
      ['look-alike O read as 0', ['OA1234'], '0A1234', opts(), { plate: 'OA1234', type: 'lookalike', distance: 1 }],
      ['look-alike 0 read as O', ['AB1230'], 'AB123O', opts(), { plate: 'AB1230', type: 'lookalike', distance: 1 }],
      ['look-alike B read as 8', ['AB1234'], 'A81234', opts(), { plate: 'AB1234', type: 'lookalike', distance: 1 }],
      ['look-alike I read as 1', ['AI5678'], 'A15678', opts(), { plate: 'AI5678', type: 'lookalike', distance: 1 }],
      ['look-alike 1 read as I', ['AB1234'], 'ABI234', opts(), { plate: 'AB1234', type: 'lookalike', distance: 1 }],
      ['look-alike S read as 5', ['SK999'], '5K999', opts(), { plate: 'SK999', type: 'lookalike', distance: 1 }],
      ['look-alike Z read as 2', ['ZA2222'], '2A2222', opts(), { plate: 'ZA2222', type: 'lookalike', distance: 1 }],
      ['look-alike 2 read as Z', ['ZA2222'], 'ZAZ222', opts(), { plate: 'ZA2222', type: 'lookalike', distance: 1 }],
      ['two look-alikes, max 1: no match', ['AB1234'], 'A8I234', opts(), null],
      ['two look-alikes, max 2', ['AB1234'], 'A8I234', opts({ maxSubstitutions: 2 }), { plate: 'AB1234', type: 'lookalike', distance: 2 }],
      ['three look-alikes, max 2: no match', ['SB1234'], '58I234', opts({ maxSubstitutions: 2 }), null],
      ['look-alike off', ['AB1234'], 'A81234', opts({ lookalike: false }), null],
      ['look-alike off, fuzzy on: a substitution is fuzzy', ['AB1234'], 'A81234', opts({ lookalike: false, fuzzy: true }), { plate: 'AB1234', type: 'fuzzy', distance: 1 }],
      ['two look-alikes beyond max, fuzzy k=2', ['AB1234'], 'A8I234', FUZZY2, { plate: 'AB1234', type: 'fuzzy', distance: 2 }],
      ['not a look-alike (C for B)', ['AB1234'], 'AC1234', opts(), null],
      ['fuzzy k=1 substitution', ['AB1234'], 'AC1234', FUZZY1, { plate: 'AB1234', type: 'fuzzy', distance: 1 }],
      ['fuzzy k=1 insertion', ['AB1234'], 'AB12534', FUZZY1, { plate: 'AB1234', type: 'fuzzy', distance: 1 }],
      ['fuzzy k=1 deletion', ['AB1234'], 'AB124', FUZZY1, { plate: 'AB1234', type: 'fuzzy', distance: 1 }],
      ['fuzzy k=1 deletion of the first character', ['AB1234'], 'B1234', FUZZY1, { plate: 'AB1234', type: 'fuzzy', distance: 1 }],
      ['fuzzy k=1, two edits: no match', ['AB1234'], 'AC12345', FUZZY1, null],
      ['fuzzy k=2 substitution + insertion', ['AB1234'], 'AC12345', FUZZY2, { plate: 'AB1234', type: 'fuzzy', distance: 2 }],
      ['fuzzy k=2 two deletions', ['AB1234'], 'A124', FUZZY2, { plate: 'AB1234', type: 'fuzzy', distance: 2 }],
      ['fuzzy k=2 two insertions', ['AB1234'], 'XAB12345', FUZZY2, { plate: 'AB1234', type: 'fuzzy', distance: 2 }],
      ['fuzzy k=2 transposition', ['AB1234'], 'AB2134', FUZZY2, { plate: 'AB1234', type: 'fuzzy', distance: 2 }],
      ['fuzzy k=2, three edits: no match', ['AB1234'], 'XC12345', FUZZY2, null],
      ['fuzzy off', ['AB1234'], 'AC1234', opts(), null],
      ['pattern AB*', ['AB*'], 'AB9999', opts(), { plate: 'AB*', type: 'pattern', distance: 0 }],
      ['pattern AB* matches AB (empty run)', ['AB*'], 'AB', opts(), { plate: 'AB*', type: 'pattern', distance: 0 }],
      ['pattern AB* is anchored', ['AB*'], 'XAB99', opts(), null],
      ['pattern ?B1234', ['?B1234'], 'ZB1234', opts(), { plate: '?B1234', type: 'pattern', distance: 0 }],
      ['pattern ?B1234 needs exactly one character', ['?B1234'], 'B1234', opts(), null],
      ['pattern ?B1234, two characters: no match', ['?B1234'], 'ZZB1234', opts(), null],
      ['pattern *1234 (literal at the end only)', ['*1234'], 'XYZ1234', opts(), { plate: '*1234', type: 'pattern', distance: 0 }],
      ['pattern *12* (no literal end)', ['*12*'], 'AB1299', opts(), { plate: '*12*', type: 'pattern', distance: 0 }],
      ['pattern A* (one-character start)', ['A*'], 'AB1234', opts(), { plate: 'A*', type: 'pattern', distance: 0 }],
      ['pattern *4 (one-character end)', ['*4'], 'AB1234', opts(), { plate: '*4', type: 'pattern', distance: 0 }],
      ['pattern ?B12?? (wildcards at both ends)', ['?B12??'], 'AB1234', opts(), { plate: '?B12??', type: 'pattern', distance: 0 }],
      ['pattern literal parts are normalized', ['ab-*'], 'AB77', opts(), { plate: 'ab-*', type: 'pattern', distance: 0 }],
      ['pattern off', ['AB*'], 'AB9999', opts({ pattern: false }), null],
      ['Thai exact', ['กข1234'], 'กข1234', opts(), { plate: 'กข1234', type: 'exact', distance: 0 }],
      ['Thai exact with a space', ['1กข1234'], '1กข 1234', opts(), { plate: '1กข1234', type: 'exact', distance: 0 }],
      ['Thai fuzzy k=1 wrong letter', ['กข1234'], 'กค1234', FUZZY1, { plate: 'กข1234', type: 'fuzzy', distance: 1 }],
      ['Thai fuzzy k=1 missing digit', ['1กข1234'], '1กข234', FUZZY1, { plate: '1กข1234', type: 'fuzzy', distance: 1 }],
      ['Thai fuzzy k=2 missing prefix and letter', ['1กข1234'], 'ก1234', FUZZY2, { plate: '1กข1234', type: 'fuzzy', distance: 2 }],
      ['Thai pattern', ['กข*'], 'กข99', opts(), { plate: 'กข*', type: 'pattern', distance: 0 }],
      ['miss', ['AB1234', 'กข1234', 'AB*'], 'ZZ9', FUZZY2, null],
    ];
    for (const [name, list, read, options, expected] of rows) {
      for (const depth of [0, 1, 2] as const) {
        it(`${name} (deletion index built to ${depth})`, () => {
          const index = indexOf(list.map((plate_number) => ({ plate_number })), depth);
          const m = index.match(read, null, options, NOW);
          assert.deepEqual(m && { plate: m.entry.plate_number, type: m.type, distance: m.distance }, expected);
        });
      }
    }
  });

  describe('province', () => {
    const bkk = { plate_number: 'กข1234', province: 'กรุงเทพมหานคร' };

    it('true when both known and equal, whatever the spelling', () => {
      const index = indexOf([bkk]);
      for (const p of ['กรุงเทพมหานคร', 'Bangkok', 'BKK', 'กทม', 'TH-10']) {
        assert.equal(index.match('กข1234', p, opts(), NOW)?.province_match, true, p);
      }
    });

    it('false when both known and different', () => {
      const index = indexOf([bkk]);
      assert.equal(index.match('กข1234', 'เชียงใหม่', opts(), NOW)?.province_match, false);
    });

    it('null when the read or the entry has none (or none known)', () => {
      assert.equal(indexOf([bkk]).match('กข1234', null, opts(), NOW)?.province_match, null);
      assert.equal(indexOf([bkk]).match('กข1234', undefined, opts(), NOW)?.province_match, null);
      assert.equal(indexOf([bkk]).match('กข1234', 'Atlantis', opts(), NOW)?.province_match, null);
      assert.equal(indexOf([{ plate_number: 'กข1234' }]).match('กข1234', 'Bangkok', opts(), NOW)?.province_match, null);
      assert.equal(indexOf([{ plate_number: 'กข1234', province: 'Atlantis' }]).match('กข1234', 'Bangkok', opts(), NOW)?.province_match, null);
    });

    it('uses a province found in the plate text when none is given', function () {
      const parsed = parsePlate('กข1234 กรุงเทพมหานคร');
      if (parsed.province === null) this.skip(); // the normalizer does not read provinces from the text
      const m = indexOf([bkk]).match('กข1234 กรุงเทพมหานคร', null, opts(), NOW);
      assert.deepEqual(brief(m), { plate: 'กข1234', type: 'exact', distance: 0, province_match: true });
    });

    it('requireProvince keeps only province_match === true', () => {
      const index = indexOf([bkk, { plate_number: 'AB1234' }]);
      const req = opts({ requireProvince: true });
      assert.equal(index.match('กข1234', 'Bangkok', req, NOW)?.province_match, true);
      assert.equal(index.match('กข1234', 'เชียงใหม่', req, NOW), null);
      assert.equal(index.match('กข1234', null, req, NOW), null);
      assert.equal(index.match('AB1234', 'Bangkok', req, NOW), null);
    });

    it('requireProvince lets a worse type with the right province win', () => {
      const index = indexOf([
        { plate_number: 'AB1234', province: 'เชียงใหม่' },
        { plate_number: 'A81234', province: 'Bangkok' },
      ]);
      assert.deepEqual(brief(index.match('AB1234', 'Bangkok', opts(), NOW)), { plate: 'AB1234', type: 'exact', distance: 0, province_match: false });
      assert.deepEqual(brief(index.match('AB1234', 'Bangkok', opts({ requireProvince: true }), NOW)), {
        plate: 'A81234',
        type: 'lookalike',
        distance: 1,
        province_match: true,
      });
    });
  });

  describe('ranking', () => {
    it('type first: exact beats a critical look-alike, look-alike beats fuzzy, fuzzy beats pattern', () => {
      const index = indexOf(
        [
          { plate_number: 'A81234', priority: 'critical' },
          { plate_number: 'AB1234', priority: 'low' },
          { plate_number: 'AB123', priority: 'critical' },
          { plate_number: 'AB*', priority: 'critical' },
        ],
        1,
      );
      assert.equal(brief(index.match('AB1234', null, FUZZY1, NOW))?.plate, 'AB1234');
      index.remove([{ plate_number: 'AB1234' }]);
      assert.deepEqual(brief(index.match('AB1234', null, FUZZY1, NOW)), { plate: 'A81234', type: 'lookalike', distance: 1, province_match: null });
      index.remove([{ plate_number: 'A81234' }]);
      assert.deepEqual(brief(index.match('AB1234', null, FUZZY1, NOW)), { plate: 'AB123', type: 'fuzzy', distance: 1, province_match: null });
      index.remove([{ plate_number: 'AB123' }]);
      assert.deepEqual(brief(index.match('AB1234', null, FUZZY1, NOW)), { plate: 'AB*', type: 'pattern', distance: 0, province_match: null });
    });

    it('then distance', () => {
      const index = indexOf([{ plate_number: 'A8I234', priority: 'critical' }, { plate_number: 'AB1Z34' }]);
      assert.deepEqual(brief(index.match('AB1234', null, opts({ maxSubstitutions: 2 }), NOW)), {
        plate: 'AB1Z34',
        type: 'lookalike',
        distance: 1,
        province_match: null,
      });
      const fuzzy = indexOf([{ plate_number: 'XY1234', priority: 'critical' }, { plate_number: 'AY1234' }]);
      assert.equal(fuzzy.match('AB1234', null, FUZZY2, NOW)?.entry.plate_number, 'AY1234');
    });

    it('then province: true > null > false', () => {
      const entries = [
        { plate_number: 'AB1234', province: 'เชียงใหม่', priority: 'critical' as const },
        { plate_number: 'AB1234', priority: 'high' as const },
        { plate_number: 'AB1234', province: 'Bangkok' },
      ];
      const index = indexOf(entries);
      assert.deepEqual(brief(index.match('AB1234', 'Bangkok', opts(), NOW)), { plate: 'AB1234', type: 'exact', distance: 0, province_match: true });
      assert.equal(index.match('AB1234', 'Bangkok', opts(), NOW)?.entry, entries[2]);
      index.remove([{ plate_number: 'AB1234', province: 'Bangkok' }]);
      assert.equal(index.match('AB1234', 'Bangkok', opts(), NOW)?.entry, entries[1]);
    });

    it('then priority: critical > high > medium > low = none', () => {
      const entries: BlacklistEntry[] = ['low', 'critical', 'medium', 'high'].map((priority, i) => ({
        plate_number: 'AB1234',
        list: `l${i}`,
        priority: priority as BlacklistEntry['priority'],
      }));
      const index = indexOf(entries);
      assert.equal(index.match('AB1234', null, opts(), NOW)?.entry.priority, 'critical');
      index.remove([{ plate_number: 'AB1234', list: 'l1' }]);
      assert.equal(index.match('AB1234', null, opts(), NOW)?.entry.priority, 'high');
      index.remove([{ plate_number: 'AB1234', list: 'l3' }]);
      assert.equal(index.match('AB1234', null, opts(), NOW)?.entry.priority, 'medium');
    });

    it('then the most recently added (low and no priority tie)', () => {
      const a = { plate_number: 'AB1234', list: 'a', priority: 'low' as const };
      const b = { plate_number: 'AB1234', list: 'b' };
      const index = indexOf([a, b]);
      assert.equal(index.match('AB1234', null, opts(), NOW)?.entry, b);
      index.add([{ ...a }]);
      assert.equal(index.match('AB1234', null, opts(), NOW)?.entry.list, 'a');
    });

    it('reports the matched entry key', () => {
      const index = indexOf([{ plate_number: 'ab-1234' }, { plate_number: 'xy*' }]);
      assert.equal(index.match('A81234', null, opts(), NOW)?.key, 'AB1234');
      assert.equal(index.match('XY9', null, opts(), NOW)?.key, 'XY*');
    });
  });

  describe('expiry', () => {
    it('an entry past expires_at never matches, even before purge', () => {
      const index = indexOf([{ plate_number: 'AB1234', expires_at: PAST }, { plate_number: 'XY*', expires_at: PAST }], 1);
      assert.equal(index.match('AB1234', null, FUZZY1, NOW), null);
      assert.equal(index.match('A81234', null, FUZZY1, NOW), null);
      assert.equal(index.match('AB12345', null, FUZZY1, NOW), null);
      assert.equal(index.match('XY1', null, FUZZY1, NOW), null);
      assert.equal(index.size, 2);
    });

    it('expires at expires_at exactly; matches before it', () => {
      const index = indexOf([{ plate_number: 'AB1234', expires_at: FUTURE }]);
      const at = Date.parse(FUTURE);
      assert.equal(index.match('AB1234', null, opts(), at - 1)?.type, 'exact');
      assert.equal(index.match('AB1234', null, opts(), at), null);
    });

    it('a zone-less expires_at is read in the site time zone', () => {
      // 2026-07-01T07:00 in Bangkok is 00:00Z: expired at 00:00Z, not at 07:00Z.
      const at = Date.parse(FUTURE);
      const bangkok = new BlacklistIndex({ timeZone: 'Asia/Bangkok' });
      bangkok.add([{ plate_number: 'AB1234', expires_at: '2026-07-01T07:00:00' }]);
      assert.equal(bangkok.match('AB1234', null, opts(), at - 1)?.type, 'exact');
      assert.equal(bangkok.match('AB1234', null, opts(), at), null);
      const utc = indexOf([{ plate_number: 'AB1234', expires_at: '2026-07-01T00:00:00' }]);
      assert.equal(utc.match('AB1234', null, opts(), at - 1)?.type, 'exact');
      assert.equal(utc.match('AB1234', null, opts(), at), null);
    });

    it('an expired exact entry does not hide a live look-alike', () => {
      const index = indexOf([{ plate_number: 'AB1234', expires_at: PAST, priority: 'critical' }, { plate_number: 'A81234' }]);
      assert.deepEqual(brief(index.match('AB1234', null, opts(), NOW)), { plate: 'A81234', type: 'lookalike', distance: 1, province_match: null });
    });

    it('purgeExpired removes expired entries; entries() leaves them out', () => {
      const live = { plate_number: 'AB1234', expires_at: FUTURE };
      const index = indexOf([live, { plate_number: 'CD5678', expires_at: PAST }, { plate_number: 'EF*', expires_at: PAST }, { plate_number: 'GH1' }], 1);
      assert.equal(index.entries(NOW).length, 2);
      assert.equal(index.size, 4);
      assert.equal(index.purgeExpired(NOW), 2);
      assert.equal(index.size, 2);
      assert.equal(index.purgeExpired(NOW), 0);
      assert.equal(index.match('CD5678', null, FUZZY1, Date.parse(PAST) - 1), null);
      assert.equal(index.purgeExpired(Date.parse(FUTURE)), 1);
      assert.deepEqual(index.entries(NOW).map((e) => e.plate_number), ['GH1']);
    });

    it('an expires_at that does not parse is ignored', () => {
      const index = indexOf([{ plate_number: 'AB1234', expires_at: 'soon' }]);
      assert.equal(index.match('AB1234', null, opts(), NOW)?.type, 'exact');
    });
  });

  describe('add, remove, replace', () => {
    it('add returns the count; an entry with the same key, province and list replaces the old one', () => {
      const index = new BlacklistIndex();
      assert.equal(index.add([{ plate_number: 'AB1234', reason: 'old' }, { plate_number: 'CD1' }]), 2);
      assert.equal(index.add([{ plate_number: 'ab 1234', reason: 'new' }]), 1);
      assert.equal(index.size, 2);
      assert.equal(index.match('AB1234', null, opts(), NOW)?.entry.reason, 'new');
    });

    it('province spelling counts as the same province; a different province or list is a different entry', () => {
      const index = indexOf([{ plate_number: 'AB1234', province: 'Bangkok' }]);
      index.add([{ plate_number: 'AB1234', province: 'กรุงเทพมหานคร', reason: 'same' }]);
      assert.equal(index.size, 1);
      index.add([{ plate_number: 'AB1234', province: 'เชียงใหม่' }, { plate_number: 'AB1234', province: 'Bangkok', list: 'vip' }, { plate_number: 'AB1234' }]);
      assert.equal(index.size, 4);
    });

    it('skips plates that normalize to nothing and patterns without a literal', () => {
      const index = new BlacklistIndex();
      assert.equal(index.add([{ plate_number: ' - ' }, { plate_number: '*' }, { plate_number: '??' }, { plate_number: '*?*' }]), 0);
      assert.equal(index.size, 0);
      assert.equal(index.match('AB1234', null, opts(), NOW), null);
    });

    it('remove by key takes every province and list; province and list narrow it', () => {
      const all = (): BlacklistEntry[] => [
        { plate_number: 'AB1234' },
        { plate_number: 'AB1234', province: 'Bangkok' },
        { plate_number: 'AB1234', province: 'Bangkok', list: 'vip' },
        { plate_number: 'AB1234', province: 'เชียงใหม่' },
        { plate_number: 'CD1234' },
      ];
      let index = indexOf(all());
      assert.equal(index.remove([{ plate_number: 'ab-1234' }]), 4);
      assert.equal(index.size, 1);
      index = indexOf(all());
      assert.equal(index.remove([{ plate_number: 'AB1234', province: 'BKK' }]), 2);
      assert.equal(index.remove([{ plate_number: 'AB1234', province: 'Phuket' }]), 0);
      index = indexOf(all());
      assert.equal(index.remove([{ plate_number: 'AB1234', list: 'vip' }]), 1);
      assert.equal(index.remove([{ plate_number: 'ZZ1' }]), 0);
      assert.equal(index.size, 4);
    });

    it('a removed entry stops matching by every kind, and its id is reused cleanly', () => {
      const index = indexOf([{ plate_number: 'AB1234' }, { plate_number: 'AB*' }], 2);
      assert.equal(index.remove([{ plate_number: 'AB1234' }, { plate_number: 'ab*' }]), 2);
      for (const read of ['AB1234', 'A81234', 'AB12345', 'AC12345', 'AB99']) assert.equal(index.match(read, null, FUZZY2, NOW), null, read);
      index.add([{ plate_number: 'XY9876' }]);
      assert.equal(index.match('AB1234', null, FUZZY2, NOW), null);
      assert.equal(index.match('XY987', null, FUZZY2, NOW)?.entry.plate_number, 'XY9876');
    });

    it('replace swaps the whole list', () => {
      const index = indexOf([{ plate_number: 'AB1234' }, { plate_number: 'AB*' }], 1);
      index.replace([{ plate_number: 'CD5678' }]);
      assert.equal(index.size, 1);
      assert.equal(index.match('AB1234', null, FUZZY1, NOW), null);
      assert.equal(index.match('CD567', null, FUZZY1, NOW)?.type, 'fuzzy');
      assert.deepEqual(index.entries(NOW), [{ plate_number: 'CD5678' }]);
    });

    it('indexedEntries shows the derived fields', () => {
      const index = indexOf([{ plate_number: 'ab-1234', province: 'Bangkok', expires_at: FUTURE }, { plate_number: 'x*' }]);
      assert.deepEqual(
        index.indexedEntries().map(({ key, province, expiresAt, isPattern }) => ({ key, province, expiresAt, isPattern })),
        [
          { key: 'AB1234', province: 'TH-10', expiresAt: Date.parse(FUTURE), isPattern: false },
          { key: 'X*', province: null, expiresAt: Infinity, isPattern: true },
        ],
      );
    });

    it('builds the k=2 deletion level lazily, on the first query that needs it', () => {
      const index = indexOf([{ plate_number: 'AB1234' }]);
      assert.equal(index.stats().fuzzyDepth, 0);
      assert.equal(index.match('AB1234', null, FUZZY2, NOW)?.type, 'exact');
      assert.equal(index.stats().fuzzyDepth, 0, 'a hit never reaches the fuzzy stage');
      assert.equal(index.match('AC1234', null, FUZZY1, NOW)?.type, 'fuzzy');
      assert.equal(index.stats().fuzzyDepth, 1);
      assert.equal(index.match('AC12345', null, FUZZY2, NOW)?.distance, 2);
      assert.equal(index.stats().fuzzyDepth, 2);
      index.add([{ plate_number: 'XY9876' }]);
      assert.equal(index.match('XY98', null, FUZZY2, NOW)?.entry.plate_number, 'XY9876');
    });
  });

  describe('patterns', () => {
    it('normalize literal parts and canonicalize wildcard runs', () => {
      assert.ok(isPatternPlate('AB*') && isPatternPlate('?B1') && !isPatternPlate('AB1'));
      assert.equal(patternKey('ab-*'), 'AB*');
      assert.equal(patternKey('a*?**b'), 'A?*B');
      assert.equal(patternKey('a* - *b'), 'A*B');
    });

    it('compile with every other character literal (no regex injection)', () => {
      const p = compilePattern('A+B.(C)[D]{2}|$^\\/*')!;
      assert.ok(matchPattern(p, 'A+B.(C)[D]{2}|$^\\/anything'));
      assert.ok(!matchPattern(p, 'AAB.(C)[D]{2}|$^\\/'));
      assert.ok(!matchPattern(p, 'A+BX(C)[D]{2}|$^\\/'));
      assert.ok(matchPattern(compilePattern('A.?')!, 'A.x'));
      assert.ok(!matchPattern(compilePattern('A.?')!, 'ABx'));
      assert.equal(compilePattern('*'), null);
      assert.equal(compilePattern('?*?'), null);
    });

    it('the best of several matching patterns wins (province, then priority, then recency)', () => {
      const index = indexOf([
        { plate_number: 'AB*', priority: 'high' },
        { plate_number: '*34', priority: 'critical' },
        { plate_number: '?B*', priority: 'critical', province: 'เชียงใหม่' },
        { plate_number: 'A*4' },
        { plate_number: 'X*' },
      ]);
      // '*34' and '?B*' tie on province (unknown) and priority: the later one wins.
      assert.equal(index.match('AB1234', null, opts(), NOW)?.entry.plate_number, '?B*');
      assert.equal(index.match('AB1234', 'Chiang Mai', opts(), NOW)?.entry.plate_number, '?B*');
      assert.equal(index.match('AB1234', 'Bangkok', opts(), NOW)?.entry.plate_number, '*34');
      index.remove([{ plate_number: '*34' }, { plate_number: '?B*' }]);
      assert.equal(index.match('AB1234', null, opts(), NOW)?.entry.plate_number, 'AB*');
      index.remove([{ plate_number: 'ab*' }]);
      assert.equal(index.match('AB1234', null, opts(), NOW)?.entry.plate_number, 'A*4');
      assert.equal(index.match('XB1234', null, opts(), NOW)?.entry.plate_number, 'X*');
    });

    it('? is one character, Thai included', () => {
      const index = indexOf([{ plate_number: '?ข1234' }]);
      assert.equal(index.match('กข1234', null, opts(), NOW)?.type, 'pattern');
      assert.equal(index.match('ข1234', null, opts(), NOW), null);
    });
  });

  describe('building blocks', () => {
    it('boundedLevenshtein agrees with the textbook distance, capped at k + 1', () => {
      const s = fc.string({ unit: fc.constantFrom('A', 'B', 'C', 'ก', 'ข', '1', '2'), maxLength: 9 });
      fc.assert(
        fc.property(s, s, fc.integer({ min: 0, max: 3 }), (a, b, k) => {
          assert.equal(boundedLevenshtein(a, b, k), Math.min(levenshtein(a, b), k + 1));
        }),
        { numRuns: 2000 },
      );
    });

    it('HashMultiMap agrees with a list of pairs under inserts and removals (crowded hashes, wrap-around)', () => {
      const hash = fc.oneof(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0xfffffff0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }));
      const op = fc.record({ insert: fc.constantFrom(true, true, false), h: hash, id: fc.integer({ min: 0, max: 5 }), compact: fc.constantFrom(0, 0, 0, 0, 0, 0, 0, 0, 0, 0.6, 0.8) });
      fc.assert(
        fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
          const table = new HashMultiMap();
          const model: Array<[number, number]> = [];
          for (const { insert, h, id, compact } of ops) {
            if (compact) table.compact(compact);
            if (insert) {
              table.insert(h, id);
              model.push([h, id]);
            } else {
              const i = model.findIndex(([mh, mid]) => mh === h && mid === id);
              assert.equal(table.remove(h, id), i >= 0);
              if (i >= 0) model.splice(i, 1);
            }
          }
          assert.equal(table.size, model.length);
          for (const h of new Set(model.map(([mh]) => mh))) {
            const out: number[] = [];
            table.collect(h, out);
            const expected = model.filter(([mh]) => mh === h).map(([, id]) => id);
            assert.deepEqual(out.sort(), expected.sort());
          }
        }),
        { numRuns: 1000 },
      );
    });
  });

  describe('agrees with a brute-force linear matcher', () => {
    const THAI = Array.from({ length: 0x0e2e - 0x0e01 + 1 }, (_, i) => String.fromCharCode(0x0e01 + i));
    // Look-alike-rich Latin, digits and a few Thai letters, so random plates collide often.
    const CHARS = ['A', 'B', '8', 'O', '0', 'D', '1', 'I', 'S', '5', 'Z', '2', 'C', '3', 'ก', 'ข', 'ค'];
    const char = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...CHARS) }, { weight: 1, arbitrary: fc.constantFrom(...THAI) });
    const plainPlate = fc.array(char, { minLength: 1, maxLength: 6 }).map((cs) => cs.join(''));
    const plate = fc.oneof(
      { weight: 6, arbitrary: plainPlate },
      { weight: 1, arbitrary: fc.tuple(plainPlate, plainPlate).map(([a, b]) => `${a}-${b.toLowerCase()}`) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(fc.array(char, { minLength: 1, maxLength: 4 }), fc.array(fc.constantFrom('*', '?'), { minLength: 1, maxLength: 2 }), fc.nat(5))
          .map(([cs, ws, at]) => {
            const out = [...cs];
            for (const w of ws) out.splice(at % (out.length + 1), 0, w);
            return out.join('');
          }),
      },
    );
    const province = fc.constantFrom(undefined, 'กรุงเทพมหานคร', 'Bangkok', 'BKK', 'เชียงใหม่', 'Chiang Mai', 'ภูเก็ต', 'Atlantis');
    const entry: fc.Arbitrary<BlacklistEntry> = fc
      .record({
        plate_number: plate,
        province,
        list: fc.constantFrom(undefined, 'a', 'b'),
        priority: fc.constantFrom(undefined, 'low', 'medium', 'high', 'critical'),
        expires_at: fc.constantFrom(undefined, undefined, PAST, FUTURE),
      })
      .map((e) => Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)) as BlacklistEntry);
    const removal = fc
      .record({ plate_number: plate, province, list: fc.constantFrom(undefined, 'a', 'b') })
      .map((e) => Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)) as BlacklistEntry);
    const op = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('add' as const), entries: fc.array(entry, { maxLength: 12 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), entries: fc.array(removal, { maxLength: 3 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('replace' as const), entries: fc.array(entry, { maxLength: 12 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('purge' as const), entries: fc.constant([]) }) },
    );
    const often = fc.constantFrom(true, true, true, false);
    const seldom = fc.constantFrom(true, false, false, false);
    /** A read: a random plate, or an entry's plate with one or two random edits or look-alike swaps. */
    const edit = fc.tuple(fc.constantFrom('sub', 'ins', 'del', 'swap', 'swap'), fc.nat(10), char);
    const read = fc.record({
      from: fc.option(fc.nat(50), { nil: undefined, freq: 6 }),
      fill: fc.array(char, { minLength: 3, maxLength: 3 }),
      random: plainPlate,
      edits: fc.array(edit, { maxLength: 3 }),
      province,
      options: fc.record({
        exact: often,
        lookalike: often,
        maxSubstitutions: fc.integer({ min: 0, max: 3 }),
        fuzzy: fc.boolean(),
        maxDistance: fc.constantFrom(1 as const, 2 as const),
        pattern: often,
        requireProvince: seldom,
      }),
      late: seldom,
    });
    const LOOKALIKE_SWAP: Record<string, string> = { '0': 'O', O: '0', D: '0', '8': 'B', B: '8', '1': 'I', I: '1', '5': 'S', S: '5', '2': 'Z', Z: '2' };

    function readPlate(r: { from?: number; fill: string[]; random: string; edits: Array<[string, number, string]> }, model: Ref[]): string {
      // From an entry: a pattern's `?` becomes one character and its `*` zero to two.
      let f = 0;
      const fill = () => r.fill[f++ % r.fill.length]!;
      const base =
        r.from !== undefined && model.length
          ? model[r.from % model.length]!.key.replace(/[*?]/g, (w) => (w === '?' ? fill() : fill().repeat(f % 3)))
          : r.random;
      const cs = [...(base || r.random)];
      for (const [kind, at, c] of r.edits) {
        const i = at % (cs.length + (kind === 'ins' ? 1 : 0));
        if (kind === 'sub' && cs.length) cs[i % cs.length] = c;
        else if (kind === 'ins') cs.splice(i, 0, c);
        else if (kind === 'del' && cs.length > 1) cs.splice(i % cs.length, 1);
        else if (kind === 'swap' && cs.length) cs[i % cs.length] = LOOKALIKE_SWAP[cs[i % cs.length]!] ?? cs[i % cs.length]!;
      }
      return cs.join('');
    }

    it('index.match equals the reference on random lists, updates, reads and options', () => {
      fc.assert(
        fc.property(
          fc.constantFrom(0 as const, 1 as const, 2 as const),
          fc.constantFrom(undefined, undefined, 0, 500),
          fc.array(op, { minLength: 1, maxLength: 5 }),
          fc.array(read, { minLength: 1, maxLength: 25 }),
          (depth, taggedIdLimit, ops, reads) => {
          const index = new BlacklistIndex({ fuzzyMaxDistance: depth, taggedIdLimit });
          const ref = new Reference();
          for (const o of ops) {
            if (o.kind === 'add') assert.equal(index.add(o.entries), ref.add(o.entries));
            else if (o.kind === 'remove') assert.equal(index.remove(o.entries), ref.remove(o.entries));
            else if (o.kind === 'replace') {
              index.replace(o.entries);
              ref.model = [];
              ref.add(o.entries);
            } else assert.equal(index.purgeExpired(NOW), ref.purge(NOW));
            assert.equal(index.size, ref.model.length);
          }
          for (const r of reads) {
            const text = readPlate(r, ref.model);
            const now = r.late ? Date.parse(FUTURE) + 1 : NOW;
            const got = index.match(text, r.province, r.options, now);
            const want = ref.match(text, r.province, r.options, now);
            assert.deepEqual(got && { ...got }, want, `read ${JSON.stringify(text)} ${r.province ?? ''} ${JSON.stringify(r.options)}`);
            if (got) assert.equal(got.entry, want!.entry, 'the very same entry object');
          }
          assert.deepEqual(new Set(index.entries(NOW)), new Set(ref.model.filter((m) => m.expiresAt > NOW).map((m) => m.entry)));
          },
        ),
        { numRuns: 1000 },
      );
    });

    for (const [name, taggedIdLimit] of [['', undefined], [', near1 tags dropped when the ids outgrow them', 5_000]] as const) {
    it(`agrees at bulk sizes too (reserved and compacted tables, bulk purge, then incremental updates${name})`, function () {
      this.timeout(120_000);
      const [entries] = fc.sample(fc.array(entry, { minLength: 10_500, maxLength: 10_500 }), { numRuns: 1, seed: 42 });
      const [moreEntries] = fc.sample(fc.array(entry, { minLength: 2000, maxLength: 2000 }), { numRuns: 1, seed: 43 });
      const reads = fc.sample(read, { numRuns: 60, seed: 44 });
      const index = new BlacklistIndex({ fuzzyMaxDistance: 1, taggedIdLimit });
      const ref = new Reference();
      index.replace(entries!);
      ref.add(entries!);
      let matched = 0;
      const check = () => {
        assert.equal(index.size, ref.model.length);
        for (const r of reads) {
          const text = readPlate(r, ref.model);
          const got = index.match(text, r.province, { ...r.options, maxDistance: 1 }, NOW);
          assert.deepEqual(got && { ...got }, ref.match(text, r.province, { ...r.options, maxDistance: 1 }, NOW), text);
          if (got) matched++;
        }
      };
      check();
      assert.equal(index.add(moreEntries!), ref.add(moreEntries!));
      assert.equal((index as unknown as { tables: { tagged: boolean } }).tables.tagged, taggedIdLimit === undefined);
      check();
      assert.equal(index.purgeExpired(Date.parse(FUTURE)), ref.purge(Date.parse(FUTURE)));
      check();
      const removals = ref.model.slice(0, 200).map((m) => ({ plate_number: m.entry.plate_number }));
      assert.equal(index.remove(removals), ref.remove(removals));
      check();
      assert.ok(matched > 45, `only ${matched} reads matched`);
    });
    }
  });
});

// ---- reference implementations ----

function levenshtein(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

/** Glob by recursion over characters: `*` any run, `?` one character. */
function glob(pattern: string[], text: string[], p = 0, t = 0): boolean {
  if (p === pattern.length) return t === text.length;
  if (pattern[p] === '*') return glob(pattern, text, p + 1, t) || (t < text.length && glob(pattern, text, p, t + 1));
  if (t === text.length) return false;
  return (pattern[p] === '?' || pattern[p] === text[t]) && glob(pattern, text, p + 1, t + 1);
}

interface Ref {
  entry: BlacklistEntry;
  key: string;
  province: string | null;
  pattern: boolean;
  expiresAt: number;
}

const RANK: Record<string, number> = { critical: 3, high: 2, medium: 1, low: 0 };
const TYPE_RANK = { exact: 0, lookalike: 1, fuzzy: 2, pattern: 3 };

/** A list scanned end to end on every read: the definition the index must agree with. */
class Reference {
  model: Ref[] = []; // in the order added: later = more recent

  add(entries: BlacklistEntry[]): number {
    let n = 0;
    // Same key, province and list: the newer entry replaces the older one.
    const identity = (m: { key: string; province: string | null; entry: BlacklistEntry }) => JSON.stringify([m.key, m.province, m.entry.list ?? null]);
    const held = new Map(this.model.map((m) => [identity(m), m]));
    const replaced = new Set<Ref>();
    for (const entry of entries) {
      const pattern = /[*?]/.test(entry.plate_number);
      const key = pattern ? patternKey(entry.plate_number) : normalizePlate(entry.plate_number);
      if (!key || (pattern && !/[^*?]/.test(key))) continue;
      const province = provinceCode(entry.province);
      const t = entry.expires_at ? Date.parse(entry.expires_at) : Infinity;
      const m: Ref = { entry, key, province, pattern, expiresAt: Number.isNaN(t) ? Infinity : t };
      const old = held.get(identity(m));
      if (old) replaced.add(old);
      held.set(identity(m), m);
      this.model.push(m);
      n++;
    }
    if (replaced.size) this.model = this.model.filter((m) => !replaced.has(m));
    return n;
  }

  remove(removals: BlacklistEntry[]): number {
    const before = this.model.length;
    for (const r of removals) {
      const key = /[*?]/.test(r.plate_number) ? patternKey(r.plate_number) : normalizePlate(r.plate_number);
      this.model = this.model.filter(
        (m) => !(m.key === key && (r.province === undefined || m.province === provinceCode(r.province)) && (r.list === undefined || m.entry.list === r.list)),
      );
    }
    return before - this.model.length;
  }

  purge(now: number): number {
    const before = this.model.length;
    this.model = this.model.filter((m) => m.expiresAt > now);
    return before - this.model.length;
  }

  match(plate: string, province: string | undefined, o: MatchOptions, now: number): MatchResult | null {
    const parsed = parsePlate(plate);
    const key = parsed.key;
    if (!key) return null;
    const readProvince = (province ? provinceCode(province) : null) ?? parsed.province;
    const found: Array<MatchResult & { seq: number }> = [];
    this.model.forEach((m, seq) => {
      if (m.expiresAt <= now) return;
      let type: MatchResult['type'];
      let distance = 0;
      if (m.pattern) {
        if (!o.pattern || !glob([...m.key], [...key])) return;
        type = 'pattern';
      } else if (m.key === key) {
        if (!o.exact) return;
        type = 'exact';
      } else {
        const s = substitutions(key, m.key);
        const d = levenshtein(key, m.key);
        if (o.lookalike && s <= o.maxSubstitutions) [type, distance] = ['lookalike', s];
        else if (o.fuzzy && d <= o.maxDistance) [type, distance] = ['fuzzy', d];
        else return;
      }
      const province_match = m.province === null || readProvince === null ? null : m.province === readProvince;
      if (o.requireProvince && province_match !== true) return;
      found.push({ entry: m.entry, type, distance, province_match, key: m.key, seq });
    });
    const provRank = (p: boolean | null) => (p === true ? 0 : p === null ? 1 : 2);
    found.sort(
      (a, b) =>
        TYPE_RANK[a.type] - TYPE_RANK[b.type] ||
        a.distance - b.distance ||
        provRank(a.province_match) - provRank(b.province_match) ||
        (RANK[b.entry.priority ?? 'low'] ?? 0) - (RANK[a.entry.priority ?? 'low'] ?? 0) ||
        b.seq - a.seq,
    );
    if (!found.length) return null;
    const { seq: _seq, ...best } = found[0]!;
    return best;
  }
}
