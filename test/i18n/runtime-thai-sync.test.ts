/**
 * Texts the time-zone and edge changes added reach the log in the runtime's language: a Thai
 * Node-RED (LANG=th_TH.UTF-8) says lpr-broker's capabilities line, an invalid site time zone or
 * era, and lpr-blacklist-match's rejected edge notification in Thai; an English one as before.
 * Real Node-RED, real Mosquitto.
 */
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { startNodeRed, type FlowNode, type NodeRedHost } from '../fixtures/node-red-host';

function flow(port: number): FlowNode[] {
  return [
    { id: 'tab1', type: 'tab', label: 'edge' },
    { id: 'b', type: 'lpr-broker', name: '', broker: '127.0.0.1', port, reconnectPeriod: 1, protocolVersion: 5, topicRoot: 'lprserver', timeZone: 'Asia/Bangkok', birth: false, selfTest: true },
    // Two brokers the site settings make invalid: they say why at start.
    { id: 'badEra', type: 'lpr-broker', name: '', broker: '127.0.0.1', port, era: 'julian' },
    { id: 'badZone', type: 'lpr-broker', name: '', broker: '127.0.0.1', port, timeZone: 'Mars/Olympus' },
    { id: 'list', type: 'lpr-blacklist', name: '', broker: 'b', entries: [], persist: false, file: '', answerRequests: false },
    { id: 'match', type: 'lpr-blacklist-match', z: 'tab1', name: '', list: 'list', exact: true, lookalike: false, fuzzy: false, pattern: false, publish: true, wires: [[], []] },
  ];
}

async function until(what: string, ok: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function logOf(lang: string, broker: Mosquitto): Promise<string> {
  let red: NodeRedHost | undefined;
  const client = await mqtt.connectAsync(broker.url, { protocolVersion: 5, reconnectPeriod: 0 });
  try {
    red = await startNodeRed({ env: { LC_ALL: lang, LC_MESSAGES: lang, LANG: lang } });
    await red.deploy(flow(broker.port));
    // The match node subscribes once the list's broker is up: keep sending until it says something.
    const bad = JSON.stringify({ message_id: 'n1', timestamp: '2026-12-04T10:00:00Z', camera_id: 'CAM002', raised_by: 'edge' });
    await until('a rejected edge notification in the log', () => {
      void client.publishAsync('lprserver/cameras/CAM001/blacklist/notification', bad, { qos: 1 });
      return /CAM001/.test(red!.log().split('Started flows').slice(1).join(''));
    });
    await until('the capabilities line', () => /capabilities|ความสามารถของ broker/.test(red!.log()));
    return red.log();
  } finally {
    await client.endAsync();
    await red?.stop();
  }
}

describe('runtime texts in the runtime language (texts added by the time-zone and edge changes)', function () {
  this.timeout(120_000);
  let broker: Mosquitto;
  before(async () => {
    broker = await startMosquitto();
  });
  after(async () => {
    await broker?.stop();
  });

  it('Thai runtime: the capabilities line, the invalid zone and era, the rejected edge notification in Thai', async () => {
    const log = await logOf('th_TH.UTF-8', broker);
    assert.match(log, /ความสามารถของ broker \((ตามที่ประกาศใน CONNACK|จาก CONNACK และ self-test)\): MQTT 5, shared subscription ได้/);
    assert.match(log, /การแจ้งเตือนที่กล้อง CAM001 ออกเอง ถูกปฏิเสธ/);
    assert.match(log, /\[lpr-broker:badEra\] การตั้งค่าไม่ถูกต้อง: era: ต้องเป็น gregorian \(ค\.ศ\.\) หรือ buddhist \(พ\.ศ\.\).* แต่ได้ "julian"/);
    assert.match(log, /\[lpr-broker:badZone\] การตั้งค่าไม่ถูกต้อง: timeZone: ต้องเป็นชื่อเขตเวลาแบบ IANA .* แต่ได้ "Mars\/Olympus"/);
  });

  it('English runtime: the same in English, as before', async () => {
    const log = await logOf('en_US.UTF-8', broker);
    assert.match(log, /broker capabilities \((announced in CONNACK|CONNACK and self-test)\): MQTT 5, shared subscriptions yes/);
    assert.match(log, /edge notification from camera CAM001 rejected/);
    assert.match(log, /\[lpr-broker:badEra\] invalid configuration: era: must be gregorian or buddhist \(or empty: buddhist in Asia\/Bangkok\), got "julian"/);
    assert.match(log, /\[lpr-broker:badZone\] invalid configuration: timeZone: must be an IANA time zone name such as UTC or Asia\/Bangkok, got "Mars\/Olympus"/);
  });
});
