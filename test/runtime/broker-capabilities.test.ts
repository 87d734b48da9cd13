/**
 * Broker capabilities: what an MQTT 5 CONNACK announces (a real Mosquitto configured without
 * retain and with QoS 1 at most), and what the self-test finds on brokers that announce nothing
 * (Mosquitto and aedes over MQTT 3.1.1; aedes grants `$share/…` and delivers nothing).
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { capabilitiesFromConnack, describeMissing, missingFeatures, unknownCapabilities, type BrokerCapabilities } from '../../src/runtime/broker-capabilities';
import { BrokerConnection, type ConnectionOptions } from '../../src/runtime/broker-connection';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { rabbitMqInstalled, sharedRabbitMq } from '../fixtures/rabbitmq';

let n = 0;
function connection(url: string, o: Partial<ConnectionOptions> = {}): BrokerConnection {
  const conn = new BrokerConnection({
    url,
    protocolVersion: 4,
    clientId: `caps-${process.pid}-${++n}`,
    clean: true,
    sessionExpiry: 0,
    keepalive: 30,
    reconnectPeriodMs: 300,
    connectTimeoutMs: 3000,
    queueLimit: 100,
    lingerMs: 0,
    ...o,
  });
  conn.on('problem', () => {});
  return conn;
}

/** The capabilities once `pred` holds for them (each 'capabilities' event), within 8 s. */
function capabilitiesWhen(conn: BrokerConnection, pred: (c: BrokerCapabilities) => boolean): Promise<BrokerCapabilities> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`capabilities never matched; last ${JSON.stringify(conn.capabilities)}`)), 8000);
    conn.on('capabilities', (c: BrokerCapabilities) => {
      if (pred(c)) {
        clearTimeout(timer);
        resolve(c);
      }
    });
  });
}

describe('broker capabilities', function () {
  this.timeout(20_000);

  describe('from the CONNACK', () => {
    it('takes the protocol defaults for what an MQTT 5 broker leaves out', () => {
      const c = capabilitiesFromConnack(5, {});
      assert.equal(c.sharedSubscriptions, true);
      assert.equal(c.retain, true);
      assert.equal(c.maximumQoS, 2);
      assert.equal(c.receiveMaximum, 65_535);
      assert.equal(c.maximumPacketSize, null);
      assert.equal(c.retainedWildcards, null, 'no broker announces it');
    });

    it('knows nothing of an MQTT 3.1.1 broker', () => {
      assert.deepEqual(capabilitiesFromConnack(4, { retainAvailable: false }), unknownCapabilities(4));
    });

    it('reports only what is known to be missing', () => {
      const c = capabilitiesFromConnack(5, { sharedSubscriptionAvailable: false, maximumQoS: 1, maximumPacketSize: 1000 });
      const missing = missingFeatures(c, { sharedSubscriptions: true, retainedWildcards: true, qos: 2, packetBytes: 2000 });
      assert.deepEqual(missing.map((m) => m.feature), ['sharedSubscriptions', 'qos', 'packetSize']);
      assert.match(describeMissing(missing[1]!), /QoS 2 needed, the broker allows at most QoS 1/);
      assert.deepEqual(missingFeatures(unknownCapabilities(4), { sharedSubscriptions: true, qos: 2 }), []);
    });
  });

  describe('on real brokers', () => {
    it('self-test on RabbitMQ (MQTT plugin): no shared subscriptions, no retained wildcards, dots become levels', async function () {
      if (!rabbitMqInstalled() && !process.env.CI) return this.skip();
      this.timeout(90_000);
      const rabbit = await sharedRabbitMq();
      try {
        const conn = connection(rabbit.url, { selfTestTopic: 'lpr/_self-test' });
        conns.push(conn);
        conn.need('mon', { retainedWildcards: true, dotsInTopicLevels: true, sharedSubscriptions: true });
        const got = capabilitiesWhen(conn, (c) => c.source === 'self-test');
        conn.start();
        const c = await got;
        assert.deepEqual(
          { shared: c.sharedSubscriptions, retainedWildcards: c.retainedWildcards, dots: c.dotsInTopicLevels },
          { shared: false, retainedWildcards: false, dots: false },
        );
      } finally {
        for (const c of conns.splice(0)) await c.close();
      }
    });

    let broker: Mosquitto | undefined;
    const conns: BrokerConnection[] = [];
    afterEach(async () => {
      for (const c of conns.splice(0)) await c.close();
      await broker?.stop();
      broker = undefined;
    });

    it('reads what Mosquitto announces over MQTT 5 (no retain, QoS 1 at most)', async () => {
      broker = await startMosquitto({ extraConfig: ['retain_available false', 'max_qos 1'] });
      const conn = connection(broker.url, { protocolVersion: 5 });
      conns.push(conn);
      const got = capabilitiesWhen(conn, (c) => c.source === 'connack');
      conn.start();
      const c = await got;
      assert.equal(c.retain, false);
      assert.equal(c.maximumQoS, 1);
      assert.deepEqual(
        missingFeatures(c, { retain: true, qos: 2 }).map((m) => m.feature),
        ['retain', 'qos'],
      );
    });

    it('self-test on Mosquitto over MQTT 3.1.1: shared subscriptions and retained wildcards work', async () => {
      broker = await startMosquitto();
      const conn = connection(broker.url, { selfTestTopic: 'lpr/_self-test' });
      conns.push(conn);
      conn.need('node-a', { sharedSubscriptions: true, retainedWildcards: true });
      const seen: string[] = [];
      conn.subscribe('lpr/#', 1, (topic) => seen.push(topic));
      const got = capabilitiesWhen(conn, (c) => c.source === 'self-test');
      conn.start();
      const c = await got;
      assert.equal(c.sharedSubscriptions, true);
      assert.equal(c.retainedWildcards, true);
      assert.equal(c.dotsInTopicLevels, true);
      assert.deepEqual(seen, [], 'the self-test messages reach no handler');
    });

    it('self-test behind an ACL that forbids its topic: no conclusion, so no false warning', async () => {
      const { writeFileSync } = await import('node:fs');
      const { tmpdir } = await import('node:os');
      const acl = `${tmpdir()}/lpr-caps-acl-${process.pid}`;
      writeFileSync(acl, 'topic readwrite lprserver/cameras/#\n');
      broker = await startMosquitto({ extraConfig: [`acl_file ${acl}`] });
      const conn = connection(broker.url, { selfTestTopic: 'lprserver/_self-test' });
      conns.push(conn);
      conn.need('din', { sharedSubscriptions: true, dotsInTopicLevels: true });
      const got = capabilitiesWhen(conn, (c) => c.source === 'self-test');
      conn.start();
      const c = await got;
      assert.deepEqual([c.sharedSubscriptions, c.retainedWildcards, c.dotsInTopicLevels], [null, null, null]);
      assert.deepEqual(conn.missingFor('din'), []);
    });

    it('self-test on aedes: shared subscriptions granted but not delivered, so reported missing', async () => {
      const { Aedes } = await import('aedes');
      const aedes = await Aedes.createBroker();
      const server = net.createServer(aedes.handle);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as net.AddressInfo).port;
      try {
        const conn = connection(`mqtt://127.0.0.1:${port}`, { selfTestTopic: 'lpr/_self-test' });
        conns.push(conn);
        conn.start();
        await new Promise((r) => conn.once('connect', r));
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(conn.capabilities.source, 'none', 'no self-test while no node needs one');
        // A node with a shared group arrives: the self-test runs on the live connection.
        const got = capabilitiesWhen(conn, (c) => c.source === 'self-test');
        conn.need('din', { sharedSubscriptions: true });
        const c = await got;
        assert.equal(c.sharedSubscriptions, false);
        assert.deepEqual(conn.missingFor('din').map((m) => m.feature), ['sharedSubscriptions']);
        assert.deepEqual(conn.missingFor('other'), []);
      } finally {
        for (const c of conns.splice(0)) await c.close();
        await new Promise<void>((resolve) => server.close(() => aedes.close(() => resolve())));
      }
    });
  });
});
