/** `lpr-broker`: one shared MQTT connection per config node (see runtime/broker-connection.ts). */
import os from 'node:os';
import { createMessage, encodeMessage, nowIso, TopicTree, type MessageKind, type MessageOf } from '../protocol';
import { POLICY } from '../protocol/policy';
import type { BrokerCapabilities } from '../runtime/broker-capabilities';
import { BrokerConnection, type ConnectionState, type TlsOptions } from '../runtime/broker-connection';
import { assertNoUnsetEnv, defaultClientId, readBrokerSettings, redactUrl } from '../runtime/broker-settings';
import { readInstallSecret } from '../runtime/install-secret';
import { ConfigError } from '../runtime/settings';
import { FailureLog } from '../runtime/failure-log';
import { registerBroker, unregisterBroker } from '../runtime/registry';
import ownCatalog from '../../locales/en-US/lpr-broker.json';
import type { LprBroker } from './shared/broker-api';
import { capabilitiesLine } from './shared/capabilities-line';
import { translator, type Translate } from './shared/i18n';
import type { Node, NodeAPI, NodeDef } from './shared/red';

/** How long an unused subscription is kept, so a redeploy of its nodes neither drops nor repeats it. */
const LINGER_MS = 10_000;
/** A broker that keeps failing is reported at once, then at most once per this interval (with a count). */
const FAILURE_LOG_INTERVAL_MS = 60_000;
/** How long messages are held for a node being redeployed (the connection's default hold time). */
const HOLD_S = 10;

interface TlsConfigNode {
  addTLSOptions(opts: Record<string, unknown>): void;
}

/**
 * TLS options from the chosen core `tls-config` node. Server-certificate checking is on unless that
 * node explicitly turns it off ("Verify server certificate" unticked); with no tls-config node the
 * system CAs are used and checking is on. A tls-config id that names no node is reported (`missing`)
 * rather than ignored: the connection then uses the system CAs, still checked.
 */
function tlsOptions(RED: NodeAPI, id: unknown): { options: TlsOptions; missing: boolean } {
  const wanted = typeof id === 'string' && id !== '';
  const tlsNode = wanted ? (RED.nodes.getNode(id) as TlsConfigNode | null) : null;
  if (!tlsNode) return { options: { rejectUnauthorized: true }, missing: wanted };
  const opts: Record<string, unknown> = {};
  tlsNode.addTLSOptions(opts);
  const alpn = opts.ALPNProtocols;
  return {
    options: {
      ca: opts.ca as string | undefined,
      cert: opts.cert as string | undefined,
      key: opts.key as string | undefined,
      passphrase: opts.passphrase as string | undefined,
      rejectUnauthorized: opts.rejectUnauthorized !== false,
      servername: opts.servername as string | undefined,
      alpnProtocol: Array.isArray(alpn) && typeof alpn[0] === 'string' ? alpn[0] : undefined,
    },
    missing: false,
  };
}

/**
 * One `flows:started` listener per runtime for every lpr-broker (a site may have dozens: one
 * listener each trips Node's MaxListenersExceededWarning). Keyed by the runtime's emitter, since
 * the module may be registered more than once with the same runtime (tests load it per flow).
 */
const flowsStartedCallbacks = new WeakMap<object, Set<() => void>>();
function onFlowsStartedSet(RED: NodeAPI): Set<() => void> {
  let callbacks = flowsStartedCallbacks.get(RED.events);
  if (!callbacks) {
    const set = new Set<() => void>();
    RED.events.on('flows:started', () => {
      for (const callback of [...set]) callback();
    });
    flowsStartedCallbacks.set(RED.events, set);
    callbacks = set;
  }
  return callbacks;
}

export = function register(RED: NodeAPI & { settings?: { userDir?: string } }): void {
  const onFlowsStartedCallbacks = onFlowsStartedSet(RED);
  const t = translator(RED, ownCatalog);

  function LprBrokerNode(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this as LprBroker & { settings: LprBroker['settings']; topics: TopicTree; connection: BrokerConnection };
    let settings;
    try {
      settings = readBrokerSettings(def, defaultClientId(os.hostname(), def.id, installSecret(RED.settings?.userDir, node, t)));
      // Node-RED substitutes `${VAR}` in credentials too; an unset one would only fail the login.
      assertNoUnsetEnv(node.credentials ?? {}, ['user', 'password']);
    } catch (err) {
      node.error(configErrorText(err as Error, t));
      return;
    }
    const useTls = settings.usetls || settings.url.startsWith('mqtts:') || settings.url.startsWith('wss:');
    const tls = useTls ? tlsOptions(RED, def.tls) : null;
    if (tls?.missing) node.warn(t('lpr-broker.error.tlsMissing', { id: String(def.tls) }));
    const topics = new TopicTree(settings.topicRoot);
    const statusTopic = topics.topic('systemStatus');
    const status = (value: 'online' | 'offline') => ({
      topic: statusTopic,
      payload: JSON.stringify({ status: value, timestamp: nowIso(), client_id: settings.clientId }),
      qos: POLICY.systemStatus.qos,
      retain: POLICY.systemStatus.retain,
    });
    const connection = new BrokerConnection({
      url: settings.url,
      protocolVersion: settings.protocolVersion,
      clientId: settings.clientId,
      clean: settings.cleanSession,
      sessionExpiry: settings.sessionExpiry,
      keepalive: settings.keepalive,
      reconnectPeriodMs: settings.reconnectPeriodMs,
      connectTimeoutMs: settings.connectTimeoutMs,
      username: node.credentials?.user || undefined,
      password: node.credentials?.password || undefined,
      ...(tls ? { tls: tls.options } : {}),
      ...(settings.birth ? { will: status('offline'), birth: () => status('online'), goodbye: () => status('offline') } : {}),
      queueLimit: settings.queueLimit,
      lingerMs: LINGER_MS,
      orphanTtlMs: HOLD_S * 1000,
      // A private topic under the root (the server's ACL already allows it); nothing else subscribes there.
      ...(settings.selfTest ? { selfTestTopic: `${settings.topicRoot}/_self-test` } : {}),
    });
    node.settings = settings;
    node.topics = topics;
    node.connection = connection;
    // The URL may carry user:password; logs and the monitoring registry never show them.
    const shownUrl = redactUrl(settings.url);
    const scrub = (text: string) => text.split(settings.url).join(shownUrl);
    registerBroker({ id: node.id, name: node.name || shownUrl, url: shownUrl, clientId: settings.clientId, topicRoot: settings.topicRoot, connection });

    const users = new Map<string, (state: ConnectionState) => void>();
    let flowsStarted = false;
    connection.on('state', (state: ConnectionState) => {
      for (const onState of users.values()) onState(state);
    });
    // A failing broker fails again on every retry: warn once per distinct failure in a row.
    let lastProblem = '';
    connection.on('problem', (err: Error, type: string) => {
      // An error before the CONNACK is the reason of a failed connect: reported below, throttled.
      if (connection.state === 'connecting') return;
      const text = scrub(t('lpr-broker.error.problem', { url: shownUrl, type, detail: err.message }));
      if (text !== lastProblem) node.warn(text);
      lastProblem = text;
    });
    // Every failed connect says why (refused, no CONNACK, CONNACK reason code, TLS), throttled.
    const failures = new FailureLog(FAILURE_LOG_INTERVAL_MS);
    connection.on('connectFailed', (reason: string) => {
      const held = failures.failed();
      if (held === null) return;
      const line = scrub(t('lpr-broker.error.connectFailed', { url: shownUrl, reason }));
      node.warn(held === 0 ? line : held === 1 ? t('lpr-broker.error.heldOne', { line }) : t('lpr-broker.error.heldMany', { line, n: held }));
    });
    connection.on('connect', () => {
      lastProblem = '';
      const failed = failures.success();
      const key = failed === 0 ? 'lpr-broker.log.connected' : failed === 1 ? 'lpr-broker.log.connectedAfter' : 'lpr-broker.log.connectedAfterN';
      node.log(t(key, { url: shownUrl, clientId: settings.clientId, n: failed }));
    });
    connection.on('lost', () => node.log(t('lpr-broker.log.lost', { url: shownUrl })));
    // What the broker can do, once per change: the nodes that need what it lacks say so themselves.
    let lastCapabilities = '';
    connection.on('capabilities', (caps: BrokerCapabilities) => {
      const line = capabilitiesLine(caps, t);
      if (line !== lastCapabilities) node.log(`${shownUrl}: ${line}`);
      lastCapabilities = line;
    });
    // Held messages nobody came back for: a node's are a real loss (another node may have acked
    // them); ownerless ones (no node subscribed at all) are reported at most once a minute.
    let lastOwnerless = 0;
    let ownerlessSince = 0;
    connection.on('dropped', (count: number, filter: string | null, owner: string | null) => {
      if (owner !== null) {
        node.warn(t('lpr-broker.error.droppedOwner', { n: count, filter, owner, hold: HOLD_S }));
        return;
      }
      ownerlessSince += count;
      if (Date.now() - lastOwnerless < 60_000) return;
      node.warn(t(filter ? 'lpr-broker.error.droppedOwnerlessFilter' : 'lpr-broker.error.droppedOwnerless', { n: ownerlessSince, hold: HOLD_S, filter }));
      lastOwnerless = Date.now();
      ownerlessSince = 0;
    });

    // Connect once every node of the flows exists, so messages a persistent session has queued
    // for us are not sent to nodes that are not wired yet.
    const onFlowsStarted = () => {
      flowsStarted = true;
      if (users.size > 0) connection.start();
      connection.deliverOrphans();
    };
    onFlowsStartedCallbacks.add(onFlowsStarted);

    node.register = (user, onState) => {
      users.set(user.id, onState);
      onState(connection.state);
      if (flowsStarted) connection.start();
    };
    node.deregister = (user) => {
      users.delete(user.id);
    };
    // The camera whose offline health is this connection's will. The will is part of CONNECT, so it
    // is fixed once the connection is up: a redeployed lpr-camera for the same camera keeps it.
    let presenceCamera: string | null = null;
    node.claimCameraPresence = (_user, cameraId) => {
      if (presenceCamera === cameraId) return null;
      if (presenceCamera) {
        return new Error(t('lpr-broker.error.presenceTaken', { camera: presenceCamera }));
      }
      const offline = () => {
        const health = createMessage('health', { camera_id: cameraId, health_status: 'offline' });
        return { topic: topics.topic('health', cameraId), payload: JSON.stringify(health), qos: 1 as const, retain: POLICY.health.retain };
      };
      try {
        connection.setPresence({ will: offline(), goodbye: offline });
      } catch {
        return new Error(t('lpr-broker.error.presenceConnected'));
      }
      presenceCamera = cameraId;
      return null;
    };
    // A message's topic and validated payload, or why not (with the topic, '' when the id was wrong).
    const encoded = <K extends MessageKind>(kind: K, id: string | undefined, message: MessageOf<K>) => {
      let topic = '';
      try {
        topic = topics.topic(kind, id);
        return { topic, payload: encodeMessage(kind, message), error: null };
      } catch (err) {
        return { topic, payload: '', error: err as Error };
      }
    };
    node.publishMessage = (kind, id, message, extra) => {
      const { topic, payload, error } = encoded(kind, id, message);
      if (error) return Promise.reject(error);
      return connection.publish(topic, payload, { qos: POLICY[kind].qos, retain: POLICY[kind].retain, ...(extra ?? {}) });
    };
    node.publishMessageNoWait = (kind, id, message, onError) => {
      const { topic, payload, error } = encoded(kind, id, message);
      if (error) onError(error, topic, '');
      else connection.publishNoWait(topic, payload, { qos: POLICY[kind].qos, retain: POLICY[kind].retain }, onError);
    };

    node.on('close', (_removed: boolean, done: () => void) => {
      onFlowsStartedCallbacks.delete(onFlowsStarted);
      unregisterBroker(node.id);
      connection.close().then(done, done);
    });
  }

  RED.nodes.registerType('lpr-broker', LprBrokerNode, {
    credentials: { user: { type: 'text' }, password: { type: 'password' } },
  });
  serveCapabilities(RED);
};

type AdminApp = { get(path: string, ...handlers: Array<(req: any, res: any, next?: any) => void>): void };
type AdminRED = NodeAPI & { httpAdmin?: AdminApp; auth?: { needsPermission(p: string): (req: any, res: any, next: any) => void } };

/**
 * GET <admin>/lpr-broker/<id>/capabilities: what a deployed lpr-broker's broker can do (its dialog
 * shows it). Read permission on lpr-broker, as for any node's settings.
 */
function serveCapabilities(RED: AdminRED): void {
  const app = RED.httpAdmin;
  if (!app) return;
  const permission = RED.auth?.needsPermission('lpr-broker.read') ?? ((_req: any, _res: any, next: any) => next());
  app.get('/lpr-broker/:id/capabilities', permission, (req: any, res: any) => {
    const node = RED.nodes.getNode(String(req.params?.id ?? '')) as LprBroker | null;
    if (!node || node.type !== 'lpr-broker' || !node.connection) {
      res.status(404).json({ error: 'not deployed' });
      return;
    }
    res.json({ state: node.connection.state, capabilities: node.connection.capabilities });
  });
}

/** The runtime's secret for default client ids; none (a guessable id) without a writable user dir, with a warning. */
function installSecret(userDir: string | undefined, node: Node, t: Translate): string {
  if (typeof userDir !== 'string' || userDir === '') return '';
  try {
    return readInstallSecret(userDir);
  } catch (err) {
    node.warn(t('lpr-broker.error.clientIdSecret', { detail: (err as Error).message }));
    return '';
  }
}

/** A configuration error in the runtime language: the site's zone and era by name, others with their (English) detail. */
function configErrorText(err: Error, t: Translate): string {
  if (err instanceof ConfigError && err.value !== undefined) {
    const value = JSON.stringify(err.value);
    if (err.field === 'timeZone') return t('lpr-broker.error.timeZone', { value });
    if (err.field === 'era') return t('lpr-broker.error.era', { value });
  }
  return t('lpr-broker.error.invalidConfig', { detail: err.message });
}
