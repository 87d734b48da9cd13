/**
 * The ACL and authentication lpr-mosquitto generates, on a real Mosquitto: a camera can reach only
 * its own topics, anonymous and wrong-password clients are refused, the server user reaches all.
 * Negative checks are made deterministic by a marker: Mosquitto handles one client's packets in
 * order, so once a later allowed message has arrived, a forbidden earlier one would have too.
 */
import assert from 'node:assert/strict';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { POLICY, type MessageKind } from '../../src/protocol';
import { startProvisionedMosquitto, type ProvisionedMosquitto } from '../fixtures/provisioned-mosquitto';
import { waitUntil } from '../fixtures/wait';

const ROOT = 'lprserver';
const A = 'CAM-A';
const B = 'CAM-B';
const SERVER = 'lprserver';
const camTopic = (id: string, kind: MessageKind) => `${ROOT}/cameras/${id}/${POLICY[kind].suffix}`;
const CAMERA_KINDS = (Object.keys(POLICY) as MessageKind[]).filter((k) => POLICY[k].scope === 'camera');
const TO_CAMERA = CAMERA_KINDS.filter((k) => POLICY[k].direction === 'server → camera');
const FROM_CAMERA = CAMERA_KINDS.filter((k) => POLICY[k].direction === 'camera → server');

interface Client {
  client: MqttClient;
  got: Array<{ topic: string; payload: string }>;
}

const clients: MqttClient[] = [];

/** Connects and resolves, or rejects with the CONNACK error (err.code = return/reason code). */
function connect(url: string, options: IClientOptions): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, clean: true, ...options });
    clients.push(client);
    const got: Client['got'] = [];
    client.on('message', (topic, payload) => got.push({ topic, payload: payload.toString() }));
    client.once('connect', () => resolve({ client, got }));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

async function subscribe(c: Client, filter: string): Promise<number> {
  const granted = await c.client.subscribeAsync(filter, { qos: 1 });
  return granted[0]!.qos;
}

describe('security: generated ACL and passwords on a real Mosquitto', function () {
  this.timeout(30_000);
  let broker: ProvisionedMosquitto;
  const as = (user: string, extra: IClientOptions = {}) =>
    connect(broker.url, { username: user, password: broker.credentials.get(user)!, clientId: `${user}-${Math.random().toString(16).slice(2)}`, ...extra });

  before(async () => {
    broker = await startProvisionedMosquitto({ cameras: [A, B] });
  });
  after(async () => {
    await broker?.stop();
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.end(true);
  });

  it('refuses anonymous, wrong-password and unknown-user clients (CONNACK "not authorised"), and logs them', async () => {
    await assert.rejects(connect(broker.url, {}), (err: any) => err.code === 5);
    await assert.rejects(connect(broker.url, { username: A, password: 'wrong-password' }), (err: any) => err.code === 5);
    await assert.rejects(connect(broker.url, { username: B, password: broker.credentials.get(A)! }), (err: any) => err.code === 5);
    await assert.rejects(connect(broker.url, { username: 'CAM-Z', password: broker.credentials.get(A)! }), (err: any) => err.code === 5);
    await assert.rejects(connect(broker.url, { username: A, password: 'wrong-password', protocolVersion: 5 }), (err: any) => err.code === 135);
    await as(A);
    await waitUntil(() => (broker.log().match(/disconnected, not authorised/g) ?? []).length >= 5, 'five refusals in the access log');
    // The client sent CAM-A-<random> as its id; the broker uses the user name (use_username_as_clientid).
    assert.match(broker.log(), /New client connected from 127\.0\.0\.1:\d+ as CAM-A \(p2, c1, k60, u'CAM-A'\)/);
  });

  it('the server user subscribes to everything and reaches every camera', async () => {
    const server = await as(SERVER);
    assert.equal(await subscribe(server, `${ROOT}/#`), 1);
    const a = await as(A);
    assert.equal(await subscribe(a, camTopic(A, 'control')), 1);
    await server.client.publishAsync(camTopic(A, 'control'), 'to-A', { qos: 1 });
    await a.client.publishAsync(camTopic(A, 'detection'), 'det-A', { qos: 1 });
    await waitUntil(() => a.got.length === 1 && server.got.some((m) => m.payload === 'det-A'), 'control at A and detection at the server');
    assert.deepEqual(a.got, [{ topic: camTopic(A, 'control'), payload: 'to-A' }]);
  });

  it('camera A publishes its own topics, and nothing it publishes on B\'s topics or root topics reaches the server', async () => {
    const server = await as(SERVER);
    await subscribe(server, `${ROOT}/#`);
    const a = await as(A);
    const forbidden = [
      ...FROM_CAMERA.map((k) => camTopic(B, k)),
      ...TO_CAMERA.map((k) => camTopic(B, k)),
      ...TO_CAMERA.map((k) => camTopic(A, k)), // A may not fake messages to itself either (e.g. acks)
      `${ROOT}/blacklist/updates`,
      `${ROOT}/blacklist/notifications`,
      `${ROOT}/system/status`,
      `${ROOT}/system/control`,
      `${ROOT}/checkpoints/CP1/status`,
      `${ROOT}/cameras/${A}`,
      `${ROOT}/cameras/${B}/images/m-1`, // another camera's image
      `${ROOT}/cameras/${A}/images/m-1/deeper`, // the image topic is one level deep
      'elsewhere/topic',
    ];
    for (const topic of forbidden) await a.client.publishAsync(topic, `forbidden:${topic}`, { qos: 1 });
    const allowed = [...FROM_CAMERA.map((k) => camTopic(A, k)), `${ROOT}/blacklist/request`, `${ROOT}/cameras/${A}/images/m-1`];
    for (const topic of allowed) await a.client.publishAsync(topic, `allowed:${topic}`, { qos: 1 });
    await waitUntil(() => server.got.length >= allowed.length, `${allowed.length} allowed messages at the server`);
    assert.deepEqual(server.got.map((m) => m.topic), allowed, 'exactly the allowed ones, none of the forbidden');
    assert.ok(server.got.every((m) => m.payload.startsWith('allowed:')));
  });

  it('drops a payload over the protocol\'s 256 KiB limit (message_size_limit) and keeps the client connected', async () => {
    const server = await as(SERVER);
    await subscribe(server, `${ROOT}/cameras/+/detection`);
    const a = await as(A);
    await a.client.publishAsync(camTopic(A, 'detection'), 'x'.repeat(256 * 1024 + 1), { qos: 1 });
    await a.client.publishAsync(camTopic(A, 'detection'), 'y'.repeat(256 * 1024), { qos: 1 });
    await a.client.publishAsync(camTopic(A, 'detection'), 'after', { qos: 1 });
    await waitUntil(() => server.got.some((m) => m.payload === 'after'), 'the message after the oversize one');
    assert.deepEqual(server.got.map((m) => m.payload.length), [256 * 1024, 5]);
    assert.equal(a.client.connected, true);
  });

  it('MQTT 5: the broker answers a forbidden QoS 1 publish with PUBACK "not authorized" (135)', async () => {
    const a = await as(A, { protocolVersion: 5 });
    const packet = await new Promise<any>((resolve) => {
      a.client.publish(camTopic(B, 'detection'), 'x', { qos: 1 }, (_err, pkt) => resolve(pkt));
    });
    assert.equal(packet?.reasonCode, 135);
    const ok = await a.client.publishAsync(camTopic(A, 'detection'), 'x', { qos: 1 });
    assert.equal((ok as any)?.reasonCode ?? 0, 0);
  });

  it('camera A receives nothing through B\'s topics or wildcards; it receives its own control, config/update, ack, health/request and blacklist updates', async () => {
    const server = await as(SERVER);
    // B's retained health and config, and a retained system status, are on the broker before A subscribes.
    const b = await as(B);
    await b.client.publishAsync(camTopic(B, 'health'), 'B-retained-health', { qos: 1, retain: true });
    await b.client.publishAsync(camTopic(B, 'config'), 'B-retained-config', { qos: 1, retain: true });
    await server.client.publishAsync(`${ROOT}/system/status`, 'retained-status', { qos: 1, retain: true });
    const a = await as(A);
    const denied = [
      ...CAMERA_KINDS.map((k) => camTopic(B, k)),
      ...FROM_CAMERA.map((k) => camTopic(A, k)), // other cameras' sources are server-only
      `${ROOT}/cameras/+/control`,
      `${ROOT}/cameras/+/detection`,
      `${ROOT}/#`,
      '#',
      `${ROOT}/system/#`,
      `${ROOT}/blacklist/notifications`,
    ];
    const grants = new Map<string, number>();
    for (const filter of denied) grants.set(filter, await subscribe(a, filter));
    const mine = [...TO_CAMERA.map((k) => camTopic(A, k)), `${ROOT}/blacklist/updates`];
    for (const filter of mine) assert.equal(await subscribe(a, filter), 1, `subscribe ${filter}`);
    // The server publishes on every topic of B, then on A's: A gets only its own, in order.
    for (const kind of CAMERA_KINDS) await server.client.publishAsync(camTopic(B, kind), `B:${kind}`, { qos: 1 });
    for (const kind of FROM_CAMERA) await server.client.publishAsync(camTopic(A, kind), `A-source:${kind}`, { qos: 1 });
    await server.client.publishAsync(`${ROOT}/blacklist/notifications`, 'notification', { qos: 1 });
    await server.client.publishAsync(`${ROOT}/system/status`, 'status', { qos: 1 });
    for (const topic of mine) await server.client.publishAsync(topic, `mine:${topic}`, { qos: 1 });
    await waitUntil(() => a.got.length >= mine.length, `${mine.length} messages at A`);
    assert.deepEqual(a.got.map((m) => m.payload), mine.map((t) => `mine:${t}`), 'A received only its own');
    // Mosquitto 2.0.11 grants these SUBACKs and applies the `read` ACL to each message it would
    // deliver; newer versions may refuse the SUBACK (128). Either way nothing arrives (asserted above).
    console.log(`      SUBACK for ${denied.length} forbidden filters: ${[...new Set(grants.values())].map((q) => (q === 128 ? '128 (refused)' : `${q} (granted, nothing delivered)`)).join(', ')}`);
    for (const [filter, qos] of grants) assert.ok(qos === 1 || qos === 128, `SUBACK of ${filter}: ${qos}`);
  });
});
