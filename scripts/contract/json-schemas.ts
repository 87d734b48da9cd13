/**
 * JSON Schemas of the message payloads, generated from the zod schemas of src/protocol. zod's
 * converter drops refinements, so the four the schemas hold are written here in JSON Schema:
 * - Timestamp (a custom check): the pattern of src/protocol/timestamp-pattern.ts and maxLength 64;
 * - Ack: `retry_after_ms` is required when `status` is "retry" (if/then);
 * - Config: a `detection_settings` config's `config_data` is a DetectionSettings (if/then);
 * - ImageUrl (metadata.image_url): an http(s) URL without credentials, by pattern and maxLength.
 * A refinement added to a schema without a translation here is caught by test/contract, where ajv
 * and zod must agree on a corpus of valid and broken messages.
 */
import { z } from 'zod';
import * as protocol from '../../src/protocol';
import { Ack, Config, DetectionSettings, ImageUrl, IMAGE_URL_MAX_LENGTH, MESSAGE_KINDS, POLICY, Timestamp, type MessageKind } from '../../src/protocol';
import { TIMESTAMP_MAX_LENGTH, TIMESTAMP_PATTERN } from '../../src/protocol/timestamp-pattern';
import { SCHEMA_NOTES } from './descriptions';

export type Target = 'draft-2020-12' | 'draft-7';
export type JsonSchema = Record<string, unknown>;

export interface MessageSchema {
  /** The zod schema's export name, e.g. `ControlResponse`. */
  name: string;
  /** `docs/schemas/<file>`, e.g. `control-response.json`. */
  file: string;
  schema: z.ZodType;
  /** The message kinds (topics) that carry it, in POLICY order. */
  kinds: MessageKind[];
}

function kebab(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** The export name of a schema object in src/protocol. */
function exportName(schema: z.ZodType): string {
  for (const [name, value] of Object.entries(protocol)) if (value === schema) return name;
  throw new Error('a POLICY schema is not exported from src/protocol');
}

/** Every distinct payload schema of the tree, in POLICY order. */
export function messageSchemas(): MessageSchema[] {
  const bySchema = new Map<z.ZodType, MessageSchema>();
  for (const kind of MESSAGE_KINDS) {
    const schema = POLICY[kind].schema as z.ZodType;
    let entry = bySchema.get(schema);
    if (!entry) {
      const name = exportName(schema);
      entry = { name, file: `${kebab(name)}.json`, schema, kinds: [] };
      bySchema.set(schema, entry);
    }
    entry.kinds.push(kind);
  }
  return [...bySchema.values()];
}

function convert(schema: z.ZodType, target: Target): JsonSchema {
  return z.toJSONSchema(schema, {
    target,
    unrepresentable: 'throw',
    override: (ctx) => {
      const json = ctx.jsonSchema as JsonSchema;
      if (ctx.zodSchema === Timestamp) {
        json.pattern = TIMESTAMP_PATTERN;
        json.maxLength = TIMESTAMP_MAX_LENGTH;
      } else if (ctx.zodSchema === ImageUrl) {
        // imageUrlProblem: an absolute http(s) URL without user:password, bounded.
        json.pattern = '^[Hh][Tt][Tt][Pp][Ss]?://[^/?#@\\s]+([/?#]\\S*)?$';
        json.maxLength = IMAGE_URL_MAX_LENGTH;
      } else if (ctx.zodSchema === Ack) {
        json.if = { properties: { status: { const: 'retry' } }, required: ['status'] };
        json.then = { required: ['retry_after_ms'] };
      } else if (ctx.zodSchema === Config) {
        const settings = convert(DetectionSettings, target);
        delete settings.$schema;
        json.if = { properties: { config_type: { const: 'detection_settings' } }, required: ['config_type'] };
        json.then = { properties: { config_data: settings } };
      }
    },
  }) as JsonSchema;
}

/** A topic as written in the docs: `{root}/cameras/{camera_id}/detection`. */
export function topicPattern(kind: MessageKind): string {
  const entry = POLICY[kind];
  if (entry.scope === 'root') return `{root}/${entry.suffix}`;
  return entry.scope === 'camera' ? `{root}/cameras/{camera_id}/${entry.suffix}` : `{root}/checkpoints/{checkpoint_id}/${entry.suffix}`;
}

/** What the schema file says about a message: where it travels, and what the schema cannot say. */
export function schemaDescription(message: MessageSchema): string {
  const topics = message.kinds.map((k) => `${topicPattern(k)} (QoS ${POLICY[k].qos}${POLICY[k].retain ? ', retained' : ''})`).join('; ');
  const notes = SCHEMA_NOTES[message.name];
  return (
    `${message.name}: on ${topics}. Generated from the zod schema of @lprserver/node-red-lpr (npm run contract); do not edit. ` +
    (notes ? notes + ' ' : '') +
    'Not expressed here, checked by the server before the schema: at most 256 KiB of UTF-8 JSON (lpr-detection-in maxBytes), ' +
    'nesting at most 32 deep, no "__proto__", "constructor" or "prototype" key at any depth, no number beyond a double (1e999), ' +
    'and a camera_id equal to the one in the topic.'
  );
}

/** The JSON Schema (2020-12 for docs/schemas, draft-07 for the AsyncAPI document) of one message. */
export function messageJsonSchema(message: MessageSchema, target: Target): JsonSchema {
  const { $schema, ...rest } = convert(message.schema, target);
  return { $schema, title: message.name, description: schemaDescription(message), ...rest };
}
