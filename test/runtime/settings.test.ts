import assert from 'node:assert/strict';
import fc from 'fast-check';
import { brokerUrl, defaultClientId, readBrokerSettings, redactUrl } from '../../src/runtime/broker-settings';
import { ConfigError, readBoolean, readNumber, readString } from '../../src/runtime/settings';
import { validateTimeZone, validateEra } from '../../src/editor/shared/validate';

/** Runs `fn` and returns the ConfigError it throws; fails on anything else. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigError, nothing was thrown');
}

const fieldName = fc.constantFrom('port', 'keepalive', 'dedupe', 'x', 'maxBytes');
const anyValue = fc.oneof(
  fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withBoxedValues: true, withNullPrototype: true, withSparseArray: true, withTypedArray: true }),
  fc.string(),
  fc.double(),
  fc.integer().map(String),
  fc.double().map((d) => ` ${d} `),
  fc.constantFrom('', ' ', '\t', 'NaN', 'Infinity', '-Infinity', '1e3', '0x10', 'true', '12abc', '1_000'),
);
const range = fc.record(
  { min: fc.integer({ min: -100, max: 100 }), max: fc.integer({ min: -100, max: 10_000 }), integer: fc.boolean() },
  { requiredKeys: [] },
);

describe('runtime/settings', () => {
  describe('readNumber', () => {
    it('property: returns a finite number within range or throws a ConfigError naming the field', () => {
      fc.assert(
        fc.property(fieldName, anyValue, range, fc.integer(), (field, raw, r, fallback) => {
          let value: number;
          try {
            value = readNumber({ [field]: raw }, field, fallback, r);
          } catch (err) {
            assert.ok(err instanceof ConfigError, `only ConfigError, got ${String(err)}`);
            assert.equal(err.field, field);
            assert.ok(err.message.startsWith(`${field}: `), err.message);
            return;
          }
          if (value === fallback) return;
          assert.ok(Number.isFinite(value));
          if (r.integer) assert.ok(Number.isInteger(value));
          if (r.min !== undefined) assert.ok(value >= r.min);
          if (r.max !== undefined) assert.ok(value <= r.max);
        }),
        { numRuns: 3000 },
      );
    });

    it('never throws for values a cyclic or throwing toJSON would break JSON.stringify on', () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      for (const raw of [10n, cyclic, { toJSON: () => { throw new Error('boom'); } }, Symbol('s'), () => 1]) {
        const err = configError(() => readNumber({ n: raw }, 'n', 1));
        assert.equal(err.field, 'n');
        const b = configError(() => readBoolean({ b: raw }, 'b', true));
        assert.equal(b.field, 'b');
      }
    });

    it('reads numbers and numeric text, and falls back on undefined, null, empty or blank text', () => {
      assert.equal(readNumber({ n: 5 }, 'n', 1), 5);
      assert.equal(readNumber({ n: ' 5 ' }, 'n', 1), 5);
      assert.equal(readNumber({ n: '2.5' }, 'n', 1), 2.5);
      assert.equal(readNumber({}, 'n', 7), 7);
      assert.equal(readNumber({ n: null }, 'n', 7), 7);
      assert.equal(readNumber({ n: '' }, 'n', 7), 7);
      // A blank field is "not set", not 0 (0 would switch keepalive or dedupe off).
      assert.equal(readNumber({ n: '   ' }, 'n', 7), 7);
      assert.equal(readNumber({ n: 0 }, 'n', 7), 0);
      assert.equal(readNumber({ n: '0' }, 'n', 7), 0);
    });

    it('throws ConfigError naming the field for non-numbers and out-of-range values', () => {
      assert.equal(configError(() => readNumber({ port: 'abc' }, 'port', 1)).field, 'port');
      assert.match(configError(() => readNumber({ port: 'abc' }, 'port', 1)).message, /^port: must be a number, got "abc"$/);
      assert.equal(configError(() => readNumber({ port: true }, 'port', 1)).field, 'port');
      assert.equal(configError(() => readNumber({ port: [] }, 'port', 1)).field, 'port');
      assert.equal(configError(() => readNumber({ port: NaN }, 'port', 1)).field, 'port');
      assert.equal(configError(() => readNumber({ port: Infinity }, 'port', 1)).field, 'port');
      assert.match(configError(() => readNumber({ port: 1.5 }, 'port', 1, { integer: true })).message, /whole number/);
      assert.match(configError(() => readNumber({ port: 0 }, 'port', 1, { min: 1 })).message, /at least 1/);
      assert.match(configError(() => readNumber({ port: 70000 }, 'port', 1, { max: 65535 })).message, /at most 65535/);
    });
  });

  describe('readBoolean / readString', () => {
    it('reads booleans and their text, else ConfigError naming the field', () => {
      assert.equal(readBoolean({ b: true }, 'b', false), true);
      assert.equal(readBoolean({ b: 'false' }, 'b', true), false);
      assert.equal(readBoolean({ b: '' }, 'b', true), true);
      assert.equal(readBoolean({}, 'b', false), false);
      assert.equal(configError(() => readBoolean({ ack: 'yes' }, 'ack', true)).field, 'ack');
      assert.equal(configError(() => readBoolean({ ack: 1 }, 'ack', true)).field, 'ack');
    });

    it('property: readBoolean and readString throw only ConfigError naming the field', () => {
      fc.assert(
        fc.property(fieldName, anyValue, (field, raw) => {
          for (const read of [() => readBoolean({ [field]: raw }, field, false), () => readString({ [field]: raw }, field, 'd', 50)]) {
            try {
              read();
            } catch (err) {
              assert.ok(err instanceof ConfigError, String(err));
              assert.equal(err.field, field);
            }
          }
        }),
        { numRuns: 1000 },
      );
    });

    it('readString trims, falls back on undefined/null, limits length', () => {
      assert.equal(readString({ s: '  a b ' }, 's', 'd'), 'a b');
      assert.equal(readString({}, 's', 'd'), 'd');
      assert.equal(readString({ s: null }, 's', 'd'), 'd');
      assert.equal(configError(() => readString({ s: 5 }, 's', 'd')).field, 's');
      assert.equal(configError(() => readString({ s: 'x'.repeat(11) }, 's', 'd', 10)).field, 's');
    });
  });

  describe('brokerUrl', () => {
    it('builds mqtt:// and mqtts:// URLs from host names and IPv4', () => {
      assert.equal(brokerUrl('localhost', 1883, false), 'mqtt://localhost:1883');
      assert.equal(brokerUrl(' broker.example.com ', 8883, true), 'mqtts://broker.example.com:8883');
      assert.equal(brokerUrl('10.0.0.5', 1884, false), 'mqtt://10.0.0.5:1884');
      assert.equal(brokerUrl('mosquitto', 1883, false), 'mqtt://mosquitto:1883');
    });

    it('brackets IPv6 addresses', () => {
      assert.equal(brokerUrl('::1', 1883, false), 'mqtt://[::1]:1883');
      assert.equal(brokerUrl('[::1]', 1883, false), 'mqtt://[::1]:1883');
      assert.equal(brokerUrl('fd00::10:1', 8883, true), 'mqtts://[fd00::10:1]:8883');
    });

    it('keeps a URL port, fills a missing mqtt/mqtts port from the port field', () => {
      assert.equal(brokerUrl('mqtt://b.example:1999', 1883, false), 'mqtt://b.example:1999');
      assert.equal(brokerUrl('mqtt://b.example', 1884, false), 'mqtt://b.example:1884');
      assert.equal(brokerUrl('mqtt://b.example/', 1884, false), 'mqtt://b.example:1884');
      assert.equal(brokerUrl('mqtts://b.example', 8883, false), 'mqtts://b.example:8883');
      assert.equal(brokerUrl('MQTT://B.example', 1883, false).toLowerCase(), 'mqtt://b.example:1883');
      assert.equal(brokerUrl('mqtt://[::1]', 1883, false), 'mqtt://[::1]:1883');
    });

    it('keeps ws/wss URLs with their paths (no port filled in)', () => {
      assert.equal(brokerUrl('ws://b.example:8080/mqtt', 1883, false), 'ws://b.example:8080/mqtt');
      assert.equal(brokerUrl('wss://b.example/mqtt', 1883, false), 'wss://b.example/mqtt');
      assert.equal(brokerUrl('ws://b.example', 1883, false), 'ws://b.example');
      assert.equal(brokerUrl('wss://b.example:9443/path/to/mqtt', 1883, false), 'wss://b.example:9443/path/to/mqtt');
    });

    it('rejects bad schemes, empty hosts and things that are no host', () => {
      for (const bad of ['http://b.example', 'https://b.example', 'ftp://x', 'file:///etc/passwd', '', '   ', 'a b', 'host/path', 'h?x', 'h#x', 'user@host', 'mqtt://', 'mqtts://', 'ws://', 'mqtt://:1883', 'broker.local:1883', '10.0.0.5:1883', 'ho^st', 'a|b', 'fe80::1%eth0']) {
        const err = configError(() => brokerUrl(bad, 1883, false));
        assert.equal(err.field, 'broker', bad);
      }
    });

    it('property: returns a parseable URL with a host, or throws ConfigError("broker")', () => {
      const hostish = fc.oneof(
        fc.string(),
        fc.string({ unit: fc.constantFrom('a', 'b', '1', '.', '-', ':', '[', ']', '/', '@', '%', '^', ' ', '_') }),
        fc.constantFrom('mqtt://', 'ws://', 'wss://', 'mqtts://', 'tcp://', 'http://').chain((s) => fc.string().map((r) => s + r)),
      );
      fc.assert(
        fc.property(hostish, fc.integer({ min: 1, max: 65535 }), fc.boolean(), (host, port, tls) => {
          let url: string;
          try {
            url = brokerUrl(host, port, tls);
          } catch (err) {
            assert.ok(err instanceof ConfigError, String(err));
            assert.equal(err.field, 'broker');
            return;
          }
          const parsed = new URL(url);
          assert.notEqual(parsed.hostname, '', `${JSON.stringify(host)} -> ${url}`);
          assert.ok(['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:', 'ssl:', 'tls:'].includes(parsed.protocol));
        }),
        { numRuns: 3000 },
      );
    });

    it('property: a plain host name becomes scheme://host:port', () => {
      const label = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split('')), minLength: 1, maxLength: 20 });
      fc.assert(
        fc.property(fc.array(label, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 65535 }), fc.boolean(), (labels, port, tls) => {
          const host = labels.join('.');
          assert.equal(brokerUrl(host, port, tls), `${tls ? 'mqtts' : 'mqtt'}://${host}:${port}`);
        }),
      );
    });
  });

  describe('defaultClientId', () => {
    it('property: never contains +, #, /, spaces and is at most 64 characters', () => {
      fc.assert(
        fc.property(fc.string(), fc.string(), (host, id) => {
          const clientId = defaultClientId(host, id);
          assert.match(clientId, /^lpr-[A-Za-z0-9_.-]*$/);
          assert.ok(clientId.length <= 64);
        }),
      );
      assert.equal(defaultClientId('my host', 'a1b2.c3'), 'lpr-my_host-a1b2.c3');
    });

    it('property: two nodes on one host never share an id, however long the host name; a Node-RED node id is kept whole', () => {
      const nodeRedId = fc.oneof(fc.stringMatching(/^[0-9a-f]{16}$/), fc.stringMatching(/^[0-9a-f]{8}\.[0-9a-f]{1,6}$/));
      fc.assert(
        fc.property(fc.string({ maxLength: 300 }), fc.oneof(nodeRedId, fc.string({ maxLength: 100 })), fc.oneof(nodeRedId, fc.string({ maxLength: 100 })), (host, a, b) => {
          fc.pre(a !== b);
          const [x, y] = [defaultClientId(host, a), defaultClientId(host, b)];
          for (const id of [x, y]) {
            assert.match(id, /^lpr-[A-Za-z0-9_.-]*$/);
            assert.ok(id.length <= 64, id);
          }
          assert.notEqual(x, y);
        }),
      );
      fc.assert(
        fc.property(fc.string({ minLength: 1, maxLength: 300 }), nodeRedId, (host, id) => {
          assert.ok(defaultClientId(host, id).endsWith(`-${id}`), 'the node id is whole at the end');
        }),
      );
      const long = 'build-server-with-a-really-long-fully-qualified-name.ci.example.com';
      assert.notEqual(defaultClientId(long, '1a2b3c4d5e6f7a8b'), defaultClientId(long, '1a2b3c4d5e6f7a8c'));
      // Two long host names that differ only past the cut still give two ids (same flows on two hosts).
      assert.notEqual(defaultClientId(`${long}-a`, '1a2b3c4d5e6f7a8b'), defaultClientId(`${long}-b`, '1a2b3c4d5e6f7a8b'));
    });

    it("property: with the runtime's secret, the id is valid, keeps the node id, and differs from runtime to runtime", () => {
      const nodeRedId = fc.stringMatching(/^[0-9a-f]{16}$/);
      const secret = fc.stringMatching(/^[0-9a-f]{32}$/);
      fc.assert(
        fc.property(fc.string({ maxLength: 300 }), nodeRedId, secret, secret, (host, id, s1, s2) => {
          fc.pre(s1 !== s2);
          const [x, y] = [defaultClientId(host, id, s1), defaultClientId(host, id, s2)];
          for (const clientId of [x, y]) {
            assert.match(clientId, /^lpr-[A-Za-z0-9_.-]*$/);
            assert.ok(clientId.length <= 64, clientId);
            assert.ok(clientId.includes(`-${id}-`), 'the node id is whole');
            assert.ok(!clientId.includes(s1) && !clientId.includes(s2), 'the secret itself is not shown');
          }
          assert.notEqual(x, y, 'guessing needs the secret');
          assert.equal(defaultClientId(host, id, s1), x, 'the same on every start');
        }),
      );
    });
  });

  describe('redactUrl', () => {
    it('property: the user name and password of a broker URL never survive; a URL without them is unchanged', () => {
      const word = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split('')), minLength: 4, maxLength: 12 });
      fc.assert(
        fc.property(fc.constantFrom('mqtt', 'mqtts', 'ws', 'wss'), word, word, fc.integer({ min: 1, max: 65535 }), (scheme, user, password, port) => {
          const plain = brokerUrl(`${scheme}://broker.example:${port}`, 1883, false);
          assert.equal(redactUrl(plain), plain);
          const url = brokerUrl(`${scheme}://u${user}:p${password}@broker.example:${port}`, 1883, false);
          const shown = redactUrl(url);
          assert.ok(!shown.includes(`u${user}`) && !shown.includes(`p${password}`), shown);
          assert.equal(shown, plain.replace('://', '://***@'));
        }),
      );
    });
  });

  describe('readBrokerSettings', () => {
    it('has safe defaults', () => {
      const s = readBrokerSettings({}, 'lpr-fallback');
      assert.deepEqual(s, {
        url: 'mqtt://localhost:1883',
        protocolVersion: 4,
        clientId: 'lpr-fallback',
        cleanSession: false,
        sessionExpiry: 86_400,
        keepalive: 60,
        reconnectPeriodMs: 5000,
        connectTimeoutMs: 30_000,
        topicRoot: 'lprserver',
        usetls: false,
        birth: true,
        selfTest: true,
        queueLimit: 10_000,
        timeZone: 'UTC',
        era: 'gregorian',
      });
    });

    it("reads the site time zone (an IANA name; empty = the runtime's zone; missing = UTC, as flows saved before it)", () => {
      assert.equal(readBrokerSettings({ timeZone: 'Asia/Bangkok' }, 'fb').timeZone, 'Asia/Bangkok');
      assert.equal(readBrokerSettings({ timeZone: ' Europe/Paris ' }, 'fb').timeZone, 'Europe/Paris');
      assert.equal(readBrokerSettings({ timeZone: '' }, 'fb', 'Asia/Bangkok').timeZone, 'Asia/Bangkok');
      assert.equal(readBrokerSettings({ timeZone: ' ' }, 'fb', 'Europe/London').timeZone, 'Europe/London');
      assert.equal(readBrokerSettings({ timeZone: '' }, 'fb').timeZone, Intl.DateTimeFormat().resolvedOptions().timeZone);
      // A flow saved with the old default "UTC", or before the property existed, keeps UTC: its
      // zone-less camera times and analytics windows do not shift when it is deployed again.
      assert.equal(readBrokerSettings({ timeZone: 'UTC' }, 'fb', 'Asia/Bangkok').timeZone, 'UTC');
      assert.equal(readBrokerSettings({}, 'fb', 'Asia/Bangkok').timeZone, 'UTC');
      for (const timeZone of ['Mars/Olympus', 'GMT+25', 'Asia/Bangkok/x']) {
        const err = configError(() => readBrokerSettings({ timeZone }, 'fb'));
        assert.equal(err.field, 'timeZone', timeZone);
        assert.match(err.message, /^timeZone: .*IANA/);
      }
      assert.equal(configError(() => readBrokerSettings({ timeZone: 42 }, 'fb')).field, 'timeZone');
    });

    it('reads the era dates are shown in: empty or missing = Buddhist in Asia/Bangkok, else Gregorian', () => {
      assert.equal(readBrokerSettings({ timeZone: 'Asia/Bangkok' }, 'fb').era, 'buddhist');
      assert.equal(readBrokerSettings({ timeZone: 'Asia/Bangkok', era: '' }, 'fb').era, 'buddhist');
      assert.equal(readBrokerSettings({ timeZone: '' }, 'fb', 'Asia/Bangkok').era, 'buddhist');
      assert.equal(readBrokerSettings({ timeZone: 'Europe/London' }, 'fb').era, 'gregorian');
      assert.equal(readBrokerSettings({ timeZone: 'Asia/Bangkok', era: 'gregorian' }, 'fb').era, 'gregorian');
      assert.equal(readBrokerSettings({ timeZone: 'UTC', era: 'buddhist' }, 'fb').era, 'buddhist');
      for (const era of ['BE', 'thai', 42]) {
        const err = configError(() => readBrokerSettings({ era }, 'fb'));
        assert.equal(err.field, 'era', String(era));
        assert.match(err.message, /^era: /);
      }
    });

    it('the editor validates the era as the runtime does', () => {
      for (const era of ['', 'gregorian', 'buddhist', 'BE', 'Buddhist']) {
        let runtimeOk = true;
        try {
          readBrokerSettings({ era }, 'fb');
        } catch {
          runtimeOk = false;
        }
        const editor = validateEra(era, { label: 'Dates' });
        assert.equal(editor === true, runtimeOk, era);
        if (editor !== true) assert.match(editor, /^Dates: /);
      }
    });

    it('the editor validates the time zone as the runtime does', () => {
      for (const timeZone of ['', 'UTC', 'Asia/Bangkok', 'America/Argentina/Buenos_Aires', 'Mars/Olympus', 'GMT+25', 'utc', 'Etc/GMT-7']) {
        let runtimeOk = true;
        try {
          readBrokerSettings({ timeZone }, 'fb');
        } catch {
          runtimeOk = false;
        }
        const editor = validateTimeZone(timeZone, { label: 'Time zone' });
        assert.equal(editor === true, runtimeOk, timeZone);
        if (editor !== true) assert.match(editor, /^Time zone: must be an IANA time zone name/);
      }
    });

    it('reads the editor form (strings) and TLS default port', () => {
      const s = readBrokerSettings(
        { broker: 'b.example', port: '', usetls: 'true', protocolVersion: '5', clientId: ' cam-srv ', cleanSession: 'true', keepalive: '30', topicRoot: 'site/lpr', reconnectPeriod: '1.5', connectTimeout: '10', queueLimit: '0', birth: false },
        'fb',
      );
      assert.equal(s.url, 'mqtts://b.example:8883');
      assert.equal(s.protocolVersion, 5);
      assert.equal(s.clientId, 'cam-srv');
      assert.equal(s.cleanSession, true);
      assert.equal(s.keepalive, 30);
      assert.equal(s.topicRoot, 'site/lpr');
      assert.equal(s.reconnectPeriodMs, 1500);
      assert.equal(s.connectTimeoutMs, 10_000);
      assert.equal(s.queueLimit, 0);
      assert.equal(s.birth, false);
      assert.equal(readBrokerSettings({ topicRoot: '' }, 'fb').topicRoot, 'lprserver');
      assert.equal(readBrokerSettings({ clientId: '' }, 'fb').clientId, 'fb');
    });

    it('names the field in errors', () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ protocolVersion: 3 }, 'protocolVersion'],
        [{ protocolVersion: '4.5' }, 'protocolVersion'],
        [{ topicRoot: 'a/+' }, 'topicRoot'],
        [{ topicRoot: 'a/#' }, 'topicRoot'],
        [{ topicRoot: '$SYS' }, 'topicRoot'],
        [{ topicRoot: 'a//b' }, 'topicRoot'],
        [{ port: 0 }, 'port'],
        [{ port: 65536 }, 'port'],
        [{ port: 'x' }, 'port'],
        [{ clientId: 'a+b' }, 'clientId'],
        [{ clientId: 'a#' }, 'clientId'],
        [{ keepalive: -1 }, 'keepalive'],
        [{ reconnectPeriod: 0 }, 'reconnectPeriod'],
        [{ connectTimeout: 0 }, 'connectTimeout'],
        [{ queueLimit: -1 }, 'queueLimit'],
        [{ cleanSession: 'maybe' }, 'cleanSession'],
        [{ usetls: 1 }, 'usetls'],
        [{ broker: 'http://x' }, 'broker'],
        [{ broker: 'a b' }, 'broker'],
        [{ timeZone: 'Nowhere/Special' }, 'timeZone'],
      ];
      for (const [props, field] of cases) {
        const err = configError(() => readBrokerSettings(props, 'fb'));
        assert.equal(err.field, field, JSON.stringify(props));
        assert.ok(err.message.startsWith(`${field}: `), err.message);
      }
    });

    it('property: never throws anything but ConfigError for arbitrary property values', () => {
      const keys = fc.constantFrom('broker', 'port', 'protocolVersion', 'clientId', 'cleanSession', 'keepalive', 'topicRoot', 'usetls', 'reconnectPeriod', 'connectTimeout', 'queueLimit', 'sessionExpiry', 'birth', 'timeZone');
      fc.assert(
        fc.property(fc.dictionary(keys, anyValue, { maxKeys: 5 }), (props) => {
          try {
            const s = readBrokerSettings(props, 'fb');
            assert.ok(URL.canParse(s.url));
            assert.ok(s.protocolVersion === 4 || s.protocolVersion === 5);
          } catch (err) {
            assert.ok(err instanceof ConfigError, String(err));
          }
        }),
        { numRuns: 2000 },
      );
    });
  });
});
