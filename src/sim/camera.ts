/**
 * One simulated camera: its own MQTT connection (will = retained offline health), the shared
 * CameraAgent (ack-based delivery through the DetectionOutbox), generated detections and health,
 * answers to control commands and applied config updates.
 */
import path from 'node:path';
import { createMessage, encodeMessage, IMAGE_POLICY, POLICY, TopicTree, type Config, type Control, type DetectionSettings, type MessageOf } from '../protocol';
import { BrokerConnection, type FixedMessage } from '../runtime/broker-connection';
import { CameraAgent, type OutboundKind } from '../edge/camera-agent';
import type { OutboxMetrics } from '../edge/outbox';
import { plateImage } from './image/plate-cache';
import { generateDetection, HealthModel, type GeneratorSettings, type PlatePool } from './data';
import type { ControlMode, SimOptions } from './options';
import type { Random } from './random';

/** Config types a camera keeps at most (as MAX_REPORTED_TYPES in control/reported.ts). */
const MAX_CONFIG_TYPES = 64;

export interface CameraStats extends OutboxMetrics {
  camera: string;
  generated: number;
  blacklistedPlates: number;
  healthSent: number;
  controls: number;
  controlResponses: number;
  configUpdates: number;
  healthRequests: number;
  invalidInbound: number;
  connected: boolean;
  connections: number;
}

export interface SimCameraDeps {
  cameraId: string;
  options: SimOptions;
  rng: Random;
  pool: PlatePool;
  clientId: string;
  log: (line: string) => void;
}

export class SimCamera {
  readonly cameraId: string;
  readonly connection: BrokerConnection;
  readonly agent: CameraAgent;
  readonly topics: TopicTree;
  generated = 0;
  private blacklistedPlates = 0;
  private healthSent = 0;
  private controlResponses = 0;
  private generating = false;
  private detectTimer: NodeJS.Timeout | null = null;
  private healthTimer: NodeJS.Timeout | null = null;
  private readonly replyTimers = new Set<NodeJS.Timeout>();
  private readonly healthModel: HealthModel;
  private lastDetection: number | null = null;
  private readonly startedAt = Date.now();
  /** The desired config_data per config_type, as last received. */
  readonly desired = new Map<string, Record<string, unknown>>();
  /** The detection settings the camera runs. */
  running: DetectionSettings;
  private stopped = false;
  private everConnected = false;
  private readonly onConnected: Promise<void>;

  constructor(private readonly deps: SimCameraDeps) {
    const { cameraId, options } = deps;
    this.cameraId = cameraId;
    this.topics = new TopicTree(options.root);
    this.healthModel = new HealthModel(deps.rng.fork(1), this.startedAt);
    this.running = {
      detection_interval: options.rate > 0 ? Math.max(1, Math.round(1000 / options.rate)) : 3_600_000,
      confidence_threshold: 0.7,
      max_vehicles_per_frame: 5,
      image_quality: 'high',
      enable_recording: false,
      recording_duration: 30,
    };
    const offline = (): FixedMessage => ({
      topic: this.topics.topic('health', cameraId),
      payload: encodeMessage('health', createMessage('health', { camera_id: cameraId, health_status: 'offline' })),
      qos: 1,
      retain: POLICY.health.retain,
    });
    this.connection = new BrokerConnection({
      url: options.url,
      protocolVersion: 4,
      clientId: deps.clientId,
      clean: true,
      sessionExpiry: 0,
      keepalive: 30,
      reconnectPeriodMs: 500,
      maxReconnectDelayMs: 10_000,
      connectTimeoutMs: 10_000,
      ...(options.user ? { username: options.user } : {}),
      ...(options.password ? { password: options.password } : {}),
      will: offline(),
      goodbye: offline,
      queueLimit: 100_000,
      lingerMs: 0,
    });
    const publish = <K extends OutboundKind | 'configRequest' | 'blacklistRequest' | 'blacklistEdgeNotification'>(kind: K, message: MessageOf<K>): Promise<void> => {
      const entry = POLICY[kind];
      return this.connection.publish(this.topics.topic(kind, cameraId), encodeMessage(kind, message), { qos: entry.qos, retain: entry.retain });
    };
    this.agent = new CameraAgent(
      {
        topics: this.topics,
        connection: this.connection,
        publish,
        publishImage: (messageId, jpeg) => this.connection.publish(this.topics.imageTopic(cameraId, messageId), jpeg, { qos: IMAGE_POLICY.qos, retain: IMAGE_POLICY.retain }),
      },
      {
        cameraId,
        checkpointId: options.checkpoint || null,
        awaitAck: !options.noAck,
        requestConfig: options.requestConfig,
        ackTimeoutMs: options.ackTimeout * 1000,
        bufferSize: options.bufferSize,
        overflow: options.overflow,
        file: options.persistDir ? path.join(options.persistDir, `${cameraId}.ndjson`) : null,
        durability: options.durability,
        commitIntervalMs: options.commitInterval,
      },
    );
    this.onConnected = new Promise((resolve) => this.agent.once('online', () => resolve()));
    this.agent.on('online', () => {
      const first = !this.everConnected;
      this.everConnected = true;
      deps.log(`${cameraId} ${first ? 'connected' : 'reconnected'}`);
      if (this.agent.lastHealthMessage === null) this.sendHealth();
    });
    this.agent.on('control', (control) => this.onControl(control));
    this.agent.on('configUpdate', (config) => this.onConfigUpdate(config));
    this.agent.on('rejected', (d, error) => deps.log(`${cameraId}: detection ${d.message_id} rejected by the server: ${error ?? '?'}`));
    this.agent.on('invalid', (kind, topic, _payload, error) => deps.log(`${cameraId}: invalid ${kind} on ${topic}: ${error.message}`));
    let lastProblem = '';
    const problem = (err: Error) => {
      if (err.message !== lastProblem) deps.log(`${cameraId}: ${err.message}`);
      lastProblem = err.message;
    };
    this.agent.on('problem', problem);
    this.connection.on('problem', problem);
    this.connection.on('connect', () => (lastProblem = ''));
  }

  /** Resolves once connected and subscribed for the first time. */
  get ready(): Promise<void> {
    return this.onConnected;
  }

  get done(): boolean {
    return this.deps.options.count !== null && this.generated >= this.deps.options.count;
  }

  start(): void {
    this.agent.start();
    this.connection.start();
    this.generating = true;
    this.scheduleDetection();
    const every = this.deps.options.healthInterval * 1000;
    if (every > 0) {
      // A random phase, so that a fleet does not send its health in lock-step.
      this.healthTimer = setTimeout(() => {
        this.sendHealth();
        this.healthTimer = setInterval(() => this.sendHealth(), every);
      }, this.deps.rng.range(0, every));
    }
  }

  stopGenerating(): void {
    this.generating = false;
    if (this.detectTimer) clearTimeout(this.detectTimer);
    this.detectTimer = null;
  }

  /** Publishes the offline health (goodbye) and disconnects; pending detections stay in the journal, if any. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.stopGenerating();
    // clearInterval also clears a timeout (one timer type in Node.js).
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.healthTimer = null;
    for (const t of this.replyTimers) clearTimeout(t);
    this.replyTimers.clear();
    this.agent.stop();
    await this.connection.close();
  }

  stats(): CameraStats {
    const c = this.agent.counts;
    return {
      camera: this.cameraId,
      ...this.agent.metrics,
      generated: this.generated,
      blacklistedPlates: this.blacklistedPlates,
      healthSent: this.healthSent,
      controls: c.controls,
      controlResponses: this.controlResponses,
      configUpdates: c.configUpdates,
      healthRequests: c.healthRequests,
      invalidInbound: c.invalid,
      connected: this.connection.connected,
      connections: this.connection.metrics.connectionsTotal,
    };
  }

  // -------------------------------------------------------------------------------------------

  private scheduleDetection(): void {
    if (!this.generating || this.done) return;
    const interval = this.running.detection_interval;
    if (this.deps.options.rate <= 0 && !this.desired.has('detection_settings')) return;
    const delay = Math.min(2_147_483_647, Math.max(1, this.deps.rng.exponential(interval)));
    this.detectTimer = setTimeout(() => {
      this.detectTimer = null;
      this.detect();
      this.scheduleDetection();
    }, delay);
  }

  private detect(): void {
    if (!this.generating || this.done) return;
    const now = Date.now();
    const settings: GeneratorSettings = {
      confidenceThreshold: this.running.confidence_threshold,
      maxVehiclesPerFrame: this.running.max_vehicles_per_frame,
    };
    const { detection, blacklisted } = generateDetection(this.deps.rng, { cameraId: this.cameraId, pool: this.deps.pool, blacklistRatio: this.deps.options.blacklistRatio }, settings, now);
    try {
      const plates = detection.detection_data.plates;
      const image = this.deps.options.images && plates.length > 0 ? plateImage(plates) : undefined;
      const { result } = this.agent.detection({ ...detection, timestamp: new Date(now).toISOString() }, image);
      this.generated++;
      this.blacklistedPlates += blacklisted;
      this.lastDetection = now;
      if (result.status === 'refused') this.deps.log(`${this.cameraId}: ${result.reason}`);
    } catch (err) {
      // A generator bug, not a network problem: say so, keep going.
      this.deps.log(`${this.cameraId}: generated an invalid detection: ${(err as Error).message}`);
    }
  }

  private sendHealth(): void {
    if (this.stopped) return;
    const health = this.healthModel.next(this.cameraId, Date.now(), this.lastDetection);
    this.healthSent++;
    this.agent.health(health).catch(() => {
      // The connection reports its problems; a health is replaced by the next one anyway.
    });
  }

  private controlOutcome(mode: ControlMode): Exclude<ControlMode, 'random'> {
    if (mode !== 'random') return mode;
    return this.deps.rng.weighted([['success', 60], ['error', 20], ['timeout', 20]] as const);
  }

  private onControl(control: Control): void {
    const outcome = this.controlOutcome(this.deps.options.control);
    if (outcome === 'timeout') return;
    // Cameras take a moment to act on a command.
    const delay = Math.round(this.deps.rng.range(20, 150));
    const timer = setTimeout(() => {
      this.replyTimers.delete(timer);
      if (this.stopped) return;
      const base = { request_id: control.message_id };
      const response =
        outcome === 'success'
          ? { ...base, status: 'success', result: this.commandResult(control) }
          : { ...base, status: 'error', error: `simulated failure of command ${JSON.stringify(control.command)}` };
      this.agent
        .controlResponse(response)
        .then(() => this.controlResponses++)
        .catch(() => undefined);
    }, delay);
    this.replyTimers.add(timer);
  }

  private commandResult(control: Control): Record<string, unknown> {
    const at = new Date().toISOString();
    switch (control.command) {
      case 'get_status':
      case 'get_health':
        return { command: control.command, health: this.agent.lastHealthMessage, at };
      case 'get_config':
        return { command: control.command, config: this.running, at };
      case 'capture_image':
      case 'snapshot':
        return { command: control.command, image_path: `/storage/images/${this.cameraId}_${Date.now()}.jpg`, at };
      default:
        return { command: control.command, parameters: control.parameters ?? {}, at };
    }
  }

  /** Keeps the desired config, applies what the simulator understands and reports what runs. */
  private onConfigUpdate(config: Config): void {
    // Bounded like lpr-camera-config's reported table: a flood of config types must not grow memory.
    if (!this.desired.has(config.config_type) && this.desired.size >= MAX_CONFIG_TYPES) {
      this.deps.log(`${this.cameraId}: config type ${JSON.stringify(config.config_type)} ignored: already ${MAX_CONFIG_TYPES} config types`);
      return;
    }
    this.desired.set(config.config_type, config.config_data);
    let reported: Record<string, unknown> = config.config_data;
    if (config.config_type === 'detection_settings') {
      const before = this.running.detection_interval;
      this.running = { ...this.running, ...(config.config_data as Partial<DetectionSettings>) };
      reported = this.running;
      if (this.running.detection_interval !== before) {
        if (this.detectTimer) clearTimeout(this.detectTimer);
        this.detectTimer = null;
        this.scheduleDetection();
      }
    }
    this.agent.config({ config_type: config.config_type, config_data: reported }).catch((err: Error) => this.deps.log(`${this.cameraId}: config not reported: ${err.message}`));
  }
}
