/**
 * Problems the camera agent (and its outboxes) report that a person reads: Errors carrying their
 * parts as data, so the lpr-camera node can say them in the reader's language (src/edge stays free
 * of i18n). The message is the English text.
 */
import { refusalText, type ResponseTopicRefusal } from './reply-routes';

/** A command named a response topic the camera will not publish on; it answered on control/response. */
export class RefusedResponseTopic extends Error {
  constructor(
    readonly controlId: string,
    /** The topic as shown: JSON-quoted, cut to 200 characters. */
    readonly shownTopic: string,
    readonly refusal: ResponseTopicRefusal,
  ) {
    super(`control ${controlId}: its response topic ${shownTopic} ${refusalText(refusal)}; answered on control/response instead`);
    this.name = 'RefusedResponseTopic';
  }
}

/** A watch-list update did not fit in the edge list (maxEntries). */
export class EdgeListFull extends Error {
  constructor(
    readonly maxEntries: number,
    readonly leftOut: number,
    readonly total: number,
    readonly action: string,
    readonly updateId: string,
  ) {
    super(`edge list full (maxEntries ${maxEntries}): ${leftOut} of the ${total} entries of ${action} ${updateId} left out, the least urgent first`);
    this.name = 'EdgeListFull';
  }
}

/** A damaged outbox journal could not be kept aside before its unreadable records are dropped. */
export class JournalNotKeptAside extends Error {
  constructor(
    readonly file: string,
    readonly detail: string,
  ) {
    super(`could not keep the damaged journal ${file} aside: ${detail}`);
    this.name = 'JournalNotKeptAside';
  }
}
