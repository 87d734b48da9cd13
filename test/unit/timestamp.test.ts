/**
 * The timestamp parser: every ISO 8601 / RFC 3339 form a camera commonly writes, read to the ms,
 * zone-less times in a site time zone (DST gaps and overlaps decided one way), and junk refused
 * without throwing (unlike Date.parse, which takes "1" for a date).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isTimeZone, isTimestamp, parseTimestamp, readTimestamp, TIMESTAMP_ERROR } from '../../src/protocol/timestamp';

const iso = (text: string, zone = 'UTC') => {
  const r = readTimestamp(text, zone);
  return r === null ? null : new Date(r.ms).toISOString();
};

/** The grammar written out again, as the reference the parser is held to (calendar checks apart). */
const REFERENCE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}([.,]\d+)?)?([Zz]|[+-]\d{2}(:?\d{2})?)?$/;

function daysIn(year: number, month: number): number {
  return [31, year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

/** Whether a string the reference grammar matches names a real date, time and offset. */
function calendarValid(s: string): boolean {
  const n = (a: number, b: number) => Number(s.slice(a, b));
  const [y, mo, d, h, mi] = [n(0, 4), n(5, 7), n(8, 10), n(11, 13), n(14, 16)];
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59) return false;
  if (s[16] === ':' && n(17, 19) > 60) return false;
  const off = /([+-])(\d{2}):?(\d{2})?$/.exec(s.slice(16));
  if (off) {
    const oh = Number(off[2]);
    const om = Number(off[3] ?? 0);
    if (om > 59 || oh * 60 + om > 18 * 60) return false;
  }
  return true;
}

const pad = (v: number, n = 2) => String(v).padStart(n, '0');

/** `ms` rendered as the wall time at `offsetMin` east of UTC, in one of the accepted spellings. */
function render(ms: number, offsetMin: number, o: { sep: string; fraction: number; seconds: boolean; zone: 'Z' | 'z' | 'colon' | 'basic' | 'hours' | 'none' }): string {
  const w = new Date(ms + offsetMin * 60_000);
  let s = `${pad(w.getUTCFullYear(), 4)}-${pad(w.getUTCMonth() + 1)}-${pad(w.getUTCDate())}${o.sep}${pad(w.getUTCHours())}:${pad(w.getUTCMinutes())}`;
  if (o.seconds) {
    s += `:${pad(w.getUTCSeconds())}`;
    if (o.fraction > 0) s += '.' + (pad(w.getUTCMilliseconds(), 3) + '987654321').slice(0, o.fraction);
  }
  const sign = offsetMin < 0 ? '-' : '+';
  const a = Math.abs(offsetMin);
  if (o.zone === 'Z' || o.zone === 'z') s += o.zone;
  else if (o.zone === 'colon') s += `${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
  else if (o.zone === 'basic') s += `${sign}${pad(Math.floor(a / 60))}${pad(a % 60)}`;
  else if (o.zone === 'hours') s += `${sign}${pad(Math.floor(a / 60))}`;
  return s;
}

/** The instant `render` wrote, to the precision it kept. */
function kept(ms: number, o: { fraction: number; seconds: boolean }): number {
  if (!o.seconds) return ms - (((ms % 60_000) + 60_000) % 60_000);
  if (o.fraction === 0) return ms - (((ms % 1000) + 1000) % 1000);
  const unit = 10 ** Math.max(0, 3 - o.fraction);
  return ms - (((ms % unit) + unit) % unit);
}

// Years 0002-9998, so that any offset keeps the written wall time within 0001-9999.
const instant = fc.integer({ min: Date.parse('0002-01-01T00:00:00Z'), max: Date.parse('9998-12-31T00:00:00Z') });
const spelling = fc.record({
  sep: fc.constantFrom('T', 't', ' '),
  fraction: fc.integer({ min: 0, max: 12 }),
  seconds: fc.boolean(),
  zone: fc.constantFrom('Z', 'z', 'colon', 'basic', 'hours', 'none') as fc.Arbitrary<'Z' | 'z' | 'colon' | 'basic' | 'hours' | 'none'>,
});

describe('protocol/timestamp', () => {
  it('reads the forms cameras write, to the ms', () => {
    const cases: Array<[string, string]> = [
      // Python's datetime.utcnow().isoformat(): no zone, microseconds.
      ['2026-12-04T03:13:45.123456', '2026-12-04T03:13:45.123Z'],
      ['2026-12-04T03:13:45', '2026-12-04T03:13:45.000Z'],
      ['2026-12-04T03:13:45Z', '2026-12-04T03:13:45.000Z'],
      ['2026-12-04t03:13:45z', '2026-12-04T03:13:45.000Z'],
      ['2026-12-04 10:13:45+07:00', '2026-12-04T03:13:45.000Z'],
      ['2026-12-04T10:13:45+0700', '2026-12-04T03:13:45.000Z'],
      ['2026-12-04T10:13:45+07', '2026-12-04T03:13:45.000Z'],
      ['2026-12-03T23:43:45-03:30', '2026-12-04T03:13:45.000Z'],
      ['2026-12-04T03:13:45-00:00', '2026-12-04T03:13:45.000Z'],
      ['2026-12-04T03:13Z', '2026-12-04T03:13:00.000Z'],
      ['2026-12-04T03:13', '2026-12-04T03:13:00.000Z'],
      ['2026-12-04T03:13:45.1Z', '2026-12-04T03:13:45.100Z'],
      ['2026-12-04T03:13:45,25Z', '2026-12-04T03:13:45.250Z'],
      ['2026-12-04T03:13:45.999999999999Z', '2026-12-04T03:13:45.999Z'],
      ['2026-12-04T03:13:45.123456789+07:00', '2026-12-03T20:13:45.123Z'],
      ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
      ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z'],
      ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
      ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
      // A leap second is read as the last ms of its minute (Date has no 60th second).
      ['2016-12-31T23:59:60Z', '2016-12-31T23:59:59.999Z'],
      ['2026-12-04T03:13:45+18:00', '2026-12-03T09:13:45.000Z'],
      ['2026-12-04T03:13:45-18:00', '2026-12-04T21:13:45.000Z'],
    ];
    for (const [text, want] of cases) assert.equal(iso(text), want, text);
  });

  it('refuses what is no time, is not on the calendar, or has an offset out of range', () => {
    const bad = [
      '', '1', '2026', '2026-12-04', '2026-12-04T', '2026-12-04T10', '2026-12-04T10:00:00.', '2026-12-04T10:00.5',
      'yesterday', '2026-02-30T00:00:00Z', '2025-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2026-04-31T00:00:00Z',
      '2026-00-10T00:00:00Z', '2026-13-10T00:00:00Z', '2026-12-00T00:00:00Z', '2026-12-04T24:00:00Z', '2026-12-04T23:60:00Z',
      '2026-12-04T23:59:61Z', '2026-12-04T10:00:00+24:00', '2026-12-04T10:00:00+18:01', '2026-12-04T10:00:00+07:60',
      '2026-12-04T10:00:00+7', '2026-12-04T10:00:00+07:0', '2026-12-04T10:00:00+07:00Z', '2026-12-04T10:00:00ZZ',
      ' 2026-12-04T10:00:00Z', '2026-12-04T10:00:00Z ', '2026-12-04T10:00:00Z\n', '20261204T100000Z', '2026-12-04_10:00:00Z',
      '2026-12-04T10:00:00 +07:00', '+02026-12-04T10:00:00Z', '２０２６-12-04T10:00:00Z', '2026-12-04T1O:00:00Z', 'Fri, 04 Dec 2026 10:00:00 GMT',
    ];
    for (const text of bad) {
      assert.equal(parseTimestamp(text), null, JSON.stringify(text));
      assert.equal(readTimestamp(text, 'Asia/Bangkok'), null, JSON.stringify(text));
      assert.equal(isTimestamp(text), false, JSON.stringify(text));
    }
    for (const value of [undefined, null, 1_705_314_600_000, {}, ['2026-12-04T10:00:00Z']]) assert.equal(isTimestamp(value), false);
  });

  it('reads a zone-less time in the site time zone; a zoned one is the same in any zone', () => {
    assert.equal(iso('2026-12-04T10:00:00', 'Asia/Bangkok'), '2026-12-04T03:00:00.000Z');
    assert.equal(iso('2026-12-04T10:00:00.123456', 'Asia/Bangkok'), '2026-12-04T03:00:00.123Z');
    assert.equal(iso('2026-07-04T10:00:00', 'Europe/Paris'), '2026-07-04T08:00:00.000Z');
    assert.equal(iso('2026-12-04T10:00:00', 'Europe/Paris'), '2026-12-04T09:00:00.000Z');
    assert.equal(iso('2026-12-04T10:00:00Z', 'Asia/Bangkok'), '2026-12-04T10:00:00.000Z');
    assert.equal(iso('2026-12-04T10:00:00+01:00', 'America/New_York'), '2026-12-04T09:00:00.000Z');
    assert.deepEqual(readTimestamp('2026-12-04T10:00:00', 'Asia/Bangkok'), { ms: Date.UTC(2026, 11, 4, 3), zoned: false });
    assert.deepEqual(readTimestamp('2026-12-04T10:00:00+07:00', 'UTC'), { ms: Date.UTC(2026, 11, 4, 3), zoned: true });
  });

  it('DST: a time in a gap moves forward by the gap, a time in an overlap is the earlier instant', () => {
    // New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT, so 02:30 does not exist: read as 03:30 EDT.
    assert.equal(iso('2026-03-08T02:30:00', 'America/New_York'), '2026-03-08T07:30:00.000Z');
    assert.equal(iso('2026-03-08T01:59:59', 'America/New_York'), '2026-03-08T06:59:59.000Z');
    assert.equal(iso('2026-03-08T03:00:00', 'America/New_York'), '2026-03-08T07:00:00.000Z');
    // 2026-11-01: 02:00 EDT falls back to 01:00 EST, so 01:30 happens twice: the first (EDT) one.
    assert.equal(iso('2026-11-01T01:30:00', 'America/New_York'), '2026-11-01T05:30:00.000Z');
    assert.equal(iso('2026-11-01T02:00:00', 'America/New_York'), '2026-11-01T07:00:00.000Z');
    // Lord Howe Island's gap is half an hour; London's is at 01:00 GMT.
    assert.equal(iso('2026-10-04T02:15:00', 'Australia/Lord_Howe'), '2026-10-03T15:45:00.000Z');
    assert.equal(iso('2026-03-29T01:30:00', 'Europe/London'), '2026-03-29T01:30:00.000Z');
  });

  it('property: any instant written in any accepted form reads back to that instant (to the ms kept)', () => {
    fc.assert(
      fc.property(instant, fc.integer({ min: -18 * 60, max: 18 * 60 }), spelling, (ms, offset, o) => {
        // `±HH` can only carry whole hours; a zone-less time is read here in UTC, so it is written at offset 0.
        const off = o.zone === 'none' || o.zone === 'Z' || o.zone === 'z' ? 0 : o.zone === 'hours' ? Math.trunc(offset / 60) * 60 : offset;
        const text = render(ms, off, o);
        const r = readTimestamp(text, 'UTC');
        assert.ok(r, text);
        assert.equal(r.ms, kept(ms, o), text);
        assert.equal(r.zoned, o.zone !== 'none', text);
        assert.ok(REFERENCE.test(text), text);
      }),
      { numRuns: 3000 },
    );
  });

  it('property: a zone-less wall time in a fixed-offset zone reads back to its instant', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2100, 0, 1) }), spelling, (ms, o) => {
        const text = render(ms, 7 * 60, { ...o, zone: 'none' });
        assert.equal(readTimestamp(text, 'Asia/Bangkok')?.ms, kept(ms, o), text);
      }),
      { numRuns: 1000 },
    );
  });

  it('property: in a DST zone, the instant read shows the wall time written (or the gap-shifted one), earliest first', () => {
    const wall = (ms: number, zone: string) =>
      new Intl.DateTimeFormat('en-CA', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
        .format(new Date(ms))
        .replace(', ', 'T');
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2060, 0, 1) }), fc.constantFrom('America/New_York', 'Europe/London', 'Australia/Sydney', 'America/Santiago'), (raw, zone) => {
        const ms = raw - (raw % 1000);
        const text = wall(ms, zone);
        const r = readTimestamp(text, zone);
        assert.ok(r, text);
        // Real instants are never in a gap: the read instant shows the same wall time, and is the
        // earlier of two when the wall time happens twice.
        assert.equal(wall(r.ms, zone), text, `${text} in ${zone}`);
        assert.ok(r.ms <= ms, `${text} in ${zone}: ${new Date(r.ms).toISOString()} after ${new Date(ms).toISOString()}`);
      }),
      { numRuns: 1500 },
    );
  });

  it('property: junk never throws, and what is accepted is a valid form', () => {
    const valid = fc.tuple(instant, fc.integer({ min: -18 * 60, max: 18 * 60 }), spelling).map(([ms, off, o]) => render(ms, off, o));
    const mutated = fc.tuple(valid, fc.nat(), fc.constantFrom('', '0', '9', '+', '-', ':', '.', 'Z', 'T', ' ', 'x', '٣', '\u0000')).map(([s, at, c]) => {
      const i = at % (s.length + 1);
      return at % 2 ? s.slice(0, i) + c + s.slice(i) : s.slice(0, i) + c + s.slice(i + 1);
    });
    const junk = fc.oneof(fc.string(), fc.string({ unit: fc.constantFrom(...'0123456789-:T+Zz., '.split('')) }), mutated);
    fc.assert(
      fc.property(junk, fc.constantFrom('UTC', 'Asia/Bangkok', 'America/New_York'), (text, zone) => {
        const r = readTimestamp(text, zone);
        const expected = text.length <= 64 && REFERENCE.test(text) && calendarValid(text);
        assert.equal(r !== null, expected, JSON.stringify(text));
        assert.equal(isTimestamp(text), expected);
        if (r) assert.ok(Number.isFinite(r.ms));
      }),
      { numRuns: 5000 },
    );
  });

  it('isTimeZone knows IANA names and refuses the rest', () => {
    for (const z of ['UTC', 'Asia/Bangkok', 'Europe/Paris', 'America/Argentina/Buenos_Aires', 'Etc/GMT-7']) assert.equal(isTimeZone(z), true, z);
    for (const z of ['', 'Mars/Olympus', 'Asia/Bangkok ', 'GMT+25', '../etc/passwd']) assert.equal(isTimeZone(z), false, z);
  });

  it('the error names the accepted forms', () => {
    assert.match(TIMESTAMP_ERROR, /^not a readable time; accepted: ISO 8601 \/ RFC 3339/);
    assert.match(TIMESTAMP_ERROR, /2026-12-04T10:15:30Z/);
    assert.match(TIMESTAMP_ERROR, /site time zone/);
  });
});
