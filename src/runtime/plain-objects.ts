/**
 * Constructors of plain objects, for what is made per message and holds the message's data.
 *
 * V8 keeps survival statistics per object or array literal in the code (its "allocation site") and,
 * once most objects of a literal have outlived young-generation collections, decides to allocate all
 * further objects of that literal directly in the old generation ("pretenuring"); the decision
 * stays. A per-message object made there is then old from birth: dead a moment later, it is noticed
 * only by a full collection, and until then it keeps everything it points to alive through every
 * young collection, so the parsed payload, young, is copied and promoted too. Measured in the growth
 * bench at 1,000 camera ids (docs/performance.md, "The seventh pass"): in some runs, decided at
 * start-up, every detection's msg, msg.lpr and msg.lpr.site were made old, the old generation grew
 * 6 MB/s instead of 2 and young collections took twice as long.
 *
 * Objects made by `new` from a constructor have no allocation site, so V8 never pretenures them.
 * The constructor's prototype is Object.prototype: what it makes is a plain object like a
 * literal's (same prototype, `constructor` is Object, deepStrictEqual to the literal), with its
 * properties in the order the constructor sets them.
 */
export type PlainConstructor<A extends unknown[], T> = new (...args: A) => T;

/** `init` (a `function`, not an arrow: it is called with `new`) as a constructor of plain objects. */
export function plainConstructor<A extends unknown[], T>(init: (this: T, ...args: A) => void): PlainConstructor<A, T> {
  init.prototype = Object.prototype;
  return init as unknown as PlainConstructor<A, T>;
}
