/**
 * The camera agent's warnings that a person reads (a refused MQTT 5 response topic, a full edge
 * list) go through lpr-camera's catalog: in English word for word what the agent says, in Thai from
 * locales/th. src/edge stays free of i18n: the agent emits the parts, the node says them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { TopicTree } from '../../src/protocol';
import { EdgeListFull, JournalNotKeptAside, RefusedResponseTopic } from '../../src/edge/agent-problems';
import { responseTopicRefusal } from '../../src/edge/reply-routes';
import { lookup, type Catalog } from '../../src/i18n/catalog';
import { interpolate, translator } from '../../src/nodes/shared/i18n';
import { edgeProblemText } from '../../src/nodes/shared/edge-problems';
import enCamera from '../../locales/en-US/lpr-camera.json';

const root = path.resolve(__dirname, '../..');
const thai: Catalog = {
  ...JSON.parse(readFileSync(path.join(root, 'locales/th/common.json'), 'utf8')),
  ...JSON.parse(readFileSync(path.join(root, 'locales/th/lpr-camera.json'), 'utf8')),
};
// RED._ of a Thai runtime: the Thai catalog, the key itself when it has none (as Node-RED does).
const thaiT = translator({ _: ((key: string, params?: Record<string, unknown>) => {
  const text = lookup(thai, key);
  return text === undefined ? key : interpolate(text, params as never);
}) as never }, enCamera);
const englishT = translator({}, enCamera);

const tree = new TopicTree('lprserver');
const REFUSED = ['', 'a/+/b', '#', '$SYS/x', 'x'.repeat(70_000), 'lprserver/cameras/CAM002/control/response', 'lprserver/system/status'];

describe('edge problems in the reader\'s language (lpr-camera)', () => {
  it('a refused response topic: English is exactly the agent\'s text, Thai is Thai, for every reason', () => {
    const reasons = new Set<string>();
    for (const topic of REFUSED) {
      const refusal = responseTopicRefusal(topic, tree, 'CAM001');
      assert.ok(refusal, topic.slice(0, 40));
      reasons.add(refusal.reason);
      const err = new RefusedResponseTopic('ctl-1', JSON.stringify(topic.slice(0, 200)), refusal);
      assert.equal(edgeProblemText(err, englishT), err.message);
      const th = edgeProblemText(err, thaiT);
      assert.match(th, /[\u0E00-\u0E7F]/, `Thai: ${th}`);
      assert.doesNotMatch(th, /__\w+__|lpr-camera\.warn/, `no bare placeholder or key: ${th}`);
      assert.ok(th.includes('ctl-1'));
    }
    assert.deepEqual([...reasons].sort(), ['dollar', 'empty', 'lprTree', 'tooLong', 'wildcard']);
  });

  it('property: any refused topic is said in English as the agent says it', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.constantFrom('+', '#', '$', 'lprserver/'), (rest, head) => {
        const topic = head === '$' || head === 'lprserver/' ? head + rest : rest + head;
        const refusal = responseTopicRefusal(topic, tree, 'CAM001');
        if (refusal === null) return;
        const err = new RefusedResponseTopic('c', JSON.stringify(topic), refusal);
        assert.equal(edgeProblemText(err, englishT), err.message);
      }),
    );
  });

  it('a full edge list: English as the agent says it, Thai in Thai', () => {
    const err = new EdgeListFull(200, 5, 12, 'add', 'upd-1');
    assert.equal(edgeProblemText(err, englishT), err.message);
    const th = edgeProblemText(err, thaiT);
    assert.match(th, /รายการเฝ้าระวัง/);
    assert.ok(th.includes('upd-1') && th.includes('200'));
  });

  it('a damaged journal not kept aside: English as the outbox says it, Thai in Thai', () => {
    const err = new JournalNotKeptAside('/data/cam.ndjson', 'EACCES');
    assert.equal(edgeProblemText(err, englishT), err.message);
    assert.match(edgeProblemText(err, thaiT), /^เก็บสำเนา.*\/data\/cam\.ndjson.*EACCES$/);
  });

  it('any other problem keeps its own message', () => {
    assert.equal(edgeProblemText(new Error('disk full'), thaiT), 'disk full');
  });
});
