/**
 * A random secret of this Node-RED installation, kept in its user dir, that default client ids
 * are derived from (see defaultClientId): stable across restarts, so a persistent session is
 * resumed, and not derivable from anything a flow or the host shows. No Node-RED import.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const SECRET = /^[0-9a-f]{32}$/;

/**
 * Reads `<userDir>/lpr-broker/install-secret`, creating it (mode 0600) the first time. Two
 * runtimes starting at once agree: the file is linked into place only if it does not exist yet.
 * Throws when the user dir cannot be written; the caller then falls back to an id without it.
 */
export function readInstallSecret(userDir: string): string {
  const file = path.join(userDir, 'lpr-broker', 'install-secret');
  const existing = readSecret(file);
  if (existing) return existing;
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, randomBytes(16).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    try {
      linkSync(tmp, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  } finally {
    rmSync(tmp, { force: true });
  }
  const secret = readSecret(file);
  if (!secret) throw new Error(`${file} does not hold a secret (32 hex digits); remove it to have a new one made`);
  return secret;
}

function readSecret(file: string): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return SECRET.test(text) ? text : null;
}
