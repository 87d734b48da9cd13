/**
 * Reading node properties from flow JSON, which may have been hand-edited or imported: each
 * reader checks its type and range and throws a ConfigError that names the property.
 */
export class ConfigError extends Error {
  constructor(
    readonly field: string,
    message: string,
    /** The offending value, for a node that says the error in the reader's language. */
    readonly value?: unknown,
  ) {
    super(`${field}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Props = Record<string, unknown>;

/** The offending value for an error message; never throws (BigInt, cycles, a throwing toJSON). */
function show(raw: unknown): string {
  try {
    const text = JSON.stringify(raw);
    if (text !== undefined) return text.length > 100 ? `${text.slice(0, 100)}...` : text;
  } catch {
    // fall through
  }
  return typeof raw;
}

export function readNumber(
  props: Props,
  field: string,
  fallback: number,
  range: { min?: number; max?: number; integer?: boolean } = {},
): number {
  const raw = props[field];
  // A blank text field means "not set" (Number('  ') would be 0: keepalive or dedupe silently off).
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) return fallback;
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : NaN;
  if (!Number.isFinite(value)) throw new ConfigError(field, `must be a number, got ${show(raw)}`);
  if (range.integer && !Number.isInteger(value)) throw new ConfigError(field, `must be a whole number, got ${value}`);
  if (range.min !== undefined && value < range.min) throw new ConfigError(field, `must be at least ${range.min}, got ${value}`);
  if (range.max !== undefined && value > range.max) throw new ConfigError(field, `must be at most ${range.max}, got ${value}`);
  return value;
}

export function readBoolean(props: Props, field: string, fallback: boolean): boolean {
  const raw = props[field];
  if (raw === undefined || raw === null || raw === '') return fallback;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new ConfigError(field, `must be true or false, got ${show(raw)}`);
}

export function readString(props: Props, field: string, fallback: string, maxLength = 1024): string {
  const raw = props[field];
  if (raw === undefined || raw === null) return fallback;
  if (typeof raw !== 'string') throw new ConfigError(field, `must be text, got ${typeof raw}`);
  if (raw.length > maxLength) throw new ConfigError(field, `must be at most ${maxLength} characters`);
  return raw.trim();
}
