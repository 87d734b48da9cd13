#!/usr/bin/env node
/**
 * Renders the README's reliability table (markdown, on stdout) from the figures the matrix rows
 * wrote to test/reliability/results/<row>.json (test/reliability/matrix.test.ts), in the matrix's
 * order, with the command that produced them.
 *
 *   node scripts/reliability-table.mjs [results dir]
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = process.argv[2] ?? path.join(root, 'test/reliability/results');
if (!existsSync(dir)) {
  console.error(`no results in ${dir}: run npm run reliability first`);
  process.exit(1);
}
const results = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')))
  .sort((a, b) => a.index - b.index);

const n = (v) => (typeof v === 'number' && Number.isFinite(v) ? v.toLocaleString('en-US') : '–');
const bold0 = (v) => (v === 0 ? '**0**' : n(v));
const perNode = (r) => (r.perNode.length > 1 ? ` (${r.perNode.map((p) => `${p.node}: ${n(p.lost)}`).join(', ')})` : '');
const perNodeDup = (r) => (r.perNode.length > 1 ? ` (${r.perNode.map((p) => `${p.node}: ${n(p.duplicates)}`).join(', ')})` : '');
// The failure's first clause (the JSON keeps all of it).
const verdict = (r) => (r.passed ? 'pass' : `**fail**: ${(r.failure ?? '').replace(/ \(.*$/, '')}`.replace(/\|/g, '\\|'));

const lines = [
  '| operation (10,000 detections each) | lost | duplicated | false state changes | camera resends | stream time | result |',
  '|---|---|---|---|---|---|---|',
  ...results.map((r) =>
    [
      '',
      r.operation + (r.atLeastOnce ? ' ¹' : ''),
      bold0(r.lost) + perNode(r),
      bold0(r.duplicated) + perNodeDup(r),
      bold0(r.falseStateChanges),
      n(r.resends),
      Number.isFinite(r.seconds) ? `${r.seconds.toFixed(1)} s` : '–',
      verdict(r),
      '',
    ]
      .join(' | ')
      .trim(),
  ),
];
const footnotes = [...new Set(results.filter((r) => r.atLeastOnce).map((r) => `¹ At least once by design: ${r.atLeastOnce}.`))];
const commits = [...new Set(results.map((r) => r.commit))].join(', ');
const dates = results.map((r) => r.date).sort();
console.log(lines.join('\n'));
if (footnotes.length) console.log('\n' + footnotes.join('\n'));
console.log(
  `\nProduced by \`npm run reliability; npm run reliability:table\` (one row: \`${(results[0]?.command ?? '').replace(/'matrix [^:']+:'/, "'matrix <row id>:'")}\`),` +
    ` commit ${commits}, ${dates[0]?.slice(0, 16).replace('T', ' ')}–${dates.at(-1)?.slice(11, 16)} UTC.`,
);
