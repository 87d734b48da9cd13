import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { DesiredConfigStore } from '../../src/control/desired-store';
import { InputError, readConfigInput, readControlInput } from '../../src/control/input';
import { readCameraConfigSettings, readControlSettings } from '../../src/control/settings';
import { createMessage } from '../../src/protocol';
import { ConfigError } from '../../src/runtime/settings';
import { seedConfig } from '../fixtures/samples';

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError || err instanceof ConfigError) return err.field;
    throw err;
  }
  throw new Error('did not throw');
}

const anyControl = readControlSettings({});

describe('control/settings', () => {
  it('reads the control defaults: any camera, any command, 10 s, no priority', () => {
    assert.deepEqual(readControlSettings({}), { camera: null, command: null, timeoutMs: 10_000, priority: null });
    assert.deepEqual(readControlSettings({ camera: 'CAM001', command: 'restart_camera', timeout: '2.5', priority: 'high' }), {
      camera: 'CAM001',
      command: 'restart_camera',
      timeoutMs: 2500,
      priority: 'high',
    });
    assert.equal(readControlSettings({ camera: '+' }).camera, null);
  });

  it('names the property at fault', () => {
    for (const camera of ['a/b', '#', 'a+b', ' x y ']) assert.equal(fieldOf(() => readControlSettings({ camera })), 'camera');
    assert.equal(fieldOf(() => readControlSettings({ command: 'rm -rf' })), 'command');
    for (const timeout of [0, -1, 'soon', 86_401]) assert.equal(fieldOf(() => readControlSettings({ timeout })), 'timeout');
    assert.equal(fieldOf(() => readControlSettings({ priority: 'urgent' })), 'priority');
  });

  it('reads the config defaults: detection_settings, persisted under the user dir', () => {
    const s = readCameraConfigSettings({}, 'n1', '/home/nr/.node-red');
    assert.deepEqual(s, { camera: null, configType: 'detection_settings', file: '/home/nr/.node-red/lpr-camera-config/n1.json', maxCameras: 10_000 });
    assert.equal(readCameraConfigSettings({ configType: '' }, 'n1', '/u').configType, null);
    assert.equal(readCameraConfigSettings({ persist: false }, 'n1', '/u').file, null);
    assert.equal(readCameraConfigSettings({ file: 'cfg/desired.json' }, 'n1', '/u').file, '/u/cfg/desired.json');
    assert.equal(readCameraConfigSettings({ file: '/abs/d.json' }, 'n1', '/u').file, '/abs/d.json');
    assert.equal(fieldOf(() => readCameraConfigSettings({ camera: 'a/b' }, 'n1', '/u')), 'camera');
    assert.equal(fieldOf(() => readCameraConfigSettings({ persist: 'maybe' }, 'n1', '/u')), 'persist');
    assert.equal(fieldOf(() => readCameraConfigSettings({ configType: 'x'.repeat(65) }, 'n1', '/u')), 'configType');
  });
});

describe('control/input: lpr-camera-control', () => {
  it('builds a valid Control with a fresh message_id and timestamp', () => {
    const { cameraId, control } = readControlInput(
      { camera: 'CAM001', payload: { command: 'restart_camera', parameters: { delay_seconds: 5, reason: 'scheduled_maintenance' }, priority: 'normal' } },
      anyControl,
    );
    assert.equal(cameraId, 'CAM001');
    assert.match(control.message_id, /^[0-9a-f-]{36}$/);
    assert.ok(Date.parse(control.timestamp) > 0);
    assert.deepEqual(
      { camera_id: control.camera_id, command: control.command, parameters: control.parameters, priority: control.priority },
      { camera_id: 'CAM001', command: 'restart_camera', parameters: { delay_seconds: 5, reason: 'scheduled_maintenance' }, priority: 'normal' },
    );
    const other = readControlInput({ camera: 'CAM001', payload: 'restart_camera' }, anyControl);
    assert.notEqual(other.control.message_id, control.message_id);
    assert.equal(other.control.parameters, undefined);
    assert.equal(other.control.priority, undefined);
  });

  it('copies the parameters, so the flow changing them later alters nothing', () => {
    const parameters = { exposure: { value: 10 } };
    const { control } = readControlInput({ camera: 'C1', payload: { command: 'set_exposure', parameters } }, anyControl);
    parameters.exposure.value = 99;
    assert.deepEqual(control.parameters, { exposure: { value: 10 } });
  });

  it('takes the node camera, command and priority, and refuses a message naming others', () => {
    const fixed = readControlSettings({ camera: 'CAM001', command: 'set_exposure', priority: 'high' });
    const { control } = readControlInput({ payload: 1712345678901 }, fixed);
    assert.deepEqual([control.camera_id, control.command, control.priority], ['CAM001', 'set_exposure', 'high']);
    assert.deepEqual(readControlInput({ camera: 'CAM001', payload: { command: 'set_exposure', parameters: { ev: 1 } } }, fixed).control.parameters, { ev: 1 });
    assert.equal(fieldOf(() => readControlInput({ camera: 'CAM002', payload: {} }, fixed)), 'msg.camera');
    assert.equal(fieldOf(() => readControlInput({ payload: { command: 'restart_camera' } }, fixed)), 'msg.payload.command');
    assert.equal(fieldOf(() => readControlInput({ payload: { priority: 'low' } }, fixed)), 'msg.payload.priority');
  });

  it('takes the camera from msg.payload.camera_id too (a Control-shaped payload), and refuses disagreement', () => {
    assert.equal(readControlInput({ payload: { camera_id: 'CAM007', command: 'restart_camera' } }, anyControl).cameraId, 'CAM007');
    assert.equal(readControlInput({ camera: 'CAM007', payload: { camera_id: 'CAM007', command: 'x' } }, anyControl).cameraId, 'CAM007');
    const fixed = readControlSettings({ camera: 'CAM001' });
    assert.equal(readControlInput({ payload: { camera_id: 'CAM001', command: 'x' } }, fixed).cameraId, 'CAM001');
    assert.equal(fieldOf(() => readControlInput({ camera: 'CAM001', payload: { camera_id: 'CAM002', command: 'x' } }, anyControl)), 'msg.payload.camera_id');
    assert.equal(fieldOf(() => readControlInput({ payload: { camera_id: 'CAM002', command: 'x' } }, fixed)), 'msg.payload.camera_id');
    assert.equal(fieldOf(() => readControlInput({ payload: { camera_id: 'a/b', command: 'x' } }, anyControl)), 'msg.payload.camera_id');
    assert.equal(fieldOf(() => readControlInput({ payload: { camera_id: 7, command: 'x' } }, anyControl)), 'msg.payload.camera_id');
  });

  it('rejects injection and bad input, naming the field', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ camera: 'a/b', payload: 'reboot' }, 'msg.camera'],
      [{ camera: '+', payload: 'reboot' }, 'msg.camera'],
      [{ camera: '#', payload: 'reboot' }, 'msg.camera'],
      [{ camera: '', payload: 'reboot' }, 'msg.camera'],
      [{ camera: 42, payload: 'reboot' }, 'msg.camera'],
      [{ payload: 'reboot' }, 'msg.camera'],
      [{ camera: 'C1', payload: { command: 'a/b' } }, 'msg.payload.command'],
      [{ camera: 'C1', payload: { command: '' } }, 'msg.payload.command'],
      [{ camera: 'C1', payload: {} }, 'msg.payload.command'],
      [{ camera: 'C1', payload: 5 }, 'msg.payload.command'],
      [{ camera: 'C1', payload: ['reboot'] }, 'msg.payload'],
      [{ camera: 'C1', payload: { command: 'x', parameters: [1] } }, 'msg.payload.parameters'],
      [{ camera: 'C1', payload: { command: 'x', parameters: 'fast' } }, 'msg.payload.parameters'],
      [{ camera: 'C1', payload: { command: 'x', parameters: null } }, 'msg.payload.parameters'],
      [{ camera: 'C1', payload: { command: 'x', priority: 'asap' } }, 'msg.payload.priority'],
      [{ camera: 'C1', payload: { command: 'x', parameters: JSON.parse('{"__proto__": {"polluted": 1}}') } }, 'msg.payload.parameters.__proto__'],
      [{ camera: 'C1', payload: { command: 'x', parameters: { big: 'x'.repeat(300_000) } } }, 'msg.payload.parameters'],
    ];
    for (const [msg, field] of cases) assert.equal(fieldOf(() => readControlInput(msg, anyControl)), field, JSON.stringify(msg).slice(0, 80));
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.match(fieldOf(() => readControlInput({ camera: 'C1', payload: { command: 'x', parameters: cyclic } }, anyControl)), /^msg\.payload\.parameters/);
  });

  it('property: any camera id that is not an identifier is refused, never built into a Control', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 70 }), (camera) => {
        fc.pre(!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(camera));
        assert.equal(fieldOf(() => readControlInput({ camera, payload: 'reboot' }, anyControl)), 'msg.camera');
      }),
    );
  });
});

describe('control/input: lpr-camera-config', () => {
  const settings = readCameraConfigSettings({ persist: false }, 'n', null);
  const data = () => seedConfig().config_data;

  it('builds a validated Config from config_data, for one camera or a list', () => {
    const one = readConfigInput({ camera: 'CAM001', payload: data() }, settings);
    assert.equal(one.action, 'set');
    if (one.action !== 'set') return;
    assert.equal(one.configs.length, 1);
    assert.deepEqual([one.configs[0]!.camera_id, one.configs[0]!.config_type], ['CAM001', 'detection_settings']);
    assert.deepEqual(one.configs[0]!.config_data, data());
    const many = readConfigInput({ camera: ['C1', 'C2', 'C1'], payload: data() }, settings);
    assert.ok(many.action === 'set' && many.configs.map((c) => c.camera_id).join() === 'C1,C2');
  });

  it('accepts a whole Config message, keeping extra fields and making a new envelope', () => {
    const full = { ...seedConfig(), revision: 7 };
    const result = readConfigInput({ payload: full }, settings);
    assert.ok(result.action === 'set');
    const config = result.configs[0]!;
    assert.equal(config.camera_id, 'CAM001');
    assert.equal((config as Record<string, unknown>).revision, 7);
    assert.notEqual(config.message_id, 'uuid-string');
  });

  it('takes config_type from the node, msg.config_type or the payload, and refuses disagreement', () => {
    const open = readCameraConfigSettings({ persist: false, configType: '' }, 'n', null);
    const r = readConfigInput({ camera: 'C1', config_type: 'network', payload: { dhcp: true } }, open);
    assert.ok(r.action === 'set' && r.configs[0]!.config_type === 'network' && r.configs[0]!.config_data.dhcp === true);
    assert.equal(fieldOf(() => readConfigInput({ camera: 'C1', payload: { dhcp: true } }, open)), 'msg.config_type');
    assert.equal(fieldOf(() => readConfigInput({ camera: 'C1', config_type: 'network', payload: data() }, settings)), 'msg.config_type');
    assert.equal(fieldOf(() => readConfigInput({ payload: { ...seedConfig(), config_type: 'network' } }, settings)), 'msg.payload.config_type');
  });

  it('names the invalid detection_settings field relative to msg.payload', () => {
    const bad = data();
    bad.confidence_threshold = 1.5;
    assert.equal(fieldOf(() => readConfigInput({ camera: 'C1', payload: bad }, settings)), 'msg.payload.confidence_threshold');
    const full = seedConfig();
    full.config_data.alert_settings.enable_alerts = 'yes';
    assert.equal(fieldOf(() => readConfigInput({ payload: full }, settings)), 'msg.payload.config_data.alert_settings.enable_alerts');
    const missing = data();
    delete missing.image_quality;
    try {
      readConfigInput({ camera: 'C1', payload: missing }, settings);
      assert.fail('accepted');
    } catch (err) {
      assert.ok(err instanceof InputError);
      assert.deepEqual((err.cause as { issues: Array<{ path: string }> }).issues.map((i) => i.path), ['msg.payload.image_quality']);
    }
  });

  it('refuses bad cameras, actions and payloads', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ camera: 'a/b', payload: data() }, 'msg.camera'],
      [{ camera: '+', payload: data() }, 'msg.camera'],
      [{ camera: '#', payload: data() }, 'msg.camera'],
      [{ camera: ['C1', 'a/#'], payload: data() }, 'msg.camera[1]'],
      [{ camera: [], payload: data() }, 'msg.camera'],
      [{ payload: data() }, 'msg.camera'],
      [{ payload: { ...seedConfig(), camera_id: 'x/y' } }, 'msg.payload.camera_id'],
      [{ camera: 'C2', payload: seedConfig() }, 'msg.payload.camera_id'],
      [{ camera: 'C1', payload: 'high' }, 'msg.payload'],
      [{ camera: 'C1', payload: [data()] }, 'msg.payload'],
      [{ camera: 'C1', action: 'delete' }, 'msg.action'],
      [{ action: 'forget' }, 'msg.camera'],
      [{ action: 'forget', camera: '+' }, 'msg.camera'],
    ];
    for (const [msg, field] of cases) assert.equal(fieldOf(() => readConfigInput(msg, settings)), field, JSON.stringify(msg).slice(0, 80));
    const fixed = readCameraConfigSettings({ persist: false, camera: 'CAM001' }, 'n', null);
    assert.equal(fieldOf(() => readConfigInput({ camera: 'CAM002', payload: data() }, fixed)), 'msg.camera');
    assert.deepEqual(readConfigInput({ action: 'get' }, settings), { action: 'get', camera: null, configType: 'detection_settings' });
    assert.deepEqual(readConfigInput({ action: 'forget' }, fixed), { action: 'forget', camera: 'CAM001', configType: 'detection_settings' });
  });
});

describe('control/desired-store', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lpr-desired-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const config = (camera: string, type = 'detection_settings', data: Record<string, unknown> = seedConfig().config_data) =>
    createMessage('configUpdate', { camera_id: camera, config_type: type, config_data: data });

  it('keeps one desired config per camera and type, persisted atomically and read back', () => {
    const file = path.join(dir, 'sub', 'desired.json');
    const store = new DesiredConfigStore(file, (err) => assert.fail(err), 10_000);
    store.set(config('C1'));
    store.set(config('C1', 'network', { dhcp: true }));
    const replaced = config('C2');
    store.set(config('C2'));
    store.set(replaced);
    assert.equal(store.size, 3);
    assert.equal(store.cameraCount, 2);
    assert.ok(store.dirty);
    assert.ok(!existsSync(file), 'not yet written (debounced)');
    store.flushSync();
    assert.ok(!existsSync(`${file}.tmp`));
    const again = new DesiredConfigStore(file);
    const { loaded, issues } = again.load();
    assert.equal(loaded, 3);
    assert.deepEqual(issues, []);
    assert.deepEqual(again.get('C2', 'detection_settings'), replaced);
    assert.deepEqual(again.all().map((c) => `${c.camera_id}/${c.config_type}`), ['C1/detection_settings', 'C1/network', 'C2/detection_settings']);
    assert.deepEqual(again.forget('C1', 'network').map((c) => c.config_type), ['network']);
    assert.deepEqual(again.forget('C1', null).length, 1);
    assert.deepEqual(again.forget('C9', null), []);
    assert.deepEqual(again.cameras(), ['C2']);
  });

  it('writes by itself shortly after a change', async () => {
    const file = path.join(dir, 'd.json');
    const store = new DesiredConfigStore(file, (err) => assert.fail(err), 20);
    store.set(config('C1'));
    await new Promise((r) => setTimeout(r, 100));
    // A header line, then one config per line.
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines[0], { lpr_desired_configs: 2 });
    assert.deepEqual(lines.slice(1).map((c) => c.camera_id), ['C1']);
  });

  it('skips bad entries and unreadable files with an issue, never throwing', () => {
    const file = path.join(dir, 'd.json');
    const bad = seedConfig();
    bad.config_data.image_quality = 'ultra';
    writeFileSync(file, JSON.stringify({ version: 1, configs: [config('C1'), bad, 'junk'] }));
    const store = new DesiredConfigStore(file);
    const { loaded, issues } = store.load();
    assert.equal(loaded, 1);
    assert.deepEqual(issues.map((i) => i.path), ['configs[1].config_data.image_quality', 'configs[2].(payload)']);
    writeFileSync(file, '{half');
    assert.equal(new DesiredConfigStore(file).load().issues[0]!.path, 'line 1');
    assert.equal(new DesiredConfigStore(path.join(dir, 'none.json')).load().loaded, 0);
    const memory = new DesiredConfigStore(null);
    memory.set(config('C1'));
    memory.flushSync();
  });
});
