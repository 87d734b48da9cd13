import assert from 'node:assert/strict';
import fc from 'fast-check';
import { deepEqual, diffConfig, diffValues, joinPath, syncStatus } from '../../src/control/diff';
import { seedConfig } from '../fixtures/samples';

/** JSON-like values; object keys include awkward ones (dots, spaces, digits) to exercise path quoting. */
const key = fc.oneof(fc.constantFrom('a', 'b', 'c', 'x_1', 'a.b', 'with space', '0', '[', '"'), fc.string({ maxLength: 4 }));
const { json } = fc.letrec((tie) => ({
  json: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.string({ maxLength: 5 }), fc.double({ noNaN: true, noDefaultInfinity: true })),
    fc.array(tie('json'), { maxLength: 3 }),
    fc.dictionary(key, tie('json'), { maxKeys: 4 }),
  ),
}));
const object = fc.dictionary(key, json, { maxKeys: 5 });

/** Every leaf path of a value (objects walked, arrays and scalars are leaves), with its value. */
function leaves(value: unknown, path = ''): Array<[string, unknown]> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.flatMap(([k, v]) => leaves(v, joinPath(path, k)));
  }
  return path === '' ? [] : [[path, value]];
}

/** `value` with the leaf at `path` replaced by `replacement`. */
function setLeaf(value: unknown, target: string, replacement: unknown, path = ''): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = setLeaf(v, target, replacement, joinPath(path, k));
    return out;
  }
  return path === target ? replacement : value;
}

describe('control/diff', () => {
  it('finds the seed config in sync with itself, ignoring message_id and timestamp', () => {
    const desired = seedConfig();
    const reported = { ...seedConfig(), message_id: 'other', timestamp: '2025-01-01T00:00:00Z' };
    assert.deepEqual(diffConfig(desired, reported), []);
    assert.equal(syncStatus(desired, []), 'in_sync');
    assert.equal(syncStatus(undefined, []), 'no_desired');
  });

  it('names each drifted field by its path; arrays compare by value, missing fields are undefined', () => {
    const desired = seedConfig();
    const reported = seedConfig();
    reported.config_data.alert_settings.enable_alerts = false;
    reported.config_data.alert_settings.notification_channels = ['mqtt'];
    delete reported.config_data.recording_duration;
    reported.config_data.firmware = '2.1';
    assert.deepEqual(diffConfig(desired, reported), [
      { path: 'config_data.recording_duration', desired: 30, reported: undefined },
      { path: 'config_data.alert_settings.enable_alerts', desired: true, reported: false },
      { path: 'config_data.alert_settings.notification_channels', desired: ['mqtt', 'email'], reported: ['mqtt'] },
      { path: 'config_data.firmware', desired: undefined, reported: '2.1' },
    ]);
    assert.equal(syncStatus(desired, diffConfig(desired, reported)), 'drifted');
  });

  it('treats key order as irrelevant and array order as relevant; quotes awkward keys', () => {
    assert.deepEqual(diffValues({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }), []);
    assert.deepEqual(diffValues({ a: [1, 2] }, { a: [2, 1] }), [{ path: 'a', desired: [1, 2], reported: [2, 1] }]);
    assert.deepEqual(diffValues({ 'a.b': 1 }, { 'a.b': 2 }), [{ path: '["a.b"]', desired: 1, reported: 2 }]);
    assert.deepEqual(diffValues({ a: { b: 1 } }, { a: 5 }), [{ path: 'a', desired: { b: 1 }, reported: 5 }]);
    assert.deepEqual(diffValues({ a: [{ x: 1, y: 2 }] }, { a: [{ y: 2, x: 1 }] }), []);
    assert.ok(deepEqual({ a: [1, { b: null }] }, { a: [1, { b: null }] }));
    assert.ok(!deepEqual([1], { 0: 1 }));
  });

  it('property: diff(a, a) is empty', () => {
    fc.assert(fc.property(object, (a) => diffValues(a, structuredClone(a)).length === 0), { numRuns: 300 });
  });

  it('property: diff is symmetric in its paths (desired and reported swap)', () => {
    fc.assert(
      fc.property(object, object, (a, b) => {
        const ab = diffValues(a, b);
        const ba = diffValues(b, a);
        assert.deepEqual(new Set(ab.map((d) => d.path)), new Set(ba.map((d) => d.path)));
        assert.equal(ab.length, ba.length);
        const back = new Map(ba.map((d) => [d.path, d]));
        for (const d of ab) {
          assert.deepEqual(back.get(d.path)!.desired, d.reported);
          assert.deepEqual(back.get(d.path)!.reported, d.desired);
        }
        // Paths are unique, and empty exactly when the values are deeply equal.
        assert.equal(new Set(ab.map((d) => d.path)).size, ab.length);
        assert.equal(ab.length === 0, deepEqual(a, b));
      }),
      { numRuns: 300 },
    );
  });

  it('property: a single changed leaf appears exactly once, at its path', () => {
    const withLeaf = object
      .map((a) => ({ a, paths: leaves(a) }))
      .filter(({ paths }) => paths.length > 0)
      .chain(({ a, paths }) => fc.tuple(fc.constant(a), fc.constantFrom(...paths), json));
    fc.assert(
      fc.property(withLeaf, ([a, [path, old], replacement]) => {
        fc.pre(!deepEqual(old, replacement));
        const b = setLeaf(a, path, replacement);
        const diff = diffValues(a, b);
        // Even an object replacing a leaf is one difference: only two objects are walked key by key.
        assert.deepEqual(diff, [{ path, desired: old, reported: replacement }]);
      }),
      { numRuns: 500 },
    );
  });
});
