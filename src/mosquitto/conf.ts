/** The text of mosquitto.conf for a provisioned LPR broker (see `man mosquitto.conf`). */
import path from 'node:path';
import { assertBridge, bridgeConfLines, type BridgeSpec } from './bridge';
import { assertListeners } from './listeners';
import type { ProvisionOptions } from './options';

/** Where each file lives inside the output directory. */
export const LAYOUT = {
  conf: 'mosquitto.conf',
  acl: 'acl',
  passwd: 'passwd',
  credentials: 'credentials.txt',
  data: 'data',
  log: path.join('log', 'mosquitto.log'),
  certs: 'certs',
  caCert: path.join('certs', 'ca.crt'),
  caKey: path.join('certs', 'ca.key'),
  serverCert: path.join('certs', 'server.crt'),
  serverKey: path.join('certs', 'server.key'),
  clients: path.join('certs', 'clients'),
  /** A site's bridge password (user:password), mode 0600: re-runs keep it. */
  bridgeCredentials: 'bridge-credentials.txt',
  /** What a site's run writes for the centre: the bundle `--site-bundle` reads, and the same as ACL and passwd lines. */
  centre: 'centre',
  centreBundle: path.join('centre', 'site.json'),
  centreAcl: path.join('centre', 'acl'),
  centrePasswd: path.join('centre', 'passwd'),
} as const;

export type ConfOptions = Pick<
  ProvisionOptions,
  | 'root'
  | 'port'
  | 'bind'
  | 'tls'
  | 'tlsPort'
  | 'tlsBind'
  | 'mtls'
  | 'identityAsUsername'
  | 'messageSizeLimit'
  | 'maxQueuedMessages'
  | 'maxQueuedBytes'
  | 'maxInflightMessages'
  | 'autosaveInterval'
  | 'logDest'
  | 'usernameAsClientid'
  | 'runAs'
>;

/** Mosquitto reads a path up to the end of the line: refuse anything that could end it early or start another. */
function confPath(p: string): string {
  if (/[\u0000-\u001f\u007f]/.test(p)) throw new Error(`path ${JSON.stringify(p)} holds a control character`);
  return p;
}

/**
 * `dir` must be absolute: Mosquitto resolves relative paths against its working directory, not the file.
 * `bridge`: a site's bridge to the centre, written last (every line after `connection` belongs to it).
 */
export function confText(o: ConfOptions, dir: string, generatedBy = 'lpr-mosquitto', bridge: BridgeSpec | null = null): string {
  const at = (rel: string) => confPath(path.join(dir, rel));
  const lines: string[] = [
    `# mosquitto.conf for the LPR topic tree under "${o.root}", written by ${generatedBy}.`,
    '# Re-run lpr-mosquitto to change it; it keeps existing passwords and the CA.',
    '',
    '# One set of users and ACLs for every listener; no anonymous clients.',
    'per_listener_settings false',
    'allow_anonymous false',
    `password_file ${at(LAYOUT.passwd)}`,
    `acl_file ${at(LAYOUT.acl)}`,
  ];
  if (o.runAs) lines.push(`# Started as root, Mosquitto switches to this user, which must read this directory.`, `user ${o.runAs}`);
  lines.push('');
  // Listener settings go inside their listener (see listeners.ts): one written up here would make
  // Mosquitto open a plain default listener on port 1883 of every interface.
  const clientIdLines = o.usernameAsClientid
    ? ["# The client id is the user name: no client can take over another's session (--no-username-as-clientid to drop).", 'use_username_as_clientid true']
    : [];
  if (o.port !== 0) {
    lines.push('# Plain MQTT (passwords travel in clear: keep it on a trusted network or loopback).', `listener ${o.port} ${o.bind}`, 'protocol mqtt', ...clientIdLines, '');
  }
  if (o.tls) {
    lines.push(
      `# MQTT over TLS (1.2 or newer)${o.mtls ? ', clients must present a certificate signed by our CA' : ''}.`,
      `listener ${o.tlsPort} ${o.tlsBind}`,
      'protocol mqtt',
      ...clientIdLines,
      `cafile ${at(LAYOUT.caCert)}`,
      `certfile ${at(LAYOUT.serverCert)}`,
      `keyfile ${at(LAYOUT.serverKey)}`,
      'tls_version tlsv1.2',
      `require_certificate ${o.mtls ? 'true' : 'false'}`,
    );
    if (o.identityAsUsername) lines.push('# The certificate CN is the username (ACL %u); no password is asked on this listener.', 'use_identity_as_username true');
    else if (o.mtls) lines.push("# The certificate is not bound to the user name: CAM001's certificate with CAM002's password logs in as CAM002 (--identity-as-username binds them).");
    lines.push('');
  }
  lines.push(
    '# Sessions and queued messages survive a restart. The file is a snapshot taken every',
    '# autosave_interval seconds and on a clean stop; cameras resend unacknowledged detections.',
    'persistence true',
    `persistence_location ${at(LAYOUT.data)}${path.sep}`,
    `autosave_interval ${o.autosaveInterval}`,
    '# Sessions of clients that never come back are kept forever; to expire them, e.g.:',
    '# persistent_client_expiration 14d',
    '',
    '# Limits. The payload limit is the LPR protocol\'s. message_size_limit (not max_packet_size, which',
    '# Mosquitto suggests at start-up) drops an oversize message but keeps the client connected: a',
    '# disconnect would make MQTT.js resend the same packet after every reconnect.',
    `message_size_limit ${o.messageSizeLimit}`,
    '# Mosquitto drops QoS 1/2 messages silently once a client has max_queued_messages waiting',
    '# (default 1000): a slow or restarting server would lose detections. 0 = no limit.',
    `max_queued_messages ${o.maxQueuedMessages}`,
    `max_queued_bytes ${o.maxQueuedBytes}`,
    `max_inflight_messages ${o.maxInflightMessages}`,
    'queue_qos0_messages false',
    '# Nagle\'s algorithm held every acked detection ~5 ms (npm run bench -- latency: p99 10 ms with',
    '# it, ~1.1 ms without, at 2,000 msg/s).',
    'set_tcp_nodelay true',
    '',
    '# Access log: connections (address, client id, username), refusals, disconnects, subscriptions.',
  );
  if (o.logDest === 'file') lines.push(`log_dest file ${at(LAYOUT.log)}`);
  else lines.push(`log_dest ${o.logDest}`);
  lines.push(
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    'log_type subscribe',
    'log_type unsubscribe',
    'connection_messages true',
    'log_timestamp true',
    'log_timestamp_format %Y-%m-%dT%H:%M:%S',
    '',
  );
  if (bridge) lines.push(...bridgeConfLines(bridge), '');
  const text = lines.join('\n');
  assertListeners(text, o);
  assertBridge(text, bridge);
  return text;
}
