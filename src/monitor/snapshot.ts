/**
 * Metrics snapshots of every lpr-broker connection (the seed's "Monitoring and Metrics"): counters
 * read from the registry, rates computed from the change between two snapshots, the seed's
 * health-check object per broker, and the camera counts of the health monitors.
 *
 * Pure: no Node-RED, no timers; the caller passes the clock (`now`, ms since the epoch).
 */
import type { ConnectionMetrics, ConnectionState } from '../runtime/broker-connection';
import type { BrokerEntry, LatencyHistogram, LatencyKind } from '../runtime/registry';
import { healthCheck, type HealthCheck } from './health-check';

/** What the snapshot needs of one broker: a copy of its figures at one moment. */
export interface BrokerSample {
  id: string;
  name: string;
  url: string;
  state: ConnectionState;
  metrics: ConnectionMetrics;
  queueSize: number;
  latency: Record<LatencyKind, LatencyHistogram>;
}

export interface LatencySummary {
  count: number;
  /** Mean of all observations (ms), null before the first. */
  avg: number | null;
  max: number | null;
  last: number | null;
}

export interface BrokerReport {
  id: string;
  name: string;
  url: string;
  state: ConnectionState;
  connections: { total: number; active: number; failed: number };
  messages: { sent: number; received: number; failed: number; dropped: number };
  queue_size: number;
  errors: { total: number; by_type: Record<string, number> };
  /** Messages per second since the previous snapshot (0 when there was none). */
  throughput_msg_per_s: { sent: number; received: number };
  latency_ms: Record<LatencyKind, LatencySummary>;
  health_check: HealthCheck;
}

export interface CameraCounts {
  healthy: number;
  warning: number;
  critical: number;
  offline: number;
  total: number;
}

export interface Snapshot {
  timestamp: string;
  /** Seconds covered by the rates (since the previous snapshot). */
  interval_s: number;
  brokers: BrokerReport[];
  cameras: CameraCounts;
}

/** Copies a registry entry's figures (so later changes do not leak into a snapshot). */
export function sampleOf(entry: BrokerEntry): BrokerSample {
  const m = entry.connection.metrics;
  const copyHistogram = (h: LatencyHistogram): LatencyHistogram => ({ ...h, counts: [...h.counts] });
  return {
    id: entry.id,
    name: entry.name,
    url: entry.url,
    state: entry.connection.state,
    metrics: { ...m, errorsByType: { ...m.errorsByType } },
    queueSize: entry.connection.queueSize,
    latency: { detection: copyHistogram(entry.latency.detection), control: copyHistogram(entry.latency.control) },
  };
}

export function summarizeLatency(h: LatencyHistogram): LatencySummary {
  return {
    count: h.count,
    avg: h.count > 0 ? round(h.sumMs / h.count) : null,
    max: h.count > 0 ? round(h.maxMs) : null,
    last: h.lastMs === null ? null : round(h.lastMs),
  };
}

/** Rounds to 3 decimals (rates and latencies; counters stay exact integers). */
export function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

interface Baseline {
  at: number;
  sent: number;
  received: number;
  failed: number;
  errors: number;
  connectionsFailed: number;
  detectionCount: number;
  detectionSumMs: number;
}

/** A counter's growth; a counter that went down was reset (a redeployed broker): its value is the growth. */
function delta(now: number, before: number): number {
  return now >= before ? now - before : now;
}

/**
 * Builds snapshots and remembers, per broker id, the counters of the last one so that the next
 * gives rates over the interval between them.
 */
export class SnapshotBuilder {
  private readonly baselines = new Map<string, Baseline>();
  private lastAt: number | null = null;

  /** Takes `samples` as the starting point of the first interval without producing a snapshot. */
  prime(samples: readonly BrokerSample[], now: number): void {
    for (const s of samples) this.baselines.set(s.id, baselineOf(s, now));
    this.lastAt = now;
  }

  /**
   * The snapshot at `now`. With `advance` (default) the next one's rates start from here; without
   * (e.g. a Prometheus scrape), the interval in progress is left alone.
   */
  build(samples: readonly BrokerSample[], cameras: CameraCounts, now: number, advance = true): Snapshot {
    const brokers = samples.map((s) => {
      // A broker that appeared since the previous snapshot counted everything since then: from zero.
      const before = this.baselines.get(s.id) ?? (this.lastAt === null ? undefined : zeroBaseline(this.lastAt));
      const report = reportOf(s, before, now);
      if (advance) this.baselines.set(s.id, baselineOf(s, now));
      return report;
    });
    if (advance) {
      const present = new Set(samples.map((s) => s.id));
      for (const id of [...this.baselines.keys()]) if (!present.has(id)) this.baselines.delete(id);
    }
    const intervalS = this.lastAt === null ? 0 : Math.max(0, (now - this.lastAt) / 1000);
    if (advance) this.lastAt = now;
    return { timestamp: new Date(now).toISOString(), interval_s: round(intervalS), brokers, cameras: { ...cameras } };
  }
}

function zeroBaseline(at: number): Baseline {
  return { at, sent: 0, received: 0, failed: 0, errors: 0, connectionsFailed: 0, detectionCount: 0, detectionSumMs: 0 };
}

function baselineOf(s: BrokerSample, at: number): Baseline {
  return {
    at,
    sent: s.metrics.messagesSent,
    received: s.metrics.messagesReceived,
    failed: s.metrics.messagesFailed,
    errors: s.metrics.errorsTotal,
    connectionsFailed: s.metrics.connectionsFailed,
    detectionCount: s.latency.detection.count,
    detectionSumMs: s.latency.detection.sumMs,
  };
}

function reportOf(s: BrokerSample, before: Baseline | undefined, now: number): BrokerReport {
  const m = s.metrics;
  const seconds = before ? (now - before.at) / 1000 : 0;
  const rate = (value: number, base: number | undefined) => (before && seconds > 0 ? round(delta(value, base ?? 0) / seconds) : 0);
  const sentRate = rate(m.messagesSent, before?.sent);
  const receivedRate = rate(m.messagesReceived, before?.received);
  const errorRate = rate(m.errorsTotal, before?.errors);
  const failedInInterval = before ? delta(m.messagesFailed, before.failed) : 0;
  const connectionsFailedInInterval = before ? delta(m.connectionsFailed, before.connectionsFailed) : 0;
  // Detection latency over the interval when detections arrived in it, else the latest one.
  const d = s.latency.detection;
  const newDetections = before ? delta(d.count, before.detectionCount) : 0;
  const intervalLatency =
    newDetections > 0 && d.count >= (before?.detectionCount ?? 0) ? (d.sumMs - (before?.detectionSumMs ?? 0)) / newDetections : d.lastMs;
  return {
    id: s.id,
    name: s.name,
    url: s.url,
    state: s.state,
    connections: { total: m.connectionsTotal, active: m.connectionsActive, failed: m.connectionsFailed },
    messages: { sent: m.messagesSent, received: m.messagesReceived, failed: m.messagesFailed, dropped: m.messagesDropped },
    queue_size: s.queueSize,
    errors: { total: m.errorsTotal, by_type: { ...m.errorsByType } },
    throughput_msg_per_s: { sent: sentRate, received: receivedRate },
    latency_ms: { detection: summarizeLatency(s.latency.detection), control: summarizeLatency(s.latency.control) },
    health_check: healthCheck({
      now,
      state: s.state,
      lastMessageReceived: m.lastMessageReceived,
      messageRate: receivedRate,
      errorRate,
      failedInInterval,
      connectionsFailedInInterval,
      queueSize: s.queueSize,
      latencyMs: intervalLatency === null ? null : round(intervalLatency),
    }),
  };
}
