/** The rate limit inside DetectionIntake (lpr-detection-in's logic), without Node-RED. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TopicTree, validateMessage } from '../../src/protocol';
import { DetectionIntake, readDetectionInSettings } from '../../src/runtime/detection-intake';
import { ConfigError } from '../../src/runtime/settings';
import { detection } from '../fixtures/samples';

const tree = new TopicTree('lprserver');
const topic = (camera: string) => `lprserver/cameras/${camera}/detection`;
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));

function intake(props: Record<string, unknown> = {}) {
  return new DetectionIntake(tree, readDetectionInSettings({ rateLimit: 10, rateBurst: 3, ...props }));
}

describe('DetectionIntake rate limit', () => {
  it('settings: defaults 20/s, burst 1000, alerts every 60 s; 0 = off; bad values name the field', () => {
    const s = readDetectionInSettings({});
    assert.equal(s.rateLimit, 20);
    assert.equal(s.rateBurst, 1_000);
    assert.equal(s.rateAlertIntervalMs, 60_000);
    assert.equal(readDetectionInSettings({ rateLimit: '0' }).rateLimit, 0);
    assert.equal(readDetectionInSettings({ rateLimit: '0.5' }).rateLimit, 0.5);
    assert.equal(new DetectionIntake(tree, readDetectionInSettings({ rateLimit: 0 })).limiter, null);
    for (const [props, field] of [
      [{ rateLimit: -1 }, 'rateLimit'],
      [{ rateLimit: 'fast' }, 'rateLimit'],
      [{ rateLimit: 'Infinity' }, 'rateLimit'],
      [{ rateLimit: 'NaN' }, 'rateLimit'],
      [{ rateBurst: 0 }, 'rateBurst'],
      [{ rateBurst: 2.5 }, 'rateBurst'],
      [{ rateBurst: 1e12 }, 'rateBurst'],
      [{ rateAlertInterval: 0 }, 'rateAlertInterval'],
    ] as const) {
      assert.throws(
        () => readDetectionInSettings(props),
        (err: unknown) => err instanceof ConfigError && err.field === field,
        JSON.stringify(props),
      );
    }
  });

  it('over the limit: deferred with a valid retry ack whose retry_after_ms is when a token is there; other cameras unaffected', () => {
    const i = intake();
    const now = 1_000_000;
    const results = [0, 1, 2, 3, 4].map((n) => i.handle(topic('CAM001'), bytes(detection('CAM001', `d${n}`)), now));
    assert.deepEqual(
      results.map((r) => r.kind),
      ['detection', 'detection', 'detection', 'deferred', 'deferred'],
    );
    const r = results[3]!;
    assert.ok(r.kind === 'deferred');
    assert.equal(r.messageId, 'd3');
    assert.equal(r.ack?.status, 'retry');
    assert.equal(r.ack?.ack_id, 'd3');
    // At 10/s a token comes back after 100 ms (also the floor): the first deferred one is told 100 ms,
    // the next one the slot after it.
    assert.equal(r.retryAfterMs, 100);
    assert.equal(r.ack?.retry_after_ms, 100);
    const r4 = results[4]!;
    assert.ok(r4.kind === 'deferred');
    assert.equal(r4.retryAfterMs, 200);
    assert.ok(validateMessage('detectionAck', r.ack).ok, 'the retry ack passes the Ack schema');
    assert.equal(i.handle(topic('CAM002'), bytes(detection('CAM002', 'x')), now).kind, 'detection');
    assert.deepEqual(i.counts, { received: 6, accepted: 4, duplicates: 0, rejected: 0, deferred: 2 });
  });

  it('a deferred detection is not remembered by dedupe: resent when told, it is accepted', () => {
    const i = intake({ rateLimit: 1, rateBurst: 1 });
    const now = 5_000_000;
    assert.equal(i.handle(topic('CAM001'), bytes(detection('CAM001', 'a')), now).kind, 'detection');
    const b = i.handle(topic('CAM001'), bytes(detection('CAM001', 'b')), now);
    assert.ok(b.kind === 'deferred');
    assert.equal(b.retryAfterMs, 1000);
    assert.equal(i.handle(topic('CAM001'), bytes(detection('CAM001', 'b')), now + b.retryAfterMs).kind, 'detection');
    assert.equal(i.handle(topic('CAM001'), bytes(detection('CAM001', 'b')), now + 5000).kind, 'duplicate');
  });

  it('dedupe runs first: a resend of an accepted detection while over the limit is re-acked received and takes no token', () => {
    const i = intake({ rateLimit: 1, rateBurst: 2 });
    const now = 7_000_000;
    assert.equal(i.handle(topic('CAM001'), bytes(detection('CAM001', 'a')), now).kind, 'detection');
    assert.equal(i.handle(topic('CAM001'), bytes(detection('CAM001', 'b')), now).kind, 'detection');
    assert.equal(i.handle(topic('CAM001'), bytes(detection('CAM001', 'c')), now).kind, 'deferred', 'the bucket is empty');
    for (const id of ['a', 'b']) {
      const dup = i.handle(topic('CAM001'), bytes(detection('CAM001', id)), now);
      assert.equal(dup.kind, 'duplicate', `${id} while over the limit`);
      assert.equal(dup.kind === 'duplicate' && dup.ack?.status, 'received');
    }
    assert.deepEqual(i.counts, { received: 5, accepted: 2, duplicates: 2, rejected: 0, deferred: 1 });
  });

  it('duplicates and invalid messages take no token', () => {
    const i = intake({ rateLimit: 1, rateBurst: 2 });
    const now = 9_000_000;
    assert.equal(i.handle(topic('CAM001'), bytes(detection('CAM001', 'a')), now).kind, 'detection');
    for (let n = 0; n < 20; n++) {
      assert.equal(i.handle(topic('CAM001'), bytes(detection('CAM001', 'a')), now).kind, 'duplicate');
      assert.equal(i.handle(topic('CAM001'), Buffer.from('{bad'), now).kind, 'rejected');
    }
    assert.equal(i.handle(topic('CAM001'), bytes(detection('CAM001', 'b')), now).kind, 'detection', 'the second token is still there');
    assert.equal(i.handle(topic('CAM001'), bytes(detection('CAM001', 'c')), now).kind, 'deferred');
  });

  it('without acks a deferred detection has no ack (a camera waiting for acks resends it after its ack timeout)', () => {
    const i = intake({ rateLimit: 1, rateBurst: 1, ack: false });
    i.handle(topic('CAM001'), bytes(detection('CAM001', 'a')), 0);
    const r = i.handle(topic('CAM001'), bytes(detection('CAM001', 'b')), 0);
    assert.equal(r.kind, 'deferred');
    assert.equal(r.kind === 'deferred' && r.ack, null);
  });

  it('property: a camera that resends each deferred detection when told gets every one through exactly once, at the limit pace', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 0, max: 40 }),
        (n, rate, burst, lateness) => {
          const i = intake({ rateLimit: rate, rateBurst: burst });
          const start = 10_000_000;
          // Everything at once (a reconnect backlog), then each deferred one at its retry time (+ network lateness).
          const queue: Array<{ at: number; id: string }> = Array.from({ length: n }, (_, k) => ({ at: start, id: `m${k}` }));
          const emitted: Array<{ id: string; at: number }> = [];
          let sends = 0;
          while (queue.length > 0) {
            queue.sort((a, b) => a.at - b.at);
            const { at, id } = queue.shift()!;
            sends++;
            assert.ok(sends < 50 * n + 100, 'converges');
            const r = i.handle(topic('CAM001'), bytes(detection('CAM001', id)), at);
            if (r.kind === 'detection') emitted.push({ id, at });
            else if (r.kind === 'deferred') {
              assert.ok(r.retryAfterMs >= 100 && r.retryAfterMs <= 60_000 && Number.isInteger(r.retryAfterMs));
              assert.equal(r.ack?.retry_after_ms, r.retryAfterMs);
              queue.push({ at: at + r.retryAfterMs + lateness, id });
            } else assert.fail(`unexpected ${r.kind}`);
          }
          assert.equal(emitted.length, n);
          assert.equal(new Set(emitted.map((e) => e.id)).size, n, 'each once');
          // Never faster than the limit...
          for (let a = 0; a < emitted.length; a++) {
            const b = emitted.length - 1;
            assert.ok(b - a + 1 <= burst + (rate * (emitted[b]!.at - emitted[a]!.at)) / 1000 + 1e-9);
          }
          // ...and, with the slots booked, hardly slower: no detection needs more than a couple of resends.
          assert.ok(sends <= n + 2 * Math.max(0, n - burst), `${sends} sends for ${n}`);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('property: accepted + duplicates + rejected + deferred = received, and accepted per camera within burst + rate * t', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.constantFrom('CAM001', 'CAM002'), fc.integer({ min: 0, max: 30 })), { maxLength: 200 }),
        (steps) => {
          const i = intake({ rateLimit: 5, rateBurst: 4 });
          let t = 0;
          const accepted = new Map<string, number[]>();
          for (const [gap, camera, id] of steps) {
            t += gap;
            const r = i.handle(topic(camera), bytes(detection(camera, `m${id}`)), t);
            if (r.kind === 'detection') accepted.set(camera, [...(accepted.get(camera) ?? []), t]);
          }
          const c = i.counts;
          assert.equal(c.received, c.accepted + c.duplicates + c.rejected + c.deferred);
          for (const at of accepted.values()) {
            for (let a = 0; a < at.length; a++) for (let b = a; b < at.length; b++) assert.ok(b - a + 1 <= 4 + (5 * (at[b]! - at[a]!)) / 1000 + 1e-9);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
