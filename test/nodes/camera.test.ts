/**
 * lpr-camera end to end on a real Mosquitto: lpr-camera -> Mosquitto -> lpr-detection-in with acks,
 * mosquitto_sub/mosquitto_pub as an independent peer, resends, broker restarts, persistence,
 * injection attempts, and the will of a killed camera process (lpr-sim).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { mosquittoPub, mosquittoSub, type Subscriber } from '../fixtures/mqtt-cli';
import { sleep, waitUntil } from '../fixtures/wait';
import { brokerConfig, helper } from './harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const brokerNode = require('../../dist/lpr-broker.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cameraNode = require('../../dist/lpr-camera.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const detectionInNode = require('../../dist/lpr-detection-in.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
const NODES = [brokerNode, cameraNode, detectionInNode, catchNode];

const SIM = path.resolve(__dirname, '../../dist/bin/lpr-sim.js');
const BASE = 'lprserver/cameras/CAM001';

function body(plate = 'ABC1234', extra: Record<string, unknown> = {}): Record<string, any> {
  return {
    detection_data: {
      vehicles_count: 1,
      plates_count: 1,
      processing_time_ms: 120,
      confidence_score: 0.9,
      detection_type: 'lpr',
      vehicles: [{ vehicle_index: 0, vehicle_class: 'car' }],
      plates: [{ plate_index: 0, plate_number: plate, confidence: 0.9, province: 'Bangkok' }],
    },
    ...extra,
  };
}

function cameraDef(props: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'cam',
    type: 'lpr-camera',
    name: '',
    broker: 'cbroker',
    camera: 'CAM001',
    checkpoint: 'CP001',
    ack: true,
    ackTimeout: 1,
    bufferSize: 1000,
    overflow: 'drop-oldest',
    persist: false,
    file: '',
    requestConfig: false,
    wires: [['control'], ['config']],
    ...props,
  };
}

/** The camera side: its own lpr-broker, the camera, its outputs and a catch node. */
function cameraFlow(mosquitto: Mosquitto, props: Record<string, unknown> = {}, brokerProps: Record<string, unknown> = {}) {
  return [
    brokerConfig(mosquitto, { id: 'cbroker', name: 'camera broker', ...brokerProps }),
    cameraDef(props),
    { id: 'control', type: 'helper' },
    { id: 'config', type: 'helper' },
    { id: 'catcher', type: 'catch', scope: ['cam'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];
}

/** The server side: another lpr-broker and an acking, deduplicating lpr-detection-in. */
function serverFlow(mosquitto: Mosquitto, props: Record<string, unknown> = {}) {
  return [
    brokerConfig(mosquitto, { id: 'sbroker', name: 'server broker' }),
    { id: 'in', type: 'lpr-detection-in', broker: 'sbroker', camera: '', sharedGroup: '', ack: true, dedupe: 300, dedupeSize: 1000, split: false, maxBytes: 262144, wires: [['out']], ...props },
    { id: 'out', type: 'helper' },
  ];
}

function collect(nodeId: string): any[] {
  const seen: any[] = [];
  helper.getNode(nodeId).on('input', (msg: any) => seen.push(msg));
  return seen;
}

function agent(id = 'cam'): any {
  return (helper.getNode(id) as any).lprAgent;
}

/** Connected, every subscription sent, the SUBACKs back, and the camera's outbox online. */
async function ready(brokerIds: string[], cameraIds: string[] = ['cam']): Promise<void> {
  for (const id of brokerIds) {
    const conn = (helper.getNode(id) as any).connection;
    await waitUntil(() => conn.connected && [...conn.subs.values()].every((s: any) => s.active), `${id} connected and subscribed`);
  }
  for (const id of cameraIds) await waitUntil(() => agent(id).outbox.isOnline, `${id} online`);
  await sleep(150);
}

function errorsLogged(pattern: RegExp): string[] {
  return helper
    .log()
    .args.filter((a: any[]) => a[0]?.level === helper.log().ERROR && pattern.test(String(a[0].msg)))
    .map((a: any[]) => String(a[0].msg));
}

describe('lpr-camera on a real Mosquitto', function () {
  this.timeout(60_000);
  let mosquitto: Mosquitto;
  let tmp: string;

  before(async () => {
    mosquitto = await startMosquitto();
  });
  after(async () => {
    await mosquitto?.stop();
  });
  beforeEach((done) => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'lpr-camera-test-'));
    helper.startServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
    rmSync(tmp, { recursive: true, force: true });
  });

  it('round trip: lpr-camera -> Mosquitto -> lpr-detection-in, acks clear the outbox', async () => {
    await helper.load(NODES, [...cameraFlow(mosquitto), ...serverFlow(mosquitto)]);
    const out = collect('out');
    const caught = collect('caught');
    await ready(['cbroker', 'sbroker']);
    const cam = helper.getNode('cam');
    cam.receive({ topic: 'detection', payload: body('ABC1234') });
    cam.receive({ topic: 'detection', payload: body('กข1234', { message_id: 'own-id-1', timestamp: '2024-01-15T10:30:00Z', checkpoint_id: 'CP009' }) });
    cam.receive({ topic: 'detection', payload: body('1ABC234', { camera_id: 'CAM001' }) });
    await waitUntil(() => out.length === 3 && agent().outbox.size === 0, 'three detections delivered and acked');
    assert.deepEqual(out.map((m) => m.payload.detection_data.plates[0].plate_number), ['ABC1234', 'กข1234', '1ABC234']);
    for (const m of out) {
      assert.equal(m.topic, `${BASE}/detection`);
      assert.equal(m.payload.camera_id, 'CAM001');
      assert.ok(!Number.isNaN(Date.parse(m.payload.timestamp)));
    }
    assert.match(out[0].payload.message_id, /^[0-9a-f-]{36}$/, 'message_id filled with a UUID');
    assert.equal(out[0].payload.checkpoint_id, 'CP001', 'checkpoint from the node');
    assert.equal(out[1].payload.message_id, 'own-id-1', 'a given message_id is kept');
    assert.equal(out[1].payload.timestamp, '2024-01-15T10:30:00Z');
    assert.equal(out[1].payload.checkpoint_id, 'CP009', 'a given checkpoint is kept');
    const m = agent().metrics;
    assert.deepEqual([m.pending, m.sent, m.acked, m.resent, m.rejected], [0, 3, 3, 0, 0]);
    assert.equal(caught.length, 0);
  });

  it('talks to mosquitto_sub / mosquitto_pub as an independent peer (all six camera topics)', async () => {
    const sub = await mosquittoSub(mosquitto.port, `${BASE}/#`);
    try {
      await helper.load(NODES, cameraFlow(mosquitto, { requestConfig: true, ackTimeout: 30 }));
      const controls = collect('control');
      const configs = collect('config');
      const caught = collect('caught');
      await ready(['cbroker']);
      const cam = helper.getNode('cam');
      const mine = () => sub.messages.filter((m) => !m.payload.includes('"offline"'));

      // config/request once connected (requestConfig).
      await waitUntil(() => mine().some((m) => m.topic === `${BASE}/config/request`), 'a config/request');
      const request = JSON.parse(mine().find((m) => m.topic === `${BASE}/config/request`)!.payload);
      assert.equal(request.camera_id, 'CAM001');

      // A detection, acked by hand with mosquitto_pub.
      cam.receive({ topic: 'detection', payload: body() });
      await waitUntil(() => mine().some((m) => m.topic === `${BASE}/detection`), 'the detection');
      const detection = JSON.parse(mine().find((m) => m.topic === `${BASE}/detection`)!.payload);
      assert.equal(agent().outbox.size, 1);
      await mosquittoPub(mosquitto.port, `${BASE}/detection/ack`, JSON.stringify({ message_id: 'ack-1', timestamp: new Date().toISOString(), camera_id: 'CAM001', ack_id: detection.message_id, status: 'received' }));
      await waitUntil(() => agent().outbox.size === 0, 'the outbox cleared by the ack');

      // Health (retained), then a health/request answered with the last health under a new id.
      cam.receive({ topic: 'health', payload: { health_status: 'healthy', health_details: { cpu_usage: 12.5 } } });
      await waitUntil(() => mine().filter((m) => m.topic === `${BASE}/health`).length === 1, 'the health');
      await mosquittoPub(mosquitto.port, `${BASE}/health/request`, JSON.stringify({ message_id: 'hr-1', timestamp: new Date().toISOString() }), 0);
      await waitUntil(() => mine().filter((m) => m.topic === `${BASE}/health`).length === 2, 'the health answer');
      const [h1, h2] = mine().filter((m) => m.topic === `${BASE}/health`).map((m) => JSON.parse(m.payload));
      assert.notEqual(h1.message_id, h2.message_id);
      assert.deepEqual([h2.health_status, h2.health_details.cpu_usage], ['healthy', 12.5]);

      // A control command out of output 1, answered by wiring it back.
      const control = { message_id: 'ctl-1', timestamp: new Date().toISOString(), camera_id: 'CAM001', command: 'restart_camera', parameters: { delay_seconds: 5 } };
      await mosquittoPub(mosquitto.port, `${BASE}/control`, JSON.stringify(control), 2);
      await waitUntil(() => controls.length === 1, 'the control command on output 1');
      assert.equal(controls[0].topic, 'control');
      assert.deepEqual(controls[0].payload, control);
      assert.equal(controls[0].lpr.messageId, 'ctl-1');
      cam.receive({ ...controls[0], topic: 'control/response', payload: { status: 'success', result: { restarted: true } } });
      await waitUntil(() => mine().some((m) => m.topic === `${BASE}/control/response`), 'the control response');
      const response = JSON.parse(mine().find((m) => m.topic === `${BASE}/control/response`)!.payload);
      assert.deepEqual([response.request_id, response.status, response.result, response.camera_id], ['ctl-1', 'success', { restarted: true }, 'CAM001']);

      // A desired config out of output 2 (sent on once, although retained and published twice); the reported config back.
      const desired = { message_id: 'cfg-1', timestamp: new Date().toISOString(), camera_id: 'CAM001', config_type: 'detection_settings', config_data: { detection_interval: 500, confidence_threshold: 0.85, max_vehicles_per_frame: 3, image_quality: 'medium', enable_recording: false, recording_duration: 0 } };
      await mosquittoPub(mosquitto.port, `${BASE}/config/update`, JSON.stringify(desired), 2);
      await mosquittoPub(mosquitto.port, `${BASE}/config/update`, JSON.stringify(desired), 2);
      await waitUntil(() => configs.length === 1, 'the config update on output 2');
      assert.equal(configs[0].topic, 'config/update');
      assert.deepEqual(configs[0].payload, desired);
      cam.receive({ topic: 'config', payload: { config_type: 'detection_settings', config_data: desired.config_data } });
      await waitUntil(() => mine().some((m) => m.topic === `${BASE}/config`), 'the reported config');
      await sleep(200);
      assert.equal(configs.length, 1);

      // Invalid inbound messages go to the catch node, not to the outputs.
      await mosquittoPub(mosquitto.port, `${BASE}/control`, JSON.stringify({ ...control, message_id: 'ctl-2', camera_id: 'CAM002' }), 2);
      await mosquittoPub(mosquitto.port, `${BASE}/control`, JSON.stringify({ ...control, message_id: 'ctl-3', command: 'rm -rf /' }), 2);
      await waitUntil(() => caught.length === 2, 'two rejected control commands');
      assert.deepEqual(caught.map((c) => c.error.code), ['camera_mismatch', 'schema']);
      assert.deepEqual(caught[1].error.cause.issues.map((i: any) => i.path), ['command']);
      assert.equal(controls.length, 1);
      // Clean up the retained config/update and config for the other tests.
      await mosquittoPub(mosquitto.port, `${BASE}/config/update`, '', 2, true);
    } finally {
      sub.stop();
    }
  });

  it('resends an unacked detection with the same message_id; the server emits it once', async () => {
    // The server's acks are off: the camera keeps resending.
    await helper.load(NODES, [...cameraFlow(mosquitto, { ackTimeout: 0.3 }), ...serverFlow(mosquitto, { ack: false })]);
    const out = collect('out');
    await ready(['cbroker', 'sbroker']);
    const sub = await mosquittoSub(mosquitto.port, `${BASE}/detection`);
    try {
      helper.getNode('cam').receive({ topic: 'detection', payload: body('RSND001') });
      await sub.waitFor(3, 5000);
      const ids = sub.messages.map((m) => JSON.parse(m.payload).message_id);
      assert.equal(new Set(ids).size, 1, `one message_id, sent ${ids.length} times`);
      assert.ok(agent().metrics.resent >= 2);
      assert.equal(out.length, 1, 'the server flow got it once');
      await mosquittoPub(mosquitto.port, `${BASE}/detection/ack`, JSON.stringify({ message_id: 'a-r', timestamp: new Date().toISOString(), camera_id: 'CAM001', ack_id: ids[0], status: 'received' }));
      await waitUntil(() => agent().outbox.size === 0, 'acked');
      const sent = sub.messages.length;
      await sleep(1500);
      assert.equal(sub.messages.length, sent, 'no resend after the ack');
      assert.equal(out.length, 1);
    } finally {
      sub.stop();
    }
  });

  it('loses nothing across a broker kill and restart mid-stream (exact count, each once)', async () => {
    await helper.load(NODES, [...cameraFlow(mosquitto, { ackTimeout: 1 }), ...serverFlow(mosquitto)]);
    const out = collect('out');
    await ready(['cbroker', 'sbroker']);
    const cam = helper.getNode('cam');
    const plates = Array.from({ length: 40 }, (_, i) => `R${String(i).padStart(4, '0')}`);
    for (const p of plates.slice(0, 15)) cam.receive({ topic: 'detection', payload: body(p) });
    await sleep(20);
    await mosquitto.kill();
    // Sent while the broker is gone (some before the camera notices, some after).
    for (const p of plates.slice(15, 30)) {
      cam.receive({ topic: 'detection', payload: body(p) });
      await sleep(5);
    }
    await sleep(300);
    await mosquitto.start();
    for (const p of plates.slice(30)) cam.receive({ topic: 'detection', payload: body(p) });
    await waitUntil(() => agent().outbox.size === 0 && out.length >= 40, `all 40 delivered and acked (got ${out.length}, pending ${agent().outbox.size})`, 30_000);
    await sleep(500);
    const got = out.map((m) => m.payload.detection_data.plates[0].plate_number);
    assert.equal(got.length, 40, 'each detection reached the flow exactly once');
    assert.deepEqual([...got].sort(), [...plates].sort());
    assert.equal(agent().metrics.acked, 40);
  });

  it('says when its journal held an unreadable (truncated) record: a warning, the count in its status, the file kept aside', async () => {
    const file = path.join(tmp, 'torn', 'cam.ndjson');
    mkdirSync(path.dirname(file), { recursive: true });
    const good = { ...body('GOOD1'), message_id: 'kept-1', camera_id: 'CAM001', timestamp: new Date().toISOString() };
    const torn = JSON.stringify({ t: 'add', m: { ...good, message_id: 'torn-1' } }).slice(0, 60);
    writeFileSync(file, `${JSON.stringify({ t: 'add', m: good })}\n${torn}`);
    await helper.load(NODES, cameraFlow(mosquitto, { persist: true, file, ackTimeout: 30 }));
    const cam = helper.getNode('cam') as any;
    const shown: string[] = [];
    const status = cam.status.bind(cam);
    cam.status = (s: any) => (shown.push(String(s?.text ?? '')), status(s));
    assert.equal(agent().metrics.restored, 1);
    assert.equal(agent().metrics.corrupt, 1);
    const warnings = helper.log().args.filter((a: any[]) => a[0]?.level === helper.log().WARN && a[0]?.id === 'cam').map((a: any[]) => String(a[0].msg));
    assert.ok(warnings.some((w: string) => /1 unreadable record/.test(w) && w.includes('.corrupt-')), warnings.join('\n'));
    const aside = readdirSync(path.dirname(file)).filter((f) => f.startsWith('cam.ndjson.corrupt-'));
    assert.equal(aside.length, 1);
    assert.ok(readFileSync(path.join(path.dirname(file), aside[0]!), 'utf8').endsWith(torn));
    await ready(['cbroker']);
    cam.receive({ topic: 'detection', payload: body('NEXT1') });
    await waitUntil(() => shown.some((t) => /1 unreadable/.test(t)), `the count in the status (${shown.join(' | ')})`);
    await helper.unload();
  });

  it('keeps pending detections on disk across a node restart and delivers them', async () => {
    const file = path.join(tmp, 'journal', 'cam.ndjson');
    // First life: no server, so nothing is acked.
    await helper.load(NODES, cameraFlow(mosquitto, { persist: true, file, ackTimeout: 30 }));
    await ready(['cbroker']);
    const cam = helper.getNode('cam');
    for (const p of ['P1', 'P2', 'P3']) cam.receive({ topic: 'detection', payload: body(p) });
    await waitUntil(() => agent().metrics.sent === 3, 'three sent');
    const ids = agent().outbox.messages().map((d: any) => d.message_id);
    assert.equal(ids.length, 3);
    await helper.unload();
    assert.ok(existsSync(file));
    assert.deepEqual(readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l).m.message_id), ids);

    // Second life: a server is there now.
    await helper.load(NODES, [...cameraFlow(mosquitto, { persist: true, file, ackTimeout: 1 }), ...serverFlow(mosquitto)]);
    const out = collect('out');
    assert.equal(agent().metrics.restored, 3);
    await waitUntil(() => out.length === 3 && agent().outbox.size === 0, 'the restored detections delivered and acked', 15_000);
    // Same ids, each once (the order can change when a resend races the server's subscription).
    assert.deepEqual(out.map((m) => m.payload.message_id).sort(), [...ids].sort());
    await helper.unload();
    assert.equal(readFileSync(file, 'utf8'), '', 'nothing left in the journal');
  });

  it('reports a full buffer (reject-new) and a detection the server rejects to the catch node', async () => {
    await helper.load(NODES, cameraFlow(mosquitto, { bufferSize: 2, overflow: 'reject-new', ackTimeout: 30 }));
    const caught = collect('caught');
    await ready(['cbroker']);
    const cam = helper.getNode('cam');
    for (const p of ['F1', 'F2', 'F3']) cam.receive({ topic: 'detection', payload: body(p) });
    await waitUntil(() => caught.length === 1, 'the refusal');
    assert.equal(caught[0].error.code, 'outbox_full');
    assert.match(caught[0].error.message, /full \(2 /);
    assert.equal(agent().outbox.size, 2);
    const first = agent().outbox.messages()[0];
    await mosquittoPub(mosquitto.port, `${BASE}/detection/ack`, JSON.stringify({ message_id: 'a-x', timestamp: new Date().toISOString(), camera_id: 'CAM001', ack_id: first.message_id, status: 'rejected', error: 'plate_number: bad' }));
    await waitUntil(() => caught.length === 2, 'the rejection');
    assert.equal(caught[1].error.code, 'rejected');
    assert.match(caught[1].error.message, /rejected by the server: plate_number: bad/);
    assert.equal(caught[1].payload.message_id, first.message_id);
    assert.equal(agent().outbox.size, 1);
    assert.equal(agent().metrics.rejected, 1);
  });

  it('rejects invalid input naming the field and publishes nothing for it', async () => {
    await helper.load(NODES, cameraFlow(mosquitto, { ackTimeout: 30 }));
    const caught = collect('caught');
    await ready(['cbroker']);
    const cam = helper.getNode('cam');
    const bad = body();
    bad.detection_data.plates[0].confidence = 7;
    cam.receive({ topic: 'detection', payload: bad });
    cam.receive({ topic: 'health', payload: { health_status: 'great' } });
    cam.receive({ topic: 'control/response', payload: { status: 'success' } });
    cam.receive({ topic: 'detection', payload: 'ABC1234' });
    cam.receive({ topic: 'nonsense', payload: body() });
    cam.receive({ topic: 'detection', payload: body('BIG1', { metadata: { blob: 'x'.repeat(300 * 1024) } }) });
    await waitUntil(() => caught.length === 6, 'six errors');
    const messages = caught.map((c) => c.error.message);
    assert.match(messages[0], /msg\.payload\.detection_data\.plates\[0\]\.confidence/);
    assert.equal(caught[0].error.code, 'schema');
    assert.match(messages[1], /msg\.payload\.health_status/);
    assert.match(messages[2], /msg\.payload\.request_id/);
    assert.match(messages[3], /msg\.payload: must be an object/);
    assert.match(messages[4], /msg\.topic: must be "detection", "health", "config" or "control\/response"/);
    assert.match(messages[5], /msg\.payload: is \d+ bytes as JSON, over the 262144-byte limit/);
    assert.equal(caught[5].error.code, 'too_large');
    assert.equal(agent().metrics.sent, 0);
  });

  it('the edge-camera example flow runs: its injects publish a detection and a health', async () => {
    const example = JSON.parse(readFileSync(path.resolve(__dirname, '../../examples/flows/edge-camera.json'), 'utf8')) as any[];
    const flow = example.map((n) => {
      if (n.type === 'lpr-broker') return { ...n, broker: '127.0.0.1', port: mosquitto.port, reconnectPeriod: 0.2 };
      if (n.type === 'lpr-camera') return { ...n, camera: 'EXAMPLE1', file: path.join(tmp, 'example.ndjson') };
      return n;
    });
    const sub = await mosquittoSub(mosquitto.port, 'lprserver/cameras/EXAMPLE1/#');
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const core = ['20-inject.js', '21-debug.js', '90-comment.js'].map((f) => require(`@node-red/nodes/core/common/${f}`));
      await helper.load([...NODES, ...core], flow);
      const camId = example.find((n) => n.type === 'lpr-camera').id;
      await waitUntil(() => agent(camId).outbox.isOnline, 'the example camera online');
      helper.getNode('lpr-edge-inject-detection').receive({});
      await waitUntil(
        () => sub.messages.some((m) => m.topic.endsWith('/detection')) && sub.messages.some((m) => m.topic.endsWith('/health') && JSON.parse(m.payload).health_status === 'healthy'),
        'the example detection and health',
      );
      const detection = JSON.parse(sub.messages.find((m) => m.topic.endsWith('/detection'))!.payload);
      assert.deepEqual([detection.camera_id, detection.checkpoint_id, detection.detection_data.plates[0].plate_number], ['EXAMPLE1', 'CP001', 'ABC1234']);
      assert.ok(sub.messages.some((m) => m.topic.endsWith('/config/request')), 'requestConfig is on in the example');
    } finally {
      sub.stop();
    }
  });

  describe('injection attempts (fresh broker, mosquitto_sub on #)', function () {
    let clean: Mosquitto;
    let all: Subscriber;
    beforeEach(async () => {
      clean = await startMosquitto();
      all = await mosquittoSub(clean.port, '#');
    });
    afterEach(async () => {
      all.stop();
      await helper.unload();
      await clean.stop();
    });

    it("refuses a camera id 'a/b', '+' or '#' in the node config, and never connects", async () => {
      const flow: any[] = [brokerConfig(clean, { id: 'cbroker', birth: false })];
      ['a/b', '+', '#', 'CAM 1', ''].forEach((camera, i) => flow.push(cameraDef({ id: `bad${i}`, camera, wires: [[], []] })));
      await helper.load(NODES, flow);
      await sleep(800);
      for (let i = 0; i < 5; i++) assert.equal((helper.getNode(`bad${i}`) as any).lprAgent, undefined);
      const errors = errorsLogged(/invalid property camera: /);
      assert.equal(errors.length, 5, errors.join('\n'));
      assert.ok(errors.some((e) => /"\/", "\+" or "#"/.test(e)));
      assert.equal((helper.getNode('cbroker') as any).connection.state, 'idle', 'no camera registered, no connection');
      assert.equal(all.messages.length, 0);
    });

    it("rejects camera_id 'a/b', '+' or '#' in msg.payload (and a wildcard msg.topic) with nothing published", async () => {
      await helper.load(NODES, cameraFlow(clean, { ackTimeout: 30 }));
      const caught = collect('caught');
      await ready(['cbroker']);
      const cam = helper.getNode('cam');
      for (const camera_id of ['a/b', '+', '#', 'CAM002']) cam.receive({ topic: 'detection', payload: body('INJ1', { camera_id }) });
      cam.receive({ topic: 'health', payload: { camera_id: 'CAM001/../CAM002', health_status: 'healthy' } });
      cam.receive({ topic: 'detection/#', payload: body() });
      cam.receive({ topic: 'detection', payload: body('INJ2', { checkpoint_id: 'CP/+' }) });
      await waitUntil(() => caught.length === 7, 'seven errors');
      for (const c of caught.slice(0, 5)) {
        assert.match(c.error.message, /^(Error: )?msg\.payload\.camera_id: is ".*" but this camera is "CAM001"/);
        assert.equal(c.error.code, 'camera_mismatch');
      }
      assert.match(caught[5].error.message, /^(Error: )?msg\.topic:/);
      assert.match(caught[6].error.message, /msg\.payload\.checkpoint_id/);
      await sleep(300);
      assert.equal(all.messages.length, 0, 'nothing was published');
      // The pipeline itself works: a valid detection does get out.
      cam.receive({ topic: 'detection', payload: body('OK1') });
      await all.waitFor(1);
      await sleep(200);
      assert.deepEqual(all.messages.map((m) => m.topic), [`${BASE}/detection`]);
    });
  });

  it('keeps working after a modified-nodes redeploy (its lpr-broker stays up), with its pending detections', async () => {
    const file = path.join(tmp, 'redeploy.ndjson');
    const flow = cameraFlow(mosquitto, { persist: true, file, ackTimeout: 30 });
    await helper.load(NODES, flow);
    await ready(['cbroker']);
    helper.getNode('cam').receive({ topic: 'detection', payload: body('RD1') });
    await waitUntil(() => agent().metrics.sent === 1, 'sent');
    const [pending] = agent().outbox.messages();
    await helper.setFlows(flow.map((n: any) => (n.id === 'cam' ? { ...n, checkpoint: 'CP002' } : n)), 'nodes');
    await waitUntil(() => agent()?.outbox.isOnline === true, 'the redeployed camera online');
    assert.deepEqual(agent().outbox.messages(), [pending]);
    assert.equal(errorsLogged(/presence|will/).length, 0);
    // A changed camera id cannot reuse the connection's will: a clear error instead.
    await helper.setFlows(flow.map((n: any) => (n.id === 'cam' ? { ...n, camera: 'CAM002' } : n)), 'nodes');
    await sleep(100);
    assert.equal(errorsLogged(/already carries the will of camera CAM001/).length, 1);
  });

  it('a second lpr-camera on the same lpr-broker is refused (one will per connection)', async () => {
    await helper.load(NODES, [...cameraFlow(mosquitto), cameraDef({ id: 'cam2', camera: 'CAM002', wires: [[], []] })]);
    await sleep(100);
    assert.equal(errorsLogged(/already carries the will of camera CAM001; give each camera its own lpr-broker/).length, 1);
  });

  it('marks the camera offline through its will when its process is killed (lpr-sim, SIGKILL)', async () => {
    const child = spawn(process.execPath, [SIM, '--url', mosquitto.url, '--cameras', '1', '--prefix', 'KILL', '--rate', '2', '--health-interval', '1', '--ack-timeout', '1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    try {
      await waitUntil(() => /KILL001 connected/.test(stderr), 'lpr-sim connected', 10_000);
      const health = await mosquittoSub(mosquitto.port, 'lprserver/cameras/KILL001/health');
      try {
        await waitUntil(() => health.messages.some((m) => JSON.parse(m.payload).health_status !== 'offline'), 'an online health');
        child.kill('SIGKILL');
        assert.equal(await exited, 'SIGKILL');
        await waitUntil(() => JSON.parse(health.messages.at(-1)!.payload).health_status === 'offline', 'the will (offline health)', 10_000);
      } finally {
        health.stop();
      }
      // Retained: a subscriber arriving later still learns that the camera is offline.
      const late = await mosquittoSub(mosquitto.port, 'lprserver/cameras/KILL001/health');
      try {
        const [retained] = await late.waitFor(1);
        const will = JSON.parse(retained!.payload);
        assert.deepEqual([will.camera_id, will.health_status], ['KILL001', 'offline']);
      } finally {
        late.stop();
      }
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  it('a clean stop publishes the retained offline health (goodbye), a restart republishes the last health', async () => {
    await helper.load(NODES, cameraFlow(mosquitto, { camera: 'BYE01' }));
    await ready(['cbroker']);
    helper.getNode('cam').receive({ topic: 'health', payload: { health_status: 'warning' } });
    const sub = await mosquittoSub(mosquitto.port, 'lprserver/cameras/BYE01/health');
    try {
      await waitUntil(() => sub.messages.some((m) => JSON.parse(m.payload).health_status === 'warning'), 'the warning health');
      const conn = (helper.getNode('cbroker') as any).connection;
      // Drop the link: the camera comes back and says how it is again (its will may have said offline).
      conn.client.stream.destroy();
      await waitUntil(() => sub.messages.filter((m) => JSON.parse(m.payload).health_status === 'warning').length === 2, 'the health republished after the reconnect', 10_000);
      await helper.unload();
      await waitUntil(() => JSON.parse(sub.messages.at(-1)!.payload).health_status === 'offline', 'the goodbye');
    } finally {
      sub.stop();
    }
  });
});
