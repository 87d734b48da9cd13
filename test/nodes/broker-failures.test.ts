/**
 * lpr-broker says why a connection fails (issue 13 finding 7): a broker that closes an MQTT 5
 * connection without a CONNACK, a refused port, a CONNACK refusal; throttled, and never with the
 * credentials of the URL.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { freePort, startMosquitto } from '../fixtures/mosquitto';
import { waitUntil } from '../fixtures/wait';
import { allNodes, helper, useHelperServer } from './harness';

function flow(broker: string, port: number, extra: Record<string, unknown> = {}) {
  return [
    {
      id: 'broker',
      type: 'lpr-broker',
      broker,
      port,
      protocolVersion: 5,
      clientId: 'lpr-failures',
      cleanSession: true,
      keepalive: 60,
      reconnectPeriod: 0.1,
      connectTimeout: 5,
      topicRoot: 'lprserver',
      birth: true,
      ...extra,
    },
    { id: 'mon', type: 'lpr-health-monitor', broker: 'broker', camera: '', offlineAfter: 30, summaryInterval: 0, wires: [[], []] },
  ];
}

/** What the lpr-broker logged at `level` (helper.log() records every node log call). */
function brokerLines(level: 'WARN' | 'INFO'): string[] {
  const log = helper.log();
  return log.args.filter((a: any[]) => a[0]?.id === 'broker' && a[0]?.level === log[level]).map((a: any[]) => String(a[0].msg));
}

/** Everything logged by any node, to check that no secret leaks. */
function allLines(): string[] {
  return helper.log().args.map((a: any[]) => JSON.stringify(a[0]));
}

describe('lpr-broker reports failed connects', function () {
  this.timeout(20_000);
  useHelperServer();

  it('a broker that closes the connection without a CONNACK: the reason once, then throttled', async () => {
    const sockets = new Set<net.Socket>();
    let accepted = 0;
    const server = net.createServer((socket) => {
      accepted++;
      sockets.add(socket);
      socket.on('error', () => {});
      // Reads the CONNECT and hangs up, as RabbitMQ 3.10 does for MQTT 5.
      socket.once('data', () => socket.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      await helper.load(allNodes, flow('127.0.0.1', port));
      const broker = helper.getNode('broker') as any;
      await waitUntil(() => broker.connection.metrics.connectionsFailed >= 4, 'four failed attempts');
      const failures = brokerLines('WARN').filter((l) => l.includes('failed'));
      assert.deepEqual(failures, [`connection to mqtt://127.0.0.1:${port} failed: closed before CONNACK (is MQTT 5 supported?)`]);
      assert.equal(brokerLines('WARN').length, 1, `only the throttled failure line: ${brokerLines('WARN').join(' | ')}`);
      assert.ok(accepted >= 4);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('a refused port: ECONNREFUSED in the line, and no credentials from the URL anywhere in the log', async () => {
    const port = await freePort();
    await helper.load(allNodes, flow(`mqtt://camuser:s3cr3t-pw@127.0.0.1:${port}`, port, { protocolVersion: 4 }));
    const broker = helper.getNode('broker') as any;
    await waitUntil(() => broker.connection.metrics.connectionsFailed >= 3, 'three failed attempts');
    const warns = brokerLines('WARN');
    assert.equal(warns.length, 1, warns.join(' | '));
    assert.match(warns[0]!, new RegExp(`^connection to mqtt://\\*\\*\\*@127\\.0\\.0\\.1:${port} failed: .*ECONNREFUSED`));
    for (const line of allLines()) {
      assert.doesNotMatch(line, /s3cr3t-pw/);
      assert.doesNotMatch(line, /camuser/);
    }
  });

  it('a CONNACK refusal names the reason code', async () => {
    const mosquitto = await startMosquitto({ extraConfig: ['allow_anonymous false'] });
    try {
      await helper.load(allNodes, flow('127.0.0.1', mosquitto.port));
      const broker = helper.getNode('broker') as any;
      await waitUntil(() => broker.connection.metrics.connectionsFailed >= 2, 'two failed attempts');
      const warns = brokerLines('WARN');
      assert.equal(warns.length, 1, warns.join(' | '));
      assert.match(warns[0]!, /failed: CONNACK refused: Not authorized \(reason code 135\)$/);
    } finally {
      await mosquitto.stop();
    }
  });
});
