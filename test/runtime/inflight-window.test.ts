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
});
