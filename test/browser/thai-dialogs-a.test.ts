/**
 * A browser whose language is Thai shows helper A's dialogs, palette labels, validator messages
 * and help in Thai (Node-RED 4.1 in Chromium, the package's built catalogs); English stays for an
 * English browser. Skipped, saying why, without Debian's Chromium.
 */
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { startNodeRed, type FlowNode, type NodeRedHost } from '../fixtures/node-red-host';
import { haveChromium, launchChromium } from './chromium';

declare const RED: any;
declare const $: any;

const THAI = /[\u0E00-\u0E7F]/;

describe('Thai dialogs and help (lpr-broker, lpr-detection-in, ...)', function () {
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
    red = await startNodeRed();
    const flow: FlowNode[] = [
      { id: 'tab1', type: 'tab', label: 'Thai' },
      { id: 'b1', type: 'lpr-broker', name: '', broker: '127.0.0.1', port: broker.port, topicRoot: 'lprserver', reconnectPeriod: 1 },
      { id: 'd1', type: 'lpr-detection-in', z: 'tab1', name: '', broker: 'b1', camera: '', x: 200, y: 100, wires: [[]] },
      { id: 'h1', type: 'lpr-health-monitor', z: 'tab1', name: '', broker: 'b1', camera: '', x: 200, y: 160, wires: [[], []] },
      { id: 's1', type: 'lpr-system-monitor', z: 'tab1', name: '', broker: 'b1', interval: 0, x: 200, y: 220, wires: [[]] },
      { id: 'c1', type: 'lpr-checkpoint-analytics', z: 'tab1', name: '', broker: 'b1', x: 200, y: 280, wires: [[]] },
      { id: 'l1', type: 'lpr-blacklist', name: 'list', entries: [] },
      { id: 'u1', type: 'lpr-blacklist-update', z: 'tab1', name: '', list: 'l1', action: '', publish: true, x: 200, y: 340, wires: [[]] },
    ];
    await red.deploy(flow);
    browser = await launchChromium();
  });

  after(async function () {
    await browser?.close();
    await red?.stop();
    await broker?.stop();
  });

  async function editor(locale: string): Promise<Page> {
    const context = await browser!.newContext({ locale, viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    await page.route(
      (url) => url.hostname !== '127.0.0.1' && url.hostname !== 'localhost',
      (route) => route.fulfill({ status: 204, body: '' }),
    );
    await page.goto(red!.base);
    await page.waitForFunction(() => typeof RED !== 'undefined' && RED.nodes?.node('d1'), undefined, { timeout: 30_000 });
    return page;
  }

  async function dialog(page: Page) {
    await page.evaluate(() => RED.editor.edit(RED.nodes.node('d1')));
    await page.locator('#dialog-form').waitFor({ state: 'visible' });
    await page.waitForTimeout(300);
    const texts = await page.evaluate(() => ({
      camera: $('label[for="node-input-camera"]').text().trim(),
      placeholder: $('#node-input-camera').attr('placeholder'),
      option: $('#node-input-ackWhen option[value="complete"]').text(),
      palette: RED.utils.getPaletteLabel('lpr-detection-in', RED.nodes.getType('lpr-detection-in')),
      // A validator runs with the node as `this`: its message comes from the node's catalog.
      invalid: RED.nodes.getType('lpr-detection-in').defaults.camera.validate.call(RED.nodes.node('d1'), 'a/b', { label: 'Camera' }),
      port: RED.nodes.getType('lpr-broker').defaults.port.validate.call(RED.nodes.node('b1'), 'x', { label: 'Port' }),
      era: RED.nodes.getType('lpr-broker').defaults.era.validate.call(RED.nodes.node('b1'), 'julian', { label: 'Dates' }),
    }));
    await page.evaluate(() => RED.tray.close());
    return texts;
  }

  async function help(page: Page, type: string): Promise<string> {
    await page.evaluate((t: string) => RED.sidebar.help.show(t), type);
    await page
      // The help's heading is the palette label (the type for a config node), in the reader's language.
      .waitForFunction((t: string) => $('.red-ui-help').text().includes(RED.utils.getPaletteLabel(t, RED.nodes.getType(t))), type, { timeout: 10_000 })
      .catch(async (err) => {
        throw new Error(`${err.message}; help shows: ${(await page.evaluate(() => $('.red-ui-help').text())).slice(0, 300)}; trays: ${await page.evaluate(() => $('.red-ui-tray').length)}`);
      });
    await page.waitForTimeout(300);
    return page.evaluate(() => $('.red-ui-help').text());
  }

  it('Thai browser: the dialog, palette label, validator messages and help are Thai', async () => {
    const page = await editor('th');
    const d = await dialog(page);
    assert.equal(d.camera, 'กล้อง');
    assert.match(String(d.placeholder), THAI);
    assert.match(d.option, THAI);
    assert.equal(d.palette, 'รับการตรวจจับ');
    assert.match(String(d.invalid), /^Camera: รหัสกล้อง/);
    assert.match(String(d.port), /^Port: ต้องเป็นจำนวนเต็ม/);
    assert.match(String(d.era), /^Dates: ต้องเป็น gregorian \(ค\.ศ\.\) หรือ buddhist/);
    assert.match(await help(page, 'lpr-detection-in'), /รับการตรวจจับป้ายทะเบียนจากกล้อง/);
    assert.match(await help(page, 'lpr-broker'), /การเชื่อมต่อ MQTT ไปยัง broker/);
    await page.context().close();
  });

  it('Thai browser: every dialog of helper A takes all its texts from the Thai catalog, and every help is Thai', async () => {
    const page = await editor('th');
    const nodes: Array<[string, string]> = [
      ['b1', 'lpr-broker'],
      ['d1', 'lpr-detection-in'],
      ['h1', 'lpr-health-monitor'],
      ['s1', 'lpr-system-monitor'],
      ['c1', 'lpr-checkpoint-analytics'],
      ['u1', 'lpr-blacklist-update'],
    ];
    for (const [id, type] of nodes) {
      await page.evaluate((nodeId: string) => {
        const n = RED.nodes.node(nodeId);
        if (n._def.category === 'config') RED.editor.editConfig('', n.type, n.id);
        else RED.editor.edit(n);
      }, id);
      const formId = type === 'lpr-broker' ? '#node-config-dialog-edit-form' : '#dialog-form';
      await page.locator(formId).waitFor({ state: 'visible' });
      await page.waitForTimeout(300);
      const found = await page.evaluate((sel: string) => {
        const form = $(sel);
        const bad: string[] = [];
        form.find('[data-i18n]').each((_: number, el: HTMLElement) => {
          for (const spec of String($(el).attr('data-i18n')).split(';')) {
            const attr = /^\[([a-z]+)\]/.exec(spec)?.[1];
            const value = attr && attr !== 'html' ? String($(el).attr(attr) ?? '') : $(el).text();
            if (value.trim() === '' || /lpr-[a-z-]+\./.test(value)) bad.push(`${spec} = "${value}"`);
          }
        });
        return { bad, text: form.text() };
      }, formId);
      assert.deepEqual(found.bad, [], `${type}: texts not from the catalog`);
      assert.match(found.text, THAI, `${type}: no Thai in the dialog`);
      await page.evaluate(() => RED.tray.close());
      await page.waitForTimeout(300);
      assert.match(await help(page, type), THAI, `${type}: help not Thai`);
    }
    await page.context().close();
  });

  it('English browser: the same in English', async () => {
    const page = await editor('en-US');
    const d = await dialog(page);
    assert.equal(d.camera, 'Camera');
    assert.equal(d.palette, 'detection in');
    assert.match(String(d.invalid), /^Camera: camera id must not contain/);
    assert.equal(d.port, 'Port: must be a whole number 1-65535');
    assert.equal(d.era, 'Dates: must be gregorian or buddhist (or empty: buddhist in Asia/Bangkok)');
    assert.match(await help(page, 'lpr-detection-in'), /Receives licence plate detections from cameras/);
    await page.context().close();
  });
});
