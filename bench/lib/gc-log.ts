/**
 * A Node-RED's garbage collections in a window, from `bench/tools/gc-log-preload.cjs`'s log: how long
 * the young collections took and how fast the old generation grew. Two states show in the growth
 * bench at 1,000 camera ids (docs/performance.md, "The seventh pass"): young collections ~15 ms/s and
 * the old generation ~2-3 MB/s, or ~30 ms/s and ~6 MB/s once V8 has pretenured a literal that holds
 * each message. Also a command: the last `--seconds` (20) before the last 2 s of each log given,
 *   node --import tsx bench/lib/gc-log.ts [--seconds 20] /tmp/gc/gc-*.tsv
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const GC_LOG_PRELOAD = path.resolve(__dirname, '../tools/gc-log-preload.cjs');

export interface GcWindow {
  seconds: number;
  /** Young (minor) collections, and their time per second of the window. */
  minor: number;
  minorMsPerSec: number;
  /** Full (major) collections in the window. */
  major: number;
  /** How fast the old generation grew, MB/s (negative when a full collection shrank it). */
  oldMBPerSec: number;
  /** The young generation's size (MB) over the window, smallest and largest (NaN in logs without it). */
  youngMinMB: number;
  youngMaxMB: number;
}

/** The node options that make a Node-RED write its log into `dir`. */
export function gcLogArgs(dir: string): { nodeArgs: string[]; env: Record<string, string> } {
  return { nodeArgs: ['--require', GC_LOG_PRELOAD], env: { LPR_GC_DIR: dir } };
}

/** The log's lines, split into fields. */
function readGcLog(file: string): string[][] {
  return readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split('\t'));
}

/** The window [fromMs, toMs] (epoch ms) of the log `file`; null with under 2 s of samples in it. */
export function gcWindow(file: string, fromMs: number, toMs: number): GcWindow | null {
  return windowOf(readGcLog(file), fromMs, toMs);
}

function windowOf(rows: string[][], fromMs: number, toMs: number): GcWindow | null {
  let minor = 0;
  let minorMs = 0;
  let major = 0;
  const heaps: Array<{ t: number; old: number; young: number }> = [];
  for (const [time, kind, value, spaces] of rows) {
    const t = Number(time);
    if (!(t >= fromMs && t <= toMs)) continue;
    if (kind === 'heap') heaps.push({ t, old: Number(/old_space=([\d.]+)/.exec(spaces ?? '')?.[1]), young: Number(/new_capacity=([\d.]+)/.exec(spaces ?? '')?.[1]) });
    else if (kind === 'minor') (minor++, (minorMs += Number(value)));
    else if (kind === 'major') major++;
  }
  const a = heaps[0];
  const b = heaps[heaps.length - 1];
  if (!a || !b || b.t - a.t < 2000) return null;
  const seconds = (b.t - a.t) / 1000;
  const young = heaps.map((h) => h.young);
  return { seconds, minor, minorMsPerSec: minorMs / seconds, major, oldMBPerSec: (b.old - a.old) / seconds, youngMinMB: Math.min(...young), youngMaxMB: Math.max(...young) };
}

/** The young generation's size over a window, as text: "16.8 MB", or "8.4-16.8 MB" when it changed. */
export function youngSize(w: GcWindow): string {
  if (Number.isNaN(w.youngMinMB)) return 'size not logged';
  return w.youngMinMB === w.youngMaxMB ? `${w.youngMaxMB.toFixed(1)} MB` : `${w.youngMinMB.toFixed(1)}-${w.youngMaxMB.toFixed(1)} MB`;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const seconds = args[0] === '--seconds' ? Number(args.splice(0, 2)[1]) : 20;
  if (!args.length || !(seconds > 0)) throw new Error('usage: gc-log.ts [--seconds 20] gc-<pid>.tsv ...');
  for (const file of args) {
    const rows = readGcLog(file);
    const end = Math.max(...rows.map((r) => Number(r[0]))) - 2000;
    const w = windowOf(rows, end - seconds * 1000, end);
    console.log(
      w
        ? `${path.basename(file)}: ${w.seconds.toFixed(0)} s: ${w.minor} young collections, ${w.minorMsPerSec.toFixed(1)} ms/s, young generation ${youngSize(w)}; ${w.major} full; old generation ${w.oldMBPerSec.toFixed(1)} MB/s`
        : `${path.basename(file)}: under 2 s of samples in the window`,
    );
  }
}
