import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  createAck,
  createMessage,
  decodePayload,
  encodeMessage,
  MESSAGE_KINDS,
  newMessageId,
  nowIso,
  ValidationError,
  type MessageKind,
} from '../../src/protocol';
import { seedDetection } from '../fixtures/samples';
import { exampleOf } from './messages';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Asserts that `fn` throws a schema ValidationError naming exactly `paths` (in any order). */
function throwsNaming(fn: () => unknown, paths: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ValidationError, `expected ValidationError, got ${String(err)}`);
    assert.equal(err.code, 'schema');
    assert.deepEqual(err.issues.map((i) => i.path).sort(), [...paths].sort());
    for (const p of paths) assert.ok(err.message.includes(`${p}: `), `message does not name ${p}: ${err.message}`);
    return true;
  });
}

function draftOf(kind: MessageKind): Record<string, any> {
  const { message_id: _id, timestamp: _ts, ...draft } = exampleOf(kind);
  return draft;
}

describe('factories', () => {
  describe('newMessageId and nowIso', () => {
    it('makes distinct v4 UUIDs', () => {
      const ids = new Set(Array.from({ length: 100 }, newMessageId));
      assert.equal(ids.size, 100);
      for (const id of ids) assert.match(id, UUID);
    });

    it('formats a time as ISO 8601 UTC', () => {
      assert.equal(nowIso(Date.UTC(2024, 0, 15, 10, 30, 0)), '2024-01-15T10:30:00.000Z');
      assert.match(nowIso(), ISO_UTC);
    });
  });

  describe('createMessage', () => {
    it('fills a UUID message_id and a current ISO timestamp', () => {
      const before = Date.now();
      const d = createMessage('detection', draftOf('detection') as any);
      const after = Date.now();
      assert.match(d.message_id, UUID);
      assert.match(d.timestamp, ISO_UTC);
      const t = Date.parse(d.timestamp);
      assert.ok(t >= before && t <= after, `${d.timestamp} not between ${before} and ${after}`);
      assert.deepEqual({ ...d, message_id: 'x', timestamp: 'y' }, { ...seedDetection(), message_id: 'x', timestamp: 'y' });
    });

    it('gives each message its own id', () => {
      const a = createMessage('systemHealth', draftOf('systemHealth') as any);
      const b = createMessage('systemHealth', draftOf('systemHealth') as any);
      assert.notEqual(a.message_id, b.message_id);
    });

    it('keeps a given message_id and timestamp', () => {
      const d = createMessage('detection', seedDetection() as any);
      assert.equal(d.message_id, 'uuid-string');
      assert.equal(d.timestamp, '2024-01-15T10:30:00Z');
    });

    it('fills message_id and timestamp given as undefined', () => {
      const m = createMessage('configRequest', { camera_id: 'CAM001', message_id: undefined, timestamp: undefined });
      assert.match(m.message_id, UUID);
      assert.match(m.timestamp, ISO_UTC);
    });

    for (const kind of MESSAGE_KINDS) {
      it(`${kind}: builds a valid message from a PROTOCOL.md draft`, () => {
        const m = createMessage(kind, draftOf(kind) as any) as Record<string, unknown>;
        assert.match(String(m.message_id), UUID);
        assert.equal(decodePayload(kind, JSON.stringify(m)).ok, true);
      });
    }

    it('throws a ValidationError naming the bad fields of a draft', () => {
      throwsNaming(() => createMessage('detectionAck', { camera_id: 'CAM/1', ack_id: 'a', status: 'ok' as any }), ['camera_id', 'status']);
      const d = draftOf('detection');
      d.detection_data.plates[0].confidence = 2;
      throwsNaming(() => createMessage('detection', d as any), ['detection_data.plates[0].confidence']);
      throwsNaming(() => createMessage('systemAlerts', { level: 'info', source: 'x', message: 'm', timestamp: 'today' }), ['timestamp']);
      throwsNaming(() => createMessage('controlResponse', { camera_id: 'CAM001', status: 'success' } as any), ['request_id']);
    });

    it('keeps unknown extra fields', () => {
      const m = createMessage('systemAlerts', { ...draftOf('systemAlerts'), runbook: 'https://example.com/rb' } as any);
      assert.equal((m as Record<string, unknown>).runbook, 'https://example.com/rb');
    });
  });

  describe('createAck', () => {
    it('builds a received Ack for a detection', () => {
      const ack = createAck('CAM001', 'det-123', 'received');
      assert.equal(ack.camera_id, 'CAM001');
      assert.equal(ack.ack_id, 'det-123');
      assert.equal(ack.status, 'received');
      assert.equal('error' in ack, false);
      assert.match(ack.message_id, UUID);
      assert.match(ack.timestamp, ISO_UTC);
      assert.equal(decodePayload('detectionAck', JSON.stringify(ack), { topicCameraId: 'CAM001' }).ok, true);
    });

    it('builds a rejected Ack carrying the reason, cut to 4096 characters', () => {
      const ack = createAck('CAM001', 'det-123', 'rejected', 'detection_data.plates[0].confidence: too big');
      assert.equal(ack.status, 'rejected');
      assert.equal(ack.error, 'detection_data.plates[0].confidence: too big');
      const long = createAck('CAM001', 'det-123', 'rejected', 'e'.repeat(10_000));
      assert.equal(long.error?.length, 4096);
      assert.equal(decodePayload('detectionAck', JSON.stringify(long)).ok, true);
    });

    it('gives every ack its own message_id, in UUID form', () => {
      const ids = new Set<string>();
      for (let i = 0; i < 10_000; i++) ids.add(createAck('CAM001', 'det-123', 'received').message_id);
      assert.equal(ids.size, 10_000);
      for (const id of [...ids].slice(0, 100)) assert.match(id, UUID);
    });

    it('stamps the time of the millisecond it is made in (nowIso, cached per millisecond)', () => {
      for (const ms of [0, 1_700_000_000_000, 1_700_000_000_000, 1_700_000_000_001, Date.now()]) assert.equal(nowIso(ms), new Date(ms).toISOString());
      const before = Date.now();
      const ack = createAck('CAM001', 'det-123', 'received');
      const at = Date.parse(ack.timestamp);
      assert.ok(at >= before && at <= Date.now());
    });

    it('refuses a bad camera id or an empty ack id', () => {
      throwsNaming(() => createAck('CAM#1', 'det-123', 'received'), ['camera_id']);
      throwsNaming(() => createAck('CAM001', '', 'received'), ['ack_id']);
    });
  });

  describe('encodeMessage', () => {
    for (const kind of MESSAGE_KINDS) {
      it(`${kind}: round-trips through decodePayload`, () => {
        const message = createMessage(kind, draftOf(kind) as any);
        const wire = encodeMessage(kind, message);
        assert.equal(typeof wire, 'string');
        const decoded = decodePayload(kind, wire);
        assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.message);
        assert.deepEqual(decoded.value, message);
      });
    }

    it('refuses an invalid message, naming the field', () => {
      const d = seedDetection();
      d.camera_id = 'CAM 1';
      throwsNaming(() => encodeMessage('detection', d as any), ['camera_id']);
    });

    it('property: any valid detection built from generated fields round-trips', () => {
      const plate = fc.record({
        plate_index: fc.nat(255),
        plate_number: fc.string({ minLength: 1, maxLength: 32 }),
        confidence: fc.double({ min: 0, max: 1, noNaN: true }),
        province: fc.option(fc.string({ maxLength: 128 }), { nil: undefined }),
      });
      fc.assert(
        fc.property(
          fc.array(plate, { maxLength: 5 }),
          fc.double({ min: 0, max: 1e6, noNaN: true }),
          fc.dictionary(fc.string({ maxLength: 10 }).filter((k) => !['__proto__', 'constructor', 'prototype'].includes(k)), fc.jsonValue({ maxDepth: 3 }).filter((v) => !/"(__proto__|constructor|prototype)"/.test(JSON.stringify(v))), {
            maxKeys: 4,
          }),
          (plates, ms, metadata) => {
            const draft = {
              camera_id: 'CAM001',
              detection_data: {
                vehicles_count: 0,
                plates_count: plates.length,
                processing_time_ms: ms,
                confidence_score: 0.5,
                detection_type: 'lpr',
                vehicles: [],
                plates: plates.map((p) => JSON.parse(JSON.stringify(p))),
              },
              metadata: JSON.parse(JSON.stringify(metadata)),
            };
            const message = createMessage('detection', draft as any);
            const decoded = decodePayload('detection', encodeMessage('detection', message), { topicCameraId: 'CAM001' });
            assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.message);
            assert.deepEqual(decoded.value, JSON.parse(JSON.stringify(message)));
          },
        ),
        { numRuns: 150 },
      );
    });
  });
});
