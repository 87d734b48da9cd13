/**
 * BrokerConnection against a real Mosquitto 2.0 on loopback (test/fixtures/mosquitto.ts), with a
 * plain MQTT.js client as the peer. Every wait is bounded; brokers that get restarted or killed live
 * in their own describe block so the other tests never see a broker going away.
 */
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import mqtt, { type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { BrokerConnection, type ConnectionOptions, type MessageHandler } from '../../src/runtime/broker-connection';
import { freePort, startMosquitto, type Mosquitto } from '../fixtures/mosquitto';

const LOG_SUBSCRIPTIONS = ['log_type subscribe', 'log_type unsubscribe'];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitFor(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

let counter = 0;
const uid = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

/** Collects what a handler receives (payload text), so tests can compare whole sequences. */
function collector(): { handler: MessageHandler; got: string[]; packets: IPublishPacket[] } {
  const got: string[] = [];
  const packets: IPublishPacket[] = [];
  return {
    got,
    packets,
    handler: (_topic, payload, packet) => {
      got.push(payload.toString());
      packets.push(packet);
    },
  };
}

/** Subscription / unsubscription lines Mosquitto logged for `clientId` and exactly `filter`. */
function brokerLog(broker: Mosquitto, clientId: string, filter: string): { subscribes: number; unsubscribes: number } {
  let subscribes = 0;
  let unsubscribes = 0;
  for (const line of broker.log().split('\n')) {
    const m = /^\d+: (\S+) (?:(\d) )?(\S+)$/.exec(line.trim());
    if (!m || m[1] !== clientId || m[3] !== filter) continue;
    if (m[2] !== undefined) subscribes++;
    else unsubscribes++;
  }
  return { subscribes, unsubscribes };
}

/** Opens connections and raw clients for one test and closes them all afterwards. */
class Harness {
  private readonly conns: BrokerConnection[] = [];
  private readonly raws: MqttClient[] = [];
  readonly children: ChildProcess[] = [];

  conn(url: string, overrides: Partial<ConnectionOptions> = {}): BrokerConnection {
    const conn = new BrokerConnection({
      url,
      protocolVersion: 4,
      clientId: uid('conn'),
      clean: true,
      sessionExpiry: 0,
      keepalive: 30,
      reconnectPeriodMs: 300,
      maxReconnectDelayMs: 2000,
      connectTimeoutMs: 3000,
      queueLimit: 1000,
      lingerMs: 0,
      ...overrides,
    });
    // An EventEmitter without an 'error' listener would throw; 'problem' is informational.
    conn.on('problem', () => {});
    this.conns.push(conn);
    return conn;
  }

  async started(url: string, overrides: Partial<ConnectionOptions> = {}): Promise<BrokerConnection> {
    const conn = this.conn(url, overrides);
    conn.start();
    await waitFor(() => conn.connected, `${conn.options.clientId} to connect`);
    return conn;
  }

  async raw(url: string, options: IClientOptions = {}): Promise<MqttClient> {
    const client = mqtt.connect(url, { clientId: uid('raw'), reconnectPeriod: 0, connectTimeout: 3000, ...options });
    this.raws.push(client);
    client.on('error', () => {});
    await within(new Promise<void>((resolve) => client.once('connect', () => resolve())), 5000, 'raw client connect');
    return client;
  }

  /** A raw subscriber on `filter`, collecting payloads (QoS 1 unless told otherwise). */
  async subscriber(url: string, filter: string, options: IClientOptions = {}): Promise<{ client: MqttClient; got: string[] }> {
    const client = await this.raw(url, options);
    const got: string[] = [];
    client.on('message', (_t, payload) => got.push(payload.toString()));
    await within(client.subscribeAsync(filter, { qos: 1 }), 5000, `raw subscribe ${filter}`);
    return { client, got };
  }

  async cleanup(): Promise<void> {
    for (const child of this.children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(this.conns.splice(0).map((c) => within(c.close(), 5000, 'close()').catch(() => {})));
    await Promise.all(this.raws.splice(0).map((c) => within(c.endAsync(true), 2000, 'raw end').catch(() => {})));
  }
}

async function publishAll(client: MqttClient, topic: string, payloads: string[], qos: 0 | 1 = 1): Promise<void> {
  for (const p of payloads) await within(client.publishAsync(topic, p, { qos }), 3000, `raw publish ${p}`);
}

/** Mosquitto's pid (the fixture does not expose its child), to SIGSTOP it. */
function brokerPid(broker: Mosquitto): number {
  const out = execFileSync('pgrep', ['-f', `${broker.dir}/mosquitto.conf`], { encoding: 'utf8' }).trim().split('\n');
  assert.equal(out.length, 1, `one mosquitto for ${broker.dir}: ${out.join(',')}`);
  return Number(out[0]);
}

describe('runtime/broker-connection (real Mosquitto)', function () {
  this.timeout(20_000);
  const h = new Harness();
  afterEach(() => h.cleanup());

  describe('with a steady broker', () => {
    let broker: Mosquitto;
    before(async () => {
      broker = await startMosquitto({ extraConfig: LOG_SUBSCRIPTIONS });
    });
    after(async () => {
      await broker?.stop();
    });

    for (const protocolVersion of [4, 5] as const) {
      describe(`MQTT ${protocolVersion === 4 ? '3.1.1' : '5'}`, () => {
        it('connects, reports its states and counts the connection', async () => {
          const conn = h.conn(broker.url, { protocolVersion });
          const states: string[] = [];
          const connects: boolean[] = [];
          conn.on('state', (s) => states.push(s));
          conn.on('connect', (sessionPresent) => connects.push(sessionPresent));
          assert.equal(conn.state, 'idle');
          conn.start();
          conn.start(); // idempotent
          await waitFor(() => conn.connected, 'connected');
          assert.deepEqual(states, ['connecting', 'connected']);
          assert.deepEqual(connects, [false]);
          assert.equal(conn.metrics.connectionsTotal, 1);
          assert.equal(conn.metrics.connectionsActive, 1);
          assert.equal(conn.metrics.connectionsFailed, 0);
          assert.equal(typeof conn.metrics.connectedSince, 'number');
        });

        it('shares one broker subscription between handlers on one filter, and unsubscribes when the last goes (linger 0)', async () => {
          const conn = await h.started(broker.url, { protocolVersion, lingerMs: 0 });
          const clientId = conn.options.clientId;
          const filter = `${uid('t')}/cameras/+/detection`;
          const topic = filter.replace('+', 'CAM1');
          const a = collector();
          const b = collector();
          const subscribed: string[] = [];
          conn.on('subscribed', (f) => subscribed.push(f));
          const offA = conn.subscribe(filter, 1, a.handler);
          const offB = conn.subscribe(filter, 1, b.handler);
          assert.equal(conn.subscriptionCount, 1);
          await waitFor(() => subscribed.includes(filter), 'SUBACK');
          // The sync topic tells us when the broker has delivered everything published before it.
          const sync = collector();
          conn.subscribe(`${filter}/sync`.replace('+', 's'), 1, sync.handler);
          const syncTopic = `${filter}/sync`.replace('+', 's');
          await waitFor(() => subscribed.includes(syncTopic), 'sync SUBACK');

          const pub = await h.raw(broker.url, { protocolVersion });
          await publishAll(pub, topic, ['m1', 'm2']);
          await waitFor(() => a.got.length >= 2 && b.got.length >= 2, 'm1, m2 at both handlers');
          await publishAll(pub, syncTopic, ['s1']);
          await waitFor(() => sync.got.length === 1, 's1');
          assert.deepEqual(a.got, ['m1', 'm2'], 'each handler once per publish');
          assert.deepEqual(b.got, ['m1', 'm2']);
          assert.deepEqual(brokerLog(broker, clientId, filter), { subscribes: 1, unsubscribes: 0 }, 'one SUBSCRIBE at the broker');

          // Removing one handler keeps delivery to the other, without touching the broker.
          offA();
          offA(); // idempotent
          assert.equal(conn.subscriptionCount, 2, 'the filter and the sync topic');
          await publishAll(pub, topic, ['m3']);
          await publishAll(pub, syncTopic, ['s2']);
          await waitFor(() => sync.got.length === 2, 's2');
          assert.deepEqual(a.got, ['m1', 'm2']);
          assert.deepEqual(b.got, ['m1', 'm2', 'm3']);
          assert.deepEqual(brokerLog(broker, clientId, filter), { subscribes: 1, unsubscribes: 0 });

          // Removing the last one unsubscribes at once (linger 0).
          offB();
          assert.equal(conn.subscriptionCount, 1, 'only the sync subscription is left');
          // A QoS 1 publish behind the UNSUBSCRIBE: once it is acknowledged the broker has processed both.
          await within(conn.publish(uid('barrier'), 'x', { qos: 1 }), 3000, 'barrier');
          await waitFor(() => brokerLog(broker, clientId, filter).unsubscribes === 1, 'UNSUBSCRIBE in the broker log');
          const received = conn.metrics.messagesReceived;
          await publishAll(pub, topic, ['m4']);
          await publishAll(pub, syncTopic, ['s3']);
          await waitFor(() => sync.got.length === 3, 's3');
          assert.equal(conn.metrics.messagesReceived, received + 1, 'only s3 reached us: m4 was not delivered');
          conn.deliverOrphans();
          assert.equal(conn.metrics.messagesDropped, 0);
          assert.deepEqual(b.got, ['m1', 'm2', 'm3']);
        });

        it('a backlog of 1,000 (QoS 1, persistent session) comes in turns of at most 100 messages, all of them, in order, each acknowledged', async function () {
          this.timeout(30_000);
          // Left alone MQTT.js handled a backlog in a few turns of the event loop (2,300 messages
          // per turn in the drain bench): all alive at once before Node-RED delivers any. (QoS 2 comes
          // 20 at a time: Mosquitto's max_inflight_messages.)
          const qos = 1;
          const clientId = uid('backlog');
          const topic = `${uid('t')}/backlog`;
          const session = await h.raw(broker.url, { protocolVersion, clientId, clean: false, ...(protocolVersion === 5 ? { properties: { sessionExpiryInterval: 300 } } : {}) });
          await within(session.subscribeAsync(topic, { qos }), 5000, 'session subscribe');
          await within(session.endAsync(), 5000, 'session end');
          const pub = await h.raw(broker.url, { protocolVersion });
          const sent = Array.from({ length: 1000 }, (_, i) => `b${i}`);
          await Promise.all(sent.map((p) => pub.publishAsync(topic, p, { qos })));

          const got: string[] = [];
          const turns: number[] = [];
          let inTurn = 0;
          const conn = h.conn(broker.url, { protocolVersion, clientId, clean: false, sessionExpiry: 300 });
          conn.subscribe(topic, qos, (_t, payload) => {
            got.push(payload.toString());
            if (inTurn++ === 0)
              setImmediate(() => {
                turns.push(inTurn);
                inTurn = 0;
              });
          });
          conn.start();
          await waitFor(() => got.length >= 1000, '1,000 messages', 20_000);
          await sleep(200);
          assert.deepEqual(got, sent, 'all of them, once, in order');
          assert.ok(Math.max(...turns) <= 100, `at most 100 per turn, got ${Math.max(...turns)} (turns: ${turns.length})`);
          await within(conn.close(), 5000, 'close');
          // Each was acknowledged: the session holds none of them for a new connection (listened to
          // before it connects, so nothing resent right after the CONNACK goes unseen).
          const again = mqtt.connect(broker.url, { protocolVersion, clientId, clean: false, reconnectPeriod: 0 });
          const redelivered: string[] = [];
          again.on('message', (_t, payload) => redelivered.push(payload.toString()));
          again.on('error', () => {});
          await within(new Promise<void>((resolve) => again.once('connect', () => resolve())), 5000, 'again connect');
          await sleep(500);
          await within(again.endAsync(true), 2000, 'again end');
          assert.deepEqual(redelivered, []);
        });

        it('holds messages that match no handler as orphans: delivered by deliverOrphans(), dropped by limit, ttl or no taker', async () => {
          const conn = await h.started(broker.url, { protocolVersion, lingerMs: 10_000, orphanLimit: 3, orphanTtlMs: 300 });
          const filter = `${uid('o')}/#`;
          const topic = filter.replace('#', 'x');
          const subscribed: string[] = [];
          conn.on('subscribed', (f) => subscribed.push(f));
          const first = collector();
          const off = conn.subscribe(filter, 1, first.handler);
          await waitFor(() => subscribed.includes(filter), 'SUBACK');
          off(); // lingers: still subscribed at the broker, no handler
          const pub = await h.raw(broker.url, { protocolVersion });
          const base = conn.metrics.messagesReceived;

          await publishAll(pub, topic, ['o1', 'o2']);
          await waitFor(() => conn.metrics.messagesReceived === base + 2, 'o1, o2 received');
          assert.equal(conn.metrics.messagesDropped, 0, 'held, not dropped');
          conn.deliverOrphans();
          assert.equal(conn.metrics.messagesDropped, 2, 'no handler took them');

          await publishAll(pub, topic, ['o3', 'o4', 'o5', 'o6']);
          await waitFor(() => conn.metrics.messagesReceived === base + 6, 'o3-o6 received');
          assert.equal(conn.metrics.messagesDropped, 3, 'orphanLimit 3: the oldest (o3) was dropped');
          const late = collector();
          const offLate = conn.subscribe(filter, 1, late.handler);
          conn.deliverOrphans();
          assert.deepEqual(late.got, ['o4', 'o5', 'o6']);
          conn.deliverOrphans();
          assert.deepEqual(late.got, ['o4', 'o5', 'o6'], 'delivered once');
          assert.equal(conn.metrics.messagesDropped, 3);

          offLate();
          await publishAll(pub, topic, ['o7']);
          await waitFor(() => conn.metrics.messagesReceived === base + 7, 'o7 received');
          await sleep(400); // past orphanTtlMs
          const tooLate = collector();
          conn.subscribe(filter, 1, tooLate.handler);
          conn.deliverOrphans();
          assert.deepEqual(tooLate.got, [], 'expired orphans are not delivered');
          assert.equal(conn.metrics.messagesDropped, 4);
          assert.deepEqual(first.got, []);
        });

        it('remove + re-add within the linger loses and duplicates nothing', async () => {
          const conn = await h.started(broker.url, { protocolVersion, lingerMs: 800 });
          const clientId = conn.options.clientId;
          const filter = `${uid('l')}/cameras/+/detection`;
          const topic = filter.replace('+', 'CAM1');
          const subscribed: string[] = [];
          conn.on('subscribed', (f) => subscribed.push(f));
          const oldNode = collector();
          const offOld = conn.subscribe(filter, 1, oldNode.handler);
          await waitFor(() => subscribed.includes(filter), 'SUBACK');
          const pub = await h.raw(broker.url, { protocolVersion });
          await publishAll(pub, topic, ['a1']);
          await waitFor(() => oldNode.got.length === 1, 'a1');

          // Redeploy: the old node goes, messages arrive, the new node comes.
          offOld();
          const base = conn.metrics.messagesReceived;
          await publishAll(pub, topic, ['b1', 'b2']);
          await waitFor(() => conn.metrics.messagesReceived === base + 2, 'b1, b2 received while no node listens');
          const newNode = collector();
          conn.subscribe(filter, 1, newNode.handler);
          conn.deliverOrphans(); // what the adapter does once the flows have started
          await publishAll(pub, topic, ['b3']);
          await waitFor(() => newNode.got.length >= 3, 'b3');
          // Past the linger: the subscription was kept (it has a handler again).
          await sleep(900);
          await publishAll(pub, topic, ['b4']);
          await waitFor(() => newNode.got.length >= 4, 'b4');
          await sleep(50);

          assert.deepEqual(oldNode.got, ['a1']);
          assert.deepEqual(newNode.got, ['b1', 'b2', 'b3', 'b4'], 'nothing lost, nothing twice, in order');
          assert.equal(conn.metrics.messagesDropped, 0);
          assert.deepEqual(brokerLog(broker, clientId, filter), { subscribes: 1, unsubscribes: 0 }, 'the broker subscription was kept');
        });

        it('delivers overlapping filters exactly once per handler per publish', async () => {
          const conn = await h.started(broker.url, { protocolVersion });
          const root = uid('root');
          const subscribed: string[] = [];
          conn.on('subscribed', (f) => subscribed.push(f));
          const all = collector();
          const one = collector();
          const also = collector();
          conn.subscribe(`${root}/cameras/+/detection`, 1, all.handler);
          conn.subscribe(`${root}/cameras/CAM1/detection`, 1, one.handler);
          conn.subscribe(`${root}/#`, 0, also.handler);
          await waitFor(() => subscribed.length === 3, 'three SUBACKs');
          const pub = await h.raw(broker.url, { protocolVersion });
          await publishAll(pub, `${root}/cameras/CAM1/detection`, ['p1']);
          await publishAll(pub, `${root}/cameras/CAM2/detection`, ['p2']);
          await publishAll(pub, `${root}/cameras/CAM1/detection`, ['p3']);
          await publishAll(pub, `${root}/end`, ['end']);
          await waitFor(() => also.got.includes('end'), 'end marker');
          await sleep(50);
          assert.deepEqual(all.got, ['p1', 'p2', 'p3']);
          assert.deepEqual(one.got, ['p1', 'p3']);
          assert.deepEqual(also.got, ['p1', 'p2', 'p3', 'end']);
          if (protocolVersion === 5) {
            for (const packet of [...all.packets, ...one.packets]) {
              assert.notEqual(packet.properties?.subscriptionIdentifier, undefined, 'routed by subscription identifier');
            }
          }
        });

        it('holds per subscriber: an owner released with keep gets what arrived while it was away, in order, once, before live ones', async () => {
          const conn = await h.started(broker.url, { protocolVersion, lingerMs: 10_000, orphanTtlMs: 10_000 });
          const filter = `${uid('k')}/cameras/+/detection`;
          const topic = filter.replace('+', 'CAM1');
          const subscribed: string[] = [];
          conn.on('subscribed', (f) => subscribed.push(f));
          const a = collector();
          const b = collector();
          const offA = conn.subscribe(filter, 1, a.handler, { owner: 'node-a' });
          conn.subscribe(filter, 1, b.handler, { owner: 'node-b' });
          await waitFor(() => subscribed.includes(filter), 'SUBACK');
          const pub = await h.raw(broker.url, { protocolVersion });
          await publishAll(pub, topic, ['m0']);
          await waitFor(() => a.got.length === 1 && b.got.length === 1, 'm0 at both');

          // node-a is redeployed: it goes (keep), N messages arrive that node-b takes (and acks) live.
          offA({ keep: true });
          const N = 40;
          const away = Array.from({ length: N }, (_, i) => `k${i}`);
          await publishAll(pub, topic, away);
          await waitFor(() => b.got.length === N + 1, 'node-b got them live');
          // node-a comes back; a message arriving before the flows have started queues behind the held ones.
          const a2 = collector();
          conn.subscribe(filter, 1, a2.handler, { owner: 'node-a' });
          await publishAll(pub, topic, ['after1']);
          await waitFor(() => b.got.length === N + 2, 'after1 at node-b');
          assert.deepEqual(a2.got, [], 'nothing before the flows have started');
          conn.deliverOrphans(); // flows:started
          assert.deepEqual(a2.got, [...away, 'after1'], 'all N, in order, then the live one');
          conn.deliverOrphans();
          await publishAll(pub, topic, ['after2']);
          await waitFor(() => a2.got.length === N + 2 && b.got.length === N + 3, 'after2 live at both');
          await sleep(50);
          assert.deepEqual(a2.got, [...away, 'after1', 'after2'], 'exactly once');
          assert.deepEqual(a.got, ['m0']);
          assert.deepEqual(b.got, ['m0', ...away, 'after1', 'after2']);
          assert.equal(conn.metrics.messagesDropped, 0);
        });

        it('an owner that does not come back within the hold time: its messages are dropped, counted and reported by filter', async () => {
          const conn = await h.started(broker.url, { protocolVersion, lingerMs: 10_000, orphanTtlMs: 300 });
          const filter = `${uid('g')}/cameras/+/detection`;
          const topic = filter.replace('+', 'CAM1');
          const subscribed: string[] = [];
          conn.on('subscribed', (f) => subscribed.push(f));
          const dropped: Array<{ count: number; filter: string | null; owner: string | null }> = [];
          conn.on('dropped', (count: number, f: string | null, owner: string | null) => dropped.push({ count, filter: f, owner }));
          const b = collector();
          const offA = conn.subscribe(filter, 1, () => {}, { owner: 'gone' });
          const offRemoved = conn.subscribe(filter, 1, () => {}, { owner: 'removed' });
          conn.subscribe(filter, 1, b.handler, { owner: 'stays' });
          await waitFor(() => subscribed.includes(filter), 'SUBACK');
          offA({ keep: true });
          offRemoved({ keep: false }); // deleted for good: nothing is kept for it
          const pub = await h.raw(broker.url, { protocolVersion });
          await publishAll(pub, topic, ['g1', 'g2', 'g3']);
          await waitFor(() => b.got.length === 3, 'live at the other');
          assert.equal(conn.metrics.messagesDropped, 0, 'held while within the hold time');
          await waitFor(() => conn.metrics.messagesDropped === 3, 'dropped at the end of the hold time', 3000);
          assert.deepEqual(dropped, [{ count: 3, filter, owner: 'gone' }]);
          // Coming back later is a fresh start: nothing old, live messages as usual.
          const late = collector();
          conn.subscribe(filter, 1, late.handler, { owner: 'gone' });
          conn.deliverOrphans();
          await publishAll(pub, topic, ['g4']);
          await waitFor(() => late.got.length === 1, 'g4');
          assert.deepEqual(late.got, ['g4']);
          assert.equal(conn.metrics.messagesDropped, 3);
        });

        it('an owner that comes back on another filter gets what it held that the new filter matches', async () => {
          const conn = await h.started(broker.url, { protocolVersion, lingerMs: 10_000, orphanTtlMs: 10_000 });
          const root = uid('f');
          const all = `${root}/cameras/+/detection`;
          const subscribed: string[] = [];
          conn.on('subscribed', (f) => subscribed.push(f));
          const keepAlive = collector();
          conn.subscribe(all, 1, keepAlive.handler, { owner: 'other' });
          const off = conn.subscribe(all, 1, () => {}, { owner: 'node' });
          await waitFor(() => subscribed.includes(all), 'SUBACK');
          off({ keep: true });
          const pub = await h.raw(broker.url, { protocolVersion });
          await publishAll(pub, `${root}/cameras/CAM1/detection`, ['c1']);
          await publishAll(pub, `${root}/cameras/CAM2/detection`, ['c2']);
          await waitFor(() => keepAlive.got.length === 2, 'c1, c2 received');
          // Redeployed with camera CAM1 only.
          const one = collector();
          conn.subscribe(`${root}/cameras/CAM1/detection`, 1, one.handler, { owner: 'node' });
          conn.deliverOrphans();
          assert.deepEqual(one.got, ['c1']);
          assert.equal(conn.metrics.messagesDropped, 1, 'c2 is no longer its: counted, not delivered');
          // The old filter keeps nothing for it any more: no late copy.
          await waitFor(() => subscribed.includes(`${root}/cameras/CAM1/detection`), 'SUBACK of the new filter');
          await publishAll(pub, `${root}/cameras/CAM1/detection`, ['c3']);
          await waitFor(() => one.got.length === 2 && keepAlive.got.length === 3, 'c3');
          await sleep(50);
          assert.deepEqual(one.got, ['c1', 'c3']);
        });

        it('a handler that throws does not stop delivery to the other handlers', async () => {
          const conn = await h.started(broker.url, { protocolVersion });
          const filter = `${uid('e')}/+`;
          const problems: string[] = [];
          conn.on('problem', (_err: Error, type: string) => problems.push(type));
          const subscribed: string[] = [];
          conn.on('subscribed', (f) => subscribed.push(f));
          const before = collector();
          const after = collector();
          const other = collector();
          conn.subscribe(filter, 1, before.handler);
          conn.subscribe(filter, 1, () => {
            throw new Error('flow bug');
          });
          conn.subscribe(filter, 1, after.handler);
          conn.subscribe(filter.replace('+', '#'), 1, other.handler);
          assert.equal(conn.subscriptionCount, 2);
          await waitFor(() => subscribed.length === 2, 'SUBACKs');
          const pub = await h.raw(broker.url, { protocolVersion });
          await publishAll(pub, filter.replace('+', 'x'), ['h1', 'h2']);
          await waitFor(() => other.got.length === 2 && after.got.length === 2, 'h1, h2');
          assert.deepEqual(before.got, ['h1', 'h2']);
          assert.deepEqual(after.got, ['h1', 'h2']);
          assert.deepEqual(other.got, ['h1', 'h2']);
          assert.equal(conn.metrics.errorsByType.handler, 2);
          assert.deepEqual(problems, ['handler', 'handler']);
          assert.equal(conn.metrics.lastError, 'flow bug');
          assert.ok(conn.connected);
        });
      });
    }

    it('close() publishes the goodbye (not the will), ends with no open socket, and refuses later publishes', async () => {
      const topic = `${uid('x')}/system/status`;
      const conn = h.conn(broker.url, {
        will: { topic, payload: JSON.stringify({ status: 'offline', via: 'will' }), qos: 1, retain: true },
        birth: () => ({ topic, payload: JSON.stringify({ status: 'online', via: 'birth' }), qos: 1, retain: true }),
        goodbye: () => ({ topic, payload: JSON.stringify({ status: 'offline', via: 'goodbye' }), qos: 1, retain: true }),
      });
      conn.start();
      await waitFor(() => conn.connected, 'connected');
      const watcher = await h.subscriber(broker.url, topic);
      await waitFor(() => watcher.got.length === 1, 'retained birth');
      assert.deepEqual(JSON.parse(watcher.got[0]!), { status: 'online', via: 'birth' });

      const states: string[] = [];
      conn.on('state', (s) => states.push(s));
      await within(conn.close(), 5000, 'close()');
      await waitFor(() => watcher.got.length === 2, 'goodbye');
      assert.deepEqual(JSON.parse(watcher.got[1]!), { status: 'offline', via: 'goodbye' });
      assert.deepEqual(states, ['closed']);
      assert.equal(conn.state, 'closed');
      assert.equal(conn.metrics.connectionsActive, 0);
      const client = (conn as unknown as { client: MqttClient }).client;
      assert.equal(client.connected, false);
      assert.equal((client.stream as unknown as { destroyed: boolean }).destroyed, true, 'socket closed');
      await waitFor(() => broker.log().includes(`Client ${conn.options.clientId} disconnected.`), 'graceful DISCONNECT at the broker');

      await assert.rejects(conn.publish(topic, 'late', { qos: 1 }), /closed/);
      assert.equal(conn.metrics.messagesFailed, 1);
      await within(conn.close(), 1000, 'second close()');
      await sleep(200);
      assert.equal(watcher.got.length, 2, 'no will after a deliberate close');
      // The retained status is the goodbye.
      const late = await h.subscriber(broker.url, topic);
      await waitFor(() => late.got.length === 1, 'retained status');
      assert.equal(JSON.parse(late.got[0]!).via, 'goodbye');
    });

    it('birth on connect; the will when the process dies (SIGKILL of a child holding the connection)', async () => {
      const topic = `${uid('x')}/system/status`;
      const clientId = uid('will-child');
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'will-client.ts'), broker.url, clientId, topic], {
        stdio: ['ignore', 'pipe', 'pipe'],
        cwd: path.join(__dirname, '..', '..'),
      });
      h.children.push(child);
      let out = '';
      child.stdout?.on('data', (d) => (out += d));
      child.stderr?.on('data', (d) => (out += d));
      await waitFor(() => out.includes('connected') || child.exitCode !== null, 'child connected', 15_000);
      assert.ok(out.includes('connected'), out);

      const watcher = await h.subscriber(broker.url, topic);
      await waitFor(() => watcher.got.length === 1, 'retained birth');
      assert.deepEqual(JSON.parse(watcher.got[0]!), { status: 'online', via: 'birth' });

      child.kill('SIGKILL');
      await waitFor(() => watcher.got.length === 2, 'will', 5000);
      assert.deepEqual(JSON.parse(watcher.got[1]!), { status: 'offline', via: 'will' });
      const late = await h.subscriber(broker.url, topic);
      await waitFor(() => late.got.length === 1, 'retained will');
      assert.equal(JSON.parse(late.got[0]!).via, 'will');
    });
  });

  describe('without a broker', () => {
    it('bounds the offline queue: the oldest is rejected with a clear error and counted', async () => {
      const port = await freePort();
      const conn = h.conn(`mqtt://127.0.0.1:${port}`, { queueLimit: 3, reconnectPeriodMs: 100, maxReconnectDelayMs: 200 });
      conn.start();
      const outcomes: string[] = [];
      const sends = ['q1', 'q2', 'q3', 'q4', 'q5'].map((p) =>
        conn.publish('t/q', p, { qos: 1 }).then(
          () => outcomes.push(`${p} sent`),
          (err: Error) => outcomes.push(`${p} ${err.message}`),
        ),
      );
      await sleep(0);
      assert.deepEqual(outcomes, ['q1 offline queue full (3): oldest message dropped', 'q2 offline queue full (3): oldest message dropped']);
      assert.equal(conn.metrics.messagesFailed, 2);
      assert.equal(conn.queueSize, 3);
      await waitFor(() => conn.metrics.connectionsFailed >= 2, 'failed connection attempts');
      assert.equal(conn.metrics.connectionsTotal, 0);
      assert.ok((conn.metrics.errorsByType.ECONNREFUSED ?? 0) >= 1, JSON.stringify(conn.metrics.errorsByType));
      assert.ok(conn.state === 'disconnected' || conn.state === 'connecting');

      await within(conn.close(), 5000, 'close()');
      await within(Promise.all(sends), 1000, 'all settled');
      assert.deepEqual(outcomes.slice(2), [
        'q3 connection closed before the message could be sent',
        'q4 connection closed before the message could be sent',
        'q5 connection closed before the message could be sent',
      ]);
      assert.equal(conn.metrics.messagesFailed, 5);
      assert.equal(conn.queueSize, 0);
    });

    it('publishNoWait: the same offline queue; what it drops goes to the error handler, with its topic and payload', async () => {
      const port = await freePort();
      const conn = h.conn(`mqtt://127.0.0.1:${port}`, { queueLimit: 2, reconnectPeriodMs: 100, maxReconnectDelayMs: 200 });
      conn.start();
      const errors: string[] = [];
      const onError = (err: Error, topic: string, payload: string | Buffer) => errors.push(`${topic} ${String(payload)}: ${err.message}`);
      for (const p of ['n1', 'n2', 'n3']) conn.publishNoWait('t/n', p, { qos: 1 }, onError);
      // Without a handler nothing is reported, and nothing is thrown.
      conn.publishNoWait('t/n', 'n4', { qos: 1 });
      assert.deepEqual(errors, ['t/n n1: offline queue full (2): oldest message dropped', 't/n n2: offline queue full (2): oldest message dropped']);
      assert.equal(conn.queueSize, 2);
      await within(conn.close(), 5000, 'close()');
      assert.deepEqual(errors.slice(2), ['t/n n3: connection closed before the message could be sent']);
      conn.publishNoWait('t/n', 'n5', { qos: 1 }, onError);
      assert.equal(errors.at(-1), 't/n n5: connection is closed');
      assert.equal(conn.metrics.messagesFailed, 5);
    });

    it('queueLimit 0 refuses publishes while disconnected', async () => {
      const port = await freePort();
      const conn = h.conn(`mqtt://127.0.0.1:${port}`, { queueLimit: 0 });
      conn.start();
      await assert.rejects(conn.publish('t/q', 'x', { qos: 1 }), /queueLimit 0/);
      assert.equal(conn.metrics.messagesFailed, 1);
    });
  });

  describe('across broker restarts', () => {
    let broker: Mosquitto;
    before(async () => {
      broker = await startMosquitto({ extraConfig: LOG_SUBSCRIPTIONS });
    });
    after(async () => {
      await broker?.stop();
    });
    afterEach(async () => {
      // A test that failed half-way may leave the broker stopped or down.
      try {
        process.kill(brokerPid(broker), 'SIGCONT');
      } catch {
        await broker.start().catch(() => {});
      }
    });

    it('offline queue: publishes made while the broker is down arrive after it returns, all of them, in order', async () => {
      const conn = await h.started(broker.url, { reconnectPeriodMs: 1500, maxReconnectDelayMs: 1500 });
      const topic = `${uid('q')}/cameras/CAM1/detection`;
      await broker.kill();
      await waitFor(() => conn.state === 'disconnected', 'disconnected');
      const payloads = Array.from({ length: 20 }, (_, i) => `q${i + 1}`);
      const sent = Promise.all(payloads.map((p) => conn.publish(topic, p, { qos: 1 })));
      assert.equal(conn.queueSize, 20);
      await broker.start();
      // Subscribe before our connection comes back (its first retry is at least 750 ms away).
      const watcher = await h.subscriber(broker.url, topic);
      assert.notEqual(conn.state, 'connected', 'the watcher subscribed before the queue was flushed');
      await within(sent, 8000, 'queued publishes acknowledged');
      await waitFor(() => watcher.got.length >= 20, 'all 20 at the watcher');
      await sleep(50);
      assert.deepEqual(watcher.got, payloads);
      assert.equal(conn.queueSize, 0);
      assert.equal(conn.metrics.connectionsTotal, 2);
      assert.equal(conn.metrics.messagesSent, 20);
      assert.equal(conn.metrics.messagesFailed, 0);
    });

    it('publishNoWait and publish share one order: queued while the broker is down, all arrive in order, no error reported', async () => {
      const conn = await h.started(broker.url, { reconnectPeriodMs: 1500, maxReconnectDelayMs: 1500 });
      const topic = `${uid('q')}/cameras/CAM1/detection/ack`;
      await broker.kill();
      await waitFor(() => conn.state === 'disconnected', 'disconnected');
      const errors: Error[] = [];
      const payloads = Array.from({ length: 20 }, (_, i) => `a${i + 1}`);
      const waited: Promise<void>[] = [];
      payloads.forEach((p, i) => (i % 2 ? waited.push(conn.publish(topic, p, { qos: 1 })) : conn.publishNoWait(topic, p, { qos: 1 }, (err) => errors.push(err))));
      assert.equal(conn.queueSize, 20);
      await broker.start();
      const watcher = await h.subscriber(broker.url, topic);
      await within(Promise.all(waited), 8000, 'queued publishes acknowledged');
      await waitFor(() => watcher.got.length >= 20 && conn.queueSize === 0, 'all 20 at the watcher, none in flight');
      await sleep(50);
      assert.deepEqual(watcher.got, payloads);
      assert.deepEqual(errors, []);
      assert.equal(conn.metrics.messagesSent, 20);
    });

    it('queue overflow while the broker is down: the newest queueLimit arrive, the oldest are rejected', async () => {
      const conn = await h.started(broker.url, { reconnectPeriodMs: 1500, maxReconnectDelayMs: 1500, queueLimit: 3 });
      const topic = `${uid('q')}/overflow`;
      await broker.kill();
      await waitFor(() => conn.state === 'disconnected', 'disconnected');
      const publishes = ['a', 'b', 'c', 'd', 'e'].map((p) => conn.publish(topic, p, { qos: 1 }));
      await assert.rejects(publishes[0]!, /offline queue full \(3\): oldest message dropped/);
      await assert.rejects(publishes[1]!, /offline queue full \(3\)/);
      assert.equal(conn.metrics.messagesFailed, 2);
      await broker.start();
      const watcher = await h.subscriber(broker.url, topic);
      assert.notEqual(conn.state, 'connected');
      await within(Promise.all(publishes.slice(2)), 8000, 'the queued three acknowledged');
      await waitFor(() => watcher.got.length >= 3, 'three at the watcher');
      await sleep(50);
      assert.deepEqual(watcher.got, ['c', 'd', 'e']);
      assert.equal(conn.metrics.messagesFailed, 2);
    });

    for (const clean of [false, true]) {
      it(`resends QoS 1 publishes in flight when the broker dies, in order (${clean ? 'clean' : 'persistent'} session)`, async () => {
        const conn = await h.started(broker.url, { clean, sessionExpiry: 300, reconnectPeriodMs: 1500, maxReconnectDelayMs: 1500 });
        const topic = `${uid('f')}/inflight`;
        // A frozen broker accepts the bytes but never acknowledges: the publishes are in flight.
        process.kill(brokerPid(broker), 'SIGSTOP');
        const payloads = ['i1', 'i2', 'i3', 'i4', 'i5'];
        const sent = Promise.all(payloads.map((p) => conn.publish(topic, p, { qos: 1 })));
        assert.equal(conn.connected, true);
        await sleep(100);
        assert.equal(conn.queueSize, 5, 'handed to MQTT.js, not acknowledged');
        await broker.kill();
        await waitFor(() => conn.state === 'disconnected', 'disconnected');
        await broker.start();
        const watcher = await h.subscriber(broker.url, topic);
        assert.notEqual(conn.state, 'connected');
        await within(sent, 8000, 'in-flight publishes acknowledged after the reconnect');
        await waitFor(() => watcher.got.length >= 5, 'all five at the watcher');
        await sleep(50);
        assert.deepEqual(watcher.got, payloads);
        assert.equal(conn.queueSize, 0);
      });
    }

    it('resends in order after a keepalive timeout (MQTT.js flushes the callbacks of a clean session)', async () => {
      const conn = await h.started(broker.url, { clean: true, keepalive: 1, reconnectPeriodMs: 1500, maxReconnectDelayMs: 1500 });
      const topic = `${uid('k')}/inflight`;
      process.kill(brokerPid(broker), 'SIGSTOP');
      const payloads = ['k1', 'k2', 'k3', 'k4', 'k5'];
      const sent = Promise.all(payloads.map((p) => conn.publish(topic, p, { qos: 1 })));
      await waitFor(() => conn.state === 'disconnected', 'keepalive timeout', 6000);
      // SIGKILL drops whatever the frozen broker had buffered: only the resent copies can arrive.
      await broker.kill();
      await broker.start();
      const watcher = await h.subscriber(broker.url, topic);
      assert.notEqual(conn.state, 'connected');
      await within(sent, 8000, 'publishes acknowledged after the reconnect');
      await waitFor(() => watcher.got.length >= 5, 'all five at the watcher');
      await sleep(50);
      assert.deepEqual(watcher.got, payloads);
    });

    it('close() does not leave the socket open when the broker never acknowledges', async () => {
      const conn = await h.started(broker.url, { clean: false, sessionExpiry: 300, keepalive: 30 });
      process.kill(brokerPid(broker), 'SIGSTOP');
      const pending = conn.publish(`${uid('c')}/stuck`, 'x', { qos: 1 }).then(
        () => 'sent',
        (err: Error) => err.message,
      );
      await sleep(50);
      const started = Date.now();
      await within(conn.close(), 6000, 'close()');
      assert.ok(Date.now() - started < 5000);
      const client = (conn as unknown as { client: MqttClient }).client;
      assert.equal((client.stream as unknown as { destroyed: boolean }).destroyed, true, 'socket closed');
      assert.equal(conn.metrics.connectionsActive, 0);
      assert.match(await within(pending, 1000, 'the publish settles'), /closed/);
      process.kill(brokerPid(broker), 'SIGCONT');
    });

    it('a subscription removed while the link is down is unsubscribed on reconnect (persistent session)', async () => {
      const conn = await h.started(broker.url, { clean: false, sessionExpiry: 300, reconnectPeriodMs: 400, lingerMs: 0 });
      const root = uid('leak');
      const subscribed: string[] = [];
      conn.on('subscribed', (f) => subscribed.push(f));
      const sessions: boolean[] = [];
      conn.on('connect', (present) => sessions.push(present));
      const gone = collector();
      const off = conn.subscribe(`${root}/old/#`, 1, gone.handler);
      const sync = collector();
      conn.subscribe(`${root}/sync`, 1, sync.handler);
      await waitFor(() => subscribed.length === 2, 'SUBACKs');
      // The link falls, the broker (and the session with the subscription) stays.
      (conn as unknown as { client: MqttClient }).client.stream.destroy();
      await waitFor(() => !conn.connected, 'link down');
      off(); // e.g. a redeploy removed the node meanwhile
      await waitFor(() => conn.connected && conn.metrics.connectionsTotal === 2, 'reconnected', 6000);
      assert.deepEqual(sessions, [true], 'the session was resumed');
      await within(conn.publish(`${root}/barrier`, 'x', { qos: 1 }), 3000, 'barrier');
      const received = conn.metrics.messagesReceived;
      const pub = await h.raw(broker.url);
      await publishAll(pub, `${root}/old/x`, ['stale']);
      await publishAll(pub, `${root}/sync`, ['s']);
      await waitFor(() => sync.got.length === 1, 'sync');
      conn.deliverOrphans();
      assert.equal(conn.metrics.messagesReceived, received + 1, 'nothing arrived for the removed filter');
      assert.equal(conn.metrics.messagesDropped, 0);
      assert.deepEqual(gone.got, []);
    });

    for (const clean of [true, false]) {
      it(`a birth the link took down unacknowledged is never sent again after the newer birth (${clean ? 'clean' : 'persistent'} session)`, async () => {
        const topic = `${uid('birth')}/system/status`;
        let births = 0;
        const conn = h.conn(broker.url, {
          clean,
          sessionExpiry: 300,
          reconnectPeriodMs: 300,
          birth: () => ({ topic, payload: JSON.stringify({ status: 'online', n: ++births }), qos: 1, retain: true }),
        });
        let connects = 0;
        conn.on('connect', () => {
          // The second connection falls right after its CONNACK: its birth is never acknowledged.
          if (++connects === 2) (conn as unknown as { client: MqttClient }).client.stream.destroy();
        });
        conn.start();
        await waitFor(() => connects === 1 && conn.queueSize === 0, 'first connection, birth acknowledged');
        (conn as unknown as { client: MqttClient }).client.stream.destroy();
        await waitFor(() => connects === 3 && conn.connected && conn.queueSize === 0, 'third connection, queue drained', 8000);
        await sleep(200);
        const watcher = await h.subscriber(broker.url, topic);
        await waitFor(() => watcher.got.length === 1, 'the retained status');
        assert.equal(births, 3);
        assert.deepEqual(JSON.parse(watcher.got[0]!), { status: 'online', n: 3 }, 'the retained status is the newest birth');
        await within(h.raw(broker.url).then((c) => c.publishAsync(topic, '', { qos: 1, retain: true })), 3000, 'clear');
      });
    }

    it('MQTT 5: a resubscribe on a resumed session asks for no retained copies (rh 1); a first subscribe gets the state (rh 0)', async () => {
      const clientId = uid('rh');
      const topic = `${uid('rh')}/cameras/CAM1/health`;
      const pub = await h.raw(broker.url);
      await within(pub.publishAsync(topic, 'state-1', { qos: 1, retain: true }), 3000, 'retained publish');
      try {
        const conn = await h.started(broker.url, { protocolVersion: 5, clientId, clean: false, sessionExpiry: 300, reconnectPeriodMs: 300 });
        const sessions: boolean[] = [];
        conn.on('connect', (present) => sessions.push(present));
        let subscribed = 0;
        conn.on('subscribed', () => subscribed++);
        const got = collector();
        conn.subscribe(topic, 1, got.handler);
        await waitFor(() => got.got.length === 1 && subscribed === 1, 'the retained state on the first subscribe');
        for (let drop = 1; drop <= 2; drop++) {
          (conn as unknown as { client: MqttClient }).client.stream.destroy();
          await waitFor(() => conn.metrics.connectionsTotal === 1 + drop && subscribed === 1 + drop, `reconnect ${drop} and resubscribe`, 6000);
        }
        await sleep(300);
        assert.deepEqual(sessions, [true, true], 'the session was resumed');
        assert.deepEqual(got.got, ['state-1'], 'no retained copy on the resubscribes');
        await within(pub.publishAsync(topic, 'state-2', { qos: 1, retain: true }), 3000, 'new state');
        await waitFor(() => got.got.length === 2, 'live news still arrives');
        await within(conn.close(), 5000, 'close');

        // A new connection object (a Node-RED restart) on the same session: its first subscribe gets the state.
        const again = await h.started(broker.url, { protocolVersion: 5, clientId, clean: false, sessionExpiry: 300 });
        const fresh = collector();
        again.subscribe(topic, 1, fresh.handler);
        await waitFor(() => fresh.got.length === 1, 'the retained state for the new node');
        assert.deepEqual(fresh.got, ['state-2']);
        assert.equal(fresh.packets[0]!.retain, true);
      } finally {
        await within(pub.publishAsync(topic, '', { qos: 1, retain: true }), 3000, 'clear retained');
      }
    });

    for (const protocolVersion of [4, 5] as const) {
      it(`restores subscriptions after a broker restart (MQTT ${protocolVersion}, persistent session)`, async () => {
        const conn = await h.started(broker.url, { protocolVersion, clean: false, sessionExpiry: 300 });
        const filter = `${uid('r')}/cameras/+/detection`;
        const got = collector();
        const subscribed: string[] = [];
        conn.on('subscribed', (f) => subscribed.push(f));
        conn.subscribe(filter, 1, got.handler);
        await waitFor(() => subscribed.length === 1, 'SUBACK');
        await broker.restart();
        await waitFor(() => conn.metrics.connectionsTotal === 2 && conn.connected, 'reconnected');
        await waitFor(() => subscribed.length === 2, 'resubscribed');
        const pub = await h.raw(broker.url, { protocolVersion });
        await publishAll(pub, filter.replace('+', 'CAM9'), ['after-restart']);
        await waitFor(() => got.got.length === 1, 'delivery after restart');
        assert.deepEqual(got.got, ['after-restart']);
      });
    }
  });
});
