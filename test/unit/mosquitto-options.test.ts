/** lpr-mosquitto options: defaults, field-named errors, ranges, the command line, and (property tests) no injection. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import {
  expandCameraRange,
  HELP,
  MosquittoOptionError,
  OPTION_OF,
  parseMosquittoArgs,
  resolveProvisionOptions,
} from '../../src/mosquitto';
import { IDENTIFIER_PATTERN } from '../../src/protocol';
import { validId } from './arbitraries';

/** Asserts that `fn` throws a MosquittoOptionError for `field` whose message names it. */
function refuses(fn: () => unknown, field: string, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof MosquittoOptionError, `expected MosquittoOptionError, got ${String(err)}`);
    assert.equal(err.field, field);
    assert.ok(err.message.includes(field), `message ${JSON.stringify(err.message)} does not name ${field}`);
    if (message) assert.match(err.message, message);
    return true;
  });
}

describe('lpr-mosquitto options', () => {
  it('fills safe defaults', () => {
    const o = resolveProvisionOptions({ out: '/tmp/x' });
    assert.equal(o.root, 'lprserver');
    assert.deepEqual(o.serverUsers, [{ username: 'lprserver' }]);
    assert.deepEqual(o.cameras, []);
    assert.equal(o.port, 1883);
    assert.equal(o.tls, false);
    assert.equal(o.tlsPort, 8883);
    assert.equal(o.messageSizeLimit, 262_144);
    assert.equal(o.maxQueuedMessages, 1_000_000);
    assert.equal(o.logDest, 'file');
  });

  it('expands camera ranges with the width of the first number', () => {
    assert.deepEqual(expandCameraRange('CAM{001..003}'), ['CAM001', 'CAM002', 'CAM003']);
    assert.deepEqual(expandCameraRange('g{8..10}-x'), ['g8-x', 'g9-x', 'g10-x']);
    assert.deepEqual(expandCameraRange('PLAIN'), ['PLAIN']);
    assert.throws(() => expandCameraRange('C{5..1}'), /ends before it starts/);
    assert.throws(() => expandCameraRange('C{1..999999999}'), /over the 100000 limit/);
    const o = resolveProvisionOptions({ out: '/tmp/x', cameras: ['CAM{1..2}', { id: 'GATE-1', password: 'secret-123' }] });
    assert.deepEqual(o.cameras, [{ username: 'CAM1' }, { username: 'CAM2' }, { username: 'GATE-1', password: 'secret-123' }]);
  });

  for (const [input, field, message] of [
    [{}, 'out', undefined],
    [{ out: '' }, 'out', /output directory/],
    [{ out: '/x', root: 'lpr/#' }, 'root', /each level/],
    [{ out: '/x', root: 'a//b' }, 'root', undefined],
    [{ out: '/x', cameras: ['CAM 1'] }, 'cameras[0]', /camera id/],
    [{ out: '/x', cameras: ['ok', 'a/b'] }, 'cameras[1]', /"\/", "\+" or "#"/],
    [{ out: '/x', cameras: ['CAM{1..3}/x'] }, 'cameras[0]', undefined],
    [{ out: '/x', cameras: [{ id: 'CAM1', password: 'short' }] }, 'cameras[0].password', /at least 8/],
    [{ out: '/x', cameras: [{ id: 'CAM1', password: 'long enough\nuser evil' }] }, 'cameras[0].password', /control characters/],
    [{ out: '/x', cameras: [{ id: 'CAM1', extra: 1 }] }, 'cameras[0]', undefined],
    [{ out: '/x', serverUsers: [] }, 'serverUsers', /at least one/],
    [{ out: '/x', serverUsers: ['srv#'] }, 'serverUsers[0]', /user name/],
    [{ out: '/x', serverUsers: ['CAM1'], cameras: ['CAM1'] }, 'cameras', /named twice/],
    [{ out: '/x', cameras: ['CAM1', 'CAM1'] }, 'cameras', /named twice/],
    [{ out: '/x', rotate: ['nobody'] }, 'rotate', /neither/],
    [{ out: '/x', port: 70000 }, 'port', undefined],
    [{ out: '/x', port: 0 }, 'port', /no listener/],
    [{ out: '/x', bind: '0.0.0.0\nallow_anonymous true' }, 'bind', /IP address or a host name/],
    [{ out: '/x', mtls: true }, 'mtls', /needs --tls/],
    [{ out: '/x', tls: true, identityAsUsername: true }, 'identityAsUsername', /needs --mtls/],
    [{ out: '/x', tls: true, hostnames: ['a.example,DNS:evil.example'] }, 'hostnames[0]', /DNS name/],
    [{ out: '/x', tls: true, ips: ['300.1.1.1'] }, 'ips[0]', /IPv4 or IPv6/],
    [{ out: '/x', tls: true, tlsPort: 1883 }, 'tlsPort', /same as port/],
    [{ out: '/x', messageSizeLimit: 10 }, 'messageSizeLimit', undefined],
    [{ out: '/x', logDest: 'topic' }, 'logDest', undefined],
    [{ out: '/x', runAs: 'root\nuser x' }, 'runAs', /system user/],
    [{ out: '/x', bogus: true }, 'options', /bogus/],
    [JSON.parse('{"out":"/x","__proto__":{"tls":true}}'), 'options', /__proto__/],
  ] as const) {
    it(`refuses ${JSON.stringify(input).slice(0, 70)}, naming ${field}`, () => {
      refuses(() => resolveProvisionOptions(input), field, message as RegExp | undefined);
    });
  }

  it('names the command-line option too', () => {
    assert.throws(() => resolveProvisionOptions({ out: '/x', tlsPort: 0, tls: true }), /--tls-port \(tlsPort\)/);
  });

  describe('property: no value can inject a line, a level or a wildcard', () => {
    // Characters that would end an ACL/conf line, add a topic level, or make a wildcard.
    const DANGEROUS = ['\n', '\r', '#', '+', '/', ' ', '\t', '\u0000', '%', ':', ',', '"', '\u2028'];
    const withDangerous = fc
      .tuple(fc.string({ maxLength: 20 }), fc.constantFrom(...DANGEROUS), fc.string({ maxLength: 20 }))
      .map(([a, d, b]) => a + d + b);

    it('refuses every camera id holding a newline, #, +, /, space or another unsafe character', () => {
      fc.assert(
        fc.property(withDangerous, fc.nat(3), (bad, at) => {
          const cameras = ['CAM1', 'CAM2', 'CAM3'];
          cameras.splice(at, 0, bad);
          refuses(() => resolveProvisionOptions({ out: '/x', cameras }), `cameras[${at}]`);
        }),
        { numRuns: 500 },
      );
    });

    it('refuses the same in server user names and topic roots', () => {
      fc.assert(
        fc.property(withDangerous.filter((s) => !/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(s)), (bad) => {
          refuses(() => resolveProvisionOptions({ out: '/x', serverUsers: [bad] }), 'serverUsers[0]');
          refuses(() => resolveProvisionOptions({ out: '/x', root: bad }), 'root');
        }),
        { numRuns: 300 },
      );
    });

    it('accepts a camera id only when it matches the protocol identifier rule', () => {
      fc.assert(
        fc.property(fc.oneof(fc.string({ maxLength: 70 }), fc.string({ unit: 'grapheme', maxLength: 10 }), validId).filter((s) => !/\{\d+\.\.\d+\}/.test(s)), (id) => {
          let accepted = true;
          try {
            resolveProvisionOptions({ out: '/x', cameras: [id] });
          } catch (err) {
            assert.ok(err instanceof MosquittoOptionError);
            accepted = false;
          }
          assert.equal(accepted, IDENTIFIER_PATTERN.test(id) && id !== 'lprserver', JSON.stringify(id));
        }),
        { numRuns: 1000 },
      );
    });

    it('accepts any password without control characters and refuses every one with them', () => {
      fc.assert(
        fc.property(fc.string({ minLength: 8, maxLength: 40 }), (pw) => {
          const control = /[\u0000-\u001f\u007f]/.test(pw);
          try {
            resolveProvisionOptions({ out: '/x', cameras: [{ id: 'C1', password: pw }] });
            assert.equal(control, false);
          } catch (err) {
            assert.ok(err instanceof MosquittoOptionError);
            assert.equal(err.field, 'cameras[0].password');
            assert.equal(control, true);
          }
        }),
        { numRuns: 500 },
      );
    });
  });

  describe('command line', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'lpr-mosq-args-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('parses repeated and comma-separated lists, numbers and flags', () => {
      const parsed = parseMosquittoArgs([
        '--out', dir, '--camera', 'CAM{01..02}', '--camera=GATE-1,GATE-2', '--server-user', 'srv1,srv2', '--tls', '--mtls',
        '--hostname', 'mqtt.example.com', '--ip', '10.0.0.5', '--port', '0', '--tls-port=18883', '--max-queued-messages', '0', '--run-as', 'root',
      ]);
      assert.equal(parsed.help, false);
      if (parsed.help) return;
      const o = parsed.options;
      assert.deepEqual(o.cameras.map((c) => c.username), ['CAM01', 'CAM02', 'GATE-1', 'GATE-2']);
      assert.deepEqual(o.serverUsers.map((c) => c.username), ['srv1', 'srv2']);
      assert.equal(o.tls && o.mtls, true);
      assert.deepEqual(o.hostnames, ['mqtt.example.com']);
      assert.equal(o.port, 0);
      assert.equal(o.tlsPort, 18883);
      assert.equal(o.maxQueuedMessages, 0);
      assert.equal(o.runAs, 'root');
    });

    it('binds client ids to user names by default; --no-username-as-clientid turns it off, --username-as-clientid is still accepted', () => {
      const opts = (...argv: string[]) => {
        const parsed = parseMosquittoArgs(['--out', dir, ...argv]);
        assert.ok(!parsed.help);
        return parsed.help ? null : parsed.options;
      };
      assert.equal(opts()?.usernameAsClientid, true);
      assert.equal(opts('--username-as-clientid')?.usernameAsClientid, true);
      assert.equal(opts('--no-username-as-clientid')?.usernameAsClientid, false);
      refuses(() => parseMosquittoArgs(['--out', dir, '--no-username-as-clientid=1']), 'usernameAsClientid', /takes no value/);
      refuses(() => parseMosquittoArgs(['--out', dir, '--no-tls']), 'no-tls', /unknown option/);
    });

    it('reads --config JSON; command-line options win', () => {
      const file = path.join(dir, 'o.json');
      writeFileSync(file, JSON.stringify({ out: dir, cameras: ['A1', { id: 'A2', password: 'password-2' }], port: 1999, root: 'site/lpr' }));
      const parsed = parseMosquittoArgs(['--config', file, '--port', '2000']);
      assert.ok(!parsed.help);
      if (parsed.help) return;
      assert.equal(parsed.options.port, 2000);
      assert.equal(parsed.options.root, 'site/lpr');
      assert.deepEqual(parsed.options.cameras, [{ username: 'A1' }, { username: 'A2', password: 'password-2' }]);
      writeFileSync(file, '{"out": ');
      refuses(() => parseMosquittoArgs(['--config', file]), 'config', /not JSON/);
      refuses(() => parseMosquittoArgs(['--config', path.join(dir, 'missing.json')]), 'config', /cannot read/);
    });

    for (const [argv, field, message] of [
      [['--out', '/x', '--port', 'abc'], 'port', /must be a number/],
      [['--out', '/x', '--bogus', '1'], 'bogus', /unknown option/],
      [['--out'], 'out', /needs a value/],
      [['--out', '/x', '--tls=yes'], 'tls', /takes no value/],
      [['/x'], '/x', /unexpected argument/],
      [['--out', '/x', '--camera', 'CAM1,CAM#2'], 'cameras[1]', /camera id/],
    ] as const) {
      it(`refuses ${argv.join(' ')}, naming ${field}`, () => {
        refuses(() => parseMosquittoArgs(argv), field, message);
      });
    }

    it('documents every option in --help', () => {
      assert.deepEqual(parseMosquittoArgs(['--out', '/x', '--help']), { help: true });
      for (const option of [...Object.values(OPTION_OF), '--config', '--help']) assert.ok(HELP.includes(option), `${option} missing from HELP`);
    });
  });
});
