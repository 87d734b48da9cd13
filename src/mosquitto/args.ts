/** `lpr-mosquitto` command line: `--name value`, `--name=value`, flags, `--config file.json`, and the help text. */
import { readFileSync } from 'node:fs';
import { MosquittoOptionError, OPTION_OF, resolveProvisionOptions, type ProvisionOptions } from './options';

export const HELP = `lpr-mosquitto: provision a Mosquitto 2 broker for the LPR topic tree

Usage: lpr-mosquitto --out <dir> [options]

Writes into <dir>: mosquitto.conf, acl, passwd (hashed with mosquitto_passwd), credentials.txt
(mode 0600: the passwords it generated), data/ (persistence), log/ and, with --tls, certs/
(a CA, the server certificate and one client certificate per user, made with openssl).
Re-running on the same <dir> keeps existing passwords and the CA; users no longer listed lose access.

Accounts
  --server-user <names>      server (Node-RED) user(s), comma-separated or repeated: read/write
                             everything under the topic root                (default lprserver)
  --camera <ids>             camera ids, comma-separated or repeated; a range CAM{001..050} gives
                             CAM001 ... CAM050. The MQTT username of a camera is its camera_id:
                             the ACL lets user X publish and subscribe only on X's own topics.
  --passwords-file <file>    user:password lines (# comments) for users that need a given password;
                             everyone else keeps the password from an earlier run or gets a random one
  --rotate <names|all>       give these users (comma-separated, or all) a new random password
  --root <root>              topic root                                     (default lprserver)

Listeners
  --port <n>                 plain MQTT port; 0 = no plain listener          (default 1883)
  --bind <address>           address of the plain listener                   (default 0.0.0.0)
  --tls                      also a TLS listener (TLS 1.2 minimum) and certificates
  --tls-port <n>             TLS port                                        (default 8883)
  --tls-bind <address>       address of the TLS listener                     (default 0.0.0.0)
  --mtls                     clients must present a certificate from the CA (require_certificate)
                             and their password. The certificate is NOT bound to the user name:
                             any client certificate from the CA logs in with any user's password
                             (CAM001's certificate + CAM002's password = CAM002)
  --identity-as-username     with --mtls: the certificate's CN is the username, no password needed
                             (binds each certificate to its user)
  --hostname <names>         DNS names in the server certificate (localhost is always in)
  --ip <addresses>           IP addresses in the server certificate (127.0.0.1 and ::1 are always in)
  --cert-days <n>            validity of server and client certificates      (default 825)
  --ca-days <n>              validity of a new CA                            (default 3650)

Broker limits
  --message-size-limit <b>   largest accepted payload in bytes               (default 262144, the
                             protocol's limit; raise it for large blacklist replace messages)
  --max-queued-messages <n>  QoS 1/2 messages queued per client; 0 = no limit (default 1000000;
                             Mosquitto's own default of 1000 drops detections for a slow server)
  --max-queued-bytes <n>     bytes queued per client; 0 = no limit            (default 0)
  --max-inflight-messages <n> QoS 1/2 messages in flight per client          (default 100)
  --autosave-interval <s>    seconds between persistence snapshots           (default 300)
  --log-dest <dest>          file (<dir>/log/mosquitto.log), stderr or syslog (default file)
  --run-as <user>            system user Mosquitto switches to when started as root; it must be
                             able to read <dir> and write data/ and log/    (default: mosquitto)
  --no-username-as-clientid  keep the client ids clients send. By default (use_username_as_clientid
                             in every listener) the broker replaces a client's id by its user name,
                             so no client can throw another off or take over its session (and its
                             queued messages); each connection then needs its own user: two
                             connections with one user name throw each other off.
                             (--username-as-clientid, the old way to turn it on, is still accepted)

Many sites (each site runs its own broker, bridged to a central one; see docs/sites.md)
  At a site:
  --site <name>              this broker is site <name>, bridged to the centre: the bridge carries
                             each listed camera's topics by name in the protocol's directions
                             (detections, health, config, responses out; acks, commands, config
                             updates in; blacklist/updates both ways), with a persistent session
  --bridge-host <host>       the centre's broker (host name or IP address)
  --bridge-port <n>          its port                                        (default 8883)
  --bridge-user <name>       the site's user at the centre                   (default site-<name>)
  --bridge-cafile <file>     CA of the centre's certificate           (default: the system's CAs)
  --bridge-certfile <file>   client certificate for the centre (mTLS), with --bridge-keyfile
  --bridge-keyfile <file>    its key
  --no-bridge-tls            bridge in clear, only over a VPN or loopback (--bridge-tls: the default)
  --bridge-keepalive <s>     keepalive of the bridge link, at least 5       (default 30)
  --bridge-retry <base,cap>  seconds between reconnects (jitter from base up to cap) (default 2,30)
                             A site's run also writes bridge-credentials.txt (the bridge password)
                             and centre/: site.json for the centre's --site-bundle, and the same
                             as ACL lines (centre/acl) and a password entry (centre/passwd).
  At the centre:
  --site-bundle <file>       a site's centre/site.json, repeatable: its bridge user (password hash
                             from the bundle) may write and read only that site's cameras' topics.
                             Camera ids must be unique across sites.

Other
  --config <file.json>       options as JSON ({"out": ..., "cameras": ["CAM001", {"id": "CAM002",
                             "password": "..."}], "tls": true, ...}); command-line options win
  -h, --help                 show this help

Exit status: 0 when written, 2 for a bad option, 1 when a tool (openssl, mosquitto_passwd) fails.

Example: lpr-mosquitto --out /etc/mosquitto/lpr --camera 'CAM{001..020}' --tls --hostname mqtt.example.com
         mosquitto -c /etc/mosquitto/lpr/mosquitto.conf
A site:  lpr-mosquitto --out /etc/mosquitto/lpr --site lot-a --camera 'A-CAM{01..20}' --bind 127.0.0.1
           --bridge-host mqtt.example.com --bridge-cafile ca.crt
           --bridge-certfile site-lot-a.crt --bridge-keyfile site-lot-a.key
Centre:  lpr-mosquitto --out /etc/mosquitto/lpr --tls --mtls --hostname mqtt.example.com
           --site-bundle lot-a.json
`;

type Setter = (o: Record<string, unknown>, value: string) => void;

function list(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

function num(field: string): Setter {
  return (o, value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new MosquittoOptionError(field, OPTION_OF[field] ?? null, `must be a number, got ${JSON.stringify(value)}`);
    o[field] = n;
  };
}

/** `a,b`: a list of numbers. */
function nums(field: string): Setter {
  return (o, value) => {
    const parts = value.split(',').map((p) => p.trim());
    if (parts.some((p) => p === '' || !Number.isFinite(Number(p)))) throw new MosquittoOptionError(field, OPTION_OF[field] ?? null, `must be numbers separated by a comma, got ${JSON.stringify(value)}`);
    o[field] = parts.map(Number);
  };
}

const str = (field: string): Setter => (o, value) => (o[field] = value);
/** Repeatable list options: every occurrence adds to what the command line gave (and replaces the JSON's list). */
const many = (field: string): Setter => (o, value) => {
  o[field] = [...((o[field] as string[] | undefined) ?? []), ...list(value)];
};

const VALUED: Record<string, Setter> = {
  out: str('out'),
  root: str('root'),
  'server-user': many('serverUsers'),
  camera: many('cameras'),
  'passwords-file': str('passwordsFile'),
  rotate: many('rotate'),
  port: num('port'),
  bind: str('bind'),
  'tls-port': num('tlsPort'),
  'tls-bind': str('tlsBind'),
  hostname: many('hostnames'),
  ip: many('ips'),
  'cert-days': num('certDays'),
  'ca-days': num('caDays'),
  'message-size-limit': num('messageSizeLimit'),
  'max-queued-messages': num('maxQueuedMessages'),
  'max-queued-bytes': num('maxQueuedBytes'),
  'max-inflight-messages': num('maxInflightMessages'),
  'autosave-interval': num('autosaveInterval'),
  'log-dest': str('logDest'),
  'run-as': str('runAs'),
  site: str('site'),
  'bridge-host': str('bridgeHost'),
  'bridge-port': num('bridgePort'),
  'bridge-user': str('bridgeUser'),
  'bridge-cafile': str('bridgeCafile'),
  'bridge-certfile': str('bridgeCertfile'),
  'bridge-keyfile': str('bridgeKeyfile'),
  'bridge-keepalive': num('bridgeKeepalive'),
  'bridge-retry': nums('bridgeRetry'),
  'site-bundle': many('siteBundles'),
};

const FLAGS: Record<string, string> = {
  tls: 'tls',
  mtls: 'mtls',
  'identity-as-username': 'identityAsUsername',
  'username-as-clientid': 'usernameAsClientid',
  'bridge-tls': 'bridgeTls',
};
/** `--no-<flag>` turns off a flag that is on by default (or in the --config file). */
const NEGATABLE = new Set(['username-as-clientid', 'bridge-tls']);

export type ParsedArgs = { help: true } | { help: false; options: ProvisionOptions };

function readConfig(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new MosquittoOptionError('config', '--config', `cannot read ${file}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new MosquittoOptionError('config', '--config', `${file} is not JSON: ${(err as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new MosquittoOptionError('config', '--config', `${file} must hold a JSON object`);
  return value as Record<string, unknown>;
}

/** Parses `argv` (without node and the script) into validated options. */
export function parseMosquittoArgs(argv: readonly string[]): ParsedArgs {
  const cli: Record<string, unknown> = {};
  let config: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') return { help: true };
    if (!arg.startsWith('--')) throw new MosquittoOptionError(arg.replace(/^-+/, '') || arg, null, `unexpected argument ${JSON.stringify(arg)} (options start with --)`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq >= 0 ? eq : undefined);
    const negated = name.startsWith('no-') && NEGATABLE.has(name.slice(3));
    const flag = FLAGS[negated ? name.slice(3) : name];
    if (flag) {
      if (eq >= 0) throw new MosquittoOptionError(flag, `--${name}`, 'takes no value');
      cli[flag] = !negated;
      continue;
    }
    if (name !== 'config' && !VALUED[name]) throw new MosquittoOptionError(name, `--${name}`, 'unknown option (see --help)');
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      const next = argv[++i];
      if (next === undefined) throw new MosquittoOptionError(name, `--${name}`, 'needs a value');
      value = next;
    }
    if (name === 'config') config = readConfig(value);
    else VALUED[name]!(cli, value);
  }
  return { help: false, options: resolveProvisionOptions({ ...config, ...cli }) };
}
