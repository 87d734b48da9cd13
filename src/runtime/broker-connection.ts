/**
 * One MQTT.js client shared by every node of an `lpr-broker`, with what the core MQTT node lacks
 * (MQTT-PITFALLS.md): publishes made while disconnected are held in a bounded queue and sent on
 * reconnect; subscriptions are reference-counted, restored on every connect and kept for a short
 * linger so a redeploy neither drops nor duplicates them; messages that arrive for a node being
 * redeployed wait (bounded) for its new instance, even while other nodes on the same filter take
 * them live; reconnects back off with jitter; every failed connect is reported with its reason
 * ('connectFailed'). No Node-RED import: the node adapter in src/nodes is thin and this is testable alone.
 */
import { EventEmitter } from 'node:events';
import mqtt, { type IClientOptions, type IClientPublishOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { backoffDelay } from './backoff';
import { limitMessagesPerTurn } from './turn-limit';
import { capabilitiesFromConnack, missingFeatures, unknownCapabilities, type BrokerCapabilities, type BrokerNeeds, type MissingFeature } from './broker-capabilities';
import { BrokerSelfTest } from './broker-self-test';
import { Fifo } from './fifo';
import { stripShare, TopicFilter } from './topic-match';
import { SubscriptionIndex } from './subscription-index';

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'closed';
export type QoS = 0 | 1 | 2;

export interface FixedMessage {
  topic: string;
  payload: string;
  qos: QoS;
  retain: boolean;
}

export interface TlsOptions {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
  rejectUnauthorized?: boolean;
  servername?: string;
  alpnProtocol?: string;
}

export interface ConnectionOptions {
  url: string;
  protocolVersion: 4 | 5;
  clientId: string;
  clean: boolean;
  /** MQTT 5: seconds the broker keeps a persistent session (`clean: false` needs it, MQTT.js #1139). */
  sessionExpiry: number;
  keepalive: number;
  reconnectPeriodMs: number;
  maxReconnectDelayMs?: number;
  connectTimeoutMs: number;
  username?: string;
  password?: string;
  tls?: TlsOptions;
  will?: FixedMessage;
  /** Published on every connect (e.g. retained `online`). */
  birth?: () => FixedMessage;
  /** Published before a deliberate close, since a clean DISCONNECT does not fire the will. */
  goodbye?: () => FixedMessage;
  /** Publishes held while disconnected; beyond it the oldest is dropped and its promise rejected. */
  queueLimit: number;
  /** How long a subscription with no handlers is kept before it is unsubscribed (redeploys). */
  lingerMs?: number;
  /** Messages held for handlers that are about to (re)subscribe, at most this many ... */
  orphanLimit?: number;
  /** ... for at most this long (also how long an owner released with `keep` is waited for). */
  orphanTtlMs?: number;
  /**
   * Run the broker self-test (broker-self-test.ts) under this topic (for example `<root>/_self-test`)
   * once connected and a node needs what only it can tell: whether shared subscriptions and
   * retained wildcards work (see `need`).
   */
  selfTestTopic?: string;
}

export type MessageHandler = (topic: string, payload: Buffer, packet: IPublishPacket) => void;

export interface SubscribeOptions {
  /**
   * Who subscribes, stable across a redeploy (a Node-RED node id). What arrives while its owner is
   * released with `keep` is held for its next subscription, whoever else takes it meanwhile.
   */
  owner?: string;
}

export interface ReleaseOptions {
  /** The owner is coming back (a redeploy, not a removal): hold what arrives for it meanwhile. */
  keep?: boolean;
}

/** Removes a handler added by `subscribe`. */
export type Release = (options?: ReleaseOptions) => void;

export interface PublishOptions {
  qos: QoS;
  retain?: boolean;
  properties?: IClientPublishOptions['properties'];
}

export interface ConnectionMetrics {
  connectionsTotal: number;
  connectionsFailed: number;
  connectionsActive: number;
  messagesSent: number;
  messagesReceived: number;
  messagesFailed: number;
  /** Inbound messages held for a handler that did not come back in time, or that no handler took. */
  messagesDropped: number;
  errorsTotal: number;
  errorsByType: Record<string, number>;
  lastMessageReceived: number | null;
  lastError: string | null;
  connectedSince: number | null;
}

interface Handler {
  fn: MessageHandler;
  owner: string | null;
}

interface Subscription {
  filter: string;
  /** The filter, split once for matching. */
  matcher: TopicFilter;
  qos: QoS;
  id: number;
  handlers: Set<Handler>;
  /** Owners released with `keep` and not back yet, each with the timer that gives up on it. */
  away: Map<string, NodeJS.Timeout>;
  /** Granted by the broker on the current connection. */
  active: boolean;
  linger?: NodeJS.Timeout;
}

/**
 * How a publish's outcome is told: null once the broker has it, else why it was dropped. A promise
 * for publish(); for publishNoWait() the caller's error handler (or nothing), so an ack costs no
 * promise and no closure.
 */
type Settle = (err: Error | null, topic: string, payload: string | Buffer) => void;

/** Reports errors only, to a handler shared by every publish (publishNoWait). */
export type PublishErrorHandler = (err: Error, topic: string, payload: string | Buffer) => void;

interface Pending {
  topic: string;
  payload: string | Buffer;
  options: PublishOptions;
  settle: Settle;
  /** The current transmit (a number, not a token object: set once per send). */
  attempt: number;
  /** A birth: true of one connection only. Never sent again once the link fell (a newer one follows). */
  presence?: true;
  /** Publish order, to put the QoS 1 and QoS 2 window queues back in one order when the link falls. */
  seq: number;
}

/** An inbound message waiting for its handler: an owner being redeployed, or (owner null) whichever handler subscribes next. */
interface Held {
  topic: string;
  payload: Buffer;
  packet: IPublishPacket;
  at: number;
  owner: string | null;
  /** The subscription it came in on ('' when none took it). */
  filter: string;
}

const MAX_SUBSCRIPTION_ID = 268_435_455;

const MQTTJS_DEBUG = /mqttjs/.test(process.env.DEBUG ?? '');

/** Inbound messages handled per turn of the event loop before the next waits (turn-limit.ts). */
const MESSAGES_PER_TURN = 100;

/**
 * QoS 2 publishes awaiting PUBCOMP at once. Mosquitto accepts `max_inflight_messages` (default 20)
 * of them per client; past that an MQTT 3.1.1 client gets its PUBREC while the message is dropped
 * (measured on 2.0.11: 100 at once, 20 delivered), and MQTT.js does not hold back by itself.
 */
const QOS2_WINDOW = 10;

/**
 * QoS 1 publishes awaiting PUBACK at once. MQTT.js's packet ids are 16-bit: handed a reconnect
 * backlog of 100,000 at once it reuses ids and loses completions (MQTT-PITFALLS.md). 1,000 in flight
 * keeps a loopback or LAN link busy while staying far below the id space.
 */
const QOS1_WINDOW = 1000;

export class BrokerConnection extends EventEmitter {
  state: ConnectionState = 'idle';
  readonly metrics: ConnectionMetrics = {
    connectionsTotal: 0,
    connectionsFailed: 0,
    connectionsActive: 0,
    messagesSent: 0,
    messagesReceived: 0,
    messagesFailed: 0,
    messagesDropped: 0,
    errorsTotal: 0,
    errorsByType: {},
    lastMessageReceived: null,
    lastError: null,
    connectedSince: null,
  };

  private client: MqttClient | null = null;
  private readonly subs = new Map<string, Subscription>();
  /** Which subscriptions a topic is for (MQTT 3.1.1); reset whenever `subs` changes. */
  private readonly index = new SubscriptionIndex<Subscription>();
  private readonly subsById = new Map<number, Subscription>();
  private nextSubId = 1;
  private queue: Pending[] = [];
  private inFlight = 0;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  /** Held messages, in arrival order. */
  private held: Held[] = [];
  private holdTimer: NodeJS.Timeout | null = null;
  /** Owners back from a redeploy with messages still held for them: their live messages queue behind. */
  private readonly gated = new Set<string>();
  private connackSeen = false;
  /** The error the current connect attempt met before any CONNACK: the reason it failed. */
  private attemptError: Error | null = null;
  /** QoS 1/2 publishes handed to MQTT.js and not yet acknowledged, in send order (each with its `attempt`). */
  private readonly unacked = new Set<Pending>();
  private nextAttempt = 0;
  /** Where a publish that failed because the link fell goes back into the queue, so the order is kept. */
  private requeueAt = 0;
  /** Filters dropped while disconnected: a resumed persistent session still has them at the broker. */
  private readonly staleFilters = new Set<string>();
  /**
   * The in-flight windows, indexed by QoS (1 and 2): publishes holding a slot (handed to MQTT.js,
   * not yet acknowledged: exactly the QoS 1/2 entries of `unacked`), the most allowed, and those
   * waiting for a slot in publish order. `windowTotal` bounds QoS 1 and 2 together (MQTT 5 receive maximum).
   */
  private readonly slotsUsed = [0, 0, 0];
  private readonly windows = [Infinity, QOS1_WINDOW, QOS2_WINDOW];
  private readonly waiting = [new Fifo<Pending>(), new Fifo<Pending>(), new Fifo<Pending>()] as const;
  private windowTotal = Infinity;
  private nextSeq = 0;
  /** Subscriptions the broker has granted on this connection object: in a resumed session it still has them. */
  private readonly granted = new WeakSet<Subscription>();

  /** What the broker announced (MQTT 5) or the self-test found; see 'capabilities'. */
  capabilities: BrokerCapabilities;
  private selfTest: BrokerSelfTest | null = null;
  private readonly needs = new Map<string, BrokerNeeds>();
  private selfTested = false;

  constructor(readonly options: ConnectionOptions) {
    super();
    this.capabilities = unknownCapabilities(options.protocolVersion);
  }

  /**
   * Replaces the will, birth and goodbye (e.g. an edge camera's offline health instead of the
   * server's status). Only before the first connect: the will is part of CONNECT.
   */
  setPresence(presence: Pick<ConnectionOptions, 'will' | 'birth' | 'goodbye'>): void {
    if (this.client) throw new Error('the presence (will) can only be set before the connection starts');
    this.options.will = presence.will;
    this.options.birth = presence.birth;
    this.options.goodbye = presence.goodbye;
  }

  /** Publishes held (offline queue) plus those handed to MQTT.js and not yet acknowledged. */
  get queueSize(): number {
    return this.queue.length + this.waiting[1].length + this.waiting[2].length + this.inFlight;
  }

  get connected(): boolean {
    return this.state === 'connected';
  }

  get subscriptionCount(): number {
    return this.subs.size;
  }

  start(): void {
    if (this.client || this.state === 'closed') return;
    const o = this.options;
    const opts: IClientOptions = {
      protocolVersion: o.protocolVersion,
      clientId: o.clientId,
      clean: o.clean,
      keepalive: o.keepalive,
      connectTimeout: o.connectTimeoutMs,
      // We reconnect ourselves, with backoff and jitter.
      reconnectPeriod: 0,
      // We restore subscriptions ourselves, on every connect.
      resubscribe: false,
      // MQTT.js logs through `debug` several times per packet (~1-2 µs a message even when off);
      // a no-op unless DEBUG asks for MQTT.js's log.
      ...(MQTTJS_DEBUG ? {} : { log: noop }),
      ...(o.username ? { username: o.username } : {}),
      ...(o.password ? { password: o.password } : {}),
      ...(o.will ? { will: { ...o.will } } : {}),
      ...(o.protocolVersion === 5 && !o.clean ? { properties: { sessionExpiryInterval: o.sessionExpiry } } : {}),
      ...(o.tls
        ? {
            ca: o.tls.ca,
            cert: o.tls.cert,
            key: o.tls.key,
            passphrase: o.tls.passphrase,
            rejectUnauthorized: o.tls.rejectUnauthorized ?? true,
            servername: o.tls.servername,
            ...(o.tls.alpnProtocol ? { ALPNProtocols: [o.tls.alpnProtocol] } : {}),
          }
        : {}),
    };
    this.setState('connecting');
    const client = mqtt.connect(o.url, opts);
    this.client = client;
    client.on('connect', (connack) => {
      // MQTT 5: the broker says how many QoS 1/2 messages it takes in flight; never go past it.
      const receiveMaximum = connack.properties?.receiveMaximum;
      this.windowTotal = Math.max(1, receiveMaximum ?? Infinity);
      this.windows[1] = Math.min(QOS1_WINDOW, this.windowTotal);
      this.windows[2] = Math.min(QOS2_WINDOW, this.windowTotal);
      this.noteCapabilities(capabilitiesFromConnack(this.options.protocolVersion, connack.properties));
      this.onConnect(connack.sessionPresent);
      this.runSelfTest(client);
    });
    client.on('close', () => this.onClose());
    client.on('error', (err) => {
      // Before the CONNACK an error is why this attempt fails: 'connectFailed' carries it on close.
      if (!this.connackSeen) this.attemptError ??= err;
      this.noteError(err);
    });
    client.on('message', (topic, payload, packet) => this.dispatch(topic, payload, packet));
    batchWritesPerRead(client);
    limitMessagesPerTurn(client, MESSAGES_PER_TURN);
  }

  /**
   * Adds `handler` for `filter` and returns the function that removes it. The broker is asked
   * once per filter, however many nodes share it, at the highest QoS any of them wants. An owner
   * coming back from a redeploy gets what was held for it at the next `deliverOrphans()`, before
   * any message that arrives in between.
   */
  subscribe(filter: string, qos: QoS, handler: MessageHandler, options: SubscribeOptions = {}): Release {
    let sub = this.subs.get(filter);
    if (!sub) {
      this.staleFilters.delete(filter);
      sub = { filter, matcher: new TopicFilter(filter), qos, id: this.allocateSubId(), handlers: new Set(), away: new Map(), active: false };
      this.subs.set(filter, sub);
      this.index.reset(this.subs.values());
      this.subsById.set(sub.id, sub);
    }
    if (sub.linger) {
      clearTimeout(sub.linger);
      delete sub.linger;
    }
    if (qos > sub.qos) {
      sub.qos = qos;
      sub.active = false;
    }
    const entry: Handler = { fn: handler, owner: options.owner ?? null };
    sub.handlers.add(entry);
    if (entry.owner !== null) this.ownerBack(entry.owner);
    if (this.connected && !sub.active) this.sendSubscribe(sub);
    const owned = sub;
    let removed = false;
    return (release: ReleaseOptions = {}) => {
      if (removed) return;
      removed = true;
      this.release(owned, entry, release.keep === true);
    };
  }

  /**
   * Hands held messages to the handlers they wait for (call once the flows have started): an
   * owner's to that owner, the others to whichever handlers match them now. Messages for an owner
   * not back yet keep waiting until the hold time is up.
   */
  deliverOrphans(): void {
    if (this.held.length === 0) return;
    const cutoff = Date.now() - this.holdTtl();
    const held = this.held;
    this.held = [];
    const drops = new Dropped();
    for (const m of held) {
      if (m.at < cutoff) drops.add(m);
      else if (m.owner !== null && !this.ownerPresent(m.owner)) {
        if (this.ownerAway(m.owner)) this.held.push(m);
        else drops.add(m);
      } else if (!this.handOver(m)) drops.add(m);
    }
    this.gated.clear();
    this.reportDrops(drops);
    this.scheduleHoldCheck();
  }

  /**
   * Publishes now when connected, else holds the message until reconnect. Resolves once the
   * broker has it (PUBACK/PUBCOMP for QoS 1/2), rejects when it is dropped.
   */
  publish(topic: string, payload: string | Buffer, options: PublishOptions): Promise<void> {
    return new Promise((resolve, reject) => this.submit(topic, payload, options, (err) => (err ? reject(err) : resolve())));
  }

  /**
   * publish() for a caller that does not wait (an ack per detection): the same offline queue,
   * windows and order, but no promise; `onError` (best shared by all publishes: it gets the topic
   * and payload) hears of a publish that was dropped or failed, as publish() would reject.
   */
  publishNoWait(topic: string, payload: string | Buffer, options: PublishOptions, onError?: PublishErrorHandler): void {
    this.submit(topic, payload, options, onError ? errorsTo(onError) : noop);
  }

  private submit(topic: string, payload: string | Buffer, options: PublishOptions, settle: Settle): void {
    if (this.state === 'closed') {
      this.metrics.messagesFailed++;
      settle(new Error('connection is closed'), topic, payload);
      return;
    }
    const item: Pending = { topic, payload, options, settle, attempt: 0, seq: this.nextSeq++ };
    // Keep order: while anything is queued, new messages queue behind it.
    if (this.connected && this.queue.length === 0) this.send(item);
    else this.enqueue(item);
  }

  /** Publishes the goodbye message, disconnects cleanly (waiting briefly for in-flight acks), stops. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const client = this.client;
    const wasConnected = this.connected;
    this.setState('closed');
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    for (const sub of this.subs.values()) {
      if (sub.linger) clearTimeout(sub.linger);
      for (const timer of sub.away.values()) clearTimeout(timer);
    }
    this.subs.clear();
    this.index.reset([]);
    this.subsById.clear();
    this.held = [];
    this.gated.clear();
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    for (const item of [...this.queue.splice(0), ...this.waiting[1].drain(), ...this.waiting[2].drain()]) {
      this.metrics.messagesFailed++;
      fail(item, new Error('connection closed before the message could be sent'));
    }
    if (!client) return;
    // A self-test still running leaves no retained probe behind.
    if (wasConnected && this.selfTest) await withTimeout(this.selfTest.clearRetained(), 1000);
    if (wasConnected && this.options.goodbye) {
      const bye = this.options.goodbye();
      await withTimeout(
        new Promise<void>((resolve) => client.publish(bye.topic, bye.payload, { qos: bye.qos, retain: bye.retain }, () => resolve())),
        1000,
      );
    }
    await withTimeout(new Promise<void>((resolve) => client.end(false, {}, () => resolve())), 2000);
    // While a graceful end still waits for acknowledgements, end(true) returns at once and closes
    // nothing (MQTT.js: `if (this.disconnecting) cb()`): close the socket ourselves.
    client.stream?.destroy();
    await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
    for (const item of this.unacked) {
      this.metrics.messagesFailed++;
      fail(item, new Error('connection closed before the broker acknowledged the message'));
    }
    this.inFlight -= this.unacked.size;
    this.unacked.clear();
    this.slotsUsed[1] = this.slotsUsed[2] = 0;
    this.metrics.connectionsActive = 0;
  }

  private onConnect(sessionPresent: boolean): void {
    this.connackSeen = true;
    this.attempt = 0;
    this.metrics.connectionsTotal++;
    this.metrics.connectionsActive = 1;
    this.metrics.connectedSince = Date.now();
    this.setState('connected');
    this.emit('connect', sessionPresent);
    const birth = this.options.birth?.();
    if (birth) this.send({ ...pendingOf(birth), settle: noop, attempt: 0, presence: true, seq: this.nextSeq++ });
    for (const filter of this.staleFilters) this.client?.unsubscribe(filter);
    this.staleFilters.clear();
    for (const sub of this.subs.values()) {
      sub.active = false;
      this.sendSubscribe(sub, sessionPresent && this.granted.has(sub));
    }
    // By index, not shift(): a backlog of 100,000 shifted one by one costs seconds (fifo.ts).
    const queued = this.queue;
    this.queue = [];
    let i = 0;
    while (this.connected && i < queued.length) this.send(queued[i++]!);
    if (i < queued.length) this.queue = queued.slice(i).concat(this.queue);
  }

  private onClose(): void {
    if (this.state === 'closed') return;
    if (!this.connackSeen) {
      this.metrics.connectionsFailed++;
      this.emit('connectFailed', connectFailure(this.attemptError, this.options.protocolVersion), this.attemptError);
    } else this.emit('lost');
    this.connackSeen = false;
    this.attemptError = null;
    this.metrics.connectionsActive = 0;
    this.metrics.connectedSince = null;
    for (const sub of this.subs.values()) sub.active = false;
    // Publishes taken back (clean session) and those still waiting for a window slot go back at the
    // head of the queue, in publish order across QoS 1 and 2. Array spreads, not call arguments: a
    // backlog can be longer than the argument limit.
    const back = this.options.clean ? this.takeBackUnacked() : [];
    const waiting = mergeBySeq(mergeBySeq(back, this.waiting[1].drain()), this.waiting[2].drain());
    if (waiting.length > 0) this.queue = waiting.concat(this.queue);
    this.requeueAt = waiting.length;
    this.setState('disconnected');
    this.scheduleReconnect();
  }

  /**
   * Clean session: MQTT.js's reconnect() starts from an empty store, so publishes the broker has
   * not acknowledged would be neither resent nor settled. Returns them, to be queued again first
   * and in publish order, and drops MQTT.js's dead entries for them (a graceful end() would wait
   * for those).
   */
  private takeBackUnacked(): Pending[] {
    const all = [...this.unacked];
    this.unacked.clear();
    this.inFlight -= all.length;
    // Every slot holder was in `unacked`.
    this.slotsUsed[1] = this.slotsUsed[2] = 0;
    // A birth sent again after the next connection's own would leave its older timestamp retained.
    const items = all.filter((item) => !item.presence);
    const client = this.client;
    if (client) for (const id of Object.keys(client.outgoing)) client.removeOutgoingMessage(Number(id));
    // Sent in publish order per QoS, interleaved between QoS 1 and 2 as their windows allowed.
    return items.sort((a, b) => a.seq - b.seq);
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer || this.state === 'closed') return;
    const delay = backoffDelay(this.attempt++, this.options.reconnectPeriodMs, this.options.maxReconnectDelayMs ?? 60_000);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.state === 'closed' || !this.client) return;
      this.setState('connecting');
      // A persistent session keeps MQTT.js's store: publishes in flight are resent with their packet
      // ids (QoS 2 stays exactly-once) and their callbacks called. reconnect() without stores would
      // replace it with an empty one and lose them.
      const client = this.client;
      if (this.options.clean) client.reconnect();
      else client.reconnect({ incomingStore: client.incomingStore, outgoingStore: client.outgoingStore });
    }, delay);
    this.reconnectTimer.unref?.();
  }

  /**
   * `resumed`: the broker still holds this subscription (a resumed session). MQTT 5 then asks for
   * retained messages only if the subscription is new (retain handling 1), so a reconnect does not
   * replay every retained message as if it were news; a first subscribe (rh 0) gets the current
   * state. MQTT 3.1.1 has no such option: the nodes judge retained copies (retained-filter.ts).
   */
  private sendSubscribe(sub: Subscription, resumed = false): void {
    const client = this.client;
    if (!client) return;
    sub.active = true;
    const v5 = this.options.protocolVersion === 5;
    const options = v5 ? { qos: sub.qos, rh: resumed ? 1 : 0, properties: { subscriptionIdentifier: sub.id } } : { qos: sub.qos };
    client.subscribe(sub.filter, options, (err, granted) => {
      const refused = granted?.find((g) => g.qos > 2);
      if (err || refused) {
        sub.active = false;
        this.noteError(err ?? new Error(`broker refused subscription to ${sub.filter}`), 'subscribe');
      } else {
        this.granted.add(sub);
        this.emit('subscribed', sub.filter);
      }
    });
  }

  private release(sub: Subscription, handler: Handler, keep: boolean): void {
    sub.handlers.delete(handler);
    if (this.subs.get(sub.filter) !== sub) return;
    if (keep && handler.owner !== null && !sub.away.has(handler.owner)) {
      const owner = handler.owner;
      const timer = setTimeout(() => {
        sub.away.delete(owner);
        this.retire(sub);
      }, this.holdTtl());
      timer.unref?.();
      sub.away.set(owner, timer);
    } else if (!keep && handler.owner !== null && !this.ownerPresent(handler.owner) && !this.ownerAway(handler.owner)) {
      // Deleted for good: what was still held for it is nobody's (not a loss to report).
      const owner = handler.owner;
      this.held = this.held.filter((m) => m.owner !== owner);
      this.gated.delete(owner);
    }
    this.retire(sub);
  }

  /** Unsubscribes (after the linger) a subscription that no handler uses and no owner will come back to. */
  private retire(sub: Subscription): void {
    const unused = () => sub.handlers.size === 0 && sub.away.size === 0 && this.subs.get(sub.filter) === sub;
    if (!unused() || sub.linger) return;
    const drop = () => {
      delete sub.linger;
      if (!unused()) return;
      this.subs.delete(sub.filter);
      this.index.reset(this.subs.values());
      this.subsById.delete(sub.id);
      if (this.connected) {
        if (sub.active) this.client?.unsubscribe(sub.filter);
      } else if (!this.options.clean) this.staleFilters.add(sub.filter);
    };
    const linger = this.options.lingerMs ?? 0;
    if (linger <= 0) drop();
    else {
      sub.linger = setTimeout(drop, linger);
      sub.linger.unref?.();
    }
  }

  /** Keeps what the self-test found over what a later CONNACK leaves unknown; emits 'capabilities'. */
  private noteCapabilities(next: BrokerCapabilities): void {
    const prev = this.capabilities;
    if (this.selfTested) {
      next = { ...next, source: 'self-test', sharedSubscriptions: prev.sharedSubscriptions, retainedWildcards: prev.retainedWildcards, dotsInTopicLevels: prev.dotsInTopicLevels };
    }
    this.capabilities = next;
    this.emit('capabilities', next);
  }

  /**
   * Declares what `owner` (a node id) needs from the broker. A need the CONNACK cannot answer
   * (shared subscriptions and retained wildcards over MQTT 3.1.1, retained wildcards always) starts
   * the self-test, if one is configured. See `missingFor`.
   */
  need(owner: string, needs: BrokerNeeds): void {
    this.needs.set(owner, needs);
    if (this.client && this.connected) this.runSelfTest(this.client);
  }

  /** Forgets what `owner` needed (its node closed). */
  unneed(owner: string): void {
    this.needs.delete(owner);
  }

  /** What `owner` declared it needs and the broker is known to lack. */
  missingFor(owner: string): MissingFeature[] {
    const needs = this.needs.get(owner);
    return needs ? missingFeatures(this.capabilities, needs) : [];
  }

  /** Whether a declared need is one only the self-test can answer. */
  private selfTestWanted(): boolean {
    for (const n of this.needs.values()) {
      if (n.retainedWildcards && this.capabilities.retainedWildcards === null) return true;
      if (n.sharedSubscriptions && this.capabilities.sharedSubscriptions === null) return true;
      if (n.dotsInTopicLevels && this.capabilities.dotsInTopicLevels === null) return true;
    }
    return false;
  }

  /** Once per connection object (a broker does not change its features on a reconnect). */
  private runSelfTest(client: MqttClient): void {
    const base = this.options.selfTestTopic;
    if (!base || this.selfTested || this.selfTest || !this.selfTestWanted()) return;
    const test = new BrokerSelfTest(client, base);
    this.selfTest = test;
    test
      .run()
      .then((found) => {
        // A test cut short by a lost link proves nothing: the next connect runs it again.
        if (this.client !== client || !client.connected) return;
        this.selfTested = true;
        this.capabilities = { ...this.capabilities, source: 'self-test', ...found };
        this.emit('capabilities', this.capabilities);
      })
      .catch(() => {})
      .finally(() => {
        if (!this.selfTested) this.selfTest = null;
      });
  }

  private dispatch(topic: string, payload: Buffer, packet: IPublishPacket): void {
    if (this.selfTest?.take(topic, payload, packet.retain)) return;
    const at = Date.now();
    this.metrics.messagesReceived++;
    this.metrics.lastMessageReceived = at;
    if (!this.route(topic, payload, packet, at)) this.hold({ topic, payload, packet, at, owner: null, filter: '' });
  }

  /** Gives the message to the handlers of every subscription it is for; false when none took or kept it. */
  private route(topic: string, payload: Buffer, packet: IPublishPacket, at: number): boolean {
    let taken = false;
    const ids = packet.properties?.subscriptionIdentifier;
    if (ids !== undefined) {
      // MQTT 5: the broker says which subscriptions matched, so overlapping filters never double-deliver.
      for (const id of Array.isArray(ids) ? ids : [ids]) {
        const sub = this.subsById.get(id);
        if (sub && this.take(sub, topic, payload, packet, at)) taken = true;
      }
      return taken;
    }
    for (const sub of this.index.match(topic)) {
      if (this.take(sub, topic, payload, packet, at)) taken = true;
    }
    return taken;
  }

  /**
   * Calls `sub`'s handlers, and holds the message for each owner of the subscription that is away
   * (being redeployed) or back with older messages still waiting for it.
   */
  private take(sub: Subscription, topic: string, payload: Buffer, packet: IPublishPacket, at: number): boolean {
    // Owners held for, each once (built only when some owner is gated or away: no closure per message).
    let heldFor: Set<string> | null = null;
    for (const handler of sub.handlers) {
      if (handler.owner !== null && this.gated.size > 0 && this.gated.has(handler.owner)) heldFor = this.holdOnce(heldFor, handler.owner, sub, topic, payload, packet, at);
      else this.call(handler, topic, payload, packet);
    }
    if (sub.away.size > 0) for (const owner of sub.away.keys()) heldFor = this.holdOnce(heldFor, owner, sub, topic, payload, packet, at);
    return sub.handlers.size > 0 || sub.away.size > 0;
  }

  private holdOnce(heldFor: Set<string> | null, owner: string, sub: Subscription, topic: string, payload: Buffer, packet: IPublishPacket, at: number): Set<string> {
    const owners = heldFor ?? new Set<string>();
    if (!owners.has(owner)) {
      owners.add(owner);
      this.hold({ topic, payload, packet, at, owner, filter: sub.filter });
    }
    return owners;
  }

  private call(handler: Handler, topic: string, payload: Buffer, packet: IPublishPacket): void {
    try {
      handler.fn(topic, payload, packet);
    } catch (err) {
      // A handler bug must not stop delivery to the others or kill the client.
      this.noteError(err as Error, 'handler');
    }
  }

  /**
   * Delivers a held message now: to its owner's handlers on the filter it came in on, or on another
   * of the owner's filters that matches it (its filter changed in the redeploy); an ownerless one to
   * every handler whose filter matches. False when nobody is there for it.
   */
  private handOver(m: Held): boolean {
    const matching = this.index.match(m.topic);
    if (m.owner === null) {
      let delivered = false;
      for (const sub of matching) {
        for (const handler of sub.handlers) {
          this.call(handler, m.topic, m.payload, m.packet);
          delivered = true;
        }
      }
      return delivered;
    }
    const mine = (sub: Subscription) => [...sub.handlers].filter((handler) => handler.owner === m.owner);
    const same = this.subs.get(m.filter);
    let handlers = same ? mine(same) : [];
    for (const sub of matching) if (handlers.length === 0) handlers = mine(sub);
    for (const handler of handlers) this.call(handler, m.topic, m.payload, m.packet);
    return handlers.length > 0;
  }

  private hold(m: Held): void {
    const limit = this.options.orphanLimit ?? 10_000;
    const drops = new Dropped();
    while (this.held.length > 0 && this.held.length >= limit) drops.add(this.held.shift()!);
    if (limit > 0) this.held.push(m);
    else drops.add(m);
    this.reportDrops(drops);
    this.scheduleHoldCheck();
  }

  /** An owner subscribes again: it is no longer away; what is held for it waits for deliverOrphans(). */
  private ownerBack(owner: string): void {
    for (const sub of [...this.subs.values()]) {
      const timer = sub.away.get(owner);
      if (timer === undefined) continue;
      clearTimeout(timer);
      sub.away.delete(owner);
      // It may have come back on another filter: the old one may now be unused.
      this.retire(sub);
    }
    if (this.held.some((m) => m.owner === owner)) this.gated.add(owner);
  }

  private ownerPresent(owner: string): boolean {
    for (const sub of this.subs.values()) for (const handler of sub.handlers) if (handler.owner === owner) return true;
    return false;
  }

  private ownerAway(owner: string): boolean {
    for (const sub of this.subs.values()) if (sub.away.has(owner)) return true;
    return false;
  }

  private holdTtl(): number {
    return this.options.orphanTtlMs ?? 10_000;
  }

  /**
   * At the end of the hold time: a message whose owner is back (the flows never reported started)
   * goes to it late, with everything held for that owner, rather than being lost; the rest is dropped.
   */
  private scheduleHoldCheck(): void {
    if (this.holdTimer || this.held.length === 0 || this.state === 'closed') return;
    const due = this.held[0]!.at + this.holdTtl() - Date.now();
    this.holdTimer = setTimeout(() => {
      this.holdTimer = null;
      const cutoff = Date.now() - this.holdTtl();
      const drops = new Dropped();
      while (this.held.length > 0 && this.held[0]!.at <= cutoff) {
        const m = this.held[0]!;
        if (m.owner !== null && this.ownerPresent(m.owner)) this.flushOwner(m.owner, drops);
        else drops.add(this.held.shift()!);
      }
      this.reportDrops(drops);
      this.scheduleHoldCheck();
    }, Math.max(0, due) + 1);
    this.holdTimer.unref?.();
  }

  private flushOwner(owner: string, drops: Dropped): void {
    const mine = this.held.filter((m) => m.owner === owner);
    this.held = this.held.filter((m) => m.owner !== owner);
    this.gated.delete(owner);
    for (const m of mine) if (!this.handOver(m)) drops.add(m);
  }

  /** Counts dropped messages and reports them, one event per filter and owner. */
  private reportDrops(drops: Dropped): void {
    for (const { count, filter, owner } of drops.groups()) {
      this.metrics.messagesDropped += count;
      this.emit('dropped', count, filter, owner);
    }
  }

  private enqueue(item: Pending): void {
    if (this.options.queueLimit <= 0) {
      this.metrics.messagesFailed++;
      fail(item, new Error('not connected and the offline queue is disabled (queueLimit 0)'));
      return;
    }
    while (this.queue.length >= this.options.queueLimit) {
      this.metrics.messagesFailed++;
      fail(this.queue.shift()!, new Error(`offline queue full (${this.options.queueLimit}): oldest message dropped`));
    }
    this.queue.push(item);
  }

  /** Sends `item` now if its QoS window has a slot and none of its QoS waits before it; else it waits. */
  private send(item: Pending): void {
    const qos = item.options.qos;
    if (qos !== 0 && (this.waiting[qos].length > 0 || !this.hasSlot(qos))) this.waiting[qos].push(item);
    else this.transmit(item);
  }

  private hasSlot(qos: 1 | 2): boolean {
    return this.slotsUsed[qos]! < this.windows[qos]! && this.slotsUsed[1]! + this.slotsUsed[2]! < this.windowTotal;
  }

  private transmit(item: Pending): void {
    const client = this.client!;
    const { qos, retain, properties } = item.options;
    if (qos > 0) this.slotsUsed[qos]!++;
    this.inFlight++;
    const attempt = (item.attempt = ++this.nextAttempt);
    if (qos > 0) this.unacked.add(item);
    client.publish(item.topic, item.payload, properties ? { qos, retain: retain ?? false, properties } : PLAIN_OPTIONS[qos][retain ? 1 : 0], (err) => {
      // Taken back when the link fell (takeBackUnacked): this attempt no longer counts.
      if (qos > 0 && (item.attempt !== attempt || !this.unacked.has(item))) return;
      const linkFell = !!err && qos > 0 && this.state !== 'closed' && /connection closed|client disconnecting/i.test(err.message);
      // Clean session (MQTT.js flushed it on a forced close): onClose takes back all of them, in order.
      if (linkFell && this.options.clean) return;
      this.unacked.delete(item);
      this.inFlight--;
      this.releaseSlot(item);
      if (!err) {
        this.metrics.messagesSent++;
        item.settle(null, item.topic, item.payload);
      } else if (linkFell) {
        // Never reached the store (queued behind a replay, MQTT.js #2015): send again on reconnect, in
        // order; except a birth, which the reconnect replaces with a fresh one.
        if (!item.presence) this.queue.splice(this.requeueAt++, 0, item);
      } else {
        this.metrics.messagesFailed++;
        this.noteError(err, 'publish');
        item.settle(err, item.topic, item.payload);
      }
    });
  }

  /**
   * Frees `item`'s window slot (called once per settled QoS 1/2 transmit) and sends what waits: the
   * oldest first among those whose window has room, so neither QoS starves the other under a
   * shared receive maximum.
   */
  private releaseSlot(item: Pending): void {
    const qos = item.options.qos;
    if (qos === 0) return;
    this.slotsUsed[qos]!--;
    const w1 = this.waiting[1];
    const w2 = this.waiting[2];
    while (this.connected) {
      const a = w1.length > 0 && this.hasSlot(1) ? w1.peek()! : undefined;
      const b = w2.length > 0 && this.hasSlot(2) ? w2.peek()! : undefined;
      if (a && (!b || a.seq < b.seq)) this.transmit(w1.shift()!);
      else if (b) this.transmit(w2.shift()!);
      else return;
    }
  }

  private noteError(err: Error, kind?: string): void {
    // After close() the socket is being torn down on purpose: MQTT.js may still report a write it
    // queued before the end (ERR_STREAM_WRITE_AFTER_END), which is no problem of the broker's.
    if (this.state === 'closed') return;
    const type = kind ?? ((err as { code?: unknown }).code ? String((err as { code?: unknown }).code) : err.name || 'Error');
    this.metrics.errorsTotal++;
    this.metrics.errorsByType[type] = (this.metrics.errorsByType[type] ?? 0) + 1;
    this.metrics.lastError = err.message;
    this.emit('problem', err, type);
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
  }

  private allocateSubId(): number {
    const id = this.nextSubId;
    this.nextSubId = id >= MAX_SUBSCRIPTION_ID ? 1 : id + 1;
    return id;
  }
}

/**
 * Why a connect attempt failed, in words an operator can act on. A broker that closes the socket
 * without any CONNACK usually does not speak the protocol version asked for (RabbitMQ 3.10 and MQTT 5).
 */
export function connectFailure(err: Error | null, protocolVersion: 4 | 5): string {
  if (!err) return `closed before CONNACK${protocolVersion === 5 ? ' (is MQTT 5 supported?)' : ''}`;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'number') {
    // 1 (MQTT 3.1.1) and 0x84 (MQTT 5): the broker does not speak the version we asked for.
    const hint = protocolVersion === 5 && (code === 1 || code === 0x84) ? '; the broker does not support MQTT 5: choose MQTT 3.1.1 in lpr-broker' : '';
    return `CONNACK refused: ${err.message.replace(/^Connection refused: /, '')} (reason code ${code})${hint}`;
  }
  if (err.message === 'connack timeout') return 'no CONNACK within the connect timeout';
  return typeof code === 'string' && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
}

/** Dropped held messages, grouped by filter and owner for one report each. */
class Dropped {
  private readonly byKey = new Map<string, { count: number; filter: string | null; owner: string | null }>();

  add(m: Held): void {
    const filter = m.filter === '' ? null : m.filter;
    const key = `${m.owner ?? ''}\u0000${filter ?? ''}`;
    const group = this.byKey.get(key);
    if (group) group.count++;
    else this.byKey.set(key, { count: 1, filter, owner: m.owner });
  }

  groups(): Iterable<{ count: number; filter: string | null; owner: string | null }> {
    return this.byKey.values();
  }
}

function pendingOf(m: FixedMessage): Omit<Pending, 'settle' | 'attempt' | 'seq'> {
  return { topic: m.topic, payload: m.payload, options: { qos: m.qos, retain: m.retain } };
}

function fail(item: Pending, err: Error): void {
  item.settle(err, item.topic, item.payload);
}

function noop(): void {}

/** The Settle of publishNoWait: success needs nothing. Cached per handler, so a shared handler costs one closure in all. */
const settleByHandler = new WeakMap<PublishErrorHandler, Settle>();
function errorsTo(onError: PublishErrorHandler): Settle {
  let settle = settleByHandler.get(onError);
  if (!settle) {
    settle = (err, topic, payload) => {
      if (err) onError(err, topic, payload);
    };
    settleByHandler.set(onError, settle);
  }
  return settle;
}

/**
 * MQTT.js's publish options without properties, one object per QoS and retain flag: MQTT.js copies
 * them (`{ ...defaults, ...opts }`) and never writes to them, so a publish need not build its own.
 */
const PLAIN_OPTIONS = [0, 1, 2].map((qos) => [Object.freeze({ qos, retain: false }), Object.freeze({ qos, retain: true })]) as unknown as Record<QoS, [IClientPublishOptions, IClientPublishOptions]>;

/** Two lists each in publish order, as one in publish order. */
function mergeBySeq(a: Pending[], b: Pending[]): Pending[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out: Pending[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(a[i]!.seq < b[j]!.seq ? a[i++]! : b[j++]!);
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    promise.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * MQTT.js handles the packets of one socket read on consecutive ticks and writes a PUBACK (and
 * our acks) for each, one syscall apiece: ~7 µs per QoS 1 message in the drain profile. Corking
 * the socket from the first packet of a read until the event loop moves on sends them together.
 */
function batchWritesPerRead(client: MqttClient): void {
  let corked = false;
  client.on('packetreceive', () => {
    const stream = client.stream as unknown as { cork?(): void; uncork(): void; destroyed?: boolean } | undefined;
    if (corked || !stream?.cork || stream.destroyed) return;
    stream.cork();
    corked = true;
    setImmediate(() => {
      corked = false;
      stream.uncork();
    });
  });
}
