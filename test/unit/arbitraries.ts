/** fast-check arbitraries shared by the protocol unit tests. */
import fc from 'fast-check';

const FIRST = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'.split('');
const REST = [...FIRST, '_', '.', '-'];

/** Any identifier the rule ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$ accepts (1..64 characters). */
export const validId = fc
  .tuple(fc.constantFrom(...FIRST), fc.array(fc.constantFrom(...REST), { maxLength: 63 }))
  .map(([first, rest]) => first + rest.join(''));

/** A topic root: 1..4 levels of 1..64 safe characters. */
export const validRoot = fc
  .array(
    fc.array(fc.constantFrom(...REST), { minLength: 1, maxLength: 64 }).map((chars) => chars.join('')),
    { minLength: 1, maxLength: 3 },
  )
  .map((levels) => levels.join('/'));

/** Real nesting depth of a JSON value: scalars 0, `[]`/`{}` 1, each level of containers +1. */
export function referenceDepth(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value as Record<string, unknown>);
  let deepest = 0;
  for (const child of children) deepest = Math.max(deepest, referenceDepth(child));
  return 1 + deepest;
}
