/**
 * Identifier and topic-root rules (PROTOCOL.md "Topics").
 *
 * Every camera or checkpoint id is checked here before it is put into a topic: an id holding
 * `/`, `+` or `#` would address other cameras or, with QoS >= 1, make the broker drop the
 * connection and MQTT.js replay the bad packet forever (MQTT-PITFALLS.md).
 */

export const IDENTIFIER_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const IDENTIFIER_MAX_LENGTH = 64;

/** Thrown when an identifier or topic root is unusable; `field` names what was wrong. */
export class IdentifierError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'IdentifierError';
  }
}

/** Why `value` is not a valid identifier, or `null` when it is. */
export function identifierProblem(value: unknown): string | null {
  if (typeof value !== 'string') return `must be a string, got ${value === null ? 'null' : typeof value}`;
  if (value.length === 0) return 'must not be empty';
  if (value.length > IDENTIFIER_MAX_LENGTH) return `must be at most ${IDENTIFIER_MAX_LENGTH} characters, got ${value.length}`;
  if (/[/+#]/.test(value)) return `must not contain "/", "+" or "#" (got ${JSON.stringify(value)})`;
  if (!IDENTIFIER_PATTERN.test(value)) {
    return `must start with a letter or digit and contain only letters, digits, "_", "." and "-" (got ${JSON.stringify(value)})`;
  }
  return null;
}

export function isIdentifier(value: unknown): value is string {
  return identifierProblem(value) === null;
}

/** Returns `value` when it is a valid identifier, else throws an IdentifierError naming `field`. */
export function assertIdentifier(value: unknown, field = 'camera_id'): string {
  const problem = identifierProblem(value);
  if (problem) throw new IdentifierError(field, problem);
  return value as string;
}

/**
 * A camera filter as typed in a dialog or `msg.camera`: empty, `+` or `*` mean all cameras,
 * anything else must be a valid identifier. Returns `null` for "all".
 */
export function parseCameraFilter(value: unknown, field = 'camera'): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new IdentifierError(field, `must be a string, got ${typeof value}`);
  const trimmed = value.trim();
  if (trimmed === '' || trimmed === '+' || trimmed === '*') return null;
  return assertIdentifier(trimmed, field);
}

const ROOT_LEVEL = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Topic root: one or more `/`-separated levels of safe characters (default `lprserver`).
 * No wildcards, no empty level, no leading `$` (reserved for broker topics).
 */
export function rootProblem(root: unknown): string | null {
  if (typeof root !== 'string') return 'must be a string';
  if (root.length === 0) return 'must not be empty';
  if (root.length > 200) return 'must be at most 200 characters';
  for (const level of root.split('/')) {
    if (!ROOT_LEVEL.test(level)) {
      return `each level must be 1-64 letters, digits, "_", "." or "-" (got ${JSON.stringify(root)})`;
    }
  }
  return null;
}

export function assertRoot(root: unknown, field = 'topicRoot'): string {
  const problem = rootProblem(root);
  if (problem) throw new IdentifierError(field, problem);
  return root as string;
}

/** Shared-subscription group names follow the identifier rule too. */
export function assertShareGroup(group: unknown, field = 'sharedGroup'): string {
  return assertIdentifier(group, field);
}
