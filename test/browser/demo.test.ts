/**
 * The `npm start` demo in a real browser (Debian's Chromium through playwright-core): the editor
 * shows the LPR palette category with every node, every node's dialog opens without a console
 * error and shows its help, and the dashboard shows what the simulated cameras send, in Thai and in
 * English. Also what a new user tripped over: the editor opening on an example tab, a Debug sidebar
 * flooded by ~40 debug nodes and a PostgreSQL example deployed without a database, config dialogs
 * titled with raw type names, an expiry hint in the past, raw JSON command answers, chart labels
 * and tables cut, an alert pop-up over the header on a phone. Takes the README screenshots
 * (editor.png, editor-dialog.png, dashboard.png in English, dashboard-th.png in Thai): into a
 * temporary folder, or into docs/images/ with `npm run screenshots`. Skipped only when
 * /usr/bin/chromium is absent.
 */
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { canvasText, recordCanvasText, resetCanvasText } from './canvas-text';
import { haveChromium, launchChromium, openPage, type WatchedPage } from './chromium';
import { removeDemoDir, ROOT, startDemo, type Demo } from './demo-process';

/** README screenshots (1280x800 PNG). A plain test run must not rewrite the committed images. */
const IMAGES = path.resolve(process.env.LPR_SCREENSHOT_DIR || path.join(os.tmpdir(), 'lpr-screenshots'));
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
const TYPES = Object.keys(pkg['node-red'].nodes);
/** Config nodes, per their editor source: they live in the Configuration nodes sidebar, not in the palette. */
const CONFIG_TYPES = TYPES.filter((t) => /category:\s*'config'/.test(readFileSync(path.join(ROOT, 'src/editor', t, 'index.ts'), 'utf8')));
const PALETTE_TYPES = TYPES.filter((t) => !CONFIG_TYPES.includes(t));

/**
 * The start of a node's help as the editor renders it (English): the first paragraph of
 * locales/en-US/<type>.html, or of src/editor/<type>/help.html for a node not moved there yet.
 */
function helpSnippet(type: string): string {
  const moved = path.join(ROOT, 'locales/en-US', `${type}.html`);
  const html = readFileSync(existsSync(moved) ? moved : path.join(ROOT, 'src/editor', type, 'help.html'), 'utf8');
  const first = /<p>([\s\S]*?)<\/p>/.exec(html)?.[1] ?? '';
  const text = first
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
  return text.slice(0, 60);
}

/** The zone the demo's server runs in, and a different one for the dashboard's browser. */
const SITE_ZONE = 'Asia/Bangkok';
const BROWSER_ZONE = 'America/New_York';

/** Seconds between a `HH:MM:SS` text and the wall clock of `zone` now, across midnight. */
function secondsFromNow(text: string, zone: string): number {
  const m = /^(\d\d):(\d\d):(\d\d)$/.exec(text.trim());
  if (!m) return Infinity;
  const now = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(Date.now());
  const secs = (t: string) => t.split(':').reduce((s, p) => s * 60 + Number(p), 0);
  const d = Math.abs(secs(now) - secs(`${m[1]}:${m[2]}:${m[3]}`));
  return Math.min(d, 86_400 - d);
}

/** Runs in the page: the editor's global RED. */
declare const RED: any;

/** Debug messages the editor received, by debug node id (recorded from the editor's load on). */
declare global {
  interface Window {
    __lprDebugFrom?: string[];
  }
}

const PHONE = { width: 390, height: 844 };

/** A table row of a dashboard group whose text matches. */
function rows(page: Page, group: string, text: RegExp) {
  return page.locator(`#nrdb-ui-group-lpr-dash-ui-group-${group} tbody tr`, { hasText: text });
}

/** Picks the dashboard's language with the switch in the header. */
async function pickLanguage(page: Page, lang: 'th' | 'en'): Promise<void> {
  await page.locator('#app-bar-actions button', { hasText: lang === 'th' ? 'ไทย' : 'EN' }).click();
  await page.waitForFunction((l) => document.documentElement.lang === l, lang);
}

/** Table cells and headers reaching past their group's card, and tables wider than their box. */
async function cutTables(page: Page): Promise<string[]> {
  return page.$$eval('.nrdb-ui-table', (tables) => {
    const out: string[] = [];
    for (const t of tables) {
      const card = t.closest('.v-card')!.getBoundingClientRect();
      const wrapper = t.querySelector('.v-table__wrapper');
      if (wrapper && wrapper.scrollWidth > wrapper.clientWidth + 1) out.push(`${t.id}: ${wrapper.scrollWidth} px wide in ${wrapper.clientWidth} px`);
      for (const cell of Array.from(t.querySelectorAll('th, td'))) {
        const r = cell.getBoundingClientRect();
        if (r.width > 0 && (r.right > card.right + 1 || r.left < card.left - 1)) {
          out.push(`${t.id}: "${(cell.textContent ?? '').trim()}" at ${Math.round(r.left)}-${Math.round(r.right)}, card ${Math.round(card.left)}-${Math.round(card.right)}`);
          break;
        }
      }
    }
    return out;
  });
}

describe('npm start demo in Chromium', function () {
  this.timeout(30_000);
  let demo: Demo | undefined;
  let browser: Browser | undefined;
  let editor: WatchedPage;

  before(async function () {
    if (!haveChromium()) {
      console.log('    skipped: /usr/bin/chromium is absent (Debian: apt-get install -y chromium)');
      this.skip();
    }
    this.timeout(150_000);
    if (!existsSync(path.join(ROOT, 'dist/bin/lpr-sim.js')) || TYPES.some((t) => !existsSync(path.join(ROOT, pkg['node-red'].nodes[t]!)))) {
      execSync('node scripts/build.mjs', { cwd: ROOT, stdio: 'inherit' });
    }
    mkdirSync(IMAGES, { recursive: true });
    // Both at once; keep whichever started so that after() stops it even if the other failed.
    // The server runs in Bangkok (the demo's lpr-broker takes the runtime's zone); the dashboard's
    // browser elsewhere: every time on the page must still be Bangkok's.
    const [d, b] = await Promise.allSettled([startDemo(90_000, { TZ: SITE_ZONE }), launchChromium()]);
    if (d.status === 'fulfilled') demo = d.value;
    if (b.status === 'fulfilled') browser = b.value;
    if (d.status === 'rejected') throw d.reason;
    if (b.status === 'rejected') throw b.reason;
    editor = await openPage(browser!);
  });

  after(async function () {
    this.timeout(30_000);
    await browser?.close().catch(() => undefined);
    if (!demo) return;
    const code = await demo.stop();
    const left = demo.leftovers();
    if (process.env.SHOW_DEMO_LOG || code !== 0 || left.length > 0) console.log(demo.log());
    removeDemoDir(demo);
    assert.deepEqual(left, [], 'processes left behind by the demo');
  });

  it('prints the editor, dashboard and broker URLs (free ports), and serves them', async function () {
    const d = demo!;
    assert.match(d.editor, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal(d.dashboard, `${d.editor}dashboard`);
    assert.match(d.broker, /^mqtt:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await fetch(d.editor)).status, 200);
    assert.equal((await fetch(d.dashboard)).status, 200);
  });

  it('the editor shows an LPR palette category with every node of the package (config nodes aside)', async function () {
    // The first load of the editor with every example flow: over 25 s on a busy 2-core machine.
    this.timeout(90_000);
    const { page, errors } = editor;
    await page.goto(demo!.editor);
    await page.waitForFunction(
      () => typeof RED !== 'undefined' && RED.nodes?.filterNodes({ type: 'lpr-detection-in' }).length > 0 && document.querySelector('#red-ui-palette-container-LPR .red-ui-palette-node') !== null,
      null,
      { timeout: 80_000 },
    );
    assert.equal((await page.locator('#red-ui-palette-header-LPR').innerText()).trim(), 'LPR');
    const inPalette = await page.$$eval('#red-ui-palette-container-LPR .red-ui-palette-node', (els) => els.map((e) => e.getAttribute('data-palette-type')));
    assert.deepEqual([...inPalette].sort(), [...PALETTE_TYPES].sort());
    // Config nodes are registered with category 'config', which Node-RED leaves out of the palette.
    const categories = await page.evaluate((types: string[]) => types.map((t) => RED.nodes.getType(t)?.category ?? null), TYPES);
    assert.deepEqual(
      Object.fromEntries(TYPES.map((t, i) => [t, categories[i]])),
      Object.fromEntries(TYPES.map((t) => [t, CONFIG_TYPES.includes(t) ? 'config' : 'LPR'])),
    );
    assert.ok(CONFIG_TYPES.includes('lpr-broker') && CONFIG_TYPES.includes('lpr-blacklist'));
    for (const t of CONFIG_TYPES) assert.equal(await page.locator(`.red-ui-palette-node[data-palette-type="${t}"]`).count(), 0, `${t} in the palette`);
    assert.deepEqual(errors, [], 'console errors while the editor loaded');
    // From now on, every message the Debug sidebar gets.
    await page.evaluate(() => {
      window.__lprDebugFrom = [];
      RED.comms.subscribe('debug', (_topic: string, msg: { id: string }) => window.__lprDebugFrom!.push(msg.id));
    });
  });

  it('the editor opens on the dashboard flow, not on an example tab', async function () {
    assert.equal(await editor.page.evaluate(() => RED.workspaces.active()), 'lpr-dash-tab');
  });

  it('the deployed demo flows use every node type of the package', async function () {
    const counts = await editor.page.evaluate((types: string[]) => {
      const n: Record<string, number> = {};
      for (const t of types) n[t] = RED.nodes.filterNodes({ type: t }).length;
      RED.nodes.eachConfig((c: { type: string }) => {
        if (c.type in n) n[c.type]! += 1;
      });
      return n;
    }, TYPES);
    const missing = TYPES.filter((t) => !counts[t]);
    assert.deepEqual(missing, [], `types not in the demo flows: ${JSON.stringify(counts)}`);
    // The examples share one server-side lpr-broker; the edge camera has its own: two connections.
    assert.equal(counts['lpr-broker'], 2, `lpr-broker config nodes: ${JSON.stringify(counts)}`);
  });

  it("each node's edit dialog opens with no console error, valid example values and its help", async function () {
    this.timeout(60_000);
    const { page, errors } = editor;
    await page.evaluate(() => RED.sidebar.show('help'));
    const problems: string[] = [];
    for (const type of TYPES) {
      const config = CONFIG_TYPES.includes(type);
      const id = await page.evaluate(
        ({ type, config }) => {
          if (!config) return RED.nodes.filterNodes({ type })[0]?.id ?? null;
          let found: string | null = null;
          RED.nodes.eachConfig((c: { type: string; id: string }) => {
            if (c.type === type && found === null) found = c.id;
          });
          return found;
        },
        { type, config },
      );
      if (!id) {
        problems.push(`${type}: no node in the demo flows`);
        continue;
      }
      const before = errors.length;
      await page.evaluate(
        ({ type, id, config }) => {
          if (config) RED.editor.editConfig('', type, id);
          else RED.editor.edit(RED.nodes.node(id));
        },
        { type, id, config },
      );
      await page.locator(config ? '#node-config-dialog-edit-form' : '#dialog-form').waitFor({ state: 'visible' });
      const snippet = helpSnippet(type);
      const helpShown = await page
        .waitForFunction(
          (s: string) => Array.from(document.querySelectorAll<HTMLElement>('.red-ui-help')).some((e) => e.offsetParent !== null && (e.textContent ?? '').replace(/\s+/g, ' ').includes(s)),
          snippet,
          { timeout: 5000 },
        )
        .then(() => true, () => false);
      if (!helpShown) problems.push(`${type}: help sidebar does not show "${snippet}"`);
      const title = (await page.locator('.red-ui-tray').last().locator('.red-ui-tray-titlebar').innerText()).trim();
      if (title.includes(type)) problems.push(`${type}: dialog titled with the raw type name: "${title}"`);
      if (type === 'lpr-blacklist') {
        const hints = await page.$$eval('.lpr-bl-expires', (els) => els.map((e) => e.getAttribute('placeholder') ?? ''));
        const dates = hints.map((h) => Date.parse(/\d{4}-\d{2}-\d{2}T[\d:]+Z/.exec(h)?.[0] ?? ''));
        if (hints.length === 0 || dates.some((d) => !(d > Date.now()))) problems.push(`lpr-blacklist: expiry hints not in the future: ${JSON.stringify(hints)}`);
      }
      // Let the dialog's asynchronous work (broker lookups, validation) run.
      await page.waitForTimeout(300);
      const invalid = await page.$$eval('.red-ui-tray .input-error', (els) => els.map((e) => e.id || e.className));
      if (invalid.length > 0) problems.push(`${type}: fields flagged invalid for the example values: ${invalid.join(', ')}`);
      if (type === 'lpr-detection-in') await page.screenshot({ path: path.join(IMAGES, 'editor-dialog.png') });
      await page.click(config ? '#node-config-dialog-cancel' : '#node-dialog-cancel');
      await page.locator('.red-ui-tray').waitFor({ state: 'detached' });
      const newErrors = errors.slice(before);
      if (newErrors.length > 0) problems.push(`${type}: console errors: ${newErrors.join(' | ')}`);
    }
    assert.deepEqual(problems, []);
  });

  it('screenshot: the editor with the demo flows', async function () {
    const { page } = editor;
    await page.evaluate(() => {
      RED.workspaces.show('lpr-dash-tab');
      RED.view.select({ nodes: [] });
      // Room for the whole flow: no sidebar, a step smaller.
      RED.menu.setSelected('menu-item-sidebar', false);
      RED.actions.invoke('core:zoom-out');
    });
    // Only the LPR category in the palette.
    await page.click('#red-ui-palette-search input');
    await page.keyboard.type('lpr');
    await page.waitForTimeout(800);
    await page.screenshot({ path: path.join(IMAGES, 'editor.png') });
  });

  it('the dashboard shows detections, a blacklist alert and camera health from the simulator, and answers a command, in Thai by default', async function () {
    this.timeout(60_000);
    const { page, errors } = await openPage(browser!, { timezoneId: BROWSER_ZONE });
    try {
      await page.goto(demo!.dashboard);
      await page.waitForURL(/\/dashboard\/lpr-live$/);
      // The simulator's fifth detection (about 2 s after start) has a blacklisted plate; allow 30 s.
      await rows(page, 'reads', /CAM00[2-4]/).first().waitFor({ timeout: 30_000 });
      await rows(page, 'alerts', /ABC1234|กข1234/).first().waitFor({ timeout: 30_000 });
      await rows(page, 'health', /CAM00[2-4]\s*healthy/).first().waitFor({ timeout: 15_000 });
      // Times on the site's clock (the server's zone, Bangkok), not UTC nor the browser's zone: the
      // read's detection time and receipt time, the alert's, the camera state's.
      const cells = async (group: string, text: RegExp) => (await rows(page, group, text).first().locator('td').allInnerTexts()).map((t) => t.trim());
      const [detected] = await cells('reads', /CAM00[2-4]/);
      assert.ok(secondsFromNow(detected!, SITE_ZONE) < 120, `read detected at ${detected}, not on the ${SITE_ZONE} clock`);
      const received = (await rows(page, 'reads', /CAM00[2-4]/).first().locator('td span[title]').first().getAttribute('title')) ?? '';
      assert.match(received, /^Received \d\d:\d\d:\d\d$/);
      assert.ok(secondsFromNow(received.slice(9), SITE_ZONE) < 120, `read ${received}, not on the ${SITE_ZONE} clock`);
      const [alertTime] = await cells('alerts', /ABC1234|กข1234/);
      assert.ok(secondsFromNow(alertTime!, SITE_ZONE) < 120, `alert at ${alertTime}`);
      const health = await cells('health', /CAM00[2-4]\s*healthy/);
      assert.ok(secondsFromNow(health[2]!, SITE_ZONE) < 600, `camera healthy since ${health[2]}`);
      const alert = await rows(page, 'alerts', /ABC1234|กข1234/).first().innerText();
      assert.match(alert, /CAM00[2-4]/);
      assert.match(alert, /stolen|wanted/);

      // Thai: page name, group titles, column headers, buttons, the answer.
      await page.waitForFunction(() => document.documentElement.lang === 'th');
      assert.equal((await page.locator('#nrdb-ui-group-lpr-dash-ui-group-reads .v-card-title').innerText()).trim(), 'รายการอ่านป้ายล่าสุด');
      assert.deepEqual(await page.$$eval('#nrdb-ui-group-lpr-dash-ui-group-alerts thead th', (ths) => ths.map((t) => (t.textContent ?? '').trim())), ['เวลา', 'กล้อง', 'เลขทะเบียน', 'เหตุผล', 'ความสำคัญ', 'ภาพ']);
      assert.match(await page.locator('.v-app-bar-title').innerText(), /LPR เรียลไทม์/);
      await page.locator('#nrdb-ui-group-lpr-dash-ui-group-commands button', { hasText: 'ขอสถานะ' }).click();
      await rows(page, 'commands', /CAM002\s*ขอสถานะ\s*(สำเร็จ|ผิดพลาด|ไม่ตอบ)/).first().waitFor({ timeout: 10_000 });
      await page.waitForTimeout(500);
      await page.screenshot({ path: path.join(IMAGES, 'dashboard-th.png') });
      assert.deepEqual(errors, [], 'console errors on the dashboard');
    } finally {
      await page.close();
    }
  });

  it('the monitoring page draws both charts (a category axis of site-clock labels) with no console error', async function () {
    this.timeout(60_000);
    const { page, errors } = await openPage(browser!, { timezoneId: BROWSER_ZONE });
    try {
      await page.goto(demo!.dashboard.replace(/\/lpr-live$/, '') + '/lpr-monitoring');
      await page.waitForURL(/\/dashboard\/lpr-monitoring$/);
      for (const id of ['lpr-mon-chart-detections', 'lpr-mon-chart-received']) await page.locator(`#nrdb-ui-widget-${id} canvas`).first().waitFor({ timeout: 15_000 });
      // The system monitor's snapshot every 10 s puts a point on the msg/s chart.
      await page.waitForTimeout(11_000);
      await page.screenshot({ path: path.join(IMAGES, 'dashboard-monitoring.png') });
      assert.deepEqual(errors, [], 'console errors on the monitoring page');
    } finally {
      await page.close();
    }
  });

  it('the operator switches the dashboard to English; the choice is remembered; command answers read as text, not JSON', async function () {
    this.timeout(60_000);
    const { page, errors } = await openPage(browser!);
    try {
      await page.goto(demo!.dashboard);
      await rows(page, 'reads', /CAM00[2-4]/).first().waitFor({ timeout: 30_000 });
      await pickLanguage(page, 'en');
      await page.locator('#nrdb-ui-group-lpr-dash-ui-group-reads .v-card-title', { hasText: 'Recent plate reads' }).waitFor();
      assert.deepEqual(await page.$$eval('#nrdb-ui-group-lpr-dash-ui-group-alerts thead th', (ths) => ths.map((t) => (t.textContent ?? '').trim())), ['Time', 'Camera', 'Plate', 'Reason', 'Priority', 'Image']);
      // The simulator answers success, error, or nothing (timeout after 5 s): ask until a success.
      const status = page.locator('#nrdb-ui-group-lpr-dash-ui-group-commands button', { hasText: 'Get status' });
      const success = rows(page, 'commands', /CAM002\s*get_status\s*success/);
      for (let i = 0; i < 8 && (await success.count()) === 0; i++) {
        await status.click();
        await rows(page, 'commands', /CAM002\s*get_status\s*(success|error|timeout)/).first().waitFor({ timeout: 10_000 });
        await page.waitForTimeout(300);
      }
      const detail = (await success.first().locator('td').last().innerText()).trim();
      assert.match(detail, /^healthy · CPU \d+ % · memory \d+ % · disk \d+ %/);
      assert.doesNotMatch(detail, /[{}"]/);
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(IMAGES, 'dashboard.png') });

      // Another browser opening the dashboard gets English too (global context lprLang).
      const other = await openPage(browser!);
      try {
        await other.page.goto(demo!.dashboard);
        await other.page.locator('#nrdb-ui-group-lpr-dash-ui-group-commands button', { hasText: 'Get status' }).waitFor();
        await other.page.locator('#nrdb-ui-group-lpr-dash-ui-group-health .v-card-title', { hasText: 'Camera health' }).waitFor();
        assert.deepEqual(other.errors, []);
      } finally {
        await other.page.close();
      }
      assert.deepEqual(errors, [], 'console errors on the dashboard');
    } finally {
      await page.close();
    }
  });

  it('on a phone (390×844) and on a desktop the tables fit their groups; on a phone the alert pop-up sits at the bottom, over neither the app bar nor the first group title', async function () {
    this.timeout(60_000);
    const { page, errors } = await openPage(browser!);
    try {
      for (const lang of ['th', 'en'] as const) {
        await page.setViewportSize({ width: 1280, height: 800 });
        await page.goto(demo!.dashboard);
        await rows(page, 'reads', /CAM00[2-4]/).first().waitFor({ timeout: 30_000 });
        await pickLanguage(page, lang);
        // An answer row in the answers table too: Get status (the third button).
        await page.locator('#nrdb-ui-group-lpr-dash-ui-group-commands button').nth(2).click();
        await rows(page, 'commands', /CAM002/).first().waitFor({ timeout: 10_000 });
        await page.waitForTimeout(500);
        assert.deepEqual(await cutTables(page), [], `desktop, ${lang}`);
        await page.setViewportSize(PHONE);
        await page.waitForTimeout(800);
        assert.deepEqual(await cutTables(page), [], `phone, ${lang}`);
      }
      // An alert pop-up comes every few seconds (one plate in ten is on the watch list).
      const popup = page.locator('.v-snackbar__wrapper').first();
      await popup.waitFor({ state: 'visible', timeout: 40_000 });
      // It sits at the bottom of the screen, over neither the app bar nor the first group's title (on
      // main it sat over "Recent plate reads"). Which later group's title is at the bottom edge when it
      // comes depends on how many rows the tables hold by then, so those are not checked.
      const box = (await popup.boundingBox())!;
      assert.ok(box.y > PHONE.height / 2 && box.y + box.height >= PHONE.height - 24, `pop-up at ${JSON.stringify(box)}, not at the bottom`);
      const covered = await page.$$eval(
        'header.v-app-bar, .nrdb-ui-group .v-card-title',
        (els, b) => {
          const firstTitle = els.find((e) => e.matches('.nrdb-ui-group .v-card-title'));
          return els
            .filter((e) => e.matches('header.v-app-bar') || e === firstTitle)
            .map((e) => ({ text: (e.textContent ?? '').trim().slice(0, 30), r: e.getBoundingClientRect() }))
            .filter(({ r }) => r.width > 0 && r.left < b.x + b.width && r.right > b.x && r.top < b.y + b.height && r.bottom > b.y)
            .map(({ text }) => text);
        },
        box,
      );
      assert.deepEqual(covered, [], `pop-up at ${JSON.stringify(box)}`);
      assert.deepEqual(errors, [], 'console errors on the dashboard');
    } finally {
      await page.close();
    }
  });

  it('the monitoring charts draw every title, axis label and axis name inside the chart, on a desktop and a phone, in both languages', async function () {
    this.timeout(90_000);
    const { page, errors } = await openPage(browser!);
    await recordCanvasText(page);
    try {
      const problems: string[] = [];
      for (const lang of ['en', 'th'] as const) {
        for (const size of [{ width: 1280, height: 800 }, PHONE]) {
          await page.setViewportSize(size);
          await page.goto(`${demo!.dashboard}/lpr-monitoring`);
          await pickLanguage(page, lang);
          // Points from the analytics window and the system monitor (every 10 s).
          await page.waitForFunction(() => (window as any).__lprTexts?.some((t: { text: string }) => /:\d\d$/.test(t.text)), null, { timeout: 30_000 });
          await page.waitForTimeout(1000);
          // Draw everything afresh at this size.
          await resetCanvasText(page);
          await page.setViewportSize({ width: size.width - 1, height: size.height });
          await page.waitForTimeout(1000);
          const drawn = await canvasText(page);
          const title = lang === 'en' ? 'detections per minute' : 'การตรวจจับต่อนาที';
          if (!drawn.some((t) => t.text.includes(title))) problems.push(`${lang} ${size.width}: no "${title}" drawn`);
          for (const t of drawn.filter((d) => d.clipped)) problems.push(`${lang} ${size.width}: ${t.widget} "${t.text}" clipped at ${t.box.join(',')}`);
        }
      }
      assert.deepEqual([...new Set(problems)], []);
      assert.deepEqual(errors, [], 'console errors on the dashboard');
    } finally {
      await page.close();
    }
  });

  it('the Debug sidebar shows only rejected input: no example needing PostgreSQL or a mail server runs, other debug nodes are off', async function () {
    const { page } = editor;
    const state = await page.evaluate(() => ({
      disabledTabs: ['lpr-pg-tab', 'lpr-mail-tab'].filter((id) => RED.nodes.workspace(id)?.disabled === true),
      activeDebug: RED.nodes.filterNodes({ type: 'debug' }).filter((n: { active: boolean }) => n.active).map((n: { id: string }) => n.id),
      from: [...new Set(window.__lprDebugFrom ?? [])],
    }));
    assert.deepEqual(state.disabledTabs, ['lpr-pg-tab', 'lpr-mail-tab']);
    assert.deepEqual(state.activeDebug, ['lpr-dash-debug-rejected']);
    assert.deepEqual(state.from.filter((id) => id !== 'lpr-dash-debug-rejected'), [], 'debug messages from other nodes');
  });

  it('the reads and alerts tables show the plate picture of each detection (lpr-sim --images), and it loads', async function () {
    this.timeout(60_000);
    const { page, errors } = await openPage(browser!);
    try {
      await page.goto(demo!.dashboard);
      await page.waitForURL(/\/dashboard\/lpr-live$/);
      for (const group of ['reads', 'alerts']) {
        // The table's image cells (Vuetify v-img) load once they are on screen.
        const cell = page.locator(`#nrdb-ui-group-lpr-dash-ui-group-${group} tbody tr td[data-column-key="image"]`).first();
        await cell.waitFor({ timeout: 30_000 });
        await cell.scrollIntoViewIfNeeded();
        const img = page.locator(`#nrdb-ui-group-lpr-dash-ui-group-${group} tbody tr img[src*="/lpr/images/"]`).first();
        await img.waitFor({ state: 'attached', timeout: 30_000 });
        // Loaded and decoded: a JPEG of the plate, served by lpr-detection-in.
        await page.waitForFunction(
          (sel) => {
            const el = document.querySelector(sel) as HTMLImageElement | null;
            return !!el && el.complete && el.naturalWidth > 0;
          },
          `#nrdb-ui-group-lpr-dash-ui-group-${group} tbody tr img[src*="/lpr/images/"]`,
          { timeout: 15_000 },
        );
        const size = await img.evaluate((el: HTMLImageElement) => [el.naturalWidth, el.naturalHeight]);
        // 340 x 160 per plate, the plates of one detection one under the other (at most three).
        assert.ok(size[0] === 340 && [160, 320, 480].includes(size[1]!), `${group}: the plate picture's size ${size}`);
        const src = await img.getAttribute('src');
        const res = await fetch(new URL(src!, demo!.dashboard));
        assert.equal(res.headers.get('content-type'), 'image/jpeg');
      }
      await page.screenshot({ path: path.join(IMAGES, 'dashboard-images.png') });
      assert.deepEqual(errors, [], 'console errors on the dashboard');
    } finally {
      await page.close();
    }
  });

  it('stops cleanly on Ctrl-C (SIGINT to its process group), leaving no process behind', async function () {
    const d = demo!;
    const started = Date.now();
    const code = await d.stop();
    const seconds = (Date.now() - started) / 1000;
    assert.equal(code, 0, `exit code ${code}`);
    assert.match(d.log(), /stopping the demo/);
    assert.ok(seconds < 12, `took ${seconds} s`);
    assert.deepEqual(d.leftovers(), []);
  });
});

