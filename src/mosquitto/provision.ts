/**
 * Writes a provisioned Mosquitto directory (layout in conf.ts). Re-running on the same directory
 * keeps what exists unless asked otherwise: password hashes (and the generated passwords in
 * credentials.txt), the CA and client certificates; users no longer listed are dropped from passwd.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { aclText } from './acl';
import { centreAclLines, type BridgeSpec } from './bridge';
import { createCa, haveCa, issueCertificate } from './certs';
import { confText, LAYOUT } from './conf';
import { bridgeUserOf, MosquittoOptionError, type Account, type ProvisionOptions } from './options';
import { generatePassword, hashPasswords, parseUserLines, readUserFile } from './passwd';
import { mosquittoVersion, tlsBridgeWarning } from './version';
import { checkSiteBundles, readSiteBundle, SITE_BUNDLE_FORMAT, type SiteBundle } from './sites';

export type PasswordSource = 'given' | 'kept' | 'generated' | 'bundle';

export interface ProvisionResult {
  dir: string;
  conf: string;
  files: string[];
  accounts: Array<{ username: string; role: 'server' | 'camera' | 'site'; password: PasswordSource; cert?: string }>;
  /** A site's bridge: its user at the centre and where its password came from. */
  bridge?: { user: string; password: PasswordSource };
  warnings: string[];
}

export interface ProvisionHooks {
  log?: (line: string) => void;
  /** Written into file headers; fixed in tests. */
  generatedBy?: string;
  /** The installed Mosquitto's version (default: `mosquitto -h`), for warnings about known bugs. */
  mosquittoVersion?: () => Promise<[number, number, number] | null>;
}

/** Writes through a temporary file and a rename, so Mosquitto never reads half a file on reload. */
function writeAtomic(file: string, text: string, mode: number): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, file);
}

function readPasswordsFile(file: string, known: Set<string>): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new MosquittoOptionError('passwordsFile', '--passwords-file', `cannot read ${file}: ${(err as Error).message}`);
  }
  let lines: Map<string, string>;
  try {
    lines = parseUserLines(text, file);
  } catch (err) {
    throw new MosquittoOptionError('passwordsFile', '--passwords-file', (err as Error).message);
  }
  for (const [user, password] of lines) {
    if (!known.has(user)) throw new MosquittoOptionError('passwordsFile', '--passwords-file', `${JSON.stringify(user)} is neither a server user nor a camera`);
    if (password.length < 8 || password.length > 256 || /[\u0000-\u001f\u007f]/.test(password)) {
      throw new MosquittoOptionError('passwordsFile', '--passwords-file', `the password of ${user} must be 8-256 characters without control characters`);
    }
  }
  return lines;
}

async function inBatches<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(work));
}

function isLoopback(address: string): boolean {
  return address === 'localhost' || address === '::1' || address.startsWith('127.');
}

export async function provision(o: ProvisionOptions, hooks: ProvisionHooks = {}): Promise<ProvisionResult> {
  const log = hooks.log ?? (() => {});
  const generatedBy = hooks.generatedBy ?? `lpr-mosquitto on ${new Date().toISOString()}`;
  const dir = path.resolve(o.out);
  const at = (rel: string) => path.join(dir, rel);
  const accounts: Array<Account & { role: 'server' | 'camera' }> = [
    ...o.serverUsers.map((a) => ({ ...a, role: 'server' as const })),
    ...o.cameras.map((a) => ({ ...a, role: 'camera' as const })),
  ];
  const known = new Set(accounts.map((a) => a.username));
  // At the centre: the bridge users of the sites, with the password hashes their bundles carry.
  const bundles: SiteBundle[] = o.siteBundles.map((file, i) => readSiteBundle(file, i));
  checkSiteBundles(bundles, o.root, known);
  for (const b of bundles) known.add(b.username);
  // At a site: its own bridge user at the centre (not a user of this broker).
  const bridgeUser = bridgeUserOf(o);
  const fromFile = o.passwordsFile ? readPasswordsFile(o.passwordsFile, bridgeUser ? new Set([...known, bridgeUser]) : known) : new Map<string, string>();
  // Only once the inputs are known good: a bad passwords file leaves nothing behind.
  for (const sub of ['', LAYOUT.data, path.dirname(LAYOUT.log), ...(o.tls ? [LAYOUT.clients] : [])]) mkdirSync(at(sub), { recursive: true, mode: 0o750 });
  const oldHashes = readUserFile(at(LAYOUT.passwd));
  const oldGenerated = readUserFile(at(LAYOUT.credentials));
  const rotate = new Set(o.rotate.includes('all') ? [...known, ...(bridgeUser ? [bridgeUser] : [])] : o.rotate);

  const toHash: Array<{ username: string; password: string }> = [];
  const credentials = new Map<string, string>();
  const result: ProvisionResult = { dir, conf: at(LAYOUT.conf), files: [], accounts: [], warnings: [] };
  for (const account of accounts) {
    const given = account.password ?? fromFile.get(account.username);
    let source: PasswordSource;
    if (given !== undefined) {
      source = 'given';
      toHash.push({ username: account.username, password: given });
    } else if (!rotate.has(account.username) && oldHashes.has(account.username)) {
      source = 'kept';
      const old = oldGenerated.get(account.username);
      if (old !== undefined) credentials.set(account.username, old);
    } else {
      source = 'generated';
      const password = generatePassword();
      toHash.push({ username: account.username, password });
      credentials.set(account.username, password);
    }
    result.accounts.push({ username: account.username, role: account.role, password: source });
  }
  let bridge: BridgeSpec | null = null;
  let bridgeHash: string | undefined;
  if (bridgeUser && o.site && o.bridgeHost) {
    const given = fromFile.get(bridgeUser);
    const old = readUserFile(at(LAYOUT.bridgeCredentials)).get(bridgeUser);
    const oldBundle = readOldBundle(at(LAYOUT.centreBundle));
    let password: string;
    let source: PasswordSource;
    // remote_password is one word in mosquitto.conf.
    if (given !== undefined && /\s/.test(given)) throw new MosquittoOptionError('passwordsFile', '--passwords-file', `the password of ${bridgeUser} (the bridge) must not contain spaces`);
    if (given !== undefined) [password, source] = [given, 'given'];
    else if (old !== undefined && !rotate.has(bridgeUser)) [password, source] = [old, 'kept'];
    else [password, source] = [generatePassword(), 'generated'];
    // A kept password keeps its hash too, so the centre's files do not change for nothing.
    if (source === 'kept' && oldBundle?.username === bridgeUser) bridgeHash = oldBundle.passwordHash;
    else toHash.push({ username: bridgeUser, password });
    result.bridge = { user: bridgeUser, password: source };
    bridge = {
      site: o.site, root: o.root, cameras: o.cameras.map((c) => c.username), host: o.bridgeHost, port: o.bridgePort, user: bridgeUser, password,
      tls: o.bridgeTls, cafile: o.bridgeCafile && path.resolve(o.bridgeCafile), certfile: o.bridgeCertfile && path.resolve(o.bridgeCertfile),
      keyfile: o.bridgeKeyfile && path.resolve(o.bridgeKeyfile), keepalive: o.bridgeKeepalive, retry: o.bridgeRetry,
    };
  }
  for (const b of bundles) result.accounts.push({ username: b.username, role: 'site', password: 'bundle' });
  log(`hashing ${toHash.length} password(s) with mosquitto_passwd`);
  const hashed = await hashPasswords(toHash, dir);
  const passwdLines = [
    ...accounts.map((a) => `${a.username}:${hashed.get(a.username) ?? oldHashes.get(a.username)}\n`),
    ...bundles.map((b) => `${b.username}:${b.passwordHash}\n`),
  ];
  writeAtomic(at(LAYOUT.passwd), passwdLines.join(''), 0o600);
  writeAtomic(
    at(LAYOUT.credentials),
    [
      `# Passwords generated by lpr-mosquitto (user:password). Keep this file secret (mode 0600);`,
      '# give each camera its own line, then delete the file if you keep the passwords elsewhere.',
      ...[...credentials].map(([user, password]) => `${user}:${password}`),
      '',
    ].join('\n'),
    0o600,
  );
  const dropped = [...oldHashes.keys()].filter((u) => !known.has(u));
  if (dropped.length) log(`removed from passwd (no longer listed): ${dropped.join(', ')}`);

  writeAtomic(
    at(LAYOUT.acl),
    aclText({ root: o.root, serverUsers: o.serverUsers.map((u) => u.username), sites: bundles.map((b) => ({ site: b.site, user: b.username, cameras: b.cameras })), generatedBy }),
    0o644,
  );
  if (bridge) {
    bridgeHash ??= hashed.get(bridge.user)!;
    writeAtomic(at(LAYOUT.bridgeCredentials), `# The password of this site's bridge user at the centre (also in mosquitto.conf).\n${bridge.user}:${bridge.password}\n`, 0o600);
    mkdirSync(at(LAYOUT.centre), { recursive: true, mode: 0o750 });
    const bundle: SiteBundle = { format: SITE_BUNDLE_FORMAT, site: bridge.site, root: o.root, username: bridge.user, passwordHash: bridgeHash, cameras: [...bridge.cameras] };
    writeAtomic(at(LAYOUT.centreBundle), JSON.stringify(bundle, null, 2) + '\n', 0o600);
    const aclLines = [
      `# For the centre's Mosquitto ACL file (written by ${generatedBy}). lpr-mosquitto --site-bundle ${LAYOUT.centreBundle} adds them itself.`,
      ...centreAclLines(o.root, bundle.username, bundle.cameras, bundle.site),
      '',
    ];
    writeAtomic(at(LAYOUT.centreAcl), aclLines.join('\n'), 0o644);
    writeAtomic(at(LAYOUT.centrePasswd), `${bridge.user}:${bridgeHash}\n`, 0o600);
    if (o.bridgeTls) {
      const warning = tlsBridgeWarning(await (hooks.mosquittoVersion ?? mosquittoVersion)());
      if (warning) result.warnings.push(warning);
    }
    if (!o.bridgeTls && !isLoopback(o.bridgeHost!)) result.warnings.push(`the bridge to ${o.bridgeHost} is not encrypted (--no-bridge-tls): its password and every detection cross the link in clear`);
    for (const [field, file] of [['--bridge-cafile', o.bridgeCafile], ['--bridge-certfile', o.bridgeCertfile], ['--bridge-keyfile', o.bridgeKeyfile]] as const) {
      if (file && !existsSync(file)) result.warnings.push(`${field} ${file} does not exist (yet): the bridge cannot connect until it does`);
    }
  }

  if (o.tls) {
    const ca = { cert: at(LAYOUT.caCert), key: at(LAYOUT.caKey) };
    if (haveCa(ca)) log(`reusing the CA in ${ca.cert}`);
    else {
      log(`creating a CA in ${ca.cert}`);
      await createCa(ca, 'lpr-mosquitto-ca', o.caDays);
    }
    const dns = [...new Set(['localhost', ...o.hostnames])];
    const ips = [...new Set(['127.0.0.1', '::1', ...o.ips])];
    log(`issuing the server certificate for ${[...dns, ...ips].join(', ')}`);
    await issueCertificate(ca, { cn: o.hostnames[0] ?? 'localhost', usage: 'server', dns, ips, days: o.certDays, cert: at(LAYOUT.serverCert), key: at(LAYOUT.serverKey) }, dir);
    const missing = result.accounts.filter((a) => {
      a.cert = path.join(at(LAYOUT.clients), `${a.username}.crt`);
      return rotate.has(a.username) || !existsSync(a.cert) || !existsSync(a.cert.replace(/\.crt$/, '.key'));
    });
    log(`issuing ${missing.length} client certificate(s) (CN = username)`);
    await inBatches(missing, 4, (a) =>
      issueCertificate(ca, { cn: a.username, usage: 'client', days: o.certDays, cert: a.cert!, key: a.cert!.replace(/\.crt$/, '.key') }, dir),
    );
    if (o.identityAsUsername && dropped.length) {
      result.warnings.push(
        `${dropped.join(', ')} no longer listed, but with --identity-as-username their client certificates still log in until they expire: ` +
          'delete certs/ and re-run to make a new CA (and redistribute certificates)',
      );
    }
    for (const user of dropped) {
      rmSync(path.join(at(LAYOUT.clients), `${user}.crt`), { force: true });
      rmSync(path.join(at(LAYOUT.clients), `${user}.key`), { force: true });
    }
    if (o.port !== 0 && !isLoopback(o.bind)) {
      result.warnings.push(`the plain listener on ${o.bind}:${o.port} carries passwords in clear; use --bind 127.0.0.1 (or --port 0) so remote clients must use TLS`);
    }
  }

  // With a bridge the file holds the bridge's password: readable by its owner only.
  writeAtomic(at(LAYOUT.conf), confText(o, dir, generatedBy, bridge), bridge ? 0o600 : 0o644);
  result.files = [LAYOUT.conf, LAYOUT.acl, LAYOUT.passwd, LAYOUT.credentials, LAYOUT.data + path.sep, path.dirname(LAYOUT.log) + path.sep];
  if (o.tls) result.files.push(LAYOUT.caCert, LAYOUT.caKey, LAYOUT.serverCert, LAYOUT.serverKey, LAYOUT.clients + path.sep);
  if (bridge) result.files.push(LAYOUT.bridgeCredentials, LAYOUT.centreBundle, LAYOUT.centreAcl, LAYOUT.centrePasswd);
  return result;
}

/** The bundle an earlier run wrote, if it is still a valid one (else its hash is not reused). */
function readOldBundle(file: string): SiteBundle | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return readSiteBundle(file, 0);
  } catch {
    return undefined;
  }
}

/** What the command prints after writing. */
export function formatResult(r: ProvisionResult, o: ProvisionOptions): string {
  const count = (source: PasswordSource) => r.accounts.filter((a) => a.password === source).length;
  const cameras = r.accounts.filter((a) => a.role === 'camera').map((a) => a.username);
  const lines = [
    `Wrote ${r.dir}:`,
    `  ${LAYOUT.conf.padEnd(22)} broker configuration (listeners, persistence, limits, access log)`,
    `  ${LAYOUT.acl.padEnd(22)} topic ACL: server users ${o.serverUsers.map((u) => u.username).join(', ')} read/write ${o.root}/#; each camera only its own topics`,
    `  ${LAYOUT.passwd.padEnd(22)} hashed passwords of ${r.accounts.length} user(s): ${count('given')} given, ${count('kept')} kept, ${count('generated')} generated`,
    `  ${LAYOUT.credentials.padEnd(22)} the generated passwords (mode 0600; keep it secret)`,
    `  ${(LAYOUT.data + path.sep).padEnd(22)} persistence (sessions, queued messages, retained messages)`,
    `  ${(path.dirname(LAYOUT.log) + path.sep).padEnd(22)} ${o.logDest === 'file' ? 'access and error log' : `unused (log_dest ${o.logDest})`}`,
  ];
  if (o.tls) {
    lines.push(
      `  ${LAYOUT.caCert.padEnd(22)} CA certificate: give it to every client (tls-config "CA Certificate")`,
      `  ${LAYOUT.caKey.padEnd(22)} CA key: only needed to issue certificates; keep it offline`,
      `  ${(LAYOUT.serverCert + ', .key').padEnd(22)} the broker's certificate and key`,
      `  ${(LAYOUT.clients + path.sep).padEnd(22)} <user>.crt / <user>.key client certificates (CN = user name)`,
    );
  }
  lines.push(
    '',
    `Cameras (${cameras.length}): ${cameras.length > 8 ? `${cameras.slice(0, 4).join(', ')} ... ${cameras.slice(-2).join(', ')}` : cameras.join(', ') || 'none'}. The MQTT user name of a camera must be its camera_id.`,
    'Listeners: ' +
      [o.port !== 0 ? `mqtt://${o.bind}:${o.port}` : '', o.tls ? `mqtts://${o.tlsBind}:${o.tlsPort}${o.mtls ? ' (client certificate required)' : ''}` : ''].filter(Boolean).join(', '),
    o.usernameAsClientid
      ? "Client ids: the broker uses each client's user name as its client id, so every connection (each lpr-broker node, each camera) needs its own user."
      : 'Client ids: as the clients send them (--no-username-as-clientid): a client can take over another\'s session by using its id.',
    '',
    'Run it:',
    `  mosquitto -c ${r.conf}`,
    `Started as root, Mosquitto runs as the ${o.runAs ?? "mosquitto"} user: it must read ${r.dir} and write data/ and log/ (chown -R ${o.runAs ?? "mosquitto"}: ${r.dir}) and start it with -c ${r.conf}.`,
    'After adding, removing or rotating users, re-run lpr-mosquitto and reload without a restart: kill -HUP <mosquitto pid>',
  );
  if (r.bridge && o.site) {
    lines.push(
      '',
      `Site ${o.site}: bridged to ${o.bridgeHost}:${o.bridgePort}${o.bridgeTls ? ' over TLS' : ' WITHOUT TLS'} as ${r.bridge.user} (password ${r.bridge.password}, in ${LAYOUT.bridgeCredentials}).`,
      `  For the centre: ${LAYOUT.centreBundle} (run lpr-mosquitto there with --site-bundle <this file>), or add ${LAYOUT.centreAcl} and ${LAYOUT.centrePasswd} to its ACL and password files by hand.`,
      '  Mosquitto does not reload bridges on SIGHUP: restart it after adding cameras to a site.',
    );
  }
  const sites = r.accounts.filter((a) => a.role === 'site').map((a) => a.username);
  if (sites.length) lines.push('', `Sites (${sites.length}): ${sites.join(', ')}: each bridge user reads and writes only its own site's cameras.`);
  for (const w of r.warnings) lines.push('', `Warning: ${w}`);
  return lines.join('\n') + '\n';
}
