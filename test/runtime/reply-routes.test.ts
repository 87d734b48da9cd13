import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MESSAGE_KINDS, POLICY, TopicTree } from '../../src/protocol';
import { ReplyRoutes, responseTopicProblem } from '../../src/edge/reply-routes';

describe('MQTT 5 reply routes at the edge', () => {
  const tree = new TopicTree('lprserver');
  const ok = (t: string) => responseTopicProblem(t, tree, 'CAM001');

  it('accepts this camera\'s control/response and what is below it, and topics outside the LPR tree', () => {
    for (const t of ['lprserver/cameras/CAM001/control/response', 'lprserver/cameras/CAM001/control/response/req-7', 'replies/abc', 'lprserverx/y']) assert.equal(ok(t), null, t);
  });

  it('refuses every other topic of the LPR tree, another camera\'s included', () => {
    for (const kind of MESSAGE_KINDS) {
      const id = POLICY[kind].scope === 'checkpoint' ? 'CP001' : 'CAM001';
      if (kind !== 'controlResponse') assert.match(ok(tree.topic(kind, id)) ?? '', /LPR tree/, kind);
    }
    assert.match(ok('lprserver/cameras/CAM002/control/response') ?? '', /LPR tree/);
    assert.match(ok('lprserver/cameras/CAM001/control/responses') ?? '', /LPR tree/);
    assert.match(ok('lprserver') ?? '', /LPR tree/);
  });

  it('property: a topic with a wildcard, NUL or a leading $ is never accepted (no poison loop)', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('+', '#', '\u0000'), fc.string(), (a, bad, b) => {
        assert.notEqual(ok(`${a}${bad}${b}`), null);
        assert.notEqual(ok(`$${a}`), null);
      }),
    );
    assert.notEqual(ok(''), null);
  });

  it('keeps a route until the final answer, bounded and for a limited time', () => {
    const routes = new ReplyRoutes(2, 1000);
    const r = { topic: 'replies/a', correlationData: Buffer.from('x') };
    routes.remember('c1', r, 0);
    assert.equal(routes.take('c1', false, 10), r, 'an interim accepted keeps it');
    assert.equal(routes.take('c1', true, 20), r);
    assert.equal(routes.take('c1', true, 30), null, 'gone after the final answer');
    routes.remember('c2', r, 0);
    routes.remember('c3', r, 0);
    routes.remember('c4', r, 0);
    assert.equal(routes.size, 2);
    assert.equal(routes.take('c2', true, 1), null, 'the oldest went first');
    assert.equal(routes.take('c3', true, 1500), null, 'past its time');
  });
});
