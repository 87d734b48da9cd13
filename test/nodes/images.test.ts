/**
 * Detection images end to end on a real Mosquitto (docs/protocol.md "Images"): lpr-camera
 * publishes msg.image before its detection; lpr-detection-in with `images` keeps the latest ones
 * (bounded in count and bytes) and serves them on httpNode; bad input is refused naming the field.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import mqtt from 'mqtt';
import { jpegProblem } from '../../src/protocol';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { sleep, waitUntil } from '../fixtures/wait';
import { fakeJpeg } from '../fixtures/jpeg';
import { brokerConfig, helper } from './harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const brokerNode = require('../../dist/lpr-broker.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cameraNode = require('../../dist/lpr-camera.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const detectionInNode = require('../../dist/lpr-detection-in.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const catchNode = require('@node-red/nodes/core/common/25-catch.js');

/** The runtime's httpNode app, which the test helper does not mount on its HTTP server. */
let httpNode: any = null;
const captureHttpNode = (RED: { httpNode?: unknown }) => {
  httpNode = RED.httpNode;
};
const NODES = [brokerNode, cameraNode, detectionInNode, catchNode, captureHttpNode];
const BASE = 'lprserver/cameras/CAM001';
const SIM = path.resolve(__dirname, '../../dist/bin/lpr-sim.js');

function body(extra: Record<string, unknown> = {}): Record<string, any> {
  return {
    detection_data: {
      vehicles_count: 1,
      plates_count: 1,
      processing_time_ms: 120,
      confidence_score: 0.9,
      detection_type: 'lpr',
      vehicles: [],
      plates: [{ plate_index: 0, plate_number: 'กข1234', confidence: 0.9, province: 'กรุงเทพมหานคร' }],
    },
    ...extra,
  };
}

function flow(mosquitto: Mosquitto, inProps: Record<string, unknown> = {}) {
  return [
    brokerConfig(mosquitto, { id: 'cbroker', name: 'camera broker' }),
    { id: 'cam', type: 'lpr-camera', broker: 'cbroker', camera: 'CAM001', checkpoint: 'CP001', ack: true, ackTimeout: 30, bufferSize: 100, overflow: 'drop-oldest', persist: false, file: '', requestConfig: false, wires: [[], []] },
    // One catch node (the test helper loads a core type once): errors of both, told apart by source.
    { id: 'catcher', type: 'catch', scope: ['cam', 'in'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
    brokerConfig(mosquitto, { id: 'sbroker', name: 'server broker' }),
    { id: 'in', type: 'lpr-detection-in', broker: 'sbroker', camera: '', sharedGroup: '', ack: true, dedupe: 300, dedupeSize: 1000, split: false, maxBytes: 262144, images: true, imageCount: 3, imageMemory: 1, wires: [['out']], ...inProps },
    { id: 'out', type: 'helper' },
  ];
}

function collect(id: string): any[] {
  const seen: any[] = [];
  helper.getNode(id).on('input', (msg: any) => seen.push(msg));
  return seen;
}

async function ready(): Promise<void> {
  for (const id of ['cbroker', 'sbroker']) {
    const conn = (helper.getNode(id) as any).connection;
    await waitUntil(() => conn.connected && [...conn.subs.values()].every((s: any) => s.active), `${id} connected and subscribed`);
  }
  await waitUntil(() => (helper.getNode('cam') as any).lprAgent.outbox.isOnline, 'camera online');
  await sleep(150);
}

async function get(path: string): Promise<{ status: number; type: string | null; body: Buffer }> {
  const res = await fetch(`${helper.url()}${path}`);
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
}

describe('detection images: lpr-camera -> Mosquitto -> lpr-detection-in -> HTTP', function () {
  this.timeout(30_000);
  let mosquitto: Mosquitto;
  let spy: mqtt.MqttClient | null = null;

  before(async () => {
    mosquitto = await startMosquitto();
  });
  after(async () => {
    await mosquitto?.stop();
  });
  beforeEach((done) => {
    helper.startServer(done);
  });
  afterEach(async () => {
    spy?.end(true);
    spy = null;
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
  });

  async function load(inProps: Record<string, unknown> = {}) {
    await helper.load(NODES, flow(mosquitto, inProps));
    (helper as any)._app.use(httpNode);
    const seen: Array<{ topic: string; payload: Buffer }> = [];
    spy = await mqtt.connectAsync(`mqtt://127.0.0.1:${mosquitto.port}`, { reconnectPeriod: 0 });
    spy.on('message', (topic, payload) => seen.push({ topic, payload }));
    await spy.subscribeAsync(`${BASE}/#`, { qos: 1 });
    const out = collect('out');
    const all = collect('caught');
    const caught = new Proxy(all, { get: (_t, p) => Reflect.get(all.filter((m) => m.error?.source?.id === 'cam'), p) }) as any[];
    const inCaught = new Proxy(all, { get: (_t, p) => Reflect.get(all.filter((m) => m.error?.source?.id === 'in'), p) }) as any[];
    await ready();
    return { seen, out, caught, inCaught };
  }

  it('publishes msg.image before its detection; the server serves it at msg.lpr.imageUrl, byte for byte', async () => {
    const { seen, out, caught } = await load();
    const jpeg = fakeJpeg(5000);
    helper.getNode('cam').receive({ topic: 'detection', payload: body({ message_id: 'det-1' }), image: jpeg });
    await waitUntil(() => out.length === 1, 'the detection at the server');
    await waitUntil(() => seen.filter((m) => /\/(images\/[^/]+|detection)$/.test(m.topic)).length >= 2, 'image and detection seen on the broker');
    const order = seen.map((m) => m.topic).filter((t) => /\/(images\/[^/]+|detection)$/.test(t));
    assert.deepEqual(order, [`${BASE}/images/det-1`, `${BASE}/detection`], 'the image goes first');
    assert.ok(seen.find((m) => m.topic.endsWith('/images/det-1'))!.payload.equals(jpeg));
    assert.equal(out[0].lpr.imageUrl, '/lpr/images/CAM001/det-1.jpg');
    const res = await get(out[0].lpr.imageUrl);
    assert.equal(res.status, 200);
    assert.equal(res.type, 'image/jpeg');
    assert.ok(res.body.equals(jpeg));
    assert.equal(caught.length, 0);
    // A detection without an image has no imageUrl; one with metadata.image_url gets that.
    helper.getNode('cam').receive({ topic: 'detection', payload: body({ message_id: 'det-2' }) });
    helper.getNode('cam').receive({ topic: 'detection', payload: body({ message_id: 'det-3', metadata: { image_url: 'https://nvr.example/snap/det-3.jpg' } }) });
    await waitUntil(() => out.length === 3, 'two more');
    assert.equal(out[1].lpr.imageUrl, undefined);
    assert.equal(out[2].lpr.imageUrl, 'https://nvr.example/snap/det-3.jpg');
  });

  it('refuses a bad msg.image or image_url naming the field, publishes nothing for it, and loses nothing else', async () => {
    const { seen, out, caught } = await load();
    const cam = helper.getNode('cam');
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.alloc(200)]);
    cam.receive({ topic: 'detection', payload: body({ message_id: 'bad-1' }), image: 'not a buffer' });
    cam.receive({ topic: 'detection', payload: body({ message_id: 'bad-2' }), image: png });
    cam.receive({ topic: 'detection', payload: body({ message_id: 'bad-3' }), image: fakeJpeg(256 * 1024 + 1) });
    cam.receive({ topic: 'detection', payload: body({ message_id: 'bad 4' }), image: fakeJpeg(300) });
    cam.receive({ topic: 'detection', payload: body({ message_id: 'bad-5', metadata: { image_url: 'javascript:alert(1)' } }) });
    cam.receive({ topic: 'detection', payload: body({ message_id: 'good-6' }), image: fakeJpeg(300) });
    await waitUntil(() => caught.length === 5 && out.length === 1, 'five errors and the good one');
    const messages = caught.map((c) => String(c.error.message));
    assert.match(messages[0]!, /msg\.image: must be a Buffer holding a JPEG, got string/);
    assert.match(messages[1]!, /msg\.image: is not a JPEG/);
    assert.match(messages[2]!, /msg\.image: is 262145 bytes, over the 262144-byte limit/);
    assert.match(messages[3]!, /msg\.payload\.message_id: .*image topic/);
    assert.match(messages[4]!, /msg\.payload\.metadata\.image_url: must be an http or https URL/);
    assert.equal(out[0].payload.message_id, 'good-6');
    await sleep(200);
    assert.deepEqual(
      seen.map((m) => m.topic).filter((t) => /\/(images\/[^/]+|detection)$/.test(t)),
      [`${BASE}/images/good-6`, `${BASE}/detection`],
      'nothing of the refused ones reached the broker',
    );
  });

  it('keeps at most imageCount images and imageMemory bytes, the oldest going first', async () => {
    const { out } = await load({ imageCount: 3, imageMemory: 1 }); // 3 images, 1 MiB
    const cam = helper.getNode('cam');
    for (let i = 1; i <= 5; i++) cam.receive({ topic: 'detection', payload: body({ message_id: `n-${i}` }), image: fakeJpeg(1000) });
    await waitUntil(() => out.length === 5, 'five detections');
    const store = (helper.getNode('in') as any).lprImages;
    assert.equal(store.size, 3, 'count bound');
    assert.equal((await get('/lpr/images/CAM001/n-1.jpg')).status, 404, 'the oldest is gone');
    assert.equal((await get('/lpr/images/CAM001/n-5.jpg')).status, 200);
    // Images of 250,000 bytes: four fill 1 MiB (1,048,576), so a fifth pushes out the oldest.
    assert.equal(store.maxBytes, 1_048_576);
    for (let i = 6; i <= 10; i++) cam.receive({ topic: 'detection', payload: body({ message_id: `b-${i}` }), image: fakeJpeg(250_000) });
    await waitUntil(() => out.length === 10, 'five more');
    assert.ok(store.totalBytes <= 1_048_576, `bytes ${store.totalBytes}`);
    assert.equal(store.size, 3, 'count bound again');
    await helper.unload();
    await load({ imageCount: 100, imageMemory: 1 });
    const big = (helper.getNode('in') as any).lprImages;
    const more = collect('out');
    for (let i = 1; i <= 6; i++) helper.getNode('cam').receive({ topic: 'detection', payload: body({ message_id: `m-${i}` }), image: fakeJpeg(250_000) });
    await waitUntil(() => more.length === 6, 'six big ones');
    assert.equal(big.size, 4, 'byte bound: four of 250,000 bytes in 1 MiB');
    assert.equal(big.totalBytes, 1_000_000);
    assert.equal((await get('/lpr/images/CAM001/m-2.jpg')).status, 404);
    assert.equal((await get('/lpr/images/CAM001/m-3.jpg')).status, 200);
  });

  it('drops what is not a JPEG or too big on the image topic, with an error naming msg.payload', async () => {
    const { out, inCaught } = await load();
    const pub = await mqtt.connectAsync(`mqtt://127.0.0.1:${mosquitto.port}`, { reconnectPeriod: 0 });
    try {
      await pub.publishAsync(`${BASE}/images/x-1`, Buffer.from('{"not":"a jpeg"}'.repeat(8)), { qos: 1 });
      await waitUntil(() => inCaught.length === 1, 'an error');
      assert.match(String(inCaught[0].error.message), /image rejected: msg\.payload is not a JPEG/);
      await pub.publishAsync(`${BASE}/images/x-2`, fakeJpeg(256 * 1024 + 1), { qos: 1 });
      await pub.publishAsync(`${BASE}/images/x-3`, fakeJpeg(100), { qos: 1 });
      await pub.publishAsync(`${BASE}/images/x-4`, fakeJpeg(256 * 1024), { qos: 1 });
      const store = (helper.getNode('in') as any).lprImages;
      await waitUntil(() => store.size === 2, 'the two valid ones kept');
      // The second refusal is counted, not said again within 10 s.
      assert.equal(store.counts.refused, 2);
      assert.equal(inCaught.length, 1);
      assert.equal((await get('/lpr/images/CAM001/x-1.jpg')).status, 404);
      assert.equal(out.length, 0);
    } finally {
      pub.end(true);
    }
  });

  it('serves nothing outside the store: bad ids, traversal, other suffixes are 404; the route goes with the node', async () => {
    const { out } = await load();
    helper.getNode('cam').receive({ topic: 'detection', payload: body({ message_id: 'p-1' }), image: fakeJpeg(300) });
    await waitUntil(() => out.length === 1, 'stored');
    assert.equal((await get('/lpr/images/CAM001/p-1.jpg')).status, 200);
    for (const path of ['/lpr/images/CAM001/p-1', '/lpr/images/CAM001/p-1.png', '/lpr/images/CAM001/..%2F..%2Fpackage.json', '/lpr/images/..%2Fetc/passwd.jpg', '/lpr/images/CAM%20001/p-1.jpg', '/lpr/images/CAM002/p-1.jpg', '/lpr/images/CAM001/%2E%2E.jpg']) {
      const res = await get(path);
      assert.equal(res.status, 404, path);
      assert.ok(!res.body.includes('"name"'), path);
    }
    await helper.unload();
    const stack = (httpNode._router ?? httpNode.router).stack as any[];
    assert.ok(!stack.some((l) => l.route?.path === '/lpr/images/:camera/:file'), 'route removed');
  });

  it('lpr-sim --images: every detection comes with a plate JPEG the server serves', async () => {
    const { out } = await load();
    const sim = spawn(process.execPath, [SIM, '--url', mosquitto.url, '--cameras', '1', '--prefix', 'SIMG', '--rate', '5', '--count', '3', '--drain', '3', '--images', '--thai-ratio', '1', '--quiet'], { stdio: 'ignore' });
    try {
      await waitUntil(() => out.filter((m) => m.lpr.cameraId === 'SIMG001').length === 3, 'three simulated detections', 20_000);
    } finally {
      sim.kill();
    }
    for (const m of out.filter((x) => x.lpr.cameraId === 'SIMG001')) {
      assert.equal(m.lpr.imageUrl, `/lpr/images/SIMG001/${m.payload.message_id}.jpg`);
      const res = await get(m.lpr.imageUrl);
      assert.equal(res.status, 200);
      assert.equal(jpegProblem(res.body), null);
    }
  });

  it('flows saved before images existed take none (no image subscription, no imageUrl)', async () => {
    const { out } = await load({ images: undefined, imageCount: undefined, imageMemory: undefined });
    helper.getNode('cam').receive({ topic: 'detection', payload: body({ message_id: 'old-1' }), image: fakeJpeg(300) });
    await waitUntil(() => out.length === 1, 'the detection');
    assert.equal(out[0].lpr.imageUrl, undefined);
    assert.equal((helper.getNode('in') as any).lprImages, null);
  });
});
