/** Topic builders, filters and parser for the tree in policy.ts under a configurable root. */
import { assertIdentifier, assertRoot, assertShareGroup, IdentifierError, isIdentifier } from './identifiers';
import { IMAGE_POLICY, messageIdLevelProblem } from './images';
import { MESSAGE_KINDS, POLICY, type MessageKind } from './policy';

export interface ParsedTopic {
  kind: MessageKind;
  cameraId?: string;
  checkpointId?: string;
}

const SCOPE_FOLDER = { camera: 'cameras', checkpoint: 'checkpoints' } as const;

/** Suffix -> kind, per scope, for the parser. */
const BY_SUFFIX: Record<'camera' | 'checkpoint' | 'root', Map<string, MessageKind>> = {
  camera: new Map(),
  checkpoint: new Map(),
  root: new Map(),
};
for (const kind of MESSAGE_KINDS) BY_SUFFIX[POLICY[kind].scope].set(POLICY[kind].suffix, kind);

export class TopicTree {
  readonly root: string;

  constructor(root = 'lprserver') {
    this.root = assertRoot(root);
  }

  /** The concrete topic of `kind`; `id` (camera or checkpoint) is required for those scopes and validated. */
  topic(kind: MessageKind, id?: string): string {
    const entry = POLICY[kind];
    if (entry.scope === 'root') return `${this.root}/${entry.suffix}`;
    const field = entry.scope === 'camera' ? 'camera_id' : 'checkpoint_id';
    return `${this.root}/${SCOPE_FOLDER[entry.scope]}/${assertIdentifier(id, field)}/${entry.suffix}`;
  }

  /** A subscription filter for `kind`: one id, or all (`+`) when `id` is null/undefined. */
  filter(kind: MessageKind, id?: string | null, shareGroup?: string | null): string {
    const entry = POLICY[kind];
    let filter: string;
    if (entry.scope === 'root') filter = `${this.root}/${entry.suffix}`;
    else {
      const field = entry.scope === 'camera' ? 'camera' : 'checkpoint';
      const level = id === undefined || id === null ? '+' : assertIdentifier(id, field);
      filter = `${this.root}/${SCOPE_FOLDER[entry.scope]}/${level}/${entry.suffix}`;
    }
    return shareGroup ? `$share/${assertShareGroup(shareGroup)}/${filter}` : filter;
  }

  /** `{root}/cameras/{camera_id}/images/{message_id}`: both ids validated (no topic injection). */
  imageTopic(cameraId: string, messageId: string): string {
    const problem = messageIdLevelProblem(messageId);
    if (problem) throw new IdentifierError('message_id', problem);
    return `${this.root}/cameras/${assertIdentifier(cameraId, 'camera_id')}/${IMAGE_POLICY.suffix}/${messageId}`;
  }

  /** The filter for the images of one camera, or of all (`+`). */
  imageFilter(cameraId?: string | null, shareGroup?: string | null): string {
    const level = cameraId === undefined || cameraId === null ? '+' : assertIdentifier(cameraId, 'camera');
    const filter = `${this.root}/cameras/${level}/${IMAGE_POLICY.suffix}/+`;
    return shareGroup ? `$share/${assertShareGroup(shareGroup)}/${filter}` : filter;
  }

  /** The camera and message id of an image topic, or null when `topic` is not one (or has a bad id). */
  parseImage(topic: string): { cameraId: string; messageId: string } | null {
    const prefix = this.root + '/cameras/';
    if (!topic.startsWith(prefix)) return null;
    const parts = topic.slice(prefix.length).split('/');
    if (parts.length !== 3 || parts[1] !== IMAGE_POLICY.suffix) return null;
    const [cameraId, , messageId] = parts as [string, string, string];
    if (!isIdentifier(cameraId) || messageIdLevelProblem(messageId) !== null) return null;
    return { cameraId, messageId };
  }

  /** Which message a concrete topic carries, or null when it is not in the tree (or has a bad id). */
  parse(topic: string): ParsedTopic | null {
    const prefix = this.root + '/';
    if (!topic.startsWith(prefix)) return null;
    const rest = topic.slice(prefix.length);
    const rootKind = BY_SUFFIX.root.get(rest);
    if (rootKind) return { kind: rootKind };
    const slash = rest.indexOf('/');
    const folder = rest.slice(0, slash);
    const scope = folder === 'cameras' ? 'camera' : folder === 'checkpoints' ? 'checkpoint' : null;
    if (!scope || slash < 0) return null;
    const idEnd = rest.indexOf('/', slash + 1);
    if (idEnd < 0) return null;
    const id = rest.slice(slash + 1, idEnd);
    const kind = BY_SUFFIX[scope].get(rest.slice(idEnd + 1));
    if (!kind || !isIdentifier(id)) return null;
    return scope === 'camera' ? { kind, cameraId: id } : { kind, checkpointId: id };
  }
}
