/**
 * MQTT.js packet ids are 16-bit: a reconnect backlog of more QoS 1 publishes than that, all handed
 * to MQTT.js at once, reuses ids and loses completions (MQTT-PITFALLS.md). BrokerConnection keeps
 * QoS 1 publishes in flight within a window, as it does QoS 2.
 */
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { BrokerConnection } from '../../src/runtime/broker-connection';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { waitUntil } from '../fixtures/wait';

const BACKLOG = 100_000;

describe('BrokerConnection in-flight window (QoS 1)', function () {
  this.timeout(120_000);
  let mosquitto: Mosquitto;
  before(async () => {
    // The subscriber must not lose any of them at the broker: no queue limit.
    mosquitto = await startMosquitto({ extraConfig: ['max_queued_messages 0'] });
  });
  after(async () => {
    await mosquitto?.stop();
  });

  for (const protocolVersion of [4, 5] as const) {
    it(`settles a reconnect backlog of ${BACKLOG} QoS 1 publishes (MQTT ${protocolVersion === 4 ? '3.1.1' : '5'})`, async () => {
      const peer = await mqtt.connectAsync(mosquitto.url, { protocolVersion, clientId: `backlog-peer-${protocolVersion}` });
      let got = 0;
      peer.on('message', () => got++);
      await peer.subscribeAsync(`backlog${protocolVersion}/#`, { qos: 1 });
      const conn = new BrokerConnection({
        url: mosquitto.url,
        protocolVersion,
        clientId: `backlog-${protocolVersion}`,
        clean: true,
        sessionExpiry: 0,
        keepalive: 30,
        reconnectPeriodMs: 200,
        connectTimeoutMs: 5000,
        queueLimit: BACKLOG,
      });
      try {
        let settled = 0;
        let failed = 0;
        // Queued while disconnected (not started yet): the backlog a reconnect finds.
        for (let i = 0; i < BACKLOG; i++) {
          conn.publish(`backlog${protocolVersion}/${i % 100}`, String(i), { qos: 1 }).then(
            () => settled++,
            () => (settled++, failed++),
          );
        }
        assert.equal(conn.queueSize, BACKLOG);
        conn.start();
        await waitUntil(() => settled === BACKLOG, `every publish settled (settled ${settled}, queueSize ${conn.queueSize})`, 90_000);
        assert.equal(failed, 0);
        assert.equal(conn.queueSize, 0);
        assert.equal(conn.metrics.messagesSent, BACKLOG);
        await waitUntil(() => got === BACKLOG, `${BACKLOG} messages at the subscriber (got ${got})`, 30_000);
      } finally {
        await conn.close();
        await peer.endAsync();
      }
    });
  }

  it('the link falling mid-backlog: QoS 1 stays in order, QoS 1 and 2 all settle, nothing stays counted', async () => {
    const N1 = 20_000;
    const N2 = 200;
    const peer = await mqtt.connectAsync(mosquitto.url, { clientId: 'fall-peer' });
    const firstSeen: number[] = [];
    const seen = new Set<number>();
    const seen2 = new Set<string>();
    // For a failure's message: whether a message first came as a broker's redelivery, on which
    // connection(s) the publisher handed it to MQTT.js, and in what place it was first handed over and
    // first written to the socket: the side that changed the order (ours, MQTT.js's, the broker's).
    const firstDup = new Set<number>();
    const handedOn = new Map<number, number[]>();
    const handedAt = new Map<number, number>();
    const writtenAt = new Map<number, number>();
    peer.on('message', (topic, p, packet) => {
      if (topic === 'fall/q2') return void seen2.add(p.toString());
      const n = Number(p.toString());
      if (!seen.has(n)) (seen.add(n), firstSeen.push(n), packet.dup && firstDup.add(n));
    });
    await peer.subscribeAsync('fall/#', { qos: 2 });
    const conn = new BrokerConnection({
      url: mosquitto.url,
      protocolVersion: 4,
      clientId: 'fall-publisher',
      clean: true,
      sessionExpiry: 0,
      keepalive: 30,
      reconnectPeriodMs: 100,
      connectTimeoutMs: 5000,
      queueLimit: N1 + N2,
    });
    try {
      let settled = 0;
      let failed = 0;
      for (let i = 0; i < N1; i++) {
        conn.publish('fall/q1', String(i), { qos: 1 }).then(() => settled++, () => (settled++, failed++));
        if (i % 100 === 0) conn.publish('fall/q2', `q2-${i}`, { qos: 2 }).then(() => settled++, () => (settled++, failed++));
      }
      conn.start();
      const client = (conn as any).client;
      const publish = client.publish.bind(client);
      client.publish = (topic: string, payload: string, ...rest: unknown[]) => {
        if (topic === 'fall/q1') {
          const n = Number(payload);
          handedOn.set(n, [...(handedOn.get(n) ?? []), conn.metrics.connectionsTotal]);
          if (!handedAt.has(n)) handedAt.set(n, handedAt.size);
        }
        return publish(topic, payload, ...rest);
      };
      client.on('packetsend', (packet: { cmd: string; topic?: string; payload?: Buffer | string }) => {
        const n = Number(String(packet.payload));
        if (packet.cmd === 'publish' && packet.topic === 'fall/q1' && !writtenAt.has(n)) writtenAt.set(n, writtenAt.size);
      });
      await waitUntil(() => settled >= N1 / 4, 'a quarter settled', 30_000);
      // The link falls with publishes in flight and more waiting for a window slot.
      client.stream.destroy();
      const seenAtCut = firstSeen.length;
      await waitUntil(() => settled === N1 + N2, `every publish settled (settled ${settled}, queueSize ${conn.queueSize})`, 60_000);
      assert.equal(failed, 0);
      assert.equal(conn.queueSize, 0);
      assert.ok(conn.metrics.connectionsTotal >= 2, 'it reconnected');
      await waitUntil(() => seen.size === N1 && seen2.size === N2, `all at the subscriber (${seen.size}, ${seen2.size})`, 30_000);
      const outOfOrder = firstSeen.findIndex((n, i) => i > 0 && n < firstSeen[i - 1]!);
      const about = (n: number) =>
        `${n} (at ${firstSeen.indexOf(n)}${firstDup.has(n) ? ', first as a redelivery' : ''}, handed on connection ${handedOn.get(n)?.join(', ')}, ` +
        `first handed ${handedAt.get(n)}th, first written ${writtenAt.get(n)}th)`;
      assert.equal(
        outOfOrder,
        -1,
        `QoS 1 out of order at ${outOfOrder}: ${firstSeen.slice(Math.max(0, outOfOrder - 3), outOfOrder + 3)}; ` +
          `${about(firstSeen[outOfOrder - 1]!)} before ${about(firstSeen[outOfOrder]!)}; ${seenAtCut} seen when the link was cut`,
      );
    } finally {
      await conn.close();
      await peer.endAsync();
    }
  });
});
