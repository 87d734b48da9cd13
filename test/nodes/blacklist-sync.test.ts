/**
 * Watch lists at scale and shared by several servers, on real Mosquitto: snapshots in chunks under
 * lpr-mosquitto's 256 KiB message_size_limit, a snapshot cut by a broker restart completed by asking
 * again, and two servers with one partitioned away converging with three cameras.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFreezeProxy, type FreezeProxy } from '../fixtures/freeze-proxy';
import { entryKeys, startListCamera, type ListCamera } from '../fixtures/list-camera';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { startProvisionedMosquitto, type ProvisionedMosquitto } from '../fixtures/provisioned-mosquitto';
import { sleep, waitUntil } from '../fixtures/wait';
import { helper, useHelperServer } from './harness';

/* eslint-disable @typescript-eslint/no-require-imports */
const nodes = [require('../../dist/lpr-broker.js'), require('../../dist/lpr-blacklist.js')];

const ROOT = 'lprserver';

function brokerProps(id: string, port: number, extra: Record<string, unknown> = {}) {
  return {
    id, type: 'lpr-broker', broker: '127.0.0.1', port, protocolVersion: 4, clientId: '', cleanSession: true, sessionExpiry: 0, keepalive: 60,
    reconnectPeriod: 0.2, connectTimeout: 5, topicRoot: ROOT, usetls: false, birth: true, queueLimit: 1000, ...extra,
  };
}

/** `n` entries of ~110 bytes, Thai and Latin plates, across two lists. */
function bigList(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    plate_number: i % 2 ? `กข${i}` : `AB${i}`,
    province: i % 3 ? 'กรุงเทพมหานคร' : 'ลำปาง',
    reason: 'stolen vehicle report',
    priority: 'high' as const,
    list: i % 5 ? 'police' : 'national',
  }));
}

function writeStore(file: string, entries: object[]) {
  writeFileSync(file, entries.map((e) => JSON.stringify(e) + '\n').join(''));
}

describe('watch list sync on real Mosquitto (snapshots, several servers)', function () {
  this.timeout(180_000);
  let dir: string;
  const cameras: ListCamera[] = [];
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lpr-sync-'));
  });
  afterEach(async () => {
    for (const c of cameras.splice(0)) await c.close();
    rmSync(dir, { recursive: true, force: true });
  });
  useHelperServer();

  describe('through a broker configured by lpr-mosquitto (message_size_limit 256 KiB)', () => {
    let broker: ProvisionedMosquitto;
    before(async () => {
      broker = await startProvisionedMosquitto({ cameras: ['CAM-S'], serverUsers: ['lprserver'] });
    });
    after(async () => {
      await broker?.stop();
    });

    it('200,000 entries arrive whole at a camera, as a snapshot of chunks each under the limit', async () => {
      const entries = bigList(200_000);
      const file = path.join(dir, 'list.ndjson');
      writeStore(file, entries);
      await helper.load(
        nodes,
        [brokerProps('server', broker.port, { clientId: 'lprserver' }), { id: 'list', type: 'lpr-blacklist', broker: 'server', entries: [], persist: true, file, answerRequests: true }],
        { server: { user: 'lprserver', password: broker.credentials.get('lprserver')! } },
      );
      await waitUntil(() => (helper.getNode('server') as any).connection.state === 'connected', 'server connected', 60_000);
      assert.equal((helper.getNode('list') as any).store.size, 200_000);
      const cam = await startListCamera(broker.url, 'CAM-S', { username: 'CAM-S', password: broker.credentials.get('CAM-S')!, clean: true });
      cameras.push(cam);
      let largest = 0;
      cam.client.on('message', (_t, payload) => (largest = Math.max(largest, payload.length)));
      await sleep(300);
      cam.request();
      await waitUntil(() => cam.counts.snapshots >= 1, 'the whole snapshot at the camera', 120_000);
      assert.ok(cam.counts.chunks > 80, `${cam.counts.chunks} chunks`);
      assert.ok(largest <= 240 * 1024, `largest message ${largest} bytes`);
      assert.deepEqual(cam.keys(), entryKeys(entries));
      // The limit the chunks had to fit under (one message of the whole list would be ~25 MB).
      assert.match(readFileSync(broker.result.conf, 'utf8'), /^message_size_limit 262144$/m);
    });
  });

  describe('a broker restart in the middle of a snapshot', () => {
    let mosquitto: Mosquitto;
    before(async () => {
      mosquitto = await startMosquitto();
    });
    after(async () => {
      await mosquitto?.stop();
    });

    it('the camera asks again for the chunks it missed and gets the whole list', async () => {
      const entries = bigList(60_000);
      const file = path.join(dir, 'list.ndjson');
      writeStore(file, entries);
      await helper.load(nodes, [brokerProps('server', mosquitto.port), { id: 'list', type: 'lpr-blacklist', broker: 'server', entries: [], persist: true, file, answerRequests: true, snapshotKiB: 16 }]);
      await waitUntil(() => (helper.getNode('server') as any).connection.state === 'connected', 'server connected', 30_000);
      // The camera comes back slower than the server: what the server re-sends at once is lost to it.
      const cam = await startListCamera(mosquitto.url, 'CAM-R', { clean: true, reconnectPeriod: 2000, stallMs: 1000 });
      cameras.push(cam);
      let restarted: Promise<void> | null = null;
      cam.client.on('message', () => {
        if (!restarted && cam.counts.chunks >= 3) restarted = mosquitto.restart();
      });
      cam.request();
      await waitUntil(() => restarted !== null, 'the first chunks', 30_000);
      await restarted;
      await waitUntil(() => cam.counts.snapshots >= 1, 'the whole snapshot after asking again', 90_000);
      assert.ok(cam.counts.reasks >= 1, 'it had to ask for missing chunks');
      assert.deepEqual(cam.keys(), entryKeys(entries));
      const answerer = (helper.getNode('list') as any).requestAnswerer;
      assert.equal(answerer.counts.serialised, 1, 'the re-sent chunks are those of the same snapshot');
    });
  });

  describe('two servers, one partitioned away, three cameras', () => {
    let mosquitto: Mosquitto;
    let proxy: FreezeProxy;
    before(async () => {
      mosquitto = await startMosquitto();
      proxy = await startFreezeProxy(mosquitto.port);
    });
    after(async () => {
      await proxy?.close();
      await mosquitto?.stop();
    });

    it('all five converge to the same list after the partitioned server rejoins', async () => {
      await helper.load(nodes, [
        brokerProps('brokerA', proxy.port, { keepalive: 1, clientId: 'srvA' }),
        brokerProps('brokerB', mosquitto.port, { clientId: 'srvB' }),
        { id: 'listA', type: 'lpr-blacklist', broker: 'brokerA', entries: [], persist: true, file: path.join(dir, 'a.ndjson'), answerRequests: true },
        { id: 'listB', type: 'lpr-blacklist', broker: 'brokerB', entries: [], persist: true, file: path.join(dir, 'b.ndjson'), answerRequests: true },
      ]);
      const A = helper.getNode('listA') as any;
      const B = helper.getNode('listB') as any;
      const stateA = () => (helper.getNode('brokerA') as any).connection.state;
      await waitUntil(() => stateA() === 'connected' && (helper.getNode('brokerB') as any).connection.state === 'connected', 'both servers connected');
      for (const id of ['CAM1', 'CAM2', 'CAM3']) {
        const cam = await startListCamera(mosquitto.url, id, { clean: true });
        cameras.push(cam);
        cam.request();
      }
      await sleep(500);
      const all = () => [A.store.snapshot(), B.store.snapshot(), ...cameras.map((c) => c.list.store.snapshot())].map(entryKeys);
      const converged = () => {
        const sets = all();
        return sets.every((s) => JSON.stringify(s) === JSON.stringify(sets[0]));
      };
      // Both lists on one topic root, written by both servers.
      A.applyUpdate('add', [{ plate_number: 'AA1', list: 'police' }, { plate_number: 'AA2', list: 'police' }, { plate_number: 'VIP1', list: 'vip' }], true);
      B.applyUpdate('add', [{ plate_number: 'BB1', list: 'police' }, { plate_number: 'BB2', list: 'police' }, { plate_number: 'SHARED', list: 'police', reason: 'first' }], true);
      await waitUntil(() => converged() && all()[0]!.length === 6, 'the first changes everywhere');

      proxy.freeze();
      await waitUntil(() => stateA() !== 'connected', 'server A notices the partition', 15_000);
      // Changes on both sides while cut off.
      A.applyUpdate('add', [{ plate_number: 'AA3', list: 'police' }], true);
      A.applyUpdate('remove', [{ plate_number: 'BB1', list: 'police' }], true);
      B.applyUpdate('remove', [{ plate_number: 'AA1', list: 'police' }], true);
      // A replace of one list on B leaves the other list (vip) alone, and not what A added meanwhile.
      B.applyUpdate('replace', [{ plate_number: 'BB2', list: 'police' }, { plate_number: 'BB3', list: 'police' }, { plate_number: 'AA2', list: 'police' }, { plate_number: 'BB4', list: 'police' }], true);
      // The same entry on both sides: the change with the higher revision (A: 6 > B: 5) wins everywhere.
      B.applyUpdate('add', [{ plate_number: 'SHARED', list: 'police', reason: 'from B' }], true);
      A.applyUpdate('add', [{ plate_number: 'SHARED', list: 'police', reason: 'from A' }], true);
      A.applyUpdate('add', [{ plate_number: 'SHARED', list: 'police', reason: 'from A, last' }], true);
      await sleep(1000);
      assert.ok(!converged(), 'the partition kept them apart');

      proxy.thaw();
      await waitUntil(() => stateA() === 'connected', 'server A back', 30_000);
      await waitUntil(converged, 'all five hold the same list', 30_000);
      const plates = A.store
        .snapshot()
        .map((e: any) => `${e.plate_number}:${e.list}${e.plate_number === 'SHARED' ? `:${e.reason}` : ''}`)
        .sort();
      // AA1 removed on B, BB1 removed on A, AA3 added on A: kept against B's older replace.
      assert.deepEqual(plates, ['AA2:police', 'AA3:police', 'BB2:police', 'BB3:police', 'BB4:police', 'SHARED:police:from A, last', 'VIP1:vip']);
    });
  });
});
