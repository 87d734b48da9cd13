/**
 * Message timestamps as cameras really write them. Accepted (ISO 8601 extended format, of which
 * RFC 3339 is a profile):
 *
 *   YYYY-MM-DD{T|t|space}hh:mm[:ss[{.|,}fraction]][zone]
 *   zone = Z | z | ±hh:mm | ±hhmm | ±hh     (at most ±18:00)
 *
 * - The fraction may have any number of digits; it is cut (not rounded) to the millisecond.
 * - Seconds may be left out (`2026-12-04T10:15` is 10:15:00); a fraction needs seconds.
 * - Second 60 (a leap second, which RFC 3339 allows) is read as the minute's last millisecond.
 * - Hour 24 (`24:00:00`, dropped from ISO 8601 in 2019, never written by RFC 3339) is refused, as
 *   is any date not on the calendar (Feb 30, Feb 29 of a common year) and any other spelling:
 *   surrounding spaces, basic format (`20261204T101530Z`), week or ordinal dates, non-ASCII digits.
 * - A time without a zone (Python's `datetime.utcnow().isoformat()`, or a local `now()`) is a wall
 *   time in a site time zone the caller names (lpr-broker's `timeZone`, default UTC).
 *
 * Written by hand rather than with Date.parse, which takes junk such as "1" for a date and reads a
 * zone-less time in the server's own zone. Pure: Intl only, no Node-RED.
 */

/** The accepted forms, for error messages and documentation. */
export const TIMESTAMP_FORMS =
  'ISO 8601 / RFC 3339 such as 2026-12-04T10:15:30Z, 2026-12-04T17:15:30.123+07:00, or 2026-12-04T10:15:30 (read in the site time zone)';

/** The schema's message for a timestamp that cannot be read. */
export const TIMESTAMP_ERROR = `not a readable time; accepted: ${TIMESTAMP_FORMS}`;

export interface ParsedTimestamp {
  /** The written wall time as if it were UTC, in ms since the epoch. */
  wallMs: number;
  /** The written zone in ms east of UTC; null when the text names none. */
  offsetMs: number | null;
}

export interface TimeRead {
  /** The instant, ms since the epoch. */
  ms: number;
  /** Whether the text gave its own zone; false = it was read in the site time zone. */
  zoned: boolean;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const MAX_OFFSET_MIN = 18 * 60;

/** The value of `n` ASCII digits of `s` from `at`, or -1. */
function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (!(c >= 0 && c <= 9)) return -1; // written so that NaN (past the end) fails too
    v = v * 10 + c;
  }
  return v;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). Unlike
 * Date.UTC it does not read years 0-99 as 1900-1999.
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

/** The text's wall time and zone, or null when it is not one of the accepted forms or not on the calendar. */
export function parseTimestamp(s: unknown): ParsedTimestamp | null {
  if (typeof s !== 'string' || s.length < 16 || s.length > 64) return null;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const sep = s.charCodeAt(10);
  if (year < 0 || s.charCodeAt(4) !== 45 /* - */ || s.charCodeAt(7) !== 45) return null;
  if (sep !== 84 /* T */ && sep !== 116 /* t */ && sep !== 32 /* space */) return null;
  if (s.charCodeAt(13) !== 58 /* : */) return null;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return null;
  let i = 16;
  let second = 0;
  let ms = 0;
  if (s.charCodeAt(i) === 58) {
    second = digits(s, i + 1, 2);
    if (second < 0 || second > 60) return null;
    i += 3;
    const dot = s.charCodeAt(i);
    if (dot === 46 /* . */ || dot === 44 /* , */) {
      const start = ++i;
      while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
      if (i === start) return null;
      // The first three digits are the ms; the rest is cut.
      const n = i - start;
      ms = n >= 3 ? digits(s, start, 3) : digits(s, start, n) * (n === 1 ? 100 : 10);
    }
    if (second === 60) {
      second = 59;
      ms = 999;
    }
  }
  let offsetMs: number | null = null;
  if (i < s.length) {
    const z = s.charCodeAt(i);
    if (z === 90 /* Z */ || z === 122 /* z */) {
      if (i + 1 !== s.length) return null;
      offsetMs = 0;
    } else if (z === 43 /* + */ || z === 45 /* - */) {
      const oh = digits(s, i + 1, 2);
      let om = 0;
      const rest = s.length - (i + 3);
      if (oh < 0) return null;
      if (rest === 3 && s.charCodeAt(i + 3) === 58) om = digits(s, i + 4, 2);
      else if (rest === 2) om = digits(s, i + 3, 2);
      else if (rest !== 0) return null;
      if (om < 0 || om > 59 || oh * 60 + om > MAX_OFFSET_MIN) return null;
      offsetMs = (z === 45 ? -1 : 1) * (oh * 60 + om) * MINUTE;
    } else return null;
  }
  const wallMs = daysFromCivil(year, month, day) * DAY + hour * HOUR + minute * MINUTE + second * 1000 + ms;
  return { wallMs, offsetMs };
}

/** Whether `value` is a timestamp in one of the accepted forms (the schemas' check). */
export function isTimestamp(value: unknown): value is string {
  return parseTimestamp(value) !== null;
}

/**
 * The instant `text` names; a zone-less time is read as a wall time in `timeZone` (an IANA name,
 * see zonedWallTimeToMs). Null when the text is not an accepted form.
 */
export function readTimestamp(text: unknown, timeZone = 'UTC'): TimeRead | null {
  const p = parseTimestamp(text);
  if (!p) return null;
  if (p.offsetMs !== null) return { ms: p.wallMs - p.offsetMs, zoned: true };
  return { ms: zonedWallTimeToMs(p.wallMs, timeZone), zoned: false };
}

/** The instant as the ISO 8601 UTC text flows get beside the original, e.g. `2026-12-04T03:13:45.123Z`. */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString();
}

// ---- Site time zones -------------------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    if (formatters.size >= 64) formatters.clear();
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether Intl knows `name` as a time zone (IANA names such as `Asia/Bangkok`, and `UTC`). */
export function isTimeZone(name: unknown): name is string {
  if (typeof name !== 'string' || name === '' || name.length > 64) return false;
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

function isUtc(timeZone: string): boolean {
  return timeZone === 'UTC' || timeZone === 'Etc/UTC';
}

/** The offset of `timeZone` from UTC at the instant `ms`, in ms east (e.g. +25,200,000 for Bangkok). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  if (isUtc(timeZone)) return 0;
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let bc = false;
  for (const part of formatter(timeZone).formatToParts(ms)) {
    switch (part.type) {
      case 'year':
        year = Number(part.value);
        break;
      case 'month':
        month = Number(part.value);
        break;
      case 'day':
        day = Number(part.value);
        break;
      case 'hour':
        hour = Number(part.value);
        break;
      case 'minute':
        minute = Number(part.value);
        break;
      case 'second':
        second = Number(part.value);
        break;
      case 'era':
        bc = part.value.startsWith('B');
        break;
    }
  }
  if (bc) year = 1 - year;
  const wall = daysFromCivil(year, month, day) * DAY + hour * HOUR + minute * MINUTE + second * 1000;
  return wall - (ms - (((ms % 1000) + 1000) % 1000));
}

/** Per zone, the offset of wall-clock hours seen to have no offset change within hours of them (a change always comes months apart). */
const steadyHours = new Map<string, Map<number, number>>();

/**
 * The instant at which the clocks of `timeZone` show `wallMs` (a wall time written as if UTC).
 * Daylight-saving changes are decided as RFC 5545 and Temporal's `compatible` do (and JS Date):
 * - a wall time that happens twice (clocks set back) is the earlier instant, the one before the change;
 * - a wall time that never happens (clocks set forward) is moved forward by the gap: 02:30 in a
 *   one-hour gap at 02:00 is the instant the clocks show 03:30.
 */
export function zonedWallTimeToMs(wallMs: number, timeZone: string): number {
  if (isUtc(timeZone)) return wallMs;
  const hourKey = Math.floor(wallMs / HOUR);
  let cache = steadyHours.get(timeZone);
  const cached = cache?.get(hourKey);
  if (cached !== undefined) return wallMs - cached;
  // The offsets a day either side: with any real zone's offset (under ±18 h), they bracket at
  // least 6 hours either side of the instant sought, and zones change offset months apart.
  const before = zoneOffsetMs(wallMs - DAY, timeZone);
  const after = zoneOffsetMs(wallMs + DAY, timeZone);
  const early = wallMs - before;
  const earlyFits = zoneOffsetMs(early, timeZone) === before;
  if (before === after && earlyFits) {
    if (!cache) {
      cache = new Map();
      if (steadyHours.size >= 64) steadyHours.clear();
      steadyHours.set(timeZone, cache);
    }
    if (cache.size >= 4096) cache.clear();
    cache.set(hourKey, before);
    return early;
  }
  const late = wallMs - after;
  const lateFits = zoneOffsetMs(late, timeZone) === after;
  if (earlyFits && lateFits) return Math.min(early, late); // overlap: the first occurrence
  if (earlyFits) return early;
  if (lateFits) return late;
  return early; // gap: read with the offset before the change, i.e. moved forward by the gap
}
