import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IdentifierError, MESSAGE_KINDS, POLICY, policyOf, TopicTree, type MessageKind } from '../../src/protocol';
import { validId, validRoot } from './arbitraries';

/**
 * The topic table of PROTOCOL.md, copied literally (`{id}` is `{camera_id}` or `{checkpoint_id}`).
 * If POLICY drifts from the contract, a row below fails.
 */
const PROTOCOL_TABLE: ReadonlyArray<{ kind: MessageKind; topic: string; qos: 0 | 1 | 2; retain: boolean; direction: string }> = [
  { kind: 'detection', topic: '{root}/cameras/{camera_id}/detection', qos: 1, retain: false, direction: 'camera → server' },
  { kind: 'detectionAck', topic: '{root}/cameras/{camera_id}/detection/ack', qos: 1, retain: false, direction: 'server → camera' },
  { kind: 'health', topic: '{root}/cameras/{camera_id}/health', qos: 0, retain: true, direction: 'camera → server' },
  { kind: 'healthRequest', topic: '{root}/cameras/{camera_id}/health/request', qos: 0, retain: false, direction: 'server → camera' },
  { kind: 'config', topic: '{root}/cameras/{camera_id}/config', qos: 2, retain: true, direction: 'camera → server' },
  { kind: 'configUpdate', topic: '{root}/cameras/{camera_id}/config/update', qos: 2, retain: true, direction: 'server → camera' },
  { kind: 'configRequest', topic: '{root}/cameras/{camera_id}/config/request', qos: 2, retain: false, direction: 'camera → server' },
  { kind: 'control', topic: '{root}/cameras/{camera_id}/control', qos: 2, retain: false, direction: 'server → camera' },
  { kind: 'controlResponse', topic: '{root}/cameras/{camera_id}/control/response', qos: 2, retain: false, direction: 'camera → server' },
  { kind: 'checkpointStatus', topic: '{root}/checkpoints/{checkpoint_id}/status', qos: 1, retain: true, direction: 'server → all' },
  { kind: 'checkpointAnalytics', topic: '{root}/checkpoints/{checkpoint_id}/analytics', qos: 0, retain: false, direction: 'server → all' },
  { kind: 'blacklistUpdates', topic: '{root}/blacklist/updates', qos: 1, retain: false, direction: 'any → server, server → cameras' },
  { kind: 'blacklistNotifications', topic: '{root}/blacklist/notifications', qos: 1, retain: false, direction: 'server → all' },
  { kind: 'blacklistRequest', topic: '{root}/blacklist/request', qos: 1, retain: false, direction: 'camera → server' },
  // Our extension (README "Protocol"): the answer to one camera's request, for it alone.
  { kind: 'blacklistAnswer', topic: '{root}/cameras/{camera_id}/blacklist', qos: 1, retain: false, direction: 'server → camera' },
  // Our extension: what a camera raised itself (matchAtEdge), on its own topic.
  { kind: 'blacklistEdgeNotification', topic: '{root}/cameras/{camera_id}/blacklist/notification', qos: 1, retain: false, direction: 'camera → server' },
  { kind: 'systemStatus', topic: '{root}/system/status', qos: 1, retain: true, direction: 'server → all' },
  { kind: 'systemHealth', topic: '{root}/system/health', qos: 0, retain: true, direction: 'server → all' },
  { kind: 'systemAlerts', topic: '{root}/system/alerts', qos: 1, retain: false, direction: 'server → all' },
  { kind: 'systemLogs', topic: '{root}/system/logs', qos: 0, retain: false, direction: 'server → all' },
  { kind: 'systemMonitoring', topic: '{root}/system/monitoring', qos: 0, retain: false, direction: 'server → all' },
  { kind: 'systemControl', topic: '{root}/system/control', qos: 2, retain: false, direction: 'operator → server' },
];

function idOf(kind: MessageKind, id: string): { cameraId?: string; checkpointId?: string } {
  const scope = POLICY[kind].scope;
  return scope === 'camera' ? { cameraId: id } : scope === 'checkpoint' ? { checkpointId: id } : {};
}

function expand(template: string, root: string, id: string): string {
  return template.replace('{root}', root).replace('{camera_id}', id).replace('{checkpoint_id}', id);
}

const ROOT_KINDS = MESSAGE_KINDS.filter((k) => POLICY[k].scope === 'root');
const ID_KINDS = MESSAGE_KINDS.filter((k) => POLICY[k].scope !== 'root');

describe('topics', () => {
  describe('PROTOCOL.md topic table', () => {
    it('has exactly one POLICY entry per table row, and no others', () => {
      assert.deepEqual([...MESSAGE_KINDS].sort(), PROTOCOL_TABLE.map((r) => r.kind).sort());
      assert.equal(MESSAGE_KINDS.length, 22, 'the 20 of PROTOCOL.md, our blacklistAnswer and blacklistEdgeNotification');
    });

    for (const row of PROTOCOL_TABLE) {
      it(`${row.topic}: QoS ${row.qos}, retain ${row.retain ? 'yes' : 'no'}`, () => {
        const tree = new TopicTree();
        const id = row.topic.includes('{checkpoint_id}') ? 'CP001' : 'CAM001';
        assert.equal(tree.topic(row.kind, id), expand(row.topic, 'lprserver', id));
        assert.equal(new TopicTree('site1/lpr').topic(row.kind, id), expand(row.topic, 'site1/lpr', id));
        const policy = policyOf(row.kind);
        assert.equal(policy.qos, row.qos);
        assert.equal(policy.retain, row.retain);
        assert.equal(policy.direction, row.direction);
        assert.deepEqual(tree.parse(expand(row.topic, 'lprserver', id)), { kind: row.kind, ...idOf(row.kind, id) });
      });
    }
  });

  describe('TopicTree', () => {
    it('defaults its root to lprserver and rejects a bad root', () => {
      assert.equal(new TopicTree().root, 'lprserver');
      assert.throws(() => new TopicTree('lpr/#'), IdentifierError);
      assert.throws(() => new TopicTree(''), IdentifierError);
      assert.throws(() => new TopicTree('$SYS'), IdentifierError);
    });

    it('property: parse(topic(kind, id)) round-trips for every kind, id and root', () => {
      fc.assert(
        fc.property(fc.constantFrom(...MESSAGE_KINDS), validId, validRoot, (kind, id, root) => {
          const tree = new TopicTree(root);
          const topic = tree.topic(kind, id);
          assert.ok(topic.startsWith(`${root}/`));
          assert.ok(!/[+#]/.test(topic));
          assert.deepEqual(tree.parse(topic), { kind, ...idOf(kind, id) });
        }),
        { numRuns: 400 },
      );
    });

    it('property: topic() throws for an invalid id and never emits a wildcard or an extra level', () => {
      const badId = fc.oneof(
        fc.constantFrom('', '+', '#', 'a/b', 'CAM001/detection', 'a+', '#x', ' ', 'x'.repeat(65), '.hidden'),
        fc.string({ maxLength: 70 }).filter((s) => !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(s)),
      );
      fc.assert(
        fc.property(fc.constantFrom(...ID_KINDS), badId, (kind, id) => {
          const field = POLICY[kind].scope === 'camera' ? 'camera_id' : 'checkpoint_id';
          assert.throws(
            () => new TopicTree().topic(kind, id),
            (err: unknown) => err instanceof IdentifierError && err.field === field,
          );
        }),
        { numRuns: 300 },
      );
    });

    it('property: every topic has exactly the levels of its template', () => {
      fc.assert(
        fc.property(fc.constantFrom(...PROTOCOL_TABLE), validId, validRoot, (row, id, root) => {
          const topic = new TopicTree(root).topic(row.kind, id);
          assert.equal(topic, expand(row.topic, root, id));
          assert.equal(topic.split('/').length, expand(row.topic, root, 'X').split('/').length);
        }),
        { numRuns: 200 },
      );
    });

    it('topic() requires an id for camera and checkpoint kinds', () => {
      const tree = new TopicTree();
      assert.throws(() => tree.topic('detection'), /camera_id/);
      assert.throws(() => tree.topic('checkpointStatus'), /checkpoint_id/);
    });

    it('topic() ignores an id for root-scoped kinds', () => {
      assert.equal(new TopicTree().topic('systemStatus', 'CAM001'), 'lprserver/system/status');
    });
  });

  describe('filter()', () => {
    const tree = new TopicTree();

    it('uses + for a null or undefined id', () => {
      assert.equal(tree.filter('detection', null), 'lprserver/cameras/+/detection');
      assert.equal(tree.filter('detection'), 'lprserver/cameras/+/detection');
      assert.equal(tree.filter('controlResponse', null), 'lprserver/cameras/+/control/response');
      assert.equal(tree.filter('checkpointAnalytics', undefined), 'lprserver/checkpoints/+/analytics');
    });

    it('uses the id when given, and the plain topic for root kinds', () => {
      assert.equal(tree.filter('health', 'CAM001'), 'lprserver/cameras/CAM001/health');
      assert.equal(tree.filter('blacklistUpdates'), 'lprserver/blacklist/updates');
      assert.equal(tree.filter('systemStatus', null), 'lprserver/system/status');
    });

    it('prefixes $share/<group>/ for a shared subscription', () => {
      assert.equal(tree.filter('detection', null, 'lpr'), '$share/lpr/lprserver/cameras/+/detection');
      assert.equal(tree.filter('detection', 'CAM7', 'g1'), '$share/g1/lprserver/cameras/CAM7/detection');
      assert.equal(tree.filter('systemAlerts', null, 'ops'), '$share/ops/lprserver/system/alerts');
      assert.equal(new TopicTree('site1/lpr').filter('detection', null, 'w'), '$share/w/site1/lpr/cameras/+/detection');
    });

    it('does not share for an empty or null group', () => {
      assert.equal(tree.filter('detection', null, ''), 'lprserver/cameras/+/detection');
      assert.equal(tree.filter('detection', null, null), 'lprserver/cameras/+/detection');
    });

    it('rejects a bad id or group', () => {
      assert.throws(() => tree.filter('detection', '#'), (e: unknown) => e instanceof IdentifierError && e.field === 'camera');
      assert.throws(() => tree.filter('detection', ''), IdentifierError);
      assert.throws(() => tree.filter('checkpointStatus', 'a/b'), (e: unknown) => e instanceof IdentifierError && e.field === 'checkpoint');
      assert.throws(() => tree.filter('detection', null, 'a/b'), (e: unknown) => e instanceof IdentifierError && e.field === 'sharedGroup');
    });

    it('property: a concrete filter equals the topic, and the wildcard filter differs only at the id level', () => {
      fc.assert(
        fc.property(fc.constantFrom(...ID_KINDS), validId, validRoot, (kind, id, root) => {
          const t = new TopicTree(root);
          assert.equal(t.filter(kind, id), t.topic(kind, id));
          const a = t.filter(kind, null).split('/');
          const b = t.topic(kind, id).split('/');
          assert.equal(a.length, b.length);
          const diff = a.map((level, i) => (level === b[i] ? -1 : i)).filter((i) => i >= 0);
          assert.deepEqual(diff, [root.split('/').length + 1]);
          assert.equal(a[diff[0]!], '+');
        }),
        { numRuns: 200 },
      );
    });

    it('property: root kinds filter to their topic', () => {
      fc.assert(
        fc.property(fc.constantFrom(...ROOT_KINDS), validRoot, (kind, root) => {
          const t = new TopicTree(root);
          assert.equal(t.filter(kind, null), t.topic(kind));
        }),
        { numRuns: 100 },
      );
    });
  });

  describe('parse()', () => {
    const tree = new TopicTree();
    const rejected: Array<[string, string]> = [
      ['a foreign topic', 'home/livingroom/temperature'],
      ['the root alone', 'lprserver'],
      ['the root with a slash', 'lprserver/'],
      ['a wrong root', 'other/cameras/CAM001/detection'],
      ['a root prefix that is not a level', 'lprserverX/cameras/CAM001/detection'],
      ['a leading slash', '/lprserver/cameras/CAM001/detection'],
      ['a $share filter', '$share/g/lprserver/cameras/CAM001/detection'],
      ['an unknown camera suffix', 'lprserver/cameras/CAM001/telemetry'],
      ['a suffix of the wrong scope', 'lprserver/cameras/CAM001/status'],
      ['a camera suffix under checkpoints', 'lprserver/checkpoints/CP001/detection'],
      ['a trailing slash', 'lprserver/cameras/CAM001/detection/'],
      ['an extra level', 'lprserver/cameras/CAM001/detection/ack/x'],
      ['no suffix', 'lprserver/cameras/CAM001'],
      ['no id', 'lprserver/cameras//detection'],
      ['a + id', 'lprserver/cameras/+/detection'],
      ['a # id', 'lprserver/cameras/#/detection'],
      ['an id starting with a dot', 'lprserver/cameras/.x/detection'],
      ['an id with a space', 'lprserver/cameras/CAM 1/detection'],
      ['a 65-character id', `lprserver/cameras/${'x'.repeat(65)}/detection`],
      ['an unknown folder', 'lprserver/devices/CAM001/detection'],
      ['an unknown root-level topic', 'lprserver/system/unknown'],
      ['a root-level topic with an extra level', 'lprserver/system/status/x'],
      ['a root-level folder alone', 'lprserver/blacklist'],
      ['the wrong case', 'lprserver/Cameras/CAM001/detection'],
    ];
    for (const [name, topic] of rejected) {
      it(`returns null for ${name}`, () => {
        assert.equal(tree.parse(topic), null);
      });
    }

    it('needs the full multi-level root', () => {
      const site = new TopicTree('site1/lpr');
      assert.deepEqual(site.parse('site1/lpr/cameras/CAM001/health'), { kind: 'health', cameraId: 'CAM001' });
      assert.equal(site.parse('lpr/cameras/CAM001/health'), null);
      assert.equal(site.parse('site1/cameras/CAM001/health'), null);
      assert.equal(tree.parse('site1/lpr/cameras/CAM001/health'), null);
    });

    it('property: never throws and never returns an id that breaks the rule', () => {
      const segment = fc.oneof(
        fc.constantFrom('lprserver', 'cameras', 'checkpoints', 'system', 'blacklist', 'detection', 'ack', 'status', '+', '#', ''),
        validId,
        fc.string({ maxLength: 8 }),
      );
      const topic = fc.array(segment, { minLength: 0, maxLength: 6 }).map((levels) => levels.join('/'));
      fc.assert(
        fc.property(topic, (t) => {
          const parsed = tree.parse(t);
          if (parsed === null) return;
          assert.ok(MESSAGE_KINDS.includes(parsed.kind));
          for (const id of [parsed.cameraId, parsed.checkpointId]) {
            if (id !== undefined) assert.match(id, /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/);
          }
          assert.equal(tree.topic(parsed.kind, parsed.cameraId ?? parsed.checkpointId), t);
        }),
        { numRuns: 500 },
      );
    });
  });
});
