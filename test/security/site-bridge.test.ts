/**
 * Many sites: a site Mosquitto bridged to a central one, both running what `lpr-mosquitto` writes.
 * The site's bridge goes through a TCP relay (freeze-proxy.ts) that the test cuts for a while during
 * a stream of detections from site cameras (plain MQTT.js publishers, QoS 1, no resend of their own,
 * so whatever the bridge loses stays lost). At the centre a real lpr-detection-in (acks on) counts
 * what comes out; a raw observer counts what the centre broker delivers before dedupe. A command
 * sent by lpr-camera-control at the centre reaches an lpr-camera at the site and its answer comes
 * back. Last, the site's bridge user logged in at the centre itself reaches only its own cameras.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { provision, readUserFile, resolveProvisionOptions } from '../../src/mosquitto';
import { startFreezeProxy, type FreezeProxy } from '../fixtures/freeze-proxy';
import { listeningSockets } from '../fixtures/listening-sockets';
import { startProvisionedMosquitto, type ProvisionedMosquitto } from '../fixtures/provisioned-mosquitto';
import { detection } from '../fixtures/samples';
import { sleep, waitUntil } from '../fixtures/wait';
import { collect, helper, useHelperServer } from '../nodes/harness';

/* eslint-disable @typescript-eslint/no-require-imports */
const nodes = [
  require('../../dist/lpr-broker.js'),
  require('../../dist/lpr-camera.js'),
  require('../../dist/lpr-detection-in.js'),
  require('../../dist/lpr-camera-control.js'),
  require('@node-red/nodes/core/function/15-change.js'),
];

const SITE = 'lot-a';
const BRIDGE_USER = `site-${SITE}`;
const EDGE_CAMERA = 'A-CAM1';
const STREAM_CAMERAS = ['A-CAM2', 'A-CAM3'];
const OTHER_SITE = 'lot-b';
const OTHER_CAMERA = 'B-CAM1';
const PER_CAMERA = Number(process.env.BRIDGE_DETECTIONS_PER_CAMERA ?? 1500);
const RATE_PER_CAMERA = 200; // detections per second per camera
const CUT_AT_MS = 1500;
const CUT_MS = Number(process.env.BRIDGE_CUT_MS ?? 5000);
const asRoot = process.getuid?.() === 0 ? { runAs: 'root' } : {};
/**
 * The bridge over TLS (mTLS with the certificate the centre issued) only with BRIDGE_TLS=1: with
 * Mosquitto 2.0.11 and OpenSSL 3 (Debian bookworm, CI), a TLS bridge whose link is cut during its
 * reconnect handshakes sometimes spins at 100 % CPU after "SSL routines::unexpected eof while
 * reading" and stops serving its own clients (seen in 2 of 4 runs here; thin-edge.io #2692 reports
 * the same). The TLS variant passed whole when it did not spin (figures in docs/sites.md).
 */
const BRIDGE_TLS = process.env.BRIDGE_TLS !== '0';
/** refuse: the relay stops listening (connections refused); accept-close: it accepts and closes them. */
const CUT_MODE = process.env.BRIDGE_CUT_MODE === 'accept-close' ? 'accept-close' : 'refuse';

function brokerProps(id: string, port: number, clientId: string, persistent = false) {
  return {
    id, type: 'lpr-broker', broker: '127.0.0.1', port, protocolVersion: 4, clientId, cleanSession: !persistent, sessionExpiry: 0, keepalive: 60,
    reconnectPeriod: 0.2, connectTimeout: 5, topicRoot: 'lprserver', usetls: false, birth: true, queueLimit: 1000,
  };
}

function connect(url: string, username: string, password: string, extra: mqtt.IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, { username, password, reconnectPeriod: 200, connectTimeout: 5000, ...extra });
    client.once('connect', () => resolve(client));
    client.once('error', reject);
  });
}

describe('sites: a site Mosquitto bridged to the centre (lpr-mosquitto on both, real processes)', function () {
  this.timeout(180_000);
  let siteDir: string;
  let otherDir: string;
  let centre: ProvisionedMosquitto;
  let proxy: FreezeProxy;
  let site: ProvisionedMosquitto;
  const clients: MqttClient[] = [];

  before(async () => {
    // 1. Each site is provisioned once: it writes the bundle the centre needs (bridge user, its
    //    password hash and the site's cameras). The centre's address is not known yet.
    siteDir = mkdtempSync(path.join(os.tmpdir(), 'lpr-site-a-'));
    otherDir = mkdtempSync(path.join(os.tmpdir(), 'lpr-site-b-'));
    await provision(
      resolveProvisionOptions({ out: siteDir, site: SITE, cameras: [EDGE_CAMERA, ...STREAM_CAMERAS], bridgeHost: 'centre.example.com', ...asRoot }),
      { generatedBy: 'test' },
    );
    await provision(resolveProvisionOptions({ out: otherDir, site: OTHER_SITE, cameras: [OTHER_CAMERA], bridgeHost: 'centre.example.com', ...asRoot }), { generatedBy: 'test' });
    // 2. The centre takes both bundles: per-site bridge users, their ACLs, client certificates.
    centre = await startProvisionedMosquitto({
      serverUsers: ['lprserver', 'observer', 'operator'],
      tls: true,
      mtls: true,
      siteBundles: [path.join(siteDir, 'centre', 'site.json'), path.join(otherDir, 'centre', 'site.json')],
    });
    proxy = await startFreezeProxy(BRIDGE_TLS ? centre.tlsPort : centre.port);
    // 3. The site again, now pointing at the centre (through the relay) with the centre's CA and the
    //    client certificate the centre issued for its bridge user; its bridge password is kept.
    site = await startProvisionedMosquitto(
      {
        site: SITE,
        cameras: [EDGE_CAMERA, ...STREAM_CAMERAS],
        bridgeHost: '127.0.0.1',
        bridgePort: proxy.port,
        ...(BRIDGE_TLS
          ? { bridgeCafile: centre.caCert, bridgeCertfile: centre.clientCert(BRIDGE_USER).cert, bridgeKeyfile: centre.clientCert(BRIDGE_USER).key }
          : { bridgeTls: false }),
        bridgeKeepalive: 5,
        bridgeRetry: [1, 2],
      },
      { dir: siteDir },
    );
    await waitUntil(() => centre.log().includes(`u'${BRIDGE_USER}'`), 'the site bridge logged in at the centre', 15_000);
  });

  after(async () => {
    if (process.env.BRIDGE_TEST_LOGS) {
      writeFileSync(path.join(process.env.BRIDGE_TEST_LOGS, 'site.log'), site?.log() ?? '');
      writeFileSync(path.join(process.env.BRIDGE_TEST_LOGS, 'centre.log'), centre?.log() ?? '');
    }
    for (const c of clients) c.end(true);
    await site?.stop();
    await proxy?.close();
    await centre?.stop();
    rmSync(otherDir, { recursive: true, force: true });
  });

  useHelperServer();
  afterEach(() => {
    // One connection per user (use_username_as_clientid): a client left behind would throw the next test's off.
    for (const c of clients.splice(0)) c.end(true);
  });

  it('the site listens only where asked; the bridge is an outgoing connection', () => {
    if (process.platform !== 'linux') return;
    assert.deepEqual(listeningSockets(site.pid), [`127.0.0.1:${site.port}`]);
    const conf = readFileSync(site.result.conf, 'utf8');
    assert.match(conf, /^connection lpr-lot-a$/m);
    assert.match(conf, new RegExp(`^address 127\\.0\\.0\\.1:${proxy.port}$`, 'm'));
  });

  it(`${STREAM_CAMERAS.length} × ${PER_CAMERA} detections with the bridge cut for ${CUT_MS / 1000} s: 0 lost, 0 duplicated at the centre, every one acked at the site`, async () => {
    await helper.load(
      nodes,
      [
        brokerProps('server', centre.port, 'centre-server', true),
        { id: 'in', type: 'lpr-detection-in', broker: 'server', camera: '', sharedGroup: '', ack: true, dedupe: 300, dedupeSize: 100_000, split: false, maxBytes: 262144, rateLimit: 0, wires: [['out']] },
        { id: 'out', type: 'helper' },
      ],
      { server: { user: 'lprserver', password: centre.credentials.get('lprserver')! } },
    );
    const out = collect('out');
    await waitUntil(() => (helper.getNode('server') as any).connection.connected, 'the centre server connected');
    // The raw view at the centre: every copy the centre broker delivers, before dedupe.
    const observer = await connect(centre.url, 'observer', centre.credentials.get('observer')!);
    clients.push(observer);
    const raw = new Map<string, number>();
    observer.on('message', (_t, payload) => {
      const id = JSON.parse(payload.toString()).message_id as string;
      raw.set(id, (raw.get(id) ?? 0) + 1);
    });
    await observer.subscribeAsync('lprserver/cameras/+/detection', { qos: 1 });
    await sleep(500);

    const acks = new Map<string, number>();
    const cameras = await Promise.all(
      STREAM_CAMERAS.map(async (id) => {
        const client = await connect(site.url, id, site.credentials.get(id)!, { clean: true });
        clients.push(client);
        client.on('message', (_t, payload) => {
          const ack = JSON.parse(payload.toString());
          if (ack.status === 'received') acks.set(ack.ack_id, (acks.get(ack.ack_id) ?? 0) + 1);
        });
        await client.subscribeAsync(`lprserver/cameras/${id}/detection/ack`, { qos: 1 });
        return { id, client };
      }),
    );
    const sent: string[] = [];
    const started = Date.now();
    let rawAtCut = -1;
    let rawAtMend = -1;
    // The site keeps working while its WAN is down: its broker takes (PUBACKs) the cameras' detections.
    let taken = 0;
    let takenAtCut = -1;
    let takenAtMend = -1;
    const cut = (async () => {
      await sleep(CUT_AT_MS);
      proxy.cut(CUT_MODE);
      rawAtCut = [...raw.values()].reduce((a, b) => a + b, 0);
      takenAtCut = taken;
      await sleep(CUT_MS);
      rawAtMend = [...raw.values()].reduce((a, b) => a + b, 0);
      takenAtMend = taken;
      await proxy.mend();
    })();
    // Each camera publishes at its rate, QoS 1, through the cut (its own link to the site is fine).
    await Promise.all(
      cameras.map(async ({ id, client }) => {
        for (let i = 0; i < PER_CAMERA; i++) {
          const messageId = `${id}-${i}`;
          sent.push(messageId);
          void client.publishAsync(`lprserver/cameras/${id}/detection`, JSON.stringify(detection(id, messageId)), { qos: 1 }).then(() => taken++);
          const due = started + ((i + 1) * 1000) / RATE_PER_CAMERA;
          const wait = due - Date.now();
          if (wait > 0) await sleep(wait);
        }
      }),
    );
    const streamMs = Date.now() - started;
    await cut;
    const total = STREAM_CAMERAS.length * PER_CAMERA;
    const state = () => `out ${new Set(out.map((m) => m.payload.message_id)).size}, at the centre broker ${raw.size}, acks ${acks.size}, bridge connections ${proxy.connections()}`;
    await waitUntil(() => new Set(out.map((m) => m.payload.message_id)).size === total, `${total} detections out of lpr-detection-in at the centre`, 60_000).catch((err) => {
      throw new Error(`${err.message} (${state()})`);
    });
    await waitUntil(() => acks.size === total, `${total} acks back at the site cameras`, 30_000).catch((err) => {
      throw new Error(`${err.message} (${state()})`);
    });
    await sleep(1500); // late copies, if any, would show up now
    const counts = new Map<string, number>();
    for (const m of out) counts.set(m.payload.message_id, (counts.get(m.payload.message_id) ?? 0) + 1);
    const lost = sent.filter((id) => !counts.has(id));
    const duplicated = [...counts.values()].filter((n) => n > 1).length;
    const rawCopies = [...raw.values()].reduce((a, b) => a + b, 0);
    const figures = {
      detections: total, cutMs: CUT_MS, streamMs, outputs: out.length, lost: lost.length, duplicated,
      centreDeliveries: rawCopies, centreDuplicatesBeforeDedupe: rawCopies - raw.size, arrivedDuringCut: rawAtMend - rawAtCut, takenBySiteDuringCut: takenAtMend - takenAtCut,
      acked: acks.size, ackCopies: [...acks.values()].reduce((a, b) => a + b, 0), bridgeConnections: proxy.connections(),
    };
    console.log(`      site-bridge figures: ${JSON.stringify(figures)}`);
    assert.equal(lost.length, 0, `lost: ${lost.slice(0, 10).join(', ')}`);
    assert.equal(duplicated, 0);
    assert.deepEqual(sent.filter((id) => !acks.has(id)), [], 'every detection acked at its camera');
    assert.ok(proxy.connections() >= 2, 'the bridge reconnected after the cut');
    assert.ok(rawAtMend - rawAtCut < total / 2, 'the cut held detections back');
    assert.ok(takenAtMend - takenAtCut > 0, 'the site broker took detections while its link was down');
  });

  it('a command from the centre reaches the site camera and its response comes back', async () => {
    await helper.load(
      nodes,
      [
        brokerProps('server', centre.port, 'centre-control'),
        { id: 'ctl', type: 'lpr-camera-control', broker: 'server', camera: '', command: '', timeout: 10, priority: '', wires: [['responses'], ['failures']] },
        { id: 'responses', type: 'helper' },
        { id: 'failures', type: 'helper' },
        brokerProps('edge', site.port, 'site-edge'),
        { id: 'cam', type: 'lpr-camera', broker: 'edge', camera: EDGE_CAMERA, checkpoint: 'CP001', persist: false, requestConfig: false, ackTimeout: 30, wires: [['answer'], []] },
        {
          id: 'answer', type: 'change', wires: [['cam']],
          rules: [
            { t: 'set', p: 'topic', pt: 'msg', to: 'control/response', tot: 'str' },
            { t: 'set', p: 'payload', pt: 'msg', to: '{"status":"success","result":{"via":"bridge"}}', tot: 'json' },
          ],
        },
      ],
      {
        server: { user: 'operator', password: centre.credentials.get('operator')! },
        edge: { user: EDGE_CAMERA, password: site.credentials.get(EDGE_CAMERA)! },
      },
    );
    const responses = collect('responses');
    const failures = collect('failures');
    await waitUntil(() => ['server', 'edge'].every((id) => (helper.getNode(id) as any).connection.connected), 'both connected').catch((err) => {
      let state = '';
      try {
        state = readFileSync(`/proc/${site.pid}/stat`, 'utf8') + readFileSync(`/proc/${site.pid}/wchan`, 'utf8');
      } catch {}
      if (process.env.BRIDGE_TEST_LOGS) writeFileSync(path.join(process.env.BRIDGE_TEST_LOGS, 'site-at-failure.log'), site.log());
      throw new Error(`${err.message}: server ${(helper.getNode('server') as any).connection.connected}, edge ${(helper.getNode('edge') as any).connection.connected}; site ${state}`);
    });
    await sleep(1000); // the camera's and the requester's own subscriptions (the bridge's are already in place)
    helper.getNode('ctl').receive({ camera: EDGE_CAMERA, payload: { command: 'restart_camera', parameters: {} } });
    await waitUntil(() => responses.length + failures.length === 1, 'the control response through the bridge', 15_000);
    assert.equal(failures.length, 0, JSON.stringify(failures[0]?.payload));
    assert.equal(responses[0].payload.status, 'success');
    assert.deepEqual(responses[0].payload.result, { via: 'bridge' });
  });

  it("at the centre, the site's bridge user reaches its own cameras only", async () => {
    const password = readUserFile(path.join(siteDir, 'bridge-credentials.txt')).get(BRIDGE_USER)!;
    await site.stop(); // one connection per user: the test takes the bridge user's place
    const cert = centre.clientCert(BRIDGE_USER);
    const asSite = BRIDGE_TLS
      ? await connect(centre.tlsUrl, BRIDGE_USER, password, { ca: readFileSync(centre.caCert), cert: readFileSync(cert.cert), key: readFileSync(cert.key), rejectUnauthorized: true })
      : await connect(centre.url, BRIDGE_USER, password);
    clients.push(asSite);
    const observer = await connect(centre.url, 'observer', centre.credentials.get('observer')!);
    clients.push(observer);
    const seenAtCentre: string[] = [];
    observer.on('message', (topic) => seenAtCentre.push(topic));
    await observer.subscribeAsync('lprserver/#', { qos: 1 });
    const seenBySite: string[] = [];
    asSite.on('message', (topic) => seenBySite.push(topic));
    await asSite.subscribeAsync([`lprserver/cameras/${OTHER_CAMERA}/control`, `lprserver/cameras/${EDGE_CAMERA}/control`, 'lprserver/#'], { qos: 1 });
    await sleep(300);
    await asSite.publishAsync(`lprserver/cameras/${OTHER_CAMERA}/detection`, JSON.stringify(detection(OTHER_CAMERA, 'forged')), { qos: 1 });
    await asSite.publishAsync(`lprserver/cameras/${EDGE_CAMERA}/detection`, JSON.stringify(detection(EDGE_CAMERA, 'own')), { qos: 1 });
    await asSite.publishAsync('lprserver/system/control', '{}', { qos: 1 });
    const operator = await connect(centre.url, 'operator', centre.credentials.get('operator')!);
    clients.push(operator);
    await operator.publishAsync(`lprserver/cameras/${OTHER_CAMERA}/control`, '{"x":1}', { qos: 1 });
    await operator.publishAsync(`lprserver/cameras/${EDGE_CAMERA}/control`, '{"x":2}', { qos: 1 });
    await sleep(1000);
    assert.deepEqual(seenAtCentre.filter((t) => t.endsWith('/detection') || t.endsWith('system/control')), [`lprserver/cameras/${EDGE_CAMERA}/detection`]);
    assert.deepEqual([...new Set(seenBySite)], [`lprserver/cameras/${EDGE_CAMERA}/control`]);
  });
});
