/**
 * lpr-broker's log line on what the broker can do, in the runtime's language. The English catalog
 * text is word for word runtime/broker-capabilities.ts `describeCapabilities` (a test holds them
 * together), which stays for code without a translator.
 */
import type { BrokerCapabilities } from '../../runtime/broker-capabilities';
import type { Translate } from './i18n';

export function capabilitiesLine(c: BrokerCapabilities, t: Translate): string {
  const yesNo = (v: boolean | null) => (v === null ? '?' : v ? t('lpr-broker.capabilities.yes') : t('lpr-broker.capabilities.no'));
  const parts = [
    `MQTT ${c.protocolVersion === 5 ? '5' : '3.1.1'}`,
    t('lpr-broker.capabilities.sharedSubscriptions', { v: yesNo(c.sharedSubscriptions) }),
    t('lpr-broker.capabilities.retain', { v: yesNo(c.retain) }),
    t('lpr-broker.capabilities.retainedWildcards', { v: yesNo(c.retainedWildcards) }),
    t('lpr-broker.capabilities.dotsInTopicLevels', { v: yesNo(c.dotsInTopicLevels) }),
  ];
  if (c.maximumQoS !== null) parts.push(t('lpr-broker.capabilities.maximumQoS', { n: c.maximumQoS }));
  if (c.receiveMaximum !== null) parts.push(t('lpr-broker.capabilities.receiveMaximum', { n: c.receiveMaximum }));
  if (c.maximumPacketSize !== null) parts.push(t('lpr-broker.capabilities.maximumPacketSize', { n: c.maximumPacketSize }));
  if (c.topicAliasMaximum !== null) parts.push(t('lpr-broker.capabilities.topicAliasMaximum', { n: c.topicAliasMaximum }));
  const from =
    c.source === 'connack' ? t('lpr-broker.capabilities.fromConnack') : c.source === 'self-test' ? t('lpr-broker.capabilities.fromSelfTest') : t('lpr-broker.capabilities.fromNothing');
  return t('lpr-broker.capabilities.line', { from, parts: parts.join(t('lpr-broker.capabilities.separator')) });
}
