/**
 * The per-second cache of the detection time texts (site-time-cache.ts) against the plain path it
 * stands in for: siteTime and isoUtc, and detectionMessages' output. The caches keep state, so the
 * properties feed runs of instants (bursts within a second, jumps, clock changes, alternating
 * detection and receipt times) and compare every answer in order.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cachedIsoUtc, cachedSiteTime } from '../../src/runtime/site-time-cache';
import { siteTime, type Era } from '../../src/runtime/site-time';
import { isoUtc, readTimestamp } from '../../src/protocol/timestamp';
import { detectionMessages } from '../../src/runtime/detection-intake';
import type { Detection } from '../../src/protocol';

const ZONES = ['UTC', 'Asia/Bangkok', 'Europe/London', 'America/New_York', 'Asia/Kolkata', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/St_Johns', 'Africa/Monrovia'];
const zone = fc.constantFrom(...ZONES);
const era = fc.constantFrom<Era>('gregorian', 'buddhist');
/** Before 1970 too: local mean time offsets with seconds (Bangkok +06:42:04, Monrovia -00:44:30). */
const instant = fc.integer({ min: Date.UTC(1850, 0, 1), max: Date.UTC(2200, 0, 1) });
/** Clock changes: 2026's in London, New York and Lord Howe (a 30-minute change), ± 2 hours. */
const CHANGES = ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z', '2026-03-08T07:00:00Z', '2026-11-01T06:00:00Z', '2026-04-04T15:00:00Z'].map(Date.parse);
const nearChange = fc.tuple(fc.constantFrom(...CHANGES), fc.integer({ min: -7_200_000, max: 7_200_000 })).map(([t, d]) => t + d);
/** A run of instants: each a small step (same second, next ones), a jump, or back and forth. */
const steps = fc.array(fc.oneof(fc.integer({ min: 0, max: 999 }), fc.integer({ min: -3000, max: 3000 }), fc.integer({ min: -90_000_000, max: 90_000_000 })), { minLength: 1, maxLength: 60 });

function* walk(start: number, deltas: number[]): Generator<number> {
  let t = start;
  yield t;
  for (const d of deltas) yield (t += d);
}

describe('site time cache', () => {
  it('cachedSiteTime gives what siteTime gives, in order over runs of instants (property)', () => {
    fc.assert(
      fc.property(fc.oneof(instant, nearChange), steps, zone, era, (start, deltas, z, e) => {
        for (const t of walk(start, deltas)) assert.deepEqual(cachedSiteTime(t, { zone: z, era: e }), siteTime(t, { zone: z, era: e }), `${z} ${e} ${t}`);
      }),
      { numRuns: 1500 },
    );
  });

  it('several sites interleaved keep their own texts (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.oneof(instant, nearChange), zone, era), { minLength: 1, maxLength: 40 }), (calls) => {
        for (const [t, z, e] of calls) {
          assert.deepEqual(cachedSiteTime(t, { zone: z, era: e }), siteTime(t, { zone: z, era: e }));
          assert.deepEqual(cachedSiteTime(t + 1, { zone: z, era: e }), siteTime(t + 1, { zone: z, era: e }));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('cachedIsoUtc gives what isoUtc gives, across Date range (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 - 100_000 }), steps, (start, deltas) => {
        for (const t of walk(start, deltas)) {
          if (Math.abs(t) > 8.64e15) continue;
          assert.equal(cachedIsoUtc(t), isoUtc(t), String(t));
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('fractions of a ms, NaN and instants out of range behave as on the plain path', () => {
    const site = { zone: 'Asia/Bangkok', era: 'buddhist' as const };
    for (const t of [1764815405123.5, 0.25, -0.5]) {
      assert.deepEqual(cachedSiteTime(t, site), siteTime(t, site));
      assert.equal(cachedIsoUtc(t), isoUtc(t));
    }
    assert.throws(() => siteTime(Number.NaN, site), RangeError);
    assert.throws(() => cachedSiteTime(Number.NaN, site), RangeError);
    assert.throws(() => cachedIsoUtc(Number.NaN), RangeError);
    assert.throws(() => cachedIsoUtc(8.64e15 + 1), RangeError);
  });

  it('hands out a new object each time: changing one msg does not change the next', () => {
    const site = { zone: 'UTC', era: 'gregorian' as const };
    const a = cachedSiteTime(1764815405123, site);
    a.iso = 'changed';
    a.th = 'changed';
    const b = cachedSiteTime(1764815405123, site);
    assert.notEqual(a, b);
    assert.equal(b.iso, '2025-12-04T02:30:05.123+00:00');
    assert.equal(b.th, siteTime(1764815405123, site).th);
  });
});

describe('detectionMessages with the cache', () => {
  const base = {
    message_id: 'm-1',
    camera_id: 'CAM001',
    detection_data: { vehicles_count: 0, plates_count: 1, processing_time_ms: 5, confidence_score: 0.9, detection_type: 'plate', vehicles: [], plates: [{ plate_index: 0, plate_number: 'กข 1234', confidence: 0.9 }] },
  };
  /** The plain path: what detectionMessages wrote before the cache. */
  function plainTimes(timestamp: string, receivedAt: number, timeZone: string, era: Era) {
    const time = readTimestamp(timestamp, timeZone)!;
    const site = { zone: timeZone, era };
    return { timestamp: isoUtc(time.ms), site: { zone: timeZone, era, detected: siteTime(time.ms, site), received: siteTime(receivedAt, site) } };
  }

  it('the same output, byte for byte, for zoned and zone-less timestamps in any site (property)', () => {
    const stamp = fc.tuple(fc.oneof(instant, nearChange), fc.constantFrom('Z', '+07:00', '-03:30', '')).map(([ms, z]) => new Date(ms).toISOString().slice(0, z === 'Z' ? 24 : 23) + (z === 'Z' ? '' : z));
    fc.assert(
      fc.property(fc.array(fc.tuple(stamp, fc.integer({ min: -5000, max: 600_000 })), { minLength: 1, maxLength: 20 }), zone, era, fc.boolean(), (reads, z, e, split) => {
        for (const [timestamp, late] of reads) {
          const time = readTimestamp(timestamp, z);
          if (!time) continue;
          const receivedAt = time.ms + late;
          const d = { ...base, timestamp } as unknown as Detection;
          const [m] = detectionMessages('lprserver/cameras/CAM001/detection', d, receivedAt, split, z, e);
          const plain = plainTimes(timestamp, receivedAt, z, e);
          assert.equal(m!.lpr.timestamp, plain.timestamp);
          assert.deepEqual(m!.lpr.site, plain.site);
          assert.equal(JSON.stringify(m!.lpr.site), JSON.stringify(plain.site));
        }
      }),
      { numRuns: 500 },
    );
  });
});
