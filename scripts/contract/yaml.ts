/**
 * A small YAML writer for JSON data (objects, arrays, strings, numbers, booleans, null): block
 * style, two-space indent, keys in insertion order, so the generated AsyncAPI document is stable
 * byte for byte and readable. Strings that could be read as anything else are JSON-quoted, which
 * YAML reads as double-quoted scalars.
 */

const RESERVED = /^(?:true|false|null|yes|no|on|off|y|n|~)$/i;
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const PLAIN_VALUE = /^[A-Za-z_/][A-Za-z0-9 _.,()/'+*-]*$/;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isEmptyOrScalar(v: Json): boolean {
  if (v === null || typeof v !== 'object') return true;
  return Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0;
}

function key(k: string): string {
  return PLAIN_KEY.test(k) && !RESERVED.test(k) ? k : JSON.stringify(k);
}

function scalar(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return '[]';
  if (typeof v === 'object') return '{}';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`not a JSON number: ${v}`);
    return String(v);
  }
  if (typeof v === 'boolean') return String(v);
  return PLAIN_VALUE.test(v) && !RESERVED.test(v) && !v.endsWith(' ') && !v.includes(' #') ? v : JSON.stringify(v);
}

function block(value: Json, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isEmptyOrScalar(item)) lines.push(`${pad}- ${scalar(item)}`);
      else {
        const inner = block(item, indent + 2);
        inner[0] = `${pad}- ${inner[0]!.slice(indent + 2)}`;
        lines.push(...inner);
      }
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      if (isEmptyOrScalar(v)) lines.push(`${pad}${key(k)}: ${scalar(v)}`);
      else lines.push(`${pad}${key(k)}:`, ...block(v, indent + 2));
    }
  } else lines.push(pad + scalar(value));
  return lines;
}

/** `value` (JSON data) as a YAML document, ending with a newline. */
export function toYaml(value: unknown): string {
  return block(value as Json, 0).join('\n') + '\n';
}
