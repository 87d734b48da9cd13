/** Properties of lpr-system-monitor, read from flow JSON (each error names its property). */
import { ConfigError, readBoolean, readNumber, readString } from '../runtime/settings';

export interface SystemMonitorSettings {
  intervalMs: number;
  publish: boolean;
  prometheus: boolean;
  path: string;
  control: boolean;
}

export function readSystemMonitorSettings(def: Record<string, unknown>): SystemMonitorSettings {
  const interval = readNumber(def, 'interval', 30, { min: 0, max: 86400 });
  const path = readString(def, 'path', '/lpr/metrics', 256) || '/lpr/metrics';
  if (!/^\/[A-Za-z0-9._~\-/]*$/.test(path)) throw new ConfigError('path', `must start with "/" and use only letters, digits and . _ ~ - /, got ${JSON.stringify(path)}`);
  return {
    intervalMs: interval * 1000,
    publish: readBoolean(def, 'publish', true),
    prometheus: readBoolean(def, 'prometheus', false),
    path,
    control: readBoolean(def, 'control', true),
  };
}

