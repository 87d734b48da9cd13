/** `lpr-sim` options: defaults, validation (each error names its option) and the command line. */
import { identifierProblem, rootProblem } from '../protocol/identifiers';
import { redactUrl } from '../runtime/broker-settings';
import { DEFAULT_COMMIT_INTERVAL_MS, DURABILITIES, OVERFLOW_POLICIES, type Durability, type OverflowPolicy } from '../edge/outbox';

export type ControlMode = 'success' | 'error' | 'timeout' | 'random';
export const CONTROL_MODES: readonly ControlMode[] = ['success', 'error', 'timeout', 'random'];

export interface SimOptions {
  url: string;
  cameras: number;
  /** Detections per second per camera (0 = none). */
  rate: number;
  /** Seconds between health messages (0 = only on connect and on request). */
  healthInterval: number;
  root: string;
  /** Checkpoint id put into every detection; '' = none. */
  checkpoint: string;
  blacklisted: string[];
  blacklistRatio: number;
  thaiRatio: number;
  poolSize: number;
  control: ControlMode;
  /** Seconds before an unacked detection is sent again. */
  ackTimeout: number;
  /** Don't wait for acks: a detection is done once the broker has it. */
  noAck: boolean;
  bufferSize: number;
  overflow: OverflowPolicy;
  /** Directory for the outbox journals (one file per camera); '' = memory only. */
  persistDir: string;
  /** When the journals are fsynced: none, group (a group commit every commitInterval ms) or every record. */
  durability: Durability;
  commitInterval: number;
  /** Seconds to run, then stop (null = until stopped). */
  duration: number | null;
  /** Detections per camera, then stop (null = no limit). */
  count: number | null;
  /** Seconds to wait for the acks of pending detections when stopping. */
  drain: number;
  seed: number;
  prefix: string;
  /** Number of the first camera (CAM001 with the defaults). */
  first: number;
  user: string;
  password: string;
  requestConfig: boolean;
  /** Publish a JPEG of each detection's plate on its image topic, before the detection. */
  images: boolean;
  quiet: boolean;
  json: boolean;
}

export const SIM_DEFAULTS: SimOptions = {
  url: 'mqtt://127.0.0.1:1883',
  cameras: 3,
  rate: 0.5,
  healthInterval: 10,
  root: 'lprserver',
  checkpoint: 'CP001',
  blacklisted: ['ABC1234', 'กข1234'],
  blacklistRatio: 0.05,
  thaiRatio: 0.5,
  poolSize: 500,
  control: 'success',
  ackTimeout: 10,
  noAck: false,
  bufferSize: 10_000,
  overflow: 'drop-oldest',
  persistDir: '',
  durability: 'group',
  commitInterval: DEFAULT_COMMIT_INTERVAL_MS,
  duration: null,
  count: null,
  drain: 5,
  seed: 0,
  prefix: 'CAM',
  first: 1,
  user: '',
  password: '',
  requestConfig: true,
  images: false,
  quiet: false,
  json: false,
};

/** Thrown for a bad option; `option` is its command-line name. */
export class SimOptionError extends Error {
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(`--${option}: ${message}`);
    this.name = 'SimOptionError';
  }
}

export function cameraIds(options: Pick<SimOptions, 'cameras' | 'prefix' | 'first'>): string[] {
  return Array.from({ length: options.cameras }, (_, i) => `${options.prefix}${String(options.first + i).padStart(3, '0')}`);
}

function checkNumber(option: string, value: number, min: number, max: number, integer = false): void {
  if (!Number.isFinite(value)) throw new SimOptionError(option, `must be a number, got ${value}`);
  if (integer && !Number.isInteger(value)) throw new SimOptionError(option, `must be a whole number, got ${value}`);
  if (value < min || value > max) throw new SimOptionError(option, `must be between ${min} and ${max}, got ${value}`);
}

/** Fills defaults and checks every option; throws a SimOptionError naming the first bad one. */
export function resolveSimOptions(partial: Partial<SimOptions> = {}): SimOptions {
  const o: SimOptions = { ...SIM_DEFAULTS, ...stripUndefined(partial) };
  if (!/^(mqtts?|wss?):\/\/[^\s]+$/.test(o.url)) throw new SimOptionError('url', `must be an mqtt://, mqtts://, ws:// or wss:// URL, got ${JSON.stringify(redactUrl(o.url))}`);
  checkNumber('cameras', o.cameras, 1, 100_000, true);
  checkNumber('rate', o.rate, 0, 10_000);
  checkNumber('health-interval', o.healthInterval, 0, 86_400);
  const root = rootProblem(o.root);
  if (root) throw new SimOptionError('root', root);
  if (o.checkpoint !== '') {
    const problem = identifierProblem(o.checkpoint);
    if (problem) throw new SimOptionError('checkpoint', problem);
  }
  for (const plate of o.blacklisted) {
    if (plate.length === 0 || plate.length > 32) throw new SimOptionError('blacklisted', `each plate must be 1-32 characters, got ${JSON.stringify(plate)}`);
  }
  checkNumber('blacklist-ratio', o.blacklistRatio, 0, 1);
  checkNumber('thai-ratio', o.thaiRatio, 0, 1);
  checkNumber('pool-size', o.poolSize, 1, 1_000_000, true);
  if (!CONTROL_MODES.includes(o.control)) throw new SimOptionError('control', `must be ${CONTROL_MODES.join(', ')}, got ${JSON.stringify(o.control)}`);
  checkNumber('ack-timeout', o.ackTimeout, 0.05, 86_400);
  checkNumber('buffer-size', o.bufferSize, 1, 10_000_000, true);
  if (!OVERFLOW_POLICIES.includes(o.overflow)) throw new SimOptionError('overflow', `must be ${OVERFLOW_POLICIES.join(' or ')}, got ${JSON.stringify(o.overflow)}`);
  if (!DURABILITIES.includes(o.durability)) throw new SimOptionError('durability', `must be ${DURABILITIES.join(', ')}, got ${JSON.stringify(o.durability)}`);
  checkNumber('commit-interval', o.commitInterval, 0, 60_000, true);
  if (o.duration !== null) checkNumber('duration', o.duration, 0.001, 365 * 86_400);
  if (o.count !== null) checkNumber('count', o.count, 0, 1_000_000_000, true);
  checkNumber('drain', o.drain, 0, 3600);
  checkNumber('seed', o.seed, 0, 4_294_967_295, true);
  checkNumber('first', o.first, 0, 1_000_000_000, true);
  for (const id of [cameraIds({ ...o, cameras: 1 })[0]!, cameraIds(o).at(-1)!]) {
    const problem = identifierProblem(id);
    if (problem) throw new SimOptionError('prefix', `makes the camera id ${JSON.stringify(id)}, which ${problem}`);
  }
  return o;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export const HELP = `lpr-sim: simulated LPR edge cameras on the LPR MQTT topic tree

Usage: lpr-sim [options]

Each camera has its own MQTT connection whose will is its retained offline health. It publishes
seed-format detections (kept until the server acks them on detection/ack, resent with the same
message_id otherwise), retained health every interval, answers control commands and
health/request, applies config updates and reports the config it runs. Ctrl-C (SIGINT) or
SIGTERM: stop detecting, wait up to --drain seconds for pending acks, publish offline health,
disconnect, print a summary, exit 0.

Connection
  --url <url>               broker URL: mqtt://, mqtts://, ws://, wss://   (default ${SIM_DEFAULTS.url})
  --user <name>             user name                                      (default none)
  --password <secret>       password                                       (default none)
  --root <root>             topic root                                     (default ${SIM_DEFAULTS.root})

Cameras
  --cameras <n>             number of cameras                              (default ${SIM_DEFAULTS.cameras})
  --prefix <text>           camera id prefix: <prefix>001, <prefix>002 ... (default ${SIM_DEFAULTS.prefix})
  --first <n>               number of the first camera                     (default ${SIM_DEFAULTS.first})
  --checkpoint <id>         checkpoint_id of every detection; '' = none    (default ${SIM_DEFAULTS.checkpoint})
  --rate <per s>            detections per second per camera (Poisson arrivals; 0 = none)
                                                                           (default ${SIM_DEFAULTS.rate})
  --health-interval <s>     seconds between health messages; 0 = only on connect and on request
                                                                           (default ${SIM_DEFAULTS.healthInterval})
  --control <mode>          answer to control commands: success, error, timeout (no answer) or
                            random (60 % success, 20 % error, 20 % timeout) (default ${SIM_DEFAULTS.control})
  --no-config-request       do not publish config/request after connecting (default: request)
  --images                  publish a JPEG of each detection's plates (Thai with the province line,
                            or Latin) on cameras/<id>/images/<message_id>, before the detection
                                                                           (default: none)

Data
  --blacklisted <plates>    comma-separated blacklisted plates mixed into the detections
                                                                           (default ${SIM_DEFAULTS.blacklisted.join(',')})
  --blacklist-ratio <0-1>   share of detections carrying a blacklisted plate (default ${SIM_DEFAULTS.blacklistRatio})
  --thai-ratio <0-1>        share of other plates that are Thai ('1กข1234', 'กข 1234'); the rest are
                            Latin ('ABC1234', '1ABC234')                   (default ${SIM_DEFAULTS.thaiRatio})
  --pool-size <n>           distinct ordinary plates (vehicles come back)  (default ${SIM_DEFAULTS.poolSize})
  --seed <n>                seed of the data generator (same seed, same plates and timing);
                            message ids are always random UUIDs            (default ${SIM_DEFAULTS.seed})

Delivery
  --ack-timeout <s>         resend an unacked detection after this many seconds (doubling per
                            resend, up to 60 s); all are resent after a reconnect
                                                                           (default ${SIM_DEFAULTS.ackTimeout})
  --no-ack                  do not wait for acks: a detection is done once the broker has it
  --buffer-size <n>         most detections waiting for their ack per camera (default ${SIM_DEFAULTS.bufferSize})
  --overflow <policy>       when the buffer is full: drop-oldest or reject-new (default ${SIM_DEFAULTS.overflow})
  --persist-dir <dir>       keep waiting detections in <dir>/<camera>.ndjson so a restart loses
                            nothing                                        (default: memory only)
  --durability <mode>       when the journal is forced to disk (fsync): none, group (one fsync for
                            the records of each --commit-interval, in the background) or every
                            (one per record); group and every survive a power cut
                                                                           (default ${SIM_DEFAULTS.durability})
  --commit-interval <ms>    group commit: at most one fsync per this many ms (default ${SIM_DEFAULTS.commitInterval})

Run
  --duration <s>            stop after this many seconds                   (default: until Ctrl-C)
  --count <n>               stop after n detections per camera (and their acks)
                                                                           (default: no limit)
  --drain <s>               when stopping, wait this long for pending acks (default ${SIM_DEFAULTS.drain})
  --quiet                   no progress lines (the summary is still printed)
  --json                    print the summary as JSON
  -h, --help                show this help

Output: progress on stderr (every 5 s), the summary on stdout. Exit status 0 after a normal stop,
2 for a bad option, 1 when the simulator cannot start.

Example: lpr-sim --url mqtt://127.0.0.1:1883 --cameras 3 --rate 0.5 --blacklisted ABC1234,กข1234
`;

/** Every option `--help` documents (tests check that each appears in HELP). */
export const OPTION_NAMES = [
  'url', 'user', 'password', 'root', 'cameras', 'prefix', 'first', 'checkpoint', 'rate', 'health-interval', 'control',
  'no-config-request', 'blacklisted', 'blacklist-ratio', 'thai-ratio', 'pool-size', 'seed', 'ack-timeout', 'no-ack',
  'buffer-size', 'overflow', 'persist-dir', 'durability', 'commit-interval', 'duration', 'count', 'drain', 'quiet', 'json', 'help',
  'images',
] as const;

type Setter = (o: Partial<SimOptions>, value: string) => void;

function num(option: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new SimOptionError(option, `must be a number, got ${JSON.stringify(value)}`);
    return n;
  };
}

const VALUED: Record<string, Setter> = {
  url: (o, v) => (o.url = v),
  user: (o, v) => (o.user = v),
  password: (o, v) => (o.password = v),
  root: (o, v) => (o.root = v),
  cameras: (o, v) => (o.cameras = num('cameras')(v)),
  prefix: (o, v) => (o.prefix = v),
  first: (o, v) => (o.first = num('first')(v)),
  checkpoint: (o, v) => (o.checkpoint = v),
  rate: (o, v) => (o.rate = num('rate')(v)),
  'health-interval': (o, v) => (o.healthInterval = num('health-interval')(v)),
  control: (o, v) => (o.control = v as ControlMode),
  blacklisted: (o, v) => (o.blacklisted = v.split(',').map((s) => s.trim()).filter(Boolean)),
  'blacklist-ratio': (o, v) => (o.blacklistRatio = num('blacklist-ratio')(v)),
  'thai-ratio': (o, v) => (o.thaiRatio = num('thai-ratio')(v)),
  'pool-size': (o, v) => (o.poolSize = num('pool-size')(v)),
  seed: (o, v) => (o.seed = num('seed')(v)),
  'ack-timeout': (o, v) => (o.ackTimeout = num('ack-timeout')(v)),
  'buffer-size': (o, v) => (o.bufferSize = num('buffer-size')(v)),
  overflow: (o, v) => (o.overflow = v as OverflowPolicy),
  'persist-dir': (o, v) => (o.persistDir = v),
  durability: (o, v) => (o.durability = v as Durability),
  'commit-interval': (o, v) => (o.commitInterval = num('commit-interval')(v)),
  duration: (o, v) => (o.duration = num('duration')(v)),
  count: (o, v) => (o.count = num('count')(v)),
  drain: (o, v) => (o.drain = num('drain')(v)),
};

const FLAGS: Record<string, (o: Partial<SimOptions>) => void> = {
  'no-config-request': (o) => (o.requestConfig = false),
  'no-ack': (o) => (o.noAck = true),
  quiet: (o) => (o.quiet = true),
  json: (o) => (o.json = true),
  images: (o) => (o.images = true),
};

export type ParsedArgs = { help: true } | { help: false; options: SimOptions };

/** Parses `argv` (without node and the script): `--name value`, `--name=value`, flags. */
export function parseSimArgs(argv: readonly string[]): ParsedArgs {
  const o: Partial<SimOptions> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') return { help: true };
    if (!arg.startsWith('--')) throw new SimOptionError(arg.replace(/^-+/, ''), `unexpected argument ${JSON.stringify(arg)} (options start with --)`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq >= 0 ? eq : undefined);
    const flag = FLAGS[name];
    if (flag) {
      if (eq >= 0) throw new SimOptionError(name, 'takes no value');
      flag(o);
      continue;
    }
    const set = VALUED[name];
    if (!set) throw new SimOptionError(name, 'unknown option (see --help)');
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      const next = argv[++i];
      if (next === undefined) throw new SimOptionError(name, 'needs a value');
      value = next;
    }
    set(o, value);
  }
  return { help: false, options: resolveSimOptions(o) };
}
