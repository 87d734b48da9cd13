/** src/monitor: snapshots with rates from deltas (fake clock), the health-check rules, settings. */
import assert from 'node:assert/strict';
import { healthCheck, healthStatus, QUEUE_DEGRADED, readSystemMonitorSettings, SnapshotBuilder, type BrokerSample } from '../../src/monitor';
import { MonitoringSnapshot } from '../../src/protocol';
import { LATENCY_BUCKETS_MS, type LatencyHistogram } from '../../src/runtime/registry';

function histogram(values: number[] = []): LatencyHistogram {
  const h: LatencyHistogram = { counts: new Array(LATENCY_BUCKETS_MS.length + 1).fill(0), count: 0, sumMs: 0, maxMs: 0, lastMs: null };
  for (const v of values) {
    let i = 0;
    while (i < LATENCY_BUCKETS_MS.length && v > LATENCY_BUCKETS_MS[i]!) i++;
    h.counts[i]!++;
    h.count++;
    h.sumMs += v;
    h.maxMs = Math.max(h.maxMs, v);
    h.lastMs = v;
  }
  return h;
}

function sample(overrides: Partial<BrokerSample['metrics']> = {}, extra: Partial<BrokerSample> = {}): BrokerSample {
  return {
    id: 'b1',
    name: 'main',
    url: 'mqtt://127.0.0.1:1883',
    state: 'connected',
    queueSize: 0,
    latency: { detection: histogram(), control: histogram() },
    ...extra,
    metrics: {
      connectionsTotal: 1,
      connectionsFailed: 0,
      connectionsActive: 1,
      messagesSent: 0,
      messagesReceived: 0,
      messagesFailed: 0,
      messagesDropped: 0,
      errorsTotal: 0,
      errorsByType: {},
      lastMessageReceived: null,
      lastError: null,
      connectedSince: 0,
      ...overrides,
    },
  };
}

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const none = { healthy: 0, warning: 0, critical: 0, offline: 0, total: 0 };

describe('monitor snapshots', function () {
  it('copies the counters exactly and computes throughput from the change since the previous snapshot', function () {
    const b = new SnapshotBuilder();
    b.prime([sample({ messagesSent: 10, messagesReceived: 100 })], T0);
    const s1 = b.build([sample({ messagesSent: 40, messagesReceived: 400, messagesFailed: 2, messagesDropped: 1, errorsTotal: 3, errorsByType: { publish: 2, ECONNREFUSED: 1 } })], none, T0 + 30_000);
    const r = s1.brokers[0]!;
    assert.deepEqual(r.connections, { total: 1, active: 1, failed: 0 });
    assert.deepEqual(r.messages, { sent: 40, received: 400, failed: 2, dropped: 1 });
    assert.deepEqual(r.errors, { total: 3, by_type: { publish: 2, ECONNREFUSED: 1 } });
    assert.deepEqual(r.throughput_msg_per_s, { sent: 1, received: 10 });
    assert.equal(s1.interval_s, 30);
    assert.equal(r.health_check.message_rate, 10);
    assert.equal(r.health_check.error_rate, 0.1);
    // The next interval starts at the previous snapshot: 10 s, 50 more received.
    const s2 = b.build([sample({ messagesSent: 40, messagesReceived: 450 })], none, T0 + 40_000);
    assert.deepEqual(s2.brokers[0]!.throughput_msg_per_s, { sent: 0, received: 5 });
    assert.equal(s2.interval_s, 10);
  });

  it('rates are 0 without a previous snapshot; a broker that appeared since counts from zero; a counter that went down counts from zero', function () {
    const fresh = new SnapshotBuilder().build([sample({ messagesReceived: 500 })], none, T0);
    assert.deepEqual(fresh.brokers[0]!.throughput_msg_per_s, { sent: 0, received: 0 });
    const b = new SnapshotBuilder();
    b.prime([], T0);
    const s1 = b.build([sample({ messagesReceived: 500 })], none, T0 + 10_000);
    assert.deepEqual(s1.brokers[0]!.throughput_msg_per_s, { sent: 0, received: 50 });
    const s2 = b.build([sample({ messagesReceived: 20 })], none, T0 + 12_000);
    assert.equal(s2.brokers[0]!.throughput_msg_per_s.received, 10);
  });

  it('a build without advance (a scrape) leaves the interval in progress alone', function () {
    const b = new SnapshotBuilder();
    b.prime([sample({ messagesReceived: 0 })], T0);
    const peek = b.build([sample({ messagesReceived: 10 })], none, T0 + 1000, false);
    assert.equal(peek.brokers[0]!.throughput_msg_per_s.received, 10);
    const real = b.build([sample({ messagesReceived: 20 })], none, T0 + 2000);
    assert.equal(real.brokers[0]!.throughput_msg_per_s.received, 10);
    assert.equal(real.interval_s, 2);
  });

  it('summarizes latency (count, avg, max, last) and gives the interval average to the health check', function () {
    const b = new SnapshotBuilder();
    b.prime([sample({}, { latency: { detection: histogram([10, 30]), control: histogram() } })], T0);
    const s = b.build([sample({}, { latency: { detection: histogram([10, 30, 100, 200]), control: histogram([7]) } })], none, T0 + 1000);
    const r = s.brokers[0]!;
    assert.deepEqual(r.latency_ms.detection, { count: 4, avg: 85, max: 200, last: 200 });
    assert.deepEqual(r.latency_ms.control, { count: 1, avg: 7, max: 7, last: 7 });
    assert.equal(r.health_check.latency_ms, 150);
    const quiet = b.build([sample({}, { latency: { detection: histogram([10, 30, 100, 200]), control: histogram([7]) } })], none, T0 + 2000);
    assert.equal(quiet.brokers[0]!.health_check.latency_ms, 200, 'no detection in the interval: the latest');
    const empty = new SnapshotBuilder().build([sample()], none, T0);
    assert.deepEqual(empty.brokers[0]!.latency_ms.detection, { count: 0, avg: null, max: null, last: null });
    assert.equal(empty.brokers[0]!.health_check.latency_ms, null);
  });

  it('carries the camera counts and validates as a MonitoringSnapshot', function () {
    const cameras = { healthy: 2, warning: 1, critical: 0, offline: 1, total: 4 };
    const s = new SnapshotBuilder().build([sample({ lastMessageReceived: T0 - 5000 })], cameras, T0);
    assert.deepEqual(s.cameras, { healthy: 2, warning: 1, critical: 0, offline: 1, total: 4 });
    assert.equal(s.brokers[0]!.health_check.last_message_received, '2025-12-31T23:59:55.000Z');
    assert.equal(s.timestamp, '2026-01-01T00:00:00.000Z');
    const parsed = MonitoringSnapshot.safeParse({ message_id: '6f1c2d3e-0000-4000-8000-000000000001', ...s });
    assert.ok(parsed.success);
  });
});

describe('monitor health check', function () {
  const base = { state: 'connected' as const, errorRate: 0, failedInInterval: 0, connectionsFailedInInterval: 0, queueSize: 0 };

  it('healthy when connected with no errors, failures or backlog', function () {
    assert.equal(healthStatus(base), 'healthy');
    assert.equal(healthStatus({ ...base, queueSize: QUEUE_DEGRADED - 1 }), 'healthy');
  });

  it('degraded when connected but the interval had errors, failed publishes, failed connects, or a backlog', function () {
    assert.equal(healthStatus({ ...base, errorRate: 0.1 }), 'degraded');
    assert.equal(healthStatus({ ...base, failedInInterval: 1 }), 'degraded');
    assert.equal(healthStatus({ ...base, connectionsFailedInInterval: 1 }), 'degraded');
    assert.equal(healthStatus({ ...base, queueSize: QUEUE_DEGRADED }), 'degraded');
  });

  it('unhealthy whenever the connection is not up', function () {
    for (const state of ['idle', 'connecting', 'disconnected', 'closed'] as const) assert.equal(healthStatus({ ...base, state }), 'unhealthy');
  });

  it("has the seed's fields", function () {
    const h = healthCheck({ ...base, now: T0, lastMessageReceived: null, messageRate: 2.5, latencyMs: 12 });
    assert.deepEqual(h, {
      status: 'healthy',
      timestamp: '2026-01-01T00:00:00.000Z',
      connection_status: 'connected',
      last_message_received: null,
      message_rate: 2.5,
      error_rate: 0,
      latency_ms: 12,
    });
  });
});

describe('lpr-system-monitor settings', function () {
  it('defaults: 30 s, publish, no prometheus, /lpr/metrics, control', function () {
    assert.deepEqual(readSystemMonitorSettings({}), { intervalMs: 30_000, publish: true, prometheus: false, path: '/lpr/metrics', control: true });
  });
  it('names the bad property', function () {
    assert.throws(() => readSystemMonitorSettings({ interval: -1 }), /^ConfigError: interval: /);
    assert.throws(() => readSystemMonitorSettings({ path: 'metrics' }), /path: must start with "\/"/);
    assert.throws(() => readSystemMonitorSettings({ publish: 'yes' }), /publish: must be true or false/);
  });
});
