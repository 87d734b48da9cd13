import assert from 'node:assert/strict';
import {
  decodePayload,
  formatPath,
  MESSAGE_KINDS,
  validateMessage,
  ValidationError,
  WHOLE_PAYLOAD,
  type MessageKind,
} from '../../src/protocol';
import { seedConfig, seedControl, seedDetection, seedHealth } from '../fixtures/samples';
import { exampleOf } from './messages';

/** Decodes `message` as `kind` from its JSON and returns the error's issue paths (fails when it validates). */
function rejectedPaths(kind: MessageKind, message: unknown): string[] {
  const result = decodePayload(kind, JSON.stringify(message));
  assert.equal(result.ok, false, `expected ${kind} to be rejected: ${JSON.stringify(message).slice(0, 200)}`);
  if (result.ok) return [];
  assert.ok(result.error instanceof ValidationError);
  assert.equal(result.error.code, 'schema');
  return result.error.issues.map((i) => i.path);
}

function accepted(kind: MessageKind, message: unknown): Record<string, any> {
  const result = decodePayload(kind, JSON.stringify(message));
  if (!result.ok) assert.fail(`${kind} rejected: ${result.error.message}`);
  return result.value as Record<string, any>;
}

describe('schemas', () => {
  describe('the seed samples', () => {
    const seeds: Array<[MessageKind, () => Record<string, any>]> = [
      ['detection', seedDetection],
      ['health', seedHealth],
      ['config', seedConfig],
      ['configUpdate', seedConfig],
      ['control', seedControl],
    ];
    for (const [kind, make] of seeds) {
      it(`${kind}: the seed sample validates and decodes to itself`, () => {
        assert.deepEqual(accepted(kind, make()), make());
      });
    }
  });

  describe('examples built per PROTOCOL.md', () => {
    for (const kind of MESSAGE_KINDS) {
      it(`${kind} validates and decodes to itself`, () => {
        assert.deepEqual(accepted(kind, exampleOf(kind)), exampleOf(kind));
      });
    }

    it('accepts a minimal health will (health_status "offline" only)', () => {
      accepted('health', { message_id: 'w', timestamp: '2024-01-15T10:30:00Z', camera_id: 'CAM001', health_status: 'offline' });
    });

    it('accepts a rejected Ack with its error, and every ControlResponse status', () => {
      accepted('detectionAck', { ...exampleOf('detectionAck'), status: 'rejected', error: 'detection_data.plates[0].confidence: too big' });
      accepted('detectionAck', { ...exampleOf('detectionAck'), status: 'retry', retry_after_ms: 250 });
      for (const status of ['accepted', 'success', 'error', 'rejected']) {
        accepted('controlResponse', { ...exampleOf('controlResponse'), status });
      }
    });

    it('accepts every BlacklistUpdate action, an empty entry list and every match type', () => {
      for (const action of ['add', 'remove', 'replace']) accepted('blacklistUpdates', { ...exampleOf('blacklistUpdates'), action });
      accepted('blacklistUpdates', { ...exampleOf('blacklistUpdates'), action: 'replace', entries: [] });
      for (const type of ['exact', 'lookalike', 'fuzzy', 'pattern']) {
        const n = exampleOf('blacklistNotifications');
        accepted('blacklistNotifications', { ...n, match: { ...n.match, type, distance: 2 } });
      }
    });

    it('accepts the nulls PROTOCOL.md allows', () => {
      const n = exampleOf('blacklistNotifications');
      accepted('blacklistNotifications', { ...n, match: { ...n.match, province_match: null } });
      accepted('checkpointStatus', { ...exampleOf('checkpointStatus'), last_detection: null });
      accepted('checkpointAnalytics', { ...exampleOf('checkpointAnalytics'), avg_confidence: null, avg_processing_time_ms: null });
    });

    it('accepts a timestamp with an offset and with fractional seconds', () => {
      accepted('detection', { ...seedDetection(), timestamp: '2024-01-15T17:30:00+07:00' });
      accepted('detection', { ...seedDetection(), timestamp: '2024-01-15T10:30:00.123Z' });
    });

    it('accepts the timestamps cameras really write, in every message kind (kept as sent)', () => {
      const forms = ['2024-01-15T10:30:00.123456', '2024-01-15T10:30:00', '2024-01-15 10:30:00', '2024-01-15t10:30:00z', '2024-01-15T17:30:00+0700', '2024-01-15T17:30+07', '2024-01-15T10:30:00.123456789Z'];
      for (const timestamp of forms) {
        assert.equal(accepted('detection', { ...seedDetection(), timestamp }).timestamp, timestamp);
        accepted('health', { ...seedHealth(), timestamp, health_details: { ...seedHealth().health_details, last_detection: timestamp } });
        accepted('config', { ...seedConfig(), timestamp });
        accepted('control', { ...seedControl(), timestamp });
        accepted('checkpointAnalytics', { ...exampleOf('checkpointAnalytics'), window_start: timestamp, window_end: timestamp });
      }
    });

    it('words an unreadable timestamp with the forms it accepts', () => {
      for (const timestamp of ['yesterday', '2024-02-30T10:30:00Z', 1705314600000]) {
        const result = decodePayload('detection', JSON.stringify({ ...seedDetection(), timestamp }));
        assert.equal(result.ok, false);
        if (result.ok) continue;
        assert.match(result.error.message, /^timestamp: not a readable time; accepted: ISO 8601 \/ RFC 3339 such as 2026-12-04T10:15:30Z, .*site time zone/);
      }
    });

    it('accepts a system/status message without message_id (a will is fixed at connect)', () => {
      accepted('systemStatus', { status: 'offline', timestamp: '2024-01-15T10:30:00Z' });
    });
  });

  describe('unknown extra fields are kept', () => {
    it('at the top level and nested in a detection', () => {
      const d = seedDetection();
      d.firmware = { version: '1.2.3' };
      d.detection_data.model_version = 'yolo-v8';
      d.detection_data.plates[0].ocr_engine = 'paddle';
      d.detection_data.vehicles[0].speed_kmh = 42;
      d.metadata.extra = [1, 2, 3];
      const out = accepted('detection', d);
      assert.deepEqual(out.firmware, { version: '1.2.3' });
      assert.equal(out.detection_data.model_version, 'yolo-v8');
      assert.equal(out.detection_data.plates[0].ocr_engine, 'paddle');
      assert.equal(out.detection_data.vehicles[0].speed_kmh, 42);
      assert.deepEqual(out, d);
    });

    it('in health details, alerts, config data and blacklist entries', () => {
      const h = seedHealth();
      h.health_details.gpu_usage = 12;
      h.alerts[0].code = 'CPU_HIGH';
      assert.deepEqual(accepted('health', h), h);
      const c = seedConfig();
      c.config_data.night_mode = true;
      c.config_data.alert_settings.webhook = 'https://example.com';
      assert.deepEqual(accepted('config', c), c);
      const u = exampleOf('blacklistUpdates');
      u.entries[0].color = 'red';
      u.source = 'police-feed';
      assert.deepEqual(accepted('blacklistUpdates', u), u);
    });

    for (const kind of MESSAGE_KINDS) {
      it(`${kind}: keeps an unknown top-level field`, () => {
        const message = { ...exampleOf(kind), x_vendor: { anything: [true, null, 1.5] } };
        assert.deepEqual(accepted(kind, message).x_vendor, { anything: [true, null, 1.5] });
      });
    }
  });

  describe('invalid fields are named by their exact path', () => {
    type Case = [name: string, kind: MessageKind, mutate: (m: Record<string, any>) => void, path: string];
    const cases: Case[] = [
      ['plate confidence above 1', 'detection', (m) => (m.detection_data.plates[0].confidence = 1.5), 'detection_data.plates[0].confidence'],
      ['plate confidence missing', 'detection', (m) => delete m.detection_data.plates[0].confidence, 'detection_data.plates[0].confidence'],
      ['vehicle confidence negative', 'detection', (m) => (m.detection_data.vehicles[0].confidence = -0.1), 'detection_data.vehicles[0].confidence'],
      ['confidence_score above 1', 'detection', (m) => (m.detection_data.confidence_score = 95), 'detection_data.confidence_score'],
      ['plates_count negative', 'detection', (m) => (m.detection_data.plates_count = -1), 'detection_data.plates_count'],
      ['vehicles_count fractional', 'detection', (m) => (m.detection_data.vehicles_count = 1.5), 'detection_data.vehicles_count'],
      ['processing_time_ms negative', 'detection', (m) => (m.detection_data.processing_time_ms = -1), 'detection_data.processing_time_ms'],
      ['plate_number empty', 'detection', (m) => (m.detection_data.plates[0].plate_number = ''), 'detection_data.plates[0].plate_number'],
      ['plate_number too long', 'detection', (m) => (m.detection_data.plates[0].plate_number = 'X'.repeat(33)), 'detection_data.plates[0].plate_number'],
      ['bbox with three numbers', 'detection', (m) => (m.detection_data.vehicles[0].bbox = [1, 2, 3]), 'detection_data.vehicles[0].bbox'],
      ['bbox with a string', 'detection', (m) => (m.detection_data.plates[0].bbox = [1, 2, '3', 4]), 'detection_data.plates[0].bbox[2]'],
      ['vehicle year before cars', 'detection', (m) => (m.detection_data.vehicles[0].year = 1800), 'detection_data.vehicles[0].year'],
      ['plates not an array', 'detection', (m) => (m.detection_data.plates = {}), 'detection_data.plates'],
      ['detection_data missing', 'detection', (m) => delete m.detection_data, 'detection_data'],
      ['camera_id with a slash', 'detection', (m) => (m.camera_id = 'CAM/001'), 'camera_id'],
      ['camera_id a wildcard', 'detection', (m) => (m.camera_id = '+'), 'camera_id'],
      ['camera_id a number', 'detection', (m) => (m.camera_id = 1), 'camera_id'],
      ['checkpoint_id with a space', 'detection', (m) => (m.checkpoint_id = 'CP 1'), 'checkpoint_id'],
      ['timestamp not a date', 'detection', (m) => (m.timestamp = 'yesterday'), 'timestamp'],
      ['timestamp on no calendar', 'detection', (m) => (m.timestamp = '2024-02-30T10:30:00Z'), 'timestamp'],
      ['timestamp that Date.parse would take', 'detection', (m) => (m.timestamp = '1'), 'timestamp'],
      ['timestamp as epoch millis', 'detection', (m) => (m.timestamp = 1705314600000), 'timestamp'],
      ['message_id missing', 'detection', (m) => delete m.message_id, 'message_id'],
      ['message_id empty', 'detection', (m) => (m.message_id = ''), 'message_id'],
      ['metadata an array', 'detection', (m) => (m.metadata = []), 'metadata'],
      ['health_status unknown', 'health', (m) => (m.health_status = 'dead'), 'health_status'],
      ['cpu_usage over 100', 'health', (m) => (m.health_details.cpu_usage = 101), 'health_details.cpu_usage'],
      ['alert level unknown', 'health', (m) => (m.alerts[0].level = 'panic'), 'alerts[0].level'],
      ['health last_detection not a date', 'health', (m) => (m.health_details.last_detection = 'now'), 'health_details.last_detection'],
      ['confidence_threshold above 1', 'config', (m) => (m.config_data.confidence_threshold = 1.2), 'config_data.confidence_threshold'],
      ['image_quality unknown', 'config', (m) => (m.config_data.image_quality = 'ultra'), 'config_data.image_quality'],
      ['detection_interval missing', 'configUpdate', (m) => delete m.config_data.detection_interval, 'config_data.detection_interval'],
      ['notification channel empty', 'config', (m) => (m.config_data.alert_settings.notification_channels = ['']), 'config_data.alert_settings.notification_channels[0]'],
      ['config_type empty', 'config', (m) => (m.config_type = ''), 'config_type'],
      ['command with a space', 'control', (m) => (m.command = 'rm -rf'), 'command'],
      ['control priority unknown', 'control', (m) => (m.priority = 'urgent'), 'priority'],
      ['control parameters a string', 'control', (m) => (m.parameters = 'now'), 'parameters'],
      ['system control command missing', 'systemControl', (m) => delete m.command, 'command'],
      ['ack status unknown', 'detectionAck', (m) => (m.status = 'ok'), 'status'],
      ['retry ack without retry_after_ms', 'detectionAck', (m) => (m.status = 'retry'), 'retry_after_ms'],
      ['retry ack with a negative retry_after_ms', 'detectionAck', (m) => ((m.status = 'retry'), (m.retry_after_ms = -1)), 'retry_after_ms'],
      ['retry ack with a fractional retry_after_ms', 'detectionAck', (m) => ((m.status = 'retry'), (m.retry_after_ms = 1.5)), 'retry_after_ms'],
      ['ack_id empty', 'detectionAck', (m) => (m.ack_id = ''), 'ack_id'],
      ['ack camera_id missing', 'detectionAck', (m) => delete m.camera_id, 'camera_id'],
      ['request camera_id bad', 'configRequest', (m) => (m.camera_id = 'a+b'), 'camera_id'],
      ['request timestamp missing', 'blacklistRequest', (m) => delete m.timestamp, 'timestamp'],
      ['response status unknown', 'controlResponse', (m) => (m.status = 'done'), 'status'],
      ['response request_id missing', 'controlResponse', (m) => delete m.request_id, 'request_id'],
      ['blacklist action unknown', 'blacklistUpdates', (m) => (m.action = 'delete'), 'action'],
      ['blacklist entry priority unknown', 'blacklistUpdates', (m) => (m.entries[1].priority = 'urgent'), 'entries[1].priority'],
      ['blacklist entry plate empty', 'blacklistUpdates', (m) => (m.entries[0].plate_number = ''), 'entries[0].plate_number'],
      ['blacklist entry expires_at bad', 'blacklistUpdates', (m) => (m.entries[0].expires_at = 'never'), 'entries[0].expires_at'],
      ['blacklist entries missing', 'blacklistUpdates', (m) => delete m.entries, 'entries'],
      ['match type unknown', 'blacklistNotifications', (m) => (m.match.type = 'similar'), 'match.type'],
      ['match distance negative', 'blacklistNotifications', (m) => (m.match.distance = -1), 'match.distance'],
      ['province_match a string', 'blacklistNotifications', (m) => (m.match.province_match = 'yes'), 'match.province_match'],
      ['notification entry without plate', 'blacklistNotifications', (m) => delete m.entry.plate_number, 'entry.plate_number'],
      ['notification detection_message_id missing', 'blacklistNotifications', (m) => delete m.detection_message_id, 'detection_message_id'],
      ['checkpoint cameras.online negative', 'checkpointStatus', (m) => (m.cameras.online = -1), 'cameras.online'],
      ['checkpoint_id bad', 'checkpointStatus', (m) => (m.checkpoint_id = 'CP#1'), 'checkpoint_id'],
      ['avg_confidence above 1', 'checkpointAnalytics', (m) => (m.avg_confidence = 2), 'avg_confidence'],
      ['window_end not a date', 'checkpointAnalytics', (m) => (m.window_end = 'later'), 'window_end'],
      ['unique_plates fractional', 'checkpointAnalytics', (m) => (m.unique_plates = 0.5), 'unique_plates'],
      ['system health status unknown', 'systemHealth', (m) => (m.status = 'ok'), 'status'],
      ['system health cameras.total fractional', 'systemHealth', (m) => (m.cameras.total = 1.5), 'cameras.total'],
      ['alert level unknown', 'systemAlerts', (m) => (m.level = 'error'), 'level'],
      ['alert message empty', 'systemAlerts', (m) => (m.message = ''), 'message'],
      ['system status unknown', 'systemStatus', (m) => (m.status = 'up'), 'status'],
      ['log level unknown', 'systemLogs', (m) => (m.level = 'trace'), 'level'],
      ['monitoring message_id missing', 'systemMonitoring', (m) => delete m.message_id, 'message_id'],
    ];
    for (const [name, kind, mutate, path] of cases) {
      it(`${kind}: ${name} -> ${path}`, () => {
        const message = exampleOf(kind);
        mutate(message);
        assert.deepEqual(rejectedPaths(kind, message), [path]);
      });
    }

    it('reports a payload that is not an object at (payload)', () => {
      for (const payload of [[], 'text', 42, null, true]) {
        assert.deepEqual(rejectedPaths('detection', payload), [WHOLE_PAYLOAD]);
      }
    });

    it('reports several bad fields at once, with a message naming each', () => {
      const d = seedDetection();
      d.camera_id = 'a/b';
      d.detection_data.plates[0].confidence = 7;
      const result = decodePayload('detection', JSON.stringify(d));
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.deepEqual(result.error.issues.map((i) => i.path).sort(), ['camera_id', 'detection_data.plates[0].confidence']);
      assert.match(result.error.message, /camera_id: /);
      assert.match(result.error.message, /detection_data\.plates\[0\]\.confidence: /);
    });

    it('caps the issue list at 10', () => {
      const d = seedDetection();
      d.detection_data.plates = Array.from({ length: 20 }, (_, i) => ({ plate_index: i, plate_number: 'X', confidence: 2 }));
      const paths = rejectedPaths('detection', d);
      assert.equal(paths.length, 10);
      assert.equal(paths[0], 'detection_data.plates[0].confidence');
    });

    it('rejects non-finite numbers handed over as objects (no JSON to stop them)', () => {
      const d = seedDetection();
      d.detection_data.vehicles[0].bbox = [Infinity, 0, 1, 1];
      const result = validateMessage('detection', d);
      assert.equal(result.ok, false);
      if (!result.ok) assert.deepEqual(result.error.issues.map((i) => i.path), ['detection_data.vehicles[0].bbox[0]']);
      const n = seedDetection();
      n.detection_data.processing_time_ms = NaN;
      const nan = validateMessage('detection', n);
      assert.equal(nan.ok, false);
      if (!nan.ok) assert.deepEqual(nan.error.issues.map((i) => i.path), ['detection_data.processing_time_ms']);
    });
  });

  describe('config by config_type', () => {
    it('a detection_settings config with bad config_data fails only with config_data.* paths', () => {
      const c = seedConfig();
      c.config_data = { detection_interval: 0, confidence_threshold: 'high', image_quality: 'ultra', enable_recording: 'yes' };
      const paths = rejectedPaths('config', c);
      assert.ok(paths.length >= 4, `paths: ${paths.join(', ')}`);
      for (const p of paths) assert.match(p, /^config_data\./);
      for (const field of ['detection_interval', 'confidence_threshold', 'image_quality', 'enable_recording', 'max_vehicles_per_frame', 'recording_duration']) {
        assert.ok(paths.includes(`config_data.${field}`), `missing config_data.${field} in ${paths.join(', ')}`);
      }
    });

    it('another config_type carries any object', () => {
      for (const configData of [{}, { confidence_threshold: 'high', detection_interval: -5 }, { nested: { deep: [1, { a: null }] } }]) {
        const c = { ...seedConfig(), config_type: 'network_settings', config_data: configData };
        assert.deepEqual(accepted('configUpdate', c), c);
      }
    });

    it('config_data must still be an object whatever the config_type', () => {
      for (const configData of [[], 'x', 5, null]) {
        assert.deepEqual(rejectedPaths('config', { ...seedConfig(), config_type: 'network_settings', config_data: configData }), ['config_data']);
      }
    });
  });

  describe('formatPath', () => {
    it('writes dotted keys and [index] for array positions', () => {
      assert.equal(formatPath(['detection_data', 'plates', 0, 'confidence']), 'detection_data.plates[0].confidence');
      assert.equal(formatPath(['entries', 3]), 'entries[3]');
      assert.equal(formatPath([0, 'a']), '[0].a');
      assert.equal(formatPath([]), WHOLE_PAYLOAD);
      assert.equal(WHOLE_PAYLOAD, '(payload)');
    });
  });
});
