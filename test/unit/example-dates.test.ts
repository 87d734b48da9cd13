/** Example dates in editor hints are relative to today: never in the past, about a year ahead. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { exampleExpiry } from '../../src/editor/shared/example-dates';

describe('exampleExpiry', () => {
  it('is an ISO 8601 UTC date-time a year (365 or 366 days) after any day, at the end of that day', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true }), (now) => {
        const hint = exampleExpiry(now);
        assert.match(hint, /^\d{4}-\d{2}-\d{2}T23:59:59Z$/);
        const days = (Date.parse(hint) - now.getTime()) / 86_400_000;
        assert.ok(days > 364 && days < 367, `${hint} is ${days} days after ${now.toISOString()}`);
      }),
    );
  });

  it('is after today by default', () => {
    assert.ok(Date.parse(exampleExpiry()) > Date.now());
  });
});
