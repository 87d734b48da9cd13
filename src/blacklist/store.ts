/**
 * The live watch list behind an `lpr-blacklist` config node: entries from the editor (fixed) plus
 * entries that arrive over MQTT or from a flow (dynamic, persisted as NDJSON so a restart keeps
 * them). The index always holds both; an update never removes an editor entry.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BlacklistEntry, inspectData } from '../protocol';
import { formatPath, type FieldIssue } from '../protocol/errors';
import { BlacklistIndex } from './index';
import { normalizePlate } from './normalize';
import { isPatternPlate, patternKey } from './pattern';
import { provinceCode } from './provinces';

export type UpdateAction = 'add' | 'remove' | 'replace';

export interface ApplyResult {
  action: UpdateAction;
  added: number;
  removed: number;
  total: number;
}

type Removal = Pick<BlacklistEntry, 'plate_number' | 'province' | 'list'>;

/** The key the index files an entry under: a pattern's own key, else the normalized plate. */
export function entryKey(plate: string): string {
  return isPatternPlate(plate) ? patternKey(plate) : normalizePlate(plate);
}

/** Whether `candidate` is one of the entries a removal names: same plate key, and province and list when given. */
export function covers(removal: Removal, candidate: BlacklistEntry): boolean {
  if (entryKey(removal.plate_number) !== entryKey(candidate.plate_number)) return false;
  if (removal.province !== undefined && provinceCode(removal.province) !== provinceCode(candidate.province)) return false;
  if (removal.list !== undefined && removal.list !== candidate.list) return false;
  return true;
}

export class BlacklistStore {
  readonly index: BlacklistIndex;
  /** Dynamic entries by normalized plate key. */
  private dynamic = new Map<string, BlacklistEntry[]>();
  private writeTimer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  /**
   * Each change is a generation; the file holds `savedGeneration`. A save renames its file into
   * place only if it is newer than what is there, so a slow save of an older list never lands over
   * the final flush's newer one.
   */
  private generation = 0;
  private savedGeneration = 0;
  private tmpCounter = 0;

  constructor(
    private readonly staticEntries: readonly BlacklistEntry[],
    private readonly file: string | null,
    private readonly onSaveError: (err: Error) => void = () => {},
    /** `timeZone`: the site time zone a zone-less `expires_at` is read in; `saveDelayMs`: how long changes gather before a save. */
    private readonly options: { timeZone?: string; saveDelayMs?: number } = {},
  ) {
    this.index = new BlacklistIndex({ timeZone: options.timeZone ?? 'UTC' });
  }

  get size(): number {
    return this.index.size;
  }

  /** Reads the persisted entries; bad lines are skipped and reported, never fatal. */
  load(): { loaded: number; issues: FieldIssue[]; tombstones: BlacklistEntry[] } {
    const issues: FieldIssue[] = [];
    const loaded: BlacklistEntry[] = [];
    const tombstones: BlacklistEntry[] = [];
    if (this.file && existsSync(this.file)) {
      const lines = readFileSync(this.file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (line.trim() === '') return;
        let data: unknown;
        try {
          data = JSON.parse(line);
        } catch {
          issues.push({ path: `line ${i + 1}`, message: 'is not JSON' });
          return;
        }
        // A hand-edited line with a forbidden key would load, then make every publish of the list fail.
        const unsafe = inspectData(data);
        if (unsafe) {
          issues.push({ path: `line ${i + 1}: ${unsafe.issues[0]!.path}`, message: unsafe.issues[0]!.message });
          return;
        }
        const result = BlacklistEntry.safeParse(data);
        if (result.success) (result.data.deleted ? tombstones : loaded).push(result.data);
        else issues.push({ path: `line ${i + 1}: ${formatPath(result.error.issues[0]!.path)}`, message: result.error.issues[0]!.message });
      });
    }
    this.dynamic = new Map();
    for (const entry of loaded) this.remember(entry);
    this.index.replace([...this.staticEntries, ...loaded]);
    return { loaded: loaded.length, issues, tombstones };
  }

  /** Applies a validated update and schedules a save. */
  apply(action: UpdateAction, entries: BlacklistEntry[]): ApplyResult {
    let added = 0;
    let removed = 0;
    if (action === 'replace') {
      removed = this.dynamicCount();
      this.dynamic = new Map();
      for (const entry of entries) this.remember(entry);
      this.index.replace([...this.staticEntries, ...this.dynamicEntries()]);
      added = entries.length;
    } else if (action === 'add') {
      for (const entry of entries) this.remember(entry);
      added = this.index.add(entries);
    } else {
      for (const removal of entries) {
        const key = entryKey(removal.plate_number);
        const list = this.dynamic.get(key);
        if (!list) continue;
        const kept = list.filter((e) => !covers(removal, e));
        removed += list.length - kept.length;
        if (kept.length) this.dynamic.set(key, kept);
        else this.dynamic.delete(key);
      }
      this.index.remove(entries);
      // Editor entries are not the network's to remove: put back any the removal covered.
      const protectedEntries = this.staticEntries.filter((s) => entries.some((r) => covers(r, s)));
      if (protectedEntries.length) this.index.add(protectedEntries);
    }
    this.scheduleSave();
    return { action, added, removed, total: this.index.size };
  }

  /**
   * Applies writes decided elsewhere (revision merge): `upserts` added or replacing the entry of the
   * same plate, province and list; `removals` remove exactly that plate, province and list (not every
   * province, as a `remove` naming none does). Editor entries stay.
   */
  applyExact(upserts: BlacklistEntry[], removals: BlacklistEntry[]): ApplyResult {
    let removed = 0;
    const same = (a: BlacklistEntry, b: BlacklistEntry) => entryKey(a.plate_number) === entryKey(b.plate_number) && provinceCode(a.province) === provinceCode(b.province) && a.list === b.list;
    const survivors: BlacklistEntry[] = [];
    for (const r of removals) {
      const key = entryKey(r.plate_number);
      const list = this.dynamic.get(key);
      if (!list) continue;
      const kept = list.filter((e) => !same(r, e));
      removed += list.length - kept.length;
      if (kept.length === list.length) continue;
      if (kept.length) this.dynamic.set(key, kept);
      else this.dynamic.delete(key);
      // The index removes by plate (and province and list when given): put back what shares the plate.
      this.index.remove([{ plate_number: r.plate_number, province: r.province, list: r.list }]);
      survivors.push(...kept, ...this.staticEntries.filter((s) => entryKey(s.plate_number) === key));
    }
    if (survivors.length) this.index.add(survivors);
    for (const entry of upserts) this.remember(entry);
    const added = upserts.length ? this.index.add(upserts) : 0;
    if (upserts.length || removals.length) this.scheduleSave();
    return { action: 'add', added, removed, total: this.index.size };
  }

  /** The dynamic entries as stored (with their revisions), to rebuild a replica after load. */
  dynamicSnapshot(): BlacklistEntry[] {
    return this.dynamicEntries();
  }

  /** Every live entry (editor and dynamic), for a `replace` answer or a CSV export. */
  snapshot(): BlacklistEntry[] {
    return this.index.entries();
  }

  purgeExpired(now: number): number {
    const purged = this.index.purgeExpired(now);
    if (purged > 0) {
      for (const [key, list] of this.dynamic) {
        const kept = list.filter((e) => this.index.expiryOf(e) > now);
        if (kept.length === list.length) continue;
        if (kept.length) this.dynamic.set(key, kept);
        else this.dynamic.delete(key);
      }
      this.scheduleSave();
    }
    return purged;
  }

  /** Writes pending changes now (on close), synchronously so a redeploy cannot lose them. */
  flushSync(): void {
    if (this.writeTimer) clearTimeout(this.writeTimer);
    this.writeTimer = null;
    if (!this.file || this.savedGeneration >= this.generation) return;
    const tmp = this.tmpName();
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      writeFileSync(tmp, this.serialise());
      renameSync(tmp, this.file);
    } catch (err) {
      removeQuietly(tmp);
      throw err;
    }
    this.savedGeneration = this.generation;
  }

  /** Resolves once every scheduled save has reached the disk. */
  async flush(): Promise<void> {
    // A failing synchronous save still waits for the write already under way (and its report).
    let failure: unknown = null;
    try {
      this.flushSync();
    } catch (err) {
      failure = err;
    }
    await this.writing;
    if (failure) throw failure;
  }

  private remember(entry: BlacklistEntry): void {
    const key = entryKey(entry.plate_number);
    const list = (this.dynamic.get(key) ?? []).filter(
      (e) => provinceCode(e.province) !== provinceCode(entry.province) || e.list !== entry.list,
    );
    list.push(entry);
    this.dynamic.set(key, list);
  }

  private dynamicEntries(): BlacklistEntry[] {
    return [...this.dynamic.values()].flat();
  }

  private dynamicCount(): number {
    let n = 0;
    for (const list of this.dynamic.values()) n += list.length;
    return n;
  }

  /** Lines saved after the entries (the replica's tombstones, `deleted: true`), read back by load(). */
  extraLines: () => BlacklistEntry[] = () => [];

  private serialise(): string {
    return [...this.dynamicEntries(), ...this.extraLines()]
      .map((e) => JSON.stringify(e) + '\n')
      .join('');
  }

  /** A temporary file of its own per write: two writes never share (and clobber) one. */
  private tmpName(): string {
    return `${this.file}.${process.pid}.${++this.tmpCounter}.tmp`;
  }

  private scheduleSave(): void {
    this.generation++;
    if (!this.file || this.writeTimer) return;
    this.writeTimer = setTimeout(() => {
      this.writeTimer = null;
      const file = this.file!;
      const generation = this.generation;
      const text = this.serialise();
      const tmp = this.tmpName();
      // Atomic: a crash mid-write leaves the previous file, never half of one.
      this.writing = this.writing
        .then(async () => {
          mkdirSync(path.dirname(file), { recursive: true });
          await writeFile(tmp, text);
          // Checked and renamed in one synchronous step: nothing newer can land in between.
          if (generation > this.savedGeneration) {
            renameSync(tmp, file);
            this.savedGeneration = generation;
          } else removeQuietly(tmp);
        })
        .catch((err: Error) => {
          removeQuietly(tmp);
          this.onSaveError(err);
        });
    }, this.options.saveDelayMs ?? 1000);
    this.writeTimer.unref?.();
  }
}

function removeQuietly(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch {
    // a leftover temporary file is harmless; the error that matters was already reported
  }
}
