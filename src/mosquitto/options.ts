/**
 * `lpr-mosquitto` options: the zod schema (defaults, limits), camera range expansion, and the
 * command line. Every name that reaches a Mosquitto file is checked here with the protocol's
 * identifier rule, so no value can add a line or a wildcard to the config, ACL or password file.
 */
import net from 'node:net';
import { z } from 'zod';
import { DEFAULT_MAX_BYTES } from '../protocol/decode';
import { identifierProblem, rootProblem } from '../protocol/identifiers';

/** Thrown for a bad option; `field` is the JSON field path, `option` the command-line name. */
export class MosquittoOptionError extends Error {
  constructor(
    readonly field: string,
    readonly option: string | null,
    message: string,
  ) {
    super(`${!option ? field : option === `--${field}` ? option : `${option} (${field})`}: ${message}`);
    this.name = 'MosquittoOptionError';
  }
}

export const LOG_DESTS = ['file', 'stderr', 'syslog'] as const;
export type LogDest = (typeof LOG_DESTS)[number];

/** Most cameras one run provisions (a range typo like `{1..99999999}` should fail, not fill the disk). */
export const MAX_CAMERAS = 100_000;

const DNS_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function refineWith(problem: (v: unknown) => string | null) {
  return (value: unknown, ctx: z.RefinementCtx) => {
    const p = problem(value);
    if (p) ctx.addIssue({ code: 'custom', message: p });
  };
}

const Username = z.string().superRefine(refineWith(identifierProblem));

/** Passwords go on a `user:password` line and into `mosquitto_passwd`: no control characters. */
export const Password = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(256, 'must be at most 256 characters')
  .refine((p) => !/[\u0000-\u001f\u007f]/.test(p), 'must not contain control characters (newline, tab, NUL ...)');

const Host = z.string().refine((h) => DNS_NAME.test(h), 'must be a DNS name (letters, digits, "-", dot-separated labels)');
const Ip = z.string().refine((h) => net.isIP(h) !== 0, 'must be an IPv4 or IPv6 address');
const BindAddress = z.string().refine((h) => net.isIP(h) !== 0 || DNS_NAME.test(h), 'must be an IP address or a host name');
const FilePath = z.string().min(1).refine((p) => !/[\u0000-\u001f\u007f]/.test(p), 'must be a path without control characters');
const BridgeHost = z.string().refine((h) => net.isIP(h) !== 0 || DNS_NAME.test(h), 'must be a host name or an IP address');
const Port = (dflt: number, min: number) => z.number().int().min(min).max(65_535).default(dflt);

/** `CAM{001..050}` -> CAM001 ... CAM050 (zero-padded to the width of the first number). */
const RANGE = /^([^{}]*)\{(\d{1,9})\.\.(\d{1,9})\}([^{}]*)$/;

export function expandCameraRange(text: string): string[] {
  const m = RANGE.exec(text);
  if (!m) return [text];
  const [, prefix = '', fromText = '', toText = '', suffix = ''] = m;
  const from = Number(fromText);
  const to = Number(toText);
  if (to < from) throw new Error(`range ${JSON.stringify(text)} ends before it starts`);
  if (to - from + 1 > MAX_CAMERAS) throw new Error(`range ${JSON.stringify(text)} has ${to - from + 1} ids, over the ${MAX_CAMERAS} limit`);
  const width = fromText.length;
  return Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${String(from + i).padStart(width, '0')}${suffix}`);
}

const CameraEntry = z.union([z.string(), z.strictObject({ id: z.string(), password: Password.optional() })]);
const UserEntry = z.union([z.string(), z.strictObject({ username: z.string(), password: Password.optional() })]);

export interface Account {
  username: string;
  /** Given by the operator; undefined = keep the existing one or generate one. */
  password?: string;
}

/** Cameras given as ids, `{id, password}` or ranges -> accounts; every id checked. */
const Cameras = z.array(CameraEntry).transform((entries, ctx): Account[] => {
  const out: Account[] = [];
  entries.forEach((entry, i) => {
    const texts = typeof entry === 'string' ? entry : entry.id;
    let ids: string[];
    try {
      ids = expandCameraRange(texts);
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: [i], message: (err as Error).message });
      return;
    }
    for (const id of ids) {
      const problem = identifierProblem(id);
      if (problem) {
        ctx.addIssue({ code: 'custom', path: [i], message: `camera id ${problem}` });
        return;
      }
      out.push(typeof entry === 'string' || entry.password === undefined ? { username: id } : { username: id, password: entry.password });
    }
  });
  if (out.length > MAX_CAMERAS) ctx.addIssue({ code: 'custom', message: `at most ${MAX_CAMERAS} cameras, got ${out.length}` });
  return out;
});

const ServerUsers = z
  .array(UserEntry)
  .min(1, 'needs at least one server user')
  .transform((entries, ctx): Account[] =>
    entries.map((entry, i) => {
      const account = typeof entry === 'string' ? { username: entry } : entry;
      const parsed = Username.safeParse(account.username);
      if (!parsed.success) ctx.addIssue({ code: 'custom', path: [i], message: `user name ${parsed.error.issues[0]?.message}` });
      return account.password === undefined ? { username: account.username } : { username: account.username, password: account.password };
    }),
  );

export const ProvisionOptionsSchema = z
  .strictObject({
    out: z.string().min(1, 'must name the output directory').refine((p) => !/[\u0000-\u001f]/.test(p), 'must not contain control characters'),
    root: z.string().default('lprserver').superRefine(refineWith(rootProblem)),
    serverUsers: ServerUsers.default([{ username: 'lprserver' }]),
    cameras: Cameras.default([]),
    /** `user:password` lines; the passwords of users named here are set from it. */
    passwordsFile: z.string().min(1).optional(),
    /** Users (or `all`) that get a new random password even when one exists. */
    rotate: z.array(z.string()).default([]),
    port: Port(1883, 0),
    bind: BindAddress.default('0.0.0.0'),
    tls: z.boolean().default(false),
    tlsPort: Port(8883, 1),
    tlsBind: BindAddress.default('0.0.0.0'),
    mtls: z.boolean().default(false),
    identityAsUsername: z.boolean().default(false),
    hostnames: z.array(Host).default([]),
    ips: z.array(Ip).default([]),
    certDays: z.number().int().min(1).max(3650).default(825),
    caDays: z.number().int().min(1).max(36_500).default(3650),
    messageSizeLimit: z.number().int().min(1024).max(268_435_455).default(DEFAULT_MAX_BYTES),
    maxQueuedMessages: z.number().int().min(0).max(1_000_000_000).default(1_000_000),
    maxQueuedBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
    maxInflightMessages: z.number().int().min(0).max(65_535).default(100),
    autosaveInterval: z.number().int().min(0).max(86_400).default(300),
    logDest: z.enum(LOG_DESTS).default('file'),
    /** On by default: otherwise any client may take over another's client id and session (see conf.ts). */
    usernameAsClientid: z.boolean().default(true),
    /** The system user Mosquitto switches to when started as root (`user`); unset = Mosquitto's default, `mosquitto`. */
    // Many sites (bridge.ts): this broker is the site `site`, bridged to the centre at bridgeHost.
    site: Username.optional(),
    bridgeHost: BridgeHost.optional(),
    bridgePort: Port(8883, 1),
    /** The site's user at the centre; default `site-<site>`. */
    bridgeUser: Username.optional(),
    bridgeTls: z.boolean().default(true),
    bridgeCafile: FilePath.optional(),
    bridgeCertfile: FilePath.optional(),
    bridgeKeyfile: FilePath.optional(),
    bridgeKeepalive: z.number().int().min(5).max(3600).default(30),
    /** restart_timeout base and cap, seconds (Mosquitto's decorrelated jitter between them). */
    bridgeRetry: z.tuple([z.number().int().min(1).max(3600), z.number().int().min(1).max(3600)]).default([2, 30]),
    /** At the centre: the `centre/site.json` each site's run wrote (its bridge user, password hash, cameras). */
    siteBundles: z.array(FilePath).default([]),
    runAs: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'must be a system user name (lower-case letters, digits, "_", "-")').optional(),
  })
  .superRefine((o, ctx) => {
    const seen = new Set<string>();
    if (o.site !== undefined && o.bridgeHost === undefined) ctx.addIssue({ code: 'custom', path: ['bridgeHost'], message: 'is needed with --site (the centre the site bridges to)' });
    if (o.bridgeHost !== undefined && o.site === undefined) ctx.addIssue({ code: 'custom', path: ['site'], message: 'is needed with --bridge-host (the name of this site)' });
    if (o.bridgeRetry[1] < o.bridgeRetry[0]) ctx.addIssue({ code: 'custom', path: ['bridgeRetry'], message: 'the cap must not be below the base' });
    if ((o.bridgeCertfile === undefined) !== (o.bridgeKeyfile === undefined)) ctx.addIssue({ code: 'custom', path: [o.bridgeCertfile ? 'bridgeKeyfile' : 'bridgeCertfile'], message: 'bridge certificate and key go together' });
    for (const field of ['bridgeCafile', 'bridgeCertfile', 'bridgeKeyfile'] as const) {
      if (o[field] !== undefined && !o.bridgeTls) ctx.addIssue({ code: 'custom', path: [field], message: 'needs TLS to the centre (drop --no-bridge-tls)' });
    }
    if (o.site === undefined) {
      for (const field of ['bridgeUser', 'bridgeCafile', 'bridgeCertfile', 'bridgeKeyfile'] as const) {
        if (o[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: 'needs --site and --bridge-host' });
      }
    }
    for (const [field, accounts] of [['serverUsers', o.serverUsers], ['cameras', o.cameras]] as const) {
      for (const { username } of accounts) {
        if (seen.has(username)) ctx.addIssue({ code: 'custom', path: [field], message: `${JSON.stringify(username)} is named twice (server users and cameras need distinct names)` });
        seen.add(username);
      }
    }
    const bridgeUser = o.site === undefined ? undefined : (o.bridgeUser ?? `site-${o.site}`);
    if (bridgeUser !== undefined && identifierProblem(bridgeUser)) ctx.addIssue({ code: 'custom', path: ['site'], message: `makes the bridge user ${JSON.stringify(bridgeUser)}, which ${identifierProblem(bridgeUser)} (use a shorter --site or --bridge-user)` });
    if (bridgeUser !== undefined) seen.add(bridgeUser);
    for (const name of o.rotate) {
      if (name !== 'all' && !seen.has(name)) ctx.addIssue({ code: 'custom', path: ['rotate'], message: `${JSON.stringify(name)} is neither a server user nor a camera` });
    }
    if (o.port === 0 && !o.tls) ctx.addIssue({ code: 'custom', path: ['port'], message: 'is 0 (no plain listener) but --tls is off: there would be no listener' });
    if (o.tls && o.port !== 0 && o.port === o.tlsPort && o.bind === o.tlsBind) ctx.addIssue({ code: 'custom', path: ['tlsPort'], message: `is the same as port ${o.port}` });
    if ((o.mtls || o.identityAsUsername) && !o.tls) ctx.addIssue({ code: 'custom', path: [o.mtls ? 'mtls' : 'identityAsUsername'], message: 'needs --tls' });
    if (o.identityAsUsername && !o.mtls) ctx.addIssue({ code: 'custom', path: ['identityAsUsername'], message: 'needs --mtls (the username comes from the client certificate)' });
  });

export type ProvisionInput = z.input<typeof ProvisionOptionsSchema>;
export type ProvisionOptions = z.output<typeof ProvisionOptionsSchema>;

/** JSON field -> command-line option, for error messages. */
export const OPTION_OF: Record<string, string> = {
  out: '--out',
  root: '--root',
  serverUsers: '--server-user',
  cameras: '--camera',
  passwordsFile: '--passwords-file',
  rotate: '--rotate',
  port: '--port',
  bind: '--bind',
  tls: '--tls',
  tlsPort: '--tls-port',
  tlsBind: '--tls-bind',
  mtls: '--mtls',
  identityAsUsername: '--identity-as-username',
  hostnames: '--hostname',
  ips: '--ip',
  certDays: '--cert-days',
  caDays: '--ca-days',
  messageSizeLimit: '--message-size-limit',
  maxQueuedMessages: '--max-queued-messages',
  maxQueuedBytes: '--max-queued-bytes',
  maxInflightMessages: '--max-inflight-messages',
  autosaveInterval: '--autosave-interval',
  logDest: '--log-dest',
  usernameAsClientid: '--username-as-clientid',
  runAs: '--run-as',
  site: '--site',
  bridgeHost: '--bridge-host',
  bridgePort: '--bridge-port',
  bridgeUser: '--bridge-user',
  bridgeTls: '--bridge-tls',
  bridgeCafile: '--bridge-cafile',
  bridgeCertfile: '--bridge-certfile',
  bridgeKeyfile: '--bridge-keyfile',
  bridgeKeepalive: '--bridge-keepalive',
  bridgeRetry: '--bridge-retry',
  siteBundles: '--site-bundle',
};

/** The bridge user of a site at the centre. */
export function bridgeUserOf(o: Pick<ProvisionOptions, 'site' | 'bridgeUser'>): string | undefined {
  return o.site === undefined ? undefined : (o.bridgeUser ?? `site-${o.site}`);
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');
}

/** Validates `input` (from JSON or the command line); throws a MosquittoOptionError naming the first bad field. */
export function resolveProvisionOptions(input: unknown): ProvisionOptions {
  const result = ProvisionOptionsSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = fieldPath(issue.path) || 'options';
  const top = typeof issue.path[0] === 'string' ? issue.path[0] : '';
  throw new MosquittoOptionError(field, OPTION_OF[top] ?? null, issue.message);
}
