/**
 * Watch lists as CSV, for import and export from a flow. Columns are the entry's wire fields;
 * a header row is required on import (any order, unknown columns ignored).
 */
import { parse } from 'csv-parse/sync';
import { BlacklistEntry } from '../protocol';
import { formatPath, type FieldIssue } from '../protocol/errors';

export const CSV_COLUMNS = ['plate_number', 'province', 'country', 'reason', 'priority', 'list', 'expires_at'] as const;

export interface CsvImport {
  entries: BlacklistEntry[];
  /** One issue per bad row: `path` is `line N: field`. A file with any bad row imports nothing. */
  issues: FieldIssue[];
}

export const MAX_CSV_BYTES = 256 * 1024 * 1024;

export function parseCsv(text: string): CsvImport {
  if (Buffer.byteLength(text) > MAX_CSV_BYTES) return { entries: [], issues: [{ path: '(csv)', message: `is over ${MAX_CSV_BYTES} bytes` }] };
  if (text.trim() === '') return { entries: [], issues: [{ path: '(csv)', message: 'is empty: a header row is required' }] };
  let header: string[] = [];
  let rows: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    rows = parse(text, {
      columns: (names: string[]) => (header = names.map((h) => h.trim().toLowerCase())),
      skip_empty_lines: true,
      trim: true,
      bom: true,
      relax_column_count: true,
      info: true,
    });
  } catch (err) {
    return { entries: [], issues: [{ path: '(csv)', message: (err as Error).message }] };
  }
  if (!header.includes('plate_number')) return { entries: [], issues: [{ path: 'line 1', message: 'the header has no plate_number column' }] };
  const entries: BlacklistEntry[] = [];
  const issues: FieldIssue[] = [];
  rows.forEach(({ record: row, info }) => {
    const candidate: Record<string, string> = {};
    for (const column of CSV_COLUMNS) {
      const value = row[column];
      if (value !== undefined && value !== '') candidate[column] = value;
    }
    const result = BlacklistEntry.safeParse(candidate);
    // The physical line the record ends on, the header being line 1 (a quoted cell may span lines).
    if (result.success) entries.push(result.data);
    else for (const issue of result.error.issues.slice(0, 3)) issues.push({ path: `line ${info.lines}: ${formatPath(issue.path)}`, message: issue.message });
  });
  return { entries, issues };
}

/** Neutralises cells a spreadsheet would run as a formula (=, +, -, @, tab, CR), then quotes as RFC 4180 needs. */
function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(entries: readonly BlacklistEntry[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const entry of entries) lines.push(CSV_COLUMNS.map((c) => cell(entry[c])).join(','));
  return lines.join('\n') + '\n';
}
