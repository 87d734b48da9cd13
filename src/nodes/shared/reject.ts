/** Reporting a message that failed validation, the same way from every node that reads MQTT. */
import type { ValidationError } from '../../protocol';
import { ENGLISH, type Translate } from './i18n';
import type { Node } from './red';

/**
 * Raises `node.error` so a Catch node gets it. Node-RED rebuilds `msg.error` from the Error it is
 * given, copying `message`, `code` and `cause`: the field paths travel in `cause.issues`.
 */
export function reportRejected(
  node: Node,
  what: string,
  topic: string,
  payload: Buffer,
  error: ValidationError,
  meta: { type: string; cameraId: string | null; messageId: string | null; receivedAt: number },
  t: Translate = ENGLISH,
): void {
  // `what` comes translated from the node; the validation detail (field paths) stays as the schema says it.
  const text = t('lpr-common.error.rejected', { what, detail: error.message });
  const err = new Error(text, { cause: { code: error.code, issues: error.issues, camera_id: meta.cameraId, message_id: meta.messageId } });
  Object.assign(err, { name: 'ValidationError', code: error.code });
  delete (err as { stack?: string }).stack;
  const raw = error.code === 'too_large' || error.code === 'invalid_utf8' ? payload : payload.toString('utf8');
  node.error(err, { topic, payload: raw, lpr: meta });
}
