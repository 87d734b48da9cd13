/**
 * The hand-written CheckpointAnalytics and CheckpointStatus checks (fast-checkpoint.ts) against the
 * zod schemas they stand in for. lpr-checkpoint-analytics makes and publishes one of each per
 * checkpoint at every window end; with the schema each was parsed twice (made, then encoded): at
 * 1,000 checkpoints about 240 ms of CPU at once in the growth bench. The checks must never accept
 * what the schemas reject, and must accept every message the aggregator makes.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyticsMessage, WindowAggregator } from '../../src/analytics/aggregator';
import { createMessage, encodeMessage, validateMessage } from '../../src/protocol';
import { isCertainlyCheckpointAnalytics, isCertainlyCheckpointStatus } from '../../src/protocol/fast-checkpoint';
import { POLICY } from '../../src/protocol/policy';

const analyticsSchema = POLICY.checkpointAnalytics.schema;
const statusSchema = POLICY.checkpointStatus.schema;
const T0 = Date.UTC(2026, 11, 4, 10, 30, 0);

/** Counts the two schemas' parses while `run` runs. */
function schemaParses(run: () => void): number {
  const schemas = [analyticsSchema, statusSchema];
  const originals = schemas.map((s) => s.safeParse);
  let calls = 0;
  schemas.forEach((s, i) => {
    s.safeParse = ((...args: Parameters<(typeof originals)[0]>) => {
      calls++;
      return originals[i]!(...args);
    }) as (typeof originals)[0];
  });
  try {
    run();
  } finally {
    schemas.forEach((s, i) => (s.safeParse = originals[i]!));
  }
  return calls;
}

/** A window of `n` checkpoints as the node sees it: detections, a hit, some checkpoints idle. */
function closedWindow(n: number, seed = 1) {
  const clock = { t: T0 };
  const agg = new WindowAggregator({ windowMs: 60_000, now: () => clock.t });
  for (let i = 0; i < n; i++) {
    clock.t += 1;
    if ((i + seed) % 7 === 0) continue;
    agg.addDetection(`CP${i}`, `CAM${i % 50}`, [{ plate_number: `กข${(i * seed) % 9999}`, confidence: ((i * 37 + seed) % 101) / 100 }], (i * seed) % 3 === 0 ? null : (i % 500) + 0.25);
    if (i % 11 === 0) agg.addBlacklistHit(`CP${i}`);
  }
  // Checkpoints first seen idle: known, but with no detection in the window.
  for (let i = n; i < n + 3; i++) agg.addBlacklistHit(`CP${i}`);
  clock.t = T0 + 61_000;
  return { agg, results: agg.advance(), now: clock.t };
}

/** What the node publishes at a window end: each checkpoint's analytics and status, made then encoded. */
function windowEnd(n: number, seed = 1): { checkpoints: number; out: string[] } {
  const { agg, results, now } = closedWindow(n, seed);
  const out: string[] = [];
  for (const r of results) out.push(encodeMessage('checkpointAnalytics', analyticsMessage(r, now)));
  for (const id of agg.checkpointIds()) out.push(encodeMessage('checkpointStatus', createMessage('checkpointStatus', { ...agg.status(id)! })));
  return { checkpoints: agg.checkpointIds().length, out };
}

function valid(kind: 'checkpointAnalytics' | 'checkpointStatus') {
  return kind === 'checkpointAnalytics'
    ? {
        message_id: 'f3a1c1d2-1111-4222-8333-444455556666',
        timestamp: '2026-12-04T10:31:00.000Z',
        checkpoint_id: 'CP001',
        window_start: '2026-12-04T10:30:00.000Z',
        window_end: '2026-12-04T10:31:00.000Z',
        detections: 12,
        plates: 15,
        unique_plates: 14,
        avg_confidence: 0.9123,
        avg_processing_time_ms: 48.25,
        blacklist_hits: 1,
      }
    : { message_id: 'f3a1c1d2-1111-4222-8333-444455556666', timestamp: '2026-12-04T10:31:00.000Z', checkpoint_id: 'CP001', cameras: { online: 3, offline: 1, total: 4 }, last_detection: '2026-12-04T10:30:59.001Z' };
}

const weird = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom('', 'x', 'x'.repeat(64), 'x'.repeat(65), 'x'.repeat(128), 'x'.repeat(129), 'CP 1', '-bad', 'CP001', 'กข'),
  fc.constantFrom('2026-12-04T10:30:00Z', '2026-02-30T10:30:00Z', '2026-12-04 10:30:00', '2026-12-04T10:30:00+07:00', '2026-12-04'),
  fc.constantFrom(-1, 0, -0, 0.5, 1, 1.0001, 2 ** 53, 2 ** 53 - 1, 1e308, true, false, null, [], {}, { online: 1, offline: 0, total: 1 }, { online: 1, offline: 0 }, { online: -1, offline: 0, total: 1 }, { online: 1.5, offline: 0, total: 1 }, { online: 1, offline: 0, total: 1, extra: 1 }),
);
const KEYS = {
  checkpointAnalytics: ['message_id', 'timestamp', 'checkpoint_id', 'window_start', 'window_end', 'detections', 'plates', 'unique_plates', 'avg_confidence', 'avg_processing_time_ms', 'blacklist_hits', 'extra', '__proto__'],
  checkpointStatus: ['message_id', 'timestamp', 'checkpoint_id', 'cameras', 'last_detection', 'extra', '__proto__'],
} as const;

describe('fast checkpoint message checks', () => {
  it("makes and encodes a window end's analytics and statuses without the zod schemas (4 parses per checkpoint before)", () => {
    let made = { checkpoints: 0, out: [] as string[] };
    const parses = schemaParses(() => {
      made = windowEnd(500);
    });
    const messages = made.out;
    assert.ok(made.checkpoints > 400, `${made.checkpoints} checkpoints`);
    assert.equal(messages.length, 2 * made.checkpoints);
    assert.equal(parses, 0);
    // And each is what the schema takes, unchanged.
    for (const text of messages) {
      const m = JSON.parse(text);
      const parsed = ('window_end' in m ? analyticsSchema : statusSchema).safeParse(m);
      assert.equal(parsed.success, true, text);
      assert.deepEqual(parsed.data, m);
    }
  });

  it('accepts every message the aggregator makes, whatever its figures', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 1000 }), (n, seed) => {
        const { agg, results, now } = closedWindow(n, seed);
        for (const r of results) assert.equal(isCertainlyCheckpointAnalytics(JSON.parse(JSON.stringify(analyticsMessage(r, now)))), true);
        for (const id of agg.checkpointIds()) assert.equal(isCertainlyCheckpointStatus({ message_id: 'x', timestamp: new Date(now).toISOString(), ...agg.status(id)! }), true);
      }),
      { numRuns: 200 },
    );
  });

  for (const kind of ['checkpointAnalytics', 'checkpointStatus'] as const) {
    const check = kind === 'checkpointAnalytics' ? isCertainlyCheckpointAnalytics : isCertainlyCheckpointStatus;
    const schema = kind === 'checkpointAnalytics' ? analyticsSchema : statusSchema;
    it(`${kind}: never accepts a mutated message the schema rejects, and hands on what the schema would`, () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(fc.constantFrom(...KEYS[kind]), weird, fc.boolean()), { minLength: 1, maxLength: 3 }), (edits) => {
          // Through JSON, as a flow's message or a file would come: `__proto__` becomes an own key.
          const m = valid(kind) as Record<string, unknown>;
          const entries = Object.entries(m);
          for (const [key, value, remove] of edits) {
            const at = entries.findIndex(([k]) => k === key);
            if (remove && at >= 0) entries.splice(at, 1);
            else if (!remove) entries.splice(at >= 0 ? at : entries.length, at >= 0 ? 1 : 0, [key, value]);
          }
          const text = `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`;
          const data = JSON.parse(text);
          if (!check(data)) return;
          const parsed = schema.safeParse(data);
          assert.equal(parsed.success, true, text);
          assert.deepEqual(parsed.data, data);
        }),
        { numRuns: 5000 },
      );
    });
  }

  it('what the checks decline still gets the schema and its named error', () => {
    const bad = validateMessage('checkpointAnalytics', { ...valid('checkpointAnalytics'), avg_confidence: 1.5 });
    assert.equal(bad.ok, false);
    assert.equal(!bad.ok && bad.error.issues[0]?.path, 'avg_confidence');
    const extra = validateMessage('checkpointStatus', { ...valid('checkpointStatus'), note: 'kept' });
    assert.equal(extra.ok && (extra.value as Record<string, unknown>).note, 'kept');
    assert.throws(() => createMessage('checkpointStatus', { checkpoint_id: 'CP 1', cameras: { online: 0, offline: 0, total: 0 } }), /checkpoint_id/);
  });
});
