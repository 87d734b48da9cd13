/**
 * TLS and mTLS with the certificates lpr-mosquitto makes, on a real Mosquitto: MQTT.js clients,
 * then Node-RED (lpr-broker with a core tls-config node -> lpr-detection-in).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { brokerUrl } from '../../src/runtime/broker-settings';
import { startProvisionedMosquitto, type ProvisionedMosquitto } from '../fixtures/provisioned-mosquitto';
import { detection } from '../fixtures/samples';
import { waitUntil } from '../fixtures/wait';
import { brokerNode, detectionInNode, helper, waitReady } from '../nodes/harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const tlsNode = require('@node-red/nodes/core/network/05-tls.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const statusNode = require('@node-red/nodes/core/common/25-status.js');

const A = 'CAM-A';
const B = 'CAM-B';
const SERVER = 'lprserver';
const detTopic = (id: string) => `lprserver/cameras/${id}/detection`;

const clients: MqttClient[] = [];

/** Connects and resolves, or rejects with the TLS or CONNACK error. */
function connect(url: string, options: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, clean: true, ...options });
    clients.push(client);
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
    client.once('close', () => reject(new Error('connection closed before CONNACK')));
  });
}

function tlsFiles(broker: ProvisionedMosquitto, user: string | null, ca = broker.caCert): IClientOptions {
  return {
    ca: readFileSync(ca),
    ...(user ? { cert: readFileSync(broker.clientCert(user).cert), key: readFileSync(broker.clientCert(user).key) } : {}),
    rejectUnauthorized: true,
  };
}

describe('security: TLS and mTLS with the generated certificates', function () {
  this.timeout(60_000);
  let mtls: ProvisionedMosquitto; // TLS listener requiring a client certificate, plus username/password
  let other: ProvisionedMosquitto; // a second, unrelated CA
  let identity: ProvisionedMosquitto; // mTLS with use_identity_as_username

  before(async () => {
    mtls = await startProvisionedMosquitto({ cameras: [A, B], tls: true, mtls: true, port: 0 });
    other = await startProvisionedMosquitto({ cameras: [A], tls: true, port: 0 });
    identity = await startProvisionedMosquitto({ cameras: [A, B], tls: true, mtls: true, identityAsUsername: true, port: 0 });
  });
  after(async () => {
    await Promise.all([mtls?.stop(), other?.stop(), identity?.stop()]);
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.end(true);
  });

  describe('MQTT.js clients', () => {
    const login = (b: ProvisionedMosquitto, user: string) => ({ username: user, password: b.credentials.get(user)! });

    it('a client with a certificate from the generated CA connects over TLS 1.2 and 1.3 (mTLS)', async () => {
      const v12 = await connect(mtls.tlsUrl, { ...tlsFiles(mtls, A), ...login(mtls, A), ...({ maxVersion: 'TLSv1.2' } as IClientOptions) });
      assert.equal((v12.stream as any).getProtocol(), 'TLSv1.2');
      const c = await connect(mtls.tlsUrl, { ...tlsFiles(mtls, A), ...login(mtls, A) });
      assert.equal((c.stream as any).getProtocol(), 'TLSv1.3');
      assert.match(mtls.log(), /New client connected from 127\.0\.0\.1:\d+ as \S+ \(p2, c1, k60, u'CAM-A'\)/);
    });

    it('a client without a certificate is refused', async () => {
      await assert.rejects(connect(mtls.tlsUrl, { ...tlsFiles(mtls, null), ...login(mtls, A) }));
      await waitUntil(() => /peer did not return a certificate/.test(mtls.log()), 'the refusal in the broker log');
    });

    it('a client trusting another CA refuses the broker; a certificate from another CA is refused by the broker', async () => {
      await assert.rejects(connect(mtls.tlsUrl, { ...tlsFiles(mtls, A, other.caCert), ...login(mtls, A) }), (err: any) => {
        assert.match(String(err.code), /SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
        return true;
      });
      const foreign = { ca: readFileSync(mtls.caCert), cert: readFileSync(other.clientCert(A).cert), key: readFileSync(other.clientCert(A).key) };
      await assert.rejects(connect(mtls.tlsUrl, { ...foreign, ...login(mtls, A) }));
    });

    it('the server name is checked against the certificate (SANs)', async () => {
      await connect(mtls.tlsUrl.replace('127.0.0.1', 'localhost'), { ...tlsFiles(mtls, A), ...login(mtls, A) });
      await assert.rejects(connect(mtls.tlsUrl, { ...tlsFiles(mtls, A), ...login(mtls, A), servername: 'evil.example' }), (err: any) => {
        assert.equal(err.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
        return true;
      });
    });

    it('a valid certificate with a wrong password is still refused (certificate and password both needed)', async () => {
      await assert.rejects(connect(mtls.tlsUrl, { ...tlsFiles(mtls, A), username: A, password: 'not-the-password' }), (err: any) => err.code === 5);
    });

    it("without --identity-as-username the certificate is not bound to the user: CAM-A's certificate with CAM-B's password logs in as CAM-B (documented)", async () => {
      const server = await connect(mtls.tlsUrl, { ...tlsFiles(mtls, SERVER), ...login(mtls, SERVER) });
      const got: string[] = [];
      server.on('message', (topic) => got.push(topic));
      await server.subscribeAsync('lprserver/#', { qos: 1 });
      const aAsB = await connect(mtls.tlsUrl, { ...tlsFiles(mtls, A), ...login(mtls, B) });
      await aAsB.publishAsync(detTopic(B), 'as B', { qos: 1 });
      await waitUntil(() => got.length >= 1, "the detection on B's topic");
      assert.deepEqual(got, [detTopic(B)]);
    });

    it('with --identity-as-username the certificate CN is the user: no password, and the ACL binds it to its own topics', async () => {
      const server = await connect(identity.tlsUrl, tlsFiles(identity, SERVER));
      const got: string[] = [];
      server.on('message', (topic) => got.push(topic));
      await server.subscribeAsync('lprserver/#', { qos: 1 });
      // The username a client claims is ignored: CAM-A's certificate stays CAM-A.
      const a = await connect(identity.tlsUrl, { ...tlsFiles(identity, A), username: B });
      await a.publishAsync(detTopic(B), 'impersonating B', { qos: 1 });
      await a.publishAsync(detTopic(A), 'own', { qos: 1 });
      await waitUntil(() => got.length >= 1, 'A\'s own detection at the server');
      assert.deepEqual(got, [detTopic(A)]);
      await assert.rejects(connect(identity.tlsUrl, tlsFiles(identity, null)));
    });
  });

  describe('Node-RED: lpr-broker with a core tls-config node', () => {
    beforeEach((done) => {
      helper.startServer(done);
    });
    afterEach(async () => {
      await helper.unload();
      await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
    });

    function flow(broker: ProvisionedMosquitto, ca: string, withTlsNode = true, host = '127.0.0.1') {
      const files = broker.clientCert(SERVER);
      return [
        ...(withTlsNode
          ? [{ id: 'tls', type: 'tls-config', name: '', cert: files.cert, key: files.key, ca, certname: '', keyname: '', caname: '', servername: '', verifyservercert: true, alpnprotocol: '' }]
          : []),
        {
          id: 'broker', type: 'lpr-broker', broker: host, port: broker.tlsPort, protocolVersion: 4, clientId: '', cleanSession: true, sessionExpiry: 0,
          keepalive: 60, reconnectPeriod: 0.2, connectTimeout: 5, topicRoot: 'lprserver', usetls: true, tls: withTlsNode ? 'tls' : '', birth: true, queueLimit: 1000,
        },
        { id: 'in', type: 'lpr-detection-in', broker: 'broker', camera: '', sharedGroup: '', ack: true, dedupe: 300, dedupeSize: 1000, split: false, maxBytes: 262144, wires: [['out']] },
        { id: 'out', type: 'helper' },
        { id: 'st', type: 'status', scope: ['in'], wires: [['statuses']] },
        { id: 'statuses', type: 'helper' },
      ];
    }
    const credentials = (broker: ProvisionedMosquitto) => ({ broker: { user: SERVER, password: broker.credentials.get(SERVER)! } });
    const nodes = [tlsNode, brokerNode, detectionInNode, statusNode];

    function collectStatuses(): string[] {
      const seen: string[] = [];
      helper.getNode('statuses').on('input', (msg: any) => seen.push(`${msg.status.fill}/${msg.status.shape}/${msg.status.text}`));
      return seen;
    }

    it('connects over mqtts with the CA, client certificate and key files, and a detection arrives', async () => {
      await helper.load(nodes, flow(mtls, mtls.caCert), credentials(mtls));
      const out: any[] = [];
      helper.getNode('out').on('input', (msg: any) => out.push(msg));
      await waitReady();
      const camera = await connect(mtls.tlsUrl, { ...tlsFiles(mtls, A), username: A, password: mtls.credentials.get(A)! });
      await camera.publishAsync(detTopic(A), JSON.stringify(detection(A, 'tls-det-1')), { qos: 1 });
      await waitUntil(() => out.length === 1, 'the detection at lpr-detection-in');
      assert.equal(out[0].payload.message_id, 'tls-det-1');
      assert.equal(out[0].lpr.cameraId, A);
      assert.match(mtls.log(), /u'lprserver'/);
    });

    it('"Use TLS" with an mqtt:// URL still connects with TLS (never in clear)', async () => {
      assert.equal(brokerUrl('mqtt://127.0.0.1', 8883, true), 'mqtts://127.0.0.1:8883');
      assert.equal(brokerUrl('ws://b.example/mqtt', 1883, true), 'wss://b.example/mqtt');
      assert.equal(brokerUrl('mqtt://b.example', 1883, false), 'mqtt://b.example:1883');
      await helper.load(nodes, flow(mtls, mtls.caCert, true, `mqtt://127.0.0.1:${mtls.tlsPort}`), credentials(mtls));
      const broker = helper.getNode('broker') as any;
      assert.equal(broker.settings.url, `mqtts://127.0.0.1:${mtls.tlsPort}`);
      await waitUntil(() => broker.connection.state === 'connected', 'connected to the TLS listener');
    });

    it('with a tls-config trusting another CA it does not connect, and the status shows it', async () => {
      await helper.load(nodes, flow(mtls, other.caCert), credentials(mtls));
      const statuses = collectStatuses();
      const broker = helper.getNode('broker') as any;
      const problems: string[] = [];
      broker.connection.on('problem', (err: Error) => problems.push(String((err as any).code ?? err.message)));
      await waitUntil(() => problems.length >= 2, 'two failed attempts', 15_000);
      assert.notEqual(broker.connection.state, 'connected');
      assert.ok(problems.every((p) => /SELF_SIGNED|UNABLE_TO_VERIFY|CERT/.test(p)), problems.join(', '));
      await waitUntil(() => statuses.some((s) => s.startsWith('red/ring/disconnected')), 'a red "disconnected" status');
      assert.ok(!statuses.some((s) => s.startsWith('green')), statuses.join(' | '));
      // The log says why, once (throttled), not only a red ring.
      const log = helper.log();
      const warns = log.args.filter((a: any[]) => a[0]?.id === 'broker' && a[0]?.level === log.WARN).map((a: any[]) => String(a[0].msg));
      assert.equal(warns.filter((w: string) => /^connection to mqtts:\/\/\S+ failed: .*(SELF_SIGNED|UNABLE_TO_VERIFY|CERT|certificate)/i.test(w)).length, 1, warns.join(' | '));
    });

    it('with "Use TLS" but no tls-config node, the server certificate is still checked (system CAs): no connection', async () => {
      await helper.load(nodes, flow(mtls, mtls.caCert, false), credentials(mtls));
      const broker = helper.getNode('broker') as any;
      const problems: string[] = [];
      broker.connection.on('problem', (err: Error) => problems.push(String((err as any).code ?? err.message)));
      await waitUntil(() => problems.length >= 1, 'a failed attempt', 15_000);
      assert.notEqual(broker.connection.state, 'connected');
      assert.match(problems[0]!, /SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
    });
  });
});
