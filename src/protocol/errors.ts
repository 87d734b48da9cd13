/** Validation errors that name the offending field paths (`detection_data.plates[0].confidence`). */
import type { z } from 'zod';

export interface FieldIssue {
  /** Dotted path into the payload; `(payload)` for the message as a whole. */
  path: string;
  message: string;
}

export type ValidationCode =
  | 'too_large'
  | 'invalid_utf8'
  | 'invalid_json'
  | 'too_deep'
  | 'forbidden_key'
  | 'schema'
  | 'camera_mismatch';

export class ValidationError extends Error {
  constructor(
    readonly code: ValidationCode,
    readonly issues: FieldIssue[],
  ) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
    this.name = 'ValidationError';
  }
}

export const WHOLE_PAYLOAD = '(payload)';

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? WHOLE_PAYLOAD : out;
}

export function fromZodError(error: z.ZodError, max = 10): ValidationError {
  const issues = error.issues.slice(0, max).map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
  return new ValidationError('schema', issues);
}
