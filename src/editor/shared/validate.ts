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

export type ValidatorResult = true | string;
export type Validator = (this: any, value: unknown, opt?: { label?: string }) => ValidatorResult;

/** The MQTT URL schemes the broker field accepts. */
export const BROKER_URL_SCHEMES = ['mqtt', 'mqtts', 'ws', 'wss'] as const;

const URL_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(\[[0-9A-Fa-f:.]+\]|[^/:?#\s[\]@]*)(?::(\d*))?([/?#][^\s]*)?$/;
/** Host names as Docker/compose and DNS use them (letters, digits, `_`, `.`, `-`), IPv4, or IPv6 (bare or in brackets). */
const HOST_RE = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})$|^\[?[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*\]?$/;

function str(value: unknown): string {
  return value === undefined || value === null ? '' : String(value).trim();
}

function prefix(opt: { label?: string } | undefined): string {
  return opt && opt.label ? `${opt.label}: ` : '';
}

/** The parts of `mqtt[s]://` / `ws[s]://` URL typed in the broker field, or null when it is no URL. */
export function parseBrokerUrl(broker: unknown): { scheme: string; host: string; port: string; rest: string } | null {
  const m = URL_RE.exec(str(broker));
  if (!m) return null;
  return { scheme: (m[1] ?? '').toLowerCase(), host: m[2] ?? '', port: m[3] ?? '', rest: m[4] ?? '' };
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

/** Why `broker` (host name, IP or mqtt/mqtts/ws/wss URL) is unusable, or null. */
export function brokerProblem(broker: unknown): string | null {
  const value = str(broker);
  if (value === '') return 'required: a host name, IP address or mqtt://, mqtts://, ws://, wss:// URL';
  if (isBrokerUrl(value)) {
    const url = parseBrokerUrl(value);
    if (/^[^/]*:\/\/[^/]*@/.test(value)) return 'put the user name and password in the Security section, not in the URL';
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
  if (!/^\d+$/.test(value)) return 'must be a whole number 1-65535';
  const n = Number(value);
  if (n < 1 || n > 65535) return 'must be 1-65535';
  return null;
}

/** Label text for a broker config node: name, or host:port, or the URL (with the port field when the URL names none). */
export function brokerLabel(name: unknown, broker: unknown, port: unknown): string {
  const n = str(name);
  if (n) return n;
  const b = str(broker) || 'localhost';
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

/** Validator for a camera filter: empty, `+` or `*` (= all cameras) or one camera id. */
export function validateCameraFilter(value: unknown, opt?: { label?: string }): ValidatorResult {
  const text = str(value);
  if (text === '' || text === '+' || text === '*') return true;
  const problem = identifierProblem(text);
  return problem === null ? true : `${prefix(opt)}camera id ${problem}; leave empty or use + for all cameras`;
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
  const problem = rootProblem(str(value));
  return problem === null ? true : `${prefix(opt)}${problem}; no wildcards or empty levels`;
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
 * The subscription the detection-in node makes, for the dialog preview (mirrors TopicTree.filter in
 * src/protocol/topics.ts): `[$share/<group>/]<root>/cameras/<camera|+>/detection`.
 */
export function detectionSubscription(root: unknown, camera: unknown, sharedGroup: unknown): string {
  const r = str(root) || 'lprserver';
  const cam = isAllCameras(camera) ? '+' : str(camera);
  const group = str(sharedGroup);
  const filter = `${r}/cameras/${cam}/detection`;
  return group ? `$share/${group}/${filter}` : filter;
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

/** The subscription the health monitor makes, for the dialog preview: `<root>/cameras/<camera|+>/health`. */
export function healthSubscription(root: unknown, camera: unknown): string {
  const r = str(root) || 'lprserver';
  return `${r}/cameras/${isAllCameras(camera) ? '+' : str(camera)}/health`;
}
