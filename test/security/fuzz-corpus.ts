/**
 * Bad MQTT payloads for the fuzz test: a fixed corpus built from a valid message of each kind
 * (truncated JSON, 10 MB, 10,000-deep nesting, prototype keys at several depths, wrong types for
 * every field, huge arrays, invalid UTF-8, NaN-like literals, mismatched camera ids) and
 * fast-check generated ones (random bytes, random JSON, valid messages with one field replaced).
 *
 * Whether a payload is bad is decided by the decode function the nodes use (`decodePayload` with
 * the node's options): generated payloads that happen to be valid are dropped, so "bad" is exact.
 */
import fc from 'fast-check';
import { decodePayload, type DecodeOptions, type MessageKind } from '../../src/protocol';

export interface Oracle {
  kind: MessageKind;
  options: DecodeOptions;
}

export function isBad(oracle: Oracle, payload: Buffer): boolean {
  return !decodePayload(oracle.kind, payload, oracle.options).ok;
}

const enc = (value: unknown) => Buffer.from(JSON.stringify(value));

/** Every path to a value in `value` (objects and arrays included), as key lists. */
function paths(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [];
  if (value === null || typeof value !== 'object') return out;
  const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value as Record<string, unknown>);
  for (const [k, v] of entries) {
    out.push([...prefix, k]);
    out.push(...paths(v, [...prefix, k]));
  }
  return out;
}

function setAt(root: unknown, path: Array<string | number>, value: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = value;
  return copy;
}

function deleteAt(root: unknown, path: Array<string | number>): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  if (Array.isArray(node)) node.splice(Number(path[path.length - 1]), 1);
  else delete node[path[path.length - 1]!];
  return copy;
}

/** Inserts raw JSON text as a member of the object at `path` (for keys JSON.stringify cannot write, e.g. `__proto__`). */
function injectRaw(valid: unknown, path: Array<string | number>, member: string): Buffer {
  const marker = '"__fuzz_marker__":0';
  const text = JSON.stringify(setAt(valid, [...path, '__fuzz_marker__'], 0));
  return Buffer.from(text.replace(marker, member));
}

const WRONG_VALUES: unknown[] = [null, 0, -1, 1.5, 1e300, '', 'x', 'x'.repeat(5000), true, false, [], [1, 2], {}, { a: 1 }];

/** The fixed corpus for one kind: `valid` is a valid message; `otherCamera` a valid id that is not the topic's. */
export function fixedCorpus(oracle: Oracle, valid: Record<string, unknown>, otherCamera: string | null): Buffer[] {
  const out: Buffer[] = [];
  const text = JSON.stringify(valid);
  // Truncated JSON.
  for (const cut of [1, 2, 5, 10, 20, Math.floor(text.length / 3), Math.floor(text.length / 2), text.length - 2, text.length - 1]) out.push(Buffer.from(text.slice(0, cut)));
  // Not JSON at all, or JSON of the wrong shape.
  for (const t of [' ', '\n', 'null', 'true', '0', '-0', '"text"', '[]', '{}', '[{}]', '{"a":', '}{', '{}{}', 'undefined', 'NaN', '\u0000', text + ',', text + '}', '\uFEFF' + text]) out.push(Buffer.from(t));
  // A 10 MB payload: the valid message with a 10 MB extra field (larger than any limit but the watch list's).
  // (The watch list takes up to 256 MB, so it also gets one without a message_id.)
  const pad = ',"pad":"' + 'A'.repeat(10 * 1024 * 1024) + '"}';
  out.push(Buffer.from(text.slice(0, -1) + pad));
  const { message_id: _drop, ...anonymous } = valid;
  out.push(Buffer.from(JSON.stringify(anonymous).slice(0, -1) + pad));
  // 10,000-deep nesting, bare and inside the message.
  out.push(Buffer.from('['.repeat(10_000) + ']'.repeat(10_000)));
  out.push(Buffer.from('{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)));
  out.push(Buffer.from(text.slice(0, -1) + ',"deep":' + '['.repeat(10_000) + ']'.repeat(10_000) + '}'));
  out.push(Buffer.from(text.slice(0, -1) + ',"deep":' + '{"a":'.repeat(40) + '1' + '}'.repeat(40) + '}'));
  // Prototype keys at several depths, plain and \u-escaped.
  const objectPaths = [[] as Array<string | number>, ...paths(valid).filter((p) => {
    let v: unknown = valid;
    for (const k of p) v = (v as Record<string | number, unknown>)[k];
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  })];
  for (const p of objectPaths) {
    for (const member of ['"__proto__":{"polluted":1}', '"constructor":{"prototype":{"polluted":1}}', '"prototype":1', '"\\u005f_proto__":{"polluted":1}', '"\\u0063onstructor":1']) {
      out.push(injectRaw(valid, p, member));
    }
  }
  // Wrong types (and removal) for every field.
  for (const p of paths(valid)) {
    for (const w of WRONG_VALUES) out.push(enc(setAt(valid, p, w)));
    out.push(enc(deleteAt(valid, p)));
  }
  // Huge arrays: over the byte limit, and under it but over the schema's item limits.
  out.push(enc({ ...valid, huge: Array.from({ length: 200_000 }, (_, i) => i) }));
  for (const p of paths(valid)) {
    let v: unknown = valid;
    for (const k of p) v = (v as Record<string | number, unknown>)[k];
    if (Array.isArray(v) && v.length > 0) out.push(enc(setAt(valid, p, Array.from({ length: 2000 }, () => v[0]))));
  }
  // Invalid UTF-8 bytes inside a string value.
  for (const bytes of [[0xff], [0xfe, 0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80]]) {
    const at = text.indexOf('"', text.indexOf(':') + 1) + 1;
    out.push(Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from(bytes), Buffer.from(text.slice(at))]));
  }
  // NaN-like literals where a number goes (and anywhere).
  for (const lit of ['NaN', 'Infinity', '-Infinity', '1e999', '-1e999', '0x10', '+1', '.5', '01', '1.', '--1', 'nan', 'null']) {
    out.push(Buffer.from(text.replace(/:(-?\d+(?:\.\d+)?)/, `:${lit}`)));
    out.push(Buffer.from(text.slice(0, -1) + `,"n":${lit}}`));
  }
  // A camera id other than the topic's, and ids that would inject into a topic.
  if (otherCamera !== null && 'camera_id' in valid) {
    for (const id of [otherCamera, 'CAM/1', 'CAM+', '#', 'a b', '', 'x'.repeat(65), '../CAM001']) out.push(enc({ ...valid, camera_id: id }));
  }
  return out.filter((p) => isBad(oracle, p));
}

/** fast-check generated bad payloads for one kind, `count` of them (valid ones dropped before counting). */
export function generated(oracle: Oracle, valid: Record<string, unknown>, count: number, seed: number): Buffer[] {
  const fieldPaths = paths(valid);
  const mutated = fc
    .tuple(fc.constantFrom(...fieldPaths), fc.jsonValue({ maxDepth: 3 }))
    .map(([p, v]) => enc(setAt(valid, p, v)));
  const arbitrary = fc.oneof(
    { arbitrary: fc.uint8Array({ minLength: 1, maxLength: 300 }).map((u) => Buffer.from(u)), weight: 2 },
    { arbitrary: fc.json({ maxDepth: 4 }).map((t) => Buffer.from(t)), weight: 2 },
    { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }).map((s) => Buffer.from(s)), weight: 1 },
    { arbitrary: mutated, weight: 5 },
    { arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => enc({ ...valid, ...(typeof v === 'object' && v && !Array.isArray(v) ? v : { extra: v }), message_id: v })), weight: 1 },
  );
  const out: Buffer[] = [];
  let round = 0;
  while (out.length < count && round < 20) {
    for (const p of fc.sample(arbitrary, { numRuns: count * 2, seed: seed + round++ })) {
      if (p.length > 0 && isBad(oracle, p)) out.push(p);
      if (out.length === count) break;
    }
  }
  return out;
}

/** A seeded shuffle (mulberry32), so a failing run can be repeated. */
export function shuffle<T>(items: T[], seed: number): T[] {
  let a = seed >>> 0;
  const rand = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
