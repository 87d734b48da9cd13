/**
 * examples/flows/detections-to-postgres.json (acks when `store` has finished a detection) while
 * PostgreSQL is stopped mid-stream: lpr-sim streams detections with acks and resends on, the
 * server is stopped for a few seconds and started again, and at the end every detection the
 * cameras generated is a row (counted by message_id), and no (message_id, plate) is there twice.
 *
 * LPR_OUTAGE_ACK_WHEN=handover runs the same with the old ack (on hand-over), to show what it
 * loses: every detection whose INSERT failed while the server was down was acked all the same.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { startMosquitto, type Mosquitto } from './fixtures/mosquitto';
import { pointBrokers, readExample, ROOT, startNodeRed, type FlowNode, type NodeRedHost } from './fixtures/node-red-host';
import { findPostgresBin, startPostgres, type Postgres } from './fixtures/postgres';
import { sleep, waitUntil } from './fixtures/wait';

interface PgClient {
  connect(): Promise<void>;
  query(sql: string, params?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
  end(): Promise<void>;
  on(event: 'error', cb: (err: Error) => void): void;
}
const pg = require('pg') as { Client: new (config: Record<string, unknown>) => PgClient };

const SIM = path.join(ROOT, 'dist/bin/lpr-sim.js');
const CAMERAS = 4;
const PER_CAMERA = 750;
/** Detections per second per camera: 200/s in all, so the outage falls mid-stream. */
const RATE = 50;
const OUTAGE_MS = 4000;
const ACK_WHEN = process.env.LPR_OUTAGE_ACK_WHEN === 'handover' ? 'handover' : 'complete';

interface SimRun {
  exited: Promise<{ generated: number; acked: number; resent: number; pending: number; rejected: number; dropped: number }>;
  kill(): void;
}

function startSim(brokerUrl: string): SimRun {
  const args = [
    SIM, '--url', brokerUrl, '--cameras', String(CAMERAS), '--prefix', 'PGO', '--rate', String(RATE),
    '--count', String(PER_CAMERA), '--ack-timeout', '1', '--health-interval', '0', '--no-config-request',
    '--blacklist-ratio', '0', '--drain', '90', '--seed', '11', '--json', '--quiet',
  ];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<any>((resolve, reject) => {
    proc.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`lpr-sim exited ${code}:\n${err}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1)!));
      } catch {
        reject(new Error(`lpr-sim printed no JSON summary:\n${out}\n${err}`));
      }
    });
  });
  exited.catch(() => undefined);
  return { exited, kill: () => proc.exitCode === null && proc.signalCode === null && proc.kill('SIGKILL') };
}

describe(`example detections-to-postgres: PostgreSQL stopped mid-stream (ackWhen ${ACK_WHEN})`, function () {
  this.timeout(180_000);

  let postgres: Postgres | undefined;
  let broker: Mosquitto | undefined;
  let red: NodeRedHost | undefined;
  let sim: SimRun | undefined;

  before(async function () {
    const found = findPostgresBin();
    if ('missing' in found) {
      console.log(`      skipped: ${found.missing}`);
      this.skip();
    }
    postgres = await startPostgres(found.bin);
    broker = await startMosquitto({ extraConfig: ['log_type subscribe', 'max_queued_messages 0'] });
    red = await startNodeRed({ functionModules: ['pg'], env: postgres.env });
    const flow: FlowNode[] = pointBrokers(readExample('detections-to-postgres.json'), broker.port).map((n) =>
      n.type === 'lpr-detection-in' ? { ...n, ackWhen: ACK_WHEN } : n.type === 'debug' ? { ...n, console: true } : n,
    );
    const before = broker.log().length;
    await red.deploy(flow);
    await waitUntil(() => broker!.log().slice(before).includes('lprserver/cameras/+/detection'), 'detection in subscribed', 15_000);
  });

  after(async function () {
    sim?.kill();
    await red?.stop();
    await broker?.stop();
    await postgres?.stop();
  });

  it('every detection is a row once the database is back: 0 lost, 0 duplicated', async function () {
    const client = () => new pg.Client({ host: postgres!.host, port: postgres!.port, user: postgres!.user, database: postgres!.database });
    const count = async (sql: string) => {
      const c = client();
      c.on('error', () => undefined);
      await c.connect();
      try {
        return Number((await c.query(sql)).rows[0]!.n);
      } finally {
        await c.end();
      }
    };
    const rows = async () => count('SELECT count(*) AS n FROM detections').catch(() => 0);

    const started = Date.now();
    sim = startSim(broker!.url);
    // Stop the server once a third of the stream is stored, for OUTAGE_MS.
    const third = (CAMERAS * PER_CAMERA) / 3;
    for (;;) {
      if ((await rows()) >= third) break;
      if (Date.now() - started > 60_000) throw new Error(`fewer than ${third} rows after 60 s:\n${red!.log().slice(-3000)}`);
      await sleep(100);
    }
    const rowsAtHalt = await rows();
    const logBefore = red!.log().length;
    await postgres!.halt();
    const haltedAt = Date.now();
    await sleep(OUTAGE_MS);
    await postgres!.resume();
    const outage = Date.now() - haltedAt;
    const summary = await sim.exited;

    const stored = await count('SELECT count(DISTINCT message_id) AS n FROM detections');
    const total = await count('SELECT count(*) AS n FROM detections');
    const distinctPlates = await count('SELECT count(*) AS n FROM (SELECT DISTINCT message_id, plate_index FROM detections) AS t');
    const failedStores = (red!.log().slice(logBefore).match(/rejected \/ not stored/g) ?? []).length;
    const lost = summary.generated - stored;
    console.log(
      [
        `      ackWhen ${ACK_WHEN}: ${CAMERAS} lpr-sim cameras × ${PER_CAMERA} at ${RATE}/s; PostgreSQL stopped at ${rowsAtHalt} rows for ${outage} ms`,
        `      generated ${summary.generated} · acked ${summary.acked} · resent ${summary.resent} · pending ${summary.pending} · stored ${stored} detections (${total} rows)`,
        `      lost ${lost} · duplicated rows ${total - distinctPlates} · stores that failed during the outage ${failedStores} · ${((Date.now() - started) / 1000).toFixed(1)} s`,
      ].join('\n'),
    );
    assert.equal(summary.generated, CAMERAS * PER_CAMERA);
    assert.ok(failedStores > 0, 'the outage hit stores mid-stream');
    assert.equal(summary.rejected, 0, 'rejected');
    assert.equal(summary.dropped, 0, 'dropped by the cameras');
    assert.equal(summary.pending, 0, 'still waiting for an ack');
    assert.equal(summary.acked, summary.generated, 'acked');
    assert.equal(total, distinctPlates, 'duplicated rows');
    assert.equal(lost, 0, 'detections acked but not stored');
  });
});
