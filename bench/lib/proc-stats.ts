/** CPU time and resident memory of another process, from /proc (Linux). */
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export interface ProcSample {
  at: number;
  /** The whole process: every thread. */
  cpuSeconds: number;
  /**
   * The main thread alone (its task id is the pid): JavaScript and the GC's pauses. The rest is the
   * other threads', in a Node.js process mostly V8's concurrent and parallel GC helpers.
   */
  mainCpuSeconds: number;
  rssBytes: number;
}

/** utime + stime of a /proc stat line, in seconds. */
function statCpuSeconds(file: string): number {
  const stat = readFileSync(file, 'utf8');
  // Fields after the command name, which may hold spaces and is wrapped in parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

export function sample(pid: number): ProcSample {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { at: performance.now(), cpuSeconds: statCpuSeconds(`/proc/${pid}/stat`), mainCpuSeconds: statCpuSeconds(`/proc/${pid}/task/${pid}/stat`), rssBytes: rssKb * 1024 };
}

/** Share of one core used between two samples (1 = one full core). */
export function cpuShare(a: ProcSample, b: ProcSample): number {
  return (b.cpuSeconds - a.cpuSeconds) / ((b.at - a.at) / 1000);
}
