/**
 * The JSON Schemas in docs/schemas, checked with ajv (not zod): the seed's and the docs' example
 * payloads validate, and ajv agrees with the server's zod schemas on fast-check corpora of valid
 * and broken timestamps and messages.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isTimestamp, MESSAGE_KINDS, POLICY, type MessageKind } from '../../src/protocol';
import { TIMESTAMP_MAX_LENGTH, TIMESTAMP_PATTERN } from '../../src/protocol/timestamp-pattern';
import { seedConfig, seedControl, seedDetection, seedHealth } from '../fixtures/samples';
import { exampleOf } from '../unit/messages';
import { anyTimestampText, messageOf } from './arbitraries';
import { docExamples } from './doc-examples';
import { ajvProblems, REPO, schemaNameOf, validators } from './validators';

const zodAccepts = (kind: MessageKind, message: unknown) => POLICY[kind].schema.safeParse(message).success;

describe('contract: JSON Schemas (ajv, draft 2020-12)', function () {
  this.timeout(60_000);

  it('every schema file compiles in strict mode, one per message of the tree', () => {
    for (const kind of MESSAGE_KINDS) assert.ok(validators().has(schemaNameOf(kind)), kind);
  });

  describe('example payloads validate', () => {
    // The seed's examples, copied into test/fixtures/samples.ts as the spec prints them.
    const seeds: Array<[string, () => Record<string, unknown>]> = [
      ['Detection', seedDetection],
      ['Health', seedHealth],
      ['Config', seedConfig],
      ['Control', seedControl],
    ];
    for (const [name, make] of seeds) {
      it(`the seed's ${name} example`, () => assert.equal(ajvProblems(name, make()), null));
    }

    it('the examples of every message kind (test/unit/messages.ts)', () => {
      for (const kind of MESSAGE_KINDS) assert.equal(ajvProblems(schemaNameOf(kind), exampleOf(kind)), null, kind);
    });

    it('every JSON message example in README.md and docs/*.md', () => {
      const examples = docExamples(REPO);
      assert.ok(examples.length >= 10, `only ${examples.length} examples found`);
      for (const { where, schema, message } of examples) {
        if (schema === null) continue;
        assert.ok(validators().has(schema), `${where}: no schema named ${schema}`);
        assert.equal(ajvProblems(schema, message), null, `${where} (${schema})`);
      }
    });
  });

  describe('ajv agrees with the server (zod)', () => {
    it('on timestamps: the pattern accepts exactly what the reader reads', () => {
      const re = new RegExp(TIMESTAMP_PATTERN, 'u');
      let valid = 0;
      let total = 0;
      fc.assert(
        fc.property(anyTimestampText, (text) => {
          const schema = re.test(text) && [...text].length <= TIMESTAMP_MAX_LENGTH;
          total++;
          if (isTimestamp(text)) valid++;
          assert.equal(schema, isTimestamp(text), JSON.stringify(text));
        }),
        { numRuns: 20_000 },
      );
      assert.ok(valid > total / 5 && valid < (total * 4) / 5, `corpus: ${valid} valid of ${total}`);
    });

    it('on the calendar edges: Feb 29 in leap years only, 30 and 31 by month, second 60, hour 24, zones', () => {
      const cases = [
        '2024-02-29T00:00:00Z', '2023-02-29T00:00:00Z', '2000-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '0000-02-29T00:00:00Z',
        '2026-04-31T00:00:00Z', '2026-05-31T00:00:00Z', '2026-02-30T00:00:00Z', '2026-12-31T23:59:60.5Z', '2026-12-04T24:00:00Z',
        '2026-12-04T10:15+18:00', '2026-12-04T10:15+18:01', '2026-12-04T10:15-1800', '2026-12-04T10:15+19', '2026-12-04 10:15:30,123456789z',
        '2026-12-04T10:15:30.Z', '2026-12-04T10:15.5Z', '20261204T101530Z', ' 2026-12-04T10:15:30Z', '2026-12-04T10:15:30Z ',
        '2026-12-04T10:15:30.' + '1'.repeat(45), '2026-12-04T10:15:30.' + '1'.repeat(44),
      ];
      for (const text of cases) {
        const message = { ...exampleOf('systemLogs'), timestamp: text };
        assert.equal(ajvProblems('LogLine', message) === null, isTimestamp(text), text);
      }
    });

    for (const kind of MESSAGE_KINDS) {
      it(`on ${kind} messages, valid and broken`, () => {
        const name = schemaNameOf(kind);
        let valid = 0;
        let total = 0;
        fc.assert(
          fc.property(messageOf(kind), (message) => {
            const zod = zodAccepts(kind, message);
            total++;
            if (zod) valid++;
            const problems = ajvProblems(name, message);
            assert.equal(problems === null, zod, `zod ${zod ? 'accepts' : 'refuses'}, ajv ${problems ?? 'accepts'}: ${JSON.stringify(message).slice(0, 600)}`);
          }),
          { numRuns: 400 },
        );
        assert.ok(valid >= total / 10 && valid <= (total * 9) / 10, `${kind} corpus: ${valid} valid of ${total}`);
      });
    }

    it('on lengths of characters beyond the BMP: both count characters, not UTF-16 units', () => {
      for (const n of [32, 33]) {
        const message = { ...exampleOf('blacklistUpdates'), entries: [{ plate_number: '😀'.repeat(n) }] };
        assert.equal(ajvProblems('BlacklistUpdate', message) === null, zodAccepts('blacklistUpdates', message), String(n));
        assert.equal(zodAccepts('blacklistUpdates', message), n <= 32);
      }
    });
  });
});
