/**
 * A node says what it needs from the broker (a shared group, retained messages on a wildcard,
 * camera ids with dots…); when the broker is known to lack it, from its CONNACK or lpr-broker's
 * self-test, the node says so in its status and once in the log, instead of showing
 * `connected · 0 in` and nothing else.
 */
import type { BrokerNeeds, MissingFeature } from '../../runtime/broker-capabilities';
import type { LprBroker } from './broker-api';
import type { Translate } from './i18n';
import type { Node } from './red';

/** Short (status) and long (log) texts for what is missing. */
export function missingTexts(missing: MissingFeature[], t: Translate): { short: string; long: string } {
  const params = (m: MissingFeature) => ('needed' in m ? { needed: m.needed, maximum: m.maximum } : {});
  return {
    short: missing.map((m) => t(`lpr-common.capabilities.short.${m.feature}`, params(m))).join(', '),
    long: missing.map((m) => t(`lpr-common.capabilities.long.${m.feature}`, params(m))).join('; '),
  };
}

/**
 * Declares `needs` for `node` on `broker`'s connection and reports what is missing through
 * `onMissing` (null once nothing is); returns the function that undoes it (call it on close).
 */
export function watchBrokerNeeds(
  node: Node,
  broker: LprBroker,
  needs: BrokerNeeds,
  t: Translate,
  onMissing: (short: string | null) => void,
): () => void {
  const connection = broker.connection;
  let last = '';
  const check = () => {
    const missing = connection.missingFor(node.id);
    const key = missing.map((m) => JSON.stringify(m)).join('|');
    if (key === last) return;
    last = key;
    if (missing.length === 0) return onMissing(null);
    const { short, long } = missingTexts(missing, t);
    node.warn(t('lpr-common.capabilities.warn', { missing: long }));
    onMissing(short);
  };
  connection.on('capabilities', check);
  connection.need(node.id, needs);
  check();
  return () => {
    connection.off('capabilities', check);
    connection.unneed(node.id);
  };
}
