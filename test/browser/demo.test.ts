/**
 * The `npm start` demo in a real browser (Debian's Chromium through playwright-core): the editor
 * shows the LPR palette category with every node, every node's dialog opens without a console
 * error and shows its help, and the dashboard shows what the simulated cameras send. Takes the
 * README screenshots (editor.png, editor-dialog.png, dashboard.png): into a temporary folder, or
 * into docs/images/ with `npm run screenshots`. Skipped only when /usr/bin/chromium is absent.
 */
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { haveChromium, launchChromium, openPage, type WatchedPage } from './chromium';
import { removeDemoDir, ROOT, startDemo, type Demo } from './demo-process';

/** README screenshots (1280x800 PNG). A plain test run must not rewrite the committed images. */
const IMAGES = path.resolve(process.env.LPR_SCREENSHOT_DIR || path.join(os.tmpdir(), 'lpr-screenshots'));
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { 'node-red': { nodes: Record<string, string> } };
const TYPES = Object.keys(pkg['node-red'].nodes);
/** Config nodes, per their editor source: they live in the Configuration nodes sidebar, not in the palette. */
const CONFIG_TYPES = TYPES.filter((t) => /category:\s*'config'/.test(readFileSync(path.join(ROOT, 'src/editor', t, 'index.ts'), 'utf8')));
const PALETTE_TYPES = TYPES.filter((t) => !CONFIG_TYPES.includes(t));

/** The start of a node's help as the editor renders it: the first paragraph of help.html, as text. */
function helpSnippet(type: string): string {
  const html = readFileSync(path.join(ROOT, 'src/editor', type, 'help.html'), 'utf8');
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

/** Runs in the page: the editor's global RED. */
declare const RED: any;

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
    const [d, b] = await Promise.allSettled([startDemo(90_000), launchChromium()]);
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
    const { page, errors } = editor;
    await page.goto(demo!.editor);
    await page.waitForFunction(
      () => typeof RED !== 'undefined' && RED.nodes?.filterNodes({ type: 'lpr-detection-in' }).length > 0 && document.querySelector('#red-ui-palette-container-LPR .red-ui-palette-node') !== null,
      null,
      { timeout: 25_000 },
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

  it('the dashboard shows detections, a blacklist alert and camera health from the simulator, and answers a command', async function () {
    this.timeout(60_000);
    const { page, errors } = await openPage(browser!);
    try {
      await page.goto(demo!.dashboard);
      await page.waitForURL(/\/dashboard\/lpr-live$/);
      const rows = (group: string, text: RegExp) => page.locator(`#nrdb-ui-group-lpr-dash-ui-group-${group} tbody tr`, { hasText: text });
      // The simulator's fifth detection (about 2 s after start) has a blacklisted plate; allow 30 s.
      await rows('reads', /CAM00[2-4]/).first().waitFor({ timeout: 30_000 });
      await rows('alerts', /ABC1234|กข1234/).first().waitFor({ timeout: 30_000 });
      await rows('health', /CAM00[2-4]\s*healthy/).first().waitFor({ timeout: 15_000 });
      const alert = await rows('alerts', /ABC1234|กข1234/).first().innerText();
      assert.match(alert, /CAM00[2-4]/);
      assert.match(alert, /stolen|wanted/);

      // Get status from CAM002: the simulator answers success or error, or stays silent (timeout after 5 s).
      await page.locator('#nrdb-ui-group-lpr-dash-ui-group-commands button', { hasText: 'Get status' }).click();
      const answer = rows('commands', /CAM002\s*get_status\s*(success|error|timeout)/).first();
      await answer.waitFor({ timeout: 10_000 });
      await page.waitForTimeout(500);
      await page.screenshot({ path: path.join(IMAGES, 'dashboard.png') });
      assert.deepEqual(errors, [], 'console errors on the dashboard');
    } finally {
      await page.close();
    }
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

