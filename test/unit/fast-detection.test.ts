/**
 * The hand-written detection check (fast path) against the zod schema it stands in for: it must
 * never accept what the schema rejects, and must accept the detections cameras actually send.
 * Also the byte scan against the text checks it replaces (depth, forbidden-key suspicion).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isCertainlyDetection } from '../../src/protocol/fast-detection';
import { scanJson, decodePayload } from '../../src/protocol/decode';
import { jsonDepth } from './json-depth';
import { POLICY } from '../../src/protocol/policy';
import { edits, mutatedDetection, simDetection } from '../fixtures/detection-mutations';

function hasForbiddenKey(v: unknown): boolean {
  if (!v || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.some(hasForbiddenKey);
  return Object.keys(v).some((k) => k === '__proto__' || k === 'constructor' || k === 'prototype' || hasForbiddenKey((v as Record<string, unknown>)[k]));
}

describe('fast detection check', () => {
  it('accepts the simulator\'s detections (the schema does too)', () => {
    for (let seed = 0; seed < 300; seed++) {
      const d = JSON.parse(JSON.stringify(simDetection(seed)));
      assert.equal(POLICY.detection.schema.safeParse(d).success, true);
      assert.equal(isCertainlyDetection(d), true, JSON.stringify(d));
    }
  });

  it('never accepts a mutated detection the schema rejects', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), edits, (seed, changes) => {
        const d = mutatedDetection(seed, changes);
        if (!isCertainlyDetection(d)) return;
        const parsed = POLICY.detection.schema.safeParse(d);
        assert.equal(parsed.success, true, JSON.stringify(d));
        // The fast path hands on the object as parsed: the schema must not change it either.
        assert.deepEqual(parsed.data, d);
      }),
      { numRuns: 5000 },
    );
  });

  it('agrees with the schema on the timestamp: every accepted form, and junk', () => {
    const pad = (v: number, n = 2) => String(v).padStart(n, '0');
    const form = fc
      .record({
        ms: fc.integer({ min: 0, max: 4_000_000_000_000 }),
        sep: fc.constantFrom('T', 't', ' ', '_'),
        fraction: fc.integer({ min: 0, max: 10 }),
        zone: fc.constantFrom('', 'Z', 'z', '+07:00', '-0330', '+07', '+18:00', '-18:01', '+7', '+07:60'),
        edit: fc.option(fc.tuple(fc.nat(), fc.constantFrom('', '0', '9', ':', '-', 'T', ' ', 'x'))),
      })
      .map(({ ms, sep, fraction, zone, edit }) => {
        const d = new Date(ms);
        let s = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}${sep}${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
        if (fraction) s += '.' + '123456789x'.slice(0, fraction);
        s += zone;
        if (edit) s = s.slice(0, edit[0] % s.length) + edit[1] + s.slice((edit[0] % s.length) + 1);
        return s;
      });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.oneof(form, fc.string()), (seed, timestamp) => {
        const d = JSON.parse(JSON.stringify(simDetection(seed)));
        d.timestamp = timestamp;
        assert.equal(isCertainlyDetection(d), POLICY.detection.schema.safeParse(d).success, timestamp);
      }),
      { numRuns: 3000 },
    );
  });

  it('scanJson agrees with jsonDepth and the forbidden-key pattern on any JSON text', () => {
    const key = fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'prototype', '\\u0063onstructor', '_x', 'cx', 'p'));
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 1 }), fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(key, tie('v'), { maxKeys: 3 })),
    })).v;
    fc.assert(
      fc.property(value, fc.integer({ min: 1, max: 6 }), (v, limit) => {
        const text = JSON.stringify(v).replace(/\\\\u0063/g, '\\u0063');
        const bytes = Buffer.from(text, 'utf8');
        const scan = scanJson(bytes, limit);
        const depth = jsonDepth(text, limit);
        assert.equal(Math.min(scan.depth, limit + 1), Math.min(depth, limit + 1));
        // What matters: whenever the parsed value holds a forbidden key, the scan is suspicious (then
        // the object is walked). It is narrower than the old regex, which also fired on an escaped
        // backslash followed by "u".
        // (Past the depth limit the scan stops early: the payload is rejected as too deep anyway.)
        const parsed = JSON.parse(text);
        if (depth <= limit && hasForbiddenKey(parsed)) assert.equal(scan.suspicious, true, text);
      }),
      { numRuns: 3000 },
    );
  });

  it('scanJson flags every number JSON.parse turns into Infinity', () => {
    const huge = fc.oneof(
      fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 309, max: 400 }), fc.boolean()).map(([m, e, plus]) => `${m}e${plus ? '+' : ''}${e}`),
      fc.integer({ min: 309, max: 330 }).map((n) => '9'.repeat(n)),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => JSON.stringify(x)),
    );
    fc.assert(
      fc.property(huge, fc.string(), (num, str) => {
        // Digits and exponents inside strings must not matter; the number is what counts.
        const text = `{"a":[1,${num}],"s":${JSON.stringify(str + 'e999')}}`;
        const parsed = JSON.parse(text);
        const infinite = !Number.isFinite(parsed.a[1]);
        if (infinite) assert.equal(scanJson(Buffer.from(text), 32).huge, true, text);
      }),
      { numRuns: 3000 },
    );
  });

  it('decodePayload rejects a detection with an infinite number in its free-form metadata', () => {
    const text = JSON.stringify(simDetection(2)).replace('"metadata":{', '"metadata":{"big":1e999,');
    const r = decodePayload('detection', Buffer.from(text), {});
    assert.equal(r.ok, false);
  });

  it('decodePayload still rejects forbidden keys spelt with escapes', () => {
    const d = simDetection(1);
    const text = JSON.stringify(d).replace('"metadata":{', '"metadata":{"\\u0063onstructor":{"x":1},');
    const r = decodePayload('detection', Buffer.from(text), {});
    assert.equal(r.ok, false);
  });
});
