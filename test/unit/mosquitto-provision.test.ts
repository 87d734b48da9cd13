/** lpr-mosquitto writing a directory with the real mosquitto_passwd and openssl; re-runs, rotation, the CLI's exit codes. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { provision, readUserFile, resolveProvisionOptions, type ProvisionInput } from '../../src/mosquitto';

const run = promisify(execFile);
const BIN = path.resolve(__dirname, '../../src/bin/lpr-mosquitto.ts');

function mode(file: string): number {
  return statSync(file).mode & 0o777;
}

async function openssl(...args: string[]): Promise<string> {
  const { stdout, stderr } = await run('openssl', args);
  return stdout + stderr;
}

describe('lpr-mosquitto provisioning (mosquitto_passwd, openssl)', function () {
  this.timeout(60_000);
  let tmp: string;
  let out: string;
  const opts = (extra: Partial<ProvisionInput> = {}) => resolveProvisionOptions({ out, cameras: ['CAM{001..003}'], ...extra });

  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'lpr-mosq-prov-'));
    out = path.join(tmp, 'broker');
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('writes conf, ACL, hashed passwd and a 0600 credentials file with the generated passwords', async () => {
    const result = await provision(opts(), { generatedBy: 'test' });
    assert.equal(result.dir, out);
    assert.deepEqual(result.accounts.map((a) => `${a.username}:${a.role}:${a.password}`), [
      'lprserver:server:generated', 'CAM001:camera:generated', 'CAM002:camera:generated', 'CAM003:camera:generated',
    ]);
    const passwd = readUserFile(path.join(out, 'passwd'));
    assert.deepEqual([...passwd.keys()], ['lprserver', 'CAM001', 'CAM002', 'CAM003']);
    for (const hash of passwd.values()) assert.match(hash, /^\$7\$\d+\$/, 'PBKDF2-SHA512 hash from mosquitto_passwd');
    const creds = readUserFile(path.join(out, 'credentials.txt'));
    assert.deepEqual([...creds.keys()], ['lprserver', 'CAM001', 'CAM002', 'CAM003']);
    for (const pw of creds.values()) assert.match(pw, /^[A-Za-z0-9_-]{32}$/);
    assert.equal(new Set(creds.values()).size, 4, 'every password differs');
    assert.equal(mode(path.join(out, 'passwd')), 0o600);
    assert.equal(mode(path.join(out, 'credentials.txt')), 0o600);
    assert.match(readFileSync(path.join(out, 'mosquitto.conf'), 'utf8'), new RegExp(`^password_file ${out}/passwd$`, 'm'));
    assert.match(readFileSync(path.join(out, 'acl'), 'utf8'), /^pattern write lprserver\/cameras\/%u\/detection$/m);
    assert.equal(statSync(path.join(out, 'data')).isDirectory(), true);
    assert.equal(statSync(path.join(out, 'log')).isDirectory(), true);
  });

  it('re-run keeps passwords, --rotate replaces one, unlisted users are removed, given passwords are not stored', async () => {
    await provision(opts(), { generatedBy: 'test' });
    const first = readUserFile(path.join(out, 'passwd'));
    const firstCreds = readUserFile(path.join(out, 'credentials.txt'));
    const pwFile = path.join(tmp, 'given.txt');
    writeFileSync(pwFile, '# given\nCAM004:given-password-4\n');
    const again = await provision(opts({ cameras: ['CAM001', 'CAM002', 'CAM004'], rotate: ['CAM002'], passwordsFile: pwFile }), { generatedBy: 'test' });
    assert.deepEqual(again.accounts.map((a) => `${a.username}:${a.password}`), ['lprserver:kept', 'CAM001:kept', 'CAM002:generated', 'CAM004:given']);
    const second = readUserFile(path.join(out, 'passwd'));
    assert.deepEqual([...second.keys()], ['lprserver', 'CAM001', 'CAM002', 'CAM004']);
    assert.equal(second.get('CAM001'), first.get('CAM001'));
    assert.notEqual(second.get('CAM002'), first.get('CAM002'));
    const creds = readUserFile(path.join(out, 'credentials.txt'));
    assert.equal(creds.get('CAM001'), firstCreds.get('CAM001'));
    assert.notEqual(creds.get('CAM002'), firstCreds.get('CAM002'));
    assert.equal(creds.has('CAM003'), false);
    assert.equal(creds.has('CAM004'), false, 'a given password is not written to credentials.txt');
  });

  it('refuses a passwords file naming an unknown user or holding a short password', async () => {
    const pwFile = path.join(tmp, 'given.txt');
    writeFileSync(pwFile, 'CAM999:given-password\n');
    await assert.rejects(provision(opts({ passwordsFile: pwFile })), /passwordsFile.*CAM999/);
    assert.throws(() => statSync(out), /ENOENT/, 'nothing written');
    writeFileSync(pwFile, 'CAM001:short\n');
    await assert.rejects(provision(opts({ passwordsFile: pwFile })), /passwordsFile.*8-256/);
  });

  it('with --tls: a CA, a server certificate with SANs, client certificates (CN = user) that verify; the CA is kept on re-run', async () => {
    const result = await provision(opts({ tls: true, hostnames: ['mqtt.example.com'], ips: ['10.0.0.5'] }), { generatedBy: 'test' });
    const certs = path.join(out, 'certs');
    const ca = path.join(certs, 'ca.crt');
    assert.match(await openssl('verify', '-CAfile', ca, path.join(certs, 'server.crt')), /server\.crt: OK/);
    const server = await openssl('x509', '-in', path.join(certs, 'server.crt'), '-noout', '-text');
    assert.match(server, /DNS:localhost, DNS:mqtt\.example\.com, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1, IP Address:10\.0\.0\.5/);
    assert.match(server, /TLS Web Server Authentication/);
    assert.match(server, /CA:FALSE/);
    for (const user of ['lprserver', 'CAM001', 'CAM003']) {
      const crt = path.join(certs, 'clients', `${user}.crt`);
      assert.match(await openssl('verify', '-CAfile', ca, crt), /: OK/);
      assert.match(await openssl('x509', '-in', crt, '-noout', '-subject'), new RegExp(`CN ?= ?${user}$`, 'm'));
      assert.match(await openssl('x509', '-in', crt, '-noout', '-ext', 'extendedKeyUsage'), /TLS Web Client Authentication/);
      assert.equal(mode(crt.replace(/\.crt$/, '.key')), 0o600);
    }
    assert.equal(mode(path.join(certs, 'ca.key')), 0o600);
    assert.equal(result.warnings.length, 1, 'warns that the plain listener is not on loopback');
    const caBefore = readFileSync(ca, 'utf8');
    const cam1Before = readFileSync(path.join(certs, 'clients', 'CAM001.crt'), 'utf8');
    await provision(opts({ tls: true, cameras: ['CAM001'], bind: '127.0.0.1' }), { generatedBy: 'test' });
    assert.equal(readFileSync(ca, 'utf8'), caBefore, 'CA kept');
    assert.equal(readFileSync(path.join(certs, 'clients', 'CAM001.crt'), 'utf8'), cam1Before, 'client certificate kept');
    assert.throws(() => statSync(path.join(certs, 'clients', 'CAM002.crt')), /ENOENT/, 'removed user loses its certificate files');
  });

  describe('the command', () => {
    async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
      try {
        const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', BIN, ...args], { timeout: 30_000 });
        return { code: 0, stdout, stderr };
      } catch (err) {
        const e = err as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout, stderr: e.stderr };
      }
    }

    it('exits 2 naming the field for bad input, and writes nothing', async () => {
      const bad = await cli('--out', out, '--camera', 'CAM1,CAM/2');
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /lpr-mosquitto: --camera \(cameras\[1\]\): camera id must not contain "\/", "\+" or "#"/);
      assert.throws(() => statSync(out), /ENOENT/);
      const unknown = await cli('--out', out, '--tls-prot', '1');
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /--tls-prot: unknown option/);
    });

    it('prints what it wrote and how to run it', async () => {
      const ok = await cli('--out', out, '--camera', 'CAM1', '--log-dest', 'stderr');
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /Wrote .*broker:/);
      assert.match(ok.stdout, new RegExp(`mosquitto -c ${out}/mosquitto.conf`));
      assert.match(ok.stdout, /credentials\.txt/);
      const help = await cli('--help');
      assert.equal(help.code, 0);
      assert.match(help.stdout, /^lpr-mosquitto: provision a Mosquitto 2 broker/);
      assert.match(help.stdout, /--mtls[\s\S]*certificate is NOT bound to the user name/, 'says what --mtls alone does not do');
      assert.match(ok.stdout, /Client ids: the broker uses each client's user name as its client id/);
    });
  });
});
