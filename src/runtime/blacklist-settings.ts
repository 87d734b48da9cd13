/** Properties of the blacklist nodes -> settings, each error naming its property. */
import path from 'node:path';
import { BlacklistEntry, inspectData, WHOLE_PAYLOAD } from '../protocol';
import { formatPath } from '../protocol/errors';
import type { MatchOptions } from '../blacklist/index';
import { ConfigError, readBoolean, readNumber, readString } from './settings';
import { nodeFileName } from './files';
import { DEFAULT_SUPPRESS_PER, SUPPRESS_PER, type SuppressPer } from './alert-suppression';

export interface BlacklistSettings {
  entries: BlacklistEntry[];
  /** Where dynamic entries are kept; null = not persisted. */
  file: string | null;
  answerRequests: boolean;
  /** Answers per camera per minute to `blacklist/request` (token bucket; more are dropped and counted). */
  requestLimit: number;
  /** Largest message of a snapshot chunk (bytes). */
  snapshotMaxBytes: number;
}

/** A flow saved before `snapshotKiB` existed gets this: under lpr-mosquitto's 256 KiB limit. */
export const DEFAULT_SNAPSHOT_KIB = 240;

/** A flow saved before `requestLimit` existed gets this. */
export const DEFAULT_REQUEST_LIMIT = 6;

/** As many entries as an MQTT BlacklistUpdate may carry. */
export const MAX_EDITOR_ENTRIES = 2_000_000;

/** The editor's entries, validated one by one so the error names the row and field. */
export function readEditorEntries(raw: unknown): BlacklistEntry[] {
  if (raw === undefined || raw === null || raw === '') return [];
  if (!Array.isArray(raw)) throw new ConfigError('entries', 'must be a list of entries');
  if (raw.length > MAX_EDITOR_ENTRIES) throw new ConfigError('entries', `must hold at most ${MAX_EDITOR_ENTRIES} entries, got ${raw.length}`);
  return raw.map((item, i) => {
    const unsafe = inspectData(item);
    if (unsafe) {
      const issue = unsafe.issues[0]!;
      throw new ConfigError(issue.path === WHOLE_PAYLOAD ? `entries[${i}]` : `entries[${i}].${issue.path}`, issue.message);
    }
    const result = BlacklistEntry.safeParse(item);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      throw new ConfigError(`entries[${i}].${formatPath(issue.path)}`, issue.message);
    }
    return result.data;
  });
}

export function readBlacklistSettings(props: Record<string, unknown>, nodeId: string, userDir: string | null): BlacklistSettings {
  const persist = readBoolean(props, 'persist', true);
  const file = readString(props, 'file', '', 4096);
  const fallbackDir = userDir ?? path.join(process.cwd(), '.node-red-lpr');
  return {
    entries: readEditorEntries(props.entries),
    file: persist ? (file ? path.resolve(userDir ?? process.cwd(), file) : path.join(fallbackDir, 'lpr-blacklist', nodeFileName(nodeId, '.ndjson'))) : null,
    answerRequests: readBoolean(props, 'answerRequests', true),
    requestLimit: readNumber(props, 'requestLimit', DEFAULT_REQUEST_LIMIT, { min: 1, max: 600, integer: true }),
    snapshotMaxBytes: readNumber(props, 'snapshotKiB', DEFAULT_SNAPSHOT_KIB, { min: 4, max: 262_144, integer: true }) * 1024,
  };
}

export interface MatchSettings {
  options: MatchOptions;
  /** Same plate and entry (at the same camera, per `suppressPer`) within this window notify once; 0 = every time. */
  suppressMs: number;
  /** 'camera': a second camera raises its own alert; 'site': one alert per window for all cameras. */
  suppressPer: SuppressPer;
  publish: boolean;
}

export function readMatchSettings(props: Record<string, unknown>): MatchSettings {
  const maxDistance = readNumber(props, 'maxDistance', 1, { min: 1, max: 2, integer: true }) as 1 | 2;
  return {
    options: {
      exact: readBoolean(props, 'exact', true),
      lookalike: readBoolean(props, 'lookalike', true),
      maxSubstitutions: readNumber(props, 'maxSubstitutions', 1, { min: 1, max: 4, integer: true }),
      fuzzy: readBoolean(props, 'fuzzy', false),
      maxDistance,
      pattern: readBoolean(props, 'pattern', true),
      requireProvince: readBoolean(props, 'requireProvince', false),
    },
    suppressMs: readNumber(props, 'suppress', 60, { min: 0, max: 86_400 }) * 1000,
    suppressPer: readSuppressPer(props.suppressPer),
    publish: readBoolean(props, 'publish', true),
  };
}

/** Missing (a flow saved before the property existed) = per camera, as issue 16 asks. */
function readSuppressPer(raw: unknown): SuppressPer {
  if (raw === undefined || raw === null || raw === '') return DEFAULT_SUPPRESS_PER;
  if (typeof raw === 'string' && (SUPPRESS_PER as readonly string[]).includes(raw)) return raw as SuppressPer;
  throw new ConfigError('suppressPer', `must be one of ${SUPPRESS_PER.join(', ')}, got ${JSON.stringify(raw)}`);
}
