/**
 * What an input message asks `lpr-camera-control` / `lpr-camera-config` to do, validated before
 * anything is published (pure: no Node-RED). Every error is an InputError naming the message
 * field at fault (`msg.camera`, `msg.payload.parameters`, ...); a bad camera id never reaches a topic.
 */
import {
  Command,
  createMessage,
  DEFAULT_MAX_BYTES,
  identifierProblem,
  inspectData,
  Priority,
  ValidationError,
  WHOLE_PAYLOAD,
  type Config,
  type Control,
} from '../protocol';
import { configTypeProblem, type CameraConfigSettings, type ControlSettings, type PriorityValue } from './settings';

export class InputError extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly issues: Array<{ path: string; message: string }> = [{ path: field, message }],
  ) {
    // Node-RED copies `message`, `code` and `cause` of an Error into `msg.error`: the fields travel in `cause`.
    super(`${field}: ${message}`, { cause: { code: 'invalid_input', field, issues } });
    this.name = 'InputError';
    (this as { code?: string }).code = 'invalid_input';
  }
}

type Msg = Record<string, unknown> & { payload?: unknown };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !Buffer.isBuffer(value) && !ArrayBuffer.isView(value);
}

function given(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

function show(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    if (text !== undefined) return text.length > 80 ? `${text.slice(0, 80)}...` : text;
  } catch {
    // fall through
  }
  return typeof value;
}

function cameraId(value: unknown, field: string): string {
  const problem = identifierProblem(value);
  if (problem) throw new InputError(field, `camera id ${problem}`);
  return value as string;
}

/** JSON copy of `value` (so later changes by the flow cannot alter what was sent), or an InputError. */
function snapshot<T>(value: T, field: string): T {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (err) {
    throw new InputError(field, `cannot be sent as JSON (${(err as Error).message})`);
  }
  if (text === undefined) throw new InputError(field, 'cannot be sent as JSON');
  if (Buffer.byteLength(text) > DEFAULT_MAX_BYTES) throw new InputError(field, `is ${Buffer.byteLength(text)} bytes as JSON, over the ${DEFAULT_MAX_BYTES}-byte limit`);
  return JSON.parse(text) as T;
}

/** A ValidationError of a message built from input, with its paths rewritten to the input's fields. */
function fromValidation(err: unknown, field: (path: string) => string): never {
  if (!(err instanceof ValidationError)) throw err;
  const issues = err.issues.map((i) => ({ path: field(i.path), message: i.message }));
  throw new InputError(issues[0]?.path ?? 'msg.payload', issues[0]?.message ?? err.message, issues);
}

// ------------------------------------------------------------------------------------------------
// lpr-camera-control

export interface ControlRequest {
  cameraId: string;
  control: Control;
}

/**
 * The Control message an input asks for. `msg.payload` is `{command, parameters?, priority?}` or a
 * command name (a string, only when the node has no command of its own); `msg.camera` names the
 * camera when the node has none. A property set in the node is fixed: a message naming another
 * value is refused, so a flow cannot redirect a node set up for one camera or command.
 */
export function readControlInput(msg: Msg, settings: ControlSettings): ControlRequest {
  const payload = msg.payload;
  let fields: Record<string, unknown> = {};
  if (isPlainObject(payload)) fields = payload;
  else if (typeof payload === 'string' && settings.command === null) fields = { command: payload };
  else if (Array.isArray(payload) || Buffer.isBuffer(payload)) {
    throw new InputError('msg.payload', 'must be an object {command, parameters?, priority?} or a command name');
  } else if (settings.command === null) {
    throw new InputError('msg.payload.command', `no command: set Command in the node, or send msg.payload = {command, parameters?} (got msg.payload ${show(payload)})`);
  }

  // Camera: the node's, else msg.camera, else msg.payload.camera_id (a Control-shaped payload);
  // whichever of them are given must agree.
  let camera: string;
  const payloadCamera = fields.camera_id;
  if (settings.camera !== null) {
    if (given(msg.camera) && msg.camera !== settings.camera) {
      throw new InputError('msg.camera', `${show(msg.camera)} differs from the node's camera "${settings.camera}"; clear Camera in the node to address cameras by msg.camera`);
    }
    camera = settings.camera;
  } else if (msg.camera !== undefined && msg.camera !== null) {
    camera = cameraId(msg.camera, 'msg.camera');
  } else {
    if (payloadCamera === undefined || payloadCamera === null) {
      throw new InputError('msg.camera', 'no camera: set Camera in the node, msg.camera or msg.payload.camera_id to one camera id');
    }
    camera = cameraId(payloadCamera, 'msg.payload.camera_id');
  }
  if (given(payloadCamera) && payloadCamera !== camera) {
    throw new InputError('msg.payload.camera_id', `${show(payloadCamera)} differs from the camera "${camera}" (${settings.camera !== null ? "the node's" : 'msg.camera'})`);
  }

  // Command
  let command: string;
  if (settings.command !== null) {
    if (given(fields.command) && fields.command !== settings.command) {
      throw new InputError('msg.payload.command', `${show(fields.command)} differs from the node's command "${settings.command}"; clear Command in the node to take it from the message`);
    }
    command = settings.command;
  } else {
    if (fields.command === undefined || fields.command === null) throw new InputError('msg.payload.command', 'no command: set Command in the node or msg.payload.command');
    const parsed = Command.safeParse(fields.command);
    if (!parsed.success) throw new InputError('msg.payload.command', `must be 1-64 letters, digits, "_", "." or "-", got ${show(fields.command)}`);
    command = parsed.data;
  }

  // Parameters
  let parameters: Record<string, unknown> | undefined;
  if (fields.parameters !== undefined) {
    if (!isPlainObject(fields.parameters)) throw new InputError('msg.payload.parameters', `must be an object, got ${Array.isArray(fields.parameters) ? 'an array' : show(fields.parameters)}`);
    parameters = fields.parameters;
  }

  // Priority
  let priority: PriorityValue | undefined;
  if (settings.priority !== null) {
    if (given(fields.priority) && fields.priority !== settings.priority) {
      throw new InputError('msg.payload.priority', `${show(fields.priority)} differs from the node's priority "${settings.priority}"`);
    }
    priority = settings.priority;
  } else if (fields.priority !== undefined && fields.priority !== null && fields.priority !== '') {
    const parsed = Priority.safeParse(fields.priority);
    if (!parsed.success) throw new InputError('msg.payload.priority', `must be one of ${Priority.options.join(', ')}, got ${show(fields.priority)}`);
    priority = parsed.data;
  }

  let control: Control;
  try {
    control = createMessage('control', {
      camera_id: camera,
      command,
      ...(parameters !== undefined ? { parameters } : {}),
      ...(priority !== undefined ? { priority } : {}),
    });
  } catch (err) {
    fromValidation(err, (p) => (p === 'camera_id' ? 'msg.camera' : `msg.payload.${p}`));
  }
  return { cameraId: camera, control: snapshot(control, 'msg.payload.parameters') };
}

// ------------------------------------------------------------------------------------------------
// lpr-camera-config

export type ConfigAction =
  | { action: 'set'; configs: Config[] }
  | { action: 'get'; camera: string | null; configType: string | null }
  | { action: 'forget'; camera: string; configType: string | null };

/** The most cameras one message may roll a config out to (`msg.camera` as a list). */
export const MAX_ROLLOUT = 10_000;
const ENVELOPE_KEYS = new Set(['message_id', 'timestamp', 'camera_id', 'config_type', 'config_data']);

function singleCamera(msg: Msg, settings: CameraConfigSettings): string | null {
  if (settings.camera !== null) {
    if (given(msg.camera) && msg.camera !== settings.camera) {
      throw new InputError('msg.camera', `${show(msg.camera)} differs from the node's camera "${settings.camera}"`);
    }
    return settings.camera;
  }
  if (msg.camera === undefined || msg.camera === null || msg.camera === '') return null;
  return cameraId(msg.camera, 'msg.camera');
}

function optionalConfigType(msg: Msg, settings: CameraConfigSettings): string | null {
  if (settings.configType !== null) {
    if (given(msg.config_type) && msg.config_type !== settings.configType) {
      throw new InputError('msg.config_type', `${show(msg.config_type)} differs from the node's config type "${settings.configType}"`);
    }
    return settings.configType;
  }
  if (!given(msg.config_type)) return null;
  const problem = configTypeProblem(msg.config_type);
  if (problem) throw new InputError('msg.config_type', problem);
  return msg.config_type as string;
}

/**
 * What a message asks of `lpr-camera-config`: `msg.action` `set` (default: `msg.payload` is the
 * config_data, or a whole Config message), `get` or `forget`. For `set` every Config is built and
 * validated (detection_settings fully) before any is published: one bad field refuses them all.
 */
export function readConfigInput(msg: Msg, settings: CameraConfigSettings): ConfigAction {
  const action = msg.action ?? 'set';
  if (action === 'get') return { action, camera: singleCamera(msg, settings), configType: optionalConfigType(msg, settings) };
  if (action === 'forget') {
    const camera = singleCamera(msg, settings);
    if (camera === null) throw new InputError('msg.camera', '"forget" needs the camera whose desired config to forget');
    return { action, camera, configType: optionalConfigType(msg, settings) };
  }
  if (action !== 'set') throw new InputError('msg.action', `must be "set", "get" or "forget", got ${show(action)}`);

  const payload = msg.payload;
  if (!isPlainObject(payload)) throw new InputError('msg.payload', `must be the config_data object or a whole Config message, got ${Array.isArray(payload) ? 'an array' : show(payload)}`);
  // Before anything is copied: a `__proto__` key assigned into a plain object would set its
  // prototype (and vanish) instead of being refused, and NaN would silently become null.
  const unsafe = inspectData(payload);
  if (unsafe) fromValidation(unsafe, (p) => (p === WHOLE_PAYLOAD ? 'msg.payload' : `msg.payload.${p}`));
  const full = Object.prototype.hasOwnProperty.call(payload, 'config_data');
  const data = full ? payload.config_data : payload;
  const base = full ? 'msg.payload.config_data' : 'msg.payload';

  // config_type: the node's, else msg.config_type, else the payload's; any other one given must agree.
  const sources: Array<[string, unknown]> = [
    ['configType', settings.configType],
    ['msg.config_type', msg.config_type],
    ['msg.payload.config_type', full ? payload.config_type : undefined],
  ];
  const chosen = sources.find(([, v]) => given(v));
  if (!chosen) throw new InputError('msg.config_type', 'no config type: set Config type in the node, msg.config_type or msg.payload.config_type');
  const problem = configTypeProblem(chosen[1]);
  if (problem) throw new InputError(chosen[0], problem);
  const configType = chosen[1] as string;
  for (const [field, value] of sources) {
    if (given(value) && value !== configType) throw new InputError(field, `${show(value)} differs from the config type "${configType}" (from ${chosen[0]})`);
  }

  // Cameras: the node's, else msg.camera (one id or a list), else the payload's camera_id.
  let cameras: string[];
  const payloadCamera = full ? payload.camera_id : undefined;
  if (settings.camera !== null) {
    if (given(msg.camera) && msg.camera !== settings.camera) throw new InputError('msg.camera', `${show(msg.camera)} differs from the node's camera "${settings.camera}"`);
    cameras = [settings.camera];
  } else if (Array.isArray(msg.camera)) {
    if (msg.camera.length === 0) throw new InputError('msg.camera', 'is an empty list');
    if (msg.camera.length > MAX_ROLLOUT) throw new InputError('msg.camera', `lists ${msg.camera.length} cameras, more than ${MAX_ROLLOUT}`);
    cameras = [...new Set(msg.camera.map((c, i) => cameraId(c, `msg.camera[${i}]`)))];
  } else if (msg.camera !== undefined && msg.camera !== null) {
    cameras = [cameraId(msg.camera, 'msg.camera')];
  } else if (given(payloadCamera)) {
    cameras = [cameraId(payloadCamera, 'msg.payload.camera_id')];
  } else {
    throw new InputError('msg.camera', 'no camera: set Camera in the node, msg.camera (one id or a list) or msg.payload.camera_id');
  }
  if (given(payloadCamera) && (cameras.length !== 1 || payloadCamera !== cameras[0])) {
    throw new InputError('msg.payload.camera_id', `${show(payloadCamera)} differs from the camera(s) addressed (${cameras.slice(0, 3).join(', ')}${cameras.length > 3 ? ', ...' : ''})`);
  }

  // Extra top-level fields of a whole Config message are kept (PROTOCOL.md); the envelope is made anew.
  const extras: Record<string, unknown> = {};
  if (full) for (const [k, v] of Object.entries(payload)) if (!ENVELOPE_KEYS.has(k)) extras[k] = v;
  const rewrite = (p: string) => {
    if (p === 'config_data') return base;
    if (p.startsWith('config_data.') || p.startsWith('config_data[')) return base + p.slice('config_data'.length);
    if (p === 'config_type') return chosen[0];
    if (p === 'camera_id') return 'msg.camera';
    return full ? `msg.payload.${p}` : `msg.${p}`;
  };
  const template = snapshot({ ...extras, config_data: data }, full ? 'msg.payload' : base);
  const configs: Config[] = [];
  for (const camera of cameras) {
    try {
      configs.push(createMessage('configUpdate', { ...template, camera_id: camera, config_type: configType, config_data: template.config_data } as Parameters<typeof createMessage<'configUpdate'>>[1]));
    } catch (err) {
      fromValidation(err, rewrite);
    }
  }
  return { action: 'set', configs };
}
