/** The warning for messages a node could not publish, the same way in every node that publishes. */
import { WarningBurst } from '../../runtime/warning-burst';
import type { Translate } from './i18n';
import type { Node } from './red';

/**
 * `(what, err)` for each message not published. Failures of one turn (a connection closing, a burst
 * past the offline queue's limit) are one warning: `oneKey` (with `what` and `detail`) for a single
 * one, else `manyKey` (with `n`, the first's `what` and `detail`).
 */
export function publishWarnings(node: Pick<Node, 'warn'>, t: Translate, oneKey: string, manyKey = 'lpr-common.error.notPublishedMany'): (what: string, err: Error) => void {
  const burst = new WarningBurst<{ what: string; detail: string }>(({ what, detail }, n) =>
    node.warn(n === 1 ? t(oneKey, { what, detail }) : t(manyKey, { n, what, detail })),
  );
  return (what, err) => burst.add({ what, detail: err.message });
}
