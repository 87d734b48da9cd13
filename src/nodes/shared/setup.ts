/** A node that cannot start (no broker, a bad property) says why in its status and the log. */
import { ConfigError } from '../../runtime/settings';
import { ENGLISH, type Translate } from './i18n';
import type { Node } from './red';

export function failSetup(node: Node, err: unknown, t: Translate = ENGLISH): void {
  const text = err instanceof ConfigError ? t('lpr-common.status.invalidProperty', { detail: err.message }) : err instanceof Error ? err.message : String(err);
  node.status({ fill: 'red', shape: 'ring', text });
  node.error(text);
}
