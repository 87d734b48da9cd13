/**
 * The desired config of each camera, per `config_type`, kept across restarts (pure: no Node-RED).
 *
 * Persisted as one JSON file `{"version":1,"configs":[Config, ...]}`, written atomically (a
 * temporary file renamed over the old one, so a crash leaves the previous file, never half of
 * one) shortly after each change, and by `flushSync` when the node closes. Writes are synchronous
 * on purpose: desired configs change rarely and a burst shares one write, and a single writer
 * means an older snapshot can never be renamed over a newer one.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { validateMessage, type Config } from '../protocol';
import type { FieldIssue } from '../protocol/errors';

export const STORE_VERSION = 1;
/** How long after a change the file is written (changes in a burst, e.g. a rollout, share one write). */
export const SAVE_DELAY_MS = 100;

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

  /** Reads the file; a missing file is an empty store, bad entries are skipped and reported, never fatal. */
  load(): { loaded: number; issues: FieldIssue[] } {
    this.byCamera.clear();
    const issues: FieldIssue[] = [];
    if (!this.file || !existsSync(this.file)) return { loaded: 0, issues };
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch (err) {
      issues.push({ path: '(file)', message: `is not readable JSON (${(err as Error).message})` });
      return { loaded: 0, issues };
    }
    const configs = (data as { configs?: unknown } | null)?.configs;
    if (!Array.isArray(configs)) {
      issues.push({ path: 'configs', message: 'is missing or not a list' });
      return { loaded: 0, issues };
    }
    let loaded = 0;
    configs.forEach((item, i) => {
      // The whole inbound check (forbidden keys, depth, NaN), not the schema alone: a hand-edited
      // entry that loads must also be publishable when a camera asks for it.
      const result = validateMessage('configUpdate', item);
      if (!result.ok) {
        const issue = result.error.issues[0]!;
        issues.push({ path: `configs[${i}].${issue.path}`, message: issue.message });
        return;
      }
      this.put(result.value);
      loaded++;
    });
    return { loaded, issues };
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
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, this.serialise());
    renameSync(tmp, this.file);
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
    return JSON.stringify({ version: STORE_VERSION, configs: this.all() }, null, 1) + '\n';
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
