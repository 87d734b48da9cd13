/**
 * The editor as a Thai user sees it (Node-RED 4.1 in Chromium): our dialogs (lpr-camera-control in
 * detail; lpr-camera, lpr-camera-config, lpr-blacklist-match, lpr-blacklist against the catalog), palette label and help in
 * Thai, from locales/th; core Node-RED stays English. The same editor in an English browser shows
 * English.
 *
 * How Node-RED 4 picks the language (@node-red/editor-client red.js, RED.i18n): the user setting
 * View > Language (localStorage `editor-language`), else the browser's `navigator.language`. Thai is
 * not among the languages that setting offers (the core editor has no Thai catalog), so a Thai user
 * keeps "Browser default" and gets Thai from the browser language: the node catalogs are fetched with
 * `?lng=th` and the help with `Accept-Language: th`. A user who picked English there sees English.
 *
 * The browser language: Chromium takes `--lang` for its UI, but headless Chromium ignores it for
 * `navigator.language` (measured: en-US); `--accept-lang` sets what a Thai Chromium's language
 * preference sets. Both flags are passed and the test checks `navigator.language` itself.
 *
 * With LPR_SCREENSHOT_DIR set (e.g. docs/images) it writes editor-dialog-th.png, editor-help-th.png,
 * editor-dialog-en.png there. Skipped, saying why, without Debian's Chromium.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { pointBrokers, readExample, ROOT, startNodeRed, type NodeRedHost } from '../fixtures/node-red-host';
import { CHROMIUM, CHROMIUM_ARGS, haveChromium, openPage, type WatchedPage } from './chromium';

declare const RED: any;
declare const $: any;

const NODE = 'lpr-cc-control';
/** [type, node id in the examples, config node?] */
const DIALOGS: Array<[string, string, boolean]> = [
  ['lpr-camera-control', 'lpr-cc-control', false],
  ['lpr-camera-config', 'lpr-cfg-config', false],
  ['lpr-camera', 'lpr-edge-camera', false],
  ['lpr-blacklist-match', 'lpr-bl-match', false],
  ['lpr-blacklist', 'lpr-bl-list', true],
];
const SHOTS = process.env.LPR_SCREENSHOT_DIR ? path.resolve(process.env.LPR_SCREENSHOT_DIR) : null;

const catalog = (lang: string, type = 'lpr-camera-control') => require(`../../locales/${lang}/${type}.json`)[type];
const TH = catalog('th');
const EN = catalog('en-US');

/** What the editor shows for our node, read in the page. */
interface Seen {
  language: string;
  palette: string;
  labels: Record<string, string>;
  placeholder: string;
  hint: string;
  priorityOption: string;
  outputLabel: string;
  invalidCommand: string;
  coreDone: string;
}

async function launch(lang: string): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, `--lang=${lang}`, `--accept-lang=${lang}`], headless: true, timeout: 30_000 });
}

describe('the editor in Thai and in English (lpr-camera-control)', function () {
  this.timeout(120_000);
  let broker: Mosquitto | undefined;
  let red: NodeRedHost | undefined;
  const browsers: Browser[] = [];

  before(async function () {
    if (!haveChromium()) {
      console.log('      skipped: no /usr/bin/chromium (apt-get install chromium)');
      this.skip();
    }
    broker = await startMosquitto();
    red = await startNodeRed();
    // The examples holding the five nodes converted here (the shared lpr-broker once).
    const flows = ['camera-control.json', 'config-rollout.json', 'blacklist-alerts.json', 'edge-camera.json'].flatMap(readExample);
    await red.deploy(pointBrokers([...new Map(flows.map((n) => [n.id, n])).values()], broker.port));
    // Answer the editor's first-run question (update notifications) so no pop-up covers the dialog.
    const answered = await fetch(`${red.base}/settings/user`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ telemetryEnabled: false }) });
    assert.ok(answered.ok, `settings/user answered ${answered.status}`);
    if (SHOTS) mkdirSync(SHOTS, { recursive: true });
  });

  after(async function () {
    for (const b of browsers) await b.close();
    await red?.stop();
    await broker?.stop();
  });

  /** A browser in `lang`, the editor loaded; `editorLanguage` as if picked in View > Language. */
  async function editorIn(lang: string, editorLanguage?: string): Promise<WatchedPage> {
    const browser = await launch(lang);
    browsers.push(browser);
    const watched = await openPage(browser);
    // tsx (esbuild keepNames) wraps named functions in __name(): give the page's evaluate one.
    await watched.page.addInitScript('window.__name = (f) => f');
    if (editorLanguage) await watched.page.addInitScript((l: string) => localStorage.setItem('editor-language', l), editorLanguage);
    await watched.page.goto(red!.base, { timeout: 60_000 }); // the machine may be loaded: no tight limit
    await watched.page.waitForFunction((id: string) => typeof RED !== 'undefined' && RED.nodes?.node(id), NODE, { timeout: 60_000 });
    return watched;
  }

  async function openDialog(editor: WatchedPage): Promise<Seen> {
    const { page } = editor;
    await page.evaluate((id: string) => RED.editor.edit(RED.nodes.node(id)), NODE);
    await page.locator('#dialog-form').waitFor({ state: 'visible' });
    await page.waitForTimeout(300);
    return page.evaluate((id: string) => {
      const text = (sel: string) => String($(sel).first().prop('innerText') ?? '').replace(/\s+/g, ' ').trim();
      const node = RED.nodes.node(id);
      return {
        language: navigator.language,
        palette: text('.red-ui-palette-node[data-palette-type="lpr-camera-control"] .red-ui-palette-label'),
        labels: Object.fromEntries(
          ['broker', 'camera', 'command', 'priority', 'timeout', 'name'].map((f) => [f, text(`#dialog-form label[for="node-input-${f}"]`)]),
        ),
        placeholder: $('#node-input-camera').attr('placeholder'),
        hint: text('#dialog-form .lpr-hint'),
        priorityOption: text('#node-input-priority option[value="high"]'),
        outputLabel: node._def.outputLabels.call(node, 1),
        invalidCommand: String(node._def.defaults.command.validate.call(node, 'a b', { label: 'Command' })),
        coreDone: text('#node-dialog-ok'),
      };
    }, NODE);
  }

  /** The help sidebar (the book tab, as a user opens it) once it shows `start`, the first words of the help. */
  async function helpShowing(editor: WatchedPage, start: string, type = 'lpr-camera-control'): Promise<string> {
    await editor.page.evaluate((t: string) => {
      RED.sidebar.show('help');
      RED.sidebar.help.show(t);
    }, type);
    await editor.page.waitForFunction(
      (s: string) => Array.from(document.querySelectorAll<HTMLElement>('.red-ui-help')).some((e) => e.offsetParent !== null && (e.textContent ?? '').includes(s)),
      start,
      { timeout: 10_000 },
    );
    return editor.page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLElement>('.red-ui-help'))
        .filter((e) => e.offsetParent !== null)
        .map((e) => e.textContent ?? '')
        .join('\n')
        .replace(/\s+/g, ' '),
    );
  }

  it('a Thai browser (--lang=th) shows the dialog, palette label, port labels, validation and help in Thai; core Node-RED stays English', async function () {
    const editor = await editorIn('th');
    assert.equal(await editor.page.evaluate(() => navigator.language), 'th', 'the browser language the editor reads');
    // Thai is not in the editor's own language list: "Browser default" is how a Thai user gets it.
    assert.ok(!(await editor.page.evaluate(() => RED.settings.theme('languages') as string[])).includes('th'));
    const seen = await openDialog(editor);
    assert.equal(seen.palette, 'สั่งงานกล้อง');
    assert.deepEqual(seen.labels, { broker: 'Broker', camera: 'กล้อง', command: 'คำสั่ง', priority: 'ความสำคัญ', timeout: 'หมดเวลารอ', name: 'ชื่อ' });
    assert.equal(seen.placeholder, TH.placeholder.camera);
    // The example takes the camera from msg.camera.
    assert.equal(seen.hint, 'ส่งคำสั่งที่ lprserver/cameras/<msg.camera>/control (QoS 2) และรอคำตอบที่ lprserver/cameras/+/control/response');
    assert.equal(seen.priorityOption, 'สูง (high)');
    assert.equal(seen.outputLabel, 'หมดเวลา / ถูกปฏิเสธ');
    assert.equal(seen.invalidCommand, `Command: ${TH.validate.command}`);
    assert.equal(seen.coreDone, 'Done', 'core Node-RED has no Thai: its buttons stay English');
    const help = await helpShowing(editor, 'ส่งคำสั่งไปยังกล้องแล้วส่งคำตอบของกล้องออกมา');
    for (const heading of ['อินพุต', 'เอาต์พุต', 'คุณสมบัติ', 'รายละเอียด', 'การจับคู่คำตอบกับคำสั่ง']) assert.ok(help.includes(heading), `help: ${heading}`);
    assert.ok(!help.includes('Sends a control command'), 'no English help beside the Thai');
    if (SHOTS) {
      await editor.page.screenshot({ path: path.join(SHOTS, 'editor-dialog-th.png') });
      // The help alone: the node list folded away, the help the sidebar's full height, the sidebar
      // dragged wider as a reader would.
      await editor.page.click('#red-ui-sidebar-help-show-toc');
      const bar = (await editor.page.locator('#red-ui-sidebar-separator').boundingBox())!;
      await editor.page.mouse.move(bar.x + bar.width / 2, bar.y + bar.height / 2);
      await editor.page.mouse.down();
      await editor.page.mouse.move(bar.x - 250, bar.y + bar.height / 2, { steps: 10 });
      await editor.page.mouse.up();
      await editor.page.waitForTimeout(500);
      await editor.page.locator('#red-ui-sidebar').screenshot({ path: path.join(SHOTS, 'editor-help-th.png') });
    }
    await editor.page.click('#node-dialog-cancel');
    await editor.page.locator('.red-ui-tray').waitFor({ state: 'detached' });
    assert.deepEqual(editor.errors, []);
  });

  it('a Thai browser shows every dialog of the five nodes with exactly the Thai catalog texts, and each help in Thai', async function () {
    const editor = await editorIn('th');
    const problems: string[] = [];
    for (const [type, id, config] of DIALOGS) {
      const th = catalog('th', type);
      const before = editor.errors.length;
      await editor.page.evaluate(
        ({ type, id, config }) => (config ? RED.editor.editConfig('', type, id) : RED.editor.edit(RED.nodes.node(id))),
        { type, id, config },
      );
      await editor.page.locator(config ? '#node-config-dialog-edit-form' : '#dialog-form').waitFor({ state: 'visible' });
      await editor.page.waitForTimeout(300);
      // Every data-i18n element (attribute rewritten to "<namespace>:<key>" by the editor) and what it shows.
      const shown: Array<{ key: string; attr: string; value: string }> = await editor.page.evaluate((form: string) => {
        const out: Array<{ key: string; attr: string; value: string }> = [];
        $(form)
          .find('[data-i18n]')
          .each((_: number, el: HTMLElement) => {
            for (const part of String($(el).attr('data-i18n')).split(';')) {
              const m = /^(?:\[([a-z]+)\])?(?:[^:]*:)?(.*)$/.exec(part)!;
              const attr = m[1] ?? 'text';
              const value = attr === 'text' ? $(el).text() : attr === 'html' ? $(el).text() : String($(el).attr(attr) ?? '');
              out.push({ key: m[2]!, attr, value: value.replace(/\s+/g, ' ').trim() });
            }
          });
        return out;
      }, config ? '#node-config-dialog-edit-form' : '#dialog-form');
      if (shown.length < 5) problems.push(`${type}: only ${shown.length} translated elements found`);
      for (const { key, attr, value } of shown) {
        const text = String(key.split('.').slice(1).reduce((at: any, k) => at?.[k], th) ?? `(no ${key} in the catalog)`);
        // [html] texts are compared as the text they render.
        const want = (attr === 'html' ? text.replace(/<[^>]+>/g, '') : text).replace(/\s+/g, ' ').trim();
        if (value !== want) problems.push(`${type} ${key} [${attr}]: shows "${value}", catalog "${want}"`);
      }
      const start = /<p>([\s\S]*?)<\/p>/.exec(readFileSync(path.join(ROOT, 'locales/th', `${type}.html`), 'utf8'))![1]!.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim().slice(0, 30);
      const help = await helpShowing(editor, start, type).catch(() => null);
      if (help === null) problems.push(`${type}: the help sidebar does not show "${start}"`);
      await editor.page.click(config ? '#node-config-dialog-cancel' : '#node-dialog-cancel');
      await editor.page.locator('.red-ui-tray').waitFor({ state: 'detached' });
      if (editor.errors.length > before) problems.push(`${type}: console errors: ${editor.errors.slice(before).join(' | ')}`);
    }
    assert.deepEqual(problems, []);
  });

  it('an English browser shows the same dialog and help in English', async function () {
    const editor = await editorIn('en-US');
    assert.equal(await editor.page.evaluate(() => navigator.language), 'en-US');
    const seen = await openDialog(editor);
    assert.equal(seen.palette, EN.paletteLabel);
    assert.deepEqual(seen.labels, { broker: 'Broker', camera: 'Camera', command: 'Command', priority: 'Priority', timeout: 'Timeout', name: 'Name' });
    assert.equal(seen.placeholder, EN.placeholder.camera);
    assert.equal(seen.hint, 'Publishes on lprserver/cameras/<msg.camera>/control (QoS 2), listens on lprserver/cameras/+/control/response');
    assert.equal(seen.priorityOption, 'high');
    assert.equal(seen.outputLabel, 'timeout / rejected');
    assert.equal(seen.invalidCommand, `Command: ${EN.validate.command}`);
    const help = await helpShowing(editor, 'Sends a control command to a camera');
    assert.ok(!/[\u0E00-\u0E7F]/.test(help), 'no Thai in the English help');
    if (SHOTS) await editor.page.screenshot({ path: path.join(SHOTS, 'editor-dialog-en.png') });
    await editor.page.click('#node-dialog-cancel');
    assert.deepEqual(editor.errors, []);
  });

  it('a Thai browser whose user picked English in View > Language sees English (the setting wins)', async function () {
    const editor = await editorIn('th', 'en-US');
    const seen = await openDialog(editor);
    assert.equal(seen.labels.camera, 'Camera');
    assert.equal(seen.palette, EN.paletteLabel);
    await helpShowing(editor, 'Sends a control command to a camera');
    await editor.page.click('#node-dialog-cancel');
    assert.deepEqual(editor.errors, []);
  });
});

/**
 * Status texts are made by the runtime, in the runtime's language (Node-RED's `lang` setting, else
 * LC_ALL / LC_MESSAGES / LANG of its process), whatever the browser's: a Thai site runs Node-RED with
 * LANG=th_TH.UTF-8 (or `lang: 'th'` in settings.js) to show them in Thai.
 */
describe('status texts in the runtime\'s language (lpr-camera-control)', function () {
  this.timeout(120_000);
  let broker: Mosquitto | undefined;
  let red: NodeRedHost | undefined;
  let browser: Browser | undefined;

  before(async function () {
    if (!haveChromium()) {
      console.log('      skipped: no /usr/bin/chromium (apt-get install chromium)');
      this.skip();
    }
    broker = await startMosquitto();
    red = await startNodeRed({ env: { LC_ALL: 'th_TH.UTF-8', LC_MESSAGES: 'th_TH.UTF-8', LANG: 'th_TH.UTF-8' } });
    await red.deploy(pointBrokers(readExample('camera-control.json'), broker.port));
  });

  after(async function () {
    await browser?.close();
    await red?.stop();
    await broker?.stop();
  });

  it('a Node-RED running with LANG=th_TH.UTF-8 shows the node\'s status in Thai, even to an English browser', async function () {
    browser = await launch('en-US');
    const editor = await openPage(browser);
    await editor.page.addInitScript('window.__name = (f) => f');
    await editor.page.goto(red!.base, { timeout: 60_000 });
    const want = `${'เชื่อมต่อแล้ว'} · ${TH.status.inFlight.replace('__n__', '0')} · ${TH.status.ok.replace('__n__', '0')} · ${TH.status.timeout.replace('__n__', '0')}`;
    const seen = await editor.page
      .waitForFunction((id: string) => typeof RED !== 'undefined' && RED.nodes?.node(id)?.status?.text, NODE, { timeout: 60_000 })
      .then(() => editor.page.waitForFunction(({ id, text }) => RED.nodes.node(id).status.text === text, { id: NODE, text: want }, { timeout: 15_000 }).catch(() => undefined))
      .then(() => editor.page.evaluate((id: string) => RED.nodes.node(id).status.text as string, NODE));
    assert.equal(seen, want);
    // The dialog still follows the browser: English.
    assert.equal(await editor.page.evaluate(() => RED.nodes.getType('lpr-camera-control')._('lpr-camera-control.label.camera')), 'Camera');
    assert.deepEqual(editor.errors, []);
  });
});

