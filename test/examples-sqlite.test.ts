/**
 * examples/flows/detections-to-sqlite.json on a real Node-RED with node-red-node-sqlite, fed by
 * mosquitto_pub through a real Mosquitto: the rows in the database file (read with sqlite3, the
 * module node-red-node-sqlite uses) and what GET /lpr/detections answers. detection in sends
 * batches (200 detections or 50 ms): each batch is one INSERT, stored whole or not at all.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import mqtt from 'mqtt';
import { startMosquitto, type Mosquitto } from './fixtures/mosquitto';
import { mosquittoPub, mosquittoSub } from './fixtures/mqtt-cli';
import { pointBrokers, readExample, startNodeRed, type FlowNode, type NodeRedHost } from './fixtures/node-red-host';
import { COLUMNS, detection, distinctAcks, EXPECTED_ACKS, D1, D2, D3, D5, eventually, INVALID, NO_PLATE, R1, R2a, R2b, R3, R5 } from './fixtures/example-detections';
import { sleep, waitUntil } from './fixtures/wait';

interface Db {
  all(sql: string, params: unknown[], cb: (err: Error | null, rows: Array<Record<string, unknown>>) => void): void;
  close(cb?: () => void): void;
}
const sqlite3 = createRequire(require.resolve('node-red-node-sqlite/package.json'))('sqlite3') as {
  Database: new (file: string, cb: (err: Error | null) => void) => Db;
};

function query(file: string, sql: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, (err) => {
      if (err) return reject(err);
      db.all(sql, params, (e, rows) => db.close(() => (e ? reject(e) : resolve(rows))));
    });
  });
}

describe('example detections-to-sqlite: mosquitto_pub → Mosquitto → Node-RED → SQLite', function () {
  this.timeout(60_000);

  let broker: Mosquitto;
  let red: NodeRedHost;
  let flow: FlowNode[];
  let dbFile = '';
  const started = Date.now();

  const publish = (d: Record<string, unknown>) => mosquittoPub(broker.port, `lprserver/cameras/${String(d.camera_id)}/detection`, JSON.stringify(d), 1);
  const count = async () => Number((await query(dbFile, 'SELECT count(*) AS n FROM detections'))[0]!.n);
  const get = async (qs: string) => {
    const res = await fetch(`${red.base}/lpr/detections${qs}`);
    return { status: res.status, body: (await res.json()) as { count: number; limit: number; detections: Array<Record<string, unknown>> } & { error?: string } };
  };
  /** Deploys, then waits until Mosquitto has the flow's subscription (log_type subscribe). */
  const deploy = async () => {
    const before = broker.log().length;
    await red.deploy(flow);
    await waitUntil(() => broker.log().slice(before).includes('lprserver/cameras/+/detection'), 'detection in subscribed', 15_000);
  };

  before(async function () {
    broker = await startMosquitto({ extraConfig: ['log_type subscribe'] });
    red = await startNodeRed({ nodeModules: ['node-red-node-sqlite'] });
    // Debug nodes also write to the log here, so that errors the flow catches can be asserted on.
    // detection in gives a detection up (no ack) after 2 s rather than the example's 30, to keep the test short.
    flow = pointBrokers(readExample('detections-to-sqlite.json'), broker.port).map((n) =>
      n.type === 'debug' ? { ...n, console: true } : n.type === 'lpr-detection-in' ? { ...n, ackTimeout: 2 } : n,
    );
    // The flow's relative path: Node-RED runs in its userDir here.
    dbFile = path.join(red.userDir, String(flow.find((n) => n.type === 'sqlitedb')!.db));
    await deploy();
    // The inject creates the table 0.1 s after the deploy.
    await eventually(async () => (await query(dbFile, "SELECT name FROM sqlite_master WHERE name = 'detections_time'")).length === 1, 'schema created');
  });

  after(async function () {
    await red?.stop();
    await broker?.stop();
  });

  it('creates the table with UNIQUE (message_id, plate_index), its indexes and the plate search index', async function () {
    const indexes = await query(dbFile, "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'detections' ORDER BY name");
    assert.deepEqual(
      indexes.map((i) => [i.name, i.sql]),
      [
        ['detections_key_time', 'CREATE INDEX detections_key_time ON detections (plate_key, detected_at)'],
        ['detections_plate_time', 'CREATE INDEX detections_plate_time ON detections (plate_number, detected_at)'],
        ['detections_time', 'CREATE INDEX detections_time ON detections (detected_at)'],
        ['sqlite_autoindex_detections_1', null],
      ],
    );
    const unique = await query(dbFile, "SELECT name FROM pragma_index_info('sqlite_autoindex_detections_1') ORDER BY seqno");
    assert.deepEqual(unique.map((c) => c.name), ['message_id', 'plate_index']);
    // The query by plate uses its index.
    const plan = await query(dbFile, 'EXPLAIN QUERY PLAN SELECT * FROM detections WHERE plate_number = ? AND detected_at >= ? ORDER BY detected_at DESC, message_id, plate_index LIMIT 10', ['A', '0']);
    assert.match(plan.map((p) => String(p.detail)).join(' | '), /USING INDEX detections_plate_time/);
    const fts = await query(dbFile, "SELECT sql FROM sqlite_master WHERE name = 'detections_plate_fts'");
    assert.match(String(fts[0]?.sql), /USING fts5 \(plate_key, content = 'detections', content_rowid = 'id', tokenize = 'trigram'\)/);
    const triggers = await query(dbFile, "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'detections' ORDER BY name");
    assert.deepEqual(triggers.map((t) => t.name), ['detections_plate_fts_delete', 'detections_plate_fts_insert', 'detections_plate_fts_update']);
  });

  it('stores one row per plate read: two plates give two rows, duplicates, invalid and plateless detections none', async function () {
    const acks = await mosquittoSub(broker.port, 'lprserver/cameras/+/detection/ack');
    try {
      for (const d of [D1, D2, D3, D1, INVALID, NO_PLATE]) await publish(d);
      // Every detection has been through detection in and acked, the stored ones once stored.
      assert.deepEqual(await distinctAcks(acks, EXPECTED_ACKS.length), EXPECTED_ACKS);
    } finally {
      acks.stop();
    }
    await eventually(async () => (await count()) >= 4, '4 rows');
    await sleep(500); // anything more would have landed by now
    assert.ok(red.log().includes('[debug:rejected / not stored]'));
    assert.match(red.log(), /detection from camera CAM001 rejected: detection_data\.plates\[0\]\.confidence/);
    const rows = await query(dbFile, `SELECT ${COLUMNS} FROM detections ORDER BY message_id, plate_index`);
    assert.deepEqual(rows, [R1, R2a, R2b, R3]);
    // plate_key: msg.lpr.plateKey, the plate as the blacklist matches it; the trigram index finds a part of it.
    const keys = await query(dbFile, 'SELECT plate_number, plate_key FROM detections ORDER BY message_id, plate_index');
    assert.deepEqual(keys.map((k) => [k.plate_number, k.plate_key]), [['ABC1234', 'ABC1234'], ['กข 1234', 'กข1234'], ['XYZ789', 'XYZ789'], ['ABC1234', 'ABC1234']]);
    const found = await query(dbFile, 'SELECT d.plate_number FROM detections_plate_fts f JOIN detections d ON d.id = f.rowid WHERE detections_plate_fts MATCH ? ORDER BY d.id', ['"ข12"']);
    assert.deepEqual(found.map((f) => f.plate_number), ['กข 1234']);
    const received = await query(dbFile, 'SELECT received_at FROM detections');
    for (const { received_at } of received) {
      const t = Date.parse(String(received_at));
      assert.match(String(received_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(t >= started - 1000 && t <= Date.now() + 1000, `received_at ${String(received_at)}`);
    }
  });

  it('a redelivery after a redeploy (duplicate window forgotten) adds no row: INSERT OR IGNORE', async function () {
    await deploy();
    await publish(D1); // passes detection in again: its duplicate window started empty
    await publish(D5); // published after it, so inserted after it was tried
    await eventually(async () => (await count()) >= 5, '5 rows');
    await sleep(500);
    const rows = await query(dbFile, `SELECT ${COLUMNS} FROM detections ORDER BY message_id, plate_index`);
    assert.deepEqual(rows, [R1, R2a, R2b, R3, R5]);
    // The redelivered row was ignored, not refused with an error.
    assert.doesNotMatch(red.log(), /SQLITE_CONSTRAINT|UNIQUE constraint/);
  });

  it('GET /lpr/detections answers the rows, newest first, filtered by plate and since, limited', async function () {
    const strip = (rows: Array<Record<string, unknown>>) =>
      rows.map((r) => {
        const { id, received_at, ...rest } = r;
        assert.equal(typeof id, 'number');
        assert.equal(typeof received_at, 'string');
        return rest;
      });
    let res = await get('');
    assert.equal(res.status, 200);
    assert.deepEqual([res.body.count, res.body.limit], [5, 100]);
    assert.deepEqual(strip(res.body.detections), [R5, R3, R2a, R2b, R1]);

    res = await get('?plate=ABC1234');
    assert.deepEqual(strip(res.body.detections), [R3, R1]);
    res = await get(`?plate=${encodeURIComponent('กข 1234')}`);
    assert.deepEqual(strip(res.body.detections), [R2a]);
    res = await get('?plate=ABC1234&since=2024-01-15T10:40:00Z');
    assert.deepEqual(strip(res.body.detections), [R3]);
    // An offset in `since` is compared in UTC: 17:31+07:00 is 10:31Z.
    res = await get(`?since=${encodeURIComponent('2024-01-15T17:31:00+07:00')}`);
    assert.deepEqual(strip(res.body.detections).map((r) => r.message_id), ['sql-d5', 'sql-d3', 'sql-d2', 'sql-d2']);
    res = await get('?limit=2');
    assert.deepEqual([res.body.count, res.body.limit], [2, 2]);
    assert.deepEqual(strip(res.body.detections), [R5, R3]);
    res = await get('?limit=50000');
    assert.deepEqual([res.status, res.body.count, res.body.limit], [200, 5, 1000]);
    // Values are bound parameters: SQL in them is just a plate that is not there.
    res = await get(`?plate=${encodeURIComponent("x' OR '1'='1")}`);
    assert.deepEqual([res.status, res.body.count], [200, 0]);
    assert.equal(await count(), 5);
  });

  it('GET /lpr/detections rejects bad parameters with 400 and the reason', async function () {
    const cases: Array<[string, RegExp]> = [
      ['?limit=0', /^limit: /],
      ['?limit=-5', /^limit: /],
      ['?limit=ten', /^limit: /],
      ['?limit=2.5', /^limit: /],
      ['?since=yesterday', /^since: /],
      ['?since=2024-13-45T00:00:00Z', /^since: /],
      ['?plate=', /^plate: /],
      [`?plate=${'A'.repeat(33)}`, /^plate: /],
      ['?plate=A&plate=B', /^plate: /],
      ['?limit[x]=1', /^limit: /],
    ];
    for (const [qs, reason] of cases) {
      const res = await get(qs);
      assert.equal(res.status, 400, qs);
      assert.match(String(res.body.error), reason, qs);
    }
  });

  it('a database file of the previous schema (no plate_key) gets the column, its rows their keys and the search index on deploy', async function () {
    // Back to the schema of the previous version of the example: no plate_key, no FTS table, no triggers.
    await query(dbFile, 'DROP TRIGGER detections_plate_fts_insert');
    await query(dbFile, 'DROP TRIGGER detections_plate_fts_delete');
    await query(dbFile, 'DROP TRIGGER detections_plate_fts_update');
    await query(dbFile, 'DROP TABLE detections_plate_fts');
    await query(dbFile, 'DROP INDEX detections_key_time');
    await query(dbFile, 'ALTER TABLE detections DROP COLUMN plate_key');
    const before = await count();
    await deploy();
    await eventually(async () => (await query(dbFile, "SELECT name FROM sqlite_master WHERE name = 'detections_plate_fts_update'")).length === 1, 'schema upgraded');
    assert.equal(await count(), before);
    // The older rows get their keys (fill plate keys) and are in the search index.
    await eventually(async () => (await query(dbFile, 'SELECT count(*) AS n FROM detections WHERE plate_key IS NULL'))[0]!.n === 0, 'older rows keyed');
    const older = await query(dbFile, 'SELECT d.message_id FROM detections_plate_fts f JOIN detections d ON d.id = f.rowid WHERE detections_plate_fts MATCH ? ORDER BY d.id', ['"กข1234"']);
    assert.deepEqual(older, [{ message_id: 'sql-d2' }]);
    assert.deepEqual(await query(dbFile, "INSERT INTO detections_plate_fts (detections_plate_fts, rank) VALUES ('integrity-check', 1)"), []);
    // A new read has its key and is in the search index.
    await publish(detection('sql-d6', 'CAM002', '2024-01-15T12:30:00Z', [{ plate_number: '๑กข ๑๒๓๔', confidence: 0.9 }]));
    await eventually(async () => (await count()) === before + 1, 'the new row');
    const found = await query(dbFile, 'SELECT d.message_id, d.plate_key FROM detections_plate_fts f JOIN detections d ON d.id = f.rowid WHERE detections_plate_fts MATCH ? ORDER BY d.id', ['"กข1234"']);
    assert.deepEqual(found, [{ message_id: 'sql-d2', plate_key: 'กข1234' }, { message_id: 'sql-d6', plate_key: '1กข1234' }]);
    assert.doesNotMatch(red.log(), /\[error\].*(duplicate column|no such column)/);
  });

  it('an insert that fails is not acked, and the camera\'s resend is stored once the table is back', async function () {
    // Only this camera's acks: the previous test's last ack may still be on its way.
    const acks = await mosquittoSub(broker.port, 'lprserver/cameras/CAM004/detection/ack');
    const failed = detection('sql-fail', 'CAM004', '2024-01-15T12:00:00Z', [{ plate_number: 'FAIL001', confidence: 0.9 }]);
    try {
      // The table goes away under the flow: insert reports "no such table" and passes nothing on.
      await query(dbFile, 'ALTER TABLE detections RENAME TO detections_away');
      const before = red.log().length;
      await publish(failed);
      await waitUntil(() => /no such table: detections/.test(red.log().slice(before)), 'the insert failed', 10_000);
      await sleep(3000); // beyond ackTimeout (2 s)
      assert.deepEqual(acks.messages, [], 'no ack for a detection that was not stored');
      await query(dbFile, 'ALTER TABLE detections_away RENAME TO detections');
      // The camera resends it (same message_id): not a duplicate, stored, acked.
      await publish(failed);
      assert.deepEqual(await distinctAcks(acks, 1), ['sql-fail received']);
      const rows = await query(dbFile, "SELECT plate_number FROM detections WHERE message_id = 'sql-fail'");
      assert.deepEqual(rows, [{ plate_number: 'FAIL001' }]);
    } finally {
      acks.stop();
      await query(dbFile, 'ALTER TABLE detections_away RENAME TO detections').catch(() => undefined);
    }
  });

  it('a batch is one statement: one refused row leaves the whole batch unstored and unacked; the resends are stored once', async function () {
    // Five detections of one camera in one batch (a longer window than the example's 50 ms, so that
    // they surely share it), the third refused by a trigger: the one INSERT of the batch fails.
    const ids = ['sql-b1', 'sql-b2', 'sql-b3', 'sql-b4', 'sql-b5'];
    const batch = ids.map((id, i) => detection(id, 'CAM005', `2024-01-15T13:0${i}:00Z`, [{ plate_number: i === 2 ? 'REFUSE1' : `BAT00${i}`, confidence: 0.9 }]));
    const inBatch = `SELECT count(*) AS n FROM detections WHERE message_id LIKE 'sql-b%'`;
    const acks = await mosquittoSub(broker.port, 'lprserver/cameras/CAM005/detection/ack');
    const client = await mqtt.connectAsync(broker.url, { clientId: 'sqlite-batch-test' });
    const burst = () => Promise.all(batch.map((d) => client.publishAsync('lprserver/cameras/CAM005/detection', JSON.stringify(d), { qos: 1 })));
    const original = flow;
    try {
      await query(dbFile, "CREATE TRIGGER refuse_for_test BEFORE INSERT ON detections WHEN new.plate_number = 'REFUSE1' BEGIN SELECT RAISE(ABORT, 'refused for the test'); END");
      flow = original.map((n) => (n.type === 'lpr-detection-in' ? { ...n, batchWindow: 1000 } : n));
      await deploy();
      const before = red.log().length;
      await burst();
      await waitUntil(() => /refused for the test/.test(red.log().slice(before)), 'the batch insert failed', 10_000);
      await sleep(3000); // beyond ackTimeout (2 s)
      assert.equal((red.log().slice(before).match(/\[debug:rejected \/ not stored\]/g) ?? []).length, 1, 'one statement for the batch, one error');
      assert.equal(Number((await query(dbFile, inBatch))[0]!.n), 0, 'no row of the failed batch');
      assert.deepEqual(acks.messages, [], 'no ack for any detection of the failed batch');
      await query(dbFile, 'DROP TRIGGER refuse_for_test');
      // The cameras resend all five (same message_ids) until acked: taken as new, stored, each acked.
      // (The first resend may meet SQLITE_BUSY: node-sqlite3 keeps the failed statement's read
      // snapshot until the connection's next statement, and the trigger was dropped meanwhile by
      // another connection. Not acked either, so the cameras send it once more.)
      for (let attempt = 0; attempt < 4 && (await distinctAcks(acks, ids.length, 3000)).length < ids.length; attempt++) await burst();
      assert.deepEqual(await distinctAcks(acks, ids.length), ids.map((id) => `${id} received`));
      const rows = await query(dbFile, "SELECT message_id, count(*) AS n FROM detections WHERE message_id LIKE 'sql-b%' GROUP BY message_id ORDER BY message_id");
      assert.deepEqual(rows, ids.map((message_id) => ({ message_id, n: 1 })));
    } finally {
      acks.stop();
      await client.endAsync();
      await query(dbFile, 'DROP TRIGGER IF EXISTS refuse_for_test').catch(() => undefined);
      flow = original;
      await deploy();
    }
  });
});
