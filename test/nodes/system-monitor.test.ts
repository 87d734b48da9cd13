/**
 * lpr-system-monitor on a real Mosquitto: exact counters of a broker's traffic, the Prometheus path
 * read over HTTP and parsed with parse-prometheus-text-format, alerts and log lines (read with
 * mosquitto_sub), report_now over system/control, and bad input named by field.
 *
 * The detections go through their own lpr-broker ("det"), used by nothing else, so its counters
 * are exactly what the test sent and received; the monitor publishes through another ("mon").
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import mqtt from 'mqtt';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { mosquittoPub, mosquittoSub } from '../fixtures/mqtt-cli';
import { detection } from '../fixtures/samples';
import { waitUntil } from '../fixtures/wait';
import { allNodes, brokerConfig, collect, helper, waitReady, useHelperServer } from './harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const systemMonitorNode = require('../../dist/lpr-system-monitor.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const parsePrometheus = require('parse-prometheus-text-format') as (
  text: string,
) => Array<{ name: string; type: string; metrics: Array<{ value?: string; labels?: Record<string, string> }> }>;

/** Captures the runtime's httpNode app, which the test helper does not mount on its HTTP server. */
let httpNode: unknown = null;
const captureHttpNode = (RED: { httpNode?: unknown }) => {
  httpNode = RED.httpNode;
};

const N = 5;
const M = 4;

function flow(mosquitto: Mosquitto, props: Record<string, unknown> = {}) {
  return [
    brokerConfig(mosquitto, { id: 'det', name: 'detections' }),
    brokerConfig(mosquitto, { id: 'mon-broker', name: 'monitor' }),
    { id: 'in', type: 'lpr-detection-in', broker: 'det', camera: '', sharedGroup: '', ack: true, dedupe: 0, dedupeSize: 1000, split: false, maxBytes: 262144, wires: [['detections']] },
    { id: 'detections', type: 'helper' },
    {
      id: 'mon',
      type: 'lpr-system-monitor',
      name: '',
      broker: 'mon-broker',
      interval: 0,
      publish: true,
      prometheus: true,
      path: '/lpr/metrics',
      control: true,
      wires: [['out']],
      ...props,
    },
    { id: 'out', type: 'helper' },
    { id: 'catcher', type: 'catch', scope: ['mon'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];
}

function get(url: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
      })
      .on('error', reject);
  });
}

describe('lpr-system-monitor on a real Mosquitto', function () {
  let mosquitto: Mosquitto;

  before(async () => {
    mosquitto = await startMosquitto();
  });
  after(async () => {
    await mosquitto?.stop();
  });
  useHelperServer();

  async function load(props: Record<string, unknown> = {}) {
    await helper.load([...allNodes, systemMonitorNode, captureHttpNode], flow(mosquitto, props));
    (helper as any)._app.use(httpNode);
    const out = collect('out');
    const caught = collect('caught');
    // Both listen for their SUBACK from now on: wait for them together.
    await Promise.all([waitReady('det', 1), waitReady('mon-broker', props.control === false ? 0 : 1)]);
    return { out, caught, mon: helper.getNode('mon') as any };
  }

  it('counts exactly what went through a broker: N+M detections received, N+M acks + the birth sent; Prometheus agrees', async () => {
    const { out, mon } = await load();
    const det = helper.getNode('det') as any;
    await waitUntil(() => det.connection.metrics.messagesSent === 1, 'the birth message acknowledged');
    const detectionsOut = collect('detections');
    const monitoring = await mosquittoSub(mosquitto.port, 'lprserver/system/monitoring');
    const raw = await mqtt.connectAsync(`mqtt://127.0.0.1:${mosquitto.port}`, { clientId: 'raw-camera', reconnectPeriod: 0 });
    try {
      for (let i = 0; i < N; i++) await mosquittoPub(mosquitto.port, 'lprserver/cameras/CAM001/detection', JSON.stringify(detection('CAM001', `pub-${i}`)));
      for (let i = 0; i < M; i++) await raw.publishAsync('lprserver/cameras/CAM002/detection', JSON.stringify(detection('CAM002', `raw-${i}`)), { qos: 1 });
      await waitUntil(() => detectionsOut.length === N + M, 'every detection delivered');
      await waitUntil(() => det.connection.metrics.messagesSent === N + M + 1 && det.connection.queueSize === 0, 'every ack acknowledged');

      mon.receive({ action: 'report', keep: 'me' });
      await waitUntil(() => out.length === 1, 'a snapshot');
      const msg = out[0];
      assert.equal(msg.topic, 'system/monitoring');
      assert.equal(msg.keep, 'me');
      // The snapshot's time on the site clock, for a dashboard's chart axis.
      assert.equal(msg.lpr.site.zone, 'UTC');
      assert.equal(Date.parse(msg.lpr.site.at.iso), Date.parse(msg.payload.timestamp));
      const entry = msg.payload.brokers.find((b: any) => b.id === 'det');
      assert.ok(entry, 'the det broker is in the snapshot');
      assert.equal(entry.name, 'detections');
      assert.equal(entry.state, 'connected');
      assert.deepEqual(entry.connections, { total: 1, active: 1, failed: 0 });
      assert.deepEqual(entry.messages, { sent: N + M + 1, received: N + M, failed: 0, dropped: 0 });
      assert.equal(entry.queue_size, 0);
      assert.deepEqual(entry.errors, { total: 0, by_type: {} });
      assert.equal(entry.latency_ms.detection.count, N + M);
      assert.equal(entry.latency_ms.control.count, 0);
      assert.ok(entry.throughput_msg_per_s.received > 0, JSON.stringify(msg.payload));
      assert.equal(entry.health_check.status, 'healthy');
      assert.equal(entry.health_check.connection_status, 'connected');
      assert.ok(Date.parse(entry.health_check.last_message_received) <= Date.now());
      assert.deepEqual(msg.payload.cameras, { healthy: 0, warning: 0, critical: 0, offline: 0, total: 0 });
      assert.ok(msg.payload.brokers.some((b: any) => b.id === 'mon-broker'));

      // Published on system/monitoring too.
      const [published] = await monitoring.waitFor(1);
      assert.equal(JSON.parse(published!.payload).message_id, msg.payload.message_id);

      // Prometheus over HTTP, parsed by a real parser.
      const res = await get(`${helper.url()}/lpr/metrics`);
      assert.equal(res.status, 200);
      // Express moves charset first: text/plain; charset=utf-8; version=0.0.4.
      assert.match(res.type, /^text\/plain;/);
      assert.match(res.type, /version=0\.0\.4/);
      const families = parsePrometheus(res.body);
      const sample = (name: string) => Number(families.find((f) => f.name === name)!.metrics.find((s) => s.labels?.broker === 'detections')!.value);
      assert.equal(sample('lpr_mqtt_messages_received_total'), N + M);
      assert.equal(sample('lpr_mqtt_messages_sent_total'), N + M + 1);
      assert.equal(sample('lpr_mqtt_connections_total'), 1);
      assert.equal(sample('lpr_mqtt_errors_total'), 0);
      assert.equal(families.find((f) => f.name === 'lpr_latency_seconds')!.type, 'HISTOGRAM');
    } finally {
      raw.end(true);
      monitoring.stop();
    }
  });

  it('removes the Prometheus path when the node stops; serves none with prometheus off', async () => {
    await load();
    assert.equal((await get(`${helper.url()}/lpr/metrics`)).status, 200);
    await helper.unload();
    const app = httpNode as any;
    const stack = (app._router ?? app.router).stack as any[];
    assert.ok(!stack.some((l) => l.route?.path === '/lpr/metrics'), 'route removed');
    await helper.load([...allNodes, systemMonitorNode, captureHttpNode], flow(mosquitto, { prometheus: false }));
    (helper as any)._app.use(httpNode);
    assert.equal((await get(`${helper.url()}/lpr/metrics`)).status, 404);
  });

  it('publishes alerts on system/alerts and log lines on system/logs', async () => {
    const { caught, mon } = await load({ name: 'ops monitor' });
    const alerts = await mosquittoSub(mosquitto.port, 'lprserver/system/alerts');
    const logs = await mosquittoSub(mosquitto.port, 'lprserver/system/logs');
    try {
      mon.receive({ action: 'alert', payload: { level: 'critical', message: 'gate 3 stuck', camera_id: 'CAM001', details: { gate: 3 } } });
      mon.receive({ action: 'alert', payload: 'disk almost full', level: 'warning' });
      mon.receive({ action: 'log', payload: { level: 'warn', message: 'slow disk' } });
      mon.receive({ action: 'log', payload: 'started' });
      const a = (await alerts.waitFor(2)).map((m) => JSON.parse(m.payload));
      const l = (await logs.waitFor(2)).map((m) => JSON.parse(m.payload));
      assert.deepEqual(
        a.map((x) => [x.level, x.source, x.message, x.camera_id, x.details]),
        [
          ['critical', 'ops monitor', 'gate 3 stuck', 'CAM001', { gate: 3 }],
          ['warning', 'ops monitor', 'disk almost full', undefined, undefined],
        ],
      );
      assert.deepEqual(
        l.map((x) => [x.level, x.source, x.message]),
        [
          ['warn', 'ops monitor', 'slow disk'],
          ['info', 'ops monitor', 'started'],
        ],
      );
      for (const x of [...a, ...l]) assert.ok(typeof x.message_id === 'string' && !Number.isNaN(Date.parse(x.timestamp)));
      assert.equal(caught.length, 0);
    } finally {
      alerts.stop();
      logs.stop();
    }
  });

  it('answers report_now on system/control; warns on unknown commands; reports invalid control messages', async () => {
    const { out, caught, mon } = await load();
    const warnings: string[] = [];
    const warn = mon.warn.bind(mon);
    mon.warn = (m: string) => {
      warnings.push(String(m));
      warn(m);
    };
    const control = (body: Record<string, unknown>) =>
      mosquittoPub(mosquitto.port, 'lprserver/system/control', JSON.stringify({ message_id: `c-${Math.random()}`, timestamp: new Date().toISOString(), ...body }), 2);
    await control({ command: 'report_now' });
    await waitUntil(() => out.length === 1, 'a snapshot for report_now');
    assert.equal(out[0].topic, 'system/monitoring');
    assert.equal(out[0].control.command, 'report_now');
    await control({ command: 'reboot_everything' });
    await waitUntil(() => warnings.length === 1, 'a warning');
    assert.match(warnings[0]!, /reboot_everything/);
    await control({ command: 'bad command!' });
    await waitUntil(() => caught.length === 1, 'the invalid control reported');
    assert.match(caught[0].error.message, /command/);
    assert.equal(out.length, 1);
  });

  it('rejects malformed input with the field named', async () => {
    const { out, caught, mon } = await load();
    mon.receive({ action: 'alert', payload: { level: 'loud', message: 'x' } });
    mon.receive({ action: 'alert', payload: { level: 'info' } });
    mon.receive({ action: 'log', payload: 'x', level: 'verbose' });
    mon.receive({ action: 'dance' });
    mon.receive({ action: 'alert', payload: { level: 'info', message: 'x', camera_id: 'bad id!' } });
    mon.receive({ action: 'alert', payload: 42 });
    await waitUntil(() => caught.length === 6, 'six errors');
    const messages = caught.map((m) => m.error.message);
    assert.match(messages[0], /\bmsg\.payload\.level: must be "info", "warning", "critical", got "loud"/);
    assert.match(messages[1], /\bmsg\.payload\.message: required/);
    assert.match(messages[2], /\bmsg\.level: must be "debug", "info", "warn", "error", got "verbose"/);
    assert.match(messages[3], /\bmsg\.action: must be "report", "alert" or "log", got "dance"/);
    assert.match(messages[4], /\bmsg\.payload\.camera_id: /);
    assert.match(messages[5], /\bmsg\.payload: must be an object/);
    assert.equal(out.length, 0);
  });
});
