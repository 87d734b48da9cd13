/** `lpr-camera` properties -> settings, each error naming its property (pure, unit-testable). */
import os from 'node:os';
import path from 'node:path';
import { identifierProblem } from '../protocol/identifiers';
import { nodeFileName } from '../runtime/files';
import { ConfigError, readBoolean, readNumber, readString } from '../runtime/settings';
import { DEFAULT_COMMIT_INTERVAL_MS, DURABILITIES, OVERFLOW_POLICIES, type Durability, type OverflowPolicy } from './outbox';

export interface CameraSettings {
  /** This camera's id: the `{camera_id}` of every topic it uses. */
  camera: string;
  /** Put into detections that name no `checkpoint_id`; null = leave them as they are. */
  checkpoint: string | null;
  ackTimeoutMs: number;
  bufferSize: number;
  overflow: OverflowPolicy;
  persist: boolean;
  /** As typed: '' = the default file under the user directory. */
  file: string;
  requestConfig: boolean;
  /** Receive the watch list (subscribe, ask for it on connect). */
  blacklist: boolean;
  /** Keep a copy of the list and raise notifications here (needs `blacklist`). */
  matchAtEdge: boolean;
  /** The edge list's bound (entries). */
  maxEntries: number;
  /** Wait for the server's ack (true) or consider a detection done once the broker has it. */
  ack: boolean;
  /** When the journal is fsynced (see Durability in outbox.ts). */
  durability: Durability;
  /** Group commit: at most one fsync per this many ms. */
  commitIntervalMs: number;
}

export const CAMERA_DEFAULTS = {
  ackTimeout: 10,
  bufferSize: 10_000,
  overflow: 'drop-oldest' as OverflowPolicy,
  persist: true,
  file: '',
  requestConfig: true,
  blacklist: false,
  matchAtEdge: false,
  maxEntries: 200_000,
  ack: true,
  // A flow saved before these existed gets them too: the group commit costs little (bench `outbox`).
  durability: 'group' as Durability,
  commitInterval: DEFAULT_COMMIT_INTERVAL_MS,
};

function readIdentifier(props: Record<string, unknown>, field: string, required: boolean): string | null {
  const value = readString(props, field, '', 256);
  if (value === '') {
    if (required) throw new ConfigError(field, "must name this camera's id (letters, digits, _ . -), e.g. CAM001");
    return null;
  }
  const problem = identifierProblem(value);
  if (problem) throw new ConfigError(field, problem);
  return value;
}

export function readCameraSettings(props: Record<string, unknown>): CameraSettings {
  const camera = readIdentifier(props, 'camera', true)!;
  const checkpoint = readIdentifier(props, 'checkpoint', false);
  const overflow = readString(props, 'overflow', CAMERA_DEFAULTS.overflow) || CAMERA_DEFAULTS.overflow;
  if (!(OVERFLOW_POLICIES as readonly string[]).includes(overflow)) {
    throw new ConfigError('overflow', `must be ${OVERFLOW_POLICIES.map((p) => JSON.stringify(p)).join(' or ')}, got ${JSON.stringify(overflow)}`);
  }
  const durability = readString(props, 'durability', CAMERA_DEFAULTS.durability) || CAMERA_DEFAULTS.durability;
  if (!(DURABILITIES as readonly string[]).includes(durability)) {
    throw new ConfigError('durability', `must be ${DURABILITIES.map((p) => JSON.stringify(p)).join(', ')}, got ${JSON.stringify(durability)}`);
  }
  const file = readString(props, 'file', CAMERA_DEFAULTS.file, 4096);
  if (file.includes('\0')) throw new ConfigError('file', 'must not contain a NUL character');
  return {
    camera,
    checkpoint,
    ackTimeoutMs: readNumber(props, 'ackTimeout', CAMERA_DEFAULTS.ackTimeout, { min: 0.1, max: 86_400 }) * 1000,
    bufferSize: readNumber(props, 'bufferSize', CAMERA_DEFAULTS.bufferSize, { min: 1, max: 10_000_000, integer: true }),
    overflow: overflow as OverflowPolicy,
    persist: readBoolean(props, 'persist', CAMERA_DEFAULTS.persist),
    file,
    requestConfig: readBoolean(props, 'requestConfig', CAMERA_DEFAULTS.requestConfig),
    blacklist: readBoolean(props, 'blacklist', CAMERA_DEFAULTS.blacklist),
    matchAtEdge: readBoolean(props, 'matchAtEdge', CAMERA_DEFAULTS.matchAtEdge),
    maxEntries: readNumber(props, 'maxEntries', CAMERA_DEFAULTS.maxEntries, { min: 1, max: 5_000_000, integer: true }),
    ack: readBoolean(props, 'ack', CAMERA_DEFAULTS.ack),
    durability: durability as Durability,
    commitIntervalMs: readNumber(props, 'commitInterval', CAMERA_DEFAULTS.commitInterval, { min: 0, max: 60_000, integer: true }),
  };
}

/** Node-RED's user directory when known, else its default (`~/.node-red`). */
export function defaultUserDir(userDir: unknown): string {
  return typeof userDir === 'string' && userDir !== '' ? userDir : path.join(os.homedir(), '.node-red');
}

/**
 * The journal file of a camera node: `file` as set (relative to the user directory), or
 * `<userDir>/lpr-camera/<node id>.ndjson`. Null when persistence is off.
 */
export function journalPath(settings: Pick<CameraSettings, 'persist' | 'file'>, userDir: string, nodeId: string): string | null {
  if (!settings.persist) return null;
  if (settings.file !== '') return path.resolve(userDir, settings.file);
  return path.join(userDir, 'lpr-camera', nodeFileName(nodeId, '.ndjson'));
}

/** The edge list's file: `<userDir>/lpr-camera/<node id>.blacklist.ndjson` (always on disk, so a restart matches at once). */
export function edgeListPath(userDir: string, nodeId: string): string {
  return path.join(userDir, 'lpr-camera', nodeFileName(nodeId, '.blacklist.ndjson'));
}

/** The journal of edge-raised notifications: beside the detection journal; null when persistence is off. */
export function notificationJournalPath(journal: string | null): string | null {
  return journal === null ? null : journal.replace(/(\.ndjson)?$/, '.notifications.ndjson');
}
