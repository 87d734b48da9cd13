/** src/analytics: tumbling windows with a fake clock, hand-computed figures, unique plates, input checks. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyticsMessage, WindowAggregator, type HealthState, type WindowResult } from '../../src/analytics/aggregator';
import { readAnalyticsInput } from '../../src/analytics/input';
import { readCheckpointAnalyticsSettings } from '../../src/analytics/settings';
import { UniqueCounter } from '../../src/analytics/unique';
import { ConfigError } from '../../src/runtime/settings';

/** A fake clock: `t` ms since the epoch. */
function clock(start: number) {
  const c = { t: start, now: () => c.t };
  return c;
}

const T0 = Date.UTC(2024, 0, 15, 10, 30, 0); // a multiple of 60 s
const plate = (plate_number: string, confidence: number) => ({ plate_number, confidence });

describe('analytics/aggregator: windows on the site clock', () => {
  const DAY = 86_400_000;
  const HOUR = 3_600_000;

  it('Asia/Bangkok: a one-day window runs 00:00-24:00 Bangkok time (17:00Z to 17:00Z), not 07:00-07:00', () => {
    const c = clock(Date.parse('2026-12-03T10:00:00Z')); // 17:00 in Bangkok
    const agg = new WindowAggregator({ windowMs: DAY, now: c.now, timeZone: 'Asia/Bangkok' });
    assert.equal(new Date(agg.windowEnd).toISOString(), '2026-12-03T17:00:00.000Z'); // midnight Bangkok
    agg.addDetection('CP001', 'CAM1', [plate('AB1', 0.5)], 1);
    c.t = Date.parse('2026-12-03T23:59:00Z'); // 06:59 on Dec 4 in Bangkok
    const closed = agg.addDetection('CP001', 'CAM1', [plate('AB2', 0.5)], 1);
    assert.deepEqual(closed.map((r) => [r.window_start, r.window_end, r.detections]), [['2026-12-03T10:00:00.000Z', '2026-12-03T17:00:00.000Z', 1]]);
    c.t = Date.parse('2026-12-04T17:00:00Z'); // midnight Dec 5, Bangkok
    const day = agg.advance();
    assert.deepEqual(day.map((r) => [r.window_start, r.window_end, r.detections]), [['2026-12-03T17:00:00.000Z', '2026-12-04T17:00:00.000Z', 1]]);
  });

  it('Asia/Bangkok: skipped days are caught up on Bangkok midnights', () => {
    const c = clock(Date.parse('2026-12-03T10:00:00Z'));
    const agg = new WindowAggregator({ windowMs: DAY, now: c.now, timeZone: 'Asia/Bangkok', maxCatchUp: 2 });
    agg.addDetection('CP001', 'CAM1', [], 1);
    c.t = Date.parse('2026-12-08T12:00:00Z');
    const out = agg.advance();
    // Whole days skipped: Dec 4, 5, 6, 7 (Bangkok); the last two are produced.
    assert.deepEqual(
      out.map((r) => [r.window_start, r.window_end]),
      [
        ['2026-12-03T10:00:00.000Z', '2026-12-03T17:00:00.000Z'],
        ['2026-12-05T17:00:00.000Z', '2026-12-06T17:00:00.000Z'],
        ['2026-12-06T17:00:00.000Z', '2026-12-07T17:00:00.000Z'],
      ],
    );
    assert.equal(new Date(agg.windowStart).toISOString(), '2026-12-07T17:00:00.000Z');
    assert.equal(new Date(agg.windowEnd).toISOString(), '2026-12-08T17:00:00.000Z');
  });

  it('Europe/London: day windows start at local midnight and last 23 h / 25 h across the clock changes', () => {
    const span = (start: string, until: string) => {
      const c = clock(Date.parse(start));
      const agg = new WindowAggregator({ windowMs: DAY, now: c.now, timeZone: 'Europe/London' });
      agg.addDetection('CP001', 'CAM1', [], 1);
      c.t = Date.parse(until);
      return agg.advance().map((r) => [r.window_start, r.window_end, (Date.parse(r.window_end) - Date.parse(r.window_start)) / HOUR]);
    };
    // Spring: midnight GMT to midnight BST is 23 h.
    assert.deepEqual(span('2026-03-28T12:00:00Z', '2026-03-29T23:00:00Z'), [
      ['2026-03-28T12:00:00.000Z', '2026-03-29T00:00:00.000Z', 12],
      ['2026-03-29T00:00:00.000Z', '2026-03-29T23:00:00.000Z', 23],
    ]);
    // Autumn: midnight BST to midnight GMT is 25 h.
    assert.deepEqual(span('2026-10-24T12:00:00Z', '2026-10-26T00:00:00Z'), [
      ['2026-10-24T12:00:00.000Z', '2026-10-24T23:00:00.000Z', 11],
      ['2026-10-24T23:00:00.000Z', '2026-10-26T00:00:00.000Z', 25],
    ]);
  });

  it('UTC (the default): boundaries as before, multiples of the length since the epoch (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.integer({ min: 1, max: 86_400 }), (t, s) => {
        const agg = new WindowAggregator({ windowMs: s * 1000, now: () => t });
        assert.equal(agg.windowEnd, (Math.floor(t / (s * 1000)) + 1) * s * 1000);
      }),
    );
  });
});

describe('analytics/aggregator: windows', () => {
  it('aligns windows to multiples of the length since the epoch; [start, end) boundaries are exact', () => {
    const c = clock(T0 + 10_000); // started 10 s into a minute
    const agg = new WindowAggregator({ windowMs: 60_000, now: c.now });
    assert.equal(agg.windowStart, T0 + 10_000);
    assert.equal(agg.windowEnd, T0 + 60_000);

    c.t = T0 + 60_000 - 1; // window_end - 1 ms: window 1
    assert.deepEqual(agg.addDetection('CP001', 'CAM1', [plate('AB1', 0.5)], 10), []);
    c.t = T0 + 60_000; // window_end: closes window 1, goes to window 2
    const closed = agg.addDetection('CP001', 'CAM1', [plate('AB2', 0.7)], 20);
    assert.equal(closed.length, 1);
    assert.equal(closed[0]!.window_start, '2024-01-15T10:30:10.000Z');
    assert.equal(closed[0]!.window_end, '2024-01-15T10:31:00.000Z');
    assert.equal(closed[0]!.detections, 1);
    assert.equal(closed[0]!.avg_confidence, 0.5);

    c.t = T0 + 120_000 - 1;
    assert.deepEqual(agg.advance(), []);
    c.t = T0 + 120_000;
    const second = agg.advance();
    assert.equal(second.length, 1);
    assert.equal(second[0]!.window_start, '2024-01-15T10:31:00.000Z');
    assert.equal(second[0]!.window_end, '2024-01-15T10:32:00.000Z');
    assert.equal(second[0]!.detections, 1);
    assert.equal(second[0]!.avg_confidence, 0.7);
    assert.equal(second[0]!.avg_processing_time_ms, 20);
  });

  it('an empty window of a seen checkpoint gives zeros and nulls; skipped windows are caught up', () => {
    const c = clock(T0);
    const agg = new WindowAggregator({ windowMs: 1000, now: c.now });
    agg.addDetection('CP001', 'CAM1', [], 5);
    c.t = T0 + 3500; // windows [0,1) with data, [1,2) and [2,3) empty
    const out = agg.advance();
    assert.deepEqual(
      out.map((r) => [r.window_start, r.window_end, r.detections]),
      [
        ['2024-01-15T10:30:00.000Z', '2024-01-15T10:30:01.000Z', 1],
        ['2024-01-15T10:30:01.000Z', '2024-01-15T10:30:02.000Z', 0],
        ['2024-01-15T10:30:02.000Z', '2024-01-15T10:30:03.000Z', 0],
      ],
    );
    assert.deepEqual(out[1], {
      checkpoint_id: 'CP001',
      window_start: '2024-01-15T10:30:01.000Z',
      window_end: '2024-01-15T10:30:02.000Z',
      detections: 0,
      plates: 0,
      unique_plates: 0,
      avg_confidence: null,
      avg_processing_time_ms: null,
      blacklist_hits: 0,
    });
    assert.equal(agg.windowStart, T0 + 3000);
    assert.equal(agg.windowEnd, T0 + 4000);
  });

  it('flush ends the window now; the next one still ends at the regular boundary', () => {
    const c = clock(T0);
    const agg = new WindowAggregator({ windowMs: 60_000, now: c.now });
    agg.addDetection('CP001', 'CAM1', [plate('X1', 1)], 1);
    c.t = T0 + 25_000;
    const out = agg.flush();
    assert.equal(out.length, 1);
    assert.equal(out[0]!.window_end, '2024-01-15T10:30:25.000Z');
    assert.equal(agg.windowStart, T0 + 25_000);
    assert.equal(agg.windowEnd, T0 + 60_000);
    c.t = T0 + 60_000;
    const next = agg.advance();
    assert.equal(next[0]!.window_start, '2024-01-15T10:30:25.000Z');
    assert.equal(next[0]!.window_end, '2024-01-15T10:31:00.000Z');
    assert.equal(next[0]!.detections, 0);
  });

  it('a known detection set gives the hand-computed analytics', () => {
    const c = clock(T0);
    const agg = new WindowAggregator({ windowMs: 60_000, now: c.now });
    // CP001: 3 detections, 5 plates, plates AB1234 (twice, one with spaces), CD5678, EF9, GH1.
    agg.addDetection('CP001', 'CAM1', [plate('AB1234', 0.9), plate('CD5678', 0.8)], 40);
    c.t += 1000;
    agg.addDetection('CP001', 'CAM2', [plate('AB 1234', 0.7)], 60);
    c.t += 1000;
    agg.addDetection('CP001', 'CAM1', [plate('EF9', 0.6), plate('GH1', 0.5)], 50);
    agg.addBlacklistHit('CP001');
    agg.addBlacklistHit('CP001');
    // CP002: one detection without plates, one blacklist hit.
    agg.addDetection('CP002', 'CAM3', [], 12.5);
    agg.addBlacklistHit('CP002');
    c.t = T0 + 60_000;
    const out = agg.advance();
    const byId = new Map(out.map((r) => [r.checkpoint_id, r]));
    assert.deepEqual(byId.get('CP001'), {
      checkpoint_id: 'CP001',
      window_start: '2024-01-15T10:30:00.000Z',
      window_end: '2024-01-15T10:31:00.000Z',
      detections: 3,
      plates: 5,
      unique_plates: 4,
      avg_confidence: 0.7, // (0.9 + 0.8 + 0.7 + 0.6 + 0.5) / 5
      avg_processing_time_ms: 50, // (40 + 60 + 50) / 3
      blacklist_hits: 2,
    });
    assert.deepEqual(byId.get('CP002'), {
      checkpoint_id: 'CP002',
      window_start: '2024-01-15T10:30:00.000Z',
      window_end: '2024-01-15T10:31:00.000Z',
      detections: 1,
      plates: 0,
      unique_plates: 0,
      avg_confidence: null,
      avg_processing_time_ms: 12.5,
      blacklist_hits: 1,
    });
    // And it is a valid CheckpointAnalytics.
    const msg = analyticsMessage(byId.get('CP001')!, T0 + 60_002);
    assert.equal(msg.timestamp, '2024-01-15T10:31:00.002Z');
    assert.equal(typeof msg.message_id, 'string');
  });

  it('averages are rounded: confidence to 4 decimals, processing time to 0.01 ms', () => {
    const c = clock(T0);
    const agg = new WindowAggregator({ windowMs: 1000, now: c.now });
    agg.addDetection('CP1', 'C', [plate('A1', 0.1), plate('A2', 0.2), plate('A3', 0.25)], 1);
    agg.addDetection('CP1', 'C', [], 2);
    agg.addDetection('CP1', 'C', [], 2);
    c.t += 1000;
    const [r] = agg.advance();
    assert.equal(r!.avg_confidence, 0.1833); // 0.55 / 3 = 0.18333...
    assert.equal(r!.avg_processing_time_ms, 1.67); // 5 / 3
  });

  it('split plates: the detection counts once, each plate once', () => {
    const c = clock(T0);
    const agg = new WindowAggregator({ windowMs: 1000, now: c.now });
    agg.addDetection('CP1', 'C', [plate('A1', 0.5)], 30, true);
    agg.addDetection('CP1', 'C', [plate('A2', 0.7)], null, false);
    c.t += 1000;
    const [r] = agg.advance();
    assert.equal(r!.detections, 1);
    assert.equal(r!.plates, 2);
    assert.equal(r!.avg_processing_time_ms, 30);
    assert.equal(r!.avg_confidence, 0.6);
  });

  it('status: cameras from detections, offline from health, else from recency', () => {
    const c = clock(T0);
    const states = new Map<string, HealthState>();
    const agg = new WindowAggregator({ windowMs: 10_000, now: c.now, health: (camera) => states.get(camera) });
    agg.addDetection('CP1', 'CAM1', [], 1);
    agg.addDetection('CP1', 'CAM2', [], 1);
    c.t += 5000;
    agg.addDetection('CP1', 'CAM3', [], 1);
    c.t += 5000; // CAM1, CAM2 last seen 10 s ago (= window length): silent; CAM3 5 s ago
    states.set('CAM1', 'warning');
    agg.healthChanged('CAM1');
    assert.deepEqual(agg.status('CP1'), {
      checkpoint_id: 'CP1',
      cameras: { online: 2, offline: 1, total: 3 },
      last_detection: '2024-01-15T10:30:05.000Z',
    });
    states.clear();
    states.set('CAM3', 'offline');
    agg.healthSourcesChanged();
    assert.deepEqual(agg.status('CP1')!.cameras, { online: 0, offline: 3, total: 3 });
    assert.equal(agg.status('nope'), null);
  });

  it('property: per-window detections and plates add up to what was fed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.array(fc.record({ dt: fc.integer({ min: 0, max: 3000 }), cp: fc.constantFrom('A', 'B', 'C'), n: fc.integer({ min: 0, max: 3 }), flush: fc.boolean() }), {
          maxLength: 80,
        }),
        (windowMs, events) => {
          const c = clock(T0 + 123);
          const agg = new WindowAggregator({ windowMs, now: c.now, maxCatchUp: 1_000_000 });
          const out: WindowResult[] = [];
          let detections = 0;
          let plates = 0;
          for (const e of events) {
            c.t += e.dt;
            if (e.flush && e.dt % 7 === 0) out.push(...agg.flush());
            out.push(...agg.addDetection(e.cp, 'cam', Array.from({ length: e.n }, (_, i) => plate(`P${i}`, 0.5)), 1));
            detections++;
            plates += e.n;
          }
          c.t += windowMs;
          out.push(...agg.advance());
          assert.equal(
            out.reduce((s, r) => s + r.detections, 0),
            detections,
          );
          assert.equal(
            out.reduce((s, r) => s + r.plates, 0),
            plates,
          );
          // Windows of one checkpoint tile time without gaps or overlaps.
          for (const cp of ['A', 'B', 'C']) {
            const mine = out.filter((r) => r.checkpoint_id === cp);
            for (let i = 1; i < mine.length; i++) assert.equal(mine[i]!.window_start, mine[i - 1]!.window_end);
            for (const r of mine) assert.ok(Date.parse(r.window_end) > Date.parse(r.window_start) || r.window_end === r.window_start);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('analytics/unique', () => {
  it('is exact for small sets', () => {
    const u = new UniqueCounter(100_000);
    for (const p of ['A', 'B', 'A', 'C', 'B']) u.add(p);
    assert.equal(u.count(), 3);
    assert.ok(u.isExact);
  });

  it('normalizes plates in the aggregator (spacing and case do not make a new plate)', () => {
    const c = clock(T0);
    const agg = new WindowAggregator({ windowMs: 1000, now: c.now });
    agg.addDetection('CP1', 'C', [plate('ab 1234', 0.5), plate('AB1234', 0.5), plate('AB-1234', 0.5)], 1);
    c.t += 1000;
    assert.equal(agg.advance()[0]!.unique_plates, 1);
  });

  it('estimates 200k distinct plates within 2% beyond the cap (HyperLogLog)', function () {
    this.timeout(30_000);
    const u = new UniqueCounter(1000);
    for (let i = 0; i < 200_000; i++) u.add(`PL${i}`);
    for (let i = 0; i < 50_000; i++) u.add(`PL${i}`); // repeats do not count
    assert.ok(!u.isExact);
    const n = u.count();
    assert.ok(Math.abs(n - 200_000) / 200_000 < 0.02, `estimate ${n}`);
  });

  it('is exact at the cap and switches beyond it', () => {
    const u = new UniqueCounter(3);
    ['A', 'B', 'C', 'A'].forEach((k) => u.add(k));
    assert.ok(u.isExact);
    assert.equal(u.count(), 3);
    u.add('D');
    assert.ok(!u.isExact);
    assert.equal(u.count(), 4); // linear counting is exact-ish for tiny sets
  });
});

describe('analytics/input', () => {
  const detection = (extra: Record<string, unknown> = {}) => ({
    message_id: 'm1',
    timestamp: '2024-01-15T10:30:00Z',
    camera_id: 'CAM1',
    checkpoint_id: 'CP001',
    detection_data: { plates: [{ plate_index: 0, plate_number: 'AB1', confidence: 0.9 }], processing_time_ms: 42, confidence_score: 0.9 },
    ...extra,
  });

  it('reads a whole detection, a split plate, a blacklist match and flush', () => {
    assert.deepEqual(readAnalyticsInput({ payload: detection() }), {
      kind: 'detection',
      cameraId: 'CAM1',
      checkpointId: 'CP001',
      plates: [{ plate_number: 'AB1', confidence: 0.9 }],
      processingTimeMs: 42,
      countsDetection: true,
    });
    const d = detection();
    const second = readAnalyticsInput({ payload: { plate_number: 'X2', confidence: 0.4 }, detection: d, parts: { index: 1, count: 2 } });
    assert.deepEqual(second, { kind: 'detection', cameraId: 'CAM1', checkpointId: 'CP001', plates: [{ plate_number: 'X2', confidence: 0.4 }], processingTimeMs: null, countsDetection: false });
    assert.deepEqual(readAnalyticsInput({ payload: { camera_id: 'CAM1', checkpoint_id: 'CP9', plate_number: 'AB1' }, lpr: { type: 'blacklist-match' }, detection: d }), {
      kind: 'blacklist',
      cameraId: 'CAM1',
      checkpointId: 'CP9',
    });
    assert.deepEqual(readAnalyticsInput({ action: 'flush' }), { kind: 'flush' });
    // msg.checkpoint fills in a missing checkpoint_id; neither gives null.
    assert.equal((readAnalyticsInput({ payload: detection({ checkpoint_id: undefined }), checkpoint: 'CP7' }) as { checkpointId: string }).checkpointId, 'CP7');
    assert.equal((readAnalyticsInput({ payload: detection({ checkpoint_id: undefined }) }) as { checkpointId: string | null }).checkpointId, null);
  });

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['no payload', {}, /^msg\.payload: not a detection or a blacklist notification/],
    ['string payload', { payload: 'hello' }, /^msg\.payload: not a detection or a blacklist notification/],
    ['unknown object', { payload: { foo: 1 } }, /^msg\.payload: not a detection or a blacklist notification/],
    ['bad action', { action: 'flsh' }, /^msg\.action: /],
    ['checkpoint with /', { payload: detection({ checkpoint_id: 'a/b' }) }, /^msg\.payload\.checkpoint_id: /],
    ['camera missing', { payload: detection({ camera_id: undefined }) }, /^msg\.payload\.camera_id: /],
    ['plates not array', { payload: detection({ detection_data: { plates: 'x', processing_time_ms: 1 } }) }, /^msg\.payload\.detection_data\.plates: /],
    [
      'confidence > 1',
      { payload: detection({ detection_data: { plates: [{ plate_number: 'A', confidence: 0.5 }, { plate_number: 'B', confidence: 2 }], processing_time_ms: 1 } }) },
      /^msg\.payload\.detection_data\.plates\[1\]\.confidence: /,
    ],
    ['negative processing time', { payload: detection({ detection_data: { plates: [], processing_time_ms: -1 } }) }, /^msg\.payload\.detection_data\.processing_time_ms: /],
    ['split without detection', { payload: { plate_number: 'A', confidence: 0.5 } }, /^msg\.detection: /],
    ['bad msg.checkpoint', { payload: detection({ checkpoint_id: undefined }), checkpoint: 'x y' }, /^msg\.checkpoint: /],
    ['blacklist without camera', { payload: { plate_number: 'A' }, lpr: { type: 'blacklist-match' } }, /^msg\.payload\.camera_id: /],
  ];
  for (const [name, msg, re] of bad) {
    it(`rejects ${name} naming the field`, () => {
      assert.throws(() => readAnalyticsInput(msg), (err: Error) => re.test(err.message));
    });
  }
});

describe('analytics/settings', () => {
  it('has safe defaults', () => {
    assert.deepEqual(readCheckpointAnalyticsSettings({}), { checkpoint: null, windowMs: 60_000, publish: true, status: true, uniqueCap: 100_000, maxCameras: 100_000 });
    assert.equal(readCheckpointAnalyticsSettings({ checkpoint: 'CP001', window: '5' }).windowMs, 5000);
  });

  for (const [props, field] of [
    [{ window: 0 }, 'window'],
    [{ window: 86_401 }, 'window'],
    [{ window: 'abc' }, 'window'],
    [{ checkpoint: 'a/b' }, 'checkpoint'],
    [{ publish: 'yes' }, 'publish'],
    [{ uniqueCap: -1 }, 'uniqueCap'],
  ] as Array<[Record<string, unknown>, string]>) {
    it(`rejects ${JSON.stringify(props)} naming ${field}`, () => {
      assert.throws(
        () => readCheckpointAnalyticsSettings(props),
        (err: unknown) => err instanceof ConfigError && err.field === field,
      );
    });
  }
});
