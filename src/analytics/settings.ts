/** Properties of `lpr-checkpoint-analytics`, read and checked (ConfigError names the property). */
import { identifierProblem } from '../protocol/identifiers';
import { ConfigError, readBoolean, readNumber, readString } from '../runtime/settings';

export interface CheckpointAnalyticsSettings {
  /** null = every checkpoint seen. */
  checkpoint: string | null;
  windowMs: number;
  publish: boolean;
  status: boolean;
  uniqueCap: number;
  /** (camera, checkpoint) pairs counted for the status in all; past it the one silent the longest is forgotten. */
  maxCameras: number;
}

export function readCheckpointAnalyticsSettings(props: Record<string, unknown>): CheckpointAnalyticsSettings {
  const checkpoint = readString(props, 'checkpoint', '');
  if (checkpoint !== '' && checkpoint !== '+') {
    const problem = identifierProblem(checkpoint);
    if (problem) throw new ConfigError('checkpoint', problem);
  }
  return {
    checkpoint: checkpoint === '' || checkpoint === '+' ? null : checkpoint,
    windowMs: readNumber(props, 'window', 60, { min: 1, max: 86_400, integer: true }) * 1000,
    publish: readBoolean(props, 'publish', true),
    status: readBoolean(props, 'status', true),
    uniqueCap: readNumber(props, 'uniqueCap', 100_000, { min: 0, max: 10_000_000, integer: true }),
    maxCameras: readNumber(props, 'maxCameras', 100_000, { min: 1, max: 10_000_000, integer: true }),
  };
}
