/**
 * The edge's copy of the watch list (`lpr-camera` with `matchAtEdge`): built from the same
 * BlacklistUpdates the camera receives, matched with the server's own BlacklistIndex (through
 * BlacklistStore, which also persists it atomically), so a checkpoint matches while its link is down.
 *
 * Bounded: at most `maxEntries` entries. Policy: the most urgent are kept, by priority (critical,
 * high, medium, low, none). A `replace` keeps the first `maxEntries` in that order (ties: list
 * order); an `add` that overfills the list leaves out the least urgent of old and new together
 * (ties: the new ones go first, so a full list does not churn), so a critical entry never waits
 * behind a low one. Every entry left out is counted in `metrics.overLimit` and reported (the
 * operator raises `maxEntries`). A `remove` always applies. While an `add` is applied the list may
 * hold that update's entries over the bound, for that call only.
 *
 * `apply(update)` is the one entry point: chunked snapshots with revisions plug in there (see
 * the note on `apply`). Pure: no Node-RED, no MQTT.
 */
import type { BlacklistEntry, BlacklistUpdate } from '../protocol';
import { DEFAULT_MATCH_OPTIONS, type MatchOptions, type MatchResult } from '../blacklist/index';
import { SnapshotAssembler } from '../blacklist/snapshot';
import { BlacklistStore, type ApplyResult } from '../blacklist/store';

export const DEFAULT_EDGE_MAX_ENTRIES = 200_000;

const PRIORITY_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3 };
const rank = (e: BlacklistEntry): number => PRIORITY_RANK[e.priority ?? ''] ?? 4;
const identity = (e: BlacklistEntry): string => `${e.plate_number}\u0000${e.province ?? ''}\u0000${e.list ?? ''}`;

export interface EdgeListOptions {
  maxEntries: number;
  /** The list file (NDJSON, written atomically a second after a change); null = memory only. */
  file: string | null;
  match?: MatchOptions;
  timeZone?: string;
  onSaveError?: (err: Error) => void;
}

export interface EdgeListMetrics {
  /** Updates applied. */
  updates: number;
  /** Entries left out because the list was full (see the policy above). */
  overLimit: number;
  /** Lines of the list file that could not be read at start. */
  unreadable: number;
}

export interface EdgeApplyResult extends ApplyResult {
  /** False for a snapshot chunk while the rest of its snapshot has not come yet (nothing applied). */
  complete: boolean;
  /** Entries of this update left out by the bound. */
  overLimit: number;
}

export class EdgeList {
  readonly metrics: EdgeListMetrics = { updates: 0, overLimit: 0, unreadable: 0 };
  private readonly store: BlacklistStore;
  private readonly matchOptions: MatchOptions;
  /** Snapshot chunks held until their snapshot is whole. */
  private readonly assembler = new SnapshotAssembler();

  constructor(private readonly options: EdgeListOptions) {
    if (!(Number.isInteger(options.maxEntries) && options.maxEntries >= 1)) throw new RangeError('maxEntries must be a whole number of at least 1');
    this.store = new BlacklistStore([], options.file, options.onSaveError ?? (() => {}), { timeZone: options.timeZone ?? 'UTC' });
    this.matchOptions = options.match ?? DEFAULT_MATCH_OPTIONS;
  }

  get size(): number {
    return this.store.size;
  }

  /** Reads the list kept on disk (the copy matched until the server answers after a restart). */
  load(): { loaded: number } {
    const { loaded, issues } = this.store.load();
    this.metrics.unreadable = issues.length;
    // A lowered maxEntries applies to what was kept too.
    if (this.store.size > this.options.maxEntries) this.apply({ action: 'replace', entries: this.store.snapshot() });
    return { loaded };
  }

  /**
   * Applies a validated update within the bound. A snapshot chunk is held until its snapshot is
   * whole (one per sender, list and topic: the server's answer to our request comes in chunks);
   * the whole snapshot is then merged: its entries added, its tombstones (`deleted`) removed. The
   * edge trusts the server's order: per-entry revisions are kept with the entries, not compared.
   */
  apply(update: Pick<BlacklistUpdate, 'action' | 'entries'> & Partial<Pick<BlacklistUpdate, 'snapshot' | 'origin'>>, topic = ''): EdgeApplyResult {
    if (update.action === 'snapshot') {
      const unchanged: EdgeApplyResult = { action: 'add', added: 0, removed: 0, total: this.store.size, overLimit: 0, complete: false };
      if (!update.snapshot) return unchanged;
      const held = this.assembler.add(`${update.origin ?? ''}|${update.snapshot.list ?? ''}|${topic}`, update.snapshot, update.entries);
      if (held.status !== 'complete') return unchanged;
      const gone = held.entries.filter((e) => e.deleted === true);
      const removed = gone.length > 0 ? this.store.apply('remove', gone).removed : 0;
      const merged = this.apply({ action: 'add', entries: held.entries.filter((e) => e.deleted !== true) });
      return { ...merged, removed: merged.removed + removed };
    }
    return this.applyWithin(update.action, update.entries);
  }

  private applyWithin(action: Exclude<BlacklistUpdate['action'], 'snapshot'>, updateEntries: BlacklistEntry[]): EdgeApplyResult {
    const max = this.options.maxEntries;
    let entries = updateEntries;
    let overLimit = 0;
    if (action === 'replace' && entries.length > max) {
      const ordered = entries.map((e, i) => ({ e, i })).sort((a, b) => rank(a.e) - rank(b.e) || a.i - b.i);
      entries = ordered.slice(0, max).map((x) => x.e);
      overLimit = updateEntries.length - entries.length;
    }
    let result = this.store.apply(action, entries);
    if (action === 'add' && this.store.size > max) {
      // Over the bound: leave out the least urgent of old and new together, the new ones first on a tie.
      const fresh = new Set(updateEntries.map(identity));
      const ordered = this.store
        .snapshot()
        .map((e, i) => ({ e, i, isNew: fresh.has(identity(e)) ? 1 : 0 }))
        .sort((a, b) => rank(a.e) - rank(b.e) || a.isNew - b.isNew || a.i - b.i);
      const before = this.store.size;
      const out = ordered.slice(max).map(({ e }) => ({ plate_number: e.plate_number, ...(e.province !== undefined ? { province: e.province } : {}), ...(e.list !== undefined ? { list: e.list } : {}) }));
      this.store.apply('remove', out);
      overLimit = before - this.store.size;
      result = { ...result, added: result.added - overLimit, total: this.store.size };
    }
    this.metrics.updates++;
    this.metrics.overLimit += overLimit;
    return { ...result, overLimit, complete: true };
  }

  /** The best entry `plate` (and `province`) matches, or null. */
  match(plate: string, province: string | null | undefined, now: number = Date.now()): MatchResult | null {
    return this.store.index.match(plate, province, this.matchOptions, now);
  }

  entries(): BlacklistEntry[] {
    return this.store.snapshot();
  }

  /** Writes what is pending to the file now (on close). */
  close(): void {
    try {
      this.store.flushSync();
    } catch (err) {
      this.options.onSaveError?.(err as Error);
    }
  }
}
