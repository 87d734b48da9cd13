/**
 * Keeps lpr-detection-in's dedupe window across a runtime restart, so that a camera resend whose
 * first copy the old runtime already emitted (and whose ack was lost) is not emitted twice.
 *
 * An append-only file of `<ms>\t<key>` lines: appending costs one buffered line per detection,
 * where rewriting the whole window (up to 100k ids) every few seconds would not. The file is
 * rewritten from the live window on start, on close and when it has grown to twice the window,
 * through a temporary file and a rename so a crash mid-write leaves the old file. A crash loses at
 * most the last flush interval of ids; the camera side still loses nothing, it may see a duplicate.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from './files';

const FLUSH_MS = 1000;
/** A key is `<camera id>/<message id>`: both bounded by the protocol, so a longer line is not ours. */
const MAX_LINE = 512;

export interface JournalLoad {
  entries: Array<[string, number]>;
  /** Lines that were not `<ms>\t<key>`: skipped, and reported by the caller. */
  skipped: number;
}

export class DedupeJournal {
  private fd: number | null = null;
  private pending: string[] = [];
  private timer: NodeJS.Timeout | null = null;
  private lines = 0;

  constructor(
    readonly file: string,
    /** Rewrite once the file holds this many lines (twice the window's capacity). */
    private readonly compactAfter: number,
    /** The live window, oldest first: what a rewrite writes. */
    private readonly window: () => ReadonlyArray<readonly [string, number]>,
    private readonly onError: (err: Error) => void,
  ) {}

  /** What the last runtime saved; an absent file is an empty journal. */
  load(): JournalLoad {
    if (!existsSync(this.file)) return { entries: [], skipped: 0 };
    const entries: Array<[string, number]> = [];
    let skipped = 0;
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      if (line === '') continue;
      const tab = line.indexOf('\t');
      const at = Number(line.slice(0, tab));
      const key = line.slice(tab + 1);
      if (tab <= 0 || line.length > MAX_LINE || !Number.isSafeInteger(at) || key === '' || key.includes('\t')) {
        skipped++;
        continue;
      }
      entries.push([key, at]);
    }
    return { entries, skipped };
  }

  /** Records a newly seen key; written within FLUSH_MS. */
  append(key: string, at: number): void {
    this.pending.push(`${at}\t${key}\n`);
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS);
      this.timer.unref?.();
    }
  }

  /** Replaces the file with the live window and appends from there. */
  rewrite(): void {
    this.pending = [];
    const entries = this.window();
    try {
      this.closeFd();
      writeFileAtomicSync(this.file, entries.map(([key, at]) => `${at}\t${key}\n`).join(''));
      this.lines = entries.length;
    } catch (err) {
      this.onError(err as Error);
    }
  }

  /** Writes what is pending, or rewrites the file once it has grown past `compactAfter` lines. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.lines + this.pending.length > this.compactAfter) return this.rewrite();
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.lines += this.pending.length;
    this.pending = [];
    try {
      if (this.fd === null) {
        mkdirSync(path.dirname(this.file), { recursive: true });
        this.fd = openSync(this.file, 'a');
      }
      writeSync(this.fd, text);
    } catch (err) {
      this.onError(err as Error);
    }
  }

  /** Final rewrite from the live window; nothing is written after this. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.rewrite();
    this.closeFd();
  }

  /** Stops and deletes the file (the node was deleted: nothing will read it again). */
  discard(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = [];
    this.closeFd();
    rmSync(this.file, { force: true });
  }

  private closeFd(): void {
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch {
      // Already closed: nothing to release.
    }
    this.fd = null;
  }
}
