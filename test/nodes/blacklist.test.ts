/** lpr-blacklist, lpr-blacklist-match and lpr-blacklist-update on a real Mosquitto. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import mqtt from 'mqtt';
import { startFreezeProxy } from '../fixtures/freeze-proxy';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { mosquittoPub, mosquittoSub } from '../fixtures/mqtt-cli';
import { detection } from '../fixtures/samples';
import { sleep, waitUntil } from '../fixtures/wait';
import { brokerConfig, collect, helper, recordWarnings, waitReady } from './harness';

/* eslint-disable @typescript-eslint/no-require-imports */
const nodes = [
  require('../../dist/lpr-broker.js'),
  require('../../dist/lpr-detection-in.js'),
  require('../../dist/lpr-blacklist.js'),
  require('../../dist/lpr-blacklist-match.js'),
  require('../../dist/lpr-blacklist-update.js'),
  require('@node-red/nodes/core/common/25-catch.js'),
];

const UPDATES = 'lprserver/blacklist/updates';
const EDITOR_ENTRIES = [
  { plate_number: 'ABC1234', reason: 'stolen', priority: 'high' },
  { plate_number: 'กข1234', province: 'กรุงเทพมหานคร', priority: 'critical' },
  { plate_number: 'XYZ*', priority: 'medium' },
];

function update(action: string, entries: unknown[], id = `u-${Math.random()}`) {
  return JSON.stringify({ message_id: id, timestamp: new Date().toISOString(), action, entries });
}

describe('blacklist nodes on a real Mosquitto', function () {
  let mosquitto: Mosquitto;
  let dir: string;

  function flow(matchProps: Record<string, unknown> = {}, listProps: Record<string, unknown> = {}) {
    return [
      brokerConfig(mosquitto),
      { id: 'list', type: 'lpr-blacklist', broker: 'broker', entries: EDITOR_ENTRIES, persist: true, file: path.join(dir, 'list.ndjson'), answerRequests: true, ...listProps },
      { id: 'in', type: 'lpr-detection-in', broker: 'broker', camera: '', ack: false, dedupe: 0, wires: [['match']] },
      { id: 'match', type: 'lpr-blacklist-match', list: 'list', exact: true, lookalike: true, maxSubstitutions: 1, fuzzy: false, maxDistance: 1, pattern: true, requireProvince: false, suppress: 0, publish: true, wires: [['hit'], ['miss']], ...matchProps },
      { id: 'hit', type: 'helper' },
      { id: 'miss', type: 'helper' },
      { id: 'update', type: 'lpr-blacklist-update', list: 'list', action: '', publish: false, wires: [['updated']] },
      { id: 'updated', type: 'helper' },
      { id: 'catcher', type: 'catch', scope: ['match', 'update'], uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ];
  }

  const store = () => (helper.getNode('list') as any).store;
  const plates = () => store().snapshot().map((e: any) => e.plate_number).sort();

  before(async () => {
    mosquitto = await startMosquitto();
  });
  after(async () => {
    await mosquitto?.stop();
  });
  beforeEach((done) => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lpr-blacklist-'));
    helper.startServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('matches plates of detections from lpr-detection-in and publishes the notification', async () => {
    await helper.load(nodes, flow());
    const hit = collect('hit');
    const miss = collect('miss');
    await waitReady('broker', 3);
    const notes = await mosquittoSub(mosquitto.port, 'lprserver/blacklist/notifications');
    try {
      const d = detection('CAM001', 'bl-1', 'A8C 1234'); // 8 for B: a look-alike misread
      d.metadata.image_url = 'https://nvr.example/CAM001/bl-1.jpg';
      await mosquittoPub(mosquitto.port, 'lprserver/cameras/CAM001/detection', JSON.stringify(d));
      await mosquittoPub(mosquitto.port, 'lprserver/cameras/CAM001/detection', JSON.stringify(detection('CAM001', 'bl-2', 'NOPE999')));
      await waitUntil(() => hit.length === 1 && miss.length === 1, 'one hit and one miss');
      const n = hit[0].payload;
      assert.deepEqual([n.camera_id, n.plate_number, n.detection_message_id, n.entry.plate_number], ['CAM001', 'A8C 1234', 'bl-1', 'ABC1234']);
      assert.deepEqual(n.match, { type: 'lookalike', distance: 1, province_match: null });
      assert.equal(n.image_path, d.metadata.image_path);
      // The detection's times in the site zone go with the alert (the dashboard shows them).
      assert.equal(hit[0].lpr.site.zone, 'UTC');
      assert.equal(Date.parse(hit[0].lpr.site.detected.iso), Date.parse(d.timestamp));
      assert.equal(typeof hit[0].lpr.site.received.time, 'string');
      // The detection's picture stays reachable from the alert (msg.lpr.imageUrl passes through).
      assert.equal(hit[0].lpr.imageUrl, 'https://nvr.example/CAM001/bl-1.jpg');
      assert.equal(miss[0].payload.message_id, 'bl-2');
      const [published] = await notes.waitFor(1);
      assert.equal(JSON.parse(published!.payload).message_id, n.message_id);
    } finally {
      notes.stop();
    }
  });

  it('reports a wrong province as its own outcome, and requireProvince drops it', async () => {
    await helper.load(nodes, flow());
    const hit = collect('hit');
    await waitReady('broker', 3);
    helper.getNode('match').receive({ payload: 'กข 1234', province: 'เชียงใหม่' });
    helper.getNode('match').receive({ payload: 'กข1234', province: 'กทม' });
    await waitUntil(() => hit.length === 2, 'two hits');
    assert.deepEqual(hit.map((m) => m.payload.match.province_match), [false, true]);
    await helper.unload();
    await helper.load(nodes, flow({ requireProvince: true }));
    const strict = collect('hit');
    const miss = collect('miss');
    helper.getNode('match').receive({ payload: 'กข 1234', province: 'เชียงใหม่' });
    await waitUntil(() => miss.length === 1, 'no match when the province is required');
    assert.equal(strict.length, 0);
  });

  it('a busy match node sets its status at most about once a second, and the last counts still show', async () => {
    await helper.load(nodes, flow());
    const hit = collect('hit');
    const miss = collect('miss');
    await waitReady('broker', 3);
    const match = helper.getNode('match') as any;
    match.status.resetHistory();
    for (let i = 0; i < 500; i++) match.receive({ payload: i % 5 === 0 ? 'ABC1234' : `NOPE${i}` });
    await waitUntil(() => hit.length + miss.length === 500, '500 plates judged');
    // The editor is told of the counts, not of every plate: each status goes to every open editor.
    assert.ok(match.status.callCount <= 3, `${match.status.callCount} status updates for 500 plates`);
    await waitUntil(() => /100/.test(match.status.lastCall?.args[0]?.text ?? ''), 'the final hit count shown', 3000);
  });

  it('suppresses the same plate and entry within the window', async () => {
    await helper.load(nodes, flow({ suppress: 60 }));
    const hit = collect('hit');
    await waitReady('broker', 3);
    for (let i = 0; i < 3; i++) helper.getNode('match').receive({ payload: 'ABC1234' });
    helper.getNode('match').receive({ payload: 'XYZ99' });
    await waitUntil(() => hit.length === 2, 'two notifications');
    await sleep(100);
    assert.deepEqual(hit.map((m) => m.payload.match.type), ['exact', 'pattern']);
  });

  describe('suppression per camera', () => {
    async function run(matchProps: Record<string, unknown>, cameras: string[]): Promise<string[]> {
      await helper.load(nodes, flow({ suppress: 60, ...matchProps }));
      const hit = collect('hit');
      const miss = collect('miss');
      await waitReady('broker', 3);
      const notes = await mosquittoSub(mosquitto.port, 'lprserver/blacklist/notifications');
      try {
        let i = 0;
        // Published one after another, so the broker delivers them in this order; a suppressed read
        // leaves neither output, so a marker read that always notifies closes the sequence.
        for (const camera of cameras) await mosquittoPub(mosquitto.port, `lprserver/cameras/${camera}/detection`, JSON.stringify(detection(camera, `sp-${++i}`, 'ABC 1234')));
        await mosquittoPub(mosquitto.port, 'lprserver/cameras/CAM009/detection', JSON.stringify(detection('CAM009', 'sp-end', 'XYZ77')));
        await waitUntil(() => hit.some((m) => m.payload.plate_number === 'XYZ77'), 'the marker notification');
        const published = await notes.waitFor(hit.length);
        assert.equal(published.length, hit.length, 'one MQTT notification per output message');
        assert.equal(miss.length, 0);
        return hit.filter((m) => m.payload.plate_number !== 'XYZ77').map((m) => m.payload.camera_id);
      } finally {
        notes.stop();
      }
    }

    it('the same plate at a second camera within the window raises a second notification', async () => {
      assert.deepEqual(await run({ suppressPer: 'camera' }, ['CAM001', 'CAM002']), ['CAM001', 'CAM002']);
    });

    it('the same plate twice at one camera within the window raises one', async () => {
      assert.deepEqual(await run({ suppressPer: 'camera' }, ['CAM001', 'CAM001', 'CAM002', 'CAM002']), ['CAM001', 'CAM002']);
    });

    it('a flow saved before suppressPer existed suppresses per camera', async () => {
      assert.deepEqual(await run({}, ['CAM001', 'CAM002', 'CAM001']), ['CAM001', 'CAM002']);
    });

    it("suppressPer 'site' keeps the old behaviour: one notification for the whole site", async () => {
      assert.deepEqual(await run({ suppressPer: 'site' }, ['CAM001', 'CAM002', 'CAM001']), ['CAM001']);
    });

    it('an unknown suppressPer stops the node with an error naming the property', async () => {
      await helper.load(nodes, flow({ suppressPer: 'checkpoint' }));
      const match = helper.getNode('match') as any;
      const errors = match.error.args.map((a: any[]) => String(a[0]));
      assert.ok(errors.some((e: string) => /suppressPer/.test(e)), errors.join('; '));
    });
  });

  it('applies add, remove and replace published with mosquitto_pub, never removing editor entries', async () => {
    await helper.load(nodes, flow());
    await waitReady('broker', 3);
    await mosquittoPub(mosquitto.port, UPDATES, update('add', [{ plate_number: 'NEW111' }, { plate_number: 'NEW222', province: 'Chiang Mai' }]));
    await waitUntil(() => plates().includes('NEW222'), 'the added entries');
    await mosquittoPub(mosquitto.port, UPDATES, update('remove', [{ plate_number: 'new 111' }, { plate_number: 'ABC1234' }]));
    await waitUntil(() => !plates().includes('NEW111'), 'the removal');
    assert.ok(plates().includes('ABC1234'), 'editor entries stay');
    await mosquittoPub(mosquitto.port, UPDATES, update('replace', [{ plate_number: 'ONLY1' }]));
    await waitUntil(() => plates().includes('ONLY1'), 'the replacement');
    assert.deepEqual(plates(), ['ABC1234', 'ONLY1', 'XYZ*', 'กข1234']);
  });

  it('two lists on one root: a replace touches its own list only; an older revision never overwrites a newer one, even after a restart', async () => {
    await helper.load(nodes, flow());
    await waitReady('broker', 3);
    const stamped = (action: string, entries: unknown[], revision: number, extra: object = {}) =>
      JSON.stringify({ message_id: `u-${Math.random()}`, timestamp: new Date().toISOString(), action, entries, revision, origin: 'central-1', ...extra });
    await mosquittoPub(mosquitto.port, UPDATES, stamped('add', [{ plate_number: 'POL1', list: 'police' }, { plate_number: 'VIP1', list: 'vip' }], 100));
    await waitUntil(() => plates().includes('VIP1'), 'the added entries');
    await mosquittoPub(mosquitto.port, UPDATES, stamped('replace', [{ plate_number: 'POL2', list: 'police' }], 101, { list: 'police' }));
    await waitUntil(() => plates().includes('POL2'), 'the replacement');
    assert.deepEqual(plates(), ['ABC1234', 'POL2', 'VIP1', 'XYZ*', 'กข1234'], 'the vip list is untouched');
    // A stale server's older updates: ignored.
    await mosquittoPub(mosquitto.port, UPDATES, stamped('remove', [{ plate_number: 'VIP1', list: 'vip' }], 50));
    await mosquittoPub(mosquitto.port, UPDATES, stamped('add', [{ plate_number: 'POL1', list: 'police' }], 99));
    await mosquittoPub(mosquitto.port, UPDATES, stamped('remove', [{ plate_number: 'POL2', list: 'police' }], 102));
    await waitUntil(() => !plates().includes('POL2'), 'the newer removal');
    assert.deepEqual(plates(), ['ABC1234', 'VIP1', 'XYZ*', 'กข1234']);
    // After a restart the removal's tombstone is still there: an older add does not bring POL2 back.
    await helper.unload();
    await helper.load(nodes, flow());
    await waitReady('broker', 3);
    await mosquittoPub(mosquitto.port, UPDATES, stamped('add', [{ plate_number: 'POL2', list: 'police' }, { plate_number: 'POL3', list: 'police' }], 101));
    await waitUntil(() => plates().includes('POL3'), 'the add after the restart');
    assert.deepEqual(plates(), ['ABC1234', 'POL3', 'VIP1', 'XYZ*', 'กข1234']);
    assert.ok((helper.getNode('list') as any).replicated.replica.clock >= 102, 'the counter is past every revision seen');
  });

  it('keeps the list across a runtime restart, and drops expired entries', async () => {
    await helper.load(nodes, flow());
    await waitReady('broker', 3);
    const past = new Date(Date.now() - 60_000).toISOString();
    const future = new Date(Date.now() + 3_600_000).toISOString();
    helper.getNode('update').receive({ action: 'add', payload: [{ plate_number: 'KEEP1' }, { plate_number: 'OLD1', expires_at: past }, { plate_number: 'SOON1', expires_at: future }] });
    await waitUntil(() => plates().includes('KEEP1'), 'the added entries');
    assert.ok(!plates().includes('OLD1'), 'an expired entry is not live');
    await helper.unload();
    await helper.load(nodes, flow());
    const hit = collect('hit');
    const miss = collect('miss');
    assert.ok(plates().includes('KEEP1') && plates().includes('SOON1'), 'persisted entries are back');
    helper.getNode('match').receive({ payload: 'KEEP1' });
    helper.getNode('match').receive({ payload: 'OLD1' });
    await waitUntil(() => hit.length === 1 && miss.length === 1, 'a hit and a miss');
    assert.equal(hit[0].payload.entry.plate_number, 'KEEP1');
  });

  it('rejects 1,000 random malformed updates with a named field and leaves the list unchanged', async function () {
    this.timeout(60_000);
    await helper.load(nodes, flow());
    await waitReady('broker', 3);
    const list = helper.getNode('list') as any;
    const warnings: string[] = [];
    list.on('call:warn', (call: any) => warnings.push(String(call.args[0])));
    const before = JSON.stringify(store().snapshot());
    const good = { message_id: 'm', timestamp: new Date().toISOString(), action: 'add', entries: [{ plate_number: 'ZZZ999' }] };
    // Each payload breaks one field of an otherwise valid update (or is not an update at all).
    const malformed = fc.oneof(
      fc.record({ action: fc.string().filter((s) => !['add', 'remove', 'replace'].includes(s)) }).map((r) => ({ ...good, ...r })),
      fc.oneof(fc.constant(''), fc.string({ minLength: 33 }), fc.integer(), fc.constant(null)).map((p) => ({ ...good, entries: [{ plate_number: p }] })),
      fc.string().filter((s) => !['low', 'medium', 'high', 'critical'].includes(s)).map((p) => ({ ...good, entries: [{ plate_number: 'OK1', priority: p }] })),
      fc.string().map((t) => ({ ...good, timestamp: `x${t}` })),
      fc.constantFrom<unknown>({ ...good, entries: 'all' }, { ...good, message_id: '' }, [], 42, 'text', { ...good, entries: [{ plate_number: 'A', expires_at: 'soon' }] }),
    );
    const payloads = fc.sample(malformed, { numRuns: 1000, seed: 4242 });
    const client = await mqtt.connectAsync(mosquitto.url);
    try {
      for (const p of payloads) await client.publishAsync(UPDATES, JSON.stringify(p), { qos: 1 });
    } finally {
      await client.endAsync();
    }
    await waitUntil(() => warnings.length >= 1000, `1000 rejections (got ${warnings.length})`, 30_000);
    assert.equal(warnings.length, 1000);
    for (const w of warnings) assert.match(w, /rejected, list unchanged: [^:]*(action|entries|timestamp|message_id|\(payload\))[^:]*:/, w);
    assert.equal(JSON.stringify(store().snapshot()), before);
  });

  it('answers blacklist/request with a snapshot, to the requesting camera alone', async () => {
    await helper.load(nodes, flow());
    await waitReady('broker', 3);
    const warnings: string[] = [];
    (helper.getNode('list') as any).on('call:warn', (call: any) => warnings.push(String(call.args[0])));
    const all = await mosquittoSub(mosquitto.port, 'lprserver/#');
    const answers = await mosquittoSub(mosquitto.port, 'lprserver/cameras/CAM001/blacklist');
    try {
      const now = new Date().toISOString();
      await mosquittoPub(mosquitto.port, 'lprserver/blacklist/request', JSON.stringify({ message_id: 'req-0', timestamp: now }));
      await waitUntil(() => warnings.length === 1, 'a request without camera_id is rejected');
      assert.match(warnings[0]!, /^blacklist request rejected: camera_id: /);
      await mosquittoPub(mosquitto.port, 'lprserver/blacklist/request', JSON.stringify({ message_id: 'req-1', timestamp: now, camera_id: 'CAM001' }));
      await mosquittoPub(mosquitto.port, 'lprserver/blacklist/request', JSON.stringify({ message_id: 'req-2', timestamp: now, camera_id: 'CAM001' }));
      const [msg] = await answers.waitFor(1);
      const snapshot = JSON.parse(msg!.payload);
      assert.equal(snapshot.action, 'snapshot');
      assert.equal(snapshot.snapshot.count, 1);
      assert.equal(snapshot.snapshot.entries_total, 3);
      assert.deepEqual(snapshot.entries.map((e: any) => e.plate_number).sort(), ['ABC1234', 'XYZ*', 'กข1234']);
      await sleep(1500);
      assert.equal(answers.messages.length, 1, 'two requests within the merge window: one answer');
      // The broker self-test's probe (lpr-broker, on connect) may come late on a loaded machine: not an answer.
      const elsewhere = all.messages.filter(
        (m) => m.topic !== 'lprserver/blacklist/request' && m.topic !== 'lprserver/cameras/CAM001/blacklist' && !m.topic.startsWith('lprserver/system/') && !m.topic.startsWith('lprserver/_self-test/'),
      );
      assert.deepEqual(elsewhere, [], 'nothing on blacklist/updates or any other topic');
      const answerer = (helper.getNode('list') as any).requestAnswerer;
      assert.deepEqual({ ...answerer.counts }, { requests: 2, answered: 1, merged: 1, deferred: 0, limited: 0, serialised: 1, chunks: 1 });
    } finally {
      all.stop();
      answers.stop();
    }
  });

  it('sends a list bigger than one message as a snapshot whose chunks each stay under snapshotKiB', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => ({ plate_number: `BIG${String(i).padStart(4, '0')}`, province: 'กรุงเทพมหานคร', reason: 'stolen vehicle report', priority: 'high' }));
    await helper.load(nodes, flow({}, { entries: many, snapshotKiB: 64 }));
    await waitReady('broker', 3);
    const warnings: string[] = [];
    (helper.getNode('list') as any).on('call:warn', (call: any) => warnings.push(String(call.args[0])));
    const updates = await mosquittoSub(mosquitto.port, 'lprserver/cameras/CAM001/blacklist');
    try {
      await mosquittoPub(mosquitto.port, 'lprserver/blacklist/request', JSON.stringify({ message_id: 'req-big', timestamp: new Date().toISOString(), camera_id: 'CAM001' }));
      const [first] = await updates.waitFor(1);
      const count = JSON.parse(first!.payload).snapshot.count;
      assert.ok(count >= 5, `${count} chunks`);
      const all = await updates.waitFor(count);
      for (const m of all) assert.ok(Buffer.byteLength(m.payload) <= 64 * 1024, `${Buffer.byteLength(m.payload)} bytes`);
      const parsed = all.map((m) => JSON.parse(m.payload));
      assert.deepEqual(parsed.map((u) => u.snapshot.index).sort((a, b) => a - b), [...Array(count).keys()]);
      assert.equal(parsed.reduce((n, u) => n + u.entries.length, 0), 3000);
      assert.deepEqual(warnings, []);
    } finally {
      updates.stop();
    }
  });

  // A snapshot answer is one message per chunk (567 of them for a million entries): a connection
  // closing under it is one warning with the count, not one per chunk.
  it('an answer whose chunks the broker never confirmed: one warning at a close, counting them', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => ({ plate_number: `BIG${String(i).padStart(4, '0')}`, province: 'กรุงเทพมหานคร', reason: 'stolen vehicle report', priority: 'high' }));
    const proxy = await startFreezeProxy(mosquitto.port);
    try {
      await helper.load(nodes, [...flow({}, { entries: many, snapshotKiB: 64 }).filter((n) => n.id !== 'broker'), brokerConfig(mosquitto, { port: proxy.port })]);
      await waitReady('broker', 3);
      const warnings = recordWarnings('list');
      // The request reaches the node; its answer never reaches the broker.
      proxy.freeze('up');
      await mosquittoPub(mosquitto.port, 'lprserver/blacklist/request', JSON.stringify({ message_id: 'req-frozen', timestamp: new Date().toISOString(), camera_id: 'CAM001' }));
      const connection = (helper.getNode('broker') as any).connection;
      await waitUntil(() => connection.queueSize >= 5, 'the answer handed to MQTT.js');
      const chunks = connection.queueSize as number;
      await helper.unload();
      await sleep(100);
      assert.equal(warnings.length, 1, `one warning for ${chunks} chunks, got ${warnings.length}: ${warnings.slice(0, 2).join(' | ')}`);
      assert.match(warnings[0]!, new RegExp(`^${chunks} blacklist answer messages not published \\(the first to CAM001\\): connection closed before the broker acknowledged`));
    } finally {
      await proxy.close();
    }
  });

  it('imports and exports CSV from a flow, rejecting a bad file whole with the line named', async () => {
    await helper.load(nodes, flow());
    const updated = collect('updated');
    const caught = collect('caught');
    await waitReady('broker', 3);
    const csv = 'plate_number,province,reason,priority\nCSV001,Bangkok,"stolen, red car",high\nCSV002,,,\n';
    helper.getNode('update').receive({ action: 'import', payload: csv });
    await waitUntil(() => updated.length === 1, 'the import result');
    assert.deepEqual(updated[0].payload, { action: 'add', added: 2, removed: 0, total: 5 });
    helper.getNode('update').receive({ action: 'import', payload: 'plate_number,priority\nGOOD1,low\nBAD1,urgent\n' });
    await waitUntil(() => caught.length === 1, 'a rejected CSV');
    assert.match(caught[0].error.message, /line 3: priority/);
    assert.ok(!plates().includes('GOOD1'), 'nothing of a rejected file is imported');
    helper.getNode('update').receive({ action: 'export' });
    await waitUntil(() => updated.length === 2, 'the export');
    const exported: string = updated[1].payload;
    assert.match(exported, /^plate_number,province,country,reason,priority,list,expires_at\n/);
    assert.match(exported, /CSV001,Bangkok,,"stolen, red car",high,,/);
    helper.getNode('update').receive({ action: 'add', payload: [{ plate_number: 'P1' }, { plate_number: 'P2', priority: 'urgent' }] });
    await waitUntil(() => caught.length === 2, 'a rejected add');
    assert.match(caught[1].error.message, /msg\.payload\[1\]\.priority/);
    assert.ok(!plates().includes('P1'));
  });
});
