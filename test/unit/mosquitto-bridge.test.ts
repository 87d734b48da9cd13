/** lpr-mosquitto, many sites: bridge topics and directions from POLICY, the generated text, what is refused. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import {
  aclText,
  bridgeConfLines,
  bridgeDirection,
  bridgeProblems,
  BRIDGED_KINDS,
  bridgeTopics,
  CAMERA_ACCESS,
  centreAclLines,
  checkSiteBundles,
  confText,
  MosquittoOptionError,
  parseMosquittoArgs,
  provision,
  resolveProvisionOptions,
  mosquittoVersion,
  tlsBridgeWarning,
  type BridgeSpec,
  type SiteBundle,
} from '../../src/mosquitto';
import { POLICY } from '../../src/protocol';
import { validId } from './arbitraries';

const SPEC: BridgeSpec = {
  site: 'lot-a', root: 'lprserver', cameras: ['A1', 'A2'], host: 'centre.example.com', port: 8883, user: 'site-lot-a', password: 'pw-123456789',
  tls: true, cafile: '/etc/lpr/ca.crt', certfile: '/etc/lpr/site.crt', keyfile: '/etc/lpr/site.key', keepalive: 30, retry: [2, 30],
};

function refuses(fn: () => unknown, field: string, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof MosquittoOptionError, `expected MosquittoOptionError, got ${String(err)}`);
    assert.equal(err.field, field);
    if (message) assert.match(err.message, message);
    return true;
  });
}

describe('lpr-mosquitto: bridged sites', () => {
  describe('topics and directions come from POLICY', () => {
    it('camera → server goes out, server → camera comes in, blacklist/updates both ways; nothing else crosses', () => {
      assert.equal(bridgeDirection('detection'), 'out');
      assert.equal(bridgeDirection('detectionAck'), 'in');
      assert.equal(bridgeDirection('control'), 'in');
      assert.equal(bridgeDirection('controlResponse'), 'out');
      assert.equal(bridgeDirection('health'), 'out');
      assert.equal(bridgeDirection('config'), 'out');
      assert.equal(bridgeDirection('configUpdate'), 'in');
      assert.equal(bridgeDirection('blacklistUpdates'), 'both');
      assert.equal(bridgeDirection('blacklistRequest'), 'out');
      assert.equal(bridgeDirection('blacklistAnswer'), 'in');
      assert.equal(bridgeDirection('blacklistEdgeNotification'), 'out');
      for (const kind of ['systemStatus', 'systemControl', 'checkpointStatus', 'blacklistNotifications'] as const) assert.equal(bridgeDirection(kind), null, kind);
    });

    it('carries exactly what a camera may use (the camera ACL), in the same sense', () => {
      assert.deepEqual(new Set(BRIDGED_KINDS), new Set(CAMERA_ACCESS.map((a) => a.kind)));
      for (const { kind, access } of CAMERA_ACCESS) {
        const d = bridgeDirection(kind);
        assert.ok(d === 'both' || d === (access === 'write' ? 'out' : 'in'), `${kind}: ${access} but ${d}`);
      }
    });

    it('names each camera\'s topics, with the QoS of the protocol, never a wildcard but control/response/# and images/+', () => {
      const topics = bridgeTopics('lprserver', ['A1', 'A2']);
      assert.ok(topics.some((t) => t.topic === 'lprserver/cameras/A1/detection' && t.direction === 'out' && t.qos === 1));
      assert.ok(topics.some((t) => t.topic === 'lprserver/cameras/A2/control' && t.direction === 'in' && t.qos === 2));
      assert.ok(topics.some((t) => t.topic === 'lprserver/blacklist/updates' && t.direction === 'both'));
      for (const t of topics) {
        if (t.kind === 'image') {
          // A detection's picture: one level below images (its message_id), out at QoS 1.
          assert.match(t.topic, /^lprserver\/cameras\/A[12]\/images\/\+$/);
          assert.deepEqual([t.direction, t.qos], ['out', 1]);
          continue;
        }
        assert.equal(t.qos, POLICY[t.kind].qos);
        assert.ok(!t.topic.includes('+') && (!t.topic.includes('#') || t.topic.endsWith('/control/response/#')), t.topic);
      }
      assert.equal(topics.filter((t) => t.topic.includes('/A1/')).length, topics.filter((t) => t.topic.includes('/A2/')).length);
    });
  });

  describe('generated text', () => {
    it('a persistent, TLS, per-site bridge', () => {
      const lines = bridgeConfLines(SPEC);
      for (const line of [
        'connection lpr-lot-a', 'address centre.example.com:8883', 'cleansession false', 'remote_clientid site-lot-a', 'local_clientid lpr-bridge.lot-a',
        'remote_username site-lot-a', 'remote_password pw-123456789', 'keepalive_interval 30', 'restart_timeout 2 30', 'bridge_cafile /etc/lpr/ca.crt',
        'bridge_certfile /etc/lpr/site.crt', 'bridge_keyfile /etc/lpr/site.key', 'bridge_tls_version tlsv1.2', 'bridge_insecure false',
        'notifications_local_only true', 'topic lprserver/cameras/A1/detection out 1', 'topic lprserver/cameras/A1/detection/ack in 1',
        'topic lprserver/blacklist/updates both 1', 'topic lprserver/cameras/A2/control/response/# out 2',
      ]) assert.ok(lines.includes(line), `missing ${line}`);
      assert.ok(bridgeConfLines({ ...SPEC, cafile: undefined }).includes('bridge_capath /etc/ssl/certs'));
      assert.ok(!bridgeConfLines({ ...SPEC, tls: false, cafile: undefined, certfile: undefined, keyfile: undefined }).some((l) => l.startsWith('bridge_ca')));
    });

    it('the centre ACL gives the bridge user its own cameras only', () => {
      const lines = centreAclLines('lprserver', 'site-lot-a', ['A1'], 'lot-a').filter((l) => !l.startsWith('#'));
      assert.equal(lines[0], 'user site-lot-a');
      assert.ok(lines.includes('topic write lprserver/cameras/A1/detection'));
      assert.ok(lines.includes('topic read lprserver/cameras/A1/detection/ack'));
      assert.ok(lines.includes('topic readwrite lprserver/blacklist/updates'));
      for (const l of lines.slice(1)) assert.match(l, /^topic (read|write|readwrite) lprserver\/(cameras\/A1\/[a-z/]+(\/#|\/\+)?|blacklist\/(updates|request))$/);
      assert.ok(lines.includes('topic write lprserver/cameras/A1/images/+'), 'its pictures');
      const acl = aclText({ root: 'lprserver', serverUsers: ['srv'], sites: [{ site: 'lot-a', user: 'site-lot-a', cameras: ['A1'] }] });
      assert.ok(acl.indexOf('user site-lot-a') < acl.indexOf('pattern '), 'site users before the patterns');
    });
  });

  describe('a bridge that would forward where it was not asked to is refused', () => {
    const base = resolveProvisionOptions({ out: '/x', bind: '127.0.0.1' });
    const good = confText(base, '/x', 't', SPEC);
    it('the generated file passes', () => assert.deepEqual(bridgeProblems(good, SPEC), []));
    for (const [name, edit] of [
      ['a # topic', (t: string) => `${t}topic # both 1\n`],
      ['another site\'s camera', (t: string) => `${t}topic lprserver/cameras/B1/detection out 1\n`],
      ['a remote prefix', (t: string) => t.replace('topic lprserver/cameras/A1/detection out 1', 'topic lprserver/cameras/A1/detection out 1 "" x/')],
      ['another address', (t: string) => t.replace('address centre.example.com:8883', 'address evil.example.com:8883')],
      ['a second address', (t: string) => t.replace('address centre.example.com:8883', 'address centre.example.com:8883 evil.example.com:1883')],
      ['a clean session', (t: string) => t.replace('cleansession false', 'cleansession true')],
      ['no TLS check', (t: string) => t.replace('bridge_insecure false', 'bridge_insecure true')],
      ['a topic missing', (t: string) => t.replace('topic lprserver/cameras/A2/control in 2\n', '')],
      ['a second connection', (t: string) => `${t}connection other\naddress a:1\n`],
    ] as const) {
      it(name, () => assert.notDeepEqual(bridgeProblems(edit(good), SPEC), [], name));
    }
    it('a bridge in a file that asked for none', () => {
      assert.deepEqual(bridgeProblems(confText(base, '/x', 't'), null), []);
      assert.notDeepEqual(bridgeProblems(good, null), []);
    });
  });

  describe('options', () => {
    it('--site and --bridge-host go together; TLS files need TLS; certificate and key together', () => {
      refuses(() => resolveProvisionOptions({ out: '/x', site: 'a' }), 'bridgeHost', /--site/);
      refuses(() => resolveProvisionOptions({ out: '/x', bridgeHost: 'c.example.com' }), 'site');
      refuses(() => resolveProvisionOptions({ out: '/x', site: 'a', bridgeHost: 'c', bridgeTls: false, bridgeCafile: '/ca' }), 'bridgeCafile', /TLS/);
      refuses(() => resolveProvisionOptions({ out: '/x', site: 'a', bridgeHost: 'c', bridgeCertfile: '/c' }), 'bridgeKeyfile');
      refuses(() => resolveProvisionOptions({ out: '/x', site: 'a', bridgeHost: 'c', bridgeRetry: [10, 5] }), 'bridgeRetry');
      refuses(() => resolveProvisionOptions({ out: '/x', site: 'a', bridgeHost: 'c', bridgeKeepalive: 2 }), 'bridgeKeepalive');
      refuses(() => resolveProvisionOptions({ out: '/x', site: 'a'.repeat(60), bridgeHost: 'c' }), 'site', /bridge user/);
    });

    it('the command line', () => {
      const r = parseMosquittoArgs(['--out', '/x', '--site', 'lot-a', '--bridge-host', '10.0.0.1', '--bridge-port', '1884', '--no-bridge-tls', '--bridge-retry', '1,5', '--bridge-keepalive', '10', '--site-bundle', 'a.json', '--site-bundle', 'b.json']);
      assert.equal(r.help, false);
      if (r.help) return;
      assert.equal(r.options.site, 'lot-a');
      assert.equal(r.options.bridgeHost, '10.0.0.1');
      assert.equal(r.options.bridgePort, 1884);
      assert.equal(r.options.bridgeTls, false);
      assert.deepEqual(r.options.bridgeRetry, [1, 5]);
      assert.deepEqual(r.options.siteBundles, ['a.json', 'b.json']);
      refuses(() => parseMosquittoArgs(['--out', '/x', '--site', 'a', '--bridge-host', 'c', '--bridge-retry', '1,x']), 'bridgeRetry');
    });

    it('property: a site name or bridge host holding a space, newline, "/", "+", "#" or ":" is refused; a valid one makes only allowed lines', () => {
      const bad = fc.tuple(validId, fc.constantFrom(' ', '\n', '/', '+', '#', '\r', '\t', '"', ':'), validId).map(([a, c, b]) => `${a}${c}${b}`);
      fc.assert(
        fc.property(bad, (name) => {
          refuses(() => resolveProvisionOptions({ out: '/x', site: name, bridgeHost: 'c.example.com' }), 'site');
          refuses(() => resolveProvisionOptions({ out: '/x', site: 'a', bridgeHost: name }), 'bridgeHost');
        }),
        { numRuns: 300 },
      );
      const host = fc.oneof(fc.ipV4(), fc.domain().filter((d) => d.length <= 253));
      fc.assert(
        fc.property(validId.filter((s) => s.length <= 58), host, fc.uniqueArray(validId, { minLength: 1, maxLength: 4 }), (site, h, cameras) => {
          const o = resolveProvisionOptions({ out: '/x', site, bridgeHost: h, cameras });
          const lines = bridgeConfLines({ ...SPEC, site, host: o.bridgeHost!, user: `site-${site}`, cameras });
          for (const line of lines) {
            assert.ok(!/[\r\u0000]/.test(line));
            if (line.startsWith('#')) continue;
            assert.match(line, /^(restart_timeout \d+ \d+|topic \S+ (out|in|both) [012]|(?!topic )[a-z_]+ \S+)$/, line);
          }
        }),
        { numRuns: 200 },
      );
    });
  });

  it('warns about a TLS bridge on a Mosquitto before 2.0.15 (the installed one is asked)', async () => {
    assert.match(tlsBridgeWarning([2, 0, 11])!, /2\.0\.15.*#2594/);
    assert.equal(tlsBridgeWarning([2, 0, 15]), null);
    assert.equal(tlsBridgeWarning([2, 1, 0]), null);
    assert.equal(tlsBridgeWarning(null), null);
    const v = await mosquittoVersion();
    assert.ok(v && v[0] === 2, `mosquitto -h gave ${JSON.stringify(v)}`);
  });

  describe('site bundles at the centre', () => {
    const bundle = (site: string, cameras: string[]): SiteBundle => ({ format: 'lpr-site-bundle/1', site, root: 'lprserver', username: `site-${site}`, passwordHash: '$7$101$abc$def', cameras });
    it('refuses a camera in two sites, a clash with a centre user, another root', () => {
      assert.doesNotThrow(() => checkSiteBundles([bundle('a', ['A1']), bundle('b', ['B1'])], 'lprserver', new Set(['lprserver'])));
      refuses(() => checkSiteBundles([bundle('a', ['X1']), bundle('b', ['X1'])], 'lprserver', new Set()), 'siteBundles[1]', /unique across sites/);
      refuses(() => checkSiteBundles([bundle('a', ['lprserver'])], 'lprserver', new Set(['lprserver'])), 'siteBundles[0]');
      refuses(() => checkSiteBundles([{ ...bundle('a', []), root: 'other' }], 'lprserver', new Set()), 'siteBundles[0]', /root/);
    });

    it('a site run writes the bundle, the centre takes it (real mosquitto_passwd); a forged bundle is refused', async function () {
      this.timeout(30_000);
      const dir = mkdtempSync(path.join(os.tmpdir(), 'lpr-bundle-'));
      try {
        const site = await provision(resolveProvisionOptions({ out: path.join(dir, 'site'), site: 'lot-a', cameras: ['A1'], bridgeHost: 'c.example.com' }), { generatedBy: 't' });
        assert.equal(site.bridge?.password, 'generated');
        const conf = readFileSync(path.join(dir, 'site', 'mosquitto.conf'), 'utf8');
        assert.equal(statSync(path.join(dir, 'site', 'mosquitto.conf')).mode & 0o077, 0, 'the conf holds the bridge password: owner only');
        assert.match(conf, /^remote_password \S{32}$/m);
        const again = await provision(resolveProvisionOptions({ out: path.join(dir, 'site'), site: 'lot-a', cameras: ['A1'], bridgeHost: 'c.example.com' }), { generatedBy: 't' });
        assert.equal(again.bridge?.password, 'kept');
        const file = path.join(dir, 'site', 'centre', 'site.json');
        const centre = await provision(resolveProvisionOptions({ out: path.join(dir, 'centre'), siteBundles: [file] }), { generatedBy: 't' });
        assert.ok(centre.accounts.some((a) => a.username === 'site-lot-a' && a.role === 'site'));
        assert.match(readFileSync(path.join(dir, 'centre', 'passwd'), 'utf8'), /^site-lot-a:\$7\$/m);
        assert.match(readFileSync(path.join(dir, 'centre', 'acl'), 'utf8'), /^topic write lprserver\/cameras\/A1\/detection$/m);
        const forged = JSON.parse(readFileSync(file, 'utf8'));
        forged.passwordHash = '$7$x\nuser evil';
        writeFileSync(file, JSON.stringify(forged));
        await assert.rejects(provision(resolveProvisionOptions({ out: path.join(dir, 'centre'), siteBundles: [file] })), /siteBundles\[0\].*passwordHash/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
