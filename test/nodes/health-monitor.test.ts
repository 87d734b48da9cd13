/** lpr-health-monitor on a real Mosquitto: wills, silence, hysteresis, restarts, bad input. */
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { startFreezeProxy } from '../fixtures/freeze-proxy';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { mosquittoPub } from '../fixtures/mqtt-cli';
import { seedHealth } from '../fixtures/samples';
import { sleep, waitUntil } from '../fixtures/wait';
import { allNodes, brokerConfig, collect, helper, waitReady, useHelperServer } from './harness';

function health(camera: string, details: Record<string, unknown> = {}, status = 'healthy') {
  const h = seedHealth();
  h.camera_id = camera;
  h.health_status = status;
  h.alerts = [];
  h.timestamp = new Date().toISOString();
  Object.assign(h.health_details, details);
  return h;
}

const topic = (camera: string) => `lprserver/cameras/${camera}/health`;

function flow(mosquitto: Mosquitto, props: Record<string, unknown> = {}) {
  return [
    brokerConfig(mosquitto),
    {
      id: 'mon',
      type: 'lpr-health-monitor',
      broker: 'broker',
      camera: '',
      offlineAfter: 30,
      summaryInterval: 0,
      hysteresis: 5,
      wires: [['changes'], ['summary']],
      ...props,
    },
    { id: 'changes', type: 'helper' },
    { id: 'summary', type: 'helper' },
    { id: 'catcher', type: 'catch', scope: ['mon'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];
}

describe('lpr-health-monitor on a real Mosquitto', function () {
  let mosquitto: Mosquitto;

  before(async () => {
    mosquitto = await startMosquitto();
  });
  after(async () => {
    await mosquitto?.stop();
  });
  useHelperServer();

  /** A camera with a will on its health topic, connected through a proxy that can freeze the link. */
  async function willCamera(id: string, keepalive: number) {
    const proxy = await startFreezeProxy(mosquitto.port);
    const camera = mqtt.connect(`mqtt://127.0.0.1:${proxy.port}`, {
      clientId: `cam-${id}`,
      keepalive,
      reconnectPeriod: 0,
      will: { topic: topic(id), payload: Buffer.from(JSON.stringify(health(id, {}, 'offline'))), qos: 1, retain: true },
    });
    camera.on('error', () => {});
    await new Promise<void>((resolve) => camera.once('connect', () => resolve()));
    await camera.publishAsync(topic(id), JSON.stringify(health(id)), { qos: 1, retain: true });
    return {
      camera,
      proxy,
      cleanup: async () => {
        camera.end(true);
        await proxy.close();
        await mosquittoPub(mosquitto.port, topic(id), '', 1, true);
      },
    };
  }

  it('reports a camera whose socket dies without DISCONNECT offline through its will, within 1.5 × keepalive', async () => {
    await helper.load(allNodes, flow(mosquitto));
    const changes = collect('changes');
    await waitReady();
    const keepalive = 2;
    const { camera, cleanup } = await willCamera('CAMK', keepalive);
    try {
      await waitUntil(() => changes.length === 1, 'the camera to be seen healthy');
      const killedAt = Date.now();
      // The socket is destroyed under the client: no DISCONNECT packet, as when a camera loses power.
      (camera as any).stream.destroy();
      await waitUntil(() => changes.length === 2, 'the will', 1.5 * keepalive * 1000);
      assert.deepEqual([changes[1].payload.camera_id, changes[1].payload.previous, changes[1].payload.status], ['CAMK', 'healthy', 'offline']);
      assert.match(changes[1].payload.reasons.join(), /reported offline/);
      assert.ok(Date.now() - killedAt <= 1.5 * keepalive * 1000);
    } finally {
      await cleanup();
    }
  });

  it('reports a camera whose link goes silent (no FIN, no RST) offline once Mosquitto times it out', async function () {
    this.timeout(30_000);
    await helper.load(allNodes, flow(mosquitto));
    const changes = collect('changes');
    await waitReady();
    // Mosquitto 2.0.11 checks keepalives coarsely: measured here, keepalive 1 s -> will after ~5.4 s,
    // 2 s -> ~6 s, 4 s -> ~12 s. So this bounds the wait generously rather than at 1.5 × keepalive.
    const { proxy, cleanup } = await willCamera('CAMF', 1);
    try {
      await waitUntil(() => changes.length === 1, 'the camera to be seen healthy');
      proxy.freeze();
      await waitUntil(() => changes.length === 2, 'the will after the keepalive timeout', 20_000);
      assert.deepEqual([changes[1].payload.previous, changes[1].payload.status], ['healthy', 'offline']);
    } finally {
      await cleanup();
    }
  });

  it('reports a silent camera offline after offlineAfter', async () => {
    await helper.load(allNodes, flow(mosquitto, { offlineAfter: 1 }));
    const changes = collect('changes');
    await waitReady();
    await mosquittoPub(mosquitto.port, topic('CAMS'), JSON.stringify(health('CAMS')), 0);
    await waitUntil(() => changes.length === 2, 'healthy then offline', 5000);
    assert.deepEqual(changes.map((m) => m.payload.status), ['healthy', 'offline']);
    assert.equal(changes[1].payload.health, null);
    assert.match(changes[1].payload.reasons[0], /no health for/);
  });

  it('gives one transition for a value oscillating around a threshold', async () => {
    await helper.load(allNodes, flow(mosquitto));
    const changes = collect('changes');
    await waitReady();
    await mosquittoPub(mosquitto.port, topic('CAMO'), JSON.stringify(health('CAMO', { cpu_usage: 50 })), 1);
    for (let i = 0; i < 10; i++) {
      await mosquittoPub(mosquitto.port, topic('CAMO'), JSON.stringify(health('CAMO', { cpu_usage: i % 2 ? 94 : 96 })), 1);
    }
    await mosquittoPub(mosquitto.port, topic('CAMO'), JSON.stringify(health('CAMO', { cpu_usage: 40 })), 1);
    await waitUntil(() => changes.length === 3, 'healthy, critical, healthy');
    await sleep(200);
    assert.deepEqual(changes.map((m) => m.payload.status), ['healthy', 'critical', 'healthy']);
  });

  it('rebuilds state from retained messages after a restart without false transitions', async () => {
    await mosquittoPub(mosquitto.port, topic('R1'), JSON.stringify(health('R1')), 1, true);
    await mosquittoPub(mosquitto.port, topic('R2'), JSON.stringify(health('R2', { disk_usage: 90 })), 1, true);
    await mosquittoPub(mosquitto.port, topic('R3'), JSON.stringify(health('R3', {}, 'offline')), 1, true);
    try {
      for (let restart = 0; restart < 2; restart++) {
        await helper.load(allNodes, flow(mosquitto, { camera: '' }));
        const changes = collect('changes');
        const summary = collect('summary');
        await waitReady();
        await sleep(300);
        helper.getNode('mon').receive({ payload: 'summary' });
        await waitUntil(() => summary.length === 1, 'a summary');
        const states = Object.fromEntries(summary[0].payload.cameras.map((c: any) => [c.camera_id, c.status]));
        assert.equal(states.R1, 'healthy');
        assert.equal(states.R2, 'warning');
        assert.equal(states.R3, 'offline');
        assert.deepEqual(changes, [], `restart ${restart}: no transitions from retained state`);
        await helper.unload();
      }
    } finally {
      for (const c of ['R1', 'R2', 'R3']) await mosquittoPub(mosquitto.port, topic(c), '', 1, true);
    }
  });

  it('reads a retained zone-less health time in the broker\'s time zone (Asia/Bangkok)', async () => {
    // The camera's clock says Bangkok wall time, 60 s ago, with no zone; offlineAfter is 30 s.
    const bangkokWall = new Date(Date.now() - 60_000 + 7 * 3_600_000).toISOString().slice(0, 23);
    await mosquittoPub(mosquitto.port, topic('BKK1'), JSON.stringify({ ...health('BKK1'), timestamp: bangkokWall }), 1, true);
    try {
      const nodes = flow(mosquitto);
      nodes[0] = brokerConfig(mosquitto, { timeZone: 'Asia/Bangkok' });
      await helper.load(allNodes, nodes);
      const summary = collect('summary');
      const caught = collect('caught');
      await waitReady();
      await sleep(300);
      helper.getNode('mon').receive({ payload: 'summary' });
      await waitUntil(() => summary.length === 1, 'a summary');
      const cam = summary[0].payload.cameras.find((c: any) => c.camera_id === 'BKK1');
      // Read in UTC it would be 7 h ahead (so "just now", healthy); read in Bangkok it is 60 s old.
      assert.equal(cam?.status, 'offline', JSON.stringify(summary[0].payload));
      assert.equal(caught.length, 0);
    } finally {
      await mosquittoPub(mosquitto.port, topic('BKK1'), '', 1, true);
    }
  });

  it('msg.lpr.site: a state change gives its time in the site zone, a summary the zone and its time', async () => {
    const nodes = flow(mosquitto);
    nodes[0] = brokerConfig(mosquitto, { timeZone: 'Asia/Bangkok' });
    await helper.load(allNodes, nodes);
    const changes = collect('changes');
    const summary = collect('summary');
    await waitReady();
    await mosquittoPub(mosquitto.port, topic('SITE1'), JSON.stringify(health('SITE1')), 1);
    await waitUntil(() => changes.length === 1, 'a transition');
    const site = changes[0].lpr.site;
    assert.deepEqual([site.zone, site.era], ['Asia/Bangkok', 'buddhist']);
    assert.equal(Date.parse(site.since.iso), Date.parse(changes[0].payload.since));
    assert.match(site.since.iso, /\+07:00$/);
    assert.equal(site.since.time, new Date(Date.parse(changes[0].payload.since) + 7 * 3_600_000).toISOString().slice(11, 19));
    helper.getNode('mon').receive({ payload: 'summary' });
    await waitUntil(() => summary.length === 1, 'a summary');
    assert.equal(summary[0].lpr.site.zone, 'Asia/Bangkok');
    assert.equal(Date.parse(summary[0].lpr.site.at.iso), Date.parse(summary[0].payload.timestamp));
  });

  it('rejects a malformed health message with the field named, and other cameras carry on', async () => {
    await helper.load(allNodes, flow(mosquitto));
    const changes = collect('changes');
    const caught = collect('caught');
    await waitReady();
    await mosquittoPub(mosquitto.port, topic('GOOD'), JSON.stringify(health('GOOD')), 1);
    await mosquittoPub(mosquitto.port, topic('BAD'), JSON.stringify(health('BAD', { cpu_usage: 'hot' })), 1);
    await mosquittoPub(mosquitto.port, topic('GOOD'), JSON.stringify(health('GOOD', { cpu_usage: 99 })), 1);
    await waitUntil(() => changes.length === 2 && caught.length === 1, 'two transitions and one rejection');
    assert.deepEqual(caught[0].error.cause.issues.map((i: any) => i.path), ['health_details.cpu_usage']);
    assert.deepEqual(changes.map((m) => [m.topic, m.payload.status]), [['GOOD', 'healthy'], ['GOOD', 'critical']]);
  });

  it('summaryMax: a summary lists the worst cameras only; its counts cover them all and omitted says how many are left out', async () => {
    await helper.load(allNodes, flow(mosquitto, { summaryMax: 2 }));
    const summary = collect('summary');
    const changes = collect('changes');
    await waitReady();
    await mosquittoPub(mosquitto.port, topic('OK1'), JSON.stringify(health('OK1')), 1);
    await mosquittoPub(mosquitto.port, topic('OK2'), JSON.stringify(health('OK2')), 1);
    await mosquittoPub(mosquitto.port, topic('HOT'), JSON.stringify(health('HOT', { cpu_usage: 99 })), 1);
    await mosquittoPub(mosquitto.port, topic('WARM'), JSON.stringify(health('WARM', { cpu_usage: 85 })), 1);
    await waitUntil(() => changes.length === 4, 'four cameras known');
    helper.getNode('mon').receive({ payload: 'summary' });
    await waitUntil(() => summary.length === 1, 'a summary');
    const p = summary[0].payload;
    assert.deepEqual(p.cameras.map((c: any) => [c.camera_id, c.status]), [['HOT', 'critical'], ['WARM', 'warning']]);
    assert.deepEqual(p.counts, { healthy: 2, warning: 1, critical: 1, offline: 0, total: 4 });
    assert.equal(p.omitted, 2);
  });

  it('forgets a camera whose retained health is cleared (an empty message), without an error', async () => {
    await helper.load(allNodes, flow(mosquitto));
    const summary = collect('summary');
    const caught = collect('caught');
    await waitReady();
    await mosquittoPub(mosquitto.port, topic('GONE'), JSON.stringify(health('GONE')), 1, true);
    await mosquittoPub(mosquitto.port, topic('STAY'), JSON.stringify(health('STAY')), 1);
    await mosquittoPub(mosquitto.port, topic('GONE'), '', 1, true);
    await sleep(200);
    helper.getNode('mon').receive({ payload: 'summary' });
    await waitUntil(() => summary.length === 1, 'a summary');
    assert.deepEqual(summary[0].payload.cameras.map((c: any) => c.camera_id), ['STAY']);
    assert.equal(caught.length, 0);
  });

  it('keeps at most maxCameras cameras: the one offline the longest goes first, and one warning is logged', async function () {
    this.timeout(30_000);
    await helper.load(allNodes, flow(mosquitto, { maxCameras: 5 }));
    const changes = collect('changes');
    const summary = collect('summary');
    await waitReady();
    const peer = await mqtt.connectAsync(mosquitto.url);
    try {
      await peer.publishAsync(topic('OFF1'), JSON.stringify(health('OFF1', {}, 'offline')), { qos: 1 });
      for (let i = 0; i < 40; i++) await peer.publishAsync(topic(`BND${i}`), JSON.stringify(health(`BND${i}`)), { qos: 1 });
      await waitUntil(() => changes.length === 41, 'a transition per new camera');
      helper.getNode('mon').receive({ payload: 'summary' });
      await waitUntil(() => summary.length === 1, 'a summary');
      const ids = summary[0].payload.cameras.map((c: any) => c.camera_id).sort();
      // OFF1 (offline) went first, then the least recently heard: the last five stay.
      assert.deepEqual(ids, ['BND35', 'BND36', 'BND37', 'BND38', 'BND39']);
      assert.equal(summary[0].payload.counts.total, 5);
      const warnings = (helper.log().args as any[][]).filter((a) => a[0]?.level === helper.log().WARN && a[0]?.id === 'mon' && /maxCameras/.test(String(a[0].msg)));
      assert.equal(warnings.length, 1);
      assert.match(String(warnings[0]![0].msg), /forgot OFF1 \(offline the longest\)/);
    } finally {
      await peer.endAsync();
    }
  });

  it('publishes health requests, alerts and SystemHealth, and validates its input', async () => {
    await helper.load(allNodes, flow(mosquitto, { publishAlerts: true, publishSystemHealth: true }));
    const caught = collect('caught');
    await waitReady();
    const seen: Array<{ topic: string; payload: any }> = [];
    const peer = await mqtt.connectAsync(mosquitto.url);
    try {
      peer.on('message', (t, p) => seen.push({ topic: t, payload: p.length ? JSON.parse(p.toString()) : null }));
      await peer.subscribeAsync(['lprserver/system/#', 'lprserver/cameras/+/health/request'], { qos: 1 });
      await mosquittoPub(mosquitto.port, topic('CAMA'), JSON.stringify(health('CAMA', { temperature: 90 })), 1);
      await waitUntil(() => seen.some((m) => m.topic === 'lprserver/system/alerts'), 'an alert');
      const alert = seen.find((m) => m.topic === 'lprserver/system/alerts')!.payload;
      assert.deepEqual([alert.level, alert.camera_id, alert.source], ['critical', 'CAMA', 'lpr-health-monitor']);
      await waitUntil(() => seen.some((m) => m.topic === 'lprserver/system/health'), 'system health');
      const sys = seen.find((m) => m.topic === 'lprserver/system/health')!.payload;
      assert.deepEqual([sys.status, sys.cameras.critical, sys.cameras.total], ['critical', 1, 1]);

      helper.getNode('mon').receive({ action: 'request' });
      await waitUntil(() => seen.some((m) => m.topic === 'lprserver/cameras/CAMA/health/request'), 'a health request');
      helper.getNode('mon').receive({ action: 'forget' });
      helper.getNode('mon').receive({ action: 'reboot', camera: 'CAMA' });
      helper.getNode('mon').receive({ action: 'request', camera: 'a/+' });
      await waitUntil(() => caught.length === 3, 'three input errors');
      assert.match(caught[0].error.message, /msg\.camera/);
      assert.match(caught[1].error.message, /msg\.action/);
      assert.match(caught[2].error.message, /msg\.camera/);
    } finally {
      await peer.endAsync();
      await mosquittoPub(mosquitto.port, 'lprserver/system/health', '', 1, true);
    }
  });
});

/**
 * Issue 13 finding 3: a reconnect brings every retained health again. A camera that went offline by
 * silence must stay offline (no false state change); genuinely new health still counts.
 */
describe('lpr-health-monitor across reconnects (retained health is not news)', function () {
  this.timeout(30_000);
  let mosquitto: Mosquitto;

  before(async () => {
    mosquitto = await startMosquitto({ persistence: true });
  });
  after(async () => {
    await mosquitto?.stop();
  });
  useHelperServer();

  const cases = [
    { name: 'MQTT 3.1.1, clean session, link dropped', protocolVersion: 4, cleanSession: true, fault: 'drop' },
    { name: 'MQTT 3.1.1, clean session, broker restarted', protocolVersion: 4, cleanSession: true, fault: 'restart' },
    { name: 'MQTT 3.1.1, persistent session, broker restarted', protocolVersion: 4, cleanSession: false, fault: 'restart' },
    { name: 'MQTT 5, persistent session, link dropped', protocolVersion: 5, cleanSession: false, fault: 'drop' },
    { name: 'MQTT 5, persistent session, broker restarted', protocolVersion: 5, cleanSession: false, fault: 'restart' },
  ] as const;

  for (const c of cases) {
    it(`${c.name}: a camera offline by silence stays offline; new health still counts`, async () => {
      const camera = `SIL${c.protocolVersion}${c.cleanSession ? 'c' : 'p'}${c.fault}`;
      const flowDef = flow(mosquitto, { offlineAfter: 1 });
      Object.assign(flowDef[0]!, { protocolVersion: c.protocolVersion, cleanSession: c.cleanSession, sessionExpiry: 300, clientId: `mon-${camera}` });
      await helper.load(allNodes, flowDef);
      const changes = collect('changes');
      const broker = helper.getNode('broker') as any;
      let subscribed = 0;
      broker.connection.on('subscribed', () => subscribed++);
      await waitReady();
      try {
        await mosquittoPub(mosquitto.port, topic(camera), JSON.stringify(health(camera)), 1, true);
        await waitUntil(() => changes.length === 2, 'healthy, then offline by silence', 5000);
        assert.deepEqual(changes.map((m) => m.payload.status), ['healthy', 'offline']);

        const connections = broker.connection.metrics.connectionsTotal;
        subscribed = 0;
        if (c.fault === 'drop') broker.connection.client.stream.destroy();
        else await mosquitto.restart();
        await waitUntil(() => broker.connection.metrics.connectionsTotal === connections + 1 && subscribed >= 1, 'reconnected and resubscribed', 15_000);
        await sleep(700);
        assert.deepEqual(changes.map((m) => m.payload.status), ['healthy', 'offline'], 'no state change from the retained copy');

        await mosquittoPub(mosquitto.port, topic(camera), JSON.stringify(health(camera)), 1, true);
        await waitUntil(() => changes.length === 3, 'new health counts');
        assert.equal(changes[2].payload.status, 'healthy');
      } finally {
        await mosquittoPub(mosquitto.port, topic(camera), '', 1, true);
      }
    });
  }
});
