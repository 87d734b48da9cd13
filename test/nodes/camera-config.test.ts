/**
 * lpr-camera-config on a real Mosquitto: retained desired configs reach cameras that connect later,
 * drift is reported, config/request is answered, desired configs survive a restart, and bad
 * cameras publish nothing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { mosquittoPub, mosquittoSub } from '../fixtures/mqtt-cli';
import { seedConfig } from '../fixtures/samples';
import { sleep, waitUntil } from '../fixtures/wait';
import { brokerConfig, brokerNode, catchNode, collect, helper, waitReady } from './harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const configNode = require('../../dist/lpr-camera-config.js');
const nodes = [brokerNode, configNode, catchNode];

let tmp: string;

function flow(mosquitto: Mosquitto, props: Record<string, unknown> = {}) {
  return [
    brokerConfig(mosquitto, { birth: false }),
    {
      id: 'cfg',
      type: 'lpr-camera-config',
      broker: 'broker',
      camera: '',
      configType: 'detection_settings',
      persist: true,
      file: path.join(tmp, 'desired.json'),
      wires: [['reports'], ['published']],
      ...props,
    },
    { id: 'reports', type: 'helper' },
    { id: 'published', type: 'helper' },
    { id: 'catcher', type: 'catch', scope: ['cfg'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];
}

const data = () => seedConfig().config_data;
const topic = (camera: string, suffix: string) => `lprserver/cameras/${camera}/${suffix}`;

function reported(camera: string, configData: Record<string, unknown>, type = 'detection_settings') {
  return JSON.stringify({ message_id: `rep-${Math.random()}`, timestamp: new Date().toISOString(), camera_id: camera, config_type: type, config_data: configData });
}

/** A camera connecting now: the first message on its config/update topic (the retained desired config). */
async function cameraReceives(mosquitto: Mosquitto, camera: string, count = 1, trigger?: () => Promise<void>) {
  const client = await mqtt.connectAsync(mosquitto.url, { clientId: `cam-${camera}-${Date.now()}` });
  const got: Array<{ config: any; retain: boolean; qos: number }> = [];
  client.on('message', (_t, payload, packet) => got.push({ config: payload.length ? JSON.parse(payload.toString()) : null, retain: packet.retain, qos: packet.qos }));
  try {
    await client.subscribeAsync(topic(camera, 'config/update'), { qos: 2 });
    if (trigger) {
      await waitUntil(() => got.length >= 1, 'the retained config');
      await trigger();
    }
    await waitUntil(() => got.length >= count, `${count} config(s) on config/update`);
    return got;
  } finally {
    await client.endAsync();
  }
}

describe('lpr-camera-config on a real Mosquitto', function () {
  let mosquitto: Mosquitto;

  before(async () => {
    mosquitto = await startMosquitto();
  });
  after(async () => {
    await mosquitto?.stop();
  });
  beforeEach((done) => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'lpr-camera-config-'));
    helper.startServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
    rmSync(tmp, { recursive: true, force: true });
  });

  it('publishes the desired config retained with QoS 2; a camera that connects later gets it', async () => {
    await helper.load(nodes, flow(mosquitto));
    const published = collect('published');
    await waitReady('broker', 2);
    helper.getNode('cfg').receive({ camera: 'LATE1', payload: data(), topic: 'kept' });
    await waitUntil(() => published.length === 1, 'the confirmation on output 2');
    const sent = published[0].payload;
    assert.deepEqual([sent.camera_id, sent.config_type], ['LATE1', 'detection_settings']);
    assert.deepEqual(sent.config_data, data());
    assert.equal(published[0].topic, topic('LATE1', 'config/update'));
    assert.deepEqual([published[0].lpr.type, published[0].lpr.reason, published[0].lpr.cameraId], ['config-published', 'input', 'LATE1']);
    // An independent peer that subscribes only now: mosquitto_sub, then a raw client as the camera.
    const sub = await mosquittoSub(mosquitto.port, topic('LATE1', 'config/update'));
    try {
      const [retained] = await sub.waitFor(1);
      assert.deepEqual(JSON.parse(retained!.payload), sent);
    } finally {
      sub.stop();
    }
    const [got] = await cameraReceives(mosquitto, 'LATE1');
    assert.deepEqual(got!.config, sent);
    assert.equal(got!.retain, true);
    assert.equal(got!.qos, 2);
  });

  it('rolls one config out to a list of cameras, all of them retained', async () => {
    await helper.load(nodes, flow(mosquitto));
    const published = collect('published');
    await waitReady('broker', 2);
    const cameras = Array.from({ length: 40 }, (_, i) => `ROLL${i}`);
    helper.getNode('cfg').receive({ camera: cameras, payload: data() });
    await waitUntil(() => published.length === 40, '40 confirmations');
    const sub = await mosquittoSub(mosquitto.port, 'lprserver/cameras/+/config/update');
    try {
      const rolled = () => sub.messages.filter((m) => m.topic.startsWith('lprserver/cameras/ROLL'));
      await waitUntil(() => rolled().length === 40, '40 retained configs');
      assert.deepEqual(new Set(rolled().map((m) => JSON.parse(m.payload).camera_id)), new Set(cameras));
    } finally {
      sub.stop();
    }
  });

  it('reports drift field by field, in sync, and no desired config', async () => {
    await helper.load(nodes, flow(mosquitto));
    const reports = collect('reports');
    const published = collect('published');
    await waitReady('broker', 2);
    helper.getNode('cfg').receive({ camera: 'DRIFT1', payload: data() });
    await waitUntil(() => published.length === 1, 'the desired config published');

    const drifted = data();
    drifted.alert_settings.enable_alerts = false;
    await mosquittoPub(mosquitto.port, topic('DRIFT1', 'config'), reported('DRIFT1', drifted), 2);
    await mosquittoPub(mosquitto.port, topic('DRIFT1', 'config'), reported('DRIFT1', data()), 2);
    await mosquittoPub(mosquitto.port, topic('NODESIRED', 'config'), reported('NODESIRED', data()), 2);
    await waitUntil(() => reports.length === 3, 'three reports');
    const [first, second, third] = reports;
    assert.equal(first.payload.status, 'drifted');
    assert.deepEqual(first.payload.diff, [{ path: 'config_data.alert_settings.enable_alerts', desired: true, reported: false }]);
    assert.deepEqual(first.payload.desired, published[0].payload);
    assert.equal(first.payload.reported.config_data.alert_settings.enable_alerts, false);
    assert.deepEqual([first.topic, first.lpr.type, first.lpr.cameraId], [topic('DRIFT1', 'config'), 'config-report', 'DRIFT1']);
    assert.deepEqual([second.payload.status, second.payload.diff], ['in_sync', []]);
    assert.deepEqual([third.payload.camera_id, third.payload.status, third.payload.desired], ['NODESIRED', 'no_desired', null]);
  });

  it('answers config/request by republishing the desired config (and only its type when asked)', async () => {
    await helper.load(nodes, flow(mosquitto, { configType: '' }));
    const published = collect('published');
    await waitReady('broker', 2);
    helper.getNode('cfg').receive({ camera: 'REQ1', config_type: 'network', payload: { dhcp: false, ip: '10.0.0.5' } });
    helper.getNode('cfg').receive({ camera: 'REQ1', config_type: 'detection_settings', payload: data() });
    await waitUntil(() => published.length === 2, 'two desired configs published');
    const request = JSON.stringify({ message_id: 'req-1', timestamp: new Date().toISOString(), camera_id: 'REQ1' });
    const got = await cameraReceives(mosquitto, 'REQ1', 3, () => mosquittoPub(mosquitto.port, topic('REQ1', 'config/request'), request, 2));
    // The retained (latest) one first, then both types, live.
    assert.equal(got[0]!.retain, true);
    assert.equal(got[0]!.config.config_type, 'detection_settings');
    const live = got.slice(1);
    assert.deepEqual(live.map((g) => g.config.config_type).sort(), ['detection_settings', 'network']);
    for (const g of live) assert.deepEqual(g.config, published.find((p) => p.payload.config_type === g.config.config_type)!.payload, 'republished unchanged');
    await waitUntil(() => published.filter((p) => p.lpr.reason === 'request').length === 2, 'confirmations of the answers');

    await sleep(1100); // one answer per camera per second
    const typed = JSON.stringify({ message_id: 'req-2', timestamp: new Date().toISOString(), camera_id: 'REQ1', config_type: 'network' });
    const before = published.length;
    await mosquittoPub(mosquitto.port, topic('REQ1', 'config/request'), typed, 2);
    await waitUntil(() => published.length === before + 1, 'one answer');
    await sleep(200);
    assert.equal(published.length, before + 1);
    assert.equal(published[before].payload.config_type, 'network');
  });

  it('keeps the desired config across a restart (unload + load) and answers a request from the file', async () => {
    const file = path.join(tmp, 'persist.json');
    await helper.load(nodes, flow(mosquitto, { file }));
    let published = collect('published');
    await waitReady('broker', 2);
    helper.getNode('cfg').receive({ camera: 'PERSIST1', payload: data() });
    await waitUntil(() => published.length === 1, 'published');
    const sent = published[0].payload;
    await helper.unload();
    assert.ok(existsSync(file));
    // A header line, then one config per line.
    assert.deepEqual(readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => JSON.parse(l)), [sent]);
    // Clear the broker's retained copy: after the restart only the file knows the desired config.
    await mosquittoPub(mosquitto.port, topic('PERSIST1', 'config/update'), '', 2, true);

    await helper.load(nodes, flow(mosquitto, { file }));
    published = collect('published');
    await waitReady('broker', 2);
    helper.getNode('cfg').receive({ action: 'get' });
    await waitUntil(() => published.length === 1, 'the get answer');
    assert.deepEqual(published[0].payload, [sent]);
    assert.equal(published[0].lpr.type, 'desired-configs');

    const request = JSON.stringify({ message_id: 'req-p', timestamp: new Date().toISOString(), camera_id: 'PERSIST1' });
    const client = await mqtt.connectAsync(mosquitto.url);
    try {
      const got: any[] = [];
      client.on('message', (_t, p) => got.push(JSON.parse(p.toString())));
      await client.subscribeAsync(topic('PERSIST1', 'config/update'), { qos: 2 });
      await sleep(100);
      assert.equal(got.length, 0, 'nothing retained any more');
      await mosquittoPub(mosquitto.port, topic('PERSIST1', 'config/request'), request, 2);
      await waitUntil(() => got.length === 1, 'the answer from the restored desired config');
      assert.deepEqual(got[0], sent);
    } finally {
      await client.endAsync();
    }
    // And the drift report still compares against it.
    const reports = collect('reports');
    const changed = data();
    changed.confidence_threshold = 0.5;
    await mosquittoPub(mosquitto.port, topic('PERSIST1', 'config'), reported('PERSIST1', changed), 2);
    await waitUntil(() => reports.length === 1, 'a report');
    assert.deepEqual(reports[0].payload.diff, [{ path: 'config_data.confidence_threshold', desired: 0.8, reported: 0.5 }]);
  });

  it('forget removes the desired config and clears the retained config/update', async () => {
    await helper.load(nodes, flow(mosquitto));
    const published = collect('published');
    await waitReady('broker', 2);
    helper.getNode('cfg').receive({ camera: 'GONE1', payload: data() });
    await waitUntil(() => published.length === 1, 'published');
    helper.getNode('cfg').receive({ action: 'forget', camera: 'GONE1' });
    await sleep(300);
    helper.getNode('cfg').receive({ action: 'get' });
    await waitUntil(() => published.length === 2, 'the get answer');
    assert.deepEqual(published[1].payload, []);
    const client = await mqtt.connectAsync(mosquitto.url);
    try {
      const got: Buffer[] = [];
      client.on('message', (_t, p) => got.push(p));
      await client.subscribeAsync(topic('GONE1', 'config/update'), { qos: 2 });
      await sleep(300);
      assert.equal(got.length, 0, 'no retained config/update left');
    } finally {
      await client.endAsync();
    }
  });

  it('refuses an invalid detection_settings config, naming the field, and publishes nothing', async () => {
    await helper.load(nodes, flow(mosquitto));
    const caught = collect('caught');
    const published = collect('published');
    await waitReady('broker', 2);
    const bad = data();
    bad.alert_settings.alert_confidence_threshold = 2;
    helper.getNode('cfg').receive({ camera: ['BAD1', 'BAD2'], payload: bad });
    await waitUntil(() => caught.length === 1, 'the error');
    assert.match(caught[0].error.message, /msg\.payload\.alert_settings\.alert_confidence_threshold/);
    assert.equal(caught[0].error.cause.issues[0].path, 'msg.payload.alert_settings.alert_confidence_threshold');
    await sleep(200);
    assert.equal(published.length, 0);
    helper.getNode('cfg').receive({ action: 'get' });
    await waitUntil(() => published.length === 1, 'the get answer');
    assert.deepEqual(published[0].payload, [], 'nothing stored as desired either');
  });

  describe('injection attempts publish nothing', function () {
    let fresh: Mosquitto;
    before(async () => {
      fresh = await startMosquitto();
    });
    after(async () => {
      await fresh?.stop();
    });

    it('refuses camera a/b, +, # from msg.camera (alone or in a list); mosquitto_sub on # sees only the valid config', async () => {
      await helper.load(nodes, flow(fresh));
      const caught = collect('caught');
      await waitReady('broker', 2);
      const all = await mosquittoSub(fresh.port, '#');
      try {
        const cfg = helper.getNode('cfg');
        const bad: Array<[Record<string, unknown>, string]> = [
          [{ camera: 'a/b', payload: data() }, 'msg.camera'],
          [{ camera: '+', payload: data() }, 'msg.camera'],
          [{ camera: '#', payload: data() }, 'msg.camera'],
          [{ camera: ['OK1', 'x/#'], payload: data() }, 'msg.camera[1]'],
          [{ payload: { ...seedConfig(), camera_id: '+' } }, 'msg.payload.camera_id'],
          [{ action: 'forget', camera: '#' }, 'msg.camera'],
        ];
        for (const [msg] of bad) cfg.receive(msg);
        await waitUntil(() => caught.length === bad.length, `${bad.length} errors`);
        bad.forEach(([, field], i) => assert.ok(caught[i].error.message.startsWith(`InputError: ${field}: `), caught[i].error.message));
        assert.ok(caught.every((m) => m.error.code === 'invalid_input'));
        cfg.receive({ camera: 'OK1', payload: data() });
        await all.waitFor(1);
        await sleep(300);
        assert.deepEqual(all.messages.map((m) => m.topic), [topic('OK1', 'config/update')]);
      } finally {
        all.stop();
        await mosquittoPub(fresh.port, topic('OK1', 'config/update'), '', 2, true);
      }
    });

    for (const camera of ['a/b', '#', '+/x']) {
      it(`a node configured with camera ${JSON.stringify(camera)} does not start and publishes nothing`, async () => {
        await helper.load(nodes, flow(fresh, { camera }));
        const all = await mosquittoSub(fresh.port, '#');
        try {
          helper.getNode('cfg').receive({ payload: data() });
          helper.getNode('cfg').receive({ camera: 'OK2', payload: data() });
          await sleep(500);
          assert.deepEqual(all.messages, []);
          const errors = helper.log().args.filter((a: any[]) => a[0]?.level === helper.log().ERROR && a[0]?.id === 'cfg');
          assert.ok(errors.some((a: any[]) => /invalid property camera: /.test(String(a[0].msg))));
        } finally {
          all.stop();
        }
      });
    }
  });
});

/**
 * Issue 13 finding 3: a reconnect brings every retained reported config again. An unchanged one must
 * not come out again; one that changed while the link was down must.
 */
describe('lpr-camera-config across reconnects (retained reports are not news)', function () {
  this.timeout(30_000);
  let mosquitto: Mosquitto;

  before(async () => {
    mosquitto = await startMosquitto({ persistence: true });
  });
  after(async () => {
    await mosquitto?.stop();
  });
  beforeEach((done) => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'lpr-camera-config-'));
    helper.startServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
    rmSync(tmp, { recursive: true, force: true });
  });

  const cases = [
    { name: 'MQTT 3.1.1, clean session, link dropped', protocolVersion: 4, cleanSession: true, fault: 'drop' },
    { name: 'MQTT 3.1.1, clean session, broker restarted', protocolVersion: 4, cleanSession: true, fault: 'restart' },
    { name: 'MQTT 5, persistent session, link dropped', protocolVersion: 5, cleanSession: false, fault: 'drop' },
    { name: 'MQTT 5, persistent session, broker restarted', protocolVersion: 5, cleanSession: false, fault: 'restart' },
  ] as const;

  for (const c of cases) {
    it(`${c.name}: an unchanged reported config is not reported again; a new one is`, async () => {
      const tag = `${c.protocolVersion}${c.cleanSession ? 'c' : 'p'}${c.fault}`;
      const [same, changed] = [`SAME${tag}`, `CHG${tag}`];
      const flowDef = flow(mosquitto);
      // A slow first retry (1-2 s) leaves time to publish while the link is down.
      Object.assign(flowDef[0]!, { protocolVersion: c.protocolVersion, cleanSession: c.cleanSession, sessionExpiry: 300, clientId: `cfg-${tag}`, reconnectPeriod: 2 });
      await helper.load(nodes, flowDef);
      const reports = collect('reports');
      const broker = helper.getNode('broker') as any;
      let subscribed = 0;
      broker.connection.on('subscribed', () => subscribed++);
      await waitReady('broker', 2);
      try {
        await mosquittoPub(mosquitto.port, topic(same, 'config'), reported(same, data()), 2, true);
        await mosquittoPub(mosquitto.port, topic(changed, 'config'), reported(changed, data()), 2, true);
        await waitUntil(() => reports.length === 2, 'both reports');

        const connections = broker.connection.metrics.connectionsTotal;
        subscribed = 0;
        const update = data();
        update.confidence_threshold = 0.42;
        if (c.fault === 'drop') {
          broker.connection.client.stream.destroy();
          await waitUntil(() => broker.connection.state === 'disconnected', 'link down');
          await mosquittoPub(mosquitto.port, topic(changed, 'config'), reported(changed, update), 2, true);
        } else await mosquitto.restart();
        await waitUntil(() => broker.connection.metrics.connectionsTotal === connections + 1 && subscribed >= 2, 'reconnected and resubscribed', 15_000);
        if (c.fault === 'restart') await mosquittoPub(mosquitto.port, topic(changed, 'config'), reported(changed, update), 2, true);
        await waitUntil(() => reports.length >= 3, 'the new config reported');
        await sleep(500);
        assert.deepEqual(
          reports.map((r) => [r.payload.camera_id, r.payload.reported.config_data.confidence_threshold]),
          [
            [same, 0.8],
            [changed, 0.8],
            [changed, 0.42],
          ],
        );
      } finally {
        for (const camera of [same, changed]) await mosquittoPub(mosquitto.port, topic(camera, 'config'), '', 2, true);
      }
    });
  }
});
