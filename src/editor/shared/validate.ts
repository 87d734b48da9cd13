/**
 * Editor-side validation helpers shared by the node dialogs (bundled into each dist/<type>.html).
 *
 * Every validator takes two arguments `(value, opt)`: Node-RED (>= 3) only shows a returned
 * string as the reason when the function's `length` is 2. They return `true` or a message.
 * Values arrive as strings from the dialog (or numbers from defaults / imported flows).
 *
 * The identifier and topic-root rules come from src/protocol/identifiers.ts (pure, no imports), so
 * the dialog rejects exactly what the runtime would.
 */
import { identifierProblem, rootProblem } from '../../protocol/identifiers';
import { isTimeZone, isTimestamp, readTimestamp } from '../../protocol/timestamp';

export type ValidatorResult = true | string;
export type Validator = (this: any, value: unknown, opt?: { label?: string }) => ValidatorResult;

/** The MQTT URL schemes the broker field accepts. */
export const BROKER_URL_SCHEMES = ['mqtt', 'mqtts', 'ws', 'wss'] as const;

const URL_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(\[[0-9A-Fa-f:.]+\]|[^/:?#\s[\]@]*)(?::(\d*))?([/?#][^\s]*)?$/;
/** Host names as Docker/compose and DNS use them (letters, digits, `_`, `.`, `-`), IPv4, or IPv6 (bare or in brackets). */
const HOST_RE = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})$|^\[?[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*\]?$/;

/** A dialog value as trimmed text ('' for none). */
export function str(value: unknown): string {
  return value === undefined || value === null ? '' : String(value).trim();
}

/** `Label: ` for a validator's message, when Node-RED passes the property's label. */
export function prefix(opt: { label?: string } | undefined): string {
  return opt && opt.label ? `${opt.label}: ` : '';
}

/** The parts of `mqtt[s]://` / `ws[s]://` URL typed in the broker field, or null when it is no URL. */
export function parseBrokerUrl(broker: unknown): { scheme: string; host: string; port: string; rest: string } | null {
  const m = URL_RE.exec(str(broker));
  if (!m) return null;
  return { scheme: (m[1] ?? '').toLowerCase(), host: m[2] ?? '', port: m[3] ?? '', rest: m[4] ?? '' };
}

/**
 * True when the broker field carries a user name or password (`mqtt://user:pw@host` or
 * `user:pw@host`): they would show wherever the URL is shown (labels, logs); they belong in the
 * Security section's credential fields.
 */
export function brokerHasCredentials(broker: unknown): boolean {
  return /^[^/?#]*@/.test(authorityOf(str(broker)));
}

/** The broker field with any user name and password replaced by `***`, for labels. */
export function redactBroker(broker: unknown): string {
  const value = str(broker);
  if (!brokerHasCredentials(value)) return value;
  const at = value.indexOf('://');
  const start = at >= 0 ? at + 3 : 0;
  return value.slice(0, start) + authorityOf(value).replace(/^[^/?#]*@/, '***@');
}

function authorityOf(value: string): string {
  const at = value.indexOf('://');
  return at >= 0 ? value.slice(at + 3) : value;
}

/** True when the broker field holds a URL (`scheme://...`) rather than a host name. */
export function isBrokerUrl(broker: unknown): boolean {
  return str(broker).includes('://');
}

/**
 * The port a broker URL implies without the port field, or null when the port field is used.
 * Mirrors src/runtime/broker-settings.ts: the port field fills in only `mqtt://`/`mqtts://` URLs
 * without a port (and plain host names); `ws://`/`wss://` URLs without a port use 80/443.
 */
export function brokerUrlPort(broker: unknown): string | null {
  const url = parseBrokerUrl(broker);
  if (!url) return null;
  if (url.port !== '') return url.port;
  if (url.scheme === 'ws') return '80';
  if (url.scheme === 'wss') return '443';
  return null;
}

export const CREDENTIALS_PROBLEM = 'holds a user name or password: put them in the Security section (Username, Password), not here, or they show in labels, logs and metrics';

/**
 * True for `${VAR}` as the whole value: Node-RED replaces it with the environment variable when the
 * flows start (node properties and credentials alike), so the runtime checks the real value.
 */
export function isEnvReference(value: unknown): boolean {
  return typeof value === 'string' && /^\$\{\S+\}$/.test(value.trim());
}

/** Why `broker` (host name, IP or mqtt/mqtts/ws/wss URL) is unusable, or null. */
export function brokerProblem(broker: unknown): string | null {
  const value = str(broker);
  if (value === '') return 'required: a host name, IP address or mqtt://, mqtts://, ws://, wss:// URL';
  if (isEnvReference(value)) return null;
  if (brokerHasCredentials(value)) return CREDENTIALS_PROBLEM;
  if (isBrokerUrl(value)) {
    const url = parseBrokerUrl(value);
    if (!url) return 'not a valid URL (expected e.g. mqtt://broker.example.com:1883)';
    if (!(BROKER_URL_SCHEMES as readonly string[]).includes(url.scheme)) {
      return `unsupported scheme "${url.scheme}://" (use mqtt://, mqtts://, ws:// or wss://)`;
    }
    if (url.host === '') return 'the URL has no host';
    if (url.port !== '' && portProblem(url.port) !== null) return `port in URL ${portProblem(url.port)}`;
    return null;
  }
  if (/\s/.test(value)) return 'must not contain spaces';
  if (!HOST_RE.test(value)) return 'not a valid host name or IP address (or use a mqtt://... URL)';
  return null;
}

/** Why `port` is not a TCP port 1-65535, or null. */
export function portProblem(port: unknown): string | null {
  const value = str(port);
  if (isEnvReference(value)) return null;
  if (!/^\d+$/.test(value)) return 'must be a whole number 1-65535';
  const n = Number(value);
  if (n < 1 || n > 65535) return 'must be 1-65535';
  return null;
}

/** Label text for a broker config node: name, or host:port, or the URL (with the port field when the URL names none). */
export function brokerLabel(name: unknown, broker: unknown, port: unknown): string {
  const n = str(name);
  if (n) return n;
  const b = redactBroker(broker) || 'localhost';
  const url = parseBrokerUrl(b);
  if (url) return brokerUrlPort(b) !== null || !str(port) ? b : `${url.scheme}://${url.host}:${str(port)}${url.rest}`;
  if (isBrokerUrl(b)) return b;
  return str(port) ? `${b}:${str(port)}` : b;
}

/** Validator for the broker field. */
export function validateBroker(value: unknown, opt?: { label?: string }): ValidatorResult {
  const problem = brokerProblem(value);
  return problem === null ? true : prefix(opt) + problem;
}

/**
 * Validator factory for a number property: `integer` (default true) allows whole numbers only;
 * `min`/`max` are inclusive. Accepts numbers and numeric strings (dialog values are strings).
 */
export function numberValidator(options: { min?: number; max?: number; integer?: boolean; unit?: string }): Validator {
  const { min, max, integer = true, unit = '' } = options;
  const u = unit ? ` ${unit}` : '';
  const range =
    min !== undefined && max !== undefined ? `${min}-${max}${u}` : min !== undefined ? `${min}${u} or more` : max !== undefined ? `at most ${max}${u}` : '';
  const message = `must be ${integer ? 'a whole number' : 'a number'}${range ? `, ${range}` : ''}`;
  const pattern = integer ? /^\d+$/ : /^(?:\d+(?:\.\d*)?|\.\d+)$/;
  return function (value: unknown, opt?: { label?: string }): ValidatorResult {
    const text = str(value);
    if (!pattern.test(text)) return prefix(opt) + message;
    const n = Number(text);
    if (!Number.isFinite(n) || (min !== undefined && n < min) || (max !== undefined && n > max)) return prefix(opt) + message;
    return true;
  };
}

/**
 * For a property added in a later release: flows saved before it have no value (Node-RED does not
 * fill defaults into saved nodes), and the runtime uses the default then, so that is valid.
 */
export function orMissing(validator: Validator): Validator {
  return function (this: unknown, value: unknown, opt?: { label?: string }): ValidatorResult {
    return value === undefined ? true : validator.call(this, value, opt);
  };
}

/** Validator for a camera filter: empty, `+` or `*` (= all cameras), one camera id, or `${VAR}`. */
export function validateCameraFilter(value: unknown, opt?: { label?: string }): ValidatorResult {
  const text = str(value);
  if (text === '' || text === '+' || text === '*' || isEnvReference(text)) return true;
  const problem = identifierProblem(text);
  return problem === null ? true : `${prefix(opt)}camera id ${problem}; leave empty or use + for all cameras`;
}

/** Validator for a required camera id (a node that *is* one camera): one camera id, or `${VAR}`. */
export function validateCameraId(value: unknown, opt?: { label?: string }): ValidatorResult {
  const text = str(value);
  if (text === '') return `${prefix(opt)}required: this camera's id, e.g. CAM001`;
  if (isEnvReference(text)) return true;
  const problem = identifierProblem(text);
  return problem === null ? true : `${prefix(opt)}camera id ${problem}`;
}

/** Validator for an optional identifier (e.g. shared-subscription group): empty, or a valid identifier. */
export function validateOptionalIdentifier(value: unknown, opt?: { label?: string }): ValidatorResult {
  const text = str(value);
  if (text === '') return true;
  const problem = identifierProblem(text);
  return problem === null ? true : prefix(opt) + problem;
}

/** Validator for the topic root (`lprserver`, `site1/lpr`, ...). */
export function validateTopicRoot(value: unknown, opt?: { label?: string }): ValidatorResult {
  if (isEnvReference(value)) return true;
  const problem = rootProblem(str(value));
  return problem === null ? true : `${prefix(opt)}${problem}; no wildcards or empty levels`;
}

/** Validator for the site time zone: empty (UTC) or a name the browser's Intl knows, as the runtime checks with Node's. */
export function validateTimeZone(value: unknown, opt?: { label?: string }): ValidatorResult {
  const text = str(value);
  if (text === '' || isTimeZone(text) || isEnvReference(text)) return true;
  return `${prefix(opt)}must be an IANA time zone name such as UTC or Asia/Bangkok`;
}

/** Validator for the era dates are shown in: empty (automatic), gregorian or buddhist, as the runtime checks. */
export function validateEra(value: unknown, opt?: { label?: string }): ValidatorResult {
  const text = str(value);
  if (text === '' || text === 'gregorian' || text === 'buddhist') return true;
  return `${prefix(opt)}must be gregorian or buddhist (or empty: buddhist in Asia/Bangkok)`;
}

/** Validator for an optional MQTT client id: empty (stable default) or up to 256 printable characters without spaces. */
export function validateClientId(value: unknown, opt?: { label?: string }): ValidatorResult {
  const text = value === undefined || value === null ? '' : String(value);
  if (text === '') return true;
  if (text.length > 256) return `${prefix(opt)}must be at most 256 characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(text)) return `${prefix(opt)}must not contain spaces or control characters`;
  if (/[+#]/.test(text)) return `${prefix(opt)}must not contain "+" or "#" (brokers and ACLs reject them)`;
  return true;
}

/**
 * The current value of a property: from the open dialog when its input exists (the node object
 * still holds the old value while editing), else from the node. Checkboxes give booleans.
 */
export function currentValue(node: Record<string, unknown> | undefined, key: string, inputPrefix: string): unknown {
  if (typeof $ === 'function') {
    const input = $(`#${inputPrefix}-${key}`);
    if (input && input.length > 0) {
      return input.attr('type') === 'checkbox' ? input.is(':checked') : input.val();
    }
  }
  return node ? node[key] : undefined;
}

/** True for true / "true" (a checkbox value from a node, an import or the dialog). */
export function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

/** True when a camera filter means "all cameras". */
export function isAllCameras(camera: unknown): boolean {
  const text = str(camera);
  return text === '' || text === '+' || text === '*';
}

/**
 * Validator factory for a number that may be negative or have decimals (`-5`, `42.5`), as the
 * thresholds of `lpr-health-monitor` are; `min`/`max` are inclusive.
 */
export function decimalValidator(options: { min?: number; max?: number; unit?: string }): Validator {
  const { min, max, unit = '' } = options;
  const u = unit ? ` ${unit}` : '';
  const range =
    min !== undefined && max !== undefined ? ` from ${min} to ${max}${u}` : min !== undefined ? `, ${min}${u} or more` : max !== undefined ? `, at most ${max}${u}` : '';
  const message = `must be a number${range}`;
  return function (value: unknown, opt?: { label?: string }): ValidatorResult {
    const text = str(value);
    if (!/^-?(?:\d+(?:\.\d*)?|\.\d+)$/.test(text)) return prefix(opt) + message;
    const n = Number(text);
    if (!Number.isFinite(n) || (min !== undefined && n < min) || (max !== undefined && n > max)) return prefix(opt) + message;
    return true;
  };
}

/**
 * Validator factory for the critical level of a warning/critical pair: a number in range (see
 * decimalValidator) and at least the warning level, read from the open dialog when it is open
 * (property `warningKey`). When the warning level is itself invalid only the range is checked.
 */
export function criticalValidator(
  warningKey: string,
  options: { min?: number; max?: number; unit?: string },
  inputPrefix = 'node-input',
): Validator {
  const inRange = decimalValidator(options);
  return function (this: any, value: unknown, opt?: { label?: string }): ValidatorResult {
    const own = inRange.call(this, value, opt);
    if (own !== true) return own;
    const warning = currentValue(this, warningKey, inputPrefix);
    if (inRange.call(this, warning) !== true) return true;
    if (Number(str(value)) < Number(str(warning))) return `${prefix(opt)}must be at least the warning level (${str(warning)})`;
    return true;
  };
}

/**
 * Validator for a comma-separated list of status values (`degraded, reconnecting`): at most 2048
 * characters, each value at most 64 (the longest `camera_status` / `network_status` a health
 * message may carry). Empty means "no value raises this level".
 */
export function validateStatusList(value: unknown, opt?: { label?: string }): ValidatorResult {
  const text = value === undefined || value === null ? '' : String(value);
  if (text.length > 2048) return `${prefix(opt)}must be at most 2048 characters`;
  const long = statusList(text).find((item) => item.length > 64);
  if (long !== undefined) return `${prefix(opt)}"${long.slice(0, 20)}..." is longer than 64 characters, so no health message can match it`;
  return true;
}

/** The values of a comma-separated status list, trimmed, without empty ones (as the runtime reads it). */
export function statusList(value: unknown): string[] {
  return str(value)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

// ---------------------------------------------------------------------------------------------
// Watch lists (lpr-blacklist, lpr-blacklist-match, lpr-blacklist-update).

/** The priorities a watch-list entry may have (PROTOCOL.md, BlacklistEntry). */
export const BLACKLIST_PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;

/**
 * The fields of a watch-list entry, in the CSV column order of src/blacklist/csv.ts (CSV_COLUMNS):
 * an export from the dialog and one from `lpr-blacklist-update` have the same header.
 */
export const BLACKLIST_FIELDS = ['plate_number', 'province', 'country', 'reason', 'priority', 'list', 'expires_at'] as const;
export type BlacklistField = (typeof BLACKLIST_FIELDS)[number];

/** What an entry may hold, as the runtime schema (BlacklistEntry in src/protocol/schemas/blacklist.ts) says. */
const BLACKLIST_MAX_LENGTH: Record<'plate_number' | 'province' | 'country' | 'reason' | 'list', number> = {
  plate_number: 32,
  province: 128,
  country: 64,
  reason: 1024,
  list: 64,
};

/** One thing wrong with an entry: `field` is the wire field name (`plate_number`, ...). */
export interface EntryProblem {
  field: string;
  message: string;
}

/** Why `value` is not a date-time the runtime accepts for `expires_at` (the protocol's timestamp forms), or null. */
export function isoDateTimeProblem(value: unknown): string | null {
  if (isTimestamp(value)) return null;
  return 'must be an ISO 8601 date-time such as 2025-12-31T23:59:59Z, 2025-12-31T23:59:59+07:00 or 2025-12-31T23:59:59 (read in the broker\'s time zone)';
}

/**
 * A date typed loosely as a form the runtime accepts: a date alone (`2025-12-31`) is the start of
 * that day, without a zone (`2025-12-31T00:00:00`, read in the broker's site time zone); a value
 * already valid (`2025-12-31 18:00` included) is returned unchanged; null when it is no date.
 */
export function looseDateTimeToIso(value: unknown): string | null {
  const text = str(value);
  if (isTimestamp(text)) return text;
  const withTime = `${text}T00:00:00`;
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && isTimestamp(withTime) ? withTime : null;
}

/** Every problem of one watch-list entry (empty when the runtime accepts it), in field order. */
export function blacklistEntryProblems(entry: unknown): EntryProblem[] {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return [{ field: '(entry)', message: 'must be an object {plate_number, ...}' }];
  const e = entry as Record<string, unknown>;
  const problems: EntryProblem[] = [];
  const plate = e.plate_number;
  if (typeof plate !== 'string') problems.push({ field: 'plate_number', message: plate === undefined ? 'required' : 'must be text' });
  else if (plate.trim() === '') problems.push({ field: 'plate_number', message: 'required' });
  else if (plate.length > BLACKLIST_MAX_LENGTH.plate_number) problems.push({ field: 'plate_number', message: `must be at most ${BLACKLIST_MAX_LENGTH.plate_number} characters` });
  for (const field of ['province', 'country', 'reason', 'priority', 'list', 'expires_at'] as const) {
    const value = e[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') {
      problems.push({ field, message: 'must be text' });
    } else if (field === 'priority') {
      if (!(BLACKLIST_PRIORITIES as readonly string[]).includes(value)) problems.push({ field, message: `must be one of ${BLACKLIST_PRIORITIES.join(', ')}` });
    } else if (field === 'expires_at') {
      const problem = isoDateTimeProblem(value);
      if (problem !== null) problems.push({ field, message: problem });
    } else if (value.length > BLACKLIST_MAX_LENGTH[field]) {
      problems.push({ field, message: `must be at most ${BLACKLIST_MAX_LENGTH[field]} characters` });
    }
  }
  return problems;
}

/** Things about a valid entry worth a word in the dialog but allowed: already expired, or a pattern that matches every plate. */
export function blacklistEntryWarnings(entry: Record<string, unknown>, now = Date.now()): EntryProblem[] {
  const warnings: EntryProblem[] = [];
  const plate = typeof entry.plate_number === 'string' ? entry.plate_number.trim() : '';
  if (plate !== '' && /^[*?]+$/.test(plate)) warnings.push({ field: 'plate_number', message: 'a pattern of only * and ? matches (almost) every plate' });
  // A zone-less time is taken as UTC here: the dialog does not know the broker's zone for certain.
  const expires = readTimestamp(entry.expires_at, 'UTC');
  if (expires && expires.ms <= now) {
    warnings.push({ field: 'expires_at', message: 'is in the past: this entry never matches' });
  }
  return warnings;
}

/**
 * An entry as the dialog saves it: every known field trimmed, empty optional fields left out,
 * other (unknown) fields kept as they were. Null for a row with nothing in it.
 */
export function cleanBlacklistEntry(raw: Record<string, unknown>): Record<string, unknown> | null {
  const out: Record<string, unknown> = {};
  let empty = true;
  for (const field of BLACKLIST_FIELDS) {
    const value = raw[field];
    if (value === undefined || value === null) continue;
    const text = typeof value === 'string' ? value.trim() : value;
    if (text === '') continue;
    out[field] = text;
    empty = false;
  }
  if (empty) return null;
  for (const [key, value] of Object.entries(raw)) {
    if (!(BLACKLIST_FIELDS as readonly string[]).includes(key)) out[key] = value;
  }
  return out;
}

/** Validator for the `entries` of `lpr-blacklist`: a list of valid entries; the message names the first bad row and field. */
export function validateBlacklistEntries(value: unknown, opt?: { label?: string }): ValidatorResult {
  if (value === undefined || value === null || value === '') return true;
  if (!Array.isArray(value)) return `${prefix(opt)}must be a list of entries`;
  const bad: string[] = [];
  value.forEach((entry, i) => {
    const problems = blacklistEntryProblems(entry);
    if (problems.length > 0) bad.push(`row ${i + 1}: ${problems[0]!.field} ${problems[0]!.message}`);
  });
  if (bad.length === 0) return true;
  return `${prefix(opt)}${bad[0]}${bad.length > 1 ? ` (and ${bad.length - 1} more row${bad.length > 2 ? 's' : ''})` : ''}`;
}

/** Validator for an optional file path: empty, or up to 4096 characters without control characters. */
export function validateOptionalFilePath(value: unknown, opt?: { label?: string }): ValidatorResult {
  const text = value === undefined || value === null ? '' : String(value);
  if (text.length > 4096) return `${prefix(opt)}must be at most 4096 characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) return `${prefix(opt)}must not contain control characters`;
  return true;
}

/** One record of a CSV text: its cells and the line it starts on (1 = the first line). */
export interface CsvRecord {
  line: number;
  cells: string[];
}

/**
 * Splits CSV text (RFC 4180: `,` separated, `"` quoted with `""` for a quote, CRLF or LF, a leading
 * BOM ignored) into records. Cells are trimmed; records whose cells are all empty are skipped.
 * `problem` is set when a quoted cell is never closed.
 */
export function parseCsvRecords(text: string): { records: CsvRecord[]; problem: string | null } {
  const records: CsvRecord[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let inQuotes = false;
  let line = 1;
  let recordLine = 1;
  let quoteLine = 1;
  const endCell = () => {
    cells.push(quoted ? cell : cell.trim());
    cell = '';
    quoted = false;
  };
  const endRecord = () => {
    endCell();
    if (cells.some((c) => c.trim() !== '')) records.push({ line: recordLine, cells: cells.map((c) => c.trim()) });
    cells = [];
  };
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else {
          inQuotes = false;
        }
      } else {
        if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line++;
        cell += c;
      }
    } else if (c === '"' && !quoted && cell.trim() === '') {
      inQuotes = true;
      quoted = true;
      quoteLine = line;
      cell = '';
    } else if (c === ',') {
      endCell();
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else if (!(quoted && /\s/.test(c))) {
      // Text after a closing quote (other than spaces) is kept, as most spreadsheets do.
      cell += c;
    }
  }
  if (inQuotes) return { records, problem: `line ${quoteLine}: a quoted cell is not closed (a " is missing)` };
  if (cell !== '' || cells.length > 0) endRecord();
  return { records, problem: null };
}

/**
 * Watch-list entries from CSV text with a header line (columns as BLACKLIST_FIELDS, any order and
 * case, unknown columns ignored), as `lpr-blacklist-update` imports them. Each problem names the
 * line and field (`line 5: priority must be one of ...`); a CSV with problems should import nothing.
 */
export function parseBlacklistCsv(text: string): { entries: Array<Record<string, unknown>>; problems: string[] } {
  const { records, problem } = parseCsvRecords(text);
  if (problem !== null) return { entries: [], problems: [problem] };
  const header = records[0];
  if (!header) return { entries: [], problems: [`no header line: the first line must name the columns, e.g. ${BLACKLIST_FIELDS.join(',')}`] };
  const columns = header.cells.map((h) => h.toLowerCase());
  if (!columns.includes('plate_number')) {
    return { entries: [], problems: [`line ${header.line}: the header has no plate_number column (columns: ${BLACKLIST_FIELDS.join(',')})`] };
  }
  const entries: Array<Record<string, unknown>> = [];
  const problems: string[] = [];
  for (const record of records.slice(1)) {
    const raw: Record<string, unknown> = {};
    columns.forEach((column, i) => {
      if ((BLACKLIST_FIELDS as readonly string[]).includes(column) && record.cells[i] !== undefined && record.cells[i] !== '') raw[column] = record.cells[i];
    });
    const entry = cleanBlacklistEntry(raw) ?? {};
    const found = blacklistEntryProblems(entry);
    if (found.length > 0) for (const p of found) problems.push(`line ${record.line}: ${p.field} ${p.message}`);
    else entries.push(entry);
  }
  return { entries, problems };
}

/** A CSV cell: formulas neutralised (a leading = + - @ tab or CR gets a `'`), quoted when needed. Mirrors src/blacklist/csv.ts. */
function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Entries as CSV text with the header line, the same format `lpr-blacklist-update` exports. */
export function blacklistCsv(entries: ReadonlyArray<Record<string, unknown>>): string {
  const lines = [BLACKLIST_FIELDS.join(',')];
  for (const entry of entries) lines.push(BLACKLIST_FIELDS.map((field) => csvCell(entry[field])).join(','));
  return lines.join('\n') + '\n';
}

/** The label of an `lpr-blacklist` without a name: `blacklist (3 entries)`. */
export function blacklistLabel(entries: unknown): string {
  const n = Array.isArray(entries) ? entries.length : 0;
  return `blacklist (${n} ${n === 1 ? 'entry' : 'entries'})`;
}

/** The topic root of the broker an `lpr-blacklist` config node syncs through, or null when it has none. */
/** The editor's config node with that id; null for none or the dialog's "Add new..." choice. */
export function configNode(id: unknown): any {
  return typeof id === 'string' && id !== '' && id !== '_ADD_' ? RED.nodes.node(id) : null;
}

/** The lpr-broker currently chosen in the open dialog (or saved on the node), if any. */
export function selectedBroker(node: any, prefix: string): any {
  return configNode(currentValue(node, 'broker', prefix));
}

/** The topic root of the broker chosen in the open dialog (`lprserver` until one is chosen). */
export function selectedRoot(node: any, prefix: string): string {
  return str(selectedBroker(node, prefix)?.topicRoot) || 'lprserver';
}

export function blacklistRoot(listId: unknown): string | null {
  const list = configNode(listId);
  if (!list || typeof list.broker !== 'string' || list.broker === '') return null;
  const broker = RED.nodes.node(list.broker);
  return broker ? str(broker.topicRoot) || 'lprserver' : null;
}

/** Validator factory for a property that must be one of `values` (compared as text, so `1` and `"1"` are the same). */
export function choiceValidator(values: readonly string[]): Validator {
  const shown = values.map((v) => (v === '' ? '(empty)' : v)).join(', ');
  return function (value: unknown, opt?: { label?: string }): ValidatorResult {
    const text = value === undefined || value === null ? '' : String(value);
    return values.includes(text) ? true : `${prefix(opt)}must be one of ${shown}`;
  };
}
