/**
 * What the broker can do, as far as it says or a self-test finds out. An MQTT 5 broker announces its
 * limits in CONNACK (a property left out means the protocol's default: available, QoS 2, no packet
 * limit); an MQTT 3.1.1 broker announces nothing, and some (aedes, RabbitMQ's MQTT plugin) grant a
 * `$share/…` subscription and then deliver nothing, or keep retained messages from wildcard
 * subscribers. `null` means not known.
 */

export interface BrokerCapabilities {
  protocolVersion: 4 | 5;
  /** Where the answers come from: the CONNACK's properties, a self-test on this connection, or neither. */
  source: 'connack' | 'self-test' | 'none';
  sharedSubscriptions: boolean | null;
  retain: boolean | null;
  /** Retained messages delivered to a wildcard subscription (`…/+/…`): only a self-test tells. */
  retainedWildcards: boolean | null;
  /** A `.` inside a topic level stays there (RabbitMQ maps it to `/`): only a self-test tells. */
  dotsInTopicLevels: boolean | null;
  wildcardSubscriptions: boolean | null;
  subscriptionIdentifiers: boolean | null;
  maximumQoS: 0 | 1 | 2 | null;
  /** QoS 1 and 2 publishes the broker takes in flight from us (MQTT 5; 65,535 when not announced). */
  receiveMaximum: number | null;
  /** Largest packet the broker accepts from us, in bytes (null: no limit announced, or not known). */
  maximumPacketSize: number | null;
  topicAliasMaximum: number | null;
}

/** The CONNACK properties MQTT.js hands over (MQTT 5), as far as they concern us. */
export interface ConnackProperties {
  receiveMaximum?: number;
  maximumQoS?: number;
  retainAvailable?: boolean;
  maximumPacketSize?: number;
  topicAliasMaximum?: number;
  wildcardSubscriptionAvailable?: boolean;
  subscriptionIdentifiersAvailable?: boolean;
  sharedSubscriptionAvailable?: boolean;
}

export function unknownCapabilities(protocolVersion: 4 | 5): BrokerCapabilities {
  return {
    protocolVersion,
    source: 'none',
    sharedSubscriptions: null,
    retain: null,
    retainedWildcards: null,
    dotsInTopicLevels: null,
    wildcardSubscriptions: null,
    subscriptionIdentifiers: null,
    maximumQoS: null,
    receiveMaximum: null,
    maximumPacketSize: null,
    topicAliasMaximum: null,
  };
}

/** What an MQTT 5 CONNACK says, with the protocol's defaults for what it leaves out; nothing for 3.1.1. */
export function capabilitiesFromConnack(protocolVersion: 4 | 5, properties: ConnackProperties | undefined): BrokerCapabilities {
  if (protocolVersion !== 5) return unknownCapabilities(4);
  const p = properties ?? {};
  const qos = p.maximumQoS;
  return {
    protocolVersion: 5,
    source: 'connack',
    sharedSubscriptions: p.sharedSubscriptionAvailable ?? true,
    retain: p.retainAvailable ?? true,
    retainedWildcards: null,
    dotsInTopicLevels: null,
    wildcardSubscriptions: p.wildcardSubscriptionAvailable ?? true,
    subscriptionIdentifiers: p.subscriptionIdentifiersAvailable ?? true,
    maximumQoS: qos === 0 || qos === 1 ? qos : 2,
    receiveMaximum: p.receiveMaximum ?? 65_535,
    maximumPacketSize: p.maximumPacketSize ?? null,
    topicAliasMaximum: p.topicAliasMaximum ?? 0,
  };
}

/** What a node's settings need from the broker. */
export interface BrokerNeeds {
  sharedSubscriptions?: boolean;
  retain?: boolean;
  /** A wildcard subscription that must see retained messages (a monitor of all cameras). */
  retainedWildcards?: boolean;
  /** Camera ids (topic levels) with a dot, matched by a `+`. */
  dotsInTopicLevels?: boolean;
  wildcardSubscriptions?: boolean;
  qos?: 0 | 1 | 2;
  /** The largest message the node publishes, in bytes. */
  packetBytes?: number;
}

export type MissingFeature =
  | { feature: 'sharedSubscriptions' | 'retain' | 'retainedWildcards' | 'dotsInTopicLevels' | 'wildcardSubscriptions' }
  | { feature: 'qos'; needed: number; maximum: number }
  | { feature: 'packetSize'; needed: number; maximum: number };

/** What `needs` asks that the broker is known to lack (an unknown capability is not reported). */
export function missingFeatures(caps: BrokerCapabilities, needs: BrokerNeeds): MissingFeature[] {
  const out: MissingFeature[] = [];
  for (const f of ['sharedSubscriptions', 'retain', 'retainedWildcards', 'dotsInTopicLevels', 'wildcardSubscriptions'] as const) {
    if (needs[f] && caps[f] === false) out.push({ feature: f });
  }
  if (needs.qos !== undefined && caps.maximumQoS !== null && needs.qos > caps.maximumQoS) out.push({ feature: 'qos', needed: needs.qos, maximum: caps.maximumQoS });
  if (needs.packetBytes !== undefined && caps.maximumPacketSize !== null && needs.packetBytes > caps.maximumPacketSize) {
    out.push({ feature: 'packetSize', needed: needs.packetBytes, maximum: caps.maximumPacketSize });
  }
  return out;
}

/** One line for the log and the status, in English (nodes translate by `feature`). */
export function describeMissing(m: MissingFeature): string {
  switch (m.feature) {
    case 'sharedSubscriptions':
      return 'the broker does not deliver shared subscriptions ($share/…)';
    case 'retain':
      return 'the broker does not keep retained messages';
    case 'retainedWildcards':
      return 'the broker does not deliver retained messages to wildcard subscriptions';
    case 'dotsInTopicLevels':
      return 'the broker turns a "." in a topic level into "/": camera ids with a dot are never seen';
    case 'wildcardSubscriptions':
      return 'the broker does not allow wildcard subscriptions';
    case 'qos':
      return `QoS ${m.needed} needed, the broker allows at most QoS ${m.maximum}`;
    case 'packetSize':
      return `messages of ${m.needed} bytes needed, the broker takes at most ${m.maximum}`;
  }
}

/** One log line: what the broker announced or the self-test found, in English (lpr-broker says it in the runtime language: nodes/shared/capabilities-line.ts). */
export function describeCapabilities(c: BrokerCapabilities): string {
  const yesNo = (v: boolean | null) => (v === null ? '?' : v ? 'yes' : 'no');
  const parts = [
    `MQTT ${c.protocolVersion === 5 ? '5' : '3.1.1'}`,
    `shared subscriptions ${yesNo(c.sharedSubscriptions)}`,
    `retain ${yesNo(c.retain)}`,
    `retained on wildcards ${yesNo(c.retainedWildcards)}`,
    `dots in topic levels ${yesNo(c.dotsInTopicLevels)}`,
  ];
  if (c.maximumQoS !== null) parts.push(`max QoS ${c.maximumQoS}`);
  if (c.receiveMaximum !== null) parts.push(`receive maximum ${c.receiveMaximum}`);
  if (c.maximumPacketSize !== null) parts.push(`max packet ${c.maximumPacketSize} bytes`);
  if (c.topicAliasMaximum !== null) parts.push(`topic aliases ${c.topicAliasMaximum}`);
  const from = c.source === 'connack' ? 'announced in CONNACK' : c.source === 'self-test' ? 'CONNACK and self-test' : 'nothing announced';
  return `broker capabilities (${from}): ${parts.join(', ')}`;
}
