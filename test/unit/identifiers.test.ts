import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  assertIdentifier,
  assertRoot,
  assertShareGroup,
  IDENTIFIER_MAX_LENGTH,
  IDENTIFIER_PATTERN,
  IdentifierError,
  identifierProblem,
  isIdentifier,
  parseCameraFilter,
  rootProblem,
} from '../../src/protocol';
import { validId, validRoot } from './arbitraries';

/** Asserts that `fn` throws an IdentifierError for `field` whose message names the field. */
function throwsFor(fn: () => unknown, field: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof IdentifierError, `expected IdentifierError, got ${String(err)}`);
    assert.equal(err.name, 'IdentifierError');
    assert.equal(err.field, field);
    assert.ok(err.message.startsWith(`${field}: `), `message ${JSON.stringify(err.message)} does not name ${field}`);
    return true;
  });
}

describe('identifiers', () => {
  describe('the identifier rule', () => {
    it('is exactly ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$ with a 64-character limit', () => {
      assert.equal(IDENTIFIER_PATTERN.source, '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$');
      assert.equal(IDENTIFIER_MAX_LENGTH, 64);
    });

    for (const good of ['CAM001', 'c', '0', 'cam_01', 'cam.01', 'cam-01', 'A-_.', 'x'.repeat(64), 'Z9'.repeat(32)]) {
      it(`accepts ${JSON.stringify(good.length > 20 ? `${good.slice(0, 8)}…(${good.length})` : good)}`, () => {
        assert.equal(identifierProblem(good), null);
        assert.equal(isIdentifier(good), true);
        assert.equal(assertIdentifier(good), good);
      });
    }

    const bad: Array<[string, unknown]> = [
      ['empty', ''],
      ['slash', 'cam/01'],
      ['plus', 'cam+'],
      ['hash', '#'],
      ['single-level wildcard alone', '+'],
      ['space', 'cam 01'],
      ['leading space', ' cam'],
      ['trailing newline', 'cam\n'],
      ['tab', 'cam\t1'],
      ['leading dot', '.cam'],
      ['leading dash', '-cam'],
      ['leading underscore', '_cam'],
      ['dollar', '$SYS'],
      ['non-ASCII letter', 'camé'],
      ['NUL', 'cam\u0000'],
      ['65 characters', 'x'.repeat(65)],
      ['number', 42],
      ['null', null],
      ['undefined', undefined],
      ['object', { id: 'CAM001' }],
    ];
    for (const [name, value] of bad) {
      it(`rejects ${name}`, () => {
        assert.equal(isIdentifier(value), false);
        assert.equal(typeof identifierProblem(value), 'string');
        throwsFor(() => assertIdentifier(value, 'checkpoint_id'), 'checkpoint_id');
      });
    }

    it('defaults the field name to camera_id', () => {
      throwsFor(() => assertIdentifier('a/b'), 'camera_id');
    });

    it('explains a wildcard problem by naming the wildcard characters', () => {
      assert.match(identifierProblem('a+b') ?? '', /"\/", "\+" or "#"/);
      assert.match(identifierProblem('x'.repeat(65)) ?? '', /at most 64 characters, got 65/);
      assert.match(identifierProblem('') ?? '', /empty/);
    });

    it('property: accepts every string of 1..64 characters from the allowed alphabet', () => {
      fc.assert(
        fc.property(validId, (id) => {
          assert.equal(assertIdentifier(id), id);
          assert.ok(IDENTIFIER_PATTERN.test(id));
        }),
        { numRuns: 300 },
      );
    });

    it('property: rejects any string containing "/", "+", "#" or whitespace, naming the field', () => {
      const poison = fc.constantFrom('/', '+', '#', ' ', '\t', '\n', '\r', '\u00a0', '\u2028', '\u3000');
      const withPoison = fc
        .tuple(fc.string({ maxLength: 30 }), poison, fc.string({ maxLength: 30 }))
        .map(([a, p, b]) => a + p + b);
      fc.assert(
        fc.property(withPoison, fc.constantFrom('camera_id', 'checkpoint_id', 'camera'), (value, field) => {
          throwsFor(() => assertIdentifier(value, field), field);
        }),
        { numRuns: 300 },
      );
    });

    it('property: rejects any string longer than 64 characters', () => {
      const tooLong = fc
        .tuple(validId, fc.array(fc.constantFrom('a', '1', '_'), { minLength: 65, maxLength: 200 }))
        .map(([id, pad]) => (id + pad.join('')).slice(0, 65 + (id.length % 50)));
      fc.assert(
        fc.property(tooLong, (value) => {
          assert.ok(value.length > 64);
          throwsFor(() => assertIdentifier(value, 'camera_id'), 'camera_id');
        }),
        { numRuns: 200 },
      );
    });

    it('property: isIdentifier agrees with the regular expression on arbitrary strings', () => {
      fc.assert(
        fc.property(fc.oneof(fc.string({ maxLength: 70 }), validId), (value) => {
          assert.equal(isIdentifier(value), /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(value));
        }),
        { numRuns: 500 },
      );
    });
  });

  describe('parseCameraFilter', () => {
    for (const all of ['', '+', '*', '  ', ' + ', undefined, null]) {
      it(`treats ${JSON.stringify(all) ?? 'undefined'} as all cameras (null)`, () => {
        assert.equal(parseCameraFilter(all), null);
      });
    }

    it('returns a valid identifier, trimmed', () => {
      assert.equal(parseCameraFilter('CAM001'), 'CAM001');
      assert.equal(parseCameraFilter('  CAM001 '), 'CAM001');
    });

    it('rejects wildcards other than a lone "+", and bad identifiers, naming the field', () => {
      throwsFor(() => parseCameraFilter('#'), 'camera');
      throwsFor(() => parseCameraFilter('CAM+'), 'camera');
      throwsFor(() => parseCameraFilter('a/b'), 'camera');
      throwsFor(() => parseCameraFilter('**'), 'camera');
      throwsFor(() => parseCameraFilter('x'.repeat(65), 'msg.camera'), 'msg.camera');
    });

    it('rejects non-strings', () => {
      throwsFor(() => parseCameraFilter(7), 'camera');
      throwsFor(() => parseCameraFilter({}), 'camera');
    });

    it('property: returns any valid identifier unchanged', () => {
      fc.assert(fc.property(validId, (id) => assert.equal(parseCameraFilter(id), id)), { numRuns: 200 });
    });
  });

  describe('topic root', () => {
    for (const good of ['lprserver', 'site1/lpr', 'a/b/c/d', 'my-site.example_1', 'x'.repeat(64)]) {
      it(`accepts ${JSON.stringify(good)}`, () => {
        assert.equal(rootProblem(good), null);
        assert.equal(assertRoot(good), good);
      });
    }

    const bad: Array<[string, unknown]> = [
      ['empty', ''],
      ['leading slash', '/lprserver'],
      ['trailing slash', 'lprserver/'],
      ['empty level', 'site1//lpr'],
      ['wildcard +', 'site/+'],
      ['wildcard #', 'lpr/#'],
      ['$ broker topics', '$SYS'],
      ['$share', '$share/g/lpr'],
      ['space', 'lpr server'],
      ['level over 64 characters', 'x'.repeat(65)],
      ['over 200 characters', Array.from({ length: 5 }, () => 'x'.repeat(50)).join('/')],
      ['non-string', 5],
      ['null', null],
    ];
    for (const [name, value] of bad) {
      it(`rejects ${name}`, () => {
        assert.equal(typeof rootProblem(value), 'string');
        throwsFor(() => assertRoot(value), 'topicRoot');
        throwsFor(() => assertRoot(value, 'root'), 'root');
      });
    }

    it('property: accepts any multi-level root of safe levels', () => {
      fc.assert(fc.property(validRoot, (root) => assert.equal(assertRoot(root), root)), { numRuns: 200 });
    });

    it('property: rejects a root holding a wildcard anywhere', () => {
      fc.assert(
        fc.property(validRoot, fc.constantFrom('+', '#'), fc.nat(), (root, wildcard, at) => {
          const i = at % (root.length + 1);
          throwsFor(() => assertRoot(root.slice(0, i) + wildcard + root.slice(i)), 'topicRoot');
        }),
        { numRuns: 200 },
      );
    });
  });

  describe('assertShareGroup', () => {
    it('applies the identifier rule under the field sharedGroup', () => {
      assert.equal(assertShareGroup('workers'), 'workers');
      throwsFor(() => assertShareGroup('a/b'), 'sharedGroup');
      throwsFor(() => assertShareGroup(''), 'sharedGroup');
    });
  });
});
