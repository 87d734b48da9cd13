/** Mosquitto drops QoS 2 publishes past 20 in flight per client: BrokerConnection must pace them. */
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { BrokerConnection } from '../../src/runtime/broker-connection';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { waitUntil } from '../fixtures/wait';

describe('BrokerConnection QoS 2 window', function () {
  let mosquitto: Mosquitto;
  before(async () => {
    mosquitto = await startMosquitto();
  });
  after(async () => {
    await mosquitto?.stop();
  });

  for (const protocolVersion of [4, 5] as const) {
    it(`delivers every one of 100 QoS 2 publishes made at once (MQTT ${protocolVersion === 4 ? '3.1.1' : '5'})`, async () => {
      const peer = await mqtt.connectAsync(mosquitto.url, { protocolVersion });
      const got: string[] = [];
      peer.on('message', (_t, p) => got.push(p.toString()));
      await peer.subscribeAsync('burst/#', { qos: 2 });
      const conn = new BrokerConnection({
        url: mosquitto.url,
        protocolVersion,
        clientId: `burst-${protocolVersion}`,
        clean: true,
        sessionExpiry: 0,
        keepalive: 30,
        reconnectPeriodMs: 200,
        connectTimeoutMs: 5000,
        queueLimit: 1000,
      });
      try {
        conn.start();
        await waitUntil(() => conn.connected, 'connected');
        const sent = Array.from({ length: 100 }, (_, i) => conn.publish(`burst/${i}`, String(i), { qos: 2 }));
        assert.ok(conn.queueSize > 0);
        await Promise.all(sent);
        await waitUntil(() => got.length === 100, `100 messages (got ${got.length})`, 10_000);
        assert.deepEqual(got.map(Number).sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i));
        assert.equal(conn.metrics.messagesFailed, 0);
      } finally {
        await conn.close();
        await peer.endAsync();
      }
    });
  }
});
