/**
 * examples/flows/detections-to-postgres.json on a real Node-RED (its function nodes load `pg`
 * through functionExternalModules) against a throwaway PostgreSQL cluster, fed by mosquitto_pub
 * through a real Mosquitto: the rows in the table (read with pg) and GET /lpr/pg/detections.
 * detection in sends batches (200 detections or 50 ms): each batch is one INSERT, stored whole or not at all.
 * Skipped, saying why, where Debian's PostgreSQL server binaries are not installed.
 */
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { startMosquitto, type Mosquitto } from './fixtures/mosquitto';
import { mosquittoPub, mosquittoSub } from './fixtures/mqtt-cli';
import { pointBrokers, readExample, startNodeRed, type FlowNode, type NodeRedHost } from './fixtures/node-red-host';
import { findPostgresBin, startPostgres, type Postgres } from './fixtures/postgres';
import { COLUMNS, distinctAcks, EXPECTED_ACKS, detection, D1, D2, D3, D5, eventually, INVALID, NO_PLATE, R1, R2a, R2b, R3, R5 } from './fixtures/example-detections';
import { sleep, waitUntil } from './fixtures/wait';

interface PgClient {
  connect(): Promise<void>;
  query(sql: string, params?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
  end(): Promise<void>;
}
const pg = require('pg') as { Client: new (config: Record<string, unknown>) => PgClient };

describe('example detections-to-postgres: mosquitto_pub → Mosquitto → Node-RED (pg) → PostgreSQL', function () {
  this.timeout(60_000);

  let postgres: Postgres | undefined;
  let broker: Mosquitto | undefined;
  let red: NodeRedHost | undefined;
  let client: PgClient | undefined;
  let flow: FlowNode[];

  const publish = (d: Record<string, unknown>) => mosquittoPub(broker!.port, `lprserver/cameras/${String(d.camera_id)}/detection`, JSON.stringify(d), 1);
  const rows = async () =>
    (await client!.query(`SELECT ${COLUMNS} FROM detections ORDER BY message_id, plate_index`)).rows.map((r) => ({
      ...r,
      detected_at: (r.detected_at as Date).toISOString(),
    }));
  const count = async () => Number((await client!.query('SELECT count(*) AS n FROM detections')).rows[0]!.n);
  const get = async (qs: string) => {
    const res = await fetch(`${red!.base}/lpr/pg/detections${qs}`);
    return { status: res.status, body: (await res.json()) as { count: number; limit: number; detections: Array<Record<string, unknown>>; error?: string } };
  };
  const deploy = async () => {
    const before = broker!.log().length;
    await red!.deploy(flow);
    await waitUntil(() => broker!.log().slice(before).includes('lprserver/cameras/+/detection'), 'detection in subscribed', 15_000);
  };

  before(async function () {
    const found = findPostgresBin();
    if ('missing' in found) {
      console.log(`      skipped: ${found.missing}`);
      this.skip();
    }
    postgres = await startPostgres(found.bin);
    broker = await startMosquitto({ extraConfig: ['log_type subscribe'] });
    // pg reads PGHOST, PGPORT, PGUSER and PGDATABASE from Node-RED's environment, as the comment says.
    red = await startNodeRed({ functionModules: ['pg'], env: postgres.env });
    client = new pg.Client({ host: postgres.host, port: postgres.port, user: postgres.user, database: postgres.database });
    await client.connect();
    // Debug nodes also write to the log here, so that errors the flow catches can be asserted on.
    flow = pointBrokers(readExample('detections-to-postgres.json'), broker.port).map((n) => (n.type === 'debug' ? { ...n, console: true } : n));
    await deploy();
  });

  after(async function () {
    await client?.end().catch(() => undefined);
    await red?.stop();
    await broker?.stop();
    await postgres?.stop();
  });

  it('stores one row per plate read (created the table on first use); duplicates, invalid and plateless detections add none', async function () {
    const acks = await mosquittoSub(broker!.port, 'lprserver/cameras/+/detection/ack');
    try {
      for (const d of [D1, D2, D3, D1, INVALID, NO_PLATE]) await publish(d);
      // Every detection has been through detection in and acked, the stored ones once stored.
      assert.deepEqual(await distinctAcks(acks, EXPECTED_ACKS.length), EXPECTED_ACKS);
    } finally {
      acks.stop();
    }
    await eventually(async () => (await count()) >= 4, '4 rows');
    await sleep(500);
    assert.deepEqual(await rows(), [R1, R2a, R2b, R3]);
    const types = await client!.query("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'detections' AND column_name IN ('detected_at', 'received_at', 'id') ORDER BY column_name");
    assert.deepEqual(types.rows, [
      { column_name: 'detected_at', data_type: 'timestamp with time zone' },
      { column_name: 'id', data_type: 'bigint' },
      { column_name: 'received_at', data_type: 'timestamp with time zone' },
    ]);
    const indexes = await client!.query("SELECT indexdef FROM pg_indexes WHERE tablename = 'detections' ORDER BY indexname");
    assert.deepEqual(
      indexes.rows.map((r) => String(r.indexdef).replace(/ USING btree/, '').replace(' public.', ' ')),
      [
        'CREATE UNIQUE INDEX detections_message_id_plate_index_key ON detections (message_id, plate_index)',
        'CREATE UNIQUE INDEX detections_pkey ON detections (id)',
        'CREATE INDEX detections_plate_time ON detections (plate_number, detected_at)',
        'CREATE INDEX detections_time ON detections (detected_at)',
      ],
    );
    assert.match(red!.log(), /detection from camera CAM001 rejected: detection_data\.plates\[0\]\.confidence/);
  });

  it('a redelivery after a redeploy (duplicate window forgotten) adds no row: ON CONFLICT DO NOTHING', async function () {
    const before = red!.log().length;
    await deploy();
    // On Stop closed the old pool: no connection from Node-RED is left until a new row comes.
    const sessions = async () => Number((await client!.query("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'node-red-lpr'")).rows[0]!.n);
    await eventually(async () => (await sessions()) === 0, 'the old pool closed', 3000);
    await publish(D1);
    await publish(D5);
    await eventually(async () => (await count()) >= 5, '5 rows');
    await sleep(500);
    assert.deepEqual(await rows(), [R1, R2a, R2b, R3, R5]);
    const after = red!.log().slice(before);
    assert.doesNotMatch(after, /duplicate key|\[error\]/);
    assert.ok((await sessions()) >= 1, 'the new pool connected');
  });

  it('GET /lpr/pg/detections answers the rows, newest first, filtered and limited, and rejects bad parameters', async function () {
    const strip = (list: Array<Record<string, unknown>>) =>
      list.map((r) => {
        const { id, received_at, ...rest } = r;
        assert.equal(typeof id, 'number');
        assert.match(String(received_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        return rest;
      });
    let res = await get('');
    assert.deepEqual([res.status, res.body.count, res.body.limit], [200, 5, 100]);
    assert.deepEqual(strip(res.body.detections), [R5, R3, R2a, R2b, R1]);
    res = await get('?plate=ABC1234');
    assert.deepEqual(strip(res.body.detections), [R3, R1]);
    res = await get(`?plate=${encodeURIComponent('กข 1234')}&since=${encodeURIComponent('2024-01-15T17:30:00+07:00')}`);
    assert.deepEqual(strip(res.body.detections), [R2a]);
    res = await get('?limit=2');
    assert.deepEqual(strip(res.body.detections), [R5, R3]);
    res = await get('?limit=50000');
    assert.deepEqual([res.status, res.body.count, res.body.limit], [200, 5, 1000]);
    res = await get(`?plate=${encodeURIComponent("x' OR '1'='1")}`);
    assert.deepEqual([res.status, res.body.count], [200, 0]);
    for (const qs of ['?limit=0', '?since=yesterday', '?plate=', '?plate=A&plate=B']) {
      res = await get(qs);
      assert.equal(res.status, 400, qs);
      assert.match(String(res.body.error), /^(limit|since|plate): /, qs);
    }
    assert.equal(await count(), 5);
  });

  it('a batch is one statement: one refused row leaves the whole batch unstored and unacked; the resends are stored once', async function () {
    // Five detections of one camera in one batch (a longer window than the example's 50 ms, so that
    // they surely share it), the third refused by a trigger: the one INSERT of the batch fails.
    const ids = ['pg-b1', 'pg-b2', 'pg-b3', 'pg-b4', 'pg-b5'];
    const batch = ids.map((id, i) => detection(id, 'CAM005', `2024-01-15T13:0${i}:00Z`, [{ plate_number: i === 2 ? 'REFUSE1' : `BAT00${i}`, confidence: 0.9 }]));
    const inBatch = async () => (await client!.query("SELECT message_id, count(*)::int AS n FROM detections WHERE message_id LIKE 'pg-b%' GROUP BY message_id ORDER BY message_id")).rows;
    const acks = await mosquittoSub(broker!.port, 'lprserver/cameras/CAM005/detection/ack');
    const camera = await mqtt.connectAsync(broker!.url, { clientId: 'pg-batch-test' });
    const burst = () => Promise.all(batch.map((d) => camera.publishAsync('lprserver/cameras/CAM005/detection', JSON.stringify(d), { qos: 1 })));
    const original = flow;
    try {
      await client!.query(`CREATE FUNCTION refuse_for_test() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.plate_number = 'REFUSE1' THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NEW; END $$`);
      await client!.query('CREATE TRIGGER refuse_for_test BEFORE INSERT ON detections FOR EACH ROW EXECUTE FUNCTION refuse_for_test()');
      flow = original.map((n) => (n.type === 'lpr-detection-in' ? { ...n, batchWindow: 1000 } : n));
      await deploy();
      const before = red!.log().length;
      await burst();
      await waitUntil(() => /refused for the test/.test(red!.log().slice(before)), 'the batch insert failed', 10_000);
      await sleep(500);
      assert.equal((red!.log().slice(before).match(/rejected \/ not stored/g) ?? []).length, 1, 'one statement for the batch, one error');
      assert.deepEqual(await inBatch(), [], 'no row of the failed batch');
      assert.deepEqual(acks.messages, [], 'no ack for any detection of the failed batch');
      await client!.query('DROP TRIGGER refuse_for_test ON detections');
      // The cameras resend all five (same message_ids): taken as new, stored, each acked.
      await burst();
      assert.deepEqual(await distinctAcks(acks, ids.length), ids.map((id) => `${id} received`));
      assert.deepEqual(await inBatch(), ids.map((message_id) => ({ message_id, n: 1 })));
    } finally {
      acks.stop();
      await camera.endAsync();
      await client!.query('DROP TRIGGER IF EXISTS refuse_for_test ON detections').catch(() => undefined);
      await client!.query('DROP FUNCTION IF EXISTS refuse_for_test').catch(() => undefined);
      flow = original;
      await deploy();
    }
  });

  it('answers 500 and keeps running while the server is down; a row not stored is not acked, and its resend is stored once the server is back', async function () {
    const rowsBefore = await count();
    await client!.end();
    client = undefined;
    await postgres!.halt();
    const down = detectionFor('pg-down', 'DOWN001');
    const back = detectionFor('pg-back', 'BACK001');
    const before = red!.log().length;
    const acks = await mosquittoSub(broker!.port, 'lprserver/cameras/+/detection/ack');
    try {
      const res = await get('?plate=ABC1234');
      assert.deepEqual([res.status, res.body], [500, { error: 'database error' }]);
      await publish(down);
      // The row is refused with an error for the catch node: connection refused.
      await waitUntil(() => /rejected \/ not stored[\s\S]*ECONNREFUSED/.test(red!.log().slice(before)), 'store error reported', 15_000);
      await sleep(500);
      assert.deepEqual(acks.messages, [], 'no ack for a detection that was not stored');
      await postgres!.resume();
      client = new pg.Client({ host: postgres!.host, port: postgres!.port, user: postgres!.user, database: postgres!.database });
      await client.connect();
      // The camera resends what was not acked: the same message_id is taken as new and stored.
      await publish(down);
      await publish(back);
      await eventually(async () => (await count()) >= rowsBefore + 2, 'the two rows', 15_000);
      const plates = (await client.query('SELECT plate_number FROM detections ORDER BY id')).rows.map((r) => r.plate_number);
      // The pool runs the two inserts on their own connections: either may commit first.
      assert.deepEqual(plates.slice(-2).sort(), ['BACK001', 'DOWN001']);
      assert.equal((await get('?plate=BACK001')).body.count, 1);
      assert.deepEqual(await distinctAcks(acks, 2), ['pg-back received', 'pg-down received']);
    } finally {
      acks.stop();
    }
  });
});

function detectionFor(messageId: string, plate: string): Record<string, unknown> {
  return detection(messageId, 'CAM009', new Date().toISOString(), [{ plate_number: plate, confidence: 0.9 }]);
}
