/**
 * examples/flows/history-dashboard.json on a real Node-RED with node-red-node-sqlite and FlowFuse
 * Dashboard 2, against a real SQLite file of 12,000 plate reads written with the SQLite example's
 * own schema (its plate_key from the package's normalizePlate, as lpr-detection-in's
 * msg.lpr.plateKey): the search through GET /lpr/history (the flow's query logic, shared with the
 * dashboard page) compared with the same search done in plain JavaScript over the generated rows,
 * the query plans of the flow's three statements, paging, Thai plate forms, partial plates,
 * hostile input and the CSV file.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createRequire } from 'node:module';
import path from 'node:path';
import { normalizePlate } from '../src/blacklist/normalize';
import { readExample, startNodeRed, type FlowNode, type NodeRedHost } from './fixtures/node-red-host';
import { sleep } from './fixtures/wait';

interface Statement {
  run(params: unknown[], cb?: (err: Error | null) => void): void;
  finalize(cb?: () => void): void;
}
interface Db {
  all(sql: string, params: unknown, cb: (err: Error | null, rows: Array<Record<string, unknown>>) => void): void;
  exec(sql: string, cb: (err: Error | null) => void): void;
  prepare(sql: string): Statement;
  serialize(fn: () => void): void;
  close(cb?: () => void): void;
}
const sqlite3 = createRequire(require.resolve('node-red-node-sqlite/package.json'))('sqlite3') as {
  Database: new (file: string, cb: (err: Error | null) => void) => Db;
};

const open = (file: string) => new Promise<Db>((resolve, reject) => {
  const db = new sqlite3.Database(file, (err) => (err ? reject(err) : resolve(db)));
});
const all = (db: Db, sql: string, params: unknown = []) =>
  new Promise<Array<Record<string, unknown>>>((resolve, reject) => db.all(sql, params, (err, rows) => (err ? reject(err) : resolve(rows))));
const exec = (db: Db, sql: string) => new Promise<void>((resolve, reject) => db.exec(sql, (err) => (err ? reject(err) : resolve())));

interface Row {
  id: number;
  message_id: string;
  camera_id: string;
  checkpoint_id: string | null;
  plate_number: string;
  province: string | null;
  detected_at: string;
  image_path: string | null;
}

/** Deterministic PRNG (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const N = 12_000;
const T0 = Date.parse('2026-11-01T00:00:00Z');
/** Thai consonants for random plates: not ก, ข (the searched plates) nor ฮ (the paging plate). */
const CONSONANTS = 'คงจฉชซญฎฐณดตถทธนบปผพฟภมยรลวศษสหฬอ';
const THAI_DIGITS = '๐๑๒๓๔๕๖๗๘๙';

function generateRows(): Row[] {
  const rnd = random(17);
  const pick = (s: string) => s[Math.floor(rnd() * s.length)]!;
  const rows: Row[] = [];
  const add = (plate: string, camera: string, checkpoint: string | null, minute: number, extra: Partial<Row> = {}) =>
    rows.push({
      id: rows.length + 1,
      message_id: `h-${rows.length + 1}`,
      camera_id: camera,
      checkpoint_id: checkpoint,
      plate_number: plate,
      province: null,
      detected_at: new Date(T0 + minute * 60_000).toISOString(),
      image_path: null,
      ...extra,
    });
  for (let i = 0; i < N - 130; i++) {
    // Digits 5-9 and 0 only: no random plate contains 1234 or 12.
    const digits = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => pick('567890')).join('');
    const thai = rnd() < 0.7;
    let plate = thai ? `${rnd() < 0.3 ? pick('56789') : ''}${pick(CONSONANTS)}${pick(CONSONANTS)} ${digits}` : `${pick('MNPRTUVWXY')}${pick('MNPRTUVWXY')}${pick('MNPRTUVWXY')}-${digits}`;
    if (thai && rnd() < 0.2) plate = plate.replace(/[0-9]/g, (d) => THAI_DIGITS[Number(d)]!);
    add(plate, `CAM00${1 + Math.floor(rnd() * 4)}`, rnd() < 0.5 ? 'CP001' : 'CP002', Math.floor(rnd() * 30 * 24 * 60));
  }
  // The same plate written four ways, one with a leading series digit (another plate).
  add('กข 1234', 'CAM001', 'CP001', 1000);
  add('กข1234', 'CAM002', 'CP002', 2000);
  add('กข ๑๒๓๔', 'CAM003', 'CP001', 3000);
  add('๑กข ๑๒๓๔', 'CAM001', 'CP002', 4000);
  add('ABC1234', 'CAM002', 'CP001', 5000);
  // 120 reads of one plate for paging, some in the same minute (the id breaks the tie).
  for (let i = 0; i < 120; i++) add(i % 2 ? 'ฮฮ 9999' : 'ฮฮ๙๙๙๙', `CAM00${1 + (i % 4)}`, 'CP003', 10_000 + Math.floor(i / 3));
  // Cells a spreadsheet would run as formulas, quotes, commas and a line break.
  add('=HYPERLINK("http://x","y")', '+CAM9', '@cp', 20_000, { province: '-1+1', image_path: 'a"b,c\nd' });
  add('XZ 777', 'CAM009', null, 20_001, { province: 'กรุงเทพมหานคร' });
  assert.equal(rows.length, N - 130 + 5 + 120 + 2);
  return rows;
}

/** The search done in plain JavaScript: what the flow must answer. */
function expected(rows: Row[], q: { plate?: string; camera?: string; checkpoint?: string; from?: string; to?: string }): Row[] {
  const key = q.plate ? normalizePlate(q.plate) : '';
  return rows
    .filter((r) => {
      const k = normalizePlate(r.plate_number);
      if (key.length >= 3 && !k.includes(key)) return false;
      if (key.length > 0 && key.length < 3 && !k.startsWith(key)) return false;
      if (q.camera && r.camera_id !== q.camera) return false;
      if (q.checkpoint && r.checkpoint_id !== q.checkpoint) return false;
      if (q.from && r.detected_at < q.from) return false;
      if (q.to && r.detected_at >= q.to) return false;
      return true;
    })
    .sort((a, b) => (a.detected_at === b.detected_at ? b.id - a.id : a.detected_at < b.detected_at ? 1 : -1));
}

describe('example history-dashboard: searching stored reads (12,000 rows, real SQLite)', function () {
  this.timeout(60_000);

  let red: NodeRedHost;
  let db: Db;
  let rows: Row[];
  let flow: FlowNode[];
  const sqlOf = (id: string) => String(flow.find((n) => n.id === id)!.sql);

  const get = async (qs: Record<string, string>, csv = false) => {
    const res = await fetch(`${red.base}/lpr/history${csv ? '.csv' : ''}?${new URLSearchParams(qs).toString()}`);
    return res;
  };
  const search = async (qs: Record<string, string>) => {
    const res = await get(qs);
    const body = (await res.json()) as { page: number; page_size: number; more: boolean; rows: Array<Record<string, unknown>>; error?: string };
    assert.equal(res.status, 200, `${JSON.stringify(qs)}: ${JSON.stringify(body)}`);
    return body;
  };
  /** Every page of a search, as message ids. */
  const allPages = async (qs: Record<string, string>) => {
    const ids: string[] = [];
    for (let page = 1; ; page++) {
      const body = await search({ ...qs, page: String(page) });
      assert.ok(body.rows.length <= 50);
      ids.push(...body.rows.map((r) => String(r.message_id)));
      if (!body.more) return ids;
      assert.equal(body.rows.length, 50, 'a page before the last is full');
    }
  };

  before(async function () {
    // The runtime's zone is the site's when global lprTimeZone is unset: Bangkok, UTC+7, no DST.
    red = await startNodeRed({ nodeModules: ['@flowfuse/node-red-dashboard', 'node-red-node-sqlite'], env: { TZ: 'Asia/Bangkok' } });
    const schema = String(readExample('detections-to-sqlite.json').find((n) => n.id === 'lpr-sql-inject-schema')!.topic);
    flow = readExample('history-dashboard.json');
    db = await open(path.join(red.userDir, String(flow.find((n) => n.type === 'sqlitedb')!.db)));
    await exec(db, schema);
    rows = generateRows();
    await exec(db, 'BEGIN');
    const insert = db.prepare(
      `INSERT INTO detections (id, message_id, plate_index, camera_id, checkpoint_id, plate_number, province, confidence, detected_at, received_at, image_path, plate_key)
       VALUES (?, ?, 0, ?, ?, ?, ?, 0.9, ?, ?, ?, ?)`,
    );
    for (const r of rows) insert.run([r.id, r.message_id, r.camera_id, r.checkpoint_id, r.plate_number, r.province, r.detected_at, r.detected_at, r.image_path, normalizePlate(r.plate_number)]);
    await new Promise<void>((resolve) => insert.finalize(resolve));
    await exec(db, 'COMMIT');
    await exec(db, 'ANALYZE');
    // The page needs the dashboard base and theme of the live dashboard flow.
    const base = readExample('demo-dashboard.json').filter((n) => n.id === 'lpr-mon-ui-base' || n.id === 'lpr-mon-ui-theme');
    await red.deploy([...base, ...flow]);
  });

  after(async function () {
    await new Promise<void>((resolve) => (db ? db.close(() => resolve()) : resolve()));
    await red?.stop();
  });

  it('each statement uses an index: trigram FTS for a plate part, (plate_key, detected_at) for a plate start, detected_at for time', async function () {
    const params = { $from: '2026-11-02T00:00:00.000Z', $to: '2026-11-20T00:00:00.000Z', $camera: null, $checkpoint: null, $limit: 51, $offset: 0 };
    const plan = async (id: string, extra: Record<string, unknown>) =>
      (await all(db, `EXPLAIN QUERY PLAN ${sqlOf(id)}`, { ...params, ...extra })).map((r) => String(r.detail)).join(' | ');
    const part = await plan('lpr-hist-sql-part', { $key: 'กข12' });
    assert.match(part, /SCAN detections_plate_fts VIRTUAL TABLE INDEX/);
    assert.match(part, /SEARCH d USING INTEGER PRIMARY KEY \(rowid=\?\)/);
    const start = await plan('lpr-hist-sql-start', { $key: 'กข' });
    assert.match(start, /SEARCH d USING INDEX detections_key_time \(plate_key>\? AND plate_key<\?\)/);
    const time = await plan('lpr-hist-sql-time', {});
    assert.match(time, /SEARCH d USING INDEX detections_time \(detected_at>\? AND detected_at<\?\)/);
    // Newest first straight from the index: no sort of the whole range.
    assert.doesNotMatch(time, /TEMP B-TREE/);
    // The only SCAN is the FTS index's own; no table is read whole.
    for (const p of [part, start, time]) {
      for (const step of p.split(' | ')) assert.ok(!step.startsWith('SCAN ') || step.startsWith('SCAN detections_plate_fts VIRTUAL TABLE INDEX'), `a full scan: ${p}`);
    }
  });

  it('กข1234, กข 1234 and กข ๑๒๓๔ find each other (and 1กข1234, which contains them); ๑กข ๑๒๓๔ finds 1กข1234', async function () {
    const plates = async (plate: string) => (await search({ plate })).rows.map((r) => String(r.plate_number));
    const all4 = ['๑กข ๑๒๓๔', 'กข ๑๒๓๔', 'กข1234', 'กข 1234'];
    assert.deepEqual(await plates('กข1234'), all4);
    assert.deepEqual(await plates('กข 1234'), all4);
    assert.deepEqual(await plates('กข ๑๒๓๔'), all4);
    assert.deepEqual(await plates(' กข-๑๒๓๔ '), all4);
    assert.deepEqual(await plates('๑กข ๑๒๓๔'), ['๑กข ๑๒๓๔']);
    assert.deepEqual(await plates('1กข1234'), ['๑กข ๑๒๓๔']);
  });

  it('partial plates: 1234 and ๑๒๓๔ anywhere, กข12 inside, 2 characters at the start', async function () {
    const plates = async (plate: string) => (await search({ plate })).rows.map((r) => String(r.plate_number));
    assert.deepEqual(await plates('1234'), ['ABC1234', '๑กข ๑๒๓๔', 'กข ๑๒๓๔', 'กข1234', 'กข 1234']);
    assert.deepEqual(await plates('๑๒๓๔'), await plates('1234'));
    assert.deepEqual(await plates('กข12'), ['๑กข ๑๒๓๔', 'กข ๑๒๓๔', 'กข1234', 'กข 1234']);
    assert.deepEqual(await plates('abc'), ['ABC1234']);
    // Two characters: the start of the plate only (กข1234 starts with กข; 1กข1234 does not).
    assert.deepEqual(await plates('กข'), ['กข ๑๒๓๔', 'กข1234', 'กข 1234']);
    // Against the same search in JavaScript, over every page.
    for (const plate of ['ฮฮ9', 'คง', '5', '999', 'XZ7', 'MN', '๕๖']) {
      assert.deepEqual(await allPages({ plate }), expected(rows, { plate }).slice(0, 10_000).map((r) => r.message_id), plate);
    }
  });

  it('property: any part of a stored plate, written with Thai digits and separators, gives the JavaScript search\'s first page', async function () {
    const thaiDigits = (s: string) => s.replace(/[0-9]/g, (d) => '๐๑๒๓๔๕๖๗๘๙'[Number(d)]!);
    await fc.assert(
      fc.asyncProperty(fc.nat(rows.length - 1), fc.nat(8), fc.integer({ min: 1, max: 8 }), fc.boolean(), fc.constantFrom('', ' ', '-', '.'), async (i, start, length, thai, sep) => {
        const key = normalizePlate(rows[i]!.plate_number);
        const part = key.slice(Math.min(start, key.length - 1), Math.min(start, key.length - 1) + length);
        fc.pre(part.length > 0 && normalizePlate(part) === part);
        const typed = (thai ? thaiDigits(part) : part).split('').join(sep);
        const body = await search({ plate: typed });
        const want = expected(rows, { plate: part });
        assert.deepEqual(body.rows.map((r) => r.message_id), want.slice(0, 50).map((r) => r.message_id), `${typed} (${part})`);
        assert.equal(body.more, want.length > 50);
      }),
      { numRuns: 60, seed: 4242 },
    );
  });

  it('pages of 50, newest first, ties broken by id; camera, checkpoint and time range filter', async function () {
    const want = expected(rows, { plate: 'ฮฮ9999' }).map((r) => r.message_id);
    assert.equal(want.length, 120);
    const p1 = await search({ plate: 'ฮฮ9999' });
    assert.deepEqual([p1.page, p1.page_size, p1.more, p1.rows.length], [1, 50, true, 50]);
    const p3 = await search({ plate: 'ฮฮ9999', page: '3' });
    assert.deepEqual([p3.page, p3.more, p3.rows.length], [3, false, 20]);
    assert.deepEqual(await allPages({ plate: 'ฮฮ9999' }), want);
    const cases: Array<Record<string, string>> = [
      { camera: 'CAM002' },
      { checkpoint: 'CP002', plate: '5' },
      { camera: 'CAM003', checkpoint: 'CP001', plate: 'ค' },
      { from: '2026-11-10T00:00:00Z', to: '2026-11-10T06:00:00Z' },
      { from: '2026-11-10T07:00:00+07:00', to: '2026-11-10T13:00:00+07:00', camera: 'CAM001' },
      { plate: '789', from: '2026-11-05T00:00:00Z', to: '2026-11-06T00:00:00Z' },
    ];
    for (const q of cases) {
      const want2 = expected(rows, {
        ...q,
        from: q.from ? new Date(q.from).toISOString() : undefined,
        to: q.to ? new Date(q.to).toISOString() : undefined,
      });
      assert.ok(want2.length > 0 && want2.length <= 10_000, `${JSON.stringify(q)}: ${want2.length} rows`);
      assert.deepEqual(await allPages(q), want2.map((r) => r.message_id), JSON.stringify(q));
    }
    // A search shows its newest 10,000 rows (200 pages); page 201 is refused.
    const last = await search({ page: '200' });
    assert.equal(last.more, true);
    assert.equal((await get({ page: '201' })).status, 400);
  });

  it('times without a zone are the site time zone (the runtime\'s here: Asia/Bangkok); a date alone in `to` is the whole day', async function () {
    const from = '2026-11-09T17:00:00.000Z'; // 2026-11-10 00:00 in Bangkok
    const to = '2026-11-10T17:00:00.000Z';
    const want = expected(rows, { from, to, camera: 'CAM004' }).map((r) => r.message_id);
    assert.ok(want.length > 0);
    assert.deepEqual(await allPages({ from: '2026-11-10', to: '2026-11-10', camera: 'CAM004' }), want);
    assert.deepEqual(await allPages({ from: '2026-11-10T00:00', to: '2026-11-11T00:00', camera: 'CAM004' }), want);
  });

  it('hostile input: quotes, SQL, % and _, FTS syntax, very long text, arrays: refused by field or found literally', async function () {
    const before = Number((await all(db, 'SELECT count(*) AS n FROM detections'))[0]!.n);
    const empty = ["x' OR '1'='1", "'; DROP TABLE detections; --", '%', '%%%', '"', 'ab"c', '*', 'NEAR(a b)', 'กข* OR 1', '1234"', '\\', 'กข OR ค'];
    for (const plate of empty) assert.deepEqual((await search({ plate })).rows, [], plate);
    // `%` and `_` are not wildcards: `_` is a separator (dropped), `%` a character no plate has.
    assert.deepEqual((await search({ plate: '12_34' })).rows.length, 5);
    assert.deepEqual((await search({ camera: "CAM001' OR 1=1 --" })).rows, []);
    assert.deepEqual((await search({ camera: '%', checkpoint: '_' })).rows, []);
    // The stored formula-like plate is found literally.
    assert.deepEqual((await search({ plate: '=HYPERLINK("' })).rows.map((r) => r.plate_number), ['=HYPERLINK("http://x","y")']);
    const refused: Array<[Record<string, string> | string, RegExp]> = [
      [{ plate: 'A'.repeat(65) }, /^plate: at most 64 characters/],
      [{ plate: 'ก'.repeat(33) }, /^plate: at most 32 characters/],
      [{ plate: '๑'.repeat(1000) }, /^plate: at most 64 characters/],
      [{ plate: 'A'.repeat(8000) }, /^plate: at most 64 characters/],
      [{ plate: '--- ...' }, /^plate: no letter or digit/],
      [{ plate: '_' }, /^plate: no letter or digit/],
      [{ camera: 'C'.repeat(65) }, /^camera: at most 64 characters/],
      [{ from: 'yesterday' }, /^from: expected a date and time/],
      [{ from: '2026-02-30T10:00' }, /^from: expected a date and time/],
      [{ to: "2026-11-10' OR 1=1" }, /^to: expected a date and time/],
      [{ from: '2026-11-10T10:00', to: '2026-11-10T09:00' }, /^to: must be later than from/],
      [{ page: '0' }, /^page: /],
      [{ page: '-1' }, /^page: /],
      [{ page: '1e3' }, /^page: /],
      ['plate=a&plate=b', /^plate: give it once/],
      ['camera[x]=1', /^camera: give it once/],
    ];
    for (const [qs, reason] of refused) {
      const res = await fetch(`${red.base}/lpr/history?${typeof qs === 'string' ? qs : new URLSearchParams(qs).toString()}`);
      assert.equal(res.status, 400, JSON.stringify(qs).slice(0, 80));
      const body = (await res.json()) as { error?: string };
      assert.match(String(body.error), reason, JSON.stringify(qs));
    }
    assert.equal(Number((await all(db, 'SELECT count(*) AS n FROM detections'))[0]!.n), before);
    assert.doesNotMatch(red.log(), /SQLITE_ERROR|fts5: syntax error/);
  });

  it('CSV: UTF-8 with BOM, header row, CRLF, Thai intact, formula-like cells neutralised, at most 10,000 rows', async function () {
    let res = await get({ plate: 'กข1234' }, true);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.match(String(res.headers.get('content-disposition')), /^attachment; filename="lpr-history-\d{8}-\d{6}\.csv"$/);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    const lines = text.split('\r\n');
    assert.equal(lines.pop(), '');
    assert.match(lines[0]!, /^"detected_at \(Asia\/Bangkok\)","detected_at_utc","received_at_utc","camera_id","checkpoint_id","plate_number","province","country","confidence","message_id","plate_index","image_path"$/);
    assert.equal(lines.length, 5);
    assert.match(lines[1]!, /,"CAM001","CP002","๑กข ๑๒๓๔",,,0\.9,"h-\d+",0,$/);
    // The site's wall-clock time (Gregorian in the file), then UTC.
    assert.match(lines[1]!, /^"2026-11-04 01:40:00","2026-11-03T18:40:00\.000Z",/);

    res = await get({ camera: '+CAM9' }, true);
    const [, row] = (await res.text()).replace(/^\ufeff/, '').split('\r\n');
    // Every cell a spreadsheet could run starts with ': =…, +…, @…, -…; quotes doubled; the line break stays inside quotes.
    assert.match(row!, /,"'\+CAM9","'@cp","'=HYPERLINK\(""http:\/\/x"",""y""\)","'-1\+1",,0\.9,"h-\d+",0,"a""b,c\nd"$/);

    res = await get({}, true);
    assert.equal(res.headers.get('x-lpr-truncated'), 'true');
    assert.equal(res.headers.get('x-lpr-rows'), '10000');
    const all10k = (await res.text()).split('\r\n');
    assert.equal(all10k.length, 1 + 10_000 + 1);
    res = await get({ plate: 'ฮฮ9999' }, true);
    assert.equal(res.headers.get('x-lpr-truncated'), 'false');
    assert.equal((await res.text()).split('\r\n').length, 1 + 120 + 1);
  });

  it('the page has every label in Thai and in English, and picks the language each answer names', function () {
    const template = String(flow.find((n) => n.id === 'lpr-hist-template')!.format);
    const script = /<script>([\s\S]*)<\/script>/.exec(template)![1]!.replace('export default', 'return');
    const component = new Function(script)() as { data(): { labels: Record<string, Record<string, unknown>> }; watch: { msg(this: Record<string, unknown>, m: unknown): void } };
    const { labels } = component.data();
    assert.deepEqual(Object.keys(labels).sort(), ['en', 'th']);
    const shape = (o: Record<string, unknown>): unknown => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'object' && v ? shape(v as Record<string, unknown>) : typeof v]));
    assert.deepEqual(shape(labels.en!), shape(labels.th!));
    const limits = { pageSize: 50, maxPage: 200, csvMaxRows: 10000, zone: 'Asia/Bangkok' };
    assert.match((labels.th!.note as (l: unknown) => string)(limits), /หน้าละ 50 รายการ.*CSV ไม่เกิน 10,000 รายการ.*Asia\/Bangkok \(พ\.ศ\.\)/);
    assert.match((labels.en!.note as (l: unknown) => string)(limits), /50 rows a page.*at most 10,000 rows.*Asia\/Bangkok/);
    // An answer (to another copy of the page, too) carries the language; rows only reach the page that asked.
    const page: Record<string, unknown> = { ...component.data(), request: 'mine' };
    component.watch.msg.call(page, { payload: { lang: 'en', request: 'other', rows: [{ plate: 'X' }] } });
    assert.deepEqual([page.lang, page.rows], ['en', []]);
    component.watch.msg.call(page, { payload: { lang: 'th', request: 'mine', rows: [{ plate: 'X' }], page: 1, more: false, error: null } });
    assert.deepEqual([page.lang, page.rows], ['th', [{ plate: 'X' }]]);
  });

  it('before the table exists the search answers 503, not a crash', async function () {
    await exec(db, 'ALTER TABLE detections RENAME TO detections_away');
    try {
      const res = await get({ plate: '1234' });
      assert.equal(res.status, 503);
      assert.match(String(((await res.json()) as { error: string }).error), /no reads stored yet/);
    } finally {
      await exec(db, 'ALTER TABLE detections_away RENAME TO detections');
    }
    await sleep(50);
    assert.equal((await search({ plate: '1234' })).rows.length, 5);
  });
});
