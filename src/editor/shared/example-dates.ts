/**
 * Example dates for placeholders, relative to today: a fixed date in a hint ages into the past, and
 * an operator copying it gets an entry that has already expired.
 */

/** One year from `now`, at the end of that day in UTC: `2027-12-04T23:59:59Z` on 4 Dec 2026. */
export function exampleExpiry(now: Date = new Date()): string {
  const d = new Date(Date.UTC(now.getUTCFullYear() + 1, now.getUTCMonth(), now.getUTCDate()));
  return `${d.toISOString().slice(0, 10)}T23:59:59Z`;
}
