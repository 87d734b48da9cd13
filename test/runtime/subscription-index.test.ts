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
  it('answers, in subscription order, the filters that match a topic, whatever its memory holds', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.oneof(filterArb, hashOnly), { maxLength: 8 }),
        fc.array(topicArb, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 4 }),
        (filters, topics, limit) => {
          const index = new SubscriptionIndex<Item>(limit);
          index.reset(filters.map(item));
          // Each topic twice, so that remembered answers are checked as well as fresh ones.
          for (const topic of [...topics, ...topics]) {
            const got = index.match(topic).map((i) => i.filter);
            assert.deepEqual(got, filters.filter((f) => topicMatches(f, topic)), `topic ${topic}`);
          }
          assert.ok(index.remembered <= limit);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('forgets what it remembered when the subscriptions change', () => {
    const index = new SubscriptionIndex<Item>(10);
    const detection = item('lpr/cameras/+/detection');
    index.reset([detection]);
    assert.deepEqual(index.match('lpr/cameras/CAM1/detection'), [detection]);
    const all = item('lpr/#');
    index.reset([detection, all]);
    assert.deepEqual(index.match('lpr/cameras/CAM1/detection'), [detection, all]);
    index.reset([]);
    assert.deepEqual(index.match('lpr/cameras/CAM1/detection'), []);
    assert.equal(index.remembered, 1);
  });

  it('past its memory, asks only the filters that can match: the same last level, or a wildcard last', () => {
    const asked: string[] = [];
    const index = new SubscriptionIndex<Item>(0);
    index.reset(SITE.map((f) => counted(f, asked)));
    assert.deepEqual(index.match('lpr/cameras/CAM9/detection').map((i) => i.filter), ['lpr/cameras/+/detection', 'lpr/#']);
    assert.deepEqual(asked, ['lpr/cameras/+/detection ? lpr/cameras/CAM9/detection', 'lpr/cameras/+/images/+ ? lpr/cameras/CAM9/detection', 'lpr/# ? lpr/cameras/CAM9/detection']);
  });

  it('keeps what it remembered when full, instead of starting over (200,000 topics at 100,000 cameras)', () => {
    const asked: string[] = [];
    const index = new SubscriptionIndex<Item>(2);
    index.reset(SITE.map((f) => counted(f, asked)));
    for (const cam of ['CAM1', 'CAM2', 'CAM3', 'CAM4']) index.match(`lpr/cameras/${cam}/detection`);
    assert.equal(index.remembered, 2);
    asked.length = 0;
    index.match('lpr/cameras/CAM1/detection');
    index.match('lpr/cameras/CAM2/detection');
    assert.deepEqual(asked, [], 'the first two topics are still remembered');
    index.match('lpr/cameras/CAM3/detection');
    assert.equal(asked.length, 3, 'a topic past the memory is matched again, against the three candidates');
  });
});
