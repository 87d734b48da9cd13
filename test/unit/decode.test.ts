import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodePayload,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_DEPTH,
  MESSAGE_KINDS,
  validateMessage,
  ValidationError,
  WHOLE_PAYLOAD,
  type Decoded,
  type MessageKind,
  type ValidationCode,
} from '../../src/protocol';
import { jsonDepth } from './json-depth';
import { seedDetection } from '../fixtures/samples';
import { referenceDepth } from './arbitraries';
import { exampleOf } from './messages';

/** Asserts a failed decode with `code` and returns its issues. */
function failure(result: Decoded<unknown>, code: ValidationCode): Array<{ path: string; message: string }> {
  if (result.ok) assert.fail(`expected ${code}, got ok`);
  assert.ok(result.error instanceof ValidationError);
  assert.equal(result.error.code, code, result.error.message);
  assert.ok(result.error.issues.length > 0);
  return result.error.issues;
}

/** `n` nested arrays around `inner`. */
function nest(n: number, inner: unknown = 0): unknown {
  let v = inner;
  for (let i = 0; i < n; i++) v = [v];
  return v;
}

describe('decode pipeline', () => {
  describe('size', () => {
    it('rejects a payload over the byte limit, as text or bytes', () => {
      const text = JSON.stringify(seedDetection());
      const limit = Buffer.byteLength(text) - 1;
      const issues = failure(decodePayload('detection', text, { maxBytes: limit }), 'too_large');
      assert.deepEqual(issues.map((i) => i.path), [WHOLE_PAYLOAD]);
      failure(decodePayload('detection', Buffer.from(text), { maxBytes: limit }), 'too_large');
      assert.equal(decodePayload('detection', text, { maxBytes: limit + 1 }).ok, true);
    });

    it('counts UTF-8 bytes, not UTF-16 code units', () => {
      const d = seedDetection();
      d.metadata.note = 'ก'.repeat(100); // 3 bytes each in UTF-8
      const text = JSON.stringify(d);
      const limit = text.length + 50; // enough for .length, not for the bytes
      failure(decodePayload('detection', text, { maxBytes: limit }), 'too_large');
      assert.equal(decodePayload('detection', text, { maxBytes: Buffer.byteLength(text) }).ok, true);
    });

    it('defaults the limit to 256 KiB', () => {
      assert.equal(DEFAULT_MAX_BYTES, 256 * 1024);
      const d = seedDetection();
      const base = Buffer.byteLength(JSON.stringify({ ...d, metadata: { pad: '' } }));
      d.metadata = { pad: 'x'.repeat(DEFAULT_MAX_BYTES - base) };
      assert.equal(decodePayload('detection', JSON.stringify(d)).ok, true);
      d.metadata.pad += 'x';
      failure(decodePayload('detection', JSON.stringify(d)), 'too_large');
    });
  });

  describe('encoding and syntax', () => {
    it('rejects an empty payload', () => {
      for (const empty of ['', new Uint8Array(0), Buffer.alloc(0)]) {
        const issues = failure(decodePayload('detection', empty), 'invalid_json');
        assert.deepEqual(issues.map((i) => i.path), [WHOLE_PAYLOAD]);
        assert.match(issues[0]!.message, /empty/);
      }
    });

    it('rejects bytes that are not UTF-8', () => {
      const bad = [
        Buffer.from([0xff, 0xfe]),
        Buffer.from([0xc0, 0xaf]), // overlong "/"
        Buffer.from([0xed, 0xa0, 0x80]), // a UTF-16 surrogate
        Buffer.from([0x7b, 0x22, 0xe0, 0x22, 0x3a, 0x31, 0x7d]), // {"<truncated>":1}
      ];
      for (const bytes of bad) {
        assert.deepEqual(failure(decodePayload('detection', bytes), 'invalid_utf8').map((i) => i.path), [WHOLE_PAYLOAD]);
      }
    });

    it('decodes UTF-8 bytes, non-ASCII text included', () => {
      const d = seedDetection();
      d.detection_data.plates[0].plate_number = 'กข1234';
      d.detection_data.plates[0].province = 'กรุงเทพมหานคร';
      const result = decodePayload('detection', new Uint8Array(Buffer.from(JSON.stringify(d))));
      assert.ok(result.ok);
      assert.deepEqual(result.value, d);
    });

    for (const text of ['{', '{"a":1,}', "{'a':1}", 'NaN', 'undefined', '{"a":1} x', '\u0000']) {
      it(`rejects invalid JSON ${JSON.stringify(text)}`, () => {
        const issues = failure(decodePayload('detection', text), 'invalid_json');
        assert.deepEqual(issues.map((i) => i.path), [WHOLE_PAYLOAD]);
      });
    }
  });

  describe('depth', () => {
    it('rejects a 300000-deep array quickly, without throwing', () => {
      const text = '['.repeat(300_000) + ']'.repeat(300_000);
      const started = Date.now();
      const result = decodePayload('detection', text, { maxBytes: 10_000_000 });
      assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
      assert.deepEqual(failure(result, 'too_deep').map((i) => i.path), [WHOLE_PAYLOAD]);
    });

    it('checks size before depth for the same payload under the default limit', () => {
      failure(decodePayload('detection', '['.repeat(300_000) + ']'.repeat(300_000)), 'too_large');
    });

    it('rejects an unterminated deep payload as too_deep too', () => {
      failure(decodePayload('detection', '{"a":'.repeat(1000)), 'too_deep');
    });

    it(`allows exactly ${DEFAULT_MAX_DEPTH} levels by default, not one more`, () => {
      assert.equal(DEFAULT_MAX_DEPTH, 32);
      const d = seedDetection();
      d.metadata = { deep: nest(DEFAULT_MAX_DEPTH - 2) }; // detection 1 + metadata 1 + arrays
      assert.equal(referenceDepth(d), DEFAULT_MAX_DEPTH);
      assert.equal(decodePayload('detection', JSON.stringify(d)).ok, true);
      d.metadata = { deep: nest(DEFAULT_MAX_DEPTH - 1) };
      failure(decodePayload('detection', JSON.stringify(d)), 'too_deep');
      assert.equal(decodePayload('detection', JSON.stringify(d), { maxDepth: DEFAULT_MAX_DEPTH + 1 }).ok, true);
    });

    it('does not count brackets inside strings', () => {
      const d = seedDetection();
      d.metadata.note = '[{'.repeat(100) + '\\"[[[' + '"'.repeat(3);
      assert.equal(decodePayload('detection', JSON.stringify(d)).ok, true);
    });

    it('jsonDepth stops counting past its limit', () => {
      assert.equal(jsonDepth('['.repeat(1000), 5), 6);
      assert.equal(jsonDepth('[[]]', 5), 2);
      assert.equal(jsonDepth('"[[["', 5), 0);
      assert.equal(jsonDepth('["\\"[", {"a": [1]}]', 10), 3);
    });

    it('property: jsonDepth(JSON.stringify(v)) is the real nesting depth of v', () => {
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 12, stringUnit: 'binary' }), (value) => {
          assert.equal(jsonDepth(JSON.stringify(value), Infinity), referenceDepth(value));
        }),
        { numRuns: 300 },
      );
    });

    it('property: jsonDepth is right for deep chains of arrays and objects', () => {
      const chain = fc.array(fc.constantFrom('array', 'object'), { maxLength: 60 }).map((kinds) => {
        let v: unknown = 'x[{"';
        for (const k of kinds) v = k === 'array' ? [v, 1] : { '[': v, '"': '}' };
        return v;
      });
      fc.assert(
        fc.property(chain, (value) => {
          assert.equal(jsonDepth(JSON.stringify(value), Infinity), referenceDepth(value));
        }),
        { numRuns: 100 },
      );
    });
  });

  describe('forbidden keys', () => {
    const cases: Array<[string, (text: string) => string, string]> = [
      ['__proto__ at the top', (t) => t.replace('{', '{"__proto__":{"polluted":true},'), '__proto__'],
      ['constructor at the top', (t) => t.replace('{', '{"constructor":{"prototype":{}},'), 'constructor'],
      ['prototype in metadata', (t) => t.replace('"metadata":{', '"metadata":{"prototype":1,'), 'metadata.prototype'],
      ['__proto__ in a plate', (t) => t.replace('"plate_index":0', '"__proto__":{"x":1},"plate_index":0'), 'detection_data.plates[0].__proto__'],
      ['constructor deep in metadata', (t) => t.replace('"metadata":{', '"metadata":{"a":[{"b":{"constructor":1}}],'), 'metadata.a[0].b.constructor'],
      ['__proto__ spelt with a \\u escape', (t) => t.replace('"metadata":{', '"metadata":{"\\u005f_proto__":{"x":1},'), 'metadata.__proto__'],
      ['constructor spelt with \\u escapes', (t) => t.replace('{', '{"\\u0063\\u006Fnstructor":1,'), 'constructor'],
    ];
    for (const [name, edit, path] of cases) {
      it(`rejects ${name} with path ${path}`, () => {
        const text = edit(JSON.stringify(seedDetection()));
        assert.notEqual(text, JSON.stringify(seedDetection()), 'the edit did not apply');
        const issues = failure(decodePayload('detection', text), 'forbidden_key');
        assert.deepEqual(issues.map((i) => i.path), [path]);
      });
    }

    it('also rejects them in an already-parsed object (validateMessage)', () => {
      const d = JSON.parse(JSON.stringify(seedDetection()).replace('"metadata":{', '"metadata":{"__proto__":{"x":1},'));
      failure(validateMessage('detection', d), 'forbidden_key');
    });

    it('allows those words as values and as parts of longer keys', () => {
      const d = seedDetection();
      d.metadata.note = '__proto__ constructor prototype';
      d.metadata.constructor_id = 1;
      d.metadata['"prototype"'] = 'quoted';
      const result = decodePayload('detection', JSON.stringify(d));
      assert.ok(result.ok, result.ok ? '' : result.error.message);
      assert.deepEqual(result.value, d);
    });

    it('leaves Object.prototype untouched', () => {
      decodePayload('detection', '{"__proto__":{"polluted":true}}');
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });
  });

  describe('topic camera id', () => {
    it('rejects a payload whose camera_id differs from the topic, at path camera_id', () => {
      const text = JSON.stringify(seedDetection());
      const issues = failure(decodePayload('detection', text, { topicCameraId: 'CAM002' }), 'camera_mismatch');
      assert.deepEqual(issues.map((i) => i.path), ['camera_id']);
      assert.match(issues[0]!.message, /CAM002/);
      assert.equal(decodePayload('detection', text, { topicCameraId: 'CAM001' }).ok, true);
    });

    it('is case-sensitive', () => {
      failure(decodePayload('health', JSON.stringify(exampleOf('health')), { topicCameraId: 'cam001' }), 'camera_mismatch');
    });

    it('reports schema problems before a mismatch', () => {
      const d = seedDetection();
      d.detection_data.plates_count = -1;
      failure(decodePayload('detection', JSON.stringify(d), { topicCameraId: 'OTHER' }), 'schema');
    });

    it('lets a Request without its optional camera_id through, but not one naming another camera', () => {
      const request = { message_id: 'r1', timestamp: '2024-01-15T10:30:00Z' };
      assert.equal(decodePayload('configRequest', JSON.stringify(request), { topicCameraId: 'CAM001' }).ok, true);
      const other = JSON.stringify({ ...request, camera_id: 'CAM002' });
      failure(decodePayload('configRequest', other, { topicCameraId: 'CAM001' }), 'camera_mismatch');
    });
  });

  describe('never throws', () => {
    const kind = fc.constantFrom(...MESSAGE_KINDS);

    /** Decodes `payload`, which must fail without throwing, every issue naming a non-empty path. */
    function check(k: MessageKind, payload: string | Uint8Array): void {
      let result: Decoded<unknown>;
      try {
        result = decodePayload(k, payload);
      } catch (err) {
        assert.fail(`decodePayload threw ${String(err)}`);
      }
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.ok(result.error instanceof ValidationError);
      assert.ok(result.error.issues.length >= 1);
      for (const issue of result.error.issues) {
        assert.equal(typeof issue.path, 'string');
        assert.ok(issue.path.length > 0, 'empty path');
        assert.equal(typeof issue.message, 'string');
      }
    }

    it('property: for arbitrary strings', () => {
      fc.assert(fc.property(kind, fc.string(), (k, s) => check(k, s)), { numRuns: 300 });
    });

    it('property: for arbitrary full-Unicode strings, lone surrogates included', () => {
      fc.assert(fc.property(kind, fc.string({ unit: 'binary' }), (k, s) => check(k, s)), { numRuns: 300 });
    });

    it('property: for arbitrary bytes', () => {
      fc.assert(fc.property(kind, fc.uint8Array({ maxLength: 200 }), (k, b) => check(k, b)), { numRuns: 300 });
    });

    it('property: for arbitrary JSON text', () => {
      fc.assert(fc.property(kind, fc.json(), (k, s) => check(k, s)), { numRuns: 300 });
    });

    it('property: for arbitrary JSON values, as text and as UTF-8 bytes', () => {
      fc.assert(
        fc.property(kind, fc.jsonValue({ stringUnit: 'binary' }), (k, v) => {
          const text = JSON.stringify(v);
          check(k, text);
          check(k, Buffer.from(text));
        }),
        { numRuns: 300 },
      );
    });

    it('property: for a valid message with arbitrary JSON spliced in at a random field', () => {
      fc.assert(
        fc.property(kind, fc.jsonValue({ maxDepth: 3 }), fc.nat(), (k, junk, at) => {
          const message = exampleOf(k);
          const keys = Object.keys(message);
          const key = keys[at % keys.length]!;
          fc.pre(JSON.stringify(message[key]) !== JSON.stringify(junk));
          message[key] = junk;
          let result: Decoded<unknown>;
          try {
            result = decodePayload(k, JSON.stringify(message));
          } catch (err) {
            assert.fail(`decodePayload threw ${String(err)}`);
          }
          if (!result.ok) for (const issue of result.error.issues) assert.ok(issue.path.length > 0);
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('out-of-range numeric leaves', () => {
    const aboveOne = fc.double({ min: 1, minExcluded: true, max: 1e12, noNaN: true });
    const belowZero = fc.double({ min: -1e12, max: -Number.MIN_VALUE, noNaN: true });
    const score = fc.oneof(aboveOne, belowZero);
    const negativeInt = fc.integer({ min: -1_000_000, max: -1 });
    const fractional = fc.double({ min: 0, max: 1000, noNaN: true }).filter((x) => !Number.isInteger(x));
    const count = fc.oneof(negativeInt, fractional);

    const leaves: Array<[path: string, set: (d: Record<string, any>, v: number) => void, bad: fc.Arbitrary<number>]> = [
      ['detection_data.plates[0].confidence', (d, v) => (d.detection_data.plates[0].confidence = v), score],
      ['detection_data.vehicles[0].confidence', (d, v) => (d.detection_data.vehicles[0].confidence = v), score],
      ['detection_data.confidence_score', (d, v) => (d.detection_data.confidence_score = v), score],
      ['detection_data.plates_count', (d, v) => (d.detection_data.plates_count = v), count],
      ['detection_data.vehicles_count', (d, v) => (d.detection_data.vehicles_count = v), count],
      ['detection_data.plates[0].plate_index', (d, v) => (d.detection_data.plates[0].plate_index = v), count],
      ['detection_data.processing_time_ms', (d, v) => (d.detection_data.processing_time_ms = v), belowZero],
    ];

    it('property: setting one leaf out of range is rejected with the path of that leaf', () => {
      const pick = fc.nat({ max: leaves.length - 1 }).chain((i) => fc.tuple(fc.constant(i), leaves[i]![2]));
      fc.assert(
        fc.property(pick, ([i, value]) => {
          const [path, set] = leaves[i]!;
          const d = seedDetection();
          set(d, value);
          const result = decodePayload('detection', JSON.stringify(d));
          if (result.ok) assert.fail(`${path} = ${value} was accepted`);
          assert.equal(result.error.code, 'schema');
          assert.deepEqual(result.error.issues.map((x) => x.path), [path]);
        }),
        { numRuns: 300 },
      );
    });

    it('property: in-range values for the same leaves are accepted', () => {
      fc.assert(
        fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(1000), (s, n) => {
          const d = seedDetection();
          d.detection_data.plates[0].confidence = s;
          d.detection_data.confidence_score = s;
          d.detection_data.plates_count = n;
          assert.equal(decodePayload('detection', JSON.stringify(d)).ok, true);
        }),
        { numRuns: 100 },
      );
    });
  });
});
