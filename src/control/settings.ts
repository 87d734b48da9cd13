/**
 * `lpr-camera-control` and `lpr-camera-config` properties -> settings, each error a ConfigError
 * naming its property (pure: no Node-RED).
 */
import path from 'node:path';
import { Command, IdentifierError, parseCameraFilter, Priority } from '../protocol';
import { nodeFileName } from '../runtime/files';
import { ConfigError, readBoolean, readNumber, readString } from '../runtime/settings';
import { DEFAULT_MAX_REPORTED_CAMERAS } from './reported';

export type PriorityValue = (typeof Priority.options)[number];

export interface ControlSettings {
  /** The camera every command goes to; null = each message names it in `msg.camera`. */
  camera: string | null;
  /** The command every message sends; null = each message names it in `msg.payload.command`. */
  command: string | null;
  timeoutMs: number;
  /** The priority every command carries; null = `msg.payload.priority`, or none. */
  priority: PriorityValue | null;
}

export const DEFAULT_TIMEOUT_S = 10;
export const MAX_TIMEOUT_S = 86_400;
export const DEFAULT_CONFIG_TYPE = 'detection_settings';

/** A camera property: empty, `+` or `*` = none (all cameras / from the message), else one camera id. */
export function readCamera(props: Record<string, unknown>, field = 'camera'): string | null {
  try {
    return parseCameraFilter(readString(props, field, ''), field);
  } catch (err) {
    if (err instanceof IdentifierError) throw new ConfigError(err.field, err.message.slice(err.field.length + 2));
    throw err;
  }
}

export function readControlSettings(props: Record<string, unknown>): ControlSettings {
  const camera = readCamera(props);
  const commandText = readString(props, 'command', '', 64);
  if (commandText !== '' && !Command.safeParse(commandText).success) {
    throw new ConfigError('command', `must be 1-64 letters, digits, "_", "." or "-", got ${JSON.stringify(commandText)}`);
  }
  const timeout = readNumber(props, 'timeout', DEFAULT_TIMEOUT_S, { max: MAX_TIMEOUT_S });
  if (!(timeout > 0)) throw new ConfigError('timeout', `must be more than 0 seconds, got ${timeout}`);
  const priorityText = readString(props, 'priority', '', 16);
  let priority: PriorityValue | null = null;
  if (priorityText !== '') {
    const parsed = Priority.safeParse(priorityText);
    if (!parsed.success) throw new ConfigError('priority', `must be empty or one of ${Priority.options.join(', ')}, got ${JSON.stringify(priorityText)}`);
    priority = parsed.data;
  }
  return { camera, command: commandText || null, timeoutMs: Math.round(timeout * 1000), priority };
}

export interface CameraConfigSettings {
  /** Reported configs of this camera only, and the camera desired configs go to; null = all / from `msg.camera`. */
  camera: string | null;
  /** The config_type of every desired config; null = from `msg.config_type` (or the payload's). */
  configType: string | null;
  /** Where desired configs are kept; null = in memory only. */
  file: string | null;
  /** Cameras whose reported configs are kept at most (the one reporting least recently goes first). */
  maxCameras: number;
}

/** Why a config_type is unusable, or null: 1-64 characters without control characters. */
export function configTypeProblem(value: unknown): string | null {
  if (typeof value !== 'string') return `must be a string, got ${value === null ? 'null' : typeof value}`;
  if (value.length === 0 || value.length > 64) return `must be 1-64 characters, got ${value.length}`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'must not contain control characters';
  return null;
}

export function readCameraConfigSettings(props: Record<string, unknown>, nodeId: string, userDir: string | null): CameraConfigSettings {
  const camera = readCamera(props);
  const configType = readString(props, 'configType', DEFAULT_CONFIG_TYPE, 64);
  if (configType !== '') {
    const problem = configTypeProblem(configType);
    if (problem) throw new ConfigError('configType', problem);
  }
  const persist = readBoolean(props, 'persist', true);
  const file = readString(props, 'file', '', 4096);
  const base = userDir ?? path.join(process.cwd(), '.node-red-lpr');
  return {
    camera,
    configType: configType || null,
    file: persist ? (file ? path.resolve(userDir ?? process.cwd(), file) : path.join(base, 'lpr-camera-config', nodeFileName(nodeId, '.json'))) : null,
    maxCameras: readNumber(props, 'maxCameras', DEFAULT_MAX_REPORTED_CAMERAS, { min: 1, max: 10_000_000, integer: true }),
  };
}
