/**
 * HealthTracker at site scale: a tick looks at the cameras due, not at every camera; the counts and
 * the summary stay exact while kept incrementally (a property against a model of the rules).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Health } from '../../src/protocol';
import { readHealthMonitorSettings } from '../../src/runtime/health-settings';
import { CAMERA_STATES, HealthTracker, type CameraState } from '../../src/runtime/health-tracker';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const OFFLINE_AFTER_MS = 60_000;
const rules = () => readHealthMonitorSettings({ offlineAfter: OFFLINE_AFTER_MS / 1000 }).rules;

function health(camera: string, cpu = 10, status: Health['health_status'] = 'healthy', at = T0): Health {
  return {
    message_id: `h-${camera}-${Math.random()}`,
    timestamp: new Date(at).toISOString(),
    camera_id: camera,
    health_status: status,
    health_details: { cpu_usage: cpu },
    alerts: [],
  } as unknown as Health;
}

describe('HealthTracker at scale', () => {
  it('a tick at 100,000 cameras looks at the ones due (and the restored late ones), not at all of them', () => {
    const t = new HealthTracker(rules(), 'UTC', { maxCameras: 200_000 });
    // 100,000 cameras heard once each, one ms apart; then 3 restored from retained messages said 50 s ago.
    for (let i = 0; i < 100_000; i++) t.ingest(health(`CAM${i}`), T0 + i);
    for (let i = 0; i < 3; i++) t.ingest(health(`OLD${i}`, 10, 'healthy', T0 + 100_000 - 50_000), T0 + 100_000, true);
    const before = t.tickVisits;
    // 60 s after the first ten were heard: those ten go offline, and so do none of the others.
    const gone = t.tick(T0 + 9 + OFFLINE_AFTER_MS);
    assert.deepEqual(
      gone.map((g) => g.camera_id),
      Array.from({ length: 10 }, (_, i) => `CAM${i}`),
    );
    assert.ok(t.tickVisits - before <= 10 + 1 + 3, `${t.tickVisits - before} cameras looked at for 10 due`);
    // The restored ones are due 10 s after they were said to be heard + 60 s.
    const old = t.tick(T0 + 100_000 - 50_000 + OFFLINE_AFTER_MS);
    assert.deepEqual(old.map((g) => g.camera_id).filter((id) => id.startsWith('OLD')), ['OLD0', 'OLD1', 'OLD2']);
    assert.deepEqual(t.counts(), { healthy: 100_003 - old.length - 10, warning: 0, critical: 0, offline: old.length + 10, total: 100_003 });
  });

  it('a summary of 100,000 cameras lists them worst first, then by id as localeCompare orders them', () => {
    const t = new HealthTracker(rules(), 'UTC', { maxCameras: 200_000 });
    const ids = Array.from({ length: 100_000 }, (_, i) => (i % 3 ? `cam-${i}` : `CAM-${i}`));
    ids.forEach((id, i) => t.ingest(health(id, i % 97 === 0 ? 99 : i % 89 === 0 ? 85 : 10), T0));
    const expected = [...ids].sort((a, b) => {
      const rank = (id: string) => ['healthy', 'warning', 'critical', 'offline'].indexOf(t.get(id)!.status);
      return rank(b) - rank(a) || a.localeCompare(b);
    });
    const first = t.summary(T0);
    assert.deepEqual(first.cameras.map((c) => c.camera_id), expected);
    // A state change moves the camera to its group; the ids are not sorted again, the order holds.
    t.ingest(health('cam-1', 99), T0 + 1);
    const second = t.summary(T0 + 1).cameras;
    assert.equal(second.filter((c) => c.status === 'critical').some((c) => c.camera_id === 'cam-1'), true);
    const critical = second.filter((c) => c.status === 'critical').map((c) => c.camera_id);
    assert.deepEqual(critical, [...critical].sort((a, b) => a.localeCompare(b)));
  });

  it('a summary limited to the worst 200 of 100,000 cameras lists exactly the first 200 of the full one', () => {
    const t = new HealthTracker(rules(), 'UTC', { maxCameras: 200_000 });
    for (let i = 0; i < 100_000; i++) t.ingest(health(`CAM${i}`, i % 997 === 0 ? 99 : i % 1009 === 0 ? 85 : 10), T0);
    const all = t.summary(T0);
    const worst = t.summary(T0, 200);
    assert.deepEqual(worst.cameras, all.cameras.slice(0, 200));
    assert.deepEqual([worst.counts, worst.omitted, all.omitted], [all.counts, 100_000 - 200, 0]);
    // More than there are: all of them.
    assert.deepEqual(t.summary(T0, 1_000_000).cameras, all.cameras);
  });

  it('property: counts, summary and ticks agree with the rules after any sequence of messages, silences and forgets', () => {
    const cameras = ['A', 'B', 'C', 'D', 'E'];
    const op = fc.oneof(
      fc.record({ kind: fc.constant('health' as const), camera: fc.constantFrom(...cameras), cpu: fc.integer({ min: 0, max: 100 }), will: fc.boolean(), retained: fc.boolean(), saidAgo: fc.integer({ min: 0, max: 120_000 }), advance: fc.integer({ min: 0, max: 30_000 }) }),
      fc.record({ kind: fc.constant('tick' as const), advance: fc.integer({ min: 0, max: 90_000 }) }),
      fc.record({ kind: fc.constant('forget' as const), camera: fc.constantFrom(...cameras) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.integer({ min: 1, max: 5 }), (ops, max) => {
        const t = new HealthTracker(rules(), 'UTC', { maxCameras: max });
        let now = T0;
        for (const o of ops) {
          if (o.kind === 'health') {
            now += o.advance;
            t.ingest(health(o.camera, o.cpu, o.will ? 'offline' : 'healthy', now - o.saidAgo), now, o.retained);
          } else if (o.kind === 'tick') {
            now += o.advance;
            // The model: every online camera silent for offlineAfter or longer goes offline, no other.
            const due = t.ids().filter((id) => t.get(id)!.status !== 'offline' && now - t.get(id)!.lastSeen >= OFFLINE_AFTER_MS);
            const gone = t.tick(now).map((g) => g.camera_id);
            assert.deepEqual([...gone].sort(), [...due].sort());
            for (const id of t.ids()) assert.ok(t.get(id)!.status === 'offline' || now - t.get(id)!.lastSeen < OFFLINE_AFTER_MS, `${id} should be offline`);
          } else t.forget(o.camera);
          const states = [...t.states().values()];
          const counted = Object.fromEntries(CAMERA_STATES.map((s) => [s, states.filter((x) => x === s).length])) as Record<CameraState, number>;
          assert.deepEqual(t.counts(), { ...counted, total: states.length });
          const summary = t.summary(now);
          assert.deepEqual(summary.counts, t.counts());
          assert.equal(summary.cameras.length, t.size);
          assert.deepEqual(t.summary(now, 2).cameras, summary.cameras.slice(0, 2));
        }
      }),
      { numRuns: 300 },
    );
  });
});
