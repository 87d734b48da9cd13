/**
 * Instants shown in the site time zone: Thai and English texts, the Buddhist era, ISO with the
 * site's offset, DST zones, and window boundaries on the site's wall clock. Intl (Node's full ICU)
 * is the oracle the hand-written formats are held to.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  BUDDHIST_ERA_OFFSET,
  civilFromDays,
  defaultEra,
  formatClock,
  formatDate,
  formatSiteTime,
  isoInZone,
  parseSiteTime,
  runtimeTimeZone,
  siteTime,
  wallParts,
  WallClockBoundaries,
  type DateStyle,
} from '../../src/runtime/site-time';
import { daysFromCivil } from '../../src/protocol/timestamp';

const ZONES = ['UTC', 'Asia/Bangkok', 'Europe/London', 'America/New_York', 'Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/St_Johns'];
const STYLES: DateStyle[] = [
  { lang: 'th', era: 'buddhist' },
  { lang: 'th', era: 'gregorian' },
  { lang: 'en', era: 'gregorian' },
  { lang: 'en', era: 'buddhist' },
];
/** 1970-2200: the years sites see (before, zones had local mean time offsets with seconds, which are not shown). */
const instant = fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2200, 0, 1) });
const zone = fc.constantFrom(...ZONES);
const style = fc.constantFrom(...STYLES);
const HOUR = 3_600_000;
const DAY = 86_400_000;

function intlParts(ms: number, timeZone: string, locale = 'en-US'): Record<string, string> {
  const parts = new Intl.DateTimeFormat(locale, {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(ms);
  return Object.fromEntries(parts.map((p) => [p.type, p.value]));
}

describe('site time: formats', () => {
  it('Thai short date in the Buddhist era, Bangkok: 3 ธ.ค. 2569 14:30:05', () => {
    const ms = Date.parse('2026-12-03T07:30:05Z');
    assert.equal(formatSiteTime(ms, 'Asia/Bangkok', { lang: 'th', era: 'buddhist' }), '3 ธ.ค. 2569 14:30:05');
    assert.equal(formatSiteTime(ms, 'Asia/Bangkok', { lang: 'en', era: 'gregorian' }), '3 Dec 2026 14:30:05');
    assert.equal(formatSiteTime(ms, 'Asia/Bangkok', { lang: 'en', era: 'buddhist' }), '3 Dec 2569 BE 14:30:05');
    assert.equal(formatSiteTime(ms, 'Asia/Bangkok', { lang: 'th', era: 'gregorian' }), '3 ธ.ค. 2026 14:30:05');
    assert.equal(isoInZone(ms, 'Asia/Bangkok'), '2026-12-03T14:30:05.000+07:00');
    assert.equal(formatClock(ms, 'Asia/Bangkok'), '14:30:05');
  });

  it('what Intl th-TH-u-ca-buddhist gives (the calendar Thai locales use by default) is our Thai format', () => {
    const ms = Date.parse('2026-12-03T07:30:05Z');
    const opts: Intl.DateTimeFormatOptions = { timeZone: 'Asia/Bangkok', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' };
    assert.equal(new Intl.DateTimeFormat('th-TH-u-ca-buddhist', opts).format(ms), '3 ธ.ค. 2569 14:30:05');
    assert.equal(new Intl.DateTimeFormat('th-TH', opts).resolvedOptions().calendar, 'buddhist');
    assert.equal(new Intl.DateTimeFormat('th-TH-u-ca-gregory', opts).format(ms), '3 ธ.ค. 2026 14:30:05');
  });

  it('the Thai date equals Intl th-TH-u-ca-buddhist, any instant and zone (property)', () => {
    const cache = new Map<string, Intl.DateTimeFormat>();
    fc.assert(
      fc.property(instant, zone, (ms, z) => {
        let f = cache.get(z);
        if (!f) cache.set(z, (f = new Intl.DateTimeFormat('th-TH-u-ca-buddhist', { timeZone: z, day: 'numeric', month: 'short', year: 'numeric' })));
        assert.equal(formatDate(ms, z, { lang: 'th', era: 'buddhist' }), f.format(ms));
      }),
      { numRuns: 2000 },
    );
  });

  it('wall clock and ISO offset agree with Intl, any instant and zone (property)', () => {
    fc.assert(
      fc.property(instant, zone, (ms, z) => {
        const i = intlParts(ms, z);
        const p = wallParts(ms, z);
        assert.deepEqual([p.year, p.month, p.day, p.hour, p.minute, p.second], [i.year, i.month, i.day, i.hour, i.minute, i.second].map(Number));
        const iso = isoInZone(ms, z);
        assert.equal(Date.parse(iso), ms, iso); // same instant
        assert.equal(formatClock(ms, z), `${i.hour}:${i.minute}:${i.second}`);
      }),
      { numRuns: 2000 },
    );
  });

  it('the Buddhist era is the Gregorian year + 543, in both languages (property)', () => {
    fc.assert(
      fc.property(instant, zone, fc.constantFrom<'th' | 'en'>('th', 'en'), (ms, z, lang) => {
        const year = (era: 'buddhist' | 'gregorian') => Number(/ (\d{4,5})/.exec(formatDate(ms, z, { lang, era }))![1]);
        assert.equal(year('buddhist') - year('gregorian'), BUDDHIST_ERA_OFFSET);
        assert.equal(year('gregorian'), wallParts(ms, z).year);
      }),
    );
  });

  it('round trip: a text read back in its zone is the instant to the second, except the second pass of a repeated hour (property)', () => {
    fc.assert(
      fc.property(instant, zone, style, (ms, z, s) => {
        const text = formatSiteTime(ms, z, s);
        const back = parseSiteTime(text, z, s);
        const second = Math.floor(ms / 1000) * 1000;
        if (back === second) return;
        // Clocks set back: the same text names two instants; reading gives the first.
        assert.ok(back !== null && back < second && formatSiteTime(back, z, s) === text, `${text}: ${back} vs ${second}`);
      }),
      { numRuns: 2000 },
    );
  });

  it('a text in one style is not read in another', () => {
    const ms = Date.parse('2026-12-03T07:30:05Z');
    assert.equal(parseSiteTime(formatSiteTime(ms, 'UTC', { lang: 'en', era: 'buddhist' }), 'UTC', { lang: 'en', era: 'gregorian' }), null);
    assert.equal(parseSiteTime(formatSiteTime(ms, 'UTC', { lang: 'th', era: 'buddhist' }), 'UTC', { lang: 'en', era: 'buddhist' }), null);
  });

  it('civilFromDays inverts daysFromCivil (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -800_000, max: 800_000 }), (days) => {
        const c = civilFromDays(days);
        assert.equal(daysFromCivil(c.year, c.month, c.day), days);
      }),
    );
  });

  it('Europe/London: one wall clock across the clock changes, ISO offsets +00:00 / +01:00', () => {
    const z = 'Europe/London';
    // 2026-03-29 01:00 UTC the clocks go 01:00 -> 02:00.
    assert.equal(isoInZone(Date.parse('2026-03-29T00:59:59Z'), z), '2026-03-29T00:59:59.000+00:00');
    assert.equal(isoInZone(Date.parse('2026-03-29T01:00:00Z'), z), '2026-03-29T02:00:00.000+01:00');
    // 2026-10-25 01:00 UTC the clocks go 02:00 -> 01:00: 01:30 happens twice, told apart by the offset.
    const first = Date.parse('2026-10-25T00:30:00Z');
    const second = Date.parse('2026-10-25T01:30:00Z');
    assert.equal(formatSiteTime(first, z, { lang: 'en', era: 'gregorian' }), '25 Oct 2026 01:30:00');
    assert.equal(formatSiteTime(second, z, { lang: 'en', era: 'gregorian' }), '25 Oct 2026 01:30:00');
    assert.equal(isoInZone(first, z), '2026-10-25T01:30:00.000+01:00');
    assert.equal(isoInZone(second, z), '2026-10-25T01:30:00.000+00:00');
  });

  it('siteTime: ISO, clock, Thai and English texts of one instant', () => {
    assert.deepEqual(siteTime(Date.parse('2026-12-31T17:00:00.250Z'), { zone: 'Asia/Bangkok', era: 'buddhist' }), {
      iso: '2027-01-01T00:00:00.250+07:00',
      time: '00:00:00',
      th: '1 ม.ค. 2570 00:00:00',
      en: '1 Jan 2570 BE 00:00:00',
    });
  });

  it('the default era is Buddhist for Asia/Bangkok only; the runtime zone is a name Intl knows', () => {
    assert.equal(defaultEra('Asia/Bangkok'), 'buddhist');
    assert.equal(defaultEra('UTC'), 'gregorian');
    assert.equal(defaultEra('Europe/London'), 'gregorian');
    assert.equal(runtimeTimeZone(), Intl.DateTimeFormat().resolvedOptions().timeZone);
  });
});

describe('site time: window boundaries on the wall clock', () => {
  it('Asia/Bangkok: a one-day window runs 00:00-24:00 Bangkok time (17:00Z-17:00Z)', () => {
    const b = new WallClockBoundaries(DAY, 'Asia/Bangkok');
    const t = Date.parse('2026-12-03T10:00:00Z'); // 17:00 Bangkok
    assert.equal(new Date(b.atOrBefore(t)).toISOString(), '2026-12-02T17:00:00.000Z');
    assert.equal(new Date(b.after(t)).toISOString(), '2026-12-03T17:00:00.000Z');
    // 06:59 Bangkok on Dec 4 is still Dec 4: the window that began at midnight Bangkok.
    assert.equal(new Date(b.atOrBefore(Date.parse('2026-12-03T23:59:00Z'))).toISOString(), '2026-12-03T17:00:00.000Z');
  });

  it('UTC: boundaries are multiples of the window since the epoch, as before (property)', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: 1, max: 86_400 }), (t, s) => {
        const w = s * 1000;
        const b = new WallClockBoundaries(w, 'UTC');
        assert.equal(b.after(t), (Math.floor(t / w) + 1) * w);
        assert.equal(b.atOrBefore(t), Math.floor(t / w) * w);
      }),
    );
  });

  it('Europe/London: day windows are 23 h and 25 h across the clock changes and start at local midnight', () => {
    const b = new WallClockBoundaries(DAY, 'Europe/London');
    const spring = b.atOrBefore(Date.parse('2026-03-29T12:00:00Z'));
    assert.equal(new Date(spring).toISOString(), '2026-03-29T00:00:00.000Z');
    assert.equal(b.after(spring) - spring, 23 * HOUR);
    const autumn = b.atOrBefore(Date.parse('2026-10-25T12:00:00Z'));
    assert.equal(new Date(autumn).toISOString(), '2026-10-24T23:00:00.000Z'); // midnight BST
    assert.equal(b.after(autumn) - autumn, 25 * HOUR);
  });

  // Found by the property below in CI: at the instant London's clocks go back, minute windows jumped
  // an hour either way (the repeated wall times were read as their first pass).
  it('at the instant the clocks go back (Europe/London, minute windows) the boundaries are that instant and the next minute', () => {
    const t = 6873814800000; // 2187-10-25T01:00:00Z: 02:00 BST becomes 01:00 GMT
    const b = new WallClockBoundaries(60_000, 'Europe/London');
    assert.equal(b.atOrBefore(t), t);
    assert.equal(b.after(t), t + 60_000);
    assert.equal(b.after(t - 1), t);
    assert.equal(b.atOrBefore(t - 1), t - 60_000);
  });

  it('any zone and window dividing a day: after(t) > t >= atOrBefore(t), both show a wall time that is a multiple of the window (property)', () => {
    const divisors = [60, 300, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400].map((s) => s * 1000);
    fc.assert(
      fc.property(instant, zone, fc.constantFrom(...divisors), (t, z, w) => {
        const b = new WallClockBoundaries(w, z);
        const lo = b.atOrBefore(t);
        const hi = b.after(t);
        assert.ok(lo <= t && t < hi, `${z} ${w}: ${lo} ${t} ${hi}`);
        for (const x of [lo, hi]) {
          const p = wallParts(x, z);
          const wallOfDay = ((p.hour * 60 + p.minute) * 60 + p.second) * 1000;
          // A boundary in a gap moves to the gap's end, which is not a multiple (e.g. Lord Howe's half hour).
          const inGap = wallParts(x - 1, z).offsetMs !== p.offsetMs;
          assert.ok(wallOfDay % w === 0 || inGap, `${z} ${w}: ${isoInZone(x, z)}`);
        }
        // The two agree on the boundaries: none between lo and hi.
        assert.equal(b.after(lo), hi);
      }),
      { numRuns: 2000 },
    );
  });
});
