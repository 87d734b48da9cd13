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
    }));
    await page.evaluate(() => RED.tray.close());
    return texts;
  }

  async function help(page: Page, type: string): Promise<string> {
    await page.evaluate((t: string) => RED.sidebar.help.show(t), type);
    await page.waitForFunction((t: string) => $('.red-ui-help').text().includes(t), type);
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
    assert.match(await help(page, 'lpr-detection-in'), /รับการตรวจจับป้ายทะเบียนจากกล้อง/);
    assert.match(await help(page, 'lpr-broker'), /การเชื่อมต่อ MQTT ไปยัง broker/);
    await page.context().close();
  });

  it('English browser: the same in English', async () => {
    const page = await editor('en-US');
    const d = await dialog(page);
    assert.equal(d.camera, 'Camera');
    assert.equal(d.palette, 'detection in');
    assert.match(String(d.invalid), /^Camera: camera id must not contain/);
    assert.equal(d.port, 'Port: must be a whole number 1-65535');
    assert.match(await help(page, 'lpr-detection-in'), /Receives licence plate detections from cameras/);
    await page.context().close();
  });
});
