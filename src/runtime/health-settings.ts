/** `lpr-health-monitor` properties -> HealthRules and node options, each error naming its property. */
import { IdentifierError, parseCameraFilter } from '../protocol';
import { DEFAULT_MAX_CAMERAS, type HealthRules, type Metric } from './health-tracker';
import { ConfigError, readBoolean, readNumber, readString } from './settings';

export interface HealthMonitorSettings {
  camera: string | null;
  rules: HealthRules;
  /** 0 = no periodic summary. */
  summaryIntervalMs: number;
  /** Cameras a summary lists at most, worst first (0 = all). */
  summaryMax: number;
  publishSystemHealth: boolean;
  publishAlerts: boolean;
  /** Cameras tracked at most: past it, the one offline / silent the longest is forgotten. */
  maxCameras: number;
}

/** Defaults in the spirit of the seed (its sample: CPU 45 %, memory 68 %, disk 23 %, 42.5 °C is healthy). */
export const DEFAULT_THRESHOLDS: Record<Metric, { warning: number; critical: number }> = {
  cpu_usage: { warning: 80, critical: 95 },
  memory_usage: { warning: 85, critical: 95 },
  disk_usage: { warning: 85, critical: 95 },
  temperature: { warning: 70, critical: 85 },
};

const PROPERTY: Record<Metric, string> = { cpu_usage: 'cpu', memory_usage: 'memory', disk_usage: 'disk', temperature: 'temperature' };

export const DEFAULT_STATUS_LISTS = {
  cameraStatusWarning: 'degraded, reconnecting',
  cameraStatusCritical: 'error, fault, failed, offline, disconnected',
  networkStatusWarning: 'degraded, unstable, poor, limited',
  networkStatusCritical: 'disconnected, offline, down',
};

function readList(props: Record<string, unknown>, field: keyof typeof DEFAULT_STATUS_LISTS): Set<string> {
  const text = readString(props, field, DEFAULT_STATUS_LISTS[field], 2048);
  return new Set(
    text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

export function readHealthMonitorSettings(props: Record<string, unknown>): HealthMonitorSettings {
  let camera: string | null;
  try {
    camera = parseCameraFilter(readString(props, 'camera', ''), 'camera');
  } catch (err) {
    if (err instanceof IdentifierError) throw new ConfigError(err.field, err.message.slice(err.field.length + 2));
    throw err;
  }
  const thresholds = {} as HealthRules['thresholds'];
  for (const metric of Object.keys(DEFAULT_THRESHOLDS) as Metric[]) {
    const name = PROPERTY[metric];
    const max = metric === 'temperature' ? 200 : 100;
    const warning = readNumber(props, `${name}Warning`, DEFAULT_THRESHOLDS[metric].warning, { min: -100, max });
    const critical = readNumber(props, `${name}Critical`, DEFAULT_THRESHOLDS[metric].critical, { min: -100, max });
    if (critical < warning) throw new ConfigError(`${name}Critical`, `must be at least the warning level (${warning}), got ${critical}`);
    thresholds[metric] = { warning, critical };
  }
  return {
    camera,
    rules: {
      offlineAfterMs: readNumber(props, 'offlineAfter', 90, { min: 1, max: 86_400 }) * 1000,
      thresholds,
      hysteresis: readNumber(props, 'hysteresis', 5, { min: 0, max: 100 }),
      cameraStatus: { warning: readList(props, 'cameraStatusWarning'), critical: readList(props, 'cameraStatusCritical') },
      networkStatus: { warning: readList(props, 'networkStatusWarning'), critical: readList(props, 'networkStatusCritical') },
    },
    summaryIntervalMs: readNumber(props, 'summaryInterval', 60, { min: 0, max: 86_400 }) * 1000,
    summaryMax: readNumber(props, 'summaryMax', 0, { min: 0, max: 10_000_000, integer: true }),
    publishSystemHealth: readBoolean(props, 'publishSystemHealth', false),
    publishAlerts: readBoolean(props, 'publishAlerts', false),
    maxCameras: readNumber(props, 'maxCameras', DEFAULT_MAX_CAMERAS, { min: 1, max: 10_000_000, integer: true }),
  };
}
