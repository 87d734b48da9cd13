/** The rate limit inside DetectionIntake (lpr-detection-in's logic), without Node-RED. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TopicTree } from '../../src/protocol';
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
  it('settings: defaults 20/s, burst 10000, alerts every 60 s; 0 = off; bad values name the field', () => {
    const s = readDetectionInSettings({});
    assert.equal(s.rateLimit, 20);
    assert.equal(s.rateBurst, 10_000);
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

  it('over the limit: rejected with an ack naming the limit; other cameras unaffected', () => {
    const i = intake();
    const now = 1_000_000;
    const kinds = [0, 1, 2, 3, 4].map((n) => i.handle(topic('CAM001'), bytes(detection('CAM001', `d${n}`)), now));
    assert.deepEqual(
      kinds.map((r) => r.kind),
      ['detection', 'detection', 'detection', 'rate-limited', 'rate-limited'],
    );
    const r = kinds[3]!;
    assert.ok(r.kind === 'rate-limited');
    assert.equal(r.error.code, 'rate_limited');
    assert.equal(r.error.issues[0]!.path, 'rateLimit');
    assert.match(r.error.message, /CAM001.*10 detections\/s, burst 3/);
    assert.equal(r.ack?.status, 'rejected');
    assert.equal(r.ack?.ack_id, 'd3');
    assert.match(r.ack?.error ?? '', /^rateLimit: over 10 detections\/s, burst 3/);
    assert.equal(i.handle(topic('CAM002'), bytes(detection('CAM002', 'x')), now).kind, 'detection');
    assert.deepEqual(i.counts, { received: 6, accepted: 4, duplicates: 0, rejected: 0, rateLimited: 2 });
  });

  it('a rejected detection is not remembered by dedupe: sent again under the limit it is accepted', () => {
    const i = intake({ rateLimit: 1, rateBurst: 1 });
    const now = 5_000_000;
    assert.equal(i.handle(topic('CAM001'), bytes(detection('CAM001', 'a')), now).kind, 'detection');
    assert.equal(i.handle(topic('CAM001'), bytes(detection('CAM001', 'b')), now).kind, 'rate-limited');
    assert.equal(i.handle(topic('CAM001'), bytes(detection('CAM001', 'b')), now + 1000).kind, 'detection');
    assert.equal(i.handle(topic('CAM001'), bytes(detection('CAM001', 'b')), now + 5000).kind, 'duplicate');
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
    assert.equal(i.handle(topic('CAM001'), bytes(detection('CAM001', 'c')), now).kind, 'rate-limited');
  });

  it('without acks a rate-limited detection has no ack', () => {
    const i = intake({ rateLimit: 1, rateBurst: 1, ack: false });
    i.handle(topic('CAM001'), bytes(detection('CAM001', 'a')), 0);
    const r = i.handle(topic('CAM001'), bytes(detection('CAM001', 'b')), 0);
    assert.equal(r.kind, 'rate-limited');
    assert.equal(r.kind === 'rate-limited' && r.ack, null);
  });

  it('property: accepted + duplicates + rejected + rateLimited = received, and accepted per camera within burst + rate * t', () => {
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
          assert.equal(c.received, c.accepted + c.duplicates + c.rejected + c.rateLimited);
          for (const at of accepted.values()) {
            for (let a = 0; a < at.length; a++) for (let b = a; b < at.length; b++) assert.ok(b - a + 1 <= 4 + (5 * (at[b]! - at[a]!)) / 1000 + 1e-9);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
