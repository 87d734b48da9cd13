/**
 * Field-by-field comparison of a desired and a reported camera config (pure).
 *
 * Objects are walked key by key (key order never matters); every other value (numbers, strings,
 * booleans, null, arrays) is a leaf compared by value, an array as a whole: `["mqtt","email"]`
 * against `["mqtt"]` is one difference at the array's path. A key present on one side only is a
 * difference whose other side is `undefined`. The envelope (`message_id`, `timestamp`) is ignored.
 */

export interface DiffEntry {
  /** Dotted path, e.g. `config_data.alert_settings.enable_alerts`; keys that are not plain names are quoted: `config_data["a.b"]`. */
  path: string;
  desired: unknown;
  reported: unknown;
}

export type SyncStatus = 'in_sync' | 'drifted' | 'no_desired';

/** Top-level fields that change on every publish and say nothing about the config itself. */
export const IGNORED_FIELDS: readonly string[] = ['message_id', 'timestamp'];

/** Below this depth objects are compared as whole values (inputs are validated to 32 levels anyway). */
const MAX_DEPTH = 64;

const PLAIN_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function joinPath(parent: string, key: string): string {
  if (PLAIN_KEY.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Deep equality of JSON-like values: objects by keys (any order), arrays by position. */
export function deepEqual(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') {
    // NaN never comes from JSON, but a flow could hand one over: treat it as equal to itself.
    return typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b);
  }
  if (depth > MAX_DEPTH) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i], depth + 1)) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao);
  if (ak.length !== Object.keys(bo).length) return false;
  for (const k of ak) {
    if (!Object.prototype.hasOwnProperty.call(bo, k)) return false;
    if (!deepEqual(ao[k], bo[k], depth + 1)) return false;
  }
  return true;
}

/** Every difference between `desired` and `reported`, desired's keys first (in its order), then reported-only keys. */
export function diffValues(desired: unknown, reported: unknown, path = '', ignore: ReadonlySet<string> = new Set(), depth = 0): DiffEntry[] {
  const out: DiffEntry[] = [];
  walk(desired, reported, path, ignore, depth, out);
  return out;
}

function walk(desired: unknown, reported: unknown, path: string, ignore: ReadonlySet<string>, depth: number, out: DiffEntry[]): void {
  if (isPlainObject(desired) && isPlainObject(reported) && depth <= MAX_DEPTH) {
    const has = (o: Record<string, unknown>, k: string) => Object.prototype.hasOwnProperty.call(o, k);
    for (const key of Object.keys(desired)) {
      if (depth === 0 && ignore.has(key)) continue;
      const childPath = joinPath(path, key);
      if (!has(reported, key)) out.push({ path: childPath, desired: desired[key], reported: undefined });
      else walk(desired[key], reported[key], childPath, ignore, depth + 1, out);
    }
    for (const key of Object.keys(reported)) {
      if (depth === 0 && ignore.has(key)) continue;
      if (!has(desired, key)) out.push({ path: joinPath(path, key), desired: undefined, reported: reported[key] });
    }
    return;
  }
  if (!deepEqual(desired, reported, depth)) out.push({ path: path === '' ? '(config)' : path, desired, reported });
}

/** The differences between two Config messages, ignoring `message_id` and `timestamp`. */
export function diffConfig(desired: unknown, reported: unknown): DiffEntry[] {
  return diffValues(desired, reported, '', new Set(IGNORED_FIELDS));
}

export function syncStatus(desired: unknown | undefined | null, diff: readonly DiffEntry[]): SyncStatus {
  if (desired === undefined || desired === null) return 'no_desired';
  return diff.length === 0 ? 'in_sync' : 'drifted';
}
