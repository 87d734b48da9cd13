import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stripShare, topicMatches } from '../../src/runtime/topic-match';
import { filterArb, hashOnly, topicArb, topicLevel } from './topic-arbitraries';

/**
 * Independent reference: a valid filter turned into a regular expression (MQTT 3.1.1 §4.7).
 * `+` is one level (possibly empty), a trailing `#` is the parent level and everything below it,
 * and a leading wildcard never matches a topic starting with `$` (§4.7.2).
 */
function referenceMatches(filter: string, topic: string): boolean {
  let f = filter;
  if (f.startsWith('$share/')) {
    const parts = f.split('/');
    f = parts.slice(2).join('/');
  }
  const levels = f.split('/');
  if (topic.startsWith('$') && (levels[0] === '+' || levels[0] === '#')) return false;
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  let source = '';
  levels.forEach((level, i) => {
    if (level === '#') {
      // `a/#` matches `a` and `a/...`; a lone `#` matches everything.
      source += i === 0 ? '.*' : '(?:/.*)?';
      return;
    }
    if (i > 0) source += '/';
    source += level === '+' ? '[^/]*' : escape(level);
  });
  return new RegExp(`^${source}$`, 's').test(topic);
}

describe('runtime/topic-match', () => {
  it('agrees with a regex reference for random filters (+, #, $share) and topics', () => {
    fc.assert(
      fc.property(fc.oneof(filterArb, hashOnly), topicArb, (filter, topic) => {
        assert.equal(topicMatches(filter, topic), referenceMatches(filter, topic), `${filter} vs ${topic}`);
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with the reference when the topic is built from the filter (mostly matching cases)', () => {
    const matching = fc
      .tuple(filterArb, fc.array(topicLevel, { minLength: 0, maxLength: 3 }), fc.array(topicLevel, { minLength: 6, maxLength: 6 }))
      .map(([filter, tail, fill]) => {
        const levels = stripShare(filter).split('/');
        const topic: string[] = [];
        levels.forEach((level, i) => {
          if (level === '#') topic.push(...tail);
          else if (level === '+') topic.push(fill[i % fill.length]!);
          else topic.push(level);
        });
        return [filter, topic.join('/')] as const;
      });
    fc.assert(
      fc.property(matching, ([filter, topic]) => {
        assert.equal(topicMatches(filter, topic), referenceMatches(filter, topic), `${filter} vs ${topic}`);
      }),
      { numRuns: 2000 },
    );
  });

  it('matches the MQTT spec examples', () => {
    assert.equal(topicMatches('sport/tennis/player1/#', 'sport/tennis/player1'), true);
    assert.equal(topicMatches('sport/tennis/player1/#', 'sport/tennis/player1/ranking'), true);
    assert.equal(topicMatches('sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon'), true);
    assert.equal(topicMatches('sport/#', 'sport'), true);
    assert.equal(topicMatches('#', 'sport/tennis'), true);
    assert.equal(topicMatches('sport/tennis/+', 'sport/tennis/player1'), true);
    assert.equal(topicMatches('sport/tennis/+', 'sport/tennis/player1/ranking'), false);
    assert.equal(topicMatches('sport/+', 'sport'), false);
    assert.equal(topicMatches('sport/+', 'sport/'), true);
    assert.equal(topicMatches('+/+', '/finance'), true);
    assert.equal(topicMatches('/+', '/finance'), true);
    assert.equal(topicMatches('+', '/finance'), false);
    assert.equal(topicMatches('lprserver/cameras/+/detection', 'lprserver/cameras/CAM1/detection'), true);
    assert.equal(topicMatches('lprserver/cameras/+/detection', 'lprserver/cameras/CAM1/detection/ack'), false);
    assert.equal(topicMatches('lprserver/cameras/CAM1/detection', 'lprserver/cameras/CAM2/detection'), false);
  });

  it('does not match $ topics with a leading wildcard, but does with a literal $ level', () => {
    assert.equal(topicMatches('#', '$SYS/broker/uptime'), false);
    assert.equal(topicMatches('+/broker/uptime', '$SYS/broker/uptime'), false);
    assert.equal(topicMatches('+/#', '$SYS'), false);
    assert.equal(topicMatches('$share/g/#', '$SYS/broker'), false);
    assert.equal(topicMatches('$SYS/#', '$SYS/broker/uptime'), true);
    assert.equal(topicMatches('$SYS/+/uptime', '$SYS/broker/uptime'), true);
  });

  it('strips $share/<group>/ before matching', () => {
    assert.equal(stripShare('$share/g1/lprserver/cameras/+/detection'), 'lprserver/cameras/+/detection');
    assert.equal(stripShare('lprserver/#'), 'lprserver/#');
    assert.equal(stripShare('$share/g1'), '$share/g1');
    assert.equal(topicMatches('$share/g1/lprserver/cameras/+/detection', 'lprserver/cameras/CAM1/detection'), true);
    assert.equal(topicMatches('$share/g1/lprserver/cameras/+/detection', 'g1/lprserver/cameras/CAM1/detection'), false);
    fc.assert(
      fc.property(filterArb, fc.constantFrom('g', 'grp-1'), topicArb, (filter, group, topic) => {
        const plain = stripShare(filter);
        assert.equal(topicMatches(`$share/${group}/${plain}`, topic), topicMatches(plain, topic));
      }),
    );
  });
});
