/**
 * History search scenario (`npm run bench -- history [--rows 1000000]`): a SQLite file with the
 * SQLite example's schema (plate_key, its index, the FTS5 trigram index and its triggers) filled
 * with N reads (default 100,000) over 30 days from a pool of N/5 plates (70 % Thai `1กข1234`, some
 * in Thai digits, 30 % Latin), through node-sqlite3 as node-red-node-sqlite uses it. Reports the
 * insert rate (one transaction per 1,000 rows, triggers included) with and without the FTS index,
 * the file size, and the time of each of the history flow's statements (its SQL, read from
 * examples/flows/history-dashboard.json) as median and p95 of 20 runs: a whole plate, a 4-digit
 * part, a 3-character part matching many plates, a 2-character plate start, the last hour, page
 * 200 of all time, and the 10,001 rows a CSV asks for.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { normalizePlate } from '../src/blacklist/normalize';
import { option } from './lib/args';

interface Statement {
  run(params: unknown[], cb?: (err: Error | null) => void): void;
  finalize(cb?: () => void): void;
}
interface Db {
  all(sql: string, params: unknown, cb: (err: Error | null, rows: unknown[]) => void): void;
  exec(sql: string, cb: (err: Error | null) => void): void;
  prepare(sql: string): Statement;
  close(cb?: () => void): void;
}
const ROOT = path.resolve(__dirname, '..');
const sqlite3 = createRequire(require.resolve('node-red-node-sqlite/package.json'))('sqlite3') as { Database: new (file: string, cb: (err: Error | null) => void) => Db };
const open = (file: string) => new Promise<Db>((resolve, reject) => { const db = new sqlite3.Database(file, (e) => (e ? reject(e) : resolve(db))); });
const exec = (db: Db, sql: string) => new Promise<void>((resolve, reject) => db.exec(sql, (e) => (e ? reject(e) : resolve())));
const all = (db: Db, sql: string, params: unknown) => new Promise<unknown[]>((resolve, reject) => db.all(sql, params, (e, rows) => (e ? reject(e) : resolve(rows))));

const example = (file: string) => JSON.parse(readFileSync(path.join(ROOT, 'examples/flows', file), 'utf8')) as Array<Record<string, unknown>>;
const SCHEMA = String(example('detections-to-sqlite.json').find((n) => n.id === 'lpr-sql-inject-schema')!.topic);
const HISTORY = example('history-dashboard.json');
const sql = (id: string) => String(HISTORY.find((n) => n.id === id)!.sql);

function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const CONSONANTS = 'กขคงจฉชซญฎฐณดตถทธนบปผพฟภมยรลวศษสหฬอฮ';
const THAI_DIGITS = '๐๑๒๓๔๕๖๗๘๙';

async function fill(file: string, rows: number, fts: boolean): Promise<{ seconds: number; plates: string[] }> {
  const db = await open(file);
  await exec(db, fts ? SCHEMA : SCHEMA.replace(/CREATE VIRTUAL TABLE[\s\S]*$/, ''));
  const rnd = random(7);
  const pick = (s: string) => s[Math.floor(rnd() * s.length)]!;
  const plates = Array.from({ length: Math.max(1, Math.floor(rows / 5)) }, () => {
    const digits = String(1 + Math.floor(rnd() * 9999));
    if (rnd() < 0.3) return `${pick('ABCDEFGHJKLMNPRSTUVWXYZ')}${pick('ABCDEFGHJKLMNPRSTUVWXYZ')}${pick('ABCDEFGHJKLMNPRSTUVWXYZ')}${digits}`;
    const p = `${rnd() < 0.4 ? pick('123456789') : ''}${pick(CONSONANTS)}${pick(CONSONANTS)} ${digits}`;
    return rnd() < 0.2 ? p.replace(/[0-9]/g, (d) => THAI_DIGITS[Number(d)]!) : p;
  });
  const t0 = Date.parse('2026-11-01T00:00:00Z');
  const span = 30 * 86_400_000;
  const started = process.hrtime.bigint();
  const insert = db.prepare(
    `INSERT INTO detections (message_id, plate_index, camera_id, checkpoint_id, plate_number, confidence, detected_at, received_at, plate_key)
     VALUES (?, 0, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (let i = 0; i < rows; i += 1000) {
    await exec(db, 'BEGIN');
    for (let j = i; j < Math.min(rows, i + 1000); j++) {
      const plate = plates[Math.floor(rnd() * plates.length)]!;
      const at = new Date(t0 + Math.floor((j / rows) * span)).toISOString();
      insert.run([`m-${j}`, `CAM00${1 + (j % 8)}`, `CP00${1 + (j % 3)}`, plate, 0.8 + rnd() * 0.2, at, at, normalizePlate(plate)]);
    }
    await exec(db, 'COMMIT');
  }
  await new Promise<void>((resolve) => insert.finalize(resolve));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await new Promise<void>((resolve) => db.close(() => resolve()));
  return { seconds, plates };
}

async function time(db: Db, statement: string, params: Record<string, unknown>): Promise<{ median: number; p95: number; rows: number }> {
  const ms: number[] = [];
  let rows = 0;
  for (let i = 0; i < 20; i++) {
    const t = process.hrtime.bigint();
    rows = (await all(db, statement, params)).length;
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  ms.sort((a, b) => a - b);
  return { median: ms[10]!, p95: ms[18]!, rows };
}

async function main(): Promise<void> {
  const rows = option('rows', 100_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lpr-bench-history-'));
  try {
    // The insert rate without the trigram index, on at most 100,000 rows.
    const plainRows = Math.min(rows, 100_000);
    const plain = await fill(path.join(dir, 'plain.db'), plainRows, false);
    const file = path.join(dir, 'history.db');
    const { seconds, plates } = await fill(file, rows, true);
    const sizeOf = (f: string) => statSync(f).size + (statSync(`${f}-wal`, { throwIfNoEntry: false })?.size ?? 0);
    const size = sizeOf(file);
    const plainSize = sizeOf(path.join(dir, 'plain.db'));
    console.log(`history: ${rows.toLocaleString('en-US')} reads, ${plates.length.toLocaleString('en-US')} plates`);
    console.log(`  insert: ${Math.round(rows / seconds).toLocaleString('en-US')} rows/s with the trigram index, ${Math.round(plainRows / plain.seconds).toLocaleString('en-US')} rows/s without; file ${(size / 1e6).toFixed(1)} MB (${Math.round(size / rows)} bytes a row; without the trigram index ${Math.round(plainSize / plainRows)})`);
    const db = await open(file);
    const base = { $from: '0000-01-01T00:00:00.000Z', $to: '9999-12-31T23:59:59.999Z', $camera: null, $checkpoint: null, $limit: 51, $offset: 0 };
    const some = normalizePlate(plates.find((p) => /[0-9]{4}$/.test(normalizePlate(p)))!);
    const cases: Array<[string, string, Record<string, unknown>]> = [
      [`whole plate ${some}`, 'lpr-hist-sql-part', { ...base, $key: some }],
      [`4-digit part ${some.slice(-4)}`, 'lpr-hist-sql-part', { ...base, $key: some.slice(-4) }],
      ['3-character part 123', 'lpr-hist-sql-part', { ...base, $key: '123' }],
      [`plate start ${some.slice(0, 2)}`, 'lpr-hist-sql-start', { ...base, $key: some.slice(0, 2) }],
      ['last hour, page 1', 'lpr-hist-sql-time', { ...base, $from: '2026-11-30T23:00:00.000Z', $to: '2026-12-01T00:00:00.000Z' }],
      ['all time, page 200', 'lpr-hist-sql-time', { ...base, $offset: 199 * 50 }],
      ['camera CAM003 over all time, page 1', 'lpr-hist-sql-time', { ...base, $camera: 'CAM003' }],
      ['CSV: newest 10,001 rows', 'lpr-hist-sql-time', { ...base, $limit: 10_001 }],
    ];
    for (const [name, id, params] of cases) {
      const r = await time(db, sql(id), params);
      console.log(`  ${name.padEnd(40)} ${r.median.toFixed(2).padStart(8)} ms median ${r.p95.toFixed(2).padStart(8)} ms p95  (${r.rows} rows)`);
    }
    await new Promise<void>((resolve) => db.close(() => resolve()));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
