/**
 * The AsyncAPI 3.0 document of the topic tree, from POLICY (topics, QoS, retain, direction) and
 * the zod schemas. Written from the server's side: `receive` is what the server subscribes to,
 * `send` what it publishes; a camera does the opposite.
 */
import { IDENTIFIER_PATTERN, IMAGE_POLICY, MESSAGE_ID_LEVEL_PATTERN, MESSAGE_KINDS, POLICY, type MessageKind } from '../../src/protocol';
import { TOPIC_SUMMARY } from './descriptions';
import { messageJsonSchema, messageSchemas, topicPattern, type JsonSchema } from './json-schemas';

/** Request topic -> the topics of its answer (AsyncAPI reply), the first in the tree wins. */
const REPLIES: Record<string, string[]> = {
  '{root}/cameras/{camera_id}/detection': ['{root}/cameras/{camera_id}/detection/ack'],
  '{root}/cameras/{camera_id}/control': ['{root}/cameras/{camera_id}/control/response'],
  '{root}/cameras/{camera_id}/health/request': ['{root}/cameras/{camera_id}/health'],
  '{root}/cameras/{camera_id}/config/request': ['{root}/cameras/{camera_id}/config/update'],
  '{root}/blacklist/request': ['{root}/cameras/{camera_id}/blacklist', '{root}/blacklist/updates'],
};

function replyKind(kind: MessageKind): MessageKind | undefined {
  for (const topic of REPLIES[topicPattern(kind)] ?? []) {
    const found = MESSAGE_KINDS.find((k) => topicPattern(k) === topic);
    if (found) return found;
  }
  return undefined;
}

const PARAMETERS = {
  root: {
    description: 'The topic root, lpr-broker topicRoot: one or more levels of 1-64 letters, digits, "_", "." or "-".',
    default: 'lprserver',
  },
  camera_id: {
    description: `The camera id, matching ${IDENTIFIER_PATTERN.source}; a payload's camera_id must equal it.`,
    examples: ['CAM001'],
  },
  checkpoint_id: {
    description: `The checkpoint id, matching ${IDENTIFIER_PATTERN.source}.`,
    examples: ['CP001'],
  },
  message_id: {
    description: `The message_id of the detection the image belongs to, matching ${MESSAGE_ID_LEVEL_PATTERN.source}.`,
    examples: ['7d0c9a8e-1111-4f0e-9a0b-0123456789ab'],
  },
};

/** The image topic (docs/protocol.md "Images"): a raw JPEG, not JSON, so it is not in POLICY. */
export const IMAGE_TOPIC_PATTERN = `{root}/cameras/{camera_id}/${IMAGE_POLICY.suffix}/{message_id}`;
const IMAGE_SUMMARY =
  `The JPEG of the detection with this message_id, sent before the detection; at most ${IMAGE_POLICY.maxBytes} bytes, starting FF D8 FF and ending FF D9.`;

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The server's actions on a kind, from POLICY's direction text. */
export function serverActions(kind: MessageKind): Array<'send' | 'receive'> {
  const direction: string = POLICY[kind].direction;
  const actions: Array<'send' | 'receive'> = [];
  if (/→ server\b/.test(direction)) actions.push('receive');
  if (/\bserver →/.test(direction)) actions.push('send');
  if (actions.length === 0) throw new Error(`${kind}: direction "${direction}" names no server side`);
  return actions;
}

export function buildAsyncApi(version: string): Record<string, unknown> {
  const messages = messageSchemas();
  const messageOf = new Map<MessageKind, string>();
  for (const m of messages) for (const kind of m.kinds) messageOf.set(kind, m.name);

  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  for (const kind of MESSAGE_KINDS) {
    const entry = POLICY[kind];
    const name = messageOf.get(kind)!;
    const parameters: Record<string, unknown> = { root: { $ref: '#/components/parameters/root' } };
    if (entry.scope !== 'root') {
      const field = entry.scope === 'camera' ? 'camera_id' : 'checkpoint_id';
      parameters[field] = { $ref: `#/components/parameters/${field}` };
    }
    channels[kind] = {
      address: topicPattern(kind),
      title: kind,
      description: `${entry.direction}, QoS ${entry.qos}, ${entry.retain ? 'retained' : 'not retained'}. ${TOPIC_SUMMARY[topicPattern(kind)] ?? ''}`.trim(),
      messages: { [name]: { $ref: `#/components/messages/${name}` } },
      parameters,
    };
  }
  for (const kind of MESSAGE_KINDS) {
    const entry = POLICY[kind];
    const name = messageOf.get(kind)!;
    for (const action of serverActions(kind)) {
      const operation: Record<string, unknown> = {
        action,
        channel: { $ref: `#/channels/${kind}` },
        summary: `${action === 'send' ? 'The server publishes' : 'The server receives'} ${name} on ${topicPattern(kind)}.`,
        messages: [{ $ref: `#/channels/${kind}/messages/${name}` }],
        bindings: { mqtt: { qos: entry.qos, retain: entry.retain, bindingVersion: '0.2.0' } },
      };
      // The answer comes from the other side: a request the server receives, it answers (and the reverse).
      const reply = replyKind(kind);
      if (reply && serverActions(reply).includes(action === 'receive' ? 'send' : 'receive')) {
        operation.reply = {
          channel: { $ref: `#/channels/${reply}` },
          messages: [{ $ref: `#/channels/${reply}/messages/${messageOf.get(reply)}` }],
        };
      }
      operations[`${action}${capital(kind)}`] = operation;
    }
  }

  channels.detectionImage = {
    address: IMAGE_TOPIC_PATTERN,
    title: 'detectionImage',
    description: `${IMAGE_POLICY.direction}, QoS ${IMAGE_POLICY.qos}, not retained. ${IMAGE_SUMMARY}`,
    messages: { DetectionImage: { $ref: '#/components/messages/DetectionImage' } },
    parameters: { root: { $ref: '#/components/parameters/root' }, camera_id: { $ref: '#/components/parameters/camera_id' }, message_id: { $ref: '#/components/parameters/message_id' } },
  };
  operations.receiveDetectionImage = {
    action: 'receive',
    channel: { $ref: '#/channels/detectionImage' },
    summary: `The server receives DetectionImage on ${IMAGE_TOPIC_PATTERN}.`,
    messages: [{ $ref: '#/channels/detectionImage/messages/DetectionImage' }],
    bindings: { mqtt: { qos: IMAGE_POLICY.qos, retain: IMAGE_POLICY.retain, bindingVersion: '0.2.0' } },
  };

  const componentMessages: Record<string, unknown> = {};
  const schemas: Record<string, JsonSchema> = {};
  for (const m of messages) {
    const { $schema: _dialect, ...schema } = messageJsonSchema(m, 'draft-7');
    schemas[m.name] = schema;
    componentMessages[m.name] = {
      name: m.name,
      title: m.name,
      contentType: 'application/json',
      payload: { $ref: `#/components/schemas/${m.name}` },
    };
  }

  componentMessages.DetectionImage = {
    name: 'DetectionImage',
    title: 'DetectionImage',
    contentType: IMAGE_POLICY.contentType,
    payload: { type: 'string', format: 'binary', description: IMAGE_SUMMARY },
  };

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'LPR MQTT protocol',
      version,
      description:
        'The topic tree of @lprserver/node-red-lpr, seen from the server: receive is what the server subscribes to, send what it publishes; a camera does the opposite. ' +
        'QoS and retain are the MQTT operation bindings. Every payload is UTF-8 JSON (but the image topic\'s, a JPEG); unknown extra fields are kept and passed on. ' +
        'Generated from the zod schemas and the QoS/retain policy by npm run contract; do not edit. The prose contract is docs/protocol.md.',
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    defaultContentType: 'application/json',
    servers: {
      broker: { host: 'localhost:1883', protocol: 'mqtt', description: 'Your Mosquitto (MQTT 3.1.1 or 5).' },
      brokerTls: { host: 'localhost:8883', protocol: 'secure-mqtt', description: 'The same over TLS 1.2 or later.' },
    },
    channels,
    operations,
    components: { messages: componentMessages, schemas, parameters: PARAMETERS },
  };
}
