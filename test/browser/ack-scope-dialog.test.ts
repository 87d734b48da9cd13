/**
 * The lpr-detection-in dialog's ack settings in a real editor (Node-RED 4.1 in Chromium): the
 * scope list offers the nodes of the tab with the chosen ones selected, saves an array of ids,
 * and a node saved before the settings existed shows the hand-over default with the list hidden.
 * Skipped, saying why, without Debian's Chromium.
 */
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { pointBrokers, readExample, startNodeRed, type FlowNode, type NodeRedHost } from '../fixtures/node-red-host';
import { haveChromium, launchChromium, openPage, type WatchedPage } from './chromium';

declare const RED: any;
declare const $: any;

describe('lpr-detection-in dialog: Ack when / Finished by / Give up after', function () {
  this.timeout(90_000);
  let broker: Mosquitto | undefined;
  let red: NodeRedHost | undefined;
  let browser: Browser | undefined;
  let editor: WatchedPage;

  before(async function () {
    if (!haveChromium()) {
      console.log('      skipped: no /usr/bin/chromium (apt-get install chromium)');
      this.skip();
    }
    broker = await startMosquitto();
    red = await startNodeRed({ nodeModules: ['node-red-node-sqlite'] });
    const sqlite = pointBrokers(readExample('detections-to-sqlite.json'), broker.port);
    // A node from a flow saved before the ack settings existed, on the same tab.
    const old = sqlite.find((n) => n.type === 'lpr-detection-in')!;
    const { ackWhen: _w, ackScope: _s, ackTimeout: _t, ...rest } = old;
    const oldNode: FlowNode = { ...rest, id: 'old-detection-in', y: 400, wires: [[]] };
    await red.deploy([...sqlite, oldNode]);
    browser = await launchChromium();
    editor = await openPage(browser);
    await editor.page.goto(red.base);
    await editor.page.waitForFunction(() => typeof RED !== 'undefined' && RED.nodes?.node('lpr-sql-detection-in'), undefined, { timeout: 30_000 });
  });

  after(async function () {
    await browser?.close();
    await red?.stop();
    await broker?.stop();
  });

  const open = async (id: string) => {
    await editor.page.evaluate((nodeId: string) => RED.editor.edit(RED.nodes.node(nodeId)), id);
    await editor.page.locator('#dialog-form').waitFor({ state: 'visible' });
    await editor.page.waitForTimeout(300);
  };
  const state = () =>
    editor.page.evaluate(() => ({
      when: $('#node-input-ackWhen').val(),
      scope: $('#node-input-ackScope').val(),
      options: $('#node-input-ackScope option').map((_: number, o: HTMLOptionElement) => o.value).get(),
      timeout: $('#node-input-ackTimeout').val(),
      shown: $('#lpr-detection-in-ack-complete').is(':visible'),
      invalid: $('.red-ui-tray .input-error').map((_: number, e: HTMLElement) => e.id).get(),
    }));

  it('shows the example\'s scope selected among the nodes of the tab, and saves a new choice as a list of ids', async function () {
    await open('lpr-sql-detection-in');
    const s = await state();
    assert.equal(s.when, 'complete');
    assert.deepEqual(s.scope, ['lpr-sql-written']);
    assert.equal(s.timeout, '30');
    assert.equal(s.shown, true);
    assert.deepEqual(s.invalid, []);
    assert.ok(s.options.includes('lpr-sql-insert') && s.options.includes('lpr-sql-written'), s.options.join(','));
    assert.ok(!s.options.includes('lpr-sql-detection-in'), 'not itself');
    await editor.page.evaluate(() => $('#node-input-ackScope').val(['lpr-sql-insert', 'lpr-sql-written']).trigger('change'));
    await editor.page.evaluate(() => $('#node-dialog-ok').trigger('click'));
    await editor.page.locator('.red-ui-tray').waitFor({ state: 'detached' });
    const saved = await editor.page.evaluate(() => RED.nodes.node('lpr-sql-detection-in').ackScope);
    assert.deepEqual(saved, ['lpr-sql-insert', 'lpr-sql-written']);
  });

  it('a node saved before the setting existed shows the hand-over default, the scope hidden, nothing invalid', async function () {
    await open('old-detection-in');
    const s = await state();
    assert.equal(s.when, 'handover');
    assert.equal(s.shown, false);
    assert.equal(s.timeout, '30');
    assert.deepEqual(s.invalid, []);
    await editor.page.selectOption('#node-input-ackWhen', 'complete');
    assert.equal((await state()).shown, true);
    await editor.page.evaluate(() => $('#node-dialog-cancel').trigger('click'));
    await editor.page.locator('.red-ui-tray').waitFor({ state: 'detached' });
    assert.deepEqual(editor.errors, []);
  });
});
