/**
 * examples/flows/blacklist-to-email.json and blacklist-to-webhook.json on a real Node-RED, fed by
 * mosquitto_pub through a real Mosquitto. The e-mail node (node-red-node-email) sends to a local
 * SMTP sink (test/fixtures/smtp-sink.ts) instead of the example's placeholder server; the webhook
 * flow POSTs to a node:http server on 127.0.0.1 given as LPR_WEBHOOK_URL, which fails once.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startMosquitto, type Mosquitto } from './fixtures/mosquitto';
import { mosquittoPub } from './fixtures/mqtt-cli';
import { pointBrokers, readExample, startNodeRed, type FlowNode, type NodeRedHost } from './fixtures/node-red-host';
import { seedDetection } from './fixtures/samples';
import { startSmtpSink, type SmtpSink } from './fixtures/smtp-sink';
import { sleep, waitUntil } from './fixtures/wait';

interface Hook {
  at: number;
  headers: http.IncomingHttpHeaders;
  body: Record<string, any>;
}

function blacklisted(messageId: string, plate: string, province?: string): Record<string, any> {
  const d = seedDetection();
  d.message_id = messageId;
  d.timestamp = new Date().toISOString();
  d.detection_data.plates[0] = { plate_index: 0, plate_number: plate, confidence: 0.93, ...(province ? { province } : {}) };
  return d;
}

describe('examples blacklist-to-email and blacklist-to-webhook: detection → match → e-mail / webhook', function () {
  this.timeout(60_000);

  let broker: Mosquitto;
  let red: NodeRedHost;
  let smtp: SmtpSink;
  let hookServer: http.Server;
  const hooks: Hook[] = [];
  /** Answers of the webhook receiver, in order; 200 once they run out. */
  const answers = [500];

  const publish = (d: Record<string, any>) => mosquittoPub(broker.port, `lprserver/cameras/${String(d.camera_id)}/detection`, JSON.stringify(d), 1);

  before(async function () {
    broker = await startMosquitto({ extraConfig: ['log_type subscribe'] });
    smtp = await startSmtpSink();
    hookServer = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        hooks.push({ at: Date.now(), headers: req.headers, body: JSON.parse(body) as Record<string, any> });
        res.writeHead(answers.shift() ?? 200, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
    const hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/lpr-alerts`;

    red = await startNodeRed({ nodeModules: ['node-red-node-email'], env: { LPR_WEBHOOK_URL: hookUrl } });
    // Both examples share one lpr-broker (same id): keep it once, as importing both leaves it.
    const webhook = readExample('blacklist-to-webhook.json');
    const email = readExample('blacklist-to-email.json').filter((n) => !webhook.some((w) => w.id === n.id));
    const flows: FlowNode[] = [...email, ...webhook].map((n) => {
      // Debug nodes also write to the log here, so that what the flows drop can be asserted on.
      if (n.type === 'debug') return { ...n, console: true };
      // The sink instead of the placeholder server: plain SMTP, no login, a sender address.
      if (n.type === 'e-mail') return { ...n, server: '127.0.0.1', port: String(smtp.port), secure: false, tls: false, authtype: 'NONE', credentials: { userid: 'lpr-alerts@test.invalid' } };
      return n;
    });
    const before = broker.log().length;
    await red.deploy(pointBrokers(flows, broker.port));
    // One connection: the broker is asked once for the filter both detection in nodes share.
    await waitUntil(() => broker.log().slice(before).includes('lprserver/cameras/+/detection'), 'the detection in nodes subscribed', 15_000);
  });

  after(async function () {
    await red?.stop();
    await broker?.stop();
    await smtp?.stop();
    await new Promise((r) => (hookServer ? hookServer.close(r) : r(null)));
  });

  it('a watched plate: one readable e-mail, and a webhook POST retried exactly once after a 500', async function () {
    const d = blacklisted('alert-1', 'กข 1234', 'กรุงเทพมหานคร');
    d.checkpoint_id = 'CP001';
    await publish(d);

    const [mail] = await smtp.waitFor(1);
    assert.equal(mail!.subject, '[LPR critical] กข 1234 at CAM001 (exact match)');
    assert.equal(mail!.from, 'lpr-alerts@test.invalid');
    assert.deepEqual(mail!.to, ['security@example.invalid']);
    assert.match(mail!.headers['x-priority'] ?? '', /^1/, 'sent as high priority');
    const alertId = /^Alert: +(\S+)$/m.exec(mail!.text)?.[1];
    assert.ok(alertId, mail!.text);
    assert.equal(
      mail!.text.trimEnd(),
      [
        'A plate on the watch list was seen.',
        '',
        'Plate read:   กข 1234 (กรุงเทพมหานคร)',
        'Confidence:   93 %',
        'Camera:       CAM001',
        'Checkpoint:   CP001',
        `Seen at:      ${d.timestamp}`,
        'Image:        /storage/images/CAM001_20240115_103000.jpg',
        '',
        'Watch list:   กข1234 (กรุงเทพมหานคร)',
        'Reason:       wanted',
        'Priority:     critical',
        'Match:        exact',
        'Province:     matches',
        '',
        'Detection:    alert-1',
        `Alert:        ${alertId}`,
      ].join('\n'),
    );

    // Webhook: 500, then the same notification again after the 1 s back-off, answered 200.
    await waitUntil(() => hooks.length >= 2, 'two webhook POSTs');
    const [first, second] = hooks;
    assert.deepEqual(second!.body, first!.body);
    assert.ok(second!.at - first!.at >= 900, `retried after ${second!.at - first!.at} ms`);
    const n = first!.body;
    assert.equal(first!.headers['content-type'], 'application/json');
    assert.equal(first!.headers['x-lpr-priority'], 'critical');
    assert.deepEqual(
      [n.camera_id, n.checkpoint_id, n.plate_number, n.province, n.detection_message_id, n.image_path],
      ['CAM001', 'CP001', 'กข 1234', 'กรุงเทพมหานคร', 'alert-1', '/storage/images/CAM001_20240115_103000.jpg'],
    );
    assert.deepEqual(n.entry, { plate_number: 'กข1234', province: 'กรุงเทพมหานคร', reason: 'wanted', priority: 'critical' });
    assert.deepEqual(n.match, { type: 'exact', distance: 0, province_match: true });
    assert.match(String(n.message_id), /\S/);
  });

  it('a flood of matches within 10 s sends no more e-mail (dropped to a debug node); the webhook gets each once', async function () {
    const plates = ['ABC1234', 'XYZ001', 'A8C1234'];
    for (const [i, plate] of plates.entries()) await publish(blacklisted(`flood-${i}`, plate));
    await waitUntil(() => hooks.length >= 2 + plates.length, 'a POST per flooded match');
    await sleep(2500); // no retry of the first alert, no e-mail for the flood
    assert.equal(smtp.mails.length, 1);
    assert.equal(hooks.filter((h) => h.body.detection_message_id === 'alert-1').length, 2, 'the failed POST retried exactly once');
    assert.deepEqual(
      hooks.slice(2).map((h) => `${String(h.body.plate_number)} ${String(h.body.entry.plate_number)} ${String(h.body.match.type)}`),
      ['ABC1234 ABC1234 exact', 'XYZ001 XYZ* pattern', 'A8C1234 ABC1234 lookalike'],
    );
    const dropped = red.log().split('[debug:not e-mailed (rate limit)]').length - 1;
    assert.equal(dropped, plates.length, 'each flooded alert reached the rate limit and was dropped');
    assert.match(red.log(), /\[LPR high\] A8C1234 at CAM001 \(lookalike match\)/);
  });
});
