/**
 * The hand-written ack check (fast path) against the zod Ack schema it stands in for: it must never
 * accept what the schema rejects, and must accept the acks lpr-detection-in sends.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isCertainlyAck } from '../../src/protocol/fast-ack';
import { decodePayload } from '../../src/protocol/decode';
import { createAck, createRetryAck } from '../../src/protocol/factories';
import { POLICY } from '../../src/protocol/policy';

const schema = POLICY.detectionAck.schema;
const KEYS = ['message_id', 'timestamp', 'camera_id', 'ack_id', 'status', 'retry_after_ms', 'error', 'extra'];

const weird = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom('', 'x', 'x'.repeat(64), 'x'.repeat(65), 'x'.repeat(128), 'x'.repeat(129), 'e'.repeat(4096), 'e'.repeat(4097)),
  fc.constantFrom('received', 'rejected', 'retry', 'RECEIVED', 'done', 'CAM 1', '-bad', 'CAM001', '2024-01-15T10:30:00Z', '2024-02-30T10:30:00Z', '2024-01-15 10:30:00'),
  fc.constantFrom(-1, 0, -0, 0.5, 1, 250, 86_400_000, 86_400_001, 2 ** 53, 1e308, true, false, null, [], {}),
);

function acks(seed: number): Record<string, unknown>[] {
  const id = `det-${seed}`;
  return [createAck('CAM001', id, 'received'), createAck('CAM001', id, 'rejected', 'bad plate'), createRetryAck('CAM001', id, seed % 1000, 'rateLimit')].map((a) => JSON.parse(JSON.stringify(a)));
}

describe('fast ack check', () => {
  it("accepts lpr-detection-in's acks (the schema does too)", () => {
    for (let seed = 0; seed < 50; seed++) {
      for (const a of acks(seed)) {
        assert.equal(schema.safeParse(a).success, true);
        assert.equal(isCertainlyAck(a), true, JSON.stringify(a));
      }
    }
  });

  it('never accepts a mutated ack the schema rejects, and hands on what the schema would', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.array(fc.tuple(fc.constantFrom(...KEYS), weird, fc.boolean()), { minLength: 1, maxLength: 3 }), (seed, edits) => {
        const a = acks(seed)[seed % 3]!;
        for (const [key, value, remove] of edits) {
          if (remove) delete a[key];
          else a[key] = JSON.parse(JSON.stringify(value));
        }
        if (!isCertainlyAck(a)) return;
        const parsed = schema.safeParse(a);
        assert.equal(parsed.success, true, JSON.stringify(a));
        assert.deepEqual(parsed.data, a);
      }),
      { numRuns: 5000 },
    );
  });

  it('decodePayload still names what is wrong with an ack the fast path declines', () => {
    const bad = decodePayload('detectionAck', JSON.stringify({ ...acks(1)[2], retry_after_ms: undefined }));
    assert.equal(bad.ok, false);
    assert.equal(!bad.ok && bad.error.issues[0]?.path, 'retry_after_ms');
    const other = decodePayload('detectionAck', JSON.stringify(acks(1)[0]), { topicCameraId: 'CAM002' });
    assert.equal(!other.ok && other.error.code, 'camera_mismatch');
  });
});
