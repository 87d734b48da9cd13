/**
 * fast-check corpora for the JSON Schema / zod agreement: timestamps in every accepted spelling
 * and broken ones, and messages of every kind, valid (built from the examples) or broken by one
 * or more edits at any path.
 */
import fc from 'fast-check';
import type { MessageKind } from '../../src/protocol';
import { exampleOf } from '../unit/messages';
import { validId } from '../unit/arbitraries';

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** A timestamp text in one of the accepted spellings (or, with a day up to 31 in any month, off the calendar). */
export const timestampText = fc
  .record({
    year: fc.integer({ min: 0, max: 9999 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 31 }),
    hour: fc.integer({ min: 0, max: 23 }),
    minute: fc.integer({ min: 0, max: 59 }),
    second: fc.option(fc.integer({ min: 0, max: 60 })),
    fraction: fc.option(fc.stringMatching(/^[0-9]{1,12}$/)),
    fractionSep: fc.constantFrom('.', ','),
    sep: fc.constantFrom('T', 't', ' '),
    zone: fc.oneof(
      fc.constantFrom('', 'Z', 'z'),
      fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 18 }), fc.integer({ min: 0, max: 59 }), fc.constantFrom(':', '', 'hours')).map(
        ([sign, h, m, style]) => (style === 'hours' ? `${sign}${pad(h, 2)}` : `${sign}${pad(h, 2)}${style}${pad(m, 2)}`),
      ),
    ),
  })
  .map((t) => {
    let s = `${pad(t.year, 4)}-${pad(t.month, 2)}-${pad(t.day, 2)}${t.sep}${pad(t.hour, 2)}:${pad(t.minute, 2)}`;
    if (t.second !== null) s += `:${pad(t.second, 2)}` + (t.fraction !== null ? t.fractionSep + t.fraction : '');
    return s + t.zone;
  });

/** Timestamps, valid or broken: an accepted spelling, one character changed, or junk. */
export const anyTimestampText = fc.oneof(
  { weight: 3, arbitrary: timestampText },
  {
    weight: 2,
    arbitrary: fc.tuple(timestampText, fc.nat(), fc.constantFrom('', '0', '9', '+', '-', ':', '.', 'Z', 'T', ' ', 'x', '٣', '\n', '00', '24')).map(([s, at, c]) => {
      const i = at % (s.length + 1);
      return s.slice(0, i) + c + s.slice(i + 1);
    }),
  },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'0123456789-:T+Zz., '.split('')), maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);

/** A string (with characters beyond the BMP too) of a length around the schemas' limits. */
const sizedString = fc
  .constantFrom(0, 1, 31, 32, 33, 63, 64, 65, 127, 128, 129, 256, 257, 1024, 1025, 4096, 4097)
  .chain((n) => fc.string({ unit: fc.constantFrom('a', 'Z', '0', '-', '_', '.', ' ', 'ก', '/', '#', '😀'), minLength: n, maxLength: n }));

/** Values to put anywhere: of every JSON type, near the schemas' bounds, and every enum word. */
const value: fc.Arbitrary<unknown> = fc.oneof(
  anyTimestampText,
  validId,
  sizedString,
  fc.constantFrom(
    'received', 'rejected', 'retry', 'accepted', 'success', 'error', 'healthy', 'warning', 'critical', 'offline', 'online', 'degraded',
    'info', 'debug', 'warn', 'low', 'normal', 'medium', 'high', 'add', 'remove', 'replace', 'exact', 'lookalike', 'fuzzy', 'pattern',
    'detection_settings', 'network', 'lpr', '',
  ),
  fc.constantFrom(0, 1, -1, 0.5, 1.5, 99.9, 100, 100.5, 200, 201, -100, -101, 1886, 1885, 2200, 2201, 3_600_000, 3_600_001, 86_400, 86_401, 86_400_000, 86_400_001, 2 ** 53, 2 ** 53 - 1, 1e300),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom([], {}, [1, 2, 3, 4], [1, 2, 3], [1, 2, 3, 4, 5], ['a', 2, 3, 4], [{}], { a: 1 }),
);

type Json = Record<string, unknown> | unknown[];

/** Every path (list of keys/indices) to a value inside `root`, the root itself excluded. */
function paths(root: unknown, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  if (root && typeof root === 'object') {
    for (const [k, v] of Object.entries(root)) {
      const p = [...prefix, Array.isArray(root) ? Number(k) : k];
      out.push(p);
      paths(v, p, out);
    }
  }
  return out;
}

type Edit = { op: 'set' | 'delete' | 'add' | 'time'; at: number; key: string; value: unknown; time: string };

const edit: fc.Arbitrary<Edit> = fc.record({
  op: fc.constantFrom('set', 'set', 'delete', 'add', 'time'),
  at: fc.nat(),
  key: fc.constantFrom('extra', 'retry_after_ms', 'checkpoint_id', 'camera_id', 'error', 'priority', 'status', 'result', 'config_type', 'message_id', 'timestamp', 'expires_at', 'bbox'),
  value,
  time: anyTimestampText,
}) as fc.Arbitrary<Edit>;

const TIME_FIELD = /^(?:timestamp|last_detection|expires_at|window_start|window_end)$/;

function apply(message: Json, e: Edit): void {
  // 'time': a time field (of which a big message has few among many paths) gets a timestamp text, valid or not.
  const all = e.op === 'time' ? paths(message).filter((p) => TIME_FIELD.test(String(p[p.length - 1]))) : paths(message);
  if (all.length === 0) return;
  const p = all[e.at % all.length]!;
  let parent: any = message;
  for (const k of p.slice(0, -1)) parent = parent[k];
  const last = p[p.length - 1]!;
  const v = structuredClone(e.value); // the constant arrays and objects are shared between runs
  if (e.op === 'time') parent[last] = e.time;
  else if (e.op === 'set') parent[last] = v;
  else if (e.op === 'delete') {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else {
    // add a key to the object at p (or to its parent when p is not an object)
    const target = parent[last] && typeof parent[last] === 'object' && !Array.isArray(parent[last]) ? parent[last] : Array.isArray(parent) ? null : parent;
    if (target) target[e.key] = v;
  }
}

/** A message of `kind`: its example with 0 to 3 edits (0 edits about a quarter of the time), as JSON data. */
export function messageOf(kind: MessageKind): fc.Arbitrary<unknown> {
  return fc.array(edit, { maxLength: 3 }).map((edits) => {
    const message = exampleOf(kind) as Json;
    if (kind === 'detectionAck' && edits.length % 2 === 1) Object.assign(message, { status: 'retry', retry_after_ms: 500 });
    for (const e of edits) apply(message, e);
    return JSON.parse(JSON.stringify(message)) as unknown;
  });
}
