/**
 * The per-detection time texts (`msg.lpr.timestamp`, `msg.lpr.site.detected` / `.received`) built
 * once per second instead of once per message. A flow takes thousands of detections a second, all
 * within a few seconds of each other: everything in those texts but the milliseconds is the same for
 * a whole second, so it is formatted once (what `siteTime` / `isoUtc` write, unchanged) and each
 * message only joins the second's text with its milliseconds. Same strings, byte for byte; the
 * objects handed out are new each time (a flow may change its msg), only the strings are shared.
 */
import { plainConstructor } from './plain-objects';
import { offsetAt, siteTime, type Site, type SiteTime } from './site-time';

/** Sets of two seconds each, by UTC second: a detection's time and its receipt time seldom evict each other. */
const SETS = 16;
/** Sites (zone and era) kept; a runtime has one or a few. */
const MAX_SITES = 64;
/** Date's range, ± 100,000,000 days from the epoch. */
const MAX_MS = 8.64e15;

/** `000` … `999`, and the same with the `Z` of a UTC ISO text. */
const MILLIS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const MILLIS_Z = MILLIS.map((m) => `${m}Z`);

/** What is formatted once per second: all but the milliseconds. */
interface Second<T> {
  /** The UTC second, floor(ms / 1000). */
  second: number;
  texts: T;
}

/**
 * Two-way set-associative by UTC second. A zone's offset is whole seconds and changes only on a
 * whole minute (offsetAt is kept per minute), so all instants of one UTC second have one offset
 * and the same texts but for their milliseconds, which are ms − second × 1000.
 */
class Seconds<T> {
  private readonly ways: Array<Second<T> | undefined> = new Array(SETS * 2);
  constructor(private readonly build: (secondMs: number) => T) {}

  get(second: number): T {
    const i = (second & (SETS - 1)) * 2;
    const a = this.ways[i];
    if (a !== undefined && a.second === second) return a.texts;
    const b = this.ways[i + 1];
    if (b !== undefined && b.second === second) return b.texts;
    const made = { second, texts: this.build(second * 1000) };
    this.ways[i + 1] = a;
    this.ways[i] = made;
    return made.texts;
  }
}

interface SiteSecond {
  /** The ISO text up to and including the `.`, and its offset (`+07:00`). */
  isoHead: string;
  isoTail: string;
  time: string;
  th: string;
  en: string;
  /** False when the offset is not whole seconds (no zone has one): the plain path answers. */
  whole: boolean;
}

function siteSeconds(site: Site): Seconds<SiteSecond> {
  return new Seconds((secondMs) => {
    const t = siteTime(secondMs, site);
    const dot = t.iso.lastIndexOf('.');
    return { isoHead: t.iso.slice(0, dot + 1), isoTail: t.iso.slice(dot + 4), time: t.time, th: t.th, en: t.en, whole: offsetAt(secondMs, site.zone) % 1000 === 0 };
  });
}

const sites = new Map<string, { gregorian?: Seconds<SiteSecond>; buddhist?: Seconds<SiteSecond> }>();

/** `siteTime(ms, site)`, the same texts, formatted once per second of each site. */
export function cachedSiteTime(ms: number, site: Site): SiteTime {
  // A fraction of a ms, NaN, ±Infinity, out of Date's range: as siteTime writes (or throws) them.
  if (!Number.isInteger(ms) || Math.abs(ms) > MAX_MS) return siteTime(ms, site);
  let zone = sites.get(site.zone);
  if (!zone) {
    if (sites.size >= MAX_SITES) sites.clear();
    sites.set(site.zone, (zone = {}));
  }
  const seconds = (zone[site.era] ??= siteSeconds({ zone: site.zone, era: site.era }));
  const second = Math.floor(ms / 1000);
  const s = seconds.get(second);
  if (!s.whole) return siteTime(ms, site);
  return new SiteTimeText(s.isoHead + MILLIS[ms - second * 1000]! + s.isoTail, s.time, s.th, s.en);
}

/** A message's SiteTime, by a constructor: never made in the old generation (plain-objects.ts). */
const SiteTimeText = plainConstructor(function (this: SiteTime, iso: string, time: string, th: string, en: string) {
  this.iso = iso;
  this.time = time;
  this.th = th;
  this.en = en;
});

const utc = new Seconds((secondMs) => new Date(secondMs).toISOString().slice(0, -4));

/** `new Date(ms).toISOString()` (isoUtc), the same text, formatted once per second. */
export function cachedIsoUtc(ms: number): string {
  if (!Number.isInteger(ms) || Math.abs(ms) > MAX_MS) return new Date(ms).toISOString();
  const second = Math.floor(ms / 1000);
  return utc.get(second) + MILLIS_Z[ms - second * 1000]!;
}
