/**
 * What the LPR nodes of one Node-RED runtime share with the monitoring nodes: every lpr-broker's
 * connection and latency figures, and every health monitor's camera states.
 *
 * Plain module state: every node file Node-RED loads requires the one runtime bundle (dist/runtime.js),
 * so Node's module cache gives all of them this same module.
 */
import type { BrokerConnection } from './broker-connection';

/** Upper bounds (ms) of the latency histogram buckets; the last bucket is +Inf. */
export const LATENCY_BUCKETS_MS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;

export interface LatencyHistogram {
  /** counts[i] = observations <= LATENCY_BUCKETS_MS[i] (not cumulative); counts[last] = the rest. */
  counts: number[];
  count: number;
  sumMs: number;
  maxMs: number;
  lastMs: number | null;
}

export type LatencyKind = 'detection' | 'control';

export interface BrokerEntry {
  id: string;
  name: string;
  url: string;
  clientId: string;
  topicRoot: string;
  connection: BrokerConnection;
  latency: Record<LatencyKind, LatencyHistogram>;
}

export type CameraHealthState = 'healthy' | 'warning' | 'critical' | 'offline';

export type CameraHealthCounts = Record<CameraHealthState, number> & { total: number };

/** What a health monitor offers the other nodes: one camera's state and the counts (O(1)), or every state. */
export interface HealthSource {
  state(camera: string): CameraHealthState | undefined;
  counts(): CameraHealthCounts;
  states(): ReadonlyMap<string, CameraHealthState>;
}

/** Told that `camera`'s state may have changed, or, with null, that a health source came or went. */
export type HealthListener = (camera: string | null) => void;

interface Registry {
  brokers: Map<string, BrokerEntry>;
  /** Health monitors by node id. */
  healthSources: Map<string, HealthSource>;
  healthListeners: Set<HealthListener>;
}

const state: Registry = { brokers: new Map(), healthSources: new Map(), healthListeners: new Set() };

function registry(): Registry {
  return state;
}

function emptyHistogram(): LatencyHistogram {
  return { counts: new Array(LATENCY_BUCKETS_MS.length + 1).fill(0), count: 0, sumMs: 0, maxMs: 0, lastMs: null };
}

export function registerBroker(entry: Omit<BrokerEntry, 'latency'>): void {
  registry().brokers.set(entry.id, { ...entry, latency: { detection: emptyHistogram(), control: emptyHistogram() } });
}

export function unregisterBroker(id: string): void {
  registry().brokers.delete(id);
}

export function brokers(): BrokerEntry[] {
  return [...registry().brokers.values()];
}

/** Records one latency observation for the broker `brokerId` (ignored when unknown or not finite). */
export function recordLatency(brokerId: string, kind: LatencyKind, ms: number): void {
  const entry = registry().brokers.get(brokerId);
  if (!entry || !Number.isFinite(ms)) return;
  const h = entry.latency[kind];
  const value = Math.max(0, ms);
  let i = 0;
  while (i < LATENCY_BUCKETS_MS.length && value > LATENCY_BUCKETS_MS[i]!) i++;
  h.counts[i]!++;
  h.count++;
  h.sumMs += value;
  h.maxMs = Math.max(h.maxMs, value);
  h.lastMs = value;
}

export function registerHealthSource(id: string, source: HealthSource): void {
  registry().healthSources.set(id, source);
  notifyCameraHealth(null);
}

export function unregisterHealthSource(id: string): void {
  if (registry().healthSources.delete(id)) notifyCameraHealth(null);
}

/** Listens to health changes (see HealthListener); returns the function that stops it. */
export function onCameraHealth(listener: HealthListener): () => void {
  const listeners = registry().healthListeners;
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** A health monitor tells the listeners that `camera` may have changed (null: everything may have). */
export function notifyCameraHealth(camera: string | null): void {
  for (const listener of registry().healthListeners) listener(camera);
}

const RANK: Record<CameraHealthState, number> = { healthy: 0, warning: 1, critical: 2, offline: 3 };

/** One camera's state across the health monitors (the worst wins): O(monitors), not O(cameras). */
export function cameraHealthState(camera: string): CameraHealthState | undefined {
  let worst: CameraHealthState | undefined;
  for (const source of registry().healthSources.values()) {
    const state = source.state(camera);
    if (state && (!worst || RANK[state] > RANK[worst])) worst = state;
  }
  return worst;
}

/**
 * How many cameras are in each state across the health monitors: one monitor's own counts (O(1), so a
 * snapshot or a metrics scrape costs the same at 100,000 cameras), or, with several, counted from
 * every camera's worst state.
 */
export function cameraHealthCounts(): CameraHealthCounts {
  const sources = [...registry().healthSources.values()];
  if (sources.length === 1) return sources[0]!.counts();
  const counts: CameraHealthCounts = { healthy: 0, warning: 0, critical: 0, offline: 0, total: 0 };
  if (sources.length === 0) return counts;
  for (const state of cameraHealthStates().values()) {
    counts[state]++;
    counts.total++;
  }
  return counts;
}

/** Every camera's state across the health monitors (the worst wins when two monitors disagree). */
export function cameraHealthStates(): Map<string, CameraHealthState> {
  const out = new Map<string, CameraHealthState>();
  for (const source of registry().healthSources.values()) {
    for (const [camera, state] of source.states()) {
      const known = out.get(camera);
      if (!known || RANK[state] > RANK[known]) out.set(camera, state);
    }
  }
  return out;
}
