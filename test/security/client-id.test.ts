/**
 * Client-id takeover on the broker lpr-mosquitto configures by default: MQTT lets a new connection
 * with a client id already in use throw the old one off and take over its session. A camera must
 * not be able to do that to another camera, or to the server (whose persistent session holds the
 * detections queued while it is away). The default `use_username_as_clientid true` makes every
 * client's id its user name, whatever id it sends.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Mosquitto } from '../fixtures/mosquitto';
import { startProvisionedMosquitto, type ProvisionedMosquitto } from '../fixtures/provisioned-mosquitto';
import { detection } from '../fixtures/samples';
import { sleep, waitUntil } from '../fixtures/wait';
import { brokerConfig, brokerNode, collect, detectionInNode, helper, useHelperServer, waitReady } from '../nodes/harness';

const CAM1 = 'CAM001';
const CAM2 = 'CAM002';
const SERVER = 'lprserver';
/** What lpr-broker would use by default for the shipped example flows on a host named "nodered". */
const SERVER_CLIENT_ID = 'lpr-nodered-lpr-example-broker';
const detTopic = (id: string) => `lprserver/cameras/${id}/detection`;

interface Client {
  client: MqttClient;
  got: string[];
  closed: () => boolean;
}

const clients: MqttClient[] = [];

function connect(url: string, options: IClientOptions): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
    clients.push(client);
    const got: string[] = [];
    let closed = false;
    client.on('message', (_topic, payload) => got.push(payload.toString()));
    client.on('close', () => (closed = true));
    client.once('connect', () => resolve({ client, got, closed: () => closed }));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
    client.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

/** A QoS 1 round trip on the camera's own topic: resolves on PUBACK, rejects if the connection closes first. */
function roundTrip(c: Client, camera: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (c.closed() || !c.client.connected) return reject(new Error('connection already closed'));
    c.client.once('close', () => reject(new Error('connection closed (thrown off)')));
    c.client.publish(detTopic(camera), 'still here', { qos: 1 }, (err) => (err ? reject(err) : resolve()));
  });
}

describe('security: client-id takeover on the generated broker config (default options)', function () {
  this.timeout(30_000);
  let broker: ProvisionedMosquitto;
  const login = (user: string) => ({ username: user, password: broker.credentials.get(user)! });

  before(async () => {
    broker = await startProvisionedMosquitto({ cameras: [CAM1, CAM2] });
  });
  after(async () => {
    await broker?.stop();
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.end(true);
  });

  it("CAM001 connecting with CAM002's client id does not throw CAM002 off", async () => {
    const cam2 = await connect(broker.url, { ...login(CAM2), clientId: CAM2, clean: false });
    const cam1 = await connect(broker.url, { ...login(CAM1), clientId: CAM2, clean: false });
    await roundTrip(cam1, CAM1);
    await roundTrip(cam2, CAM2);
    await sleep(200);
    assert.equal(cam2.closed(), false, 'CAM002 still connected');
    assert.match(broker.log(), /New client connected from \S+ as CAM001 \(p2, c0, k60, u'CAM001'\)/, 'the broker used the user name as client id');
  });

  it("CAM001 connecting with the server's client id and a persistent session gets none of the server's queued detections; the server gets all 5", async () => {
    // The server subscribes with a persistent session and goes away.
    const server = await connect(broker.url, { ...login(SERVER), clientId: SERVER_CLIENT_ID, clean: false });
    await server.client.subscribeAsync(detTopic('+'), { qos: 1 });
    await server.client.endAsync();
    // Five detections are queued for it.
    const cam2 = await connect(broker.url, { ...login(CAM2), clientId: CAM2, clean: true });
    for (let i = 0; i < 5; i++) await cam2.client.publishAsync(detTopic(CAM2), `det-${i}`, { qos: 1 });
    // CAM001 claims the server's client id and session; queued messages would come right after CONNACK,
    // before the PUBACK of its own publish.
    const thief = await connect(broker.url, { ...login(CAM1), clientId: SERVER_CLIENT_ID, clean: false });
    await roundTrip(thief, CAM1);
    await thief.client.endAsync();
    assert.deepEqual(thief.got, [], 'CAM001 received nothing');
    const back = await connect(broker.url, { ...login(SERVER), clientId: SERVER_CLIENT_ID, clean: false });
    // (It also gets CAM001's own "still here" detection, published while it was away.)
    const queued = () => back.got.filter((p) => p.startsWith('det-'));
    await waitUntil(() => queued().length >= 5, 'the 5 queued detections at the server').catch(() => {});
    assert.deepEqual(queued(), ['det-0', 'det-1', 'det-2', 'det-3', 'det-4']);
  });
});

describe('security: client-id takeover under mTLS with --identity-as-username', function () {
  this.timeout(30_000);
  let broker: ProvisionedMosquitto;
  const tls = (user: string): IClientOptions => ({
    ca: readFileSync(broker.caCert),
    cert: readFileSync(broker.clientCert(user).cert),
    key: readFileSync(broker.clientCert(user).key),
    rejectUnauthorized: true,
  });

  before(async () => {
    broker = await startProvisionedMosquitto({ cameras: [CAM1, CAM2], tls: true, mtls: true, identityAsUsername: true, port: 0 });
  });
  after(async () => {
    await broker?.stop();
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.end(true);
  });

  it("CAM001's certificate with CAM002's client id does not throw CAM002 off", async () => {
    const cam2 = await connect(broker.tlsUrl, { ...tls(CAM2), clientId: CAM2, clean: false });
    const cam1 = await connect(broker.tlsUrl, { ...tls(CAM1), clientId: CAM2, clean: false });
    await roundTrip(cam1, CAM1);
    await roundTrip(cam2, CAM2);
    await sleep(200);
    assert.equal(cam2.closed(), false, 'CAM002 still connected');
  });
});

describe('client ids bound to user names: lpr-broker keeps its persistent session on the generated config', function () {
  this.timeout(30_000);
  let broker: ProvisionedMosquitto;
  const login = (user: string) => ({ username: user, password: broker.credentials.get(user)! });
  before(async () => {
    broker = await startProvisionedMosquitto({ cameras: [CAM2] });
  });
  after(async () => {
    await broker?.stop();
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.end(true);
  });
  useHelperServer();

  it('detections published while Node-RED was stopped arrive when it starts again (default client id, clean session off)', async () => {
    const flow = [
      brokerConfig(broker as unknown as Mosquitto, { cleanSession: false, sessionExpiry: 86_400 }),
      { id: 'in', type: 'lpr-detection-in', broker: 'broker', camera: '', sharedGroup: '', ack: true, dedupe: 300, dedupeSize: 1000, split: false, maxBytes: 262144, wires: [['out']] },
      { id: 'out', type: 'helper' },
    ];
    const credentials = { broker: { user: SERVER, password: broker.credentials.get(SERVER)! } };
    await helper.load([brokerNode, detectionInNode], flow, credentials);
    await waitReady();
    await helper.unload();
    const cam = await connect(broker.url, { ...login(CAM2), clientId: CAM2, clean: true });
    for (let i = 0; i < 5; i++) await cam.client.publishAsync(detTopic(CAM2), JSON.stringify(detection(CAM2, `queued-${i}`)), { qos: 1 });
    await helper.load([brokerNode, detectionInNode], flow, credentials);
    const out = collect('out');
    await waitUntil(() => out.length >= 5, '5 queued detections delivered');
    assert.deepEqual(out.map((m) => m.payload.message_id), [0, 1, 2, 3, 4].map((i) => `queued-${i}`));
    assert.match(broker.log(), /New client connected from \S+ as lprserver \(p2, c0, k60, u'lprserver'\)/);
  });
});
