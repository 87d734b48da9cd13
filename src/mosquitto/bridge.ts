/**
 * Many sites: a site's Mosquitto bridged to a central broker. The topics the bridge carries and
 * their directions come from the protocol's policy table (POLICY: who publishes what to whom), not
 * from a list of our own: what goes from a camera to the server goes `out` (site → centre), what goes
 * from the server to a camera comes `in`, what both may send (`blacklist/updates`) goes `both`.
 *
 * Namespacing at the centre: the topics are the same at the site and at the centre (no prefix), so
 * one set of server nodes at the centre sees every site's cameras on `{root}/cameras/+/...`, and
 * camera ids must be unique across sites (the centre refuses two sites naming one camera). The
 * bridge carries each of the site's cameras' topics by name, never a wildcard, and the centre's ACL
 * gives the site's bridge user exactly those topics: a site cannot publish or read another site's
 * cameras at the centre, whatever its broker is told.
 */
import { IMAGE_POLICY } from '../protocol/images';
import { assertIdentifier, assertRoot } from '../protocol/identifiers';
import { MESSAGE_KINDS, POLICY, type MessageKind, type QoS } from '../protocol/policy';

export type BridgeDirection = 'out' | 'in' | 'both';

/** The parties of POLICY's `direction` that live at a site (a camera; "any" includes one). */
const AT_SITE = new Set(['camera', 'cameras', 'any']);
const TO_SITE = new Set(['camera', 'cameras']);

/**
 * Where the bridge carries `kind`, read from POLICY's direction (`"camera → server"`,
 * `"any → server, server → cameras"` ...): null when no camera sends or receives it (system,
 * checkpoint and server → all topics stay at the centre).
 */
export function bridgeDirection(kind: MessageKind): BridgeDirection | null {
  let out = false;
  let into = false;
  for (const part of POLICY[kind].direction.split(',')) {
    const [from = '', to = ''] = part.split('→').map((s) => s.trim());
    if (AT_SITE.has(from) && to === 'server') out = true;
    if (from === 'server' && TO_SITE.has(to)) into = true;
  }
  return out && into ? 'both' : out ? 'out' : into ? 'in' : null;
}

/** Every message kind the bridge carries, in POLICY order. */
export const BRIDGED_KINDS: readonly MessageKind[] = MESSAGE_KINDS.filter((k) => bridgeDirection(k) !== null);

export interface BridgeTopic {
  /** A message kind of the policy table, or a detection's picture (protocol/images.ts). */
  kind: MessageKind | 'image';
  topic: string;
  direction: BridgeDirection;
  qos: QoS;
}

/**
 * The bridge's topics for a site: each camera's own topics by name, and the root topics cameras
 * share. A camera's MQTT 5 control responses may go below its `control/response` (see acl.ts), so
 * that subtree goes out too, and so do its pictures (`images/<message_id>`).
 */
export function bridgeTopics(root: string, cameras: readonly string[]): BridgeTopic[] {
  assertRoot(root, 'root');
  const out: BridgeTopic[] = [];
  for (const kind of BRIDGED_KINDS) {
    const { scope, suffix, qos } = POLICY[kind];
    const direction = bridgeDirection(kind)!;
    if (scope === 'root') out.push({ kind, topic: `${root}/${suffix}`, direction, qos });
  }
  for (const camera of cameras) {
    const id = assertIdentifier(camera, 'cameras');
    for (const kind of BRIDGED_KINDS) {
      const { scope, suffix, qos } = POLICY[kind];
      if (scope !== 'camera') continue;
      const direction = bridgeDirection(kind)!;
      out.push({ kind, topic: `${root}/cameras/${id}/${suffix}`, direction, qos });
      if (kind === 'controlResponse') out.push({ kind, topic: `${root}/cameras/${id}/${suffix}/#`, direction, qos });
    }
    // Its detections' pictures, one level below (the message_id), to the centre as the ACL allows.
    out.push({ kind: 'image', topic: `${root}/cameras/${id}/${IMAGE_POLICY.suffix}/+`, direction: 'out', qos: IMAGE_POLICY.qos });
  }
  return out;
}

/** What a site's bridge connects to and how (everything checked by options.ts). */
export interface BridgeSpec {
  site: string;
  root: string;
  cameras: readonly string[];
  host: string;
  port: number;
  /** The bridge user at the centre: also its client id there (a stable one: the session persists). */
  user: string;
  password: string;
  tls: boolean;
  /** Unset: the system's CAs (a centre with a public certificate). */
  cafile?: string;
  certfile?: string;
  keyfile?: string;
  keepalive: number;
  retry: readonly [number, number];
}

export const bridgeConnectionName = (site: string) => `lpr-${site}`;
export const bridgeLocalClientId = (site: string) => `lpr-bridge.${site}`;

function confValue(v: string, what: string): string {
  if (/[\s\u0000-\u001f\u007f]/.test(v) || v === '') throw new Error(`${what} ${JSON.stringify(v)} must be one word without control characters`);
  return v;
}

/** A path runs to the end of its line: no control character may end it early or start another. */
function confPathValue(v: string, what: string): string {
  if (v === '' || /[\u0000-\u001f\u007f]/.test(v)) throw new Error(`${what} ${JSON.stringify(v)} must be a path without control characters`);
  return v;
}

function address(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The `connection` block of the site's mosquitto.conf (it must come last: what follows it belongs to it). */
export function bridgeConfLines(b: BridgeSpec): string[] {
  const lines = [
    `# Bridge to the centre: site "${b.site}". While the link is down the site keeps working and`,
    '# queues what goes out (max_queued_messages / max_queued_bytes above bound that queue); the',
    '# centre queues what comes in for the persistent session of the bridge user.',
    `connection ${bridgeConnectionName(b.site)}`,
    `address ${address(b.host, b.port)}`,
    'bridge_protocol_version mqttv311',
    '# A persistent session under a stable client id at both ends: nothing queued is dropped on a reconnect.',
    'cleansession false',
    `remote_clientid ${confValue(b.user, 'bridge user')}`,
    `local_clientid ${bridgeLocalClientId(b.site)}`,
    `remote_username ${b.user}`,
    `remote_password ${confValue(b.password, 'bridge password')}`,
    `keepalive_interval ${b.keepalive}`,
    `restart_timeout ${b.retry[0]} ${b.retry[1]}`,
    'start_type automatic',
    'try_private true',
    '# The link state ($SYS/broker/connection/<bridge user>/state, 1 or 0) is published at the site only.',
    'notifications true',
    'notifications_local_only true',
  ];
  if (b.tls) {
    lines.push(
      '# TLS to the centre, its certificate checked against this CA (the system\'s without --bridge-cafile) and its host name.',
      b.cafile ? `bridge_cafile ${confPathValue(b.cafile, 'bridge_cafile')}` : 'bridge_capath /etc/ssl/certs',
      'bridge_tls_version tlsv1.2',
      'bridge_insecure false',
    );
    if (b.certfile) lines.push(`bridge_certfile ${confPathValue(b.certfile, 'bridge_certfile')}`, `bridge_keyfile ${confPathValue(b.keyfile ?? '', 'bridge_keyfile')}`);
  } else {
    lines.push('# No TLS (--no-bridge-tls): the password and every detection cross the link in clear.');
  }
  lines.push('# The site\'s cameras\' topics, by name (out = site → centre, in = centre → site), QoS of the protocol.');
  for (const t of bridgeTopics(b.root, b.cameras)) lines.push(`topic ${t.topic} ${t.direction} ${t.qos}`);
  return lines;
}

const ACL_ACCESS: Record<BridgeDirection, string> = { out: 'write', in: 'read', both: 'readwrite' };

/** The centre's ACL lines for a site's bridge user: exactly the topics its bridge carries. */
export function centreAclLines(root: string, user: string, cameras: readonly string[], site?: string): string[] {
  const lines = [`# Site${site ? ` "${site}"` : ''}: its bridge user, only its own cameras (${cameras.length}).`, `user ${assertIdentifier(user, 'bridgeUser')}`];
  for (const t of bridgeTopics(root, cameras)) lines.push(`topic ${ACL_ACCESS[t.direction]} ${t.topic}`);
  return lines;
}

/**
 * Every way `conf` would bridge other than `expected` says (empty when it bridges exactly so): a
 * connection not asked for, another address, a topic not generated (a `#` forwarding everything, a
 * prefix), one missing, a clean session, TLS off or unchecked.
 */
export function bridgeProblems(conf: string, expected: BridgeSpec | null): string[] {
  const problems: string[] = [];
  const connections: string[] = [];
  const settings = new Map<string, string[]>();
  for (const line of conf.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.indexOf(' ');
    const key = space < 0 ? line : line.slice(0, space);
    const value = space < 0 ? '' : line.slice(space + 1);
    if (key === 'connection') connections.push(value);
    else if (connections.length) settings.set(key, [...(settings.get(key) ?? []), value]);
  }
  if (!expected) {
    if (connections.length) problems.push(`bridge ${connections.join(', ')} was not asked for`);
    return problems;
  }
  const name = bridgeConnectionName(expected.site);
  if (connections.length !== 1 || connections[0] !== name) problems.push(`expected one bridge, ${name}; found ${connections.length ? connections.join(', ') : 'none'}`);
  const one = (key: string) => (settings.get(key)?.length === 1 ? settings.get(key)![0] : undefined);
  if (settings.has('addresses') || one('address') !== address(expected.host, expected.port)) {
    problems.push(`the bridge must connect to ${address(expected.host, expected.port)} only, not ${[...(settings.get('address') ?? []), ...(settings.get('addresses') ?? [])].join(', ') || 'nowhere'}`);
  }
  if (one('cleansession') !== 'false') problems.push('the bridge must keep its session (cleansession false)');
  if (settings.has('local_cleansession')) problems.push('local_cleansession must not be set (the local session must persist too)');
  if (one('remote_clientid') !== expected.user) problems.push(`the bridge's client id at the centre must be ${expected.user}`);
  if (expected.tls) {
    if (!one('bridge_cafile') && !settings.has('bridge_capath')) problems.push('the bridge must use TLS (bridge_cafile)');
    if (settings.get('bridge_insecure')?.some((v) => v !== 'false')) problems.push("the bridge must check the centre's certificate (bridge_insecure false)");
  }
  const wanted = new Set(bridgeTopics(expected.root, expected.cameras).map((t) => `${t.topic} ${t.direction} ${t.qos}`));
  const found = settings.get('topic') ?? [];
  for (const t of found) if (!wanted.has(t)) problems.push(`bridge topic "${t}" was not asked for`);
  const have = new Set(found);
  for (const t of wanted) if (!have.has(t)) problems.push(`bridge topic "${t}" is missing`);
  return problems;
}

/** Throws, listing the problems, unless `conf` bridges exactly as `expected` says (or not at all when null). */
export function assertBridge(conf: string, expected: BridgeSpec | null): void {
  const problems = bridgeProblems(conf, expected);
  if (problems.length) throw new Error(`refusing to write a mosquitto.conf that would bridge where it was not asked to:\n  ${problems.join('\n  ')}`);
}
