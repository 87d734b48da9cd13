/**
 * Topic previews for the edit dialogs. The editor bundle cannot take src/protocol/policy.ts (it
 * carries the zod schemas), so the camera topics a dialog shows are listed here by kind;
 * test/unit/editor-topics.test.ts holds every suffix to POLICY's.
 */
import { isAllCameras, str } from './validate';

export const CAMERA_TOPIC_SUFFIX = {
  detection: 'detection',
  health: 'health',
  config: 'config',
  configUpdate: 'config/update',
  configRequest: 'config/request',
  control: 'control',
  controlResponse: 'control/response',
  blacklistAnswer: 'blacklist',
  blacklistEdgeNotification: 'blacklist/notification',
} as const;

/**
 * `<root>/cameras/<camera>/<suffix>` for a dialog's camera field: with all cameras (empty, `+`,
 * `*`), `whenAll` stands for the camera level: `+` for what the node subscribes to,
 * `<msg.camera>` for what it publishes to the camera a message names.
 */
export function cameraTopicPreview(root: unknown, kind: keyof typeof CAMERA_TOPIC_SUFFIX, camera: unknown, whenAll: '+' | '<msg.camera>' = '+'): string {
  const r = str(root) || 'lprserver';
  return `${r}/cameras/${isAllCameras(camera) ? whenAll : str(camera)}/${CAMERA_TOPIC_SUFFIX[kind]}`;
}

/** The subscription lpr-detection-in makes (TopicTree.filter): `[$share/<group>/]<root>/cameras/<camera|+>/detection`. */
export function detectionSubscription(root: unknown, camera: unknown, sharedGroup: unknown): string {
  const filter = cameraTopicPreview(root, 'detection', camera);
  const group = str(sharedGroup);
  return group ? `$share/${group}/${filter}` : filter;
}

/** The subscription lpr-health-monitor makes: `<root>/cameras/<camera|+>/health`. */
export function healthSubscription(root: unknown, camera: unknown): string {
  return cameraTopicPreview(root, 'health', camera);
}
