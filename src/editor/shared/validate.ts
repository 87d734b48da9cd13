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
import common from '../../../locales/en-US/common.json';
import { type Catalog, type Params, interpolate, lookup } from '../../i18n/catalog';
import { IDENTIFIER_MAX_LENGTH, IDENTIFIER_PATTERN } from '../../protocol/identifiers';
import { isTimeZone, isTimestamp, readTimestamp } from '../../protocol/timestamp';

export type ValidatorResult = true | string;
export type Validator = (this: any, value: unknown, opt?: { label?: string }) => ValidatorResult;

// ---------------------------------------------------------------------------------------------
// Messages in the reader's language. Validators run with `this` = the node being checked, whose
// `_` reads the node's catalog (the build merges locales/<lang>/common.json into every node's), so
// the `lpr-common.validate.*` texts below serve every node's dialog. Without `_` (unit tests, a
// node not yet added to the workspace) or a text for the key, the English catalog answers.

/** `t(key, params)` for the editor: a full key (`lpr-common.validate.required`), interpolated. */
export type EditorTranslate = (key: string, params?: Params) => string;

/** English from locales/en-US/common.json (and `extra`, a node's own English catalog). */
export function englishTranslator(extra: Catalog = {}): EditorTranslate {
  const english: Catalog = { ...(common as Catalog), ...extra };
  return (key, params) => {
    const text = lookup(english, key);
    return text === undefined ? key : interpolate(text, params);
  };
}

/** English, for callers without a node at hand. */
export const ENGLISH: EditorTranslate = englishTranslator();

/**
 * The translator of a node (`this` in a validator, label or oneditprepare): its `_` when it answers
 * with a text, else English. Node-RED's `_` gives back the key itself when no catalog has it.
 */
export function translatorOf(node: unknown, extra?: Catalog): EditorTranslate {
  const english = extra ? englishTranslator(extra) : ENGLISH;
  const _ = node !== null && typeof node === 'object' && typeof (node as { _?: unknown })._ === 'function' ? (node as { _: (k: string, p?: Params) => unknown })._ : null;
  if (!_) return english;
  return (key, params) => {
    let text: unknown;
    try {
      text = _.call(node, key, params);
    } catch {
      text = undefined;
    }
    return typeof text === 'string' && text !== '' && text !== key && !text.endsWith(`:${key}`) ? text : english(key, params);
  };
}

const V = 'lpr-common.validate.';

/** The unit names the validators show, by the text a dialog passes. */
const UNIT_KEYS: Record<string, string> = {
  '%': 'percent',
  KiB: 'KiB',
  bytes: 'bytes',
  detections: 'detections',
  'detections/s': 'detectionsPerSecond',
  entries: 'entries',
  ids: 'ids',
  messages: 'messages',
  ms: 'ms',
  'per minute': 'perMinute',
  s: 'seconds',
  '°C': 'celsius',
};

/** ` s`, ` messages`, ... in the reader's language ('' for no unit). */
function unitText(unit: string, t: EditorTranslate): string {
  if (!unit) return '';
  const key = UNIT_KEYS[unit];
  return ` ${key ? t(`lpr-common.unit.${key}`) : unit}`;
}

/**
 * Why `value` is not a valid identifier, or null: the dialog's own wording of
 * src/protocol/identifiers.ts identifierProblem (same rules, same English; test/unit/editor-i18n).
 */
export function identifierMessage(value: unknown, t: EditorTranslate = ENGLISH): string | null {
  if (typeof value !== 'string') return t(`${V}identifier.notString`, { type: value === null ? 'null' : typeof value });
  if (value.length === 0) return t(`${V}identifier.empty`);
  if (value.length > IDENTIFIER_MAX_LENGTH) return t(`${V}identifier.tooLong`, { max: IDENTIFIER_MAX_LENGTH, length: value.length });
  if (/[/+#]/.test(value)) return t(`${V}identifier.wildcard`, { value: JSON.stringify(value) });
  if (!IDENTIFIER_PATTERN.test(value)) return t(`${V}identifier.pattern`, { value: JSON.stringify(value) });
  return null;
}

const ROOT_LEVEL = /^[A-Za-z0-9_.-]{1,64}$/;

/** Why `root` is not a valid topic root, or null: src/protocol/identifiers.ts rootProblem in the reader's language. */
export function rootMessage(root: unknown, t: EditorTranslate = ENGLISH): string | null {
  if (typeof root !== 'string') return t(`${V}root.notString`);
  if (root.length === 0) return t(`${V}root.empty`);
  if (root.length > 200) return t(`${V}root.tooLong`);
  for (const level of root.split('/')) {
    if (!ROOT_LEVEL.test(level)) return t(`${V}root.level`, { value: JSON.stringify(root) });
  }
  return null;
}

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

export const CREDENTIALS_PROBLEM = ENGLISH(`${V}broker.credentials`);

/**
 * True for `${VAR}` as the whole value: Node-RED replaces it with the environment variable when the
 * flows start (node properties and credentials alike), so the runtime checks the real value.
 */
export function isEnvReference(value: unknown): boolean {
  return typeof value === 'string' && /^\$\{\S+\}$/.test(value.trim());
}

/** Why `broker` (host name, IP or mqtt/mqtts/ws/wss URL) is unusable, or null. */
export function brokerProblem(broker: unknown, t: EditorTranslate = ENGLISH): string | null {
  const value = str(broker);
  if (value === '') return t(`${V}broker.required`);
  if (isEnvReference(value)) return null;
  if (brokerHasCredentials(value)) return t(`${V}broker.credentials`);
  if (isBrokerUrl(value)) {
    const url = parseBrokerUrl(value);
    if (!url) return t(`${V}broker.notUrl`);
    if (!(BROKER_URL_SCHEMES as readonly string[]).includes(url.scheme)) return t(`${V}broker.scheme`, { scheme: url.scheme });
    if (url.host === '') return t(`${V}broker.noHost`);
    const problem = url.port !== '' ? portProblem(url.port, t) : null;
    if (problem !== null) return t(`${V}broker.urlPort`, { problem });
    return null;
  }
  if (/\s/.test(value)) return t(`${V}broker.spaces`);
  if (!HOST_RE.test(value)) return t(`${V}broker.host`);
  return null;
}

/** Why `port` is not a TCP port 1-65535, or null. */
export function portProblem(port: unknown, t: EditorTranslate = ENGLISH): string | null {
  const value = str(port);
  if (isEnvReference(value)) return null;
  if (!/^\d+$/.test(value)) return t(`${V}port.whole`);
  const n = Number(value);
  if (n < 1 || n > 65535) return t(`${V}port.range`);
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
export function validateBroker(this: unknown, value: unknown, opt?: { label?: string }): ValidatorResult {
  const problem = brokerProblem(value, translatorOf(this));
  return problem === null ? true : prefix(opt) + problem;
}

/**
 * Validator factory for a number property: `integer` (default true) allows whole numbers only;
 * `min`/`max` are inclusive. Accepts numbers and numeric strings (dialog values are strings).
 */
export function numberValidator(options: { min?: number; max?: number; integer?: boolean; unit?: string }): Validator {
  const { min, max, integer = true, unit = '' } = options;
  const kind = integer ? 'whole' : 'any';
  const range = min !== undefined && max !== undefined ? 'Between' : min !== undefined ? 'Min' : max !== undefined ? 'Max' : '';
  const message = (t: EditorTranslate) => t(`${V}number.${kind}${range}`, { min, max, unit: unitText(unit, t) });
  const pattern = integer ? /^\d+$/ : /^(?:\d+(?:\.\d*)?|\.\d+)$/;
  return function (this: unknown, value: unknown, opt?: { label?: string }): ValidatorResult {
    const text = str(value);
    if (!pattern.test(text)) return prefix(opt) + message(translatorOf(this));
    const n = Number(text);
    if (!Number.isFinite(n) || (min !== undefined && n < min) || (max !== undefined && n > max)) return prefix(opt) + message(translatorOf(this));
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
export function validateCameraFilter(this: unknown, value: unknown, opt?: { label?: string }): ValidatorResult {
  const text = str(value);
  if (text === '' || text === '+' || text === '*' || isEnvReference(text)) return true;
  const t = translatorOf(this);
  const problem = identifierMessage(text, t);
  return problem === null ? true : prefix(opt) + t(`${V}camera.filter`, { problem });
}

/** Validator for a required camera id (a node that *is* one camera): one camera id, or `${VAR}`. */
export function validateCameraId(this: unknown, value: unknown, opt?: { label?: string }): ValidatorResult {
  const text = str(value);
  const t = translatorOf(this);
  if (text === '') return prefix(opt) + t(`${V}camera.required`);
  if (isEnvReference(text)) return true;
  const problem = identifierMessage(text, t);
  return problem === null ? true : prefix(opt) + t(`${V}camera.id`, { problem });
}

/** Validator for an optional identifier (e.g. shared-subscription group): empty, or a valid identifier. */
export function validateOptionalIdentifier(this: unknown, value: unknown, opt?: { label?: string }): ValidatorResult {
  const text = str(value);
  if (text === '') return true;
  const problem = identifierMessage(text, translatorOf(this));
  return problem === null ? true : prefix(opt) + problem;
}

/** Validator for the topic root (`lprserver`, `site1/lpr`, ...). */
export function validateTopicRoot(this: unknown, value: unknown, opt?: { label?: string }): ValidatorResult {
  if (isEnvReference(value)) return true;
  const t = translatorOf(this);
  const problem = rootMessage(str(value), t);
  return problem === null ? true : prefix(opt) + t(`${V}root.wildcards`, { problem });
}

/** Validator for the site time zone: empty (UTC) or a name the browser's Intl knows, as the runtime checks with Node's. */
export function validateTimeZone(this: unknown, value: unknown, opt?: { label?: string }): ValidatorResult {
  const text = str(value);
  if (text === '' || isTimeZone(text) || isEnvReference(text)) return true;
  return prefix(opt) + translatorOf(this)(`${V}timeZone`);
}

/** Validator for the era dates are shown in: empty (automatic), gregorian or buddhist, as the runtime checks. */
export function validateEra(this: unknown, value: unknown, opt?: { label?: string }): ValidatorResult {
  const text = str(value);
  if (text === '' || text === 'gregorian' || text === 'buddhist') return true;
  return prefix(opt) + translatorOf(this)(`${V}era`);
}

/** Validator for an optional MQTT client id: empty (stable default) or up to 256 printable characters without spaces. */
export function validateClientId(this: unknown, value: unknown, opt?: { label?: string }): ValidatorResult {
  const text = value === undefined || value === null ? '' : String(value);
  if (text === '') return true;
  const t = translatorOf(this);
  if (text.length > 256) return prefix(opt) + t(`${V}maxChars`, { max: 256 });
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(text)) return prefix(opt) + t(`${V}clientId.spaces`);
  if (/[+#]/.test(text)) return prefix(opt) + t(`${V}clientId.wildcards`);
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
  const key = min !== undefined && max !== undefined ? 'decimalBetween' : min !== undefined ? 'decimalMin' : max !== undefined ? 'decimalMax' : 'any';
  const message = (t: EditorTranslate) => t(`${V}number.${key}`, { min, max, unit: unitText(unit, t) });
  return function (this: unknown, value: unknown, opt?: { label?: string }): ValidatorResult {
    const text = str(value);
    if (!/^-?(?:\d+(?:\.\d*)?|\.\d+)$/.test(text)) return prefix(opt) + message(translatorOf(this));
    const n = Number(text);
    if (!Number.isFinite(n) || (min !== undefined && n < min) || (max !== undefined && n > max)) return prefix(opt) + message(translatorOf(this));
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
    if (Number(str(value)) < Number(str(warning))) return prefix(opt) + translatorOf(this)(`${V}number.atLeastWarning`, { warning: str(warning) });
    return true;
  };
}

/**
 * Validator for a comma-separated list of status values (`degraded, reconnecting`): at most 2048
 * characters, each value at most 64 (the longest `camera_status` / `network_status` a health
 * message may carry). Empty means "no value raises this level".
 */
export function validateStatusList(this: unknown, value: unknown, opt?: { label?: string }): ValidatorResult {
  const text = value === undefined || value === null ? '' : String(value);
  const t = translatorOf(this);
  if (text.length > 2048) return prefix(opt) + t(`${V}maxChars`, { max: 2048 });
  const long = statusList(text).find((item) => item.length > 64);
  if (long !== undefined) return prefix(opt) + t(`${V}statusList.itemTooLong`, { item: long.slice(0, 20) });
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
export function isoDateTimeProblem(value: unknown, t: EditorTranslate = ENGLISH): string | null {
  if (isTimestamp(value)) return null;
  return t(`${V}entry.dateTime`);
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
export function blacklistEntryProblems(entry: unknown, t: EditorTranslate = ENGLISH): EntryProblem[] {
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return [{ field: '(entry)', message: t(`${V}entry.notObject`) }];
  const e = entry as Record<string, unknown>;
  const problems: EntryProblem[] = [];
  const plate = e.plate_number;
  if (typeof plate !== 'string') problems.push({ field: 'plate_number', message: t(plate === undefined ? `${V}required` : `${V}text`) });
  else if (plate.trim() === '') problems.push({ field: 'plate_number', message: t(`${V}required`) });
  else if (plate.length > BLACKLIST_MAX_LENGTH.plate_number) problems.push({ field: 'plate_number', message: t(`${V}maxChars`, { max: BLACKLIST_MAX_LENGTH.plate_number }) });
  for (const field of ['province', 'country', 'reason', 'priority', 'list', 'expires_at'] as const) {
    const value = e[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') {
      problems.push({ field, message: t(`${V}text`) });
    } else if (field === 'priority') {
      if (!(BLACKLIST_PRIORITIES as readonly string[]).includes(value)) problems.push({ field, message: t(`${V}oneOf`, { values: BLACKLIST_PRIORITIES.join(', ') }) });
    } else if (field === 'expires_at') {
      const problem = isoDateTimeProblem(value, t);
      if (problem !== null) problems.push({ field, message: problem });
    } else if (value.length > BLACKLIST_MAX_LENGTH[field]) {
      problems.push({ field, message: t(`${V}maxChars`, { max: BLACKLIST_MAX_LENGTH[field] }) });
    }
  }
  return problems;
}

/** Things about a valid entry worth a word in the dialog but allowed: already expired, or a pattern that matches every plate. */
export function blacklistEntryWarnings(entry: Record<string, unknown>, now = Date.now(), t: EditorTranslate = ENGLISH): EntryProblem[] {
  const warnings: EntryProblem[] = [];
  const plate = typeof entry.plate_number === 'string' ? entry.plate_number.trim() : '';
  if (plate !== '' && /^[*?]+$/.test(plate)) warnings.push({ field: 'plate_number', message: t(`${V}entry.matchesAll`) });
  // A zone-less time is taken as UTC here: the dialog does not know the broker's zone for certain.
  const expires = readTimestamp(entry.expires_at, 'UTC');
  if (expires && expires.ms <= now) {
    warnings.push({ field: 'expires_at', message: t(`${V}entry.past`) });
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
export function validateBlacklistEntries(this: unknown, value: unknown, opt?: { label?: string }): ValidatorResult {
  if (value === undefined || value === null || value === '') return true;
  const t = translatorOf(this);
  if (!Array.isArray(value)) return prefix(opt) + t(`${V}entry.list`);
  const bad: string[] = [];
  value.forEach((entry, i) => {
    const problems = blacklistEntryProblems(entry, t);
    if (problems.length > 0) bad.push(t(`${V}entry.row`, { row: i + 1, field: problems[0]!.field, message: problems[0]!.message }));
  });
  if (bad.length === 0) return true;
  const more = bad.length === 1 ? '' : bad.length === 2 ? t(`${V}entry.moreRow`) : t(`${V}entry.moreRows`, { n: bad.length - 1 });
  return `${prefix(opt)}${bad[0]}${more}`;
}

/** Validator for an optional file path: empty, or up to 4096 characters without control characters. */
export function validateOptionalFilePath(this: unknown, value: unknown, opt?: { label?: string }): ValidatorResult {
  const text = value === undefined || value === null ? '' : String(value);
  const t = translatorOf(this);
  if (text.length > 4096) return prefix(opt) + t(`${V}maxChars`, { max: 4096 });
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(text)) return prefix(opt) + t(`${V}controlChars`);
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
export function parseCsvRecords(text: string, t: EditorTranslate = ENGLISH): { records: CsvRecord[]; problem: string | null } {
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
  if (inQuotes) return { records, problem: t(`${V}csv.unclosed`, { line: quoteLine }) };
  if (cell !== '' || cells.length > 0) endRecord();
  return { records, problem: null };
}

/**
 * Watch-list entries from CSV text with a header line (columns as BLACKLIST_FIELDS, any order and
 * case, unknown columns ignored), as `lpr-blacklist-update` imports them. Each problem names the
 * line and field (`line 5: priority must be one of ...`); a CSV with problems should import nothing.
 */
export function parseBlacklistCsv(text: string, t: EditorTranslate = ENGLISH): { entries: Array<Record<string, unknown>>; problems: string[] } {
  const { records, problem } = parseCsvRecords(text, t);
  if (problem !== null) return { entries: [], problems: [problem] };
  const header = records[0];
  if (!header) return { entries: [], problems: [t(`${V}csv.noHeader`, { columns: BLACKLIST_FIELDS.join(',') })] };
  const columns = header.cells.map((h) => h.toLowerCase());
  if (!columns.includes('plate_number')) {
    return { entries: [], problems: [t(`${V}csv.noPlateColumn`, { line: header.line, columns: BLACKLIST_FIELDS.join(',') })] };
  }
  const entries: Array<Record<string, unknown>> = [];
  const problems: string[] = [];
  for (const record of records.slice(1)) {
    const raw: Record<string, unknown> = {};
    columns.forEach((column, i) => {
      if ((BLACKLIST_FIELDS as readonly string[]).includes(column) && record.cells[i] !== undefined && record.cells[i] !== '') raw[column] = record.cells[i];
    });
    const entry = cleanBlacklistEntry(raw) ?? {};
    const found = blacklistEntryProblems(entry, t);
    if (found.length > 0) for (const p of found) problems.push(t(`${V}csv.line`, { line: record.line, field: p.field, message: p.message }));
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
  return function (this: unknown, value: unknown, opt?: { label?: string }): ValidatorResult {
    const text = value === undefined || value === null ? '' : String(value);
    if (values.includes(text)) return true;
    const t = translatorOf(this);
    const shown = values.map((v) => (v === '' ? t(`${V}empty`) : v)).join(', ');
    return prefix(opt) + t(`${V}oneOf`, { values: shown });
  };
}
