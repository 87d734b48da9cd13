import assert from 'node:assert/strict';
import { CAMERA_TOPIC_SUFFIX, cameraTopicPreview, detectionSubscription, healthSubscription } from '../../src/editor/shared/topics';
import { POLICY } from '../../src/protocol/policy';
import { TopicTree } from '../../src/protocol/topics';

describe('editor topic previews', () => {
  it('use the suffixes of POLICY, for camera-scoped kinds', () => {
    for (const [kind, suffix] of Object.entries(CAMERA_TOPIC_SUFFIX)) {
      const entry = POLICY[kind as keyof typeof POLICY];
      assert.equal(entry.scope, 'camera', kind);
      assert.equal(suffix, entry.suffix, kind);
    }
  });

  it('show what TopicTree builds: the filter for all cameras, the topic for one', () => {
    const tree = new TopicTree('site-1');
    for (const kind of Object.keys(CAMERA_TOPIC_SUFFIX) as Array<keyof typeof CAMERA_TOPIC_SUFFIX>) {
      assert.equal(cameraTopicPreview('site-1', kind, '+'), tree.filter(kind));
      assert.equal(cameraTopicPreview(' site-1 ', kind, ' CAM-7 '), tree.topic(kind, 'CAM-7'));
    }
    assert.equal(detectionSubscription('', '', 'g1'), new TopicTree().filter('detection', null, 'g1'));
    assert.equal(healthSubscription('x', 'CAM1'), new TopicTree('x').filter('health', 'CAM1'));
    assert.equal(cameraTopicPreview('r', 'control', '*', '<msg.camera>'), 'r/cameras/<msg.camera>/control');
  });
});
