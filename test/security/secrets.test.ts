/**
 * Attack: read credentials out of what the package prints. A broker URL carrying user:password must
 * not show them in the Prometheus text, the system/monitoring payload, the log, or a config error.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { freePort, startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { mosquittoSub } from '../fixtures/mqtt-cli';
import { waitUntil } from '../fixtures/wait';
import { allNodes, collect, helper, useHelperServer } from '../nodes/harness';
import { readBrokerSettings } from '../../src/runtime/broker-settings';
import { brokerLabel, validateBroker } from '../../src/editor/shared/validate';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const systemMonitorNode = require('../../dist/lpr-system-monitor.js');

let httpNode: unknown = null;
const captureHttpNode = (RED: { httpNode?: unknown }) => {
  httpNode = RED.httpNode;
};

const SECRET = 's3cretPassw0rd';

function broker(id: string, url: string) {
  return {
    id, type: 'lpr-broker', name: '', broker: url, port: 1883, protocolVersion: 4, clientId: '', cleanSession: true, sessionExpiry: 0, keepalive: 60,
    reconnectPeriod: 0.2, connectTimeout: 2, topicRoot: 'lprserver', usetls: false, birth: true, queueLimit: 1000,
  };
}

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

describe('security: no credentials in metrics, monitoring, logs or errors', function () {
  this.timeout(30_000);
  let mosquitto: Mosquitto;
  before(async () => {
    mosquitto = await startMosquitto();
  });
  after(async () => {
    await mosquitto?.stop();
  });
  useHelperServer();

  it('a broker URL with user:password: neither the Prometheus text, system/monitoring nor the log holds the password', async () => {
    const dead = await freePort();
    const flow = [
      // Unnamed, so its URL is what names it in labels; one that connects and one that keeps failing.
      broker('good', `mqtt://camuser:${SECRET}@127.0.0.1:${mosquitto.port}`),
      broker('bad', `mqtt://camuser:${SECRET}@127.0.0.1:${dead}`),
      { id: 'in', type: 'lpr-detection-in', broker: 'bad', camera: '', sharedGroup: '', ack: true, dedupe: 0, dedupeSize: 1000, split: false, maxBytes: 262144, wires: [] },
      { id: 'mon', type: 'lpr-system-monitor', name: '', broker: 'good', interval: 0, publish: true, prometheus: true, path: '/lpr/secret-metrics', control: false, wires: [['out']] },
      { id: 'out', type: 'helper' },
    ];
    const monitoring = await mosquittoSub(mosquitto.port, 'lprserver/system/monitoring');
    try {
      await helper.load([...allNodes, systemMonitorNode, captureHttpNode], flow);
      (helper as any)._app.use(httpNode);
      const out = collect('out');
      const good = helper.getNode('good') as any;
      const bad = helper.getNode('bad') as any;
      await waitUntil(() => good.connection.connected && bad.connection.metrics.connectionsFailed >= 2, 'one broker connected, the other failing');
      helper.getNode('mon').receive({ action: 'report' });
      await waitUntil(() => out.length === 1, 'a snapshot');
      const [published] = await monitoring.waitFor(1);
      const prometheus = await get(`${helper.url()}/lpr/secret-metrics`);
      assert.match(prometheus, /lpr_mqtt_messages_sent_total\{broker="mqtt:\/\/\*\*\*@127\.0\.0\.1/);
      const payload = JSON.stringify(out[0].payload);
      assert.ok(payload.includes('127.0.0.1'), payload);
      for (const [what, text] of [
        ['Prometheus', prometheus],
        ['snapshot', payload],
        ['system/monitoring', published!.payload],
        ['the last errors', JSON.stringify([good.connection.metrics, bad.connection.metrics])],
        ['the log', JSON.stringify(helper.log().args)],
      ] as const) {
        assert.ok(!text.includes(SECRET), `${what} holds the password: ${text.slice(0, 2000)}`);
      }
    } finally {
      monitoring.stop();
    }
  });

  it('lpr-sim given a URL with user:password prints neither on its output', async () => {
    const sim = path.resolve(__dirname, '../../dist/bin/lpr-sim.js');
    for (const extra of [[], ['--json']]) {
      const args = ['--url', `mqtt://camuser:${SECRET}@127.0.0.1:${mosquitto.port}`, '--cameras', '1', '--rate', '5', '--duration', '1.5', ...extra];
      const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve) =>
        execFile(process.execPath, [sim, ...args], { timeout: 20_000 }, (_err, stdout, stderr) => resolve({ stdout, stderr })),
      );
      assert.ok(stdout.includes('127.0.0.1') || stderr.includes('127.0.0.1') || extra.length > 0, stdout + stderr);
      assert.ok(!stdout.includes(SECRET) && !stderr.includes(SECRET), stdout + stderr);
    }
  });

  it('a config error about the broker field does not repeat the password', () => {
    for (const broker of [`camuser:${SECRET}@broker.example`, `mqtt://camuser:${SECRET}@bro ker`, `mqtt://camuser:${SECRET}@`]) {
      assert.throws(
        () => readBrokerSettings({ broker }, 'id'),
        (err: Error) => !err.message.includes(SECRET) && /broker/.test(err.message),
        broker,
      );
    }
  });

  it('the editor label of an unnamed lpr-broker does not show the password; the broker field warns', () => {
    for (const broker of [`mqtt://camuser:${SECRET}@broker.example`, `camuser:${SECRET}@broker.example`, `ws://u@broker.example/mqtt`]) {
      const problem = validateBroker(broker, { label: 'Broker' });
      assert.ok(typeof problem === 'string' && /Security section/.test(problem) && !problem.includes(SECRET), String(problem));
    }
    assert.equal(validateBroker('mqtt://broker.example/p@th'), true);
    assert.equal(brokerLabel('', `mqtt://camuser:${SECRET}@broker.example:1883`, 1883), 'mqtt://***@broker.example:1883');
    for (const broker of [`mqtt://camuser:${SECRET}@broker.example`, `camuser:${SECRET}@broker.example`, `mqtt://camuser:${SECRET}@bro@ker.example`]) {
      const label = brokerLabel('', broker, 1884);
      assert.ok(!label.includes(SECRET) && label.includes('ker.example'), label);
    }
  });
});
