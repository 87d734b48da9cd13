import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TopicTree, type Detection } from '../../src/protocol';
import { DetectionIntake, detectionMessages, readDetectionInSettings, type DetectionInSettings } from '../../src/runtime/detection-intake';
import { ConfigError } from '../../src/runtime/settings';
import { detection as makeDetection, seedDetection } from '../fixtures/samples';

const TOPIC = 'lprserver/cameras/CAM001/detection';
const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

function settings(overrides: Partial<DetectionInSettings> = {}): DetectionInSettings {
  return { ...readDetectionInSettings({}), ...overrides };
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigError');
}

describe('runtime/detection-intake', () => {
  describe('readDetectionInSettings', () => {
    it('has safe defaults', () => {
      assert.deepEqual(readDetectionInSettings({}), {
        camera: null,
        sharedGroup: null,
        ack: true,
        dedupeMs: 300_000,
        dedupeSize: 100_000,
        split: false,
        maxBytes: 262_144,
        rateLimit: 20,
        rateBurst: 1_000,
        rateAlertIntervalMs: 60_000,
      });
    });

    it("treats camera '' / '+' / '*' / blank as all cameras", () => {
      for (const camera of ['', '+', '*', '  ', ' + ', undefined, null]) {
        assert.equal(readDetectionInSettings({ camera }).camera, null, String(camera));
      }
      assert.equal(readDetectionInSettings({ camera: ' CAM001 ' }).camera, 'CAM001');
    });

    it('rejects a camera that would inject into the topic, naming the field', () => {
      for (const camera of ['CAM/1', '#', 'a+b', 'a b', '.x', 'x'.repeat(65), 5]) {
        const err = configError(() => readDetectionInSettings({ camera }));
        assert.equal(err.field, 'camera', String(camera));
        assert.ok(err.message.startsWith('camera: '), err.message);
        assert.ok(!err.message.startsWith('camera: camera:'), err.message);
      }
    });

    it('sharedGroup: empty is none, an identifier is kept, anything else is a ConfigError', () => {
      assert.equal(readDetectionInSettings({ sharedGroup: '' }).sharedGroup, null);
      assert.equal(readDetectionInSettings({ sharedGroup: '  ' }).sharedGroup, null);
      assert.equal(readDetectionInSettings({ sharedGroup: 'workers-1' }).sharedGroup, 'workers-1');
      for (const sharedGroup of ['a/b', '+', '#', 'a b', '-x']) {
        assert.equal(configError(() => readDetectionInSettings({ sharedGroup })).field, 'sharedGroup', sharedGroup);
      }
    });

    it('reads the other fields from editor strings and names them in errors', () => {
      const s = readDetectionInSettings({ ack: 'false', dedupe: '0', dedupeSize: '10', split: 'true', maxBytes: '1024' });
      assert.deepEqual(s, { camera: null, sharedGroup: null, ack: false, dedupeMs: 0, dedupeSize: 10, split: true, maxBytes: 1024, rateLimit: 20, rateBurst: 1_000, rateAlertIntervalMs: 60_000 });
      assert.equal(readDetectionInSettings({ dedupe: '1.5' }).dedupeMs, 1500);
      for (const [props, field] of [
        [{ ack: 'nope' }, 'ack'],
        [{ dedupe: -1 }, 'dedupe'],
        [{ dedupe: 'x' }, 'dedupe'],
        [{ dedupeSize: 0 }, 'dedupeSize'],
        [{ dedupeSize: 1.5 }, 'dedupeSize'],
        [{ split: 2 }, 'split'],
        [{ maxBytes: 0 }, 'maxBytes'],
      ] as const) {
        assert.equal(configError(() => readDetectionInSettings(props)).field, field);
      }
    });

    it('property: throws nothing but ConfigError', () => {
      const key = fc.constantFrom('camera', 'sharedGroup', 'ack', 'dedupe', 'dedupeSize', 'split', 'maxBytes');
      fc.assert(
        fc.property(fc.dictionary(key, fc.oneof(fc.anything(), fc.string()), { maxKeys: 4 }), (props) => {
          try {
            readDetectionInSettings(props);
          } catch (err) {
            assert.ok(err instanceof ConfigError, String(err));
            assert.ok(Object.keys(props).includes(err.field), err.field);
          }
        }),
        { numRuns: 1000 },
      );
    });
  });

  describe('DetectionIntake', () => {
    const tree = new TopicTree('lprserver');

    it('accepts the seed detection unchanged, with a received ack', () => {
      const intake = new DetectionIntake(tree, settings());
      const seed = seedDetection();
      const r = intake.handle(TOPIC, bytes(seed), 1000);
      assert.equal(r.kind, 'detection');
      if (r.kind !== 'detection') return;
      assert.deepEqual(r.detection, seed);
      assert.equal(r.cameraId, 'CAM001');
      assert.ok(r.ack);
      assert.equal(r.ack.status, 'received');
      assert.equal(r.ack.ack_id, 'uuid-string');
      assert.equal(r.ack.camera_id, 'CAM001');
      assert.equal(typeof r.ack.message_id, 'string');
      assert.notEqual(r.ack.message_id, 'uuid-string');
      assert.ok(!Number.isNaN(Date.parse(r.ack.timestamp)));
      assert.equal(r.ack.error, undefined);
      assert.deepEqual(intake.counts, { received: 1, accepted: 1, duplicates: 0, rejected: 0, deferred: 0 });
    });

    it('keeps unknown extra fields', () => {
      const intake = new DetectionIntake(tree, settings());
      const d: Record<string, any> = { ...seedDetection(), vendor_extra: { a: [1, 2] } };
      d.detection_data.plates[0].ocr_engine = 'v2';
      const r = intake.handle(TOPIC, bytes(d));
      assert.equal(r.kind, 'detection');
      if (r.kind === 'detection') assert.deepEqual(r.detection, d);
    });

    it('marks a repeated message_id as a duplicate, still acked received', () => {
      const intake = new DetectionIntake(tree, settings({ dedupeMs: 1000 }));
      assert.equal(intake.handle(TOPIC, bytes(seedDetection()), 0).kind, 'detection');
      const dup = intake.handle(TOPIC, bytes(seedDetection()), 500);
      assert.equal(dup.kind, 'duplicate');
      if (dup.kind !== 'duplicate') return;
      assert.equal(dup.ack?.status, 'received');
      assert.equal(dup.ack?.ack_id, 'uuid-string');
      assert.deepEqual(dup.detection, seedDetection());
      // After the window it is new again.
      assert.equal(intake.handle(TOPIC, bytes(seedDetection()), 1000).kind, 'detection');
      assert.deepEqual(intake.counts, { received: 3, accepted: 2, duplicates: 1, rejected: 0, deferred: 0 });
    });

    it('dedupes per camera: two cameras reusing a message_id are both emitted', () => {
      const intake = new DetectionIntake(tree, settings());
      assert.equal(intake.handle(TOPIC, bytes(makeDetection('CAM001', 'same-id')), 0).kind, 'detection');
      assert.equal(intake.handle('lprserver/cameras/CAM002/detection', bytes(makeDetection('CAM002', 'same-id')), 1).kind, 'detection');
      assert.equal(intake.handle(TOPIC, bytes(makeDetection('CAM001', 'same-id')), 2).kind, 'duplicate');
    });

    it('with dedupe 0 emits every copy; with ack false makes no acks', () => {
      const intake = new DetectionIntake(tree, settings({ dedupeMs: 0, ack: false }));
      for (let i = 0; i < 3; i++) {
        const r = intake.handle(TOPIC, bytes(seedDetection()));
        assert.equal(r.kind, 'detection');
        if (r.kind === 'detection') assert.equal(r.ack, null);
      }
      const bad = intake.handle(TOPIC, bytes({ ...seedDetection(), camera_id: 'CAM002' }));
      assert.equal(bad.kind, 'rejected');
      if (bad.kind === 'rejected') {
        assert.equal(bad.ack, null);
        assert.equal(bad.messageId, 'uuid-string');
      }
    });

    it('rejects a camera mismatch with a rejected ack for the salvaged message_id', () => {
      const intake = new DetectionIntake(tree, settings());
      const d = makeDetection('CAM002', 'm-42');
      // A pooled Buffer: a view at a non-zero offset of a bigger ArrayBuffer.
      const payload = Buffer.from(JSON.stringify(d));
      const r = intake.handle(TOPIC, payload);
      assert.equal(r.kind, 'rejected');
      if (r.kind !== 'rejected') return;
      assert.equal(r.error.code, 'camera_mismatch');
      assert.deepEqual(r.error.issues.map((i) => i.path), ['camera_id']);
      assert.equal(r.cameraId, 'CAM001');
      assert.equal(r.messageId, 'm-42');
      assert.ok(r.ack);
      assert.equal(r.ack.status, 'rejected');
      assert.equal(r.ack.ack_id, 'm-42');
      assert.equal(r.ack.camera_id, 'CAM001', 'acked on the topic camera');
      assert.equal(r.ack.error, r.error.message);
      assert.match(r.ack.error ?? '', /camera_id/);
      assert.deepEqual(intake.counts, { received: 1, accepted: 0, duplicates: 0, rejected: 1, deferred: 0 });
    });

    it('rejects a schema failure naming the field path, acked rejected', () => {
      const intake = new DetectionIntake(tree, settings());
      const d = seedDetection();
      d.detection_data.plates[0].confidence = 7;
      const r = intake.handle(TOPIC, bytes(d));
      assert.equal(r.kind, 'rejected');
      if (r.kind !== 'rejected') return;
      assert.equal(r.error.code, 'schema');
      assert.ok(r.error.issues.some((i) => i.path === 'detection_data.plates[0].confidence'), JSON.stringify(r.error.issues));
      assert.equal(r.ack?.status, 'rejected');
      assert.equal(r.ack?.ack_id, 'uuid-string');
    });

    it('rejects an oversize payload as too_large without salvaging an id or acking', () => {
      const intake = new DetectionIntake(tree, settings({ maxBytes: 200 }));
      const d = { ...seedDetection(), padding: 'x'.repeat(500) };
      const r = intake.handle(TOPIC, bytes(d));
      assert.equal(r.kind, 'rejected');
      if (r.kind !== 'rejected') return;
      assert.equal(r.error.code, 'too_large');
      assert.equal(r.messageId, null);
      assert.equal(r.ack, null);
    });

    it('rejects non-JSON, non-UTF-8 and too-deep payloads without an ack', () => {
      const intake = new DetectionIntake(tree, settings());
      const cases: Array<[Uint8Array, string]> = [
        [bytes('not json'), 'invalid_json'],
        [new Uint8Array(0), 'invalid_json'],
        [new Uint8Array([0xff, 0xfe, 0x7b]), 'invalid_utf8'],
        [bytes('['.repeat(100) + ']'.repeat(100)), 'too_deep'],
      ];
      for (const [payload, code] of cases) {
        const r = intake.handle(TOPIC, payload);
        assert.equal(r.kind, 'rejected');
        if (r.kind !== 'rejected') continue;
        assert.equal(r.error.code, code);
        assert.equal(r.ack, null);
        assert.equal(r.messageId, null);
      }
    });

    it('ignores topics that are not a camera detection as foreign, without counting them', () => {
      const intake = new DetectionIntake(tree, settings());
      for (const topic of [
        'lprserver/cameras/CAM001/detection/ack',
        'lprserver/cameras/CAM001/health',
        'other/cameras/CAM001/detection',
        'lprserver/cameras/+/detection',
        'lprserver/cameras/CAM 1/detection',
        'lprserver/system/status',
        '',
        'lprserver/cameras//detection',
      ]) {
        assert.deepEqual(intake.handle(topic, bytes(seedDetection())), { kind: 'foreign' }, topic);
      }
      assert.deepEqual(intake.counts, { received: 0, accepted: 0, duplicates: 0, rejected: 0, deferred: 0 });
    });

    it('works under a multi-level root', () => {
      const intake = new DetectionIntake(new TopicTree('site-a/lpr'), settings());
      assert.equal(intake.handle('site-a/lpr/cameras/CAM001/detection', bytes(seedDetection())).kind, 'detection');
      assert.equal(intake.handle(TOPIC, bytes(seedDetection())).kind, 'foreign');
    });

    it('property: handle() never throws, for any bytes and any topic', () => {
      const topic = fc.oneof(fc.string(), fc.constant(TOPIC), fc.string({ unit: fc.constantFrom('lprserver', 'cameras', 'CAM001', 'detection', '/', '+', '#', '$') }));
      const payload = fc.oneof(
        fc.uint8Array({ maxLength: 600 }),
        fc.json().map((j) => new TextEncoder().encode(j)),
        fc.jsonValue().map((v) => bytes({ ...seedDetection(), detection_data: v })),
        fc.record({ message_id: fc.oneof(fc.string(), fc.anything()), camera_id: fc.string() }).map(bytes),
        fc.uint8Array({ minLength: 8, maxLength: 64 }).map((u) => u.subarray(3)),
      );
      const intake = new DetectionIntake(tree, settings({ maxBytes: 512 }));
      fc.assert(
        fc.property(topic, payload, (t, p) => {
          const r = intake.handle(t, p);
          assert.ok(['detection', 'duplicate', 'rejected', 'foreign'].includes(r.kind));
          if (r.kind === 'rejected' && r.ack) assert.equal(r.ack.ack_id, r.messageId);
        }),
        { numRuns: 3000 },
      );
      const c = intake.counts;
      assert.equal(c.received, c.accepted + c.duplicates + c.rejected);
    });

    it('property: a valid detection with any id and camera is accepted once, then a duplicate', () => {
      const id = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/);
      fc.assert(
        fc.property(id, fc.string({ minLength: 1, maxLength: 128 }), (camera, messageId) => {
          const intake = new DetectionIntake(tree, settings());
          const d = makeDetection(camera, messageId);
          const t = tree.topic('detection', camera);
          const first = intake.handle(t, bytes(d));
          assert.equal(first.kind, 'detection');
          assert.equal(intake.handle(t, bytes(d)).kind, 'duplicate');
          if (first.kind === 'detection') assert.equal(first.ack?.ack_id, messageId);
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('detectionMessages', () => {
    const seed = seedDetection() as Detection;

    it('one msg with the detection and msg.lpr metadata', () => {
      const receivedAt = Date.parse('2024-01-15T10:30:01.250Z');
      const msgs = detectionMessages(TOPIC, seed, receivedAt, false);
      assert.deepEqual(msgs, [
        {
          topic: TOPIC,
          payload: seed,
          lpr: {
            type: 'detection',
            cameraId: 'CAM001',
            checkpointId: 'CP001',
            messageId: 'uuid-string',
            receivedAt,
            timestamp: '2024-01-15T10:30:00.000Z',
            timestampMs: Date.parse('2024-01-15T10:30:00Z'),
            timestampZoneless: false,
            latencyMs: 1250,
            site: {
              zone: 'UTC',
              era: 'gregorian',
              detected: { iso: '2024-01-15T10:30:00.000+00:00', time: '10:30:00', th: '15 ม.ค. 2024 10:30:00', en: '15 Jan 2024 10:30:00' },
              received: { iso: '2024-01-15T10:30:01.250+00:00', time: '10:30:01', th: '15 ม.ค. 2024 10:30:01', en: '15 Jan 2024 10:30:01' },
            },
          },
        },
      ]);
    });

    it('checkpointId is null when absent; latency follows the timestamp offset', () => {
      const d = { ...seedDetection(), timestamp: '2024-01-15T12:30:00+02:00' } as Detection;
      delete (d as Record<string, unknown>).checkpoint_id;
      const receivedAt = Date.parse('2024-01-15T10:30:00Z') + 40;
      const [m] = detectionMessages(TOPIC, d, receivedAt, false);
      assert.equal(m?.lpr.checkpointId, null);
      assert.equal(m?.lpr.latencyMs, 40);
    });

    it('a zone-less timestamp is read in the site time zone: msg.lpr has it in UTC, the payload as sent', () => {
      // Python's datetime.now().isoformat() on a camera set to Bangkok time.
      const d = { ...seedDetection(), timestamp: '2024-01-15T17:30:00.123456' } as Detection;
      const receivedAt = Date.parse('2024-01-15T10:30:01Z');
      const [bangkok] = detectionMessages(TOPIC, d, receivedAt, false, 'Asia/Bangkok');
      assert.equal((bangkok?.payload as Detection).timestamp, '2024-01-15T17:30:00.123456');
      assert.equal(bangkok?.lpr.timestamp, '2024-01-15T10:30:00.123Z');
      assert.equal(bangkok?.lpr.timestampMs, Date.parse('2024-01-15T10:30:00.123Z'));
      assert.equal(bangkok?.lpr.timestampZoneless, true);
      assert.equal(bangkok?.lpr.latencyMs, 877);
      const [utc] = detectionMessages(TOPIC, d, receivedAt, false);
      assert.equal(utc?.lpr.timestamp, '2024-01-15T17:30:00.123Z');
      assert.equal(utc?.lpr.latencyMs, receivedAt - Date.parse('2024-01-15T17:30:00.123Z'));
    });

    it('intake acks a zone-less detection received (it was rejected, and so lost)', () => {
      const intake = new DetectionIntake(new TopicTree('lprserver'), settings());
      const r = intake.handle(TOPIC, bytes({ ...seedDetection(), message_id: 'py-1', timestamp: '2026-12-04T03:13:45.123456' }), Date.parse('2026-12-04T03:13:46Z'));
      assert.equal(r.kind, 'detection');
      if (r.kind === 'detection') assert.equal(r.ack?.status, 'received');
    });

    it('split: one msg per plate with parts {id, index, count}', () => {
      const d = seedDetection();
      const plate = d.detection_data.plates[0];
      d.detection_data.plates = [plate, { ...plate, plate_index: 1, plate_number: 'XYZ9' }, { ...plate, plate_index: 2, plate_number: 'QQ1' }];
      d.detection_data.plates_count = 3;
      const receivedAt = Date.parse(d.timestamp) + 5;
      const msgs = detectionMessages(TOPIC, d as Detection, receivedAt, true);
      assert.equal(msgs.length, 3);
      msgs.forEach((m, index) => {
        assert.equal(m.topic, TOPIC);
        assert.deepEqual(m.payload, d.detection_data.plates[index]);
        assert.equal(m.detection, d);
        assert.equal(m.parts?.id, 'uuid-string');
        assert.equal(m.parts?.index, index);
        assert.equal(m.parts?.count, 3);
        assert.equal(m.lpr.plateIndex, index);
        assert.equal(m.lpr.messageId, 'uuid-string');
        assert.equal(m.lpr.latencyMs, 5);
      });
      // Each msg has its own lpr object (a flow that edits one does not change the others).
      assert.notEqual(msgs[0]?.lpr, msgs[1]?.lpr);
    });

    it('split: msg.lpr.plateKey is the plate normalised as the blacklist matches it (Thai digits, spaces, province)', () => {
      const d = seedDetection();
      const plate = d.detection_data.plates[0];
      const numbers = ['กข 1234', '๑กข ๑๒๓๔', 'abc-1234', 'กข1234 กรุงเทพมหานคร', '  '];
      d.detection_data.plates = numbers.map((plate_number, plate_index) => ({ ...plate, plate_index, plate_number }));
      d.detection_data.plates_count = numbers.length;
      const msgs = detectionMessages(TOPIC, d as Detection, Date.parse(d.timestamp), true);
      assert.deepEqual(msgs.map((m) => m.lpr.plateKey), ['กข1234', '1กข1234', 'ABC1234', 'กข1234', '']);
      // Not split: no single plate, so no plateKey.
      const [whole] = detectionMessages(TOPIC, d as Detection, Date.parse(d.timestamp), false);
      assert.equal(whole?.lpr.plateKey, undefined);
    });

    it('property: latencyMs = receivedAt - Date.parse(timestamp), split count = plates', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 4_000_000_000_000 }), fc.integer({ min: 0, max: 4_000_000_000_000 }), fc.integer({ min: 1, max: 5 }), (ts, rx, n) => {
          const d = seedDetection();
          d.timestamp = new Date(ts).toISOString();
          d.detection_data.plates = Array.from({ length: n }, (_, i) => ({ ...d.detection_data.plates[0], plate_index: i }));
          const [one] = detectionMessages(TOPIC, d as Detection, rx, false);
          assert.equal(one?.lpr.latencyMs, rx - ts);
          const parts = detectionMessages(TOPIC, d as Detection, rx, true);
          assert.equal(parts.length, n);
          assert.deepEqual(parts.map((p) => p.parts?.index), Array.from({ length: n }, (_, i) => i));
        }),
      );
    });
  });
});
