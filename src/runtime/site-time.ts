/**
 * Instants shown in the site time zone (lpr-broker's `timeZone`), for what the nodes put in
 * `msg.lpr.site` and in status texts. Pure: Intl only (for zone offsets), no Node-RED.
 *
 * Formats (fixed, so dashboards and tests do not depend on the ICU version):
 *   th, buddhist   3 ธ.ค. 2569 14:30:05     (Thai short date, พ.ศ. = ค.ศ. + 543, as Intl th-TH writes it)
 *   th, gregorian  3 ธ.ค. 2026 14:30:05
 *   en, gregorian  3 Dec 2026 14:30:05
 *   en, buddhist   3 Dec 2569 BE 14:30:05   (an English reader assumes AD: the era is named)
 *   iso            2026-12-03T14:30:05.123+07:00   (the site's wall time with its offset)
 * Times are 24-hour with seconds; days and hours are the site's wall clock, so a DST zone shows
 * the clock the site sees (an hour that happens twice shows twice, with different ISO offsets).
 */
import { daysFromCivil, isTimeZone, zonedWallTimeToMs, zoneOffsetMs } from '../protocol/timestamp';

export type Era = 'gregorian' | 'buddhist';
export type DateLang = 'th' | 'en';

/** พ.ศ. (Buddhist era) = ค.ศ. (AD) + 543. */
export const BUDDHIST_ERA_OFFSET = 543;

export const THAI_MONTHS = ['ม.ค.', 'ก.พ.', 'มี.ค.', 'เม.ย.', 'พ.ค.', 'มิ.ย.', 'ก.ค.', 'ส.ค.', 'ก.ย.', 'ต.ค.', 'พ.ย.', 'ธ.ค.'] as const;
export const ENGLISH_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

const MINUTE = 60_000;
const DAY = 86_400_000;

/** The zone this runtime runs in (the TZ environment variable, else the system's), UTC when Intl cannot tell. */
export function runtimeTimeZone(): string {
  let zone: string | undefined;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    zone = undefined;
  }
  return zone && isTimeZone(zone) ? zone : 'UTC';
}

/** The era dates are shown in when none is chosen: the Buddhist era in Thailand, where it is the civil calendar. */
export function defaultEra(timeZone: string): Era {
  return timeZone === 'Asia/Bangkok' ? 'buddhist' : 'gregorian';
}

export interface WallParts {
  /** Gregorian (AD) year. */
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  /** The zone's offset at that instant, ms east of UTC. */
  offsetMs: number;
}

/** Proleptic Gregorian date of a day number (H. Hinnant's civil_from_days), the inverse of daysFromCivil. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/**
 * The zone's offset at `ms`. Offsets change on whole minutes (since 1970), and a flow formats many
 * instants of a few minutes (a detection's time and its receipt time, a burst of them): one Intl
 * call per zone and minute, the minutes seen kept (up to 4,096 per zone).
 */
const offsets = new Map<string, Map<number, number>>();
export function offsetAt(ms: number, timeZone: string): number {
  const minute = Math.floor(ms / MINUTE);
  let cache = offsets.get(timeZone);
  const hit = cache?.get(minute);
  if (hit !== undefined) return hit;
  const offsetMs = zoneOffsetMs(minute * MINUTE, timeZone);
  if (!cache) {
    if (offsets.size >= 64) offsets.clear();
    offsets.set(timeZone, (cache = new Map()));
  }
  if (cache.size >= 4096) cache.clear();
  cache.set(minute, offsetMs);
  return offsetMs;
}

/** The site's wall clock at the instant `ms`. */
export function wallParts(ms: number, timeZone: string): WallParts {
  const offsetMs = offsetAt(ms, timeZone);
  const wall = ms + offsetMs;
  const days = Math.floor(wall / DAY);
  const inDay = wall - days * DAY;
  const { year, month, day } = civilFromDays(days);
  return {
    year,
    month,
    day,
    hour: Math.floor(inDay / 3_600_000),
    minute: Math.floor(inDay / MINUTE) % 60,
    second: Math.floor(inDay / 1000) % 60,
    millisecond: inDay % 1000,
    offsetMs,
  };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `+07:00`, `-04:00`, `+05:45`, `+00:00` */
export function offsetText(offsetMs: number): string {
  const minutes = Math.round(Math.abs(offsetMs) / MINUTE);
  return `${offsetMs < 0 ? '-' : '+'}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** ISO 8601 in the site zone with its offset, e.g. `2026-12-03T14:30:05.123+07:00` (same instant as the UTC form). */
export function isoInZone(ms: number, timeZone: string): string {
  const p = wallParts(ms, timeZone);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}.${pad(p.millisecond, 3)}${offsetText(p.offsetMs)}`;
}

/** `14:30:05`, the site's wall clock. */
export function formatClock(ms: number, timeZone: string): string {
  const p = wallParts(ms, timeZone);
  return `${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
}

export interface DateStyle {
  lang: DateLang;
  era: Era;
}

/** The date alone: `3 ธ.ค. 2569`, `3 Dec 2026`, `3 Dec 2569 BE`. */
export function formatDate(ms: number, timeZone: string, style: DateStyle): string {
  return dateText(wallParts(ms, timeZone), style);
}

function dateText(p: WallParts, style: DateStyle): string {
  const year = style.era === 'buddhist' ? p.year + BUDDHIST_ERA_OFFSET : p.year;
  const month = (style.lang === 'th' ? THAI_MONTHS : ENGLISH_MONTHS)[p.month - 1];
  return `${p.day} ${month} ${year}${style.era === 'buddhist' && style.lang === 'en' ? ' BE' : ''}`;
}

/** Date and time: `3 ธ.ค. 2569 14:30:05`, `3 Dec 2026 14:30:05`. */
export function formatSiteTime(ms: number, timeZone: string, style: DateStyle): string {
  const p = wallParts(ms, timeZone);
  return `${dateText(p, style)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
}

const TEXT = /^(\d{1,2}) (\S+) (\d{1,5})( BE)? (\d{2}):(\d{2}):(\d{2})$/;

/**
 * The instant a formatSiteTime text names, read back in `timeZone` (to the second). A wall time
 * that happens twice is read as the first; one that never happens is null-free but moved forward
 * (see zonedWallTimeToMs). Null when the text is not in the given style.
 */
export function parseSiteTime(text: string, timeZone: string, style: DateStyle): number | null {
  const m = TEXT.exec(text);
  if (!m) return null;
  const month = (style.lang === 'th' ? THAI_MONTHS : ENGLISH_MONTHS).indexOf(m[2] as never) + 1;
  if (month === 0 || Boolean(m[4]) !== (style.era === 'buddhist' && style.lang === 'en')) return null;
  const year = Number(m[3]) - (style.era === 'buddhist' ? BUDDHIST_ERA_OFFSET : 0);
  const day = Number(m[1]);
  const [hour, minute, second] = [Number(m[5]), Number(m[6]), Number(m[7])];
  if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const wall = daysFromCivil(year, month, day) * DAY + hour * 3_600_000 + minute * MINUTE + second * 1000;
  return zonedWallTimeToMs(wall, timeZone);
}

/** One instant ready to show: what `msg.lpr.site.detected` / `.received` hold. */
export interface SiteTime {
  /** ISO 8601 in the site zone with its offset, `2026-12-03T14:30:05.123+07:00`. */
  iso: string;
  /** The site's wall clock, `14:30:05`. */
  time: string;
  /** Thai date and time in the site's era, `3 ธ.ค. 2569 14:30:05`. */
  th: string;
  /** English date and time in the site's era, `3 Dec 2026 14:30:05`. */
  en: string;
}

export interface Site {
  zone: string;
  era: Era;
}

export function siteTime(ms: number, site: Site): SiteTime {
  const p = wallParts(ms, site.zone);
  const clock = `${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
  return {
    iso: `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${clock}.${pad(p.millisecond, 3)}${offsetText(p.offsetMs)}`,
    time: clock,
    th: `${dateText(p, { lang: 'th', era: site.era })} ${clock}`,
    en: `${dateText(p, { lang: 'en', era: site.era })} ${clock}`,
  };
}

/**
 * Window boundaries on the site's wall clock: multiples of `windowMs` counted from midnight of the
 * site's day (for any length dividing a day: a one-day window runs 00:00-24:00 site time, an hour
 * window starts on the hour). Where the clocks change, the boundary is the instant the clocks
 * show that wall time (a skipped one: the instant after the gap), so a day there lasts 23 or 25 h.
 */
export class WallClockBoundaries {
  constructor(
    readonly windowMs: number,
    readonly timeZone: string,
  ) {}

  /** The first instant in (a, b] whose offset is not `o` (one clock change at most), or null. */
  private change(a: number, b: number, o: number): number | null {
    const z = this.timeZone;
    if (offsetAt(b, z) === o) return null;
    let lo = a;
    let hi = b;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offsetAt(mid, z) === o) lo = mid;
      else hi = mid;
    }
    return hi;
  }

  /** Whether clocks changing at `t` (from `before` to `after`) skip a boundary: the gap's end stands for it. */
  private skipsBoundary(t: number, before: number, after: number): boolean {
    return after > before && Math.ceil((t + before) / this.windowMs) * this.windowMs < t + after;
  }

  /** The first boundary strictly after `t`. */
  after(t: number): number {
    const w = this.windowMs;
    const o = offsetAt(t, this.timeZone);
    const next = (Math.floor((t + o) / w) + 1) * w - o;
    // Clocks changing before that multiple: the boundary follows the new offset (a 25 h day has a
    // boundary in each pass of the repeated hour; a skipped one is the gap's end).
    const t1 = this.change(t, next, o);
    if (t1 === null) return next;
    const o1 = offsetAt(t1, this.timeZone);
    if (this.skipsBoundary(t1, o, o1)) return t1;
    return Math.ceil((t1 + o1) / w) * w - o1;
  }

  /** The last boundary at or before `t`. */
  atOrBefore(t: number): number {
    const w = this.windowMs;
    const z = this.timeZone;
    const o = offsetAt(t, z);
    const last = Math.floor((t + o) / w) * w - o;
    if (offsetAt(last, z) === o) return last;
    // The clocks changed at t1 (last < t1 <= t): t1 is a boundary if its wall time is one (or
    // stands for a skipped one); otherwise the boundary is the last one before the change.
    let lo = last;
    let hi = t;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offsetAt(mid, z) === o) hi = mid;
      else lo = mid;
    }
    const t1 = hi;
    if ((t1 + o) % w === 0 || this.skipsBoundary(t1, offsetAt(t1 - 1, z), o)) return t1;
    return this.atOrBefore(t1 - 1);
  }
}
