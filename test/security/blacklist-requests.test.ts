/**
 * Request amplification (issue 14, item 3), on the configuration lpr-mosquitto writes: one camera
 * floods `blacklist/request`; the list must go only to it (on its own `cameras/{id}/blacklist`),
 * merged and rate-limited, and another camera reading everything it may under the root must get
 * no copy. Counted on the wire by a server-user observer of the whole tree.
 */
import assert from 'node:assert/strict';
import mqtt, { type MqttClient } from 'mqtt';
import { startProvisionedMosquitto, type ProvisionedMosquitto } from '../fixtures/provisioned-mosquitto';
import { sleep, waitUntil } from '../fixtures/wait';
import { collect, helper, useHelperServer } from '../nodes/harness';

/* eslint-disable @typescript-eslint/no-require-imports */
const nodes = [require('../../dist/lpr-broker.js'), require('../../dist/lpr-blacklist.js'), require('../../dist/lpr-camera.js')];

const ROOT = 'lprserver';
const A = 'CAM-A';
const B = 'CAM-B';
/** ~1,500 entries of ~130 B: a ~200 KB list, as in the attack run (100 MB / 500 requests). */
const ENTRIES = Array.from({ length: 1500 }, (_, i) => ({
  plate_number: `AMP${String(i).padStart(4, '0')}`,
  province: 'กรุงเทพมหานคร',
  reason: 'stolen vehicle report',
  priority: 'high',
}));

function brokerProps(id: string, port: number, clientId: string) {
  return {
    id, type: 'lpr-broker', broker: '127.0.0.1', port, protocolVersion: 4, clientId, cleanSession: true, sessionExpiry: 0, keepalive: 60,
    reconnectPeriod: 0.2, connectTimeout: 5, topicRoot: ROOT, usetls: false, birth: true, queueLimit: 1000,
  };
}

/** Whether a message is a copy of the list (a snapshot BlacklistUpdate with all the entries: one chunk of ~200 KB). */
function isListCopy(payload: Buffer): boolean {
  if (payload.length < 1000) return false;
  try {
    const body = JSON.parse(payload.toString());
    return body?.action === 'snapshot' && Array.isArray(body.entries) && body.entries.length === ENTRIES.length;
  } catch {
    return false;
  }
}

describe('security: blacklist/request amplification (generated ACL, real Mosquitto)', function () {
  this.timeout(60_000);
  let broker: ProvisionedMosquitto;
  const clients: MqttClient[] = [];

  before(async () => {
    broker = await startProvisionedMosquitto({ cameras: [A, B], serverUsers: ['lprserver', 'observer'] });
  });
  after(async () => {
    await broker?.stop();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.endAsync(true);
  });
  useHelperServer();

  const login = async (user: string) => {
    const client = await mqtt.connectAsync(broker.url, { username: user, password: broker.credentials.get(user)!, clientId: user, reconnectPeriod: 0, clean: true });
    clients.push(client);
    return client;
  };

  it('500 requests from one camera: a handful of answers, to it alone; no copy for another camera; memory bounded', async () => {
    await helper.load(
      nodes,
      [brokerProps('server', broker.port, 'amp-server'), { id: 'list', type: 'lpr-blacklist', broker: 'server', entries: ENTRIES, persist: false, answerRequests: true }],
      { server: { user: 'lprserver', password: broker.credentials.get('lprserver')! } },
    );
    const conn = (helper.getNode('server') as any).connection;
    await waitUntil(() => conn.connected && [...conn.subs.values()].every((s: any) => s.active), 'the server subscribed');
    await sleep(200);

    // Every list copy anywhere in the tree, as the server user sees it; what each camera receives.
    const observer = await login('observer');
    const copies: string[] = [];
    observer.on('message', (topic, payload) => {
      if (isListCopy(payload)) copies.push(topic);
    });
    await observer.subscribeAsync(`${ROOT}/#`, { qos: 1 });
    const cams = { [A]: [] as string[], [B]: [] as string[] };
    for (const id of [A, B] as const) {
      const c = await login(id);
      c.on('message', (topic, payload) => {
        if (isListCopy(payload)) cams[id].push(topic);
      });
      // Everything the ACL lets it read under the root.
      await c.subscribeAsync(`${ROOT}/#`, { qos: 1 });
    }
    const attacker = clients.at(-2)!;

    const heapBefore = process.memoryUsage().heapUsed;
    let heapPeak = heapBefore;
    const sampler = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 20);
    try {
      const now = () => new Date().toISOString();
      await Promise.all(
        Array.from({ length: 500 }, (_, i) => attacker.publishAsync(`${ROOT}/blacklist/request`, JSON.stringify({ message_id: `flood-${i}`, timestamp: now(), camera_id: A }), { qos: 1 })),
      );
      await waitUntil(() => cams[A].length >= 1, 'the requester gets the list', 15_000);
      await sleep(3000); // merge windows close, anything late would have arrived
    } finally {
      clearInterval(sampler);
    }
    const growthMb = (heapPeak - heapBefore) / 1024 / 1024;
    console.log(`\n  500 requests: ${cams[A].length} answer(s) to ${A}, ${cams[B].length} to ${B}, ${copies.length} list copies in the tree, heap peak +${growthMb.toFixed(1)} MB`);

    assert.ok(cams[A].length >= 1 && cams[A].length <= 5, `the requester got ${cams[A].length} answers (merged and limited)`);
    assert.ok(cams[A].every((t) => t === `${ROOT}/cameras/${A}/blacklist`), `answers on the requester's own topic: ${[...new Set(cams[A])].join(', ')}`);
    assert.equal(cams[B].length, 0, 'the other camera receives no copy of the list');
    assert.equal(copies.length, cams[A].length, 'no list copy anywhere else in the tree');
    assert.ok(growthMb < 50, `server heap grew ${growthMb.toFixed(1)} MB (500 answers of ~200 KB would be ~100 MB)`);
  });

  it('lpr-camera with Watch list asks on connect and gets the whole list on its own topic through the ACL', async () => {
    await helper.load(
      nodes,
      [
        brokerProps('server', broker.port, 'amp-server'),
        { id: 'list', type: 'lpr-blacklist', broker: 'server', entries: ENTRIES, persist: false, answerRequests: true },
        brokerProps('edgeB', broker.port, B),
        { id: 'camB', type: 'lpr-camera', broker: 'edgeB', camera: B, persist: false, requestConfig: false, blacklist: true, wires: [[], [], ['lists']] },
        { id: 'lists', type: 'helper' },
      ],
      { server: { user: 'lprserver', password: broker.credentials.get('lprserver')! }, edgeB: { user: B, password: broker.credentials.get(B)! } },
    );
    const lists = collect('lists');
    await waitUntil(() => lists.length >= 1, 'the list at the camera', 15_000);
    assert.equal(lists[0].topic, 'blacklist');
    assert.equal(lists[0].payload.action, 'snapshot');
    assert.equal(lists[0].payload.snapshot.count, 1);
    assert.equal(lists[0].payload.entries.length, ENTRIES.length);
    assert.equal(lists[0].lpr.mqttTopic, `${ROOT}/cameras/${B}/blacklist`);
    // A shared update still reaches it, on blacklist/updates.
    (helper.getNode('list') as any).applyUpdate('add', [{ plate_number: 'SHARED1' }], true);
    await waitUntil(() => lists.length >= 2, 'the shared update at the camera');
    assert.equal(lists[1].topic, 'blacklist/updates');
    assert.deepEqual(lists[1].payload.entries, [{ plate_number: 'SHARED1' }]);
    assert.ok(lists[1].payload.revision >= 1, 'the update carries its revision');
  });
});
