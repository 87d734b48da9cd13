/**
 * The accepted timestamp forms (timestamp.ts) as one regular expression, for the JSON Schemas and
 * the AsyncAPI document that camera teams validate against without our code. It checks the
 * calendar too (month lengths, Feb 29 in leap years only), so that a JSON Schema validator and
 * the server's own reader accept the same texts; test/contract checks that they agree.
 * The 64-character limit is the schema's maxLength, not part of the pattern.
 */

const YEAR = '[0-9]{4}';
/** Years divisible by 4 but not by 100, or by 400 (proleptic Gregorian, year 0000 included). */
const LEAP_YEAR = '(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)';
const DATE =
  `(?:${YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])` +
  `|${YEAR}-(?:0[13-9]|1[0-2])-(?:29|30)` +
  `|${YEAR}-(?:0[13578]|1[02])-31` +
  `|${LEAP_YEAR}-02-29)`;
/** hh:mm, then optional :ss (60 = a leap second), then an optional fraction of any length after `.` or `,`. */
const TIME = '(?:[01][0-9]|2[0-3]):[0-5][0-9](?::(?:[0-5][0-9]|60)(?:[.,][0-9]+)?)?';
/** Z, z, or an offset ±hh:mm, ±hhmm, ±hh of at most 18 hours. */
const ZONE = '(?:[Zz]|[+-](?:(?:0[0-9]|1[0-7])(?::?[0-5][0-9])?|18(?::?00)?))';

/** ECMA-262 source (JSON Schema's regex dialect), anchored. */
export const TIMESTAMP_PATTERN = `^${DATE}[Tt ]${TIME}${ZONE}?$`;

/** The longest timestamp text the reader takes. */
export const TIMESTAMP_MAX_LENGTH = 64;
