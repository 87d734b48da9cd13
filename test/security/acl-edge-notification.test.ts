/**
 * Edge-raised notifications through the ACL lpr-mosquitto generates (issue 16 item 4): a camera
 * publishes its notification on its own `cameras/{id}/blacklist/notification` (it may not write the
 * shared `blacklist/notifications`), and lpr-blacklist-match takes it from there, checks it, outputs
 * it once and forwards it once to the shared topic. Camera A's link runs through a TCP relay that
 * the test cuts; camera B tries to speak for A.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { startFreezeProxy, type FreezeProxy } from '../fixtures/freeze-proxy';
import { startProvisionedMosquitto, type ProvisionedMosquitto } from '../fixtures/provisioned-mosquitto';
import { sleep, waitUntil } from '../fixtures/wait';
import { helper } from '../nodes/harness';

/* eslint-disable @typescript-eslint/no-require-imports */
const NODES = [
  require('../../dist/lpr-broker.js'),
  require('../../dist/lpr-camera.js'),
  require('../../dist/lpr-detection-in.js'),
  require('../../dist/lpr-blacklist.js'),
  require('../../dist/lpr-blacklist-match.js'),
  require('@node-red/nodes/core/common/25-catch.js'),
];
/* eslint-enable @typescript-eslint/no-require-imports */

const ROOT = 'lprserver';
const A = 'CAM-A';
const B = 'CAM-B';
const SHARED = `${ROOT}/blacklist/notifications`;
const LIST = [
  { plate_number: 'WANTED1', reason: 'stolen', priority: 'critical' },
  { plate_number: 'HIGH001', priority: 'high' },
];

function detection(plate: string, messageId: string): Record<string, unknown> {
  return {
    message_id: messageId,
    detection_data: {
      vehicles_count: 1, plates_count: 1, processing_time_ms: 80, confidence_score: 0.9, detection_type: 'lpr',
      vehicles: [{ vehicle_index: 0, vehicle_class: 'car' }],
      plates: [{ plate_index: 0, plate_number: plate, confidence: 0.9 }],
    },
  };
}

/** A valid edge-raised notification, as a camera would publish it. */
function notification(cameraId: string, messageId: string): Record<string, unknown> {
  return {
    message_id: messageId, timestamp: new Date().toISOString(), camera_id: cameraId, plate_number: 'WANTED1',
    detection_message_id: `det-${messageId}`, entry: { plate_number: 'WANTED1', priority: 'critical' },
    match: { type: 'exact', distance: 0, province_match: null }, raised_by: 'edge',
  };
}

function brokerProps(id: string, port: number, clientId: string, extra: Record<string, unknown> = {}) {
  return {
    id, type: 'lpr-broker', broker: '127.0.0.1', port, protocolVersion: 4, clientId, cleanSession: true, sessionExpiry: 0, keepalive: 60,
    reconnectPeriod: 0.2, connectTimeout: 2, topicRoot: ROOT, usetls: false, birth: true, queueLimit: 1000, ...extra,
  };
}

describe('security: edge-raised notifications through the generated ACL', function () {
  this.timeout(60_000);
  let broker: ProvisionedMosquitto;
  let proxy: FreezeProxy;
  let dir: string;
  const raw: MqttClient[] = [];

  before(async () => {
    // Two server users: with use_username_as_clientid, the test's own watcher would throw the node off.
    broker = await startProvisionedMosquitto({ cameras: [A, B], serverUsers: [{ username: 'lprserver' }, { username: 'watcher' }] });
  });
  after(async () => {
    await broker?.stop();
  });
  beforeEach((done) => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lpr-acl-edge-'));
    helper.settings({ userDir: dir });
    startFreezeProxy(broker.port).then((p) => {
      proxy = p;
      helper.startServer(done);
    }, done);
  });
  afterEach(async () => {
    for (const c of raw.splice(0)) c.end(true);
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
    await proxy.close();
    rmSync(dir, { recursive: true, force: true });
    // The helper's settings outlive this file: later files must not inherit a user directory.
    helper.settings({});
  });

  async function as(user: string): Promise<{ client: MqttClient; got: Array<{ topic: string; payload: any }> }> {
    const client = await mqtt.connectAsync(broker.url, { username: user, password: broker.credentials.get(user)!, clientId: `${user}-raw`, reconnectPeriod: 0, clean: true });
    raw.push(client);
    const got: Array<{ topic: string; payload: any }> = [];
    client.on('message', (topic, payload) => got.push({ topic, payload: JSON.parse(payload.toString()) }));
    return { client, got };
  }

  function flow() {
    return [
      brokerProps('server', broker.port, 'acl-edge-server'),
      { id: 'in', type: 'lpr-detection-in', broker: 'server', camera: '', sharedGroup: '', ack: true, dedupe: 300, dedupeSize: 1000, split: false, maxBytes: 262144, wires: [['match']] },
      { id: 'list', type: 'lpr-blacklist', broker: 'server', entries: LIST, persist: false, file: '', answerRequests: true },
      {
        id: 'match', type: 'lpr-blacklist-match', list: 'list', exact: true, lookalike: true, maxSubstitutions: 1, fuzzy: false, maxDistance: 1,
        pattern: true, requireProvince: false, suppress: 0, publish: true, wires: [['hit'], ['miss']],
      },
      { id: 'hit', type: 'helper' },
      { id: 'miss', type: 'helper' },
      { id: 'catcher', type: 'catch', scope: ['match'], uncaught: false, wires: [['errors']] },
      { id: 'errors', type: 'helper' },
      // Camera A, logged in as CAM-A, through the relay the test cuts.
      brokerProps('edgeA', proxy.port, 'acl-edge-a', { keepalive: 2 }),
      {
        id: 'camA', type: 'lpr-camera', broker: 'edgeA', camera: A, checkpoint: 'CP001', ack: true, ackTimeout: 2, bufferSize: 100,
        overflow: 'drop-oldest', persist: true, file: '', requestConfig: false, blacklist: true, matchAtEdge: true, maxEntries: 100,
        wires: [[], [], [], ['alerts']],
      },
      { id: 'alerts', type: 'helper' },
    ];
  }
  const credentials = () => ({
    server: { user: 'lprserver', password: broker.credentials.get('lprserver')! },
    edgeA: { user: A, password: broker.credentials.get(A)! },
  });

  function collect(id: string): any[] {
    const seen: any[] = [];
    helper.getNode(id).on('input', (msg: any) => seen.push(msg));
    return seen;
  }

  async function serverSubscribed(): Promise<void> {
    const conn = (helper.getNode('server') as any).connection;
    await waitUntil(() => conn.connected && [...conn.subs.values()].every((s: any) => s.active), 'server subscribed');
  }

  it('a notification raised while the link is cut reaches the server\'s output and the shared topic exactly once when it returns; the server raises none of its own', async () => {
    await helper.load(NODES, flow(), credentials());
    const hits = collect('hit');
    const alerts = collect('alerts');
    const agent = (helper.getNode('camA') as any).lprAgent;
    await serverSubscribed();
    await waitUntil(() => agent.outbox.isOnline, 'camera A online');
    const watcher = await as('watcher');
    await watcher.client.subscribeAsync(SHARED, { qos: 1 });
    // The camera's own request may have beaten the server's subscription: share the list now.
    await watcher.client.publishAsync(`${ROOT}/blacklist/updates`, JSON.stringify({ message_id: 'u-all', timestamp: new Date().toISOString(), action: 'replace', entries: LIST }), { qos: 1 });
    await waitUntil(() => agent.edgeList?.size === 2, `camera A's edge list synced (size ${agent.edgeList?.size})`, 15_000);

    // The link is cut: what is open drops, new connections hang.
    proxy.freeze();
    proxy.drop();
    await waitUntil(() => !agent.outbox.isOnline, 'camera A noticed the link is down');
    (helper.getNode('camA') as any).receive({ topic: 'detection', payload: detection('WANTED1', 'det-wanted') });
    await waitUntil(() => alerts.length === 1, 'the edge notification at the checkpoint, link down', 2_000);
    const local = alerts[0].payload;
    assert.equal(local.raised_by, 'edge');
    assert.equal(local.camera_id, A);

    proxy.thaw();
    await waitUntil(() => agent.metrics.acked === 1, 'the detection delivered and acked once the link is back', 20_000);
    await waitUntil(() => hits.length >= 1 && watcher.got.length >= 1, `the notification on the server's output (${hits.length}) and the shared topic (${watcher.got.length})`, 10_000);
    await sleep(1500);
    assert.equal(hits.length, 1, `one notification on the output, got ${JSON.stringify(hits.map((h) => h.payload))}`);
    assert.equal(hits[0].payload.message_id, local.message_id, 'the edge\'s own notification');
    assert.equal(hits[0].payload.raised_by, 'edge');
    assert.equal(watcher.got.length, 1, `one notification on ${SHARED}, got ${JSON.stringify(watcher.got)}`);
    assert.equal(watcher.got[0]!.payload.message_id, local.message_id);
    assert.equal(watcher.got[0]!.payload.raised_by, 'edge');
    assert.equal(agent.notificationOutbox.size, 0, 'nothing left in the camera\'s notification outbox');
  });

  it('camera B cannot publish on A\'s notification topic nor on the shared one, and a notification on its own topic naming CAM-A is refused naming camera_id', async () => {
    await helper.load(NODES, flow(), credentials());
    const hits = collect('hit');
    const errors = collect('errors');
    await serverSubscribed();
    const watcher = await as('watcher');
    await watcher.client.subscribeAsync([SHARED, `${ROOT}/cameras/+/blacklist/notification`], { qos: 1 });
    const b = await as(B);
    const pub = (topic: string, body: Record<string, unknown>) => b.client.publishAsync(topic, JSON.stringify(body), { qos: 1 });
    await pub(`${ROOT}/cameras/${A}/blacklist/notification`, notification(A, 'forged-on-a'));
    await pub(SHARED, notification(B, 'forged-shared'));
    await pub(`${ROOT}/cameras/${B}/blacklist/notification`, notification(A, 'b-naming-a'));
    await pub(`${ROOT}/cameras/${B}/blacklist/notification`, { ...notification(B, 'b-as-server'), raised_by: 'server' });
    // The marker: allowed, and (Mosquitto keeps one client's messages in order) the last to arrive.
    await pub(`${ROOT}/cameras/${B}/blacklist/notification`, notification(B, 'b-own'));
    await waitUntil(() => hits.length >= 1, 'B\'s own notification on the server\'s output', 10_000);
    await waitUntil(() => watcher.got.some((m) => m.topic === SHARED), 'B\'s own notification forwarded to the shared topic');
    await sleep(500);
    assert.deepEqual(hits.map((h) => h.payload.message_id), ['b-own']);
    assert.deepEqual(watcher.got.map((m) => `${m.topic} ${m.payload.message_id}`).sort(), [
      `${ROOT}/blacklist/notifications b-own`,
      `${ROOT}/cameras/${B}/blacklist/notification b-as-server`,
      `${ROOT}/cameras/${B}/blacklist/notification b-naming-a`,
      `${ROOT}/cameras/${B}/blacklist/notification b-own`,
    ]);
    assert.equal(errors.length, 2, `two refusals, got ${JSON.stringify(errors.map((e) => e.error?.message))}`);
    assert.match(errors[0].error.message, /camera_id/);
    assert.match(errors[0].error.message, /CAM-A/);
    assert.match(errors[1].error.message, /raised_by/);
  });
});
