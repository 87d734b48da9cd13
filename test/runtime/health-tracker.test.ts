/** HealthTracker: states, hysteresis, silence, retained restore, and a property against flapping. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Health } from '../../src/protocol';
import { readHealthMonitorSettings } from '../../src/runtime/health-settings';
import { HealthTracker, metricLevel, systemStatus } from '../../src/runtime/health-tracker';
import { ConfigError } from '../../src/runtime/settings';
import { seedHealth } from '../fixtures/samples';

const rules = () => readHealthMonitorSettings({ offlineAfter: 60 }).rules;

function health(camera: string, details: Record<string, unknown> = {}, extra: Partial<Health> = {}): Health {
  const h = seedHealth();
  h.camera_id = camera;
  h.alerts = [];
  h.timestamp = new Date(T0).toISOString();
  Object.assign(h.health_details, details);
  return { ...h, ...extra } as Health;
}

const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('HealthTracker', () => {
  it('reports a new camera once, then only changes', () => {
    const t = new HealthTracker(rules());
    const first = t.ingest(health('CAM1'), T0);
    assert.deepEqual([first?.previous, first?.status], ['unknown', 'healthy']);
    assert.equal(t.ingest(health('CAM1'), T0 + 1000), null);
    const hot = t.ingest(health('CAM1', { cpu_usage: 96 }), T0 + 2000);
    assert.deepEqual([hot?.previous, hot?.status], ['healthy', 'critical']);
    assert.match(hot!.reasons.join(), /cpu_usage 96/);
  });

  it('takes the worst of metrics, reported status, camera/network status and alerts', () => {
    const t = new HealthTracker(rules());
    assert.equal(t.ingest(health('A', { memory_usage: 90 }), T0)?.status, 'warning');
    assert.equal(t.ingest(health('B', { camera_status: 'error' }), T0)?.status, 'critical');
    assert.equal(t.ingest(health('C', { network_status: 'degraded' }), T0)?.status, 'warning');
    assert.equal(t.ingest(health('D', {}, { alerts: [{ level: 'critical', message: 'lens' }] }), T0)?.status, 'critical');
    assert.equal(t.ingest(health('E', {}, { health_status: 'warning' }), T0)?.status, 'warning');
    assert.equal(t.ingest(health('F', { cpu_usage: 85, temperature: 90 }), T0)?.status, 'critical');
  });

  it('goes offline on a will and on silence, and back when health returns', () => {
    const t = new HealthTracker(rules());
    t.ingest(health('CAM1'), T0);
    t.ingest(health('CAM2'), T0);
    const will = t.ingest({ message_id: 'w', timestamp: new Date(T0).toISOString(), camera_id: 'CAM1', health_status: 'offline' }, T0 + 5000);
    assert.deepEqual([will?.previous, will?.status], ['healthy', 'offline']);
    assert.deepEqual(t.tick(T0 + 59_000), []);
    const silent = t.tick(T0 + 60_000);
    assert.deepEqual(silent.map((x) => [x.camera_id, x.status, x.health]), [['CAM2', 'offline', null]]);
    assert.deepEqual(t.tick(T0 + 120_000), [], 'offline is reported once');
    assert.equal(t.ingest(health('CAM2'), T0 + 121_000)?.status, 'healthy');
  });

  it('restores state silently from a retained message, offline when it is older than offlineAfter', () => {
    const t = new HealthTracker(rules());
    assert.equal(t.ingest(health('OK', { cpu_usage: 85 }), T0 + 10_000, true), null);
    assert.equal(t.ingest(health('OLD'), T0 + 600_000, true), null);
    assert.equal(t.get('OK')?.status, 'warning');
    assert.equal(t.get('OLD')?.status, 'offline');
    assert.deepEqual(t.tick(T0 + 20_000), []);
    // Silence is counted from the camera's own timestamp: 60 s after it, not after the restore.
    assert.deepEqual(t.tick(T0 + 60_000).map((x) => x.camera_id), ['OK']);
  });

  it('reads a retained zone-less timestamp in the site time zone', () => {
    // 07:00 in Bangkok is T0: ten seconds old at the restore, so offline 60 s after T0.
    const t = new HealthTracker(rules(), 'Asia/Bangkok');
    assert.equal(t.ingest(health('BKK', {}, { timestamp: '2026-01-01T07:00:00.000001' }), T0 + 10_000, true), null);
    assert.equal(t.get('BKK')?.status, 'healthy');
    assert.deepEqual(t.tick(T0 + 59_000), []);
    assert.deepEqual(t.tick(T0 + 60_000).map((x) => x.camera_id), ['BKK']);
  });

  it('a retained message for a known camera counts silence from its own timestamp', () => {
    const t = new HealthTracker(rules());
    t.ingest(health('CAM1'), T0);
    assert.equal(t.tick(T0 + 60_000).length, 1, 'offline by silence');
    // A health the camera sent while our link was down, delivered retained 50 s after it was written.
    const back = t.ingest(health('CAM1', {}, { message_id: 'later', timestamp: new Date(T0 + 70_000).toISOString() }), T0 + 120_000, true);
    assert.deepEqual([back?.previous, back?.status], ['offline', 'healthy']);
    assert.equal(t.get('CAM1')!.lastSeen, T0 + 70_000);
    assert.deepEqual(t.tick(T0 + 129_000), []);
    assert.equal(t.tick(T0 + 130_000).length, 1, 'offline again 60 s after it was written, not after it arrived');
  });

  it('summarises worst first and forgets', () => {
    const t = new HealthTracker(rules());
    t.ingest(health('B'), T0);
    t.ingest(health('A', { cpu_usage: 99 }), T0);
    const s = t.summary(T0);
    assert.deepEqual(s.counts, { healthy: 1, warning: 0, critical: 1, offline: 0, total: 2 });
    assert.deepEqual(s.cameras.map((c) => c.camera_id), ['A', 'B']);
    assert.ok(t.forget('A'));
    assert.equal(t.summary(T0).counts.total, 1);
  });

  it('derives the system status from the counts', () => {
    assert.equal(systemStatus({ healthy: 0, warning: 0, critical: 0, offline: 0, total: 0 }), 'healthy');
    assert.equal(systemStatus({ healthy: 3, warning: 1, critical: 0, offline: 0, total: 4 }), 'degraded');
    assert.equal(systemStatus({ healthy: 1, warning: 0, critical: 1, offline: 1, total: 3 }), 'critical');
  });

  it('property: a value wobbling within the hysteresis band around a threshold changes level at most once', () => {
    const threshold = { warning: 80, critical: 95 };
    fc.assert(
      fc.property(fc.array(fc.double({ min: 90.01, max: 99.99, noNaN: true }), { minLength: 1, maxLength: 200 }), (values) => {
        // Every value is above critical − hysteresis (90): once critical, it stays critical.
        let level: 0 | 1 | 2 = 1;
        let changes = 0;
        for (const v of values) {
          const next = metricLevel(level, v, threshold, 5);
          if (next !== level) changes++;
          level = next;
        }
        return changes <= 1;
      }),
    );
  });

  it('property: one transition for any oscillation around a threshold, through the tracker', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 2, maxLength: 100 }), (ups) => {
        const t = new HealthTracker(rules());
        t.ingest(health('CAM1', { cpu_usage: 50 }), T0);
        let transitions = 0;
        ups.forEach((up, i) => {
          if (t.ingest(health('CAM1', { cpu_usage: up ? 96 : 93 }), T0 + i + 1)) transitions++;
        });
        // 93 is above 95 − 5, so after the first 96 the camera stays critical; before it, 93 is a plain warning.
        const firstUp = ups.indexOf(true);
        const expected = firstUp < 0 ? 1 : firstUp === 0 ? 1 : 2;
        return transitions === expected;
      }),
    );
  });

  it('property: metricLevel is monotone in the value and never skips hysteresis', () => {
    fc.assert(
      fc.property(fc.constantFrom<0 | 1 | 2>(0, 1, 2), fc.double({ min: -50, max: 150, noNaN: true }), fc.double({ min: 0, max: 20, noNaN: true }), (prev, v, h) => {
        const t = { warning: 80, critical: 95 };
        const level = metricLevel(prev, v, t, h);
        if (v >= 95) return level === 2;
        if (v < 80 - h) return level === 0;
        return level >= 0 && level <= 2;
      }),
    );
  });
});

describe('readHealthMonitorSettings', () => {
  it('has safe defaults', () => {
    const s = readHealthMonitorSettings({});
    assert.equal(s.camera, null);
    assert.equal(s.rules.offlineAfterMs, 90_000);
    assert.deepEqual(s.rules.thresholds.cpu_usage, { warning: 80, critical: 95 });
    assert.equal(s.summaryIntervalMs, 60_000);
    assert.ok(s.rules.cameraStatus.critical.has('error'));
    assert.equal(s.publishAlerts, false);
  });

  it('names the property at fault', () => {
    assert.throws(() => readHealthMonitorSettings({ cpuWarning: 90, cpuCritical: 80 }), (e: unknown) => e instanceof ConfigError && e.field === 'cpuCritical');
    assert.throws(() => readHealthMonitorSettings({ offlineAfter: 0 }), (e: unknown) => e instanceof ConfigError && e.field === 'offlineAfter');
    assert.throws(() => readHealthMonitorSettings({ camera: 'a/b' }), (e: unknown) => e instanceof ConfigError && e.field === 'camera');
  });

  it('property: never throws anything but a ConfigError', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('camera', 'offlineAfter', 'cpuWarning', 'cpuCritical', 'hysteresis', 'summaryInterval', 'publishAlerts', 'networkStatusWarning'), fc.anything()), (props) => {
        try {
          readHealthMonitorSettings(props);
        } catch (err) {
          return err instanceof ConfigError;
        }
        return true;
      }),
    );
  });
});
