/**
 * The installed Mosquitto's version, to warn about known bugs in what we generate: a TLS bridge on
 * Mosquitto before 2.0.15 can spin at 100 % CPU, serving no client, when its connection is accepted
 * and then closed during the TLS handshake (eclipse/mosquitto#2594, fixed by the SSL connect
 * backport in 2.0.15; reproduced here with 2.0.11 and OpenSSL 3, see docs/sites.md).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

export const MOSQUITTO_BIN = process.env.MOSQUITTO_BIN ?? (existsSync('/usr/sbin/mosquitto') ? '/usr/sbin/mosquitto' : 'mosquitto');

/** `[major, minor, patch]` of `mosquitto -h`'s first line, or null when it cannot be run or read. */
export function mosquittoVersion(bin = MOSQUITTO_BIN): Promise<[number, number, number] | null> {
  return new Promise((resolve) => {
    // `mosquitto -h` prints its usage and exits 3: read its output whatever the status.
    execFile(bin, ['-h'], { timeout: 10_000 }, (_err, stdout, stderr) => {
      const m = /mosquitto version (\d+)\.(\d+)\.(\d+)/.exec(`${stdout ?? ''}${stderr ?? ''}`);
      resolve(m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null);
    });
  });
}

/** The warning for a TLS bridge on `version`, or null when that version is not affected (or unknown). */
export function tlsBridgeWarning(version: readonly [number, number, number] | null): string | null {
  if (!version) return null;
  const [a, b, c] = version;
  const before2015 = a < 2 || (a === 2 && b === 0 && c < 15);
  if (!before2015) return null;
  return (
    `Mosquitto ${a}.${b}.${c} is installed here: before 2.0.15 a TLS bridge whose connection is accepted and then closed during the ` +
    'TLS handshake (a load balancer or relay in front of a centre that is down) can spin at 100% CPU and stop serving the site (mosquitto issue #2594). ' +
    'Run Mosquitto 2.0.15 or newer at the sites, or a plain bridge (--no-bridge-tls) inside a VPN or TLS tunnel; see docs/sites.md'
  );
}
