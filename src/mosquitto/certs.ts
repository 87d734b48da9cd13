/**
 * A private CA, the broker's server certificate and client certificates, made with the `openssl`
 * command (execFile, no shell). Keys are EC P-256 (fast to make, accepted by Mosquitto, Node.js and
 * embedded TLS stacks), written with mode 0600.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const OPENSSL = process.env.OPENSSL_BIN ?? 'openssl';

/** Names in a subject must not break `-subj /CN=...` (`/`, `=`, `+`, `\`) nor an extension file line. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

async function openssl(args: string[]): Promise<string> {
  try {
    const { stdout } = await run(OPENSSL, args, { timeout: 60_000, maxBuffer: 4 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error(`${OPENSSL} not found: install OpenSSL (Debian/Ubuntu: apt-get install openssl)`);
    throw new Error(`${OPENSSL} ${args[0]} failed: ${(e.stderr || e.message).trim()}`);
  }
}

function subject(cn: string): string {
  if (!SAFE_NAME.test(cn)) throw new Error(`certificate name ${JSON.stringify(cn)} must be 1-64 letters, digits, "_", "." or "-"`);
  return `/CN=${cn}`;
}

const KEY_ARGS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export interface CaFiles {
  cert: string;
  key: string;
}

/** A self-signed CA (basicConstraints CA:TRUE, keyCertSign) valid for `days`. */
export async function createCa(files: CaFiles, cn: string, days: number): Promise<void> {
  await openssl([
    'req', '-x509', ...KEY_ARGS, '-keyout', files.key, '-out', files.cert, '-days', String(days), '-subj', subject(cn),
    '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-addext', 'subjectKeyIdentifier=hash',
  ]);
  chmodSync(files.key, 0o600);
}

export interface LeafRequest {
  cn: string;
  usage: 'server' | 'client';
  /** Subject alternative names (server certificates): DNS names and IP addresses. */
  dns?: readonly string[];
  ips?: readonly string[];
  days: number;
  cert: string;
  key: string;
}

/** A certificate signed by `ca`: key + CSR, then `openssl x509 -req` with the extensions of its use. */
export async function issueCertificate(ca: CaFiles, req: LeafRequest, workDir: string): Promise<void> {
  const tmp = mkdtempSync(path.join(workDir, '.cert-'));
  try {
    const csr = path.join(tmp, 'req.csr');
    const ext = path.join(tmp, 'ext.cnf');
    await openssl(['req', '-new', ...KEY_ARGS, '-keyout', req.key, '-out', csr, '-subj', subject(req.cn)]);
    chmodSync(req.key, 0o600);
    const san = [...(req.dns ?? []).map((d) => `DNS:${d}`), ...(req.ips ?? []).map((ip) => `IP:${ip}`)];
    for (const name of san) if (/[\s,]/.test(name)) throw new Error(`subject alternative name ${JSON.stringify(name)} holds a space or comma`);
    writeFileSync(
      ext,
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature',
        `extendedKeyUsage=${req.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
        'subjectKeyIdentifier=hash',
        'authorityKeyIdentifier=keyid,issuer',
        ...(san.length ? [`subjectAltName=${san.join(',')}`] : []),
        '',
      ].join('\n'),
    );
    await openssl([
      'x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', `0x${randomBytes(16).toString('hex')}`,
      '-days', String(req.days), '-sha256', '-extfile', ext, '-out', req.cert,
    ]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The certificate's subject and SANs as `openssl x509 -text` prints them (for the summary and tests). */
export async function describeCertificate(cert: string): Promise<string> {
  return openssl(['x509', '-in', cert, '-noout', '-subject', '-enddate', '-ext', 'subjectAltName,extendedKeyUsage']);
}

export function haveCa(files: CaFiles): boolean {
  return existsSync(files.cert) && existsSync(files.key);
}
