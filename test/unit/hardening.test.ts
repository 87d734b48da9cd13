/** Input hardening found in the issue-7 review: each test pins one fix (see README "Input hardening"). */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BlacklistStore } from '../../src/blacklist/store';
import { DesiredConfigStore } from '../../src/control/desired-store';
import { InputError, readConfigInput, readControlInput } from '../../src/control/input';
import { readCameraConfigSettings, readControlSettings } from '../../src/control/settings';
import { CameraAgent, InputError as AgentInputError } from '../../src/edge/camera-agent';
import { createMessage, decodePayload, inspectData, TopicTree, validateMessage, ValidationError } from '../../src/protocol';
import { readEditorEntries } from '../../src/runtime/blacklist-settings';
import { ConfigError } from '../../src/runtime/settings';
import { seedDetection } from '../fixtures/samples';
import { waitUntil } from '../fixtures/wait';
import { helper } from '../nodes/harness';

/* eslint-disable @typescript-eslint/no-require-imports */
const blacklistNodes = [require('../../dist/lpr-blacklist.js'), require('../../dist/lpr-blacklist-update.js'), require('@node-red/nodes/core/common/25-catch.js')];

const controlSettings = readControlSettings({});
const configSettings = readCameraConfigSettings({ persist: false }, 'n1', null);

function thrown(fn: () => unknown): Error & Record<string, any> {
  try {
    fn();
  } catch (err) {
    return err as Error & Record<string, any>;
  }
  assert.fail('expected an error');
}

describe('input hardening', () => {
  describe('validateMessage / inspectData on objects from flows', () => {
    it('refuses NaN and ±Infinity anywhere, naming the path (JSON would turn them into null)', () => {
      for (const bad of [NaN, Infinity, -Infinity]) {
        const d = seedDetection();
        d.metadata.speed = bad;
        const r = validateMessage('detection', d);
        assert.ok(!r.ok);
        assert.equal(r.error.issues[0]!.path, 'metadata.speed');
        assert.match(r.error.message, /finite number/);
      }
      const nested = seedDetection();
      nested.metadata.sensors = [{ a: 1 }, { b: [0, NaN] }];
      const r = validateMessage('detection', nested);
      assert.ok(!r.ok && r.error.issues[0]!.path === 'metadata.sensors[1].b[1]');
    });

    it('refuses BigInt, functions and symbols, naming the path', () => {
      for (const bad of [10n, () => 1, Symbol('x')]) {
        const d = seedDetection();
        d.metadata.x = bad;
        const r = validateMessage('detection', d);
        assert.ok(!r.ok, typeof bad);
        assert.equal(r.error.issues[0]!.path, 'metadata.x');
        assert.match(r.error.message, /must be JSON data/);
      }
    });

    it('refuses an own __proto__ key (what the JSON node makes) and a cycle, naming them', () => {
      const d = { ...seedDetection(), metadata: JSON.parse('{"ok":1,"__proto__":{"polluted":true}}') };
      const r = validateMessage('detection', d);
      assert.ok(!r.ok && r.error.code === 'forbidden_key' && r.error.issues[0]!.path === 'metadata.__proto__');
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      const c = validateMessage('detection', { ...seedDetection(), metadata: cyclic });
      assert.ok(!c.ok && c.error.code === 'too_deep');
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });

    it('inspectData returns null for plain JSON data and a ValidationError otherwise', () => {
      assert.equal(inspectData(seedDetection()), null);
      const err = inspectData({ a: [{ constructor: 1 }] });
      assert.ok(err instanceof ValidationError);
      assert.equal(err.issues[0]!.path, 'a[0].constructor');
      assert.equal(inspectData(NaN)!.issues[0]!.path, '(payload)');
    });

    it('the MQTT path is unchanged: decoded JSON needs no value scan, and escapes of forbidden keys are still caught', () => {
      assert.ok(decodePayload('detection', JSON.stringify(seedDetection())).ok);
      const text = JSON.stringify(seedDetection()).replace('"weather"', '"\\u0063onstructor"');
      const r = decodePayload('detection', text);
      assert.ok(!r.ok && r.error.code === 'forbidden_key' && r.error.issues[0]!.path === 'metadata.constructor');
    });

    it('a number JSON.parse turns into Infinity (1e999, 400 digits) is refused on the MQTT path too, naming it', () => {
      for (const lit of ['1e999', '-1E+400', '9'.repeat(400)]) {
        const text = JSON.stringify(seedDetection()).replace('"weather":"clear"', `"weather":${lit}`);
        const r = decodePayload('detection', text);
        assert.ok(!r.ok, lit);
        assert.equal(r.error.issues[0]!.path, 'metadata.weather');
        assert.match(r.error.message, /finite number/);
      }
      // Large but finite numbers are fine.
      assert.ok(decodePayload('detection', JSON.stringify(seedDetection()).replace('"weather":"clear"', '"weather":1e300')).ok);
    });

    it('createMessage refuses NaN in a free-form field instead of publishing null', () => {
      const err = thrown(() => createMessage('systemAlerts', { level: 'info', source: 's', message: 'm', details: { load: NaN } }));
      assert.ok(err instanceof ValidationError);
      assert.equal(err.issues[0]!.path, 'details.load');
    });
  });

  describe('lpr-camera-control / lpr-camera-config inputs', () => {
    it('control: NaN or a BigInt in parameters is refused naming msg.payload.parameters.<field>', () => {
      for (const bad of [NaN, Infinity, 5n]) {
        const err = thrown(() => readControlInput({ camera: 'CAM001', payload: { command: 'restart_camera', parameters: { delay_seconds: bad } } }, controlSettings));
        assert.ok(err instanceof InputError, String(err));
        assert.equal(err.field, 'msg.payload.parameters.delay_seconds');
      }
    });

    it('config: a whole Config with an own __proto__ key is refused, not silently turned into a prototype', () => {
      const payload = JSON.parse('{"config_type":"custom","camera_id":"CAM001","config_data":{"a":1},"__proto__":{"injected":1}}');
      const err = thrown(() => readConfigInput({ payload }, { ...configSettings, configType: null }));
      assert.ok(err instanceof InputError, String(err));
      assert.equal(err.field, 'msg.payload.__proto__');
    });

    it('config: NaN in config_data of a free-form config type is refused naming its path', () => {
      const err = thrown(() => readConfigInput({ camera: 'CAM001', config_type: 'custom', payload: { limits: { max: NaN } } }, { ...configSettings, configType: null }));
      assert.ok(err instanceof InputError, String(err));
      assert.equal(err.field, 'msg.payload.limits.max');
    });
  });

  describe('lpr-camera (edge) input', () => {
    it('a detection from the flow with an own __proto__ key or NaN is refused naming the field', () => {
      const agent = new CameraAgent(
        { topics: new TopicTree(), connection: {} as never, publish: async () => {} },
        { cameraId: 'CAM001', checkpointId: null, awaitAck: true, requestConfig: false, ackTimeoutMs: 1000, bufferSize: 10, overflow: 'drop-oldest', file: null },
      );
      const proto = thrown(() => agent.prepare('detection', { ...seedDetection(), ...JSON.parse('{"__proto__":{"x":1}}') }));
      assert.ok(proto instanceof AgentInputError);
      assert.equal(proto.issues[0]!.path, '__proto__');
      const d = seedDetection();
      d.detection_data.plates[0].bbox = [1, 2, NaN, 4];
      const nan = thrown(() => agent.prepare('detection', d));
      assert.ok(nan instanceof AgentInputError);
      assert.equal(nan.issues[0]!.path, 'detection_data.plates[0].bbox[2]');
    });
  });

  describe('watch list: editor entries and the NDJSON file', () => {
    it('editor entries with a forbidden key are a ConfigError naming the row and key', () => {
      const err = thrown(() => readEditorEntries([{ plate_number: 'A1' }, { plate_number: 'B2', constructor: { x: 1 } }]));
      assert.ok(err instanceof ConfigError);
      assert.equal(err.field, 'entries[1].constructor');
    });

    it('a persisted line with a forbidden key is skipped and reported, the rest load', () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'lpr-hardening-'));
      try {
        const file = path.join(dir, 'list.ndjson');
        writeFileSync(file, ['{"plate_number":"GOOD1"}', '{"plate_number":"BAD1","constructor":{"a":1}}', '{"plate_number":"BAD2","x":{"__proto__":1}}', '{"plate_number":"GOOD2"}'].join('\n'));
        const store = new BlacklistStore([], file);
        const { loaded, issues } = store.load();
        assert.equal(loaded, 2);
        assert.deepEqual(
          issues.map((i) => i.path),
          ['line 2: constructor', 'line 3: x.__proto__'],
        );
        // What loaded can be published: the list holds nothing createMessage would refuse.
        createMessage('blacklistUpdates', { action: 'replace', entries: store.snapshot() });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('desired config file', () => {
    it('an entry with a forbidden key or too deep is skipped and reported; a good one loads', () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'lpr-hardening-'));
      try {
        const file = path.join(dir, 'desired.json');
        let deep = '1';
        for (let i = 0; i < 40; i++) deep = `{"d":${deep}}`;
        const good = { message_id: 'm1', timestamp: '2024-01-15T10:30:00Z', camera_id: 'CAM001', config_type: 'custom', config_data: { a: 1 } };
        writeFileSync(
          file,
          `{"version":1,"configs":[${JSON.stringify(good)},` +
            `{"message_id":"m2","timestamp":"2024-01-15T10:30:00Z","camera_id":"CAM002","config_type":"custom","config_data":{"constructor":{"prototype":1}}},` +
            `{"message_id":"m3","timestamp":"2024-01-15T10:30:00Z","camera_id":"CAM003","config_type":"custom","config_data":${deep}}]}`,
        );
        const store = new DesiredConfigStore(file);
        const { loaded, issues } = store.load();
        assert.equal(loaded, 1);
        assert.equal(issues.length, 2);
        assert.equal(issues[0]!.path, 'configs[1].config_data.constructor');
        assert.match(issues[1]!.message, /deeper than/);
        assert.deepEqual(store.cameras(), ['CAM001']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('lpr-blacklist-update input (Node-RED)', () => {
    beforeEach((done) => {
      helper.startServer(done);
    });
    afterEach(async () => {
      await helper.unload();
      await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
    });

    it('an entry with a constructor / __proto__ key or NaN is refused naming the path; the list is unchanged', async () => {
      await helper.load(blacklistNodes, [
        { id: 'list', type: 'lpr-blacklist', entries: [], persist: false, answerRequests: false },
        { id: 'update', type: 'lpr-blacklist-update', list: 'list', action: '', publish: false, wires: [['updated']] },
        { id: 'updated', type: 'helper' },
        { id: 'catcher', type: 'catch', scope: ['update'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper' },
      ]);
      const caught: any[] = [];
      const updated: any[] = [];
      helper.getNode('caught').on('input', (m: any) => caught.push(m));
      helper.getNode('updated').on('input', (m: any) => updated.push(m));
      const update = helper.getNode('update');
      update.receive({ action: 'add', payload: [{ plate_number: 'GOOD1' }, { plate_number: 'BAD1', constructor: 'x' }] });
      update.receive({ action: 'add', payload: JSON.parse('{"entries":[{"plate_number":"BAD2","__proto__":{"priority":"critical"}}]}') });
      update.receive({ action: 'add', payload: { plate_number: 'BAD3', score: NaN } });
      update.receive({ action: 'add', payload: { plate_number: 'GOOD2' } });
      await waitUntil(() => caught.length === 3 && updated.length === 1, 'three refusals and one update');
      assert.deepEqual(
        caught.map((c) => c.error.message.replace(/^Error: /, '').split(':')[0]),
        ['msg.payload[1].constructor', 'msg.payload.entries[0].__proto__', 'msg.payload.score'],
      );
      const list = helper.getNode('list') as any;
      assert.deepEqual(
        list.store.snapshot().map((e: any) => e.plate_number),
        ['GOOD2'],
      );
    });
  });
});
