/**
 * The Mosquitto password file, hashed by Mosquitto's own `mosquitto_passwd` (PBKDF2-SHA512), run
 * with execFile (no shell, so no quoting problem with any password). Lines are `user:hash`.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const MOSQUITTO_PASSWD = process.env.MOSQUITTO_PASSWD_BIN ?? 'mosquitto_passwd';

/** 24 random bytes as base64url: 192 bits, no `:` or whitespace, safe on a `user:password` line. */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

/** `user:rest` lines of a password or credentials file (comments and blank lines skipped). */
export function parseUserLines(text: string, file: string): Map<string, string> {
  const out = new Map<string, string>();
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`${file} line ${i + 1}: expected user:password`);
    out.set(line.slice(0, colon), line.slice(colon + 1));
  });
  return out;
}

export function readUserFile(file: string): Map<string, string> {
  return existsSync(file) ? parseUserLines(readFileSync(file, 'utf8'), file) : new Map();
}

async function mosquittoPasswd(args: string[]): Promise<void> {
  try {
    await run(MOSQUITTO_PASSWD, args, { timeout: 120_000, maxBuffer: 1024 * 1024 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error(`${MOSQUITTO_PASSWD} not found: install Mosquitto (Debian/Ubuntu: apt-get install mosquitto)`);
    throw new Error(`${MOSQUITTO_PASSWD} ${args[0]} failed: ${(e.stderr || e.message).trim()}`);
  }
}

/**
 * Hashes `accounts` in one `mosquitto_passwd -U` run over a temporary plain-text file (mode 0600,
 * in a fresh directory under `workDir`, removed afterwards). Returns user -> hash.
 */
export async function hashPasswords(accounts: ReadonlyArray<{ username: string; password: string }>, workDir: string): Promise<Map<string, string>> {
  if (accounts.length === 0) return new Map();
  const tmp = mkdtempSync(path.join(workDir, '.passwd-'));
  const file = path.join(tmp, 'plain');
  try {
    writeFileSync(file, accounts.map((a) => `${a.username}:${a.password}\n`).join(''), { mode: 0o600 });
    await mosquittoPasswd(['-U', file]);
    const hashed = readUserFile(file);
    for (const { username } of accounts) {
      if (!hashed.get(username)?.startsWith('$')) throw new Error(`${MOSQUITTO_PASSWD} -U did not hash the password of ${username}`);
    }
    return hashed;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Sets one user's password in an existing (or new) password file: `mosquitto_passwd -b`. */
export async function setPassword(file: string, username: string, password: string): Promise<void> {
  await mosquittoPasswd(existsSync(file) ? ['-b', file, username, password] : ['-c', '-b', file, username, password]);
}
