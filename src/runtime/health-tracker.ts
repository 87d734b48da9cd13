/**
 * Per-camera health state for `lpr-health-monitor`, without Node-RED: from health messages,
 * wills and silence to one of healthy / warning / critical / offline, with hysteresis on the
 * numeric thresholds, reporting by exception (a transition only when the state changes).
 *
 * At most `maxCameras` cameras are kept. A camera not yet known makes room by forgetting the camera
 * offline the longest or, when none is offline, the one heard from least recently; `onEvict` is
 * told, `evicted` counts them. Both orders are kept by Map insertion order (a camera is moved to the
 * back when heard from / when it goes offline), so making room is O(1).
 *
 * Nothing periodic walks every camera: the counts are kept as states change, a tick looks only at
 * the cameras due to go offline (the online ones in order of when they were last heard), and a
 * summary reuses the sorted camera ids while no camera came or went. A site's cost per health
 * message and per second is the same at 100 cameras as at 100,000.
 */
import { readTimestamp, type Health } from '../protocol';
import { TouchOrder } from './touch-order';

export type CameraState = 'healthy' | 'warning' | 'critical' | 'offline';
export const CAMERA_STATES: readonly CameraState[] = ['healthy', 'warning', 'critical', 'offline'];

export type Metric = 'cpu_usage' | 'memory_usage' | 'disk_usage' | 'temperature';
export const METRICS: readonly Metric[] = ['cpu_usage', 'memory_usage', 'disk_usage', 'temperature'];

export interface Threshold {
  warning: number;
  critical: number;
}

export interface HealthRules {
  offlineAfterMs: number;
  thresholds: Record<Metric, Threshold>;
  /** How far a value must fall below a level before that level clears (same unit as the metric). */
  hysteresis: number;
  cameraStatus: { warning: Set<string>; critical: Set<string> };
  networkStatus: { warning: Set<string>; critical: Set<string> };
}

export interface Transition {
  camera_id: string;
  status: CameraState;
  /** `unknown` for a camera seen for the first time. */
  previous: CameraState | 'unknown';
  reasons: string[];
  /** The health message that caused it; null when silence did. */
  health: Health | null;
  since: string;
}

export interface CameraRecord {
  camera_id: string;
  status: CameraState;
  since: number;
  lastSeen: number;
  reasons: string[];
  levels: Record<Metric, Level>;
  /** `since` and `lastSeen` as ISO text, kept for the summary while they do not change. */
  iso?: { since: number; sinceText: string; lastSeen: number; lastSeenText: string };
  /** The number of its live entry in the tracker's due queue; 0 or absent when it has none. */
  dueSeq?: number;
}

/** The record's times as ISO text, made again only for a time that changed since the last summary. */
function isoTimes(r: CameraRecord): { since: string; last_seen: string } {
  let iso = r.iso;
  if (!iso) iso = r.iso = { since: NaN, sinceText: '', lastSeen: NaN, lastSeenText: '' };
  if (iso.since !== r.since) {
    iso.since = r.since;
    iso.sinceText = new Date(r.since).toISOString();
  }
  if (iso.lastSeen !== r.lastSeen) {
    iso.lastSeen = r.lastSeen;
    iso.lastSeenText = new Date(r.lastSeen).toISOString();
  }
  return { since: iso.sinceText, last_seen: iso.lastSeenText };
}

type Level = 0 | 1 | 2;
const LEVEL_STATE: Record<Level, CameraState> = { 0: 'healthy', 1: 'warning', 2: 'critical' };
const SEVERITY: Record<CameraState, number> = { healthy: 0, warning: 1, critical: 2, offline: 3 };

/** A metric's level given the one it had: a level is entered at its threshold and left only below threshold − hysteresis. */
export function metricLevel(previous: Level, value: number, t: Threshold, hysteresis: number): Level {
  if (value >= t.critical || (previous === 2 && value > t.critical - hysteresis)) return 2;
  if (value >= t.warning || (previous >= 1 && value > t.warning - hysteresis)) return 1;
  return 0;
}

const NO_LEVELS = (): Record<Metric, Level> => ({ cpu_usage: 0, memory_usage: 0, disk_usage: 0, temperature: 0 });

export interface Summary {
  timestamp: string;
  counts: Record<CameraState, number> & { total: number };
  cameras: Array<{ camera_id: string; status: CameraState; since: string; last_seen: string; reasons: string[] }>;
  /** Cameras not listed (a summary limited to the worst `max`): `counts.total - cameras.length`. */
  omitted: number;
}

export const DEFAULT_MAX_CAMERAS = 10_000;

export interface TrackerOptions {
  /** Cameras kept at most (default DEFAULT_MAX_CAMERAS). */
  maxCameras?: number;
  /** Told of each camera forgotten to make room. */
  onEvict?: (record: CameraRecord) => void;
}

/** The order `localeCompare` gives, with one collator instead of one per comparison. */
const byId = new Intl.Collator().compare;

export class HealthTracker {
  /** In order of the last message heard (the first is the one silent the longest). */
  private readonly cameras = new Map<string, CameraRecord>();
  /** The offline cameras, in the order they went offline (the first is offline the longest). */
  private readonly offline = new Map<string, CameraRecord>();
  /**
   * The online cameras in order of `lastSeen` (so the first is the next to go offline, and a tick
   * stops at the first that is not due), and in `late` the few that arrived out of that order: a
   * retained message restores a camera last seen before others already heard. A TouchOrder of
   * (record, number), not a Map moved to the back per message; an entry whose number is no longer
   * its record's `dueSeq` is stale.
   */
  private readonly due = new TouchOrder<CameraRecord>(
    (record, seq) => record.dueSeq === seq,
    () => this.cameras.size,
  );
  private lastDueSeq = 0;
  private readonly late = new Map<string, CameraRecord>();
  /** The latest `lastSeen` ever queued in `due`. */
  private dueUntil = -Infinity;
  private readonly stateCounts: Record<CameraState, number> = { healthy: 0, warning: 0, critical: 0, offline: 0 };
  /** The camera ids sorted for a summary; null once a camera came or went. */
  private sortedIds: string[] | null = null;
  readonly maxCameras: number;
  private readonly onEvict: ((record: CameraRecord) => void) | undefined;
  /** Cameras forgotten to make room for new ones. */
  evicted = 0;
  /** Cameras looked at by ticks so far: the ones due and the late ones, not every camera (a test holds it to that). */
  tickVisits = 0;

  /** `timeZone`: the site time zone a zone-less health `timestamp` is read in (lpr-broker's). */
  constructor(
    readonly rules: HealthRules,
    readonly timeZone = 'UTC',
    options: TrackerOptions = {},
  ) {
    const max = options.maxCameras ?? DEFAULT_MAX_CAMERAS;
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxCameras must be a whole number >= 1, got ${max}`);
    this.maxCameras = max;
    this.onEvict = options.onEvict;
  }

  get size(): number {
    return this.cameras.size;
  }

  get(cameraId: string): CameraRecord | undefined {
    return this.cameras.get(cameraId);
  }

  ids(): string[] {
    return [...this.cameras.keys()];
  }

  /**
   * Takes a validated health message. A retained message for a camera not yet known restores
   * its state silently: after a restart that is the state it had, not news. Whether a retained
   * message for a known camera is news at all is for the caller to judge first (retained-filter.ts);
   * one that is counts from when the camera said it, so silence after it is measured from then.
   */
  ingest(health: Health, now: number, retained = false): Transition | null {
    const id = health.camera_id;
    let record = this.cameras.get(id);
    const fresh = !record;
    if (!record) {
      if (this.cameras.size >= this.maxCameras) this.evictOne();
      record = { camera_id: id, status: 'healthy', since: now, lastSeen: now, reasons: [], levels: NO_LEVELS() };
      this.stateCounts.healthy++;
      this.sortedIds = null;
    } else this.cameras.delete(id);
    // Heard from now: to the back of the silence order.
    this.cameras.set(id, record);
    const { status, reasons } = this.assess(record, health);
    // How long ago the camera said this, by its own clock, bounded to what we can know.
    // An unreadable time (only from a message that skipped validation) counts as just now.
    const said = retained ? (readTimestamp(health.timestamp, this.timeZone)?.ms ?? now) : now;
    const age = Math.min(Math.max(now - said, 0), this.rules.offlineAfterMs);
    record.lastSeen = now - age;
    if (fresh && retained) {
      const stale = status !== 'offline' && age >= this.rules.offlineAfterMs;
      this.setStatus(record, stale ? 'offline' : status);
      record.reasons = stale ? [`no health since ${health.timestamp}`] : reasons;
      record.since = record.lastSeen;
      this.schedule(record);
      return null;
    }
    record.reasons = reasons;
    if (!fresh && status === record.status) {
      this.schedule(record);
      return null;
    }
    const previous = fresh ? 'unknown' : record.status;
    this.setStatus(record, status);
    record.since = now;
    this.schedule(record);
    return { camera_id: id, status, previous, reasons, health, since: new Date(now).toISOString() };
  }

  /** Cameras silent for longer than `offlineAfterMs` go offline. */
  tick(now: number): Transition[] {
    const out: Transition[] = [];
    const limit = this.rules.offlineAfterMs;
    const silence = (record: CameraRecord) => {
      const previous = record.status;
      this.setStatus(record, 'offline');
      record.since = now;
      record.reasons = [`no health for ${Math.round((now - record.lastSeen) / 1000)} s (limit ${Math.round(limit / 1000)} s)`];
      out.push({ camera_id: record.camera_id, status: 'offline', previous, reasons: record.reasons, health: null, since: new Date(now).toISOString() });
    };
    // In order of lastSeen: the first camera not yet due ends the walk (going offline takes a camera out of `due`).
    for (let record = this.due.first(); record !== undefined; record = this.due.first()) {
      this.tickVisits++;
      if (now - record.lastSeen < limit) break;
      silence(record);
    }
    for (const record of this.late.values()) {
      this.tickVisits++;
      if (now - record.lastSeen >= limit) silence(record);
    }
    return out;
  }

  /** Each known camera's state. */
  states(): Map<string, CameraState> {
    const out = new Map<string, CameraState>();
    for (const [id, record] of this.cameras) out.set(id, record.status);
    return out;
  }

  forget(cameraId: string): boolean {
    const record = this.cameras.get(cameraId);
    if (!record) return false;
    this.cameras.delete(cameraId);
    this.offline.delete(cameraId);
    this.unschedule(record);
    this.stateCounts[record.status]--;
    this.sortedIds = null;
    return true;
  }

  /** Sets a record's status, keeping the counts and the offline order (a camera going offline joins its back). */
  private setStatus(record: CameraRecord, status: CameraState): void {
    if (status === 'offline' && (record.status !== 'offline' || !this.offline.has(record.camera_id))) {
      this.offline.delete(record.camera_id);
      this.offline.set(record.camera_id, record);
      this.unschedule(record);
    } else if (status !== 'offline') this.offline.delete(record.camera_id);
    this.stateCounts[record.status]--;
    this.stateCounts[status]++;
    record.status = status;
  }

  /** Where a camera heard from waits to go offline: the back of `due` when in order, else `late`; an offline one nowhere. */
  private schedule(record: CameraRecord): void {
    this.unschedule(record);
    if (record.status === 'offline') return;
    if (record.lastSeen >= this.dueUntil) {
      record.dueSeq = ++this.lastDueSeq;
      this.due.push(record, record.dueSeq);
      this.dueUntil = record.lastSeen;
    } else this.late.set(record.camera_id, record);
  }

  /** Takes a camera out of both due orders (its queue entry goes stale). */
  private unschedule(record: CameraRecord): void {
    record.dueSeq = 0;
    this.late.delete(record.camera_id);
  }

  /** Forgets the camera offline the longest, else the one silent the longest. */
  private evictOne(): void {
    const victim = this.offline.values().next().value ?? this.cameras.values().next().value;
    if (!victim) return;
    this.forget(victim.camera_id);
    this.evicted++;
    this.onEvict?.(victim);
  }

  counts(): Record<CameraState, number> & { total: number } {
    return { ...this.stateCounts, total: this.cameras.size };
  }

  /**
   * The cameras worst first, then by id (as `localeCompare` orders them): all of them, or with `max`
   * (> 0) the first `max`, so that a site of 100,000 cameras does not build 100,000 rows for a table
   * that shows the few that need someone.
   */
  summary(now: number, max = 0): Summary {
    this.sortedIds ??= [...this.cameras.keys()].sort(byId);
    const limit = max > 0 ? max : Infinity;
    // One pass over the ids in order, into one list per state (worst first without sorting again);
    // a state's list stops growing at the limit, as nothing after it could be listed.
    const byState: CameraRecord[][] = [[], [], [], []];
    for (const id of this.sortedIds) {
      const r = this.cameras.get(id)!;
      const list = byState[3 - SEVERITY[r.status]]!;
      if (list.length < limit) list.push(r);
    }
    const cameras: Summary['cameras'] = [];
    for (const list of byState) {
      for (const r of list) {
        if (cameras.length >= limit) break;
        const times = isoTimes(r);
        cameras.push({ camera_id: r.camera_id, status: r.status, since: times.since, last_seen: times.last_seen, reasons: r.reasons });
      }
    }
    return { timestamp: new Date(now).toISOString(), counts: this.counts(), cameras, omitted: this.cameras.size - cameras.length };
  }

  /** The state a message says the camera is in, and why; updates the metric levels (hysteresis). */
  private assess(record: CameraRecord, health: Health): { status: CameraState; reasons: string[] } {
    if (health.health_status === 'offline') return { status: 'offline', reasons: ['camera reported offline (its will, or a shutdown)'] };
    let worst: CameraState = 'healthy';
    const reasons: string[] = [];
    const raise = (state: CameraState, reason: string) => {
      if (SEVERITY[state] > SEVERITY[worst]) worst = state;
      reasons.push(reason);
    };
    if (health.health_status !== 'healthy') raise(health.health_status, `camera reports ${health.health_status}`);
    const details = health.health_details;
    for (const metric of METRICS) {
      const value = details?.[metric];
      if (typeof value !== 'number') continue;
      const t = this.rules.thresholds[metric];
      const level = metricLevel(record.levels[metric], value, t, this.rules.hysteresis);
      record.levels[metric] = level;
      if (level > 0) raise(LEVEL_STATE[level], `${metric} ${value} (${LEVEL_STATE[level]} at ${level === 2 ? t.critical : t.warning})`);
    }
    const camera = details?.camera_status;
    if (camera && this.rules.cameraStatus.critical.has(camera)) raise('critical', `camera_status ${camera}`);
    else if (camera && this.rules.cameraStatus.warning.has(camera)) raise('warning', `camera_status ${camera}`);
    const network = details?.network_status;
    if (network && this.rules.networkStatus.critical.has(network)) raise('critical', `network_status ${network}`);
    else if (network && this.rules.networkStatus.warning.has(network)) raise('warning', `network_status ${network}`);
    for (const alert of health.alerts ?? []) {
      const state: CameraState = alert.level === 'critical' || alert.level === 'error' ? 'critical' : alert.level === 'warning' ? 'warning' : 'healthy';
      if (state !== 'healthy') raise(state, `alert: ${alert.message}`);
    }
    return { status: worst, reasons };
  }
}

/**
 * The server-wide verdict for SystemHealth: `critical` when more than half of the known cameras
 * are critical or offline, `degraded` when any camera is not healthy, else `healthy`.
 */
export function systemStatus(counts: Record<CameraState, number> & { total: number }): 'healthy' | 'degraded' | 'critical' {
  if (counts.total > 0 && (counts.critical + counts.offline) * 2 > counts.total) return 'critical';
  return counts.warning + counts.critical + counts.offline > 0 ? 'degraded' : 'healthy';
}
