/**
 * Importing a second example in a real editor (Node-RED 4.1 in Chromium) reuses the lpr-broker the
 * first one brought: the examples share one broker config node (same id, same properties). The
 * import goes through the editor's own Import dialog (paste), which is also how Import › Examples
 * lands; Node-RED then says some nodes already exist, and either answer keeps one connection.
 * Skipped, saying why, without Debian's Chromium.
 */
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { readExample, startNodeRed, type NodeRedHost } from '../fixtures/node-red-host';
import { haveChromium, launchChromium, openPage, type WatchedPage } from './chromium';

declare const RED: any;
declare const $: any;

describe('importing several examples in the editor', function () {
  this.timeout(90_000);
  let red: NodeRedHost | undefined;
  let browser: Browser | undefined;
  let editor: WatchedPage;

  before(async function () {
    if (!haveChromium()) {
      console.log('      skipped: no /usr/bin/chromium (apt-get install chromium)');
      this.skip();
    }
    red = await startNodeRed();
    await red.deploy(readExample('detections-to-debug.json'));
    browser = await launchChromium();
    editor = await openPage(browser);
    await editor.page.goto(red.base);
    await editor.page.waitForFunction(() => typeof RED !== 'undefined' && RED.nodes?.node('lpr-example-detection-in'), undefined, { timeout: 30_000 });
  });

  after(async function () {
    await browser?.close();
    await red?.stop();
  });

  const brokers = () => editor.page.evaluate(() => RED.nodes.filterNodes({ type: 'lpr-broker' }).concat((() => {
    const found: Array<{ id: string }> = [];
    RED.nodes.eachConfig((c: { id: string; type: string }) => {
      if (c.type === 'lpr-broker') found.push(c);
    });
    return found;
  })()).map((c: { id: string }) => c.id));

  /** Pastes `file` into Import › Clipboard and answers Node-RED's "already exist" notice with `answer`. */
  async function importExample(file: string, answer: string): Promise<void> {
    const { page } = editor;
    await page.evaluate(() => RED.clipboard.import());
    const text = page.locator('#red-ui-clipboard-dialog-import-text');
    await text.waitFor({ state: 'visible' });
    await text.fill(JSON.stringify(readExample(file)));
    await text.press('End'); // the dialog checks the text on keyup
    await page.waitForFunction(() => !$('#red-ui-clipboard-dialog-ok').prop('disabled'));
    await page.evaluate(() => $('#red-ui-clipboard-dialog-ok').trigger('click'));
    const button = page.locator('.red-ui-notification button', { hasText: answer });
    await button.waitFor({ state: 'visible' });
    // A click by script: the import dialog's shade is still fading out over the notification.
    await page.evaluate((label: string) => $('.red-ui-notification button').filter((_: number, b: HTMLElement) => $(b).text() === label).trigger('click'), answer);
  }

  it('"Import copy" of a second example adds its nodes and keeps the one lpr-broker', async function () {
    assert.deepEqual(await brokers(), ['lpr-example-broker']);
    await importExample('camera-control.json', 'Import copy');
    await editor.page.waitForFunction(() => RED.nodes.filterNodes({ type: 'lpr-camera-control' }).length > 0, undefined, { timeout: 10_000 });
    assert.deepEqual(await brokers(), ['lpr-example-broker']);
    const users = await editor.page.evaluate(() => RED.nodes.filterNodes({ type: 'lpr-camera-control' }).map((n: { broker: string }) => n.broker));
    assert.ok(users.length > 0 && users.every((b: string) => b === 'lpr-example-broker'), users.join(','));
    assert.deepEqual(editor.errors, []);
  });
});
