/**
 * The Mosquitto ACL file. Server users get `{root}/#`; every other user gets, through `pattern`
 * lines with `%u`, only the topics of the camera whose id equals its username. In Mosquitto 2
 * `read` covers subscribing and receiving, `write` covers publishing; a user matching no line
 * gets nothing (there is no anonymous access: `allow_anonymous false`).
 */
import { assertIdentifier, assertRoot } from '../protocol/identifiers';
import { IMAGE_POLICY } from '../protocol/images';
import { POLICY, type MessageKind } from '../protocol/policy';
import { centreAclLines } from './bridge';

export type Access = 'read' | 'write';

/**
 * What a camera may do on each camera-scope topic of PROTOCOL.md, and on the two root topics
 * cameras use: it receives blacklist updates and asks for the whole list on `blacklist/request`
 * (answered on its own `cameras/%u/blacklist`, so no camera reads another's answers). A notification
 * it raised itself goes on its own `cameras/%u/blacklist/notification`, where the server checks it
 * and forwards it: never straight onto the shared `blacklist/notifications` (false alerts for the site).
 * It may not publish `blacklist/updates` ("any → server" is for server-side tools, not cameras:
 * a camera able to remove entries would blind every other camera).
 */
export const CAMERA_ACCESS: ReadonlyArray<{ kind: MessageKind; access: Access; below?: true }> = [
  { kind: 'detection', access: 'write' },
  { kind: 'health', access: 'write' },
  { kind: 'config', access: 'write' },
  { kind: 'configRequest', access: 'write' },
  { kind: 'controlResponse', access: 'write' },
  { kind: 'control', access: 'read' },
  { kind: 'configUpdate', access: 'read' },
  { kind: 'detectionAck', access: 'read' },
  { kind: 'healthRequest', access: 'read' },
  { kind: 'blacklistUpdates', access: 'read' },
  { kind: 'blacklistRequest', access: 'write' },
  { kind: 'blacklistAnswer', access: 'read' },
  { kind: 'blacklistEdgeNotification', access: 'write' },
  // MQTT 5 requesters may name a response topic: below the camera's own control/response (e.g.
  // control/response/<requester>) the camera may answer; anywhere else the broker drops it.
  { kind: 'controlResponse', access: 'write', below: true },
];

/** The ACL topic of `kind` for the camera that is the connected user (`%u`). */
export function cameraAclTopic(root: string, kind: MessageKind, below = false): string {
  const entry = POLICY[kind];
  if (entry.scope === 'camera') return `${root}/cameras/%u/${entry.suffix}${below ? '/#' : ''}`;
  if (entry.scope === 'root') return `${root}/${entry.suffix}`;
  throw new Error(`${kind}: cameras have no access to checkpoint topics`);
}

/** The ACL topic of the camera's own images (docs/protocol.md "Images"): `{root}/cameras/%u/images/+`. */
export function cameraImageAclTopic(root: string): string {
  return `${root}/cameras/%u/${IMAGE_POLICY.suffix}/+`;
}

export interface AclInput {
  root: string;
  serverUsers: readonly string[];
  /** At the centre: each bridged site's user and cameras (bridge.ts). */
  sites?: ReadonlyArray<{ site: string; user: string; cameras: readonly string[] }>;
  generatedBy?: string;
}

export function aclText(input: AclInput): string {
  // Re-checked here too: this text is a security boundary, whoever calls it.
  const root = assertRoot(input.root, 'root');
  const users = input.serverUsers.map((u) => assertIdentifier(u, 'serverUsers'));
  const lines = [
    `# Mosquitto ACL for the LPR topic tree under "${root}"${input.generatedBy ? `, written by ${input.generatedBy}` : ''}.`,
    '# read = subscribe and receive, write = publish. Anything not granted here is denied.',
    '',
    '# Server users: the whole tree.',
  ];
  for (const user of users) lines.push(`user ${user}`, `topic readwrite ${root}/#`, '');
  for (const site of input.sites ?? []) lines.push(...centreAclLines(root, site.user, site.cameras, site.site), '');
  lines.push(
    '# Cameras: these lines apply to every user, with %u replaced by the username, which is the',
    '# camera_id. A camera can only publish and subscribe on its own topics. The two blacklist lines',
    '# have no %u (every camera shares them); Mosquitto warns about that at start-up, harmlessly.',
  );
  for (const { kind, access, below } of CAMERA_ACCESS) lines.push(`pattern ${access} ${cameraAclTopic(root, kind, below)}`);
  // The images of its own detections, one level below (the message_id): never another camera's.
  lines.push(`pattern write ${cameraImageAclTopic(root)}`);
  lines.push('');
  return lines.join('\n');
}
