/** lpr-mosquitto: the ACL and mosquitto.conf texts (grammar of every line, property-tested), in line with POLICY. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { aclText, CAMERA_ACCESS, confText, listenerProblems, requestedListeners, resolveProvisionOptions } from '../../src/mosquitto';
import { POLICY, type MessageKind } from '../../src/protocol';
import { validId, validRoot } from './arbitraries';

const ID = '[A-Za-z0-9][A-Za-z0-9_.-]{0,63}';
const ROOT = '[A-Za-z0-9_.-]{1,64}(?:/[A-Za-z0-9_.-]{1,64})*';

/** Every line an ACL may hold: a comment, a blank line, or one of four exact statement shapes. */
function aclLineProblem(line: string, root: string): string | null {
  if (line === '' || line.startsWith('# ') || line === '#') return null;
  const r = root.replace(/[.]/g, '\\.');
  const shapes = [
    new RegExp(`^user ${ID}$`),
    new RegExp(`^topic readwrite ${r}/#$`),
    new RegExp(`^pattern (read|write) ${r}/cameras/%u/[a-z/]+$`),
    new RegExp(`^pattern write ${r}/cameras/%u/control/response/#$`),
    new RegExp(`^pattern write ${r}/cameras/%u/images/\\+$`),
    new RegExp(`^pattern (read|write) ${r}/blacklist/(updates|request)$`),
  ];
  return shapes.some((s) => s.test(line)) ? null : `unexpected ACL line ${JSON.stringify(line)}`;
}

describe('lpr-mosquitto files', () => {
  describe('ACL', () => {
    it('gives server users the whole root and cameras exactly their PROTOCOL.md topics', () => {
      const text = aclText({ root: 'lprserver', serverUsers: ['lprserver', 'srv2'] });
      const statements = text.split('\n').filter((l) => l && !l.startsWith('#'));
      assert.deepEqual(statements, [
        'user lprserver',
        'topic readwrite lprserver/#',
        'user srv2',
        'topic readwrite lprserver/#',
        'pattern write lprserver/cameras/%u/detection',
        'pattern write lprserver/cameras/%u/health',
        'pattern write lprserver/cameras/%u/config',
        'pattern write lprserver/cameras/%u/config/request',
        'pattern write lprserver/cameras/%u/control/response',
        'pattern read lprserver/cameras/%u/control',
        'pattern read lprserver/cameras/%u/config/update',
        'pattern read lprserver/cameras/%u/detection/ack',
        'pattern read lprserver/cameras/%u/health/request',
        'pattern read lprserver/blacklist/updates',
        'pattern write lprserver/blacklist/request',
        'pattern read lprserver/cameras/%u/blacklist',
        'pattern write lprserver/cameras/%u/blacklist/notification',
        'pattern write lprserver/cameras/%u/control/response/#',
        'pattern write lprserver/cameras/%u/images/+',
      ]);
    });

    it('covers every camera topic of POLICY, write for camera → server and read for server → camera', () => {
      const cameraKinds = (Object.keys(POLICY) as MessageKind[]).filter((k) => POLICY[k].scope === 'camera');
      for (const kind of cameraKinds) {
        const entry = CAMERA_ACCESS.find((a) => a.kind === kind);
        assert.ok(entry, `${kind} has no camera ACL line`);
        assert.equal(entry.access, POLICY[kind].direction.startsWith('camera') ? 'write' : 'read', kind);
      }
      // Root topics: only what PROTOCOL.md says cameras use; never system/*, never publishing blacklist updates.
      const rootKinds = CAMERA_ACCESS.filter((a) => POLICY[a.kind].scope === 'root').map((a) => `${a.kind}:${a.access}`);
      assert.deepEqual(rootKinds, ['blacklistUpdates:read', 'blacklistRequest:write']);
    });

    it('refuses a root or server user that is not safe, whoever calls it', () => {
      assert.throws(() => aclText({ root: 'lpr\ntopic readwrite #', serverUsers: ['a'] }), /root/);
      assert.throws(() => aclText({ root: 'lpr', serverUsers: ['a\ntopic readwrite #'] }), /serverUsers/);
    });

    it('property: for any valid root and users, every line has one of the allowed shapes', () => {
      fc.assert(
        fc.property(validRoot, fc.uniqueArray(validId, { minLength: 1, maxLength: 5 }), (root, users) => {
          const text = aclText({ root, serverUsers: users });
          for (const line of text.split('\n')) assert.equal(aclLineProblem(line, root), null);
          assert.equal(text.split('\n').filter((l) => l.startsWith('user ')).length, users.length);
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('mosquitto.conf', () => {
    const base = resolveProvisionOptions({ out: '/srv/lpr', cameras: ['CAM1'] });

    function settings(text: string): Map<string, string[]> {
      const map = new Map<string, string[]>();
      for (const line of text.split('\n')) {
        if (line === '' || line.startsWith('#')) continue;
        const space = line.indexOf(' ');
        const key = line.slice(0, space);
        map.set(key, [...(map.get(key) ?? []), line.slice(space + 1)]);
      }
      return map;
    }

    it('has the security, persistence, queue and logging settings', () => {
      const s = settings(confText(base, '/srv/lpr'));
      assert.deepEqual(s.get('per_listener_settings'), ['false']);
      assert.deepEqual(s.get('allow_anonymous'), ['false']);
      assert.deepEqual(s.get('password_file'), ['/srv/lpr/passwd']);
      assert.deepEqual(s.get('acl_file'), ['/srv/lpr/acl']);
      assert.deepEqual(s.get('listener'), ['1883 0.0.0.0']);
      assert.deepEqual(s.get('persistence'), ['true']);
      assert.deepEqual(s.get('persistence_location'), ['/srv/lpr/data/']);
      assert.deepEqual(s.get('message_size_limit'), ['262144']);
      assert.deepEqual(s.get('max_queued_messages'), ['1000000']);
      assert.deepEqual(s.get('max_inflight_messages'), ['100']);
      assert.deepEqual(s.get('log_dest'), ['file /srv/lpr/log/mosquitto.log']);
      assert.deepEqual(s.get('connection_messages'), ['true']);
      assert.ok(s.get('log_type')!.includes('notice') && s.get('log_type')!.includes('information') && s.get('log_type')!.includes('subscribe'));
      assert.equal(s.get('cafile'), undefined, 'no TLS settings without --tls');
      assert.equal(s.get('user'), undefined);
    });

    it('adds a TLS 1.2+ listener, mTLS and identity-as-username only when asked', () => {
      const tls = settings(confText({ ...base, tls: true, port: 0 }, '/srv/lpr'));
      assert.deepEqual(tls.get('listener'), ['8883 0.0.0.0']);
      assert.deepEqual(tls.get('tls_version'), ['tlsv1.2']);
      assert.deepEqual(tls.get('require_certificate'), ['false']);
      assert.deepEqual(tls.get('cafile'), ['/srv/lpr/certs/ca.crt']);
      assert.deepEqual(tls.get('certfile'), ['/srv/lpr/certs/server.crt']);
      assert.deepEqual(tls.get('keyfile'), ['/srv/lpr/certs/server.key']);
      assert.equal(tls.get('use_identity_as_username'), undefined);
      const mtls = settings(confText({ ...base, tls: true, mtls: true, identityAsUsername: true, bind: '127.0.0.1' }, '/srv/lpr'));
      assert.deepEqual(mtls.get('listener'), ['1883 127.0.0.1', '8883 0.0.0.0']);
      assert.deepEqual(mtls.get('require_certificate'), ['true']);
      assert.deepEqual(mtls.get('use_identity_as_username'), ['true']);
    });

    it('writes every listener setting inside its listener: nothing listener-scoped before the first listener line', () => {
      for (const extra of [{}, { tls: true }, { tls: true, mtls: true, identityAsUsername: true, port: 0 }, { usernameAsClientid: false }]) {
        const o = resolveProvisionOptions({ out: '/srv/lpr', ...extra });
        const text = confText(o, '/srv/lpr');
        const head = text.slice(0, text.indexOf('\nlistener '));
        assert.doesNotMatch(head, /^(use_username_as_clientid|use_identity_as_username|require_certificate|cafile|certfile|keyfile|protocol|port|bind_address) /m, JSON.stringify(extra));
        assert.deepEqual(listenerProblems(text, requestedListeners(o)), []);
      }
      const uac = settings(confText(resolveProvisionOptions({ out: '/srv/lpr', tls: true }), '/srv/lpr'));
      assert.deepEqual(uac.get('use_username_as_clientid'), ['true', 'true'], 'by default, on both listeners');
      const off = settings(confText(resolveProvisionOptions({ out: '/srv/lpr', tls: true, usernameAsClientid: false }), '/srv/lpr'));
      assert.equal(off.get('use_username_as_clientid'), undefined);
    });

    describe('listenerProblems: the check run before the file is written', () => {
      const o = resolveProvisionOptions({ out: '/srv/lpr', bind: '127.0.0.1', tls: true, tlsBind: '127.0.0.1' });
      const good = confText(o, '/srv/lpr');
      const expected = requestedListeners(o);
      const problems = (text: string) => listenerProblems(text, expected).join('\n');

      it('refuses a listener setting before the first listener (how --username-as-clientid opened 0.0.0.0:1883)', () => {
        const bad = good.replace('per_listener_settings false', 'per_listener_settings false\nuse_username_as_clientid true');
        assert.match(problems(bad), /"use_username_as_clientid true" comes before any listener line: Mosquitto would open a plain listener on 0\.0\.0\.0:1883/);
        assert.match(problems(good.replace('allow_anonymous false', 'allow_anonymous false\nrequire_certificate true')), /require_certificate true" comes before any listener/);
        assert.match(problems(`port 1883\n${good}`), /opens or moves the default listener/);
      });

      it('refuses a listener not asked for, one without an address, a missing one, a plain one where TLS was asked, include_dir', () => {
        assert.match(problems(`${good}\nlistener 1884 127.0.0.1\n`), /listener 127\.0\.0\.1 port 1884 was not asked for/);
        assert.match(problems(good.replace('listener 1883 127.0.0.1', 'listener 1883')), /names no single address: Mosquitto would listen on every interface/);
        assert.match(problems(good.replace('listener 1883 127.0.0.1', 'listener 1883 0.0.0.0')), /0\.0\.0\.0 port 1883 was not asked for[\s\S]*127\.0\.0\.1 port 1883 is missing/);
        assert.match(problems(good.replace(/^certfile .*$/m, '')), /port 8883 should use TLS/);
        assert.match(problems(good.replace(/^use_username_as_clientid true$/m, '')), /port 1883 lacks use_username_as_clientid true/);
        assert.match(problems(`${good}\ninclude_dir /etc/mosquitto/conf.d\n`), /include_dir could add listeners/);
        assert.match(problems(good.replace('per_listener_settings false', 'per_listener_settings true')), /per_listener_settings must be false/);
        assert.equal(problems(good), '');
      });
    });

    it('refuses a directory that would break a line', () => {
      assert.throws(() => confText(base, '/srv/lpr\nallow_anonymous true'), /control character/);
    });

    it('property: for any valid options every line is a comment or one "key value" setting', () => {
      const options = fc.record({
        root: validRoot,
        port: fc.integer({ min: 1, max: 65_535 }),
        tls: fc.boolean(),
        mtls: fc.boolean(),
        maxQueuedMessages: fc.nat({ max: 1_000_000_000 }),
        logDest: fc.constantFrom('file', 'stderr', 'syslog'),
        bind: fc.constantFrom('0.0.0.0', '127.0.0.1', '::', 'mqtt.example.com'),
        usernameAsClientid: fc.boolean(),
        identityAsUsername: fc.boolean(),
      });
      fc.assert(
        fc.property(options, (partial) => {
          const mtls = partial.tls && partial.mtls;
          const o = resolveProvisionOptions({ out: '/x', ...partial, tlsPort: partial.port === 8883 ? 8884 : 8883, mtls, identityAsUsername: mtls && partial.identityAsUsername });
          const text = confText(o, '/srv/lpr dir');
          assert.deepEqual(listenerProblems(text, requestedListeners(o)), []);
          for (const line of text.split('\n')) {
            assert.ok(line === '' || line.startsWith('#') || /^[a-z0-9_]+ [^\n\r]+$/.test(line), `bad line ${JSON.stringify(line)}`);
          }
          assert.equal(new RegExp(`^${ROOT}$`).test(o.root), true);
        }),
        { numRuns: 200 },
      );
    });
  });
});
