/**
 * Child process for the will test in broker-connection.test.ts: opens a BrokerConnection with a
 * birth and a will, prints "connected" once the broker has the birth, then waits to be SIGKILLed
 * (an ungraceful disconnect the broker sees as a dropped socket, so it publishes the will).
 */
import { BrokerConnection } from '../../src/runtime/broker-connection';

const [url, clientId, topic] = process.argv.slice(2) as [string, string, string];
const conn = new BrokerConnection({
  url,
  protocolVersion: 4,
  clientId,
  clean: true,
  sessionExpiry: 0,
  keepalive: 30,
  reconnectPeriodMs: 1000,
  connectTimeoutMs: 5000,
  queueLimit: 10,
  will: { topic, payload: JSON.stringify({ status: 'offline', via: 'will' }), qos: 1, retain: true },
  birth: () => ({ topic, payload: JSON.stringify({ status: 'online', via: 'birth' }), qos: 1, retain: true }),
});
conn.on('connect', () => {
  // The birth is sent first on connect; a QoS 1 publish behind it means the broker has both.
  void conn.publish(`${topic}/probe`, 'x', { qos: 1 }).then(() => process.stdout.write('connected\n'));
});
conn.start();
setTimeout(() => process.exit(2), 20_000).unref();
setInterval(() => {}, 1000);
