/**
 * Scale-out, exactly once where it matters: two Node-RED processes run the PostgreSQL example
 * (examples/flows/detections-to-postgres.json) with `lpr-detection-in` in one shared group
 * (`sharedGroup`) on one Mosquitto, both writing into ONE PostgreSQL table. lpr-sim streams
 * detections with acks and resends; one instance is killed (SIGKILL) mid-stream. Each instance's
 * dedupe window knows only what it saw, so a camera's resend of a detection the dead instance had
 * taken (and perhaps stored) but not acked reaches the other instance and comes out again: delivery
 * is at least once across the group. The table must still hold every detection exactly once: one
 * row per (message_id, plate), none missing, none twice.
 *
 * Two rows, because the broker session decides what happens to the dead member's share:
 * - killed and NOT restarted, members on clean sessions (what docs/scale-out.md advises): the
 *   broker forgets the dead member at once, and everything it held comes back as camera resends,
 *   to the survivor;
 * - killed and restarted 3 s later, members on persistent sessions (the example's own setting):
 *   Mosquitto keeps dealing the dead member its share while it is down (an offline durable member
 *   holds it until it returns), the cameras' resends of those go to both, and the returning member
 *   gets its queue: the most copies of one detection in two processes, each stored once.
 *
 * First, the race those two instances run into on an empty database: both run the example's
 * CREATE TABLE IF NOT EXISTS at the same moment, which PostgreSQL does not make safe (a unique
 * violation in its catalog); the example serialises it with an advisory lock.
 *
 * PostgreSQL, not SQLite: two Node-RED instances that share one SQLite file must run on one host
 * (SQLite locks a local file; over a network file system its locking is not reliable), which is
 * not scale-out; PostgreSQL is what several hosts write to. Each instance records what its
 * `lpr-detection-in` emitted and what `store` wrote (a synchronous append per line, so the record
 * survives the SIGKILL): the resends that reached the other instance are the message_ids both
 * emitted. Skipped, saying why, where Debian's PostgreSQL server binaries are not installed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
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
const CAMERAS = 8;
const PER_CAMERA = 300;
/** Per camera: 160 detections/s in all (the example's per-camera limit is 20/s), about 15 s. */
const RATE = 20;
const GROUP = 'lpr-city';

interface SimSummary {
  generated: number;
  acked: number;
  resent: number;
  pending: number;
  rejected: number;
  dropped: number;
}

function startSim(brokerUrl: string, drainSeconds = 100): { exited: Promise<SimSummary>; kill(): void } {
  const args = [
    SIM, '--url', brokerUrl, '--cameras', String(CAMERAS), '--prefix', 'CITY', '--rate', String(RATE),
    '--count', String(PER_CAMERA), '--ack-timeout', '2', '--health-interval', '0', '--no-config-request',
    '--blacklist-ratio', '0', '--drain', String(drainSeconds), '--seed', '18', '--json', '--quiet',
  ];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<SimSummary>((resolve, reject) => {
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

/**
 * The example flow as each instance runs it: the same flow, its detection in in the shared group,
 * and two recording nodes ADDED (nothing else changed): what detection in emitted, what store wrote.
 */
function instanceFlow(port: number, cleanSession: boolean): FlowNode[] {
  const flow = pointBrokers(readExample('detections-to-postgres.json'), port).map((n) => {
    if (n.type === 'lpr-broker') return { ...n, cleanSession };
    if (n.type === 'lpr-detection-in') return { ...n, sharedGroup: GROUP, wires: [[...((n.wires as string[][])[0] ?? []), 'scale-rec-in']] };
    if (n.id === 'lpr-pg-store') return { ...n, wires: [[...((n.wires as string[][])[0] ?? []), 'scale-rec-stored']] };
    if (n.type === 'debug') return { ...n, console: true };
    return n;
  });
  const record = (id: string, body: string): FlowNode => ({
    id,
    type: 'function',
    z: 'lpr-pg-tab',
    // x and y make it a flow node (Node-RED takes a node without them for a config node).
    x: 700,
    y: id === 'scale-rec-in' ? 400 : 440,
    name: id,
    func: `const items = msg.lpr.type === 'batch' ? msg.lpr.items : [msg.lpr];\n${body}\nreturn null;`,
    outputs: 0,
    wires: [],
  });
  // detection in sends batches: one line per entry emitted, one per batch stored (its size, how many were new).
  flow.push(
    record('scale-rec-in', "for (const it of items) global.get('lprRecord')('in ' + env.get('LPR_INSTANCE') + ' ' + it.messageId + ' ' + it.plateIndex);"),
    record('scale-rec-stored', "global.get('lprRecord')('stored ' + env.get('LPR_INSTANCE') + ' ' + items.length + ' ' + msg.stored);"),
  );
  return flow;
}

interface Records {
  /** message_id -> the instances whose detection in emitted it (each time). */
  emitted: Map<string, string[]>;
  /** Rows `store` found already there (ON CONFLICT DO NOTHING), per instance. */
  alreadyThere: { A: number; B: number };
  inserted: { A: number; B: number };
}

function readRecords(file: string): Records {
  const emitted = new Map<string, string[]>();
  const alreadyThere = { A: 0, B: 0 };
  const inserted = { A: 0, B: 0 };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [kind, instance, a, b] = line.split(' ');
    if (kind === 'in' && b === '0') {
      // in <instance> <message_id> <plate_index>
      const list = emitted.get(a!) ?? [];
      list.push(instance!);
      emitted.set(a!, list);
    } else if (kind === 'stored' && (instance === 'A' || instance === 'B')) {
      // stored <instance> <rows in the batch> <rows new>
      inserted[instance] += Number(b);
      alreadyThere[instance] += Number(a) - Number(b);
    }
  }
  return { emitted, alreadyThere, inserted };
}

describe('scale-out: two Node-RED instances in one shared group, one PostgreSQL table, one instance killed mid-stream', function () {
  this.timeout(240_000);

  let postgres: Postgres | undefined;
  let bin: string;

  before(async function () {
    const found = findPostgresBin();
    if ('missing' in found) {
      console.log(`      skipped: ${found.missing}`);
      this.skip();
    }
    bin = found.bin;
    postgres = await startPostgres(bin);
  });

  after(async function () {
    await postgres?.stop();
  });

  const pgQuery = async (sql: string) => {
    const c = new pg.Client({ host: postgres!.host, port: postgres!.port, user: postgres!.user, database: postgres!.database });
    c.on('error', () => undefined);
    await c.connect();
    try {
      return (await c.query(sql)).rows;
    } finally {
      await c.end();
    }
  };
  const count = async (sql: string) => Number((await pgQuery(sql))[0]!.n);

  async function run(title: string, o: { cleanSession: boolean; restartAfterMs: number | null; drainSeconds?: number; measureOnly?: boolean }) {
    // Each row starts from an empty database: the instances create the table on their first rows.
    await pgQuery('DROP TABLE IF EXISTS detections');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lpr-scaleout-'));
    const recordFile = path.join(dir, 'record.txt');
    writeFileSync(recordFile, '');
    let broker: Mosquitto | undefined;
    const red: Record<'A' | 'B', NodeRedHost | undefined> = { A: undefined, B: undefined };
    let sim: ReturnType<typeof startSim> | undefined;
    try {
      broker = await startMosquitto({ extraConfig: ['log_type subscribe', 'max_queued_messages 0'] });
      // Two processes, two user dirs: each lpr-broker's default client id differs (per-install secret).
      [red.A, red.B] = await Promise.all(
        (['A', 'B'] as const).map((name) => startNodeRed({ functionModules: ['pg'], env: { ...postgres!.env, LPR_INSTANCE: name }, recordFile })),
      );
      const flow = instanceFlow(broker.port, o.cleanSession);
      const before = broker.log().length;
      await Promise.all([red.A!.deploy(flow), red.B!.deploy(flow)]);
      const subscribed = () => (broker!.log().slice(before).match(new RegExp(`\\$share/${GROUP}/lprserver/cameras/\\+/detection`, 'g')) ?? []).length;
      await waitUntil(() => subscribed() >= 2, 'both instances subscribed to the shared group', 15_000).catch((err: Error) => {
        throw new Error(`${err.message}\n${broker!.log().slice(before).slice(-3000)}\n${red.A!.log().slice(-3000)}`);
      });

      const rows = () => count('SELECT count(*) AS n FROM detections').catch(() => 0);
      const started = Date.now();
      sim = startSim(broker.url, o.drainSeconds);
      // Kill A once a third of the stream is stored.
      const third = (CAMERAS * PER_CAMERA) / 3;
      while ((await rows()) < third) {
        if (Date.now() - started > 60_000) throw new Error(`fewer than ${third} rows after 60 s:\n${red.A!.log().slice(-3000)}`);
        await sleep(100);
      }
      const rowsAtKill = await rows();
      const emittedByAAtKill = readRecords(recordFile).inserted.A;
      await red.A!.kill();
      if (o.restartAfterMs !== null) {
        await sleep(o.restartAfterMs);
        await red.A!.restart();
      }
      const summary = await sim.exited;
      // Late copies (the restarted member's queue) land within moments: wait until the table is still.
      let last = -1;
      for (;;) {
        const n = await rows();
        if (n === last) break;
        last = n;
        await sleep(1500);
      }

      const detections = await count('SELECT count(DISTINCT message_id) AS n FROM detections');
      const total = await count('SELECT count(*) AS n FROM detections');
      const pairs = await count('SELECT count(*) AS n FROM (SELECT DISTINCT message_id, plate_index FROM detections) AS t');
      const rec = readRecords(recordFile);
      let bothEmitted = 0;
      let emittedTwiceOrMore = 0;
      for (const list of rec.emitted.values()) {
        if (list.includes('A') && list.includes('B')) bothEmitted++;
        if (list.length > 1) emittedTwiceOrMore++;
      }
      const storeErrors = (['A', 'B'] as const).map((n) => (red[n]!.log().match(/rejected \/ not stored/g) ?? []).length);
      // A copy of a stored detection must be absorbed, never refused: no unique violation, in the
      // table or in the catalog (two instances creating the table at once collided in pg_type).
      const refusedCopies = (['A', 'B'] as const).map((n) => (red[n]!.log().match(/duplicate key value violates unique constraint/g) ?? []).length);
      const lost = summary.generated - detections;
      // What the errors said (the debug node logs msg.error.message on the line after its name).
      const errorKinds = new Map<string, number>();
      for (const n of ['A', 'B'] as const) {
        for (const m of red[n]!.log().matchAll(/rejected \/ not stored[^\n]*\n((?:[^\n]*\n){1,8})/g)) {
          const text = m[1]!.split(/\n\d+ \w+ \d\d:/)[0]!;
          const key = `${n}: ${text.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>').replace(/\s+/g, ' ').slice(0, 300)}`;
          errorKinds.set(key, (errorKinds.get(key) ?? 0) + 1);
        }
      }
      console.log(
        [
          `      ${title}`,
          `      ${CAMERAS} lpr-sim cameras × ${PER_CAMERA} at ${RATE}/s, ack timeout 2 s; instance A killed at ${rowsAtKill} rows (${emittedByAAtKill} inserted by A)${o.restartAfterMs !== null ? `, restarted ${o.restartAfterMs} ms later` : ', not restarted'}`,
          `      generated ${summary.generated} · acked ${summary.acked} · camera resends ${summary.resent} · pending ${summary.pending} · ${((Date.now() - started) / 1000).toFixed(1)} s`,
          `      emitted by both instances (a resend reached the other one) ${bothEmitted} · emitted more than once in all ${emittedTwiceOrMore}`,
          `      rows inserted by A ${rec.inserted.A} · by B ${rec.inserted.B} · found already there (ON CONFLICT DO NOTHING) by A ${rec.alreadyThere.A} · by B ${rec.alreadyThere.B}`,
          `      table: ${detections} detections in ${total} rows · lost ${lost} · duplicated rows ${total - pairs} · stores failed A ${storeErrors[0]} · B ${storeErrors[1]} (of which unique violations A ${refusedCopies[0]} · B ${refusedCopies[1]})`,
          ...[...errorKinds].map(([k, n]) => `        ${n} × ${k}`),
        ].join('\n'),
      );
      const result = { bothEmitted, alreadyThere: rec.alreadyThere.A + rec.alreadyThere.B, lost, pending: summary.pending };
      if (o.measureOnly) return result;
      assert.equal(summary.generated, CAMERAS * PER_CAMERA);
      assert.equal(summary.rejected, 0, 'rejected');
      assert.equal(summary.dropped, 0, 'dropped by the cameras');
      assert.equal(summary.pending, 0, 'still waiting for an ack');
      assert.equal(summary.acked, summary.generated, 'acked');
      assert.ok(summary.resent > 0, 'the kill left detections unacked, and the cameras sent them again');
      assert.ok(rec.inserted.B > 0 && rec.inserted.A > 0, 'both instances stored rows');
      assert.equal(lost, 0, 'detections not stored');
      assert.equal(total, pairs, 'duplicated rows');
      assert.deepEqual(refusedCopies, [0, 0], 'stores refused with a unique violation');
      // Other store failures (a burst waiting longer than the pool's connectionTimeoutMillis on a
      // loaded machine) are not acked and come back as resends: counted above, not asserted.
      return result;
    } finally {
      sim?.kill();
      await red.A?.stop();
      await red.B?.stop();
      await broker?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('the example\'s CREATE TABLE run by two instances at the same moment on an empty database: neither fails', async function () {
    // The statement `store` runs on its first detection, from the example file itself.
    const store = readExample('detections-to-postgres.json').find((n) => n.id === 'lpr-pg-store')!;
    const schema = /const SCHEMA = `([^`]*)`/.exec(String(store.func))![1]!;
    const connect = async () => {
      const c = new pg.Client({ host: postgres!.host, port: postgres!.port, user: postgres!.user, database: postgres!.database });
      c.on('error', () => undefined);
      await c.connect();
      return c;
    };
    const [a, b] = await Promise.all([connect(), connect()]);
    const failures: string[] = [];
    try {
      for (let round = 0; round < 20; round++) {
        await a.query('DROP TABLE IF EXISTS detections');
        const results = await Promise.allSettled([a.query(schema), b.query(schema)]);
        for (const r of results) if (r.status === 'rejected') failures.push(String((r.reason as Error).message));
      }
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
    console.log(`      20 rounds, two sessions at once: ${failures.length} failed${failures[0] ? ` (first: ${failures[0]})` : ''}`);
    assert.deepEqual(failures, []);
  });

  it('killed and not restarted (clean sessions): every detection one row, the dead member\'s share resent to the survivor', async function () {
    await run('A killed, not restarted; both members on clean sessions', { cleanSession: true, restartAfterMs: null });
  });

  it('killed and restarted 3 s later (persistent sessions, the example\'s setting): copies in both instances, each stored once', async function () {
    const r = await run('A killed, restarted after 3 s; both members on persistent sessions', { cleanSession: false, restartAfterMs: 3000 });
    assert.ok(r.bothEmitted > 0, 'resends reached the other instance');
    assert.ok(r.alreadyThere > 0, 'the database absorbed copies (ON CONFLICT DO NOTHING)');
  });

  // Not a pass/fail row: what persistent sessions cost when a member dies for good (Mosquitto keeps
  // dealing it its share). LPR_SCALEOUT_PITFALL=1 runs it and prints the figures docs/scale-out.md quotes.
  (process.env.LPR_SCALEOUT_PITFALL ? it : it.skip)('measured: killed and not restarted on persistent sessions (the dead member holds its share)', async function () {
    const r = await run('A killed, not restarted; both members on persistent sessions (lpr-sim waits 40 s for acks)', { cleanSession: false, restartAfterMs: null, drainSeconds: 40, measureOnly: true });
    console.log(`      still not stored when lpr-sim gave up: ${r.lost} detections (${r.pending} pending at the cameras)`);
  });
});
