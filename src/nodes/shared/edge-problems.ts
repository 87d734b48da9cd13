/**
 * The camera agent's problems in the reader's language: the known ones carry their parts
 * (src/edge/agent-problems.ts), any other keeps its own (English) message.
 */
import { EdgeListFull, JournalNotKeptAside, RefusedResponseTopic } from '../../edge/agent-problems';
import type { ResponseTopicRefusal } from '../../edge/reply-routes';
import type { Translate } from './i18n';

/** Literal keys, so the key test (test/i18n/keys-b) sees each one. */
const REASON_KEYS: Record<ResponseTopicRefusal['reason'], string> = {
  empty: 'lpr-camera.warn.responseTopicReason.empty',
  wildcard: 'lpr-camera.warn.responseTopicReason.wildcard',
  dollar: 'lpr-camera.warn.responseTopicReason.dollar',
  tooLong: 'lpr-camera.warn.responseTopicReason.tooLong',
  lprTree: 'lpr-camera.warn.responseTopicReason.lprTree',
};

export function edgeProblemText(err: Error, t: Translate): string {
  if (err instanceof RefusedResponseTopic) {
    const { refusal } = err;
    const problem = t(REASON_KEYS[refusal.reason], {
      max: refusal.reason === 'tooLong' ? refusal.max : '',
      own: refusal.reason === 'lprTree' ? refusal.own : '',
    });
    return t('lpr-camera.warn.responseTopic', { control: err.controlId, topic: err.shownTopic, problem });
  }
  if (err instanceof EdgeListFull) {
    return t('lpr-camera.warn.edgeListFull', { max: err.maxEntries, n: err.leftOut, total: err.total, action: err.action, id: err.updateId });
  }
  if (err instanceof JournalNotKeptAside) return t('lpr-camera.warn.journalNotKeptAside', { file: err.file, detail: err.detail });
  return err.message;
}
