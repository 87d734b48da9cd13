/** `lpr-broker` properties -> connection options (pure, so it is unit-tested without Node-RED). */
import { createHash } from 'node:crypto';
import { assertRoot, IdentifierError } from '../protocol/identifiers';
import { isTimeZone } from '../protocol/timestamp';
import { defaultEra, runtimeTimeZone, type Era } from './site-time';
import { ConfigError, readBoolean, readNumber, readString } from './settings';

export interface BrokerSettings {
  url: string;
  protocolVersion: 4 | 5;
  clientId: string;
  cleanSession: boolean;
  sessionExpiry: number;
  keepalive: number;
  reconnectPeriodMs: number;
  connectTimeoutMs: number;
  topicRoot: string;
  usetls: boolean;
  birth: boolean;
  /**
   * Test on connect what the broker does not announce (shared subscriptions, retained wildcards,
   * dots in topic levels), when a node needs it: see broker-self-test.ts.
   */
  selfTest: boolean;
  queueLimit: number;
  /**
   * The site time zone (IANA name): a message time written without a zone is read in it, the
   * nodes show times in it (msg.lpr.site, status) and analytics windows align to its midnight.
   */
  timeZone: string;
  /** The era dates are shown in (msg.lpr.site texts). */
  era: Era;
}

export const ERAS: readonly Era[] = ['gregorian', 'buddhist'];

const SCHEMES = new Set(['mqtt:', 'mqtts:', 'ws:', 'wss:']);

/**
 * `host` + `port` -> URL; a full URL keeps its own port (the port field fills a missing one) and its
 * scheme, except that `usetls` turns mqtt:// into mqtts:// and ws:// into wss://.
 */
export function brokerUrl(broker: string, port: number, usetls: boolean): string {
  const host = broker.trim();
  if (host === '') throw new ConfigError('broker', 'must name a host or URL');
  // Messages below quote the field: never with a password in it.
  const shown = JSON.stringify(redactUrl(host));
  if (host.includes('://')) {
    let url: URL;
    try {
      url = new URL(host);
    } catch {
      throw new ConfigError('broker', `is not a valid URL: ${shown}`);
    }
    if (!SCHEMES.has(url.protocol)) throw new ConfigError('broker', `scheme must be mqtt, mqtts, ws or wss, got ${url.protocol}`);
    if (url.hostname === '') throw new ConfigError('broker', `names no host: ${shown}`);
    // "Use TLS" ticked means TLS: an mqtt:// or ws:// URL must not quietly send credentials in clear.
    if (usetls && url.protocol === 'mqtt:') url.protocol = 'mqtts:';
    if (usetls && url.protocol === 'ws:') url.protocol = 'wss:';
    if (!url.port && (url.protocol === 'mqtt:' || url.protocol === 'mqtts:')) url.port = String(port);
    return url.toString().replace(/\/$/, '');
  }
  if (host.includes('@')) throw new ConfigError('broker', 'holds a user name or password: put them in the Security section (user, password) instead');
  if (/[\s/?#]/.test(host)) throw new ConfigError('broker', `is not a valid host name: ${shown}`);
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const url = `${usetls ? 'mqtts' : 'mqtt'}://${bracketed}:${port}`;
  // `host:port`, a zone id or a character URLs forbid would give a URL nothing can connect to.
  if (!URL.canParse(url)) throw new ConfigError('broker', `is not a valid host name or IP address: ${shown}`);
  return url;
}

/**
 * `url` fit for a log: user name and password (`mqtt://user:secret@host`, or `user:secret@host`
 * typed without a scheme) replaced by `***`. Up to the last `@` of the authority, as URL parsers
 * read it, so a password holding an `@` is hidden whole.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.includes('://') ? url.replace(/:\/\/[^/?#]*@/, '://***@') : url.replace(/^[^/?#]*@/, '***@');
  }
  if (!url.includes('://')) return url.replace(/^[^/?#]*@/, '***@');
  if (!parsed.username && !parsed.password) return url;
  parsed.username = '***';
  parsed.password = '';
  return parsed.toString().replace(/\/$/, '');
}

const MAX_CLIENT_ID = 64;
const idSafe = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '_');
const shortHash = (s: string, length: number) => createHash('sha256').update(s).digest('hex').slice(0, length);

/**
 * A client id the broker and Mosquitto pattern ACLs accept (no `+`, `#`, `/` or spaces, at most 64
 * characters), the same on every start. The node id is what tells two lpr-brokers of one host apart,
 * so it is kept whole; a long host name is shortened instead, with a hash of the whole name so two
 * hosts whose names differ only past the cut (the same flows on two servers) still differ. A node id
 * Node-RED would not make (unsafe characters, very long) is replaced by a prefix and its hash.
 */
export function defaultClientId(hostname: string, nodeId: string, secret = ''): string {
  let node = idSafe(nodeId);
  if (node !== nodeId || node.length > 32) node = `${node.slice(0, 19)}_${shortHash(nodeId, 12)}`;
  // The node id ships in example flows and the host name is no secret: with this runtime's own
  // secret mixed in, nobody can guess the server's id and take over its session on a broker that
  // does not bind client ids to users.
  const salt = secret ? `-${shortHash(`${secret}\u0000${nodeId}`, 10)}` : '';
  const room = MAX_CLIENT_ID - 'lpr-'.length - 1 - node.length - salt.length;
  let host = idSafe(hostname);
  if (host.length > room) host = `${host.slice(0, room - 9)}_${shortHash(hostname, 8)}`;
  return `lpr-${host}-${node}${salt}`;
}

/**
 * Node-RED replaces a field (or credential) that is exactly `${VAR}` with the variable's value
 * before the node starts, and leaves it as it is when VAR is not set: say so rather than report
 * `${VAR}` as a bad host name or port.
 */
const ENV_REFERENCE = /^\$\{(\S+)\}$/;
export function assertNoUnsetEnv(values: Record<string, unknown>, fields: readonly string[]): void {
  for (const field of fields) {
    const m = typeof values[field] === 'string' ? ENV_REFERENCE.exec(values[field]) : null;
    if (m) throw new ConfigError(field, `the environment variable ${m[1]} is not set`);
  }
}

/**
 * `runtimeZone`: what an empty `timeZone` means (the zone Node-RED runs in). A missing `timeZone`
 * (a flow saved before it existed) and an explicit `UTC` (the old default, saved by every broker
 * edited since) stay UTC: deployed again, such a flow reads zone-less camera times and aligns its
 * windows as it did.
 */
export function readBrokerSettings(props: Record<string, unknown>, fallbackClientId: string, runtimeZone = runtimeTimeZone()): BrokerSettings {
  assertNoUnsetEnv(props, ['broker', 'port', 'clientId', 'topicRoot', 'timeZone']);
  const usetls = readBoolean(props, 'usetls', false);
  const port = readNumber(props, 'port', usetls ? 8883 : 1883, { min: 1, max: 65535, integer: true });
  const protocolVersion = readNumber(props, 'protocolVersion', 4, { integer: true });
  if (protocolVersion !== 4 && protocolVersion !== 5) throw new ConfigError('protocolVersion', `must be 4 (MQTT 3.1.1) or 5, got ${protocolVersion}`);
  const clientId = readString(props, 'clientId', '', 256) || fallbackClientId;
  if (/[+#\s]/.test(clientId)) throw new ConfigError('clientId', 'must not contain "+", "#" or spaces');
  let topicRoot: string;
  try {
    topicRoot = assertRoot(readString(props, 'topicRoot', 'lprserver', 200) || 'lprserver');
  } catch (err) {
    throw err instanceof IdentifierError ? new ConfigError('topicRoot', err.message.replace(/^topicRoot: /, '')) : err;
  }
  const timeZone = readString(props, 'timeZone', 'UTC', 64) || runtimeZone;
  if (!isTimeZone(timeZone)) throw new ConfigError('timeZone', `must be an IANA time zone name such as UTC or Asia/Bangkok, got ${JSON.stringify(timeZone)}`, timeZone);
  const era = readString(props, 'era', '', 16) || defaultEra(timeZone);
  if (!ERAS.includes(era as Era)) throw new ConfigError('era', `must be gregorian or buddhist (or empty: buddhist in Asia/Bangkok), got ${JSON.stringify(era)}`, era);
  return {
    url: brokerUrl(readString(props, 'broker', 'localhost'), port, usetls),
    protocolVersion,
    clientId,
    cleanSession: readBoolean(props, 'cleanSession', false),
    sessionExpiry: readNumber(props, 'sessionExpiry', 86_400, { min: 0, max: 4_294_967_295, integer: true }),
    keepalive: readNumber(props, 'keepalive', 60, { min: 0, max: 65_535, integer: true }),
    reconnectPeriodMs: readNumber(props, 'reconnectPeriod', 5, { min: 0.1, max: 3600 }) * 1000,
    connectTimeoutMs: readNumber(props, 'connectTimeout', 30, { min: 1, max: 600 }) * 1000,
    topicRoot,
    usetls,
    birth: readBoolean(props, 'birth', true),
    selfTest: readBoolean(props, 'selfTest', true),
    queueLimit: readNumber(props, 'queueLimit', 10_000, { min: 0, max: 10_000_000, integer: true }),
    timeZone,
    era: era as Era,
  };
}
