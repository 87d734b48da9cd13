/**
 * The Prometheus text exposition of src/monitor, read back with a real parser
 * (parse-prometheus-text-format, the port of the Prometheus Python client's parser).
 *
 * That parser folds every series of a *labelled* histogram into one (it flattens `_bucket` by `le`
 * alone), so the histogram values are read by parsing the same text with the family's TYPE line
 * marked untyped: then `_bucket`, `_sum` and `_count` come back as samples with all their labels.
 */
import assert from 'node:assert/strict';
import { escapeLabelValue, renderPrometheus, SnapshotBuilder, type BrokerSample, type PrometheusInput } from '../../src/monitor';
import { LATENCY_BUCKETS_MS, type LatencyHistogram } from '../../src/runtime/registry';

interface Family {
  name: string;
  help: string;
  type: string;
  metrics: Array<{ value?: string; labels?: Record<string, string>; buckets?: Record<string, string>; count?: string; sum?: string }>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const parsePrometheus = require('parse-prometheus-text-format') as (text: string) => Family[];

function histogram(values: number[]): LatencyHistogram {
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

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const DETECTIONS = [0.5, 3, 7, 20, 20, 90, 300, 4000, 20_000];
const CONTROLS = [40, 120];

function samples(): BrokerSample[] {
  const m = (sent: number, received: number) => ({
    connectionsTotal: 3,
    connectionsFailed: 2,
    connectionsActive: 1,
    messagesSent: sent,
    messagesReceived: received,
    messagesFailed: 4,
    messagesDropped: 5,
    errorsTotal: 6,
    errorsByType: { publish: 4, ECONNREFUSED: 2 },
    lastMessageReceived: T0 - 1500,
    lastError: 'x',
    connectedSince: T0 - 60_000,
  });
  return [
    { id: 'b1', name: 'site "A"\\north\nline 2', url: 'mqtt://a', state: 'connected', queueSize: 7, metrics: m(120, 900), latency: { detection: histogram(DETECTIONS), control: histogram(CONTROLS) } },
    { id: 'b2', name: 'backup', url: 'mqtt://b', state: 'disconnected', queueSize: 0, metrics: m(0, 0), latency: { detection: histogram([]), control: histogram([]) } },
  ];
}

function input(): PrometheusInput {
  const b = new SnapshotBuilder();
  const first = samples().map((s) => ({ ...s, metrics: { ...s.metrics, messagesSent: 0, messagesReceived: 0 } }));
  b.prime(first, T0 - 10_000);
  const cameras = { healthy: 1, warning: 0, critical: 1, offline: 1, total: 3 };
  const snapshot = b.build(samples(), cameras, T0);
  return { brokers: snapshot.brokers.map((report, i) => ({ report, latency: samples()[i]!.latency })), cameras: snapshot.cameras };
}

const LABEL_A = 'site "A"\\north\nline 2';

describe('monitor Prometheus exposition (parsed with parse-prometheus-text-format)', function () {
  const text = renderPrometheus(input());
  const families = parsePrometheus(text);
  const byName = new Map(families.map((f) => [f.name, f]));
  const value = (family: string, labels: Record<string, string>) => {
    const f = byName.get(family);
    assert.ok(f, `family ${family} missing`);
    const hit = f.metrics.find((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v) && Object.keys(s.labels ?? {}).length === Object.keys(labels).length);
    assert.ok(hit, `${family}${JSON.stringify(labels)} missing`);
    return Number(hit.value);
  };

  it('has every metric family with HELP and the right TYPE', function () {
    const expected: Record<string, string> = {
      lpr_mqtt_connections_total: 'COUNTER',
      lpr_mqtt_connections_failed_total: 'COUNTER',
      lpr_mqtt_connections_active: 'GAUGE',
      lpr_mqtt_messages_sent_total: 'COUNTER',
      lpr_mqtt_messages_received_total: 'COUNTER',
      lpr_mqtt_messages_failed_total: 'COUNTER',
      lpr_mqtt_messages_dropped_total: 'COUNTER',
      lpr_mqtt_queue_size: 'GAUGE',
      lpr_mqtt_errors_total: 'COUNTER',
      lpr_mqtt_errors_by_type_total: 'COUNTER',
      lpr_mqtt_throughput_messages_per_second: 'GAUGE',
      lpr_mqtt_last_message_received_timestamp_seconds: 'GAUGE',
      lpr_mqtt_health_status: 'GAUGE',
      lpr_latency_seconds: 'HISTOGRAM',
      lpr_cameras: 'GAUGE',
    };
    assert.deepEqual(Object.fromEntries(families.map((f) => [f.name, f.type])), expected);
    for (const f of families) assert.ok(f.help.length > 0, `${f.name}: no HELP`);
    assert.ok(text.endsWith('\n'));
  });

  it('gives the counters and gauges of every broker exactly, labelled by broker name', function () {
    for (const broker of [LABEL_A, 'backup']) {
      const sent = broker === 'backup' ? 0 : 120;
      const received = broker === 'backup' ? 0 : 900;
      assert.equal(value('lpr_mqtt_connections_total', { broker }), 3);
      assert.equal(value('lpr_mqtt_connections_failed_total', { broker }), 2);
      assert.equal(value('lpr_mqtt_connections_active', { broker }), 1);
      assert.equal(value('lpr_mqtt_messages_sent_total', { broker }), sent);
      assert.equal(value('lpr_mqtt_messages_received_total', { broker }), received);
      assert.equal(value('lpr_mqtt_messages_failed_total', { broker }), 4);
      assert.equal(value('lpr_mqtt_messages_dropped_total', { broker }), 5);
      assert.equal(value('lpr_mqtt_errors_total', { broker }), 6);
      assert.equal(value('lpr_mqtt_errors_by_type_total', { broker, type: 'publish' }), 4);
      assert.equal(value('lpr_mqtt_errors_by_type_total', { broker, type: 'ECONNREFUSED' }), 2);
      assert.equal(value('lpr_mqtt_throughput_messages_per_second', { broker, direction: 'sent' }), sent / 10);
      assert.equal(value('lpr_mqtt_throughput_messages_per_second', { broker, direction: 'received' }), received / 10);
      assert.equal(value('lpr_mqtt_last_message_received_timestamp_seconds', { broker }), (T0 - 1500) / 1000);
    }
    assert.equal(value('lpr_mqtt_queue_size', { broker: LABEL_A }), 7);
    assert.equal(value('lpr_mqtt_health_status', { broker: LABEL_A, status: 'healthy' }), 1);
    assert.equal(value('lpr_mqtt_health_status', { broker: LABEL_A, status: 'degraded' }), 0);
    assert.equal(value('lpr_mqtt_health_status', { broker: 'backup', status: 'unhealthy' }), 1);
    assert.deepEqual(
      ['healthy', 'warning', 'critical', 'offline'].map((state) => value('lpr_cameras', { state })),
      [1, 0, 1, 1],
    );
  });

  it('escapes backslash, double quote and line feed in label values', function () {
    assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
    assert.ok(text.includes('broker="site \\"A\\"\\\\north\\nline 2"'));
    // The parser gives back the original name.
    assert.equal(value('lpr_mqtt_queue_size', { broker: LABEL_A }), 7);
  });

  it('makes a histogram of latency: cumulative buckets in seconds, +Inf, _sum and _count per broker and kind', function () {
    const h = byName.get('lpr_latency_seconds')!;
    assert.equal(h.type, 'HISTOGRAM');
    const untyped = parsePrometheus(text.replace('# TYPE lpr_latency_seconds histogram', '# TYPE lpr_latency_seconds untyped'));
    // Interleaved names start a new (same-named) family each time: gather them all.
    const series = (name: string) => untyped.filter((f) => f.name === name).flatMap((f) => f.metrics);
    const buckets = series('lpr_latency_seconds_bucket');
    const sums = series('lpr_latency_seconds_sum');
    const counts = series('lpr_latency_seconds_count');
    assert.equal(buckets.length, 2 * 2 * (LATENCY_BUCKETS_MS.length + 1));
    for (const [broker, kind, values] of [
      [LABEL_A, 'detection', DETECTIONS],
      [LABEL_A, 'control', CONTROLS],
      ['backup', 'detection', []],
      ['backup', 'control', []],
    ] as const) {
      const mine = (s: Family['metrics'][number]) => s.labels?.broker === broker && s.labels?.kind === kind;
      for (const bound of LATENCY_BUCKETS_MS) {
        const hit = buckets.find((s) => mine(s) && s.labels?.le === String(bound / 1000));
        assert.ok(hit, `${broker} ${kind} le=${bound / 1000}`);
        assert.equal(Number(hit.value), values.filter((v) => v <= bound).length, `${kind} le=${bound / 1000}`);
      }
      assert.equal(Number(buckets.find((s) => mine(s) && s.labels?.le === '+Inf')!.value), values.length);
      assert.equal(Number(counts.find(mine)!.value), values.length);
      const sum = values.reduce((a: number, b: number) => a + b, 0) / 1000;
      assert.ok(Math.abs(Number(sums.find(mine)!.value) - sum) < 1e-9, `${kind} sum`);
    }
  });

  it('makes two brokers with the same name distinct series', function () {
    const i = input();
    i.brokers[1]!.report.name = i.brokers[0]!.report.name;
    const parsed = parsePrometheus(renderPrometheus(i));
    const queue = parsed.find((f) => f.name === 'lpr_mqtt_queue_size')!;
    assert.deepEqual(queue.metrics.map((s) => s.labels?.broker).sort(), [`${LABEL_A} (b1)`, `${LABEL_A} (b2)`].sort());
  });

  it('renders no broker at all as valid, sample-less families', function () {
    const parsed = parsePrometheus(renderPrometheus({ brokers: [], cameras: { healthy: 0, warning: 0, critical: 0, offline: 0, total: 0 } }));
    assert.equal(parsed.length, 15);
    assert.equal(parsed.find((f) => f.name === 'lpr_mqtt_messages_sent_total')!.metrics.length, 0);
  });
});
