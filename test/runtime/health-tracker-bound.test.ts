/**
 * HealthTracker's bound (issue 14, item 5): at `maxCameras` a new camera makes room by forgetting
 * the camera offline the longest or, with none offline, the one heard from least recently.
 */
import assert from 'node:assert/strict';
import type { Health } from '../../src/protocol';
import { readHealthMonitorSettings } from '../../src/runtime/health-settings';
import { HealthTracker } from '../../src/runtime/health-tracker';
import { ConfigError } from '../../src/runtime/settings';
import { seedHealth } from '../fixtures/samples';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const rules = () => readHealthMonitorSettings({ offlineAfter: 60 }).rules;

function health(camera: string, status = 'healthy'): Health {
  const h = seedHealth();
  h.camera_id = camera;
  h.alerts = [];
  h.health_status = status;
  h.timestamp = new Date(T0).toISOString();
  return h as Health;
}

describe('HealthTracker bound', () => {
  it('keeps at most maxCameras of 50,000 distinct cameras, forgetting the least recently heard', () => {
    const evicted: string[] = [];
    const t = new HealthTracker(rules(), 'UTC', { maxCameras: 1000, onEvict: (r) => evicted.push(r.camera_id) });
    let largest = 0;
    for (let i = 0; i < 50_000; i++) {
      t.ingest(health(`C${i}`), T0 + i);
      // C0 is heard from again and again: never the one forgotten.
      if (i % 100 === 0) t.ingest(health('C0'), T0 + i);
      largest = Math.max(largest, t.size);
    }
    assert.equal(largest, 1000);
    assert.equal(t.size, 1000);
    assert.equal(t.evicted, 49_000);
    assert.equal(evicted.length, 49_000);
    assert.ok(t.get('C0'), 'the camera heard from recently is kept');
    assert.ok(t.get('C49999') && !t.get('C1') && !t.get('C48000'));
    // In order of silence: C1 (heard once, first) went first.
    assert.equal(evicted[0], 'C1');
    assert.equal(t.counts().total, 1000);
  });

  it('forgets the camera offline the longest before any camera still online', () => {
    const evicted: string[] = [];
    const t = new HealthTracker(rules(), 'UTC', { maxCameras: 4, onEvict: (r) => evicted.push(r.camera_id) });
    t.ingest(health('A'), T0);
    t.ingest(health('B'), T0 + 1);
    t.ingest(health('C'), T0 + 2);
    t.ingest(health('D'), T0 + 3);
    // C goes offline (its will), then D falls silent past offlineAfter; A and B keep talking.
    t.ingest(health('C', 'offline'), T0 + 10);
    t.ingest(health('A'), T0 + 60_000);
    t.ingest(health('B'), T0 + 60_001);
    assert.deepEqual(
      t.tick(T0 + 60_010).map((x) => x.camera_id),
      ['D'],
    );
    t.ingest(health('E'), T0 + 60_020);
    assert.deepEqual(evicted, ['C'], 'offline since T0+10, before D (offline since T0+60010)');
    t.ingest(health('F'), T0 + 60_030);
    assert.deepEqual(evicted, ['C', 'D']);
    // None offline now: the one heard from least recently (A) goes.
    t.ingest(health('G'), T0 + 60_040);
    assert.deepEqual(evicted, ['C', 'D', 'A']);
    assert.equal(t.size, 4);
    assert.deepEqual(t.ids().sort(), ['B', 'E', 'F', 'G']);
    assert.equal(t.counts().offline, 0);
  });

  it('a camera back from offline is no longer first in line', () => {
    const evicted: string[] = [];
    const t = new HealthTracker(rules(), 'UTC', { maxCameras: 2, onEvict: (r) => evicted.push(r.camera_id) });
    t.ingest(health('A', 'offline'), T0);
    t.ingest(health('B', 'offline'), T0 + 1);
    t.ingest(health('A'), T0 + 2);
    t.ingest(health('C'), T0 + 3);
    assert.deepEqual(evicted, ['B']);
    t.forget('A');
    t.ingest(health('D'), T0 + 4);
    assert.deepEqual(evicted, ['B'], 'forget made room');
  });

  it('maxCameras is a setting with a default of 10,000', () => {
    assert.equal(readHealthMonitorSettings({}).maxCameras, 10_000);
    assert.equal(readHealthMonitorSettings({ maxCameras: '500' }).maxCameras, 500);
    assert.throws(() => readHealthMonitorSettings({ maxCameras: 0 }), ConfigError);
    assert.equal(new HealthTracker(rules()).maxCameras, 10_000);
  });
});
