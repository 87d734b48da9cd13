import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SubscriptionIndex } from '../../src/runtime/subscription-index';
import { TopicFilter, topicMatches } from '../../src/runtime/topic-match';
import { filterArb, hashOnly, topicArb } from './topic-arbitraries';

interface Item {
  filter: string;
  matcher: TopicFilter;
}

const item = (filter: string): Item => ({ filter, matcher: new TopicFilter(filter) });

/** An item whose matcher counts the topics it is asked about. */
function counted(filter: string, asked: string[]): Item {
  const matcher = new TopicFilter(filter);
  const real = matcher.matches.bind(matcher);
  matcher.matches = (topic: string) => {
    asked.push(`${filter} ? ${topic}`);
    return real(topic);
  };
  return { filter, matcher };
}

// The filters one lpr-broker subscribes for a site (root `lpr`).
const SITE = ['lpr/cameras/+/detection', 'lpr/cameras/+/health', 'lpr/cameras/+/config/response', 'lpr/cameras/+/control/response', 'lpr/checkpoints/+/analytics', 'lpr/system/status', 'lpr/cameras/+/images/+', 'lpr/#'];

describe('runtime/subscription-index', () => {
  it('answers, in subscription order, the filters that match a topic', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.oneof(filterArb, hashOnly), { maxLength: 8 }), fc.array(topicArb, { minLength: 1, maxLength: 12 }), (filters, topics) => {
        const index = new SubscriptionIndex<Item>();
        index.reset(filters.map(item));
        for (const topic of topics) {
          const got = index.match(topic).map((i) => i.filter);
          assert.deepEqual(got, filters.filter((f) => topicMatches(f, topic)), `topic ${topic}`);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('answers from the subscriptions as they are after each change', () => {
    const index = new SubscriptionIndex<Item>();
    const detection = item('lpr/cameras/+/detection');
    index.reset([detection]);
    assert.deepEqual(index.match('lpr/cameras/CAM1/detection'), [detection]);
    const all = item('lpr/#');
    index.reset([detection, all]);
    assert.deepEqual(index.match('lpr/cameras/CAM1/detection'), [detection, all]);
    index.reset([]);
    assert.deepEqual(index.match('lpr/cameras/CAM1/detection'), []);
  });

  it('asks only the filters that can match: the same last level, or a wildcard last', () => {
    const asked: string[] = [];
    const index = new SubscriptionIndex<Item>();
    index.reset(SITE.map((f) => counted(f, asked)));
    assert.deepEqual(index.match('lpr/cameras/CAM9/detection').map((i) => i.filter), ['lpr/cameras/+/detection', 'lpr/#']);
    assert.deepEqual(asked, ['lpr/cameras/+/detection ? lpr/cameras/CAM9/detection', 'lpr/cameras/+/images/+ ? lpr/cameras/CAM9/detection', 'lpr/# ? lpr/cameras/CAM9/detection']);
  });

  it('asks the same few filters for the 100,000th topic as for the first (nothing kept per topic)', () => {
    const asked: string[] = [];
    const index = new SubscriptionIndex<Item>();
    index.reset(SITE.map((f) => counted(f, asked)));
    for (let cam = 0; cam < 100_000; cam++) {
      asked.length = 0;
      index.match(`lpr/cameras/CAM${cam}/health`);
      assert.equal(asked.length, 3, `camera ${cam}: health, images/+ and # asked`);
    }
  });
});
