/**
 * The committed JSON Schemas (docs/schemas/*.json) compiled by ajv (draft 2020-12; strict about keywords, types and tuples), as a
 * camera team would use them: a validator that is not zod, reading the files, not our code.
 */
import fs from 'node:fs';
import path from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { MessageKind } from '../../src/protocol';
import { messageSchemas } from '../../scripts/contract/json-schemas';

export const REPO = path.resolve(__dirname, '../..');
export const SCHEMA_DIR = path.join(REPO, 'docs/schemas');

let compiled: Map<string, ValidateFunction> | null = null;

/** Schema name (e.g. `Ack`) -> its compiled validator. */
export function validators(): Map<string, ValidateFunction> {
  if (compiled) return compiled;
  const ajv = new Ajv2020({ allErrors: true, strictSchema: true, strictTypes: true, strictTuples: true });
  addFormats(ajv);
  compiled = new Map();
  for (const m of messageSchemas()) {
    const schema = JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, m.file), 'utf8')) as object;
    compiled.set(m.name, ajv.compile(schema));
  }
  return compiled;
}

/** The schema name of each message kind. */
export function schemaNameOf(kind: MessageKind): string {
  const found = messageSchemas().find((m) => m.kinds.includes(kind));
  if (!found) throw new Error(`no schema for ${kind}`);
  return found.name;
}

/** null when `message` is valid for schema `name`, else ajv's errors as text. */
export function ajvProblems(name: string, message: unknown): string | null {
  const validate = validators().get(name);
  if (!validate) throw new Error(`no schema named ${name}`);
  return validate(message) ? null : JSON.stringify(validate.errors);
}
