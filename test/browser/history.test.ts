/**
 * The history page of the `npm start` demo in a real browser (Debian's Chromium through
 * playwright-core): the simulated cameras' reads are stored by the SQLite example; the page finds
 * one of them by its plate as the simulator wrote it, by the same plate in Thai digits and by a
 * part of it, and downloads the search as a CSV file. Takes history.png (into a temporary folder,
 * or docs/images/ with LPR_SCREENSHOT_DIR). Skipped only when /usr/bin/chromium is absent.
 */
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { haveChromium, launchChromium, openPage } from './chromium';
import { removeDemoDir, ROOT, startDemo, type Demo } from './demo-process';

const IMAGES = path.resolve(process.env.LPR_SCREENSHOT_DIR || path.join(os.tmpdir(), 'lpr-screenshots'));

interface Db {
  all(sql: string, params: unknown[], cb: (err: Error | null, rows: Array<Record<string, unknown>>) => void): void;
  close(cb?: () => void): void;
}
const sqlite3 = createRequire(require.resolve('node-red-node-sqlite/package.json'))('sqlite3') as {
  Database: new (file: string, mode: number, cb: (err: Error | null) => void) => Db;
  OPEN_READONLY: number;
};

/** Rows of the demo's database (read-only; null while the file or table is not there yet). */
function query(file: string, sql: string): Promise<Array<Record<string, unknown>> | null> {
  return new Promise((resolve) => {
    if (!existsSync(file)) return resolve(null);
    const db = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (err) => {
      if (err) return resolve(null);
      db.all(sql, [], (e, rows) => db.close(() => resolve(e ? null : rows)));
    });
  });
}

const THAI_DIGITS = '๐๑๒๓๔๕๖๗๘๙';

describe('npm start demo in Chromium: the history page', function () {
  this.timeout(60_000);
  let demo: Demo | undefined;
  let browser: Browser | undefined;

  before(async function () {
    if (!haveChromium()) {
      console.log('    skipped: /usr/bin/chromium is absent (Debian: apt-get install -y chromium)');
      this.skip();
    }
    this.timeout(150_000);
    if (!existsSync(path.join(ROOT, 'dist/index.js')) || !existsSync(path.join(ROOT, 'dist/bin/lpr-sim.js'))) {
      execSync('node scripts/build.mjs', { cwd: ROOT, stdio: 'inherit' });
    }
    mkdirSync(IMAGES, { recursive: true });
    const [d, b] = await Promise.allSettled([startDemo(90_000), launchChromium()]);
    if (d.status === 'fulfilled') demo = d.value;
    if (b.status === 'fulfilled') browser = b.value;
    if (d.status === 'rejected') throw d.reason;
    if (b.status === 'rejected') throw b.reason;
  });

  after(async function () {
    this.timeout(30_000);
    await browser?.close().catch(() => undefined);
    if (!demo) return;
    const code = await demo.stop();
    if (process.env.SHOW_DEMO_LOG || code !== 0) console.log(demo.log());
    removeDemoDir(demo);
  });

  it('finds a plate the simulator sent (as written, in Thai digits, by a part) and downloads the search as CSV', async function () {
    const dbFile = path.join(demo!.dir, 'lpr-detections.db');
    // A read with a plate of at least 4 digits, stored with its key.
    let read: Record<string, unknown> | undefined;
    const deadline = Date.now() + 30_000;
    while (!read && Date.now() < deadline) {
      const rows = await query(dbFile, "SELECT plate_number, plate_key, camera_id FROM detections WHERE plate_key GLOB '*[0-9][0-9][0-9][0-9]' ORDER BY id LIMIT 1");
      read = rows?.[0];
      if (!read) await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(read, `no stored read within 30 s:\n${demo!.log().slice(-3000)}`);
    const plate = String(read.plate_number);
    const key = String(read.plate_key);
    const part = key.slice(-4);
    const stored = async (sql: string) => (await query(dbFile, sql))!.length;
    const sameKey = await stored(`SELECT id FROM detections WHERE plate_key = '${key.replace(/'/g, "''")}' LIMIT 50`);

    const { page, errors } = await openPage(browser!);
    try {
      await page.goto(`${demo!.dashboard}/lpr-history`);
      const form = page.locator('.lpr-history-form');
      await form.waitFor();
      // Thai labels by default (global lprLang unset).
      assert.equal((await page.locator('.lpr-history-form button[name=search]').innerText()).trim(), 'ค้นหา');
      const rows = page.locator('.lpr-history-rows tbody tr');
      /** Searches and waits for this search's answer (the page counts its answers). */
      const searchFor = async (p: Page, text: string) => {
        const answers = Number(await p.locator('.lpr-history').getAttribute('data-answers'));
        await p.fill('.lpr-history-form input[name=plate]', text);
        await p.click('.lpr-history-form button[name=search]');
        await p.waitForFunction((n) => Number(document.querySelector('.lpr-history')?.getAttribute('data-answers')) > n, answers);
      };

      // The simulator keeps sending: the rows for a key only grow while the test runs.
      const atLeast = (n: number) => page.waitForFunction((k) => document.querySelectorAll('.lpr-history-rows tbody tr').length >= k, n);
      await searchFor(page, plate);
      await rows.filter({ hasText: plate }).first().waitFor();
      // Every row found has the same key: as many rows as the database holds for it (up to a page).
      await atLeast(Math.min(sameKey, 50));
      for (const text of await rows.allInnerTexts()) assert.ok(text.includes(plate), text);

      // The same plate with Thai digits and separators finds the same rows.
      const thai = plate.replace(/[0-9]/g, (d) => THAI_DIGITS[Number(d)]!).replace(/(\D)(\d|[๐-๙])/u, '$1 - $2');
      await searchFor(page, thai);
      await atLeast(Math.min(sameKey, 50));
      for (const text of await rows.allInnerTexts()) assert.ok(text.includes(plate), text);

      // A part (its last four digits): at least those rows.
      await searchFor(page, part);
      await atLeast(Math.min(sameKey, 50));
      await rows.filter({ hasText: plate }).first().waitFor();
      await page.screenshot({ path: path.join(IMAGES, 'history.png') });

      // The CSV of this search: a download with a BOM, the header row and the plate.
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('a.lpr-history-csv')]);
      assert.match(download.suggestedFilename(), /^lpr-history-\d{8}-\d{6}\.csv$/);
      const file = await download.path();
      const bytes = readFileSync(file!);
      assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
      const lines = bytes.subarray(3).toString('utf8').split('\r\n');
      assert.match(lines[0]!, /^"detected_at \([^)]+\)","detected_at_utc",/);
      assert.ok(lines.some((l) => l.includes(`"${plate}"`)), `CSV lacks ${plate}:\n${lines.slice(0, 5).join('\n')}`);

      // A refused search says which field, in Thai.
      await searchFor(page, '-- --');
      assert.match(await page.locator('.lpr-history-error').innerText(), /^ทะเบียน: ไม่มีตัวอักษรหรือตัวเลข/);
      assert.deepEqual(errors, [], 'console errors on the history page');
    } finally {
      await page.close();
    }
  });
});
