/** Printing a result table and keeping its JSON in bench/results/. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function machine(): Record<string, unknown> {
  return { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, totalMemGiB: Math.round(os.totalmem() / 2 ** 30) };
}

/** The commit measured, and the source files that differed from it (the build measured includes them). */
export function source(): Record<string, unknown> {
  try {
    const cwd = path.resolve(__dirname, '../..');
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { cwd, encoding: 'utf8' }).split('\n').filter(Boolean).map((l) => l.slice(3));
    return { commit, dirtySrc: dirty };
  } catch {
    return {};
  }
}

export function printTable(title: string, rows: Array<Record<string, string | number>>): void {
  const cols = Object.keys(rows[0] ?? {});
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(width[i]!)).join(' | ') + ' |';
  console.log(`\n${title}\n`);
  console.log(line(cols));
  console.log('|' + width.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of rows) console.log(line(cols.map((c) => String(r[c]))));
  console.log('');
}

export function saveResult(name: string, data: unknown): string {
  const dir = path.resolve(__dirname, '../results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ name, machine: machine(), source: source(), ...((data as object) ?? {}) }, null, 2));
  return file;
}
