/**
 * lpr-broker's log line on what the broker can do goes through its catalog: in English word for word
 * what runtime/broker-capabilities.ts says, in Thai from locales/th, for any capabilities.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describeCapabilities, type BrokerCapabilities } from '../../src/runtime/broker-capabilities';
import { lookup, type Catalog } from '../../src/i18n/catalog';
import { interpolate, translator } from '../../src/nodes/shared/i18n';
import { capabilitiesLine } from '../../src/nodes/shared/capabilities-line';
import enBroker from '../../locales/en-US/lpr-broker.json';

const root = path.resolve(__dirname, '../..');
const thai: Catalog = {
  ...JSON.parse(readFileSync(path.join(root, 'locales/th/common.json'), 'utf8')),
  ...JSON.parse(readFileSync(path.join(root, 'locales/th/lpr-broker.json'), 'utf8')),
};
const thaiT = translator({ _: ((key: string, params?: Record<string, unknown>) => {
  const text = lookup(thai, key);
  return text === undefined ? key : interpolate(text, params as never);
}) as never }, enBroker);
const englishT = translator({}, enBroker);

const tri = fc.constantFrom(true, false, null);
const orNull = (a: fc.Arbitrary<number>) => fc.option(a, { nil: null });
const caps: fc.Arbitrary<BrokerCapabilities> = fc.record({
  protocolVersion: fc.constantFrom(4 as const, 5 as const),
  source: fc.constantFrom('connack' as const, 'self-test' as const, 'none' as const),
  sharedSubscriptions: tri,
  retain: tri,
  retainedWildcards: tri,
  dotsInTopicLevels: tri,
  wildcardSubscriptions: tri,
  subscriptionIdentifiers: tri,
  maximumQoS: fc.constantFrom(0 as const, 1 as const, 2 as const, null),
  receiveMaximum: orNull(fc.integer({ min: 1, max: 65_535 })),
  maximumPacketSize: orNull(fc.integer({ min: 1, max: 268_435_455 })),
  topicAliasMaximum: orNull(fc.integer({ min: 0, max: 65_535 })),
}) as fc.Arbitrary<BrokerCapabilities>;

describe('lpr-broker capabilities log line in the runtime language', () => {
  it('property: English is exactly describeCapabilities', () => {
    fc.assert(fc.property(caps, (c) => assert.equal(capabilitiesLine(c, englishT), describeCapabilities(c))));
  });

  it('property: Thai is Thai, with no bare key or placeholder, and keeps the numbers', () => {
    fc.assert(
      fc.property(caps, (c) => {
        const th = capabilitiesLine(c, thaiT);
        assert.match(th, /^ความสามารถของ broker/);
        assert.doesNotMatch(th, /__\w+__|lpr-broker\.capabilities/);
        if (c.maximumPacketSize !== null) assert.ok(th.includes(`${c.maximumPacketSize} ไบต์`));
      }),
    );
  });
});
