/**
 * The desired config of each camera, per `config_type`, kept across restarts (pure: no Node-RED).
 *
 * Persisted as lines: a header `{"lpr_desired_configs":2}`, then one Config per line, so a damaged
 * byte costs the one camera record it falls in, not the file. Read tolerantly: unreadable or
 * invalid records are skipped and reported, and the file as it was is kept aside
 * (`<file>.corrupt-<time>`) before anything overwrites it. Version 1 files (one indented JSON
 * document) are still read, and recovered record by record when damaged.
 *
 * Written atomically (src/runtime/files.ts: a crash leaves the previous file, never half of one)
 * shortly after each change, and by `flushSync` when the node closes. Writes are synchronous on
 * purpose: desired configs change rarely and a burst shares one write, and a single writer means
 * an older snapshot can never be renamed over a newer one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { validateMessage, type Config } from '../protocol';
import type { FieldIssue } from '../protocol/errors';
import { keepAside, removeStaleTemp, writeFileAtomicSync } from '../runtime/files';

export const STORE_VERSION = 2;
/** The header line of a version 2 file. */
const HEADER_KEY = 'lpr_desired_configs';
/** How long after a change the file is written (changes in a burst, e.g. a rollout, share one write). */
export const SAVE_DELAY_MS = 100;

export interface StoreLoad {
  loaded: number;
  /** Records skipped: unreadable (`path` says where) or invalid (`path` names the field). */
  issues: FieldIssue[];
  /** Where the file was kept as it was, when anything in it was skipped. */
  keptAs?: string;
}

interface RawRecord {
  /** `configs[3]` (version 1) or `line 4` (version 2), for the issues. */
  where: string;
  value: unknown;
}

/**
 * The records of a store file, as far as they can be read: a whole version 1 document; else a
 * damaged version 1 document cut at its record boundaries (JSON.stringify's indentation puts
 * each record of `configs` between a line `  {` and a line `  }` or `  },`); else version 2 lines.
 */
export function readRecords(text: string): { records: RawRecord[]; unreadable: FieldIssue[] } {
  const records: RawRecord[] = [];
  const unreadable: FieldIssue[] = [];
  let whole: unknown;
  let parsed = false;
  try {
    whole = JSON.parse(text);
    parsed = true;
  } catch {
    // damaged, or version 2 (several lines of JSON)
  }
  if (parsed) {
    const configs = (whole as { configs?: unknown } | null)?.configs;
    if (Array.isArray(configs)) {
      configs.forEach((value, i) => records.push({ where: `configs[${i}]`, value }));
      return { records, unreadable };
    }
    if (isHeader(whole)) return { records, unreadable };
    unreadable.push({ path: 'configs', message: 'is missing or not a list' });
    return { records, unreadable };
  }
  const lines = text.split('\n');
  if (lines[0]?.trim() === '{') {
    // Version 1, damaged: each record on its own, by the layout JSON.stringify(_, null, 1) gave it.
    let start = -1;
    let index = 0;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line === '  {') start = i;
      else if (start >= 0 && (line === '  }' || line === '  },')) {
        const chunk = lines.slice(start, i + 1).join('\n').replace(/,$/, '');
        const where = `configs[${index++}]`;
        try {
          records.push({ where, value: JSON.parse(chunk) });
        } catch (err) {
          unreadable.push({ path: `${where} (lines ${start + 1}-${i + 1})`, message: `is not readable JSON (${(err as Error).message})` });
        }
        start = -1;
      }
    }
    if (records.length === 0 && unreadable.length === 0) unreadable.push({ path: '(file)', message: 'is not readable JSON and holds no readable record' });
    return { records, unreadable };
  }
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      unreadable.push({ path: `line ${i + 1}`, message: `is not readable JSON (${(err as Error).message})` });
      return;
    }
    if (!isHeader(value)) records.push({ where: `line ${i + 1}`, value });
  });
  return { records, unreadable };
}

function isHeader(value: unknown): boolean {
  return typeof value === 'object' && value !== null && HEADER_KEY in value;
}

export class DesiredConfigStore {
  private readonly byCamera = new Map<string, Map<string, Config>>();
  private writeTimer: NodeJS.Timeout | null = null;

  constructor(
    /** null = kept in memory only. */
    readonly file: string | null,
    private readonly onSaveError: (err: Error) => void = () => {},
    private readonly saveDelayMs = SAVE_DELAY_MS,
  ) {}

  /** Number of cameras with at least one desired config. */
  get cameraCount(): number {
    return this.byCamera.size;
  }

  get size(): number {
    let n = 0;
    for (const types of this.byCamera.values()) n += types.size;
    return n;
  }

  /**
   * Reads the file; a missing file is an empty store. Unreadable and invalid records are skipped
   * and reported, never fatal; when any is, the file is first kept aside as it was (`keptAs`) and
   * then rewritten with what was read, so a later write cannot lose what was skipped.
   */
  load(): StoreLoad {
    this.byCamera.clear();
    if (!this.file) return { loaded: 0, issues: [] };
    removeStaleTemp(this.file);
    if (!existsSync(this.file)) return { loaded: 0, issues: [] };
    const { records, unreadable } = readRecords(readFileSync(this.file, 'utf8'));
    const issues = [...unreadable];
    let loaded = 0;
    for (const { where, value } of records) {
      // The whole inbound check (forbidden keys, depth, NaN), not the schema alone: a hand-edited
      // entry that loads must also be publishable when a camera asks for it.
      const result = validateMessage('configUpdate', value);
      if (!result.ok) {
        const issue = result.error.issues[0]!;
        issues.push({ path: `${where}.${issue.path}`, message: issue.message });
        continue;
      }
      this.put(result.value);
      loaded++;
    }
    if (issues.length === 0) return { loaded, issues };
    try {
      const keptAs = keepAside(this.file);
      this.write();
      return { loaded, issues, keptAs };
    } catch (err) {
      // Kept or not, the file stays as it was until the next change: what was read is in memory.
      this.onSaveError(err as Error);
      return { loaded, issues };
    }
  }

  get(cameraId: string, configType: string): Config | undefined {
    return this.byCamera.get(cameraId)?.get(configType);
  }

  /** The desired configs of one camera, by config_type (in the order they were first set). */
  forCamera(cameraId: string): Config[] {
    return [...(this.byCamera.get(cameraId)?.values() ?? [])];
  }

  cameras(): string[] {
    return [...this.byCamera.keys()].sort();
  }

  /** Every desired config, sorted by camera then config_type. */
  all(): Config[] {
    const out: Config[] = [];
    for (const camera of this.cameras()) {
      const types = this.byCamera.get(camera)!;
      for (const type of [...types.keys()].sort()) out.push(types.get(type)!);
    }
    return out;
  }

  /** Stores `config` as the desired one for its camera and config_type, replacing any before it. */
  set(config: Config): void {
    this.put(config);
    this.scheduleSave();
  }

  /** Removes one config_type of a camera, or all of them when `configType` is null; returns what was removed. */
  forget(cameraId: string, configType: string | null): Config[] {
    const types = this.byCamera.get(cameraId);
    if (!types) return [];
    let removed: Config[];
    if (configType === null) {
      removed = [...types.values()];
      this.byCamera.delete(cameraId);
    } else {
      const config = types.get(configType);
      if (!config) return [];
      removed = [config];
      types.delete(configType);
      if (types.size === 0) this.byCamera.delete(cameraId);
    }
    this.scheduleSave();
    return removed;
  }

  /** Writes pending changes now, synchronously (on close, so a redeploy or stop cannot lose them). */
  flushSync(): void {
    if (!this.writeTimer) return;
    clearTimeout(this.writeTimer);
    this.writeTimer = null;
    this.write();
  }

  /** True while a change waits to be written. */
  get dirty(): boolean {
    return this.writeTimer !== null;
  }

  private write(): void {
    if (!this.file) return;
    writeFileAtomicSync(this.file, this.serialise());
  }

  private put(config: Config): void {
    let types = this.byCamera.get(config.camera_id);
    if (!types) {
      types = new Map();
      this.byCamera.set(config.camera_id, types);
    }
    types.set(config.config_type, config);
  }

  private serialise(): string {
    const lines = [JSON.stringify({ [HEADER_KEY]: STORE_VERSION })];
    for (const config of this.all()) lines.push(JSON.stringify(config));
    return lines.join('\n') + '\n';
  }

  private scheduleSave(): void {
    if (!this.file || this.writeTimer) return;
    this.writeTimer = setTimeout(() => {
      this.writeTimer = null;
      try {
        this.write();
      } catch (err) {
        this.onSaveError(err as Error);
      }
    }, this.saveDelayMs);
    this.writeTimer.unref?.();
  }
}
