/**
 * The edge's copy of the watch list (`lpr-camera` with `matchAtEdge`): built from the same
 * BlacklistUpdates the camera receives, matched with the server's own BlacklistIndex (through
 * BlacklistStore, which also persists it atomically), so a checkpoint matches while its link is down.
 *
 * Bounded: at most `maxEntries` entries. Policy: the most urgent are kept. A `replace` keeps the
 * first `maxEntries` by priority (critical, high, medium, low, none; ties in list order); an `add`
 * that does not fit takes only as many as there is room for, by the same order (an operator
 * raises `maxEntries` rather than lose a critical entry to a low one, so every entry left out is
 * counted in `metrics.overLimit` and reported). A `remove` always applies.
 *
 * `apply(update)` is the one entry point: chunked snapshots with revisions plug in there (see
 * the note on `apply`). Pure: no Node-RED, no MQTT.
 */
import type { BlacklistEntry, BlacklistUpdate } from '../protocol';
import { DEFAULT_MATCH_OPTIONS, type MatchOptions, type MatchResult } from '../blacklist/index';
import { BlacklistStore, type ApplyResult } from '../blacklist/store';

export const DEFAULT_EDGE_MAX_ENTRIES = 200_000;

const PRIORITY_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3 };
const rank = (e: BlacklistEntry): number => PRIORITY_RANK[e.priority ?? ''] ?? 4;

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
  /** Entries of this update left out by the bound. */
  overLimit: number;
}

export class EdgeList {
  readonly metrics: EdgeListMetrics = { updates: 0, overLimit: 0, unreadable: 0 };
  private readonly store: BlacklistStore;
  private readonly matchOptions: MatchOptions;

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
   * Applies a validated update (add / remove / replace) within the bound. Snapshots (chunked, with a
   * revision) plug in here: gather the chunks elsewhere, then call `apply({action: 'replace',
   * entries})` once all are held (the replace is atomic for the matcher: one index rebuild); keep
   * the last applied revision beside the list file and ignore updates older than it.
   */
  apply(update: Pick<BlacklistUpdate, 'action' | 'entries'>): EdgeApplyResult {
    let entries = update.entries;
    let overLimit = 0;
    if (update.action !== 'remove') {
      const room = update.action === 'replace' ? this.options.maxEntries : Math.max(0, this.options.maxEntries - this.store.size);
      if (entries.length > room) {
        const ordered = entries.map((e, i) => ({ e, i })).sort((a, b) => rank(a.e) - rank(b.e) || a.i - b.i);
        entries = ordered.slice(0, room).map((x) => x.e);
        overLimit = update.entries.length - entries.length;
      }
    }
    const result = this.store.apply(update.action, entries);
    this.metrics.updates++;
    this.metrics.overLimit += overLimit;
    return { ...result, overLimit };
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
