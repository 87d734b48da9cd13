/**
 * The Prometheus text exposition format (version 0.0.4) for a metrics snapshot, written here rather
 * than with a client library: a handful of families, no registry, no new runtime dependency.
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 *
 * Every series carries `broker="<name>"` (the lpr-broker's name, or its URL when unnamed; made
 * unique with ` (<id>)` when two brokers share one). Latency is a histogram in seconds.
 */
import { LATENCY_BUCKETS_MS, type LatencyHistogram, type LatencyKind } from '../runtime/registry';
import type { BrokerReport, CameraCounts } from './snapshot';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface PrometheusInput {
  brokers: Array<{ report: BrokerReport; latency: Record<LatencyKind, LatencyHistogram> }>;
  cameras: CameraCounts;
}

/** A label value: backslash, double quote and line feed escaped as `\\`, `\"` and `\n`. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text: backslash and line feed escaped. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value: integers as they are, others in JavaScript's shortest form; NaN and infinities spelled out. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

class Writer {
  readonly lines: string[] = [];
  family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string, samples: Array<[Labels, number, string?]>): void {
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    for (const [labels, value, suffix] of samples) this.lines.push(`${name}${suffix ?? ''}${labelText(labels)} ${formatValue(value)}`);
  }
}

/** The names used in the `broker` label, unique per broker. */
function brokerLabels(reports: readonly BrokerReport[]): string[] {
  const count = new Map<string, number>();
  for (const r of reports) count.set(r.name, (count.get(r.name) ?? 0) + 1);
  return reports.map((r) => ((count.get(r.name) ?? 0) > 1 ? `${r.name} (${r.id})` : r.name));
}

export function renderPrometheus(input: PrometheusInput): string {
  const w = new Writer();
  const names = brokerLabels(input.brokers.map((b) => b.report));
  const per = (value: (r: BrokerReport) => number): Array<[Labels, number]> => input.brokers.map((b, i) => [{ broker: names[i]! }, value(b.report)]);

  w.family('lpr_mqtt_connections_total', 'counter', 'MQTT connections established (CONNACK received).', per((r) => r.connections.total));
  w.family('lpr_mqtt_connections_failed_total', 'counter', 'MQTT connection attempts that failed before CONNACK.', per((r) => r.connections.failed));
  w.family('lpr_mqtt_connections_active', 'gauge', 'Whether the MQTT connection is up (1) or not (0).', per((r) => r.connections.active));
  w.family('lpr_mqtt_messages_sent_total', 'counter', 'MQTT messages published (acknowledged at QoS 1/2).', per((r) => r.messages.sent));
  w.family('lpr_mqtt_messages_received_total', 'counter', 'MQTT messages received.', per((r) => r.messages.received));
  w.family('lpr_mqtt_messages_failed_total', 'counter', 'MQTT publishes that failed or were dropped from a full offline queue.', per((r) => r.messages.failed));
  w.family('lpr_mqtt_messages_dropped_total', 'counter', 'Received MQTT messages no node took.', per((r) => r.messages.dropped));
  w.family('lpr_mqtt_queue_size', 'gauge', 'Publishes held offline or awaiting acknowledgement.', per((r) => r.queue_size));
  w.family('lpr_mqtt_errors_total', 'counter', 'Errors of the MQTT connection, all types.', per((r) => r.errors.total));
  w.family(
    'lpr_mqtt_errors_by_type_total',
    'counter',
    'Errors of the MQTT connection by type.',
    input.brokers.flatMap((b, i) => Object.entries(b.report.errors.by_type).map(([type, n]): [Labels, number] => [{ broker: names[i]!, type }, n])),
  );
  w.family(
    'lpr_mqtt_throughput_messages_per_second',
    'gauge',
    'Messages per second over the monitor interval, by direction.',
    input.brokers.flatMap((b, i): Array<[Labels, number]> => [
      [{ broker: names[i]!, direction: 'sent' }, b.report.throughput_msg_per_s.sent],
      [{ broker: names[i]!, direction: 'received' }, b.report.throughput_msg_per_s.received],
    ]),
  );
  w.family(
    'lpr_mqtt_last_message_received_timestamp_seconds',
    'gauge',
    'Unix time of the last message received.',
    input.brokers.flatMap((b, i): Array<[Labels, number]> => {
      const at = b.report.health_check.last_message_received;
      return at === null ? [] : [[{ broker: names[i]! }, Date.parse(at) / 1000]];
    }),
  );
  w.family(
    'lpr_mqtt_health_status',
    'gauge',
    'Health check of the connection: 1 for the current status, 0 for the others.',
    input.brokers.flatMap((b, i) =>
      (['healthy', 'degraded', 'unhealthy'] as const).map((status): [Labels, number] => [{ broker: names[i]!, status }, b.report.health_check.status === status ? 1 : 0]),
    ),
  );

  // Histogram: cumulative buckets in seconds, then +Inf, _sum and _count.
  const histogram: Array<[Labels, number, string]> = [];
  input.brokers.forEach((b, i) => {
    for (const kind of ['detection', 'control'] as const) {
      const h = b.latency[kind];
      const labels = { broker: names[i]!, kind };
      let cumulative = 0;
      LATENCY_BUCKETS_MS.forEach((bound, j) => {
        cumulative += h.counts[j] ?? 0;
        histogram.push([{ ...labels, le: formatValue(bound / 1000) }, cumulative, '_bucket']);
      });
      histogram.push([{ ...labels, le: '+Inf' }, h.count, '_bucket']);
      histogram.push([labels, h.sumMs / 1000, '_sum']);
      histogram.push([labels, h.count, '_count']);
    }
  });
  w.family(
    'lpr_latency_seconds',
    'histogram',
    'Latency: kind="detection" camera timestamp to receipt, kind="control" control round trip.',
    histogram,
  );

  w.family(
    'lpr_cameras',
    'gauge',
    'Cameras by health state, from the health monitors.',
    (['healthy', 'warning', 'critical', 'offline'] as const).map((state): [Labels, number] => [{ state }, input.cameras[state]]),
  );
  return w.lines.join('\n') + '\n';
}
