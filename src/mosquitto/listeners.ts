/**
 * What a generated mosquitto.conf listens on, checked before it is written. Mosquitto 2.0 keeps a
 * "default listener" for listener settings written before the first `listener` line; if any is set it
 * opens that listener on port 1883 of every interface (0.0.0.0 and ::), without TLS, next to the
 * configured ones. So: every listener setting must sit inside a `listener` block, and the `listener`
 * lines must be exactly the ones asked for.
 */
import type { ProvisionOptions } from './options';

/**
 * Options mosquitto.conf(5) (2.0) lists under "Listeners" and "Certificate/Pre-shared-key based
 * SSL/TLS Support": they belong to the listener above them. Everything else in the generated file
 * (security with per_listener_settings false, persistence, limits, logging) is global.
 */
export const LISTENER_OPTIONS: ReadonlySet<string> = new Set([
  'listener',
  'port',
  'bind_address',
  'bind_interface',
  'socket_domain',
  'protocol',
  'http_dir',
  'max_connections',
  'maximum_qos',
  'max_topic_alias',
  'mount_point',
  'use_username_as_clientid',
  'websockets_headers_size',
  'cafile',
  'capath',
  'certfile',
  'keyfile',
  'ciphers',
  'ciphers_tls1.3',
  'crlfile',
  'dhparamfile',
  'require_certificate',
  'tls_engine',
  'tls_engine_kpass_sha1',
  'tls_keyform',
  'tls_version',
  'use_identity_as_username',
  'use_subject_as_username',
  'psk_hint',
]);

export interface ListenerSpec {
  port: number;
  address: string;
  tls: boolean;
  usernameAsClientid: boolean;
}

/** The listeners `o` asks for. */
export function requestedListeners(o: Pick<ProvisionOptions, 'port' | 'bind' | 'tls' | 'tlsPort' | 'tlsBind' | 'usernameAsClientid'>): ListenerSpec[] {
  const out: ListenerSpec[] = [];
  if (o.port !== 0) out.push({ port: o.port, address: o.bind, tls: false, usernameAsClientid: o.usernameAsClientid });
  if (o.tls) out.push({ port: o.tlsPort, address: o.tlsBind, tls: true, usernameAsClientid: o.usernameAsClientid });
  return out;
}

/** Every way `conf` would listen other than `expected` says; empty when it listens exactly there. */
export function listenerProblems(conf: string, expected: readonly ListenerSpec[]): string[] {
  const problems: string[] = [];
  const blocks = new Map<string, Map<string, string>>();
  let current: Map<string, string> | null = null;
  let perListener: string | undefined;
  for (const line of conf.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.indexOf(' ');
    const key = space < 0 ? line : line.slice(0, space);
    const value = space < 0 ? '' : line.slice(space + 1);
    if (key === 'include_dir') problems.push(`include_dir could add listeners: ${JSON.stringify(line)}`);
    if (key === 'per_listener_settings') perListener = value;
    if (key === 'listener') {
      const m = /^(\d+) (\S+)$/.exec(value);
      if (!m) {
        problems.push(`"${line}" names no single address: Mosquitto would listen on every interface`);
        current = new Map();
        continue;
      }
      const name = `${m[2]} port ${m[1]}`;
      if (blocks.has(name)) problems.push(`listener ${name} is written twice`);
      current = new Map();
      blocks.set(name, current);
      continue;
    }
    if (!LISTENER_OPTIONS.has(key)) continue;
    if (key === 'port' || key === 'bind_address') problems.push(`"${line}" opens or moves the default listener`);
    else if (!current) problems.push(`"${line}" comes before any listener line: Mosquitto would open a plain listener on 0.0.0.0:1883 and [::]:1883`);
    else current.set(key, value);
  }
  if (perListener !== 'false') problems.push('per_listener_settings must be false (one set of users and ACLs for every listener)');
  const wanted = new Set(expected.map((l) => `${l.address} port ${l.port}`));
  for (const name of blocks.keys()) if (!wanted.has(name)) problems.push(`listener ${name} was not asked for`);
  for (const l of expected) {
    const name = `${l.address} port ${l.port}`;
    const block = blocks.get(name);
    if (!block) {
      problems.push(`listener ${name} is missing`);
      continue;
    }
    const hasTls = block.has('certfile') && block.has('keyfile');
    if (l.tls && !hasTls) problems.push(`listener ${name} should use TLS but has no certfile/keyfile`);
    if (!l.tls && (block.has('certfile') || block.has('keyfile'))) problems.push(`listener ${name} should be plain MQTT`);
    if (l.usernameAsClientid && block.get('use_username_as_clientid') !== 'true') problems.push(`listener ${name} lacks use_username_as_clientid true`);
    if (!l.usernameAsClientid && block.get('use_username_as_clientid') === 'true') problems.push(`listener ${name} has use_username_as_clientid true, not asked for`);
  }
  return problems;
}

/** Throws, listing the problems, unless `conf` listens exactly where `o` asks. */
export function assertListeners(conf: string, o: Parameters<typeof requestedListeners>[0]): void {
  const problems = listenerProblems(conf, requestedListeners(o));
  if (problems.length) throw new Error(`refusing to write a mosquitto.conf that would listen where it was not asked to:\n  ${problems.join('\n  ')}`);
}
