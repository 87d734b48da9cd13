/**
 * The edge side of the protocol for one camera, shared by the `lpr-camera` node and the `lpr-sim`
 * simulator: fills and validates what the camera publishes, sends detections through the
 * DetectionOutbox (kept until acked, resent with the same `message_id`), listens to its own
 * `control`, `config/update`, `detection/ack` and `health/request` topics, answers health
 * requests with its last health and asks for its config once connected.
 *
 * No Node-RED import: the node and the simulator each adapt it (outputs, status, auto-replies).
 */
import { EventEmitter } from 'node:events';
import {
  createMessage,
  decodePayload,
  DEFAULT_MAX_BYTES,
  encodeMessage,
  IMAGE_MAX_BYTES,
  jpegProblem,
  messageIdLevelProblem,
  newMessageId,
  nowIso,
  POLICY,
  validateMessage,
  ValidationError,
  type EdgeBlacklistNotification,
  type BlacklistUpdate,
  type Config,
  type Control,
  type Detection,
  type FieldIssue,
  type Health,
  type MessageKind,
  type MessageOf,
  type Request,
  type TopicTree,
  type ValidationCode,
} from '../protocol';
import type { IPublishPacket } from 'mqtt';
import type { BrokerConnection, ConnectionState, Release } from '../runtime/broker-connection';
import { notificationFields } from '../blacklist/reads';
import { EdgeList } from './edge-list';
import { ReplyRoutes, responseTopicRefusal, type ReplyRoute } from './reply-routes';
import { EdgeListFull, RefusedResponseTopic } from './agent-problems';
import { DetectionOutbox, type AddResult, type Durability, type OutboxMetrics, type OutboxTimers, type OverflowPolicy } from './outbox';

/** What a camera publishes. */
export type OutboundKind = 'detection' | 'health' | 'config' | 'controlResponse';
/** What it listens to (the two list kinds only with the `blacklist` option). */
export type InboundKind = 'control' | 'configUpdate' | 'detectionAck' | 'healthRequest' | ListKind;
/** The watch list: shared updates, and the answer to this camera's own request on its own topic. */
export type ListKind = 'blacklistUpdates' | 'blacklistAnswer';

export const INBOUND_KINDS: readonly InboundKind[] = ['control', 'configUpdate', 'detectionAck', 'healthRequest'];
export const LIST_KINDS: readonly ListKind[] = ['blacklistUpdates', 'blacklistAnswer'];
/** A whole list in one message may be large (as lpr-blacklist accepts). */
const MAX_LIST_BYTES = 256 * 1024 * 1024;

export interface CameraLink {
  topics: TopicTree;
  connection: BrokerConnection;
  /** Publishes a validated message of `kind` for this camera with the policy's QoS and retain. */
  publish<K extends OutboundKind | 'configRequest' | 'blacklistRequest' | 'blacklistEdgeNotification'>(kind: K, message: MessageOf<K>): Promise<void>;
  /** Publishes a detection's JPEG on `cameras/{id}/images/{messageId}` (QoS 1, not retained); without it images are refused. */
  publishImage?(messageId: string, jpeg: Buffer): Promise<void>;
}

/** Images held for detections not sent yet: at most this many bytes (the oldest go first). */
export const DEFAULT_IMAGE_BUFFER_BYTES = 16 * 1024 * 1024;

export interface CameraAgentOptions {
  cameraId: string;
  checkpointId: string | null;
  /** Wait for the server's `detection/ack` (true) or settle a detection on PUBACK (false). */
  awaitAck: boolean;
  /** Publish a `config/request` once, after the first connect. */
  requestConfig: boolean;
  /**
   * Receive the watch list: subscribe to `blacklist/updates` and to this camera's own
   * `cameras/{id}/blacklist` (where the server answers its requests), and ask for the whole list on
   * every connect (updates sent while offline are missed). Default off.
   */
  blacklist?: boolean;
  /**
   * Match at the edge (needs `blacklist`): keep a copy of the list (at most `maxEntries`, kept in
   * `listFile`), match every detection's plates against it and raise the notification here, marked
   * `raised_by: "edge"`: emitted at once (`edgeNotification`) and published on this camera's own
   * `cameras/{id}/blacklist/notification` through the notification outbox, before the detection
   * (the server checks it and forwards it to the shared topic). Default off.
   */
  matchAtEdge?: boolean;
  maxEntries?: number;
  /** The edge list's file; null = memory only. */
  listFile?: string | null;
  /** The notification outbox's journal; null = memory only. */
  notificationFile?: string | null;
  /** No answer to the list request within this long: ask again, doubling up to 10 minutes (ms, default 30 s). */
  blacklistRetryMs?: number;
  ackTimeoutMs: number;
  maxAckTimeoutMs?: number;
  bufferSize: number;
  overflow: OverflowPolicy;
  /** Outbox journal; null = memory only. */
  file: string | null;
  /** When the journal is fsynced (default group commit). */
  durability?: Durability;
  commitIntervalMs?: number;
  /** Who subscribes (the lpr-camera node id): what arrives while it is redeployed is held for it. */
  owner?: string;
  /** Largest payload accepted, inbound and outbound (bytes; default 256 KiB, as lpr-detection-in). */
  maxBytes?: number;
  /** Largest image (bytes; default and at most IMAGE_MAX_BYTES, 256 KiB). */
  maxImageBytes?: number;
  /** Images of detections not acked yet, at most this many bytes in memory (default 16 MiB). */
  imageBufferBytes?: number;
  timers?: OutboxTimers;
}

/** A message from the flow (or the simulator) that cannot be published; `issues` name the fields. */
export class InputError extends Error {
  constructor(
    readonly code: ValidationCode | 'invalid_input' | 'outbox_full',
    readonly issues: FieldIssue[],
  ) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
    this.name = 'InputError';
  }
}

export interface AgentCounts {
  controls: number;
  configUpdates: number;
  healthRequests: number;
  /** Watch-list updates and answers received (valid). */
  blacklists: number;
  /** Inbound messages that failed validation. */
  invalid: number;
  /** Ack messages that failed validation or named another camera. */
  badAcks: number;
}

export interface CameraAgentEvents {
  /** A command; `reply` = where its answer goes when it named a response topic or correlation data (MQTT 5). */
  control: [control: Control, topic: string, reply: ReplyRoute | null];
  configUpdate: [config: Config, topic: string];
  healthRequest: [request: Request, answered: boolean];
  /** A watch-list update (`blacklistUpdates`) or the whole list answering our request (`blacklistAnswer`). */
  blacklist: [update: BlacklistUpdate, kind: ListKind, topic: string];
  invalid: [kind: InboundKind, topic: string, payload: Buffer, error: ValidationError];
  /** A notification raised here from the edge list, before its detection is queued (acts while offline). */
  edgeNotification: [notification: EdgeBlacklistNotification, detection: Detection];
  /** The edge list left entries out (the bound), or could not be saved. */
  listProblem: [error: Error];
  /** An image was let go before it was sent: its detection was dropped or refused, or the image buffer was full. */
  imageDropped: [messageId: string, reason: 'buffer-full' | 'detection-gone'];
  /** The server refused a detection (ack `rejected`): it is not sent again. */
  rejected: [detection: Detection, error: string | undefined];
  /** The overflow policy dropped (`overflow`) or refused (`refused`) a detection. */
  dropped: [detection: Detection, reason: 'overflow' | 'refused'];
  /** A publish or journal write failed (delivery keeps retrying). */
  problem: [error: Error];
  /** Counts changed (for status displays). */
  change: [];
  /** Connected and subscribed: detections flow. */
  online: [];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || Buffer.isBuffer(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export class CameraAgent extends EventEmitter<CameraAgentEvents> {
  readonly outbox: DetectionOutbox<Detection>;
  /**
   * Edge-raised notifications, kept until the broker has them (PUBACK; nobody acks a notification),
   * journaled apart from detections so the detection journal's format is unchanged. Always sent
   * before the detection outbox when the link comes up, and each before its own detection.
   */
  readonly notificationOutbox: DetectionOutbox<EdgeBlacklistNotification>;
  /** The edge's copy of the list; null without `matchAtEdge`. */
  readonly edgeList: EdgeList | null;
  readonly counts: AgentCounts = { controls: 0, configUpdates: 0, healthRequests: 0, blacklists: 0, invalid: 0, badAcks: 0 };
  /** MQTT 5 commands' response topics and correlation data, by command id, until their final answer. */
  private readonly replies = new ReplyRoutes();
  /** Image delivery: published (PUBACK), and let go unsent. */
  readonly imageCounts = { sent: 0, dropped: 0 };
  /**
   * Images of detections not settled yet (sent before each send of their detection), by message_id, in arrival order.
   * Memory only, bounded in bytes: an image is evidence for the operator, the detection is the
   * record. Journaling 256 KiB pictures beside ~1 KB detections would grow the outbox journal a
   * hundredfold and its replay with it; a camera restart keeps the detection and loses its picture.
   */
  private readonly images = new Map<string, Buffer>();
  private imageBytes = 0;
  /** Images whose publish is under way (not published twice when the detection is resent meanwhile). */
  private readonly imagesSending = new Set<string>();
  private lastHealth: Health | null = null;
  private lastConfigUpdateId: string | null = null;
  private unsubscribers: Release[] = [];
  private readonly onState = (state: ConnectionState) => this.stateChanged(state);
  private started = false;
  private stopped = false;
  private configRequested = false;
  private connectedBefore = false;
  private onlineTimer: NodeJS.Immediate | null = null;
  /** Asks for the list again while no answer has come (the server may have dropped the request). */
  private listRetry: NodeJS.Timeout | null = null;

  constructor(
    private readonly link: CameraLink,
    readonly options: CameraAgentOptions,
  ) {
    super();
    this.outbox = new DetectionOutbox<Detection>({
      send: (detection) => {
        // The image first: on one connection at QoS 1 it reaches the server before its detection.
        this.sendImage(detection.message_id);
        return this.link.publish('detection', detection);
      },
      ackTimeoutMs: options.ackTimeoutMs,
      ...(options.maxAckTimeoutMs !== undefined ? { maxAckTimeoutMs: options.maxAckTimeoutMs } : {}),
      limit: options.bufferSize,
      overflow: options.overflow,
      settle: options.awaitAck ? 'ack' : 'publish',
      file: options.file,
      ...(options.durability ? { durability: options.durability } : {}),
      ...(options.commitIntervalMs !== undefined ? { commitIntervalMs: options.commitIntervalMs } : {}),
      validate: (m) => validateMessage('detection', m, { topicCameraId: options.cameraId }).ok,
      ...(options.timers ? { timers: options.timers } : {}),
    });
    this.notificationOutbox = new DetectionOutbox<EdgeBlacklistNotification>({
      // On the camera's own topic: an ACL lets it write there, never on the shared blacklist/notifications.
      send: (notification) => this.link.publish('blacklistEdgeNotification', notification),
      ackTimeoutMs: options.ackTimeoutMs,
      limit: options.bufferSize,
      overflow: 'drop-oldest',
      settle: 'publish',
      file: options.matchAtEdge ? (options.notificationFile ?? null) : null,
      ...(options.durability ? { durability: options.durability } : {}),
      ...(options.commitIntervalMs !== undefined ? { commitIntervalMs: options.commitIntervalMs } : {}),
      validate: (m) => validateMessage('blacklistEdgeNotification', m, { topicCameraId: options.cameraId }).ok,
      ...(options.timers ? { timers: options.timers } : {}),
    });
    this.notificationOutbox.on('problem', (err: Error) => this.emit('problem', err));
    this.notificationOutbox.on('change', () => this.emit('change'));
    this.edgeList =
      options.matchAtEdge && options.blacklist
        ? new EdgeList({ maxEntries: options.maxEntries ?? 200_000, file: options.listFile ?? null, onSaveError: (err) => this.emit('listProblem', err) })
        : null;
    this.outbox.on('acked', (d: Detection) => this.forgetImage(d.message_id, null));
    this.outbox.on('rejected', (d: Detection, error?: string) => {
      this.forgetImage(d.message_id, 'detection-gone');
      this.emit('rejected', d, error);
    });
    this.outbox.on('dropped', (d: Detection, reason: 'overflow' | 'refused') => {
      this.forgetImage(d.message_id, 'detection-gone');
      this.emit('dropped', d, reason);
    });
    this.outbox.on('problem', (err: Error) => this.emit('problem', err));
    this.outbox.on('change', () => this.emit('change'));
  }

  get cameraId(): string {
    return this.options.cameraId;
  }

  get metrics(): OutboxMetrics {
    return this.outbox.metrics;
  }

  /** The last health published (what a `health/request` gets, with a new id and timestamp). */
  get lastHealthMessage(): Health | null {
    return this.lastHealth;
  }

  /** Reads the outbox journal back, subscribes to this camera's inbound topics, follows the connection. Throws on a journal it cannot use. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.outbox.open();
    this.notificationOutbox.open();
    this.edgeList?.load();
    const { topics, connection } = this.link;
    const kinds = INBOUND_KINDS.filter((k) => k !== 'detectionAck' || this.options.awaitAck);
    for (const kind of kinds) {
      const filter = topics.filter(kind, this.options.cameraId);
      this.unsubscribers.push(
        connection.subscribe(filter, POLICY[kind].qos, (topic, payload, packet) => this.inbound(kind, topic, payload, packet), { owner: this.options.owner }),
      );
    }
    if (this.options.blacklist) {
      for (const kind of LIST_KINDS) {
        const filter = kind === 'blacklistAnswer' ? topics.topic(kind, this.options.cameraId) : topics.filter(kind);
        this.unsubscribers.push(connection.subscribe(filter, POLICY[kind].qos, (topic, payload) => this.inbound(kind, topic, payload)));
      }
    }
    connection.on('state', this.onState);
    if (connection.connected) this.stateChanged('connected');
  }

  /**
   * Unsubscribes and closes the outbox (its journal keeps what is pending). `keep`: the same owner
   * starts again soon (a redeploy), so what arrives for it meanwhile is held.
   */
  stop(options: { keep?: boolean } = {}): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.onlineTimer) clearImmediate(this.onlineTimer);
    this.stopListRetry();
    this.link.connection.off('state', this.onState);
    for (const off of this.unsubscribers.splice(0)) off(options);
    this.notificationOutbox.close();
    this.outbox.close();
    this.images.clear();
    this.imageBytes = 0;
    this.edgeList?.close();
  }

  /**
   * Fills `message_id` and `timestamp` when missing, `camera_id` from this camera (a different one
   * is an error naming `camera_id`), `checkpoint_id` on detections when missing, and validates.
   */
  prepare<K extends OutboundKind>(kind: K, payload: unknown): MessageOf<K> {
    if (!isPlainObject(payload)) {
      const got = payload === null ? 'null' : Array.isArray(payload) ? 'an array' : Buffer.isBuffer(payload) ? 'a Buffer' : typeof payload;
      throw new InputError('invalid_input', [{ path: '(payload)', message: `must be an object (the ${kind} message), got ${got}` }]);
    }
    const candidate: Record<string, unknown> = { ...payload };
    const camera = candidate.camera_id;
    if (camera !== undefined && camera !== null && camera !== this.options.cameraId) {
      throw new InputError('camera_mismatch', [
        { path: 'camera_id', message: `is ${JSON.stringify(camera)} but this camera is ${JSON.stringify(this.options.cameraId)}` },
      ]);
    }
    candidate.camera_id = this.options.cameraId;
    if (candidate.message_id === undefined || candidate.message_id === null) candidate.message_id = newMessageId();
    if (candidate.timestamp === undefined || candidate.timestamp === null) candidate.timestamp = nowIso();
    if (kind === 'detection' && (candidate.checkpoint_id === undefined || candidate.checkpoint_id === null)) {
      if (this.options.checkpointId) candidate.checkpoint_id = this.options.checkpointId;
      else delete candidate.checkpoint_id;
    }
    const result = validateMessage(kind, candidate);
    if (!result.ok) throw new InputError(result.error.code, result.error.issues);
    // The server refuses larger payloads without being able to ack them: never send one.
    const size = Buffer.byteLength(JSON.stringify(result.value));
    const max = this.options.maxBytes ?? DEFAULT_MAX_BYTES;
    if (size > max) throw new InputError('too_large', [{ path: '(payload)', message: `is ${size} bytes as JSON, over the ${max}-byte limit` }]);
    return result.value;
  }

  /**
   * Validates and queues a detection; the outbox sends it (again) until it is acked. `image`, when
   * given, is its JPEG (a Buffer, checked by its markers and size: an error names `(image)`),
   * published on the image topic just before each send of the detection, until it is acked.
   */
  detection(payload: unknown, image?: unknown): { detection: Detection; result: AddResult<Detection>; notifications: EdgeBlacklistNotification[] } {
    const detection = this.prepare('detection', payload);
    if (image !== undefined && image !== null) {
      if (!this.link.publishImage) throw new InputError('invalid_input', [{ path: '(image)', message: 'this camera link cannot send images' }]);
      const problem = jpegProblem(image, Math.min(this.options.maxImageBytes ?? IMAGE_MAX_BYTES, IMAGE_MAX_BYTES));
      if (problem) throw new InputError('invalid_input', [{ path: '(image)', message: problem }]);
      const idProblem = messageIdLevelProblem(detection.message_id);
      if (idProblem) throw new InputError('invalid_input', [{ path: 'message_id', message: `${idProblem}, needed to send its image` }]);
    }
    const pending = this.outbox.has(detection.message_id);
    // A detection already pending (a resend from the flow) was matched when it came first.
    const notifications = this.edgeList && !pending ? this.matchAtEdge(detection) : [];
    if (image !== undefined && image !== null && !pending) this.holdImage(detection.message_id, Buffer.from(image as Uint8Array));
    const result = this.outbox.add(detection);
    if (result.status === 'refused') this.forgetImage(detection.message_id, 'detection-gone');
    return { detection, result, notifications };
  }

  /** Bytes of images held for detections not acked yet. */
  get heldImageBytes(): number {
    return this.imageBytes;
  }

  private holdImage(messageId: string, jpeg: Buffer): void {
    const limit = this.options.imageBufferBytes ?? DEFAULT_IMAGE_BUFFER_BYTES;
    this.forgetImage(messageId, null);
    if (jpeg.length > limit) {
      // Larger than the whole buffer: let go at once, without pushing out the others.
      this.imageCounts.dropped++;
      this.emit('imageDropped', messageId, 'buffer-full');
      return;
    }
    // The oldest waiting images make room (their detections still go out, without a picture).
    for (const [id] of this.images) {
      if (this.imageBytes + jpeg.length <= limit) break;
      if (this.imagesSending.has(id)) continue;
      this.forgetImage(id, 'buffer-full');
    }
    if (this.imageBytes + jpeg.length > limit) {
      this.imageCounts.dropped++;
      this.emit('imageDropped', messageId, 'buffer-full');
      return;
    }
    this.images.set(messageId, jpeg);
    this.imageBytes += jpeg.length;
  }

  private forgetImage(messageId: string, reason: 'buffer-full' | 'detection-gone' | null): void {
    const jpeg = this.images.get(messageId);
    if (!jpeg) return;
    this.images.delete(messageId);
    this.imageBytes -= jpeg.length;
    if (reason) {
      this.imageCounts.dropped++;
      this.emit('imageDropped', messageId, reason);
    }
  }

  /**
   * Publishes the held image of `messageId`, if any, ahead of each send of its detection. It is
   * kept until the detection settles: a detection resent for want of an ack may have found no
   * server subscribed the first time, and its picture then went nowhere either.
   */
  private sendImage(messageId: string): void {
    const jpeg = this.images.get(messageId);
    if (!jpeg || this.imagesSending.has(messageId)) return;
    this.imagesSending.add(messageId);
    this.link.publishImage!(messageId, jpeg).then(
      () => {
        this.imagesSending.delete(messageId);
        this.imageCounts.sent++;
      },
      (err: Error) => {
        this.imagesSending.delete(messageId);
        this.emit('problem', new Error(`image of detection ${messageId} not sent (kept for the next try): ${err.message}`));
      },
    );
  }

  /**
   * Matches the detection's plates against the edge list; each match becomes a notification raised
   * here, emitted at once and queued BEFORE the detection (so, on one connection at QoS 1, the
   * server receives it before the detection and does not raise it again).
   */
  private matchAtEdge(detection: Detection): EdgeBlacklistNotification[] {
    const out: EdgeBlacklistNotification[] = [];
    const ctx = {
      cameraId: detection.camera_id,
      checkpointId: detection.checkpoint_id ?? null,
      detectionMessageId: detection.message_id,
      imagePath: typeof detection.metadata?.image_path === 'string' && detection.metadata.image_path.length <= 1024 ? detection.metadata.image_path : null,
      detection,
      reads: [],
    };
    const now = Date.now();
    for (const plate of detection.detection_data.plates) {
      const read = { plate: plate.plate_number, province: plate.province ?? null };
      const match = this.edgeList!.match(read.plate, read.province, now);
      if (!match) continue;
      const notification = createMessage('blacklistEdgeNotification', { ...notificationFields(ctx, read, match), raised_by: 'edge' });
      out.push(notification);
      this.emit('edgeNotification', notification, detection);
      this.notificationOutbox.add(notification);
    }
    return out;
  }

  /** Validates and publishes a health message (retained), remembered to answer `health/request`. */
  health(payload: unknown): Promise<void> {
    const health = this.prepare('health', payload);
    this.lastHealth = health;
    return this.link.publish('health', health);
  }

  /** Validates and publishes the config the camera runs (reported, retained). */
  config(payload: unknown): Promise<void> {
    return this.link.publish('config', this.prepare('config', payload));
  }

  /**
   * Validates and publishes the answer to a control command: on the command's MQTT 5 response
   * topic with its correlation data when it gave them (an interim `accepted` too), else on this
   * camera's `control/response`.
   */
  controlResponse(payload: unknown): Promise<void> {
    const response = this.prepare('controlResponse', payload);
    const route = this.replies.take(response.request_id, response.status !== 'accepted');
    if (!route) return this.link.publish('controlResponse', response);
    const { qos, retain } = POLICY.controlResponse;
    const topic = route.topic ?? this.link.topics.topic('controlResponse', this.options.cameraId);
    return this.link.connection.publish(topic, encodeMessage('controlResponse', response), {
      qos,
      retain,
      ...(route.correlationData ? { properties: { correlationData: route.correlationData } } : {}),
    });
  }

  // -------------------------------------------------------------------------------------------

  private stateChanged(state: ConnectionState): void {
    if (state !== 'connected') {
      if (this.onlineTimer) clearImmediate(this.onlineTimer);
      this.onlineTimer = null;
      this.stopListRetry();
      this.notificationOutbox.setOnline(false);
      this.outbox.setOnline(false);
      return;
    }
    // After the connection has (re)subscribed: our publishes go out behind its SUBSCRIBE packets, so
    // an ack cannot come back before the broker routes acks to us.
    if (this.onlineTimer) return;
    this.onlineTimer = setImmediate(() => {
      this.onlineTimer = null;
      if (this.stopped || !this.link.connection.connected) return;
      const reconnect = this.connectedBefore;
      this.connectedBefore = true;
      // Our will may have marked the camera offline while we were away: say how it is again.
      if (reconnect && this.lastHealth) this.republishHealth();
      if (this.options.requestConfig && !this.configRequested) {
        this.configRequested = true;
        const request = { message_id: newMessageId(), timestamp: nowIso(), camera_id: this.options.cameraId };
        this.link.publish('configRequest', request).catch((err: Error) => this.emit('problem', err));
      }
      if (this.options.blacklist) this.requestList(this.options.blacklistRetryMs ?? 30_000);
      // Notifications first: each goes out ahead of its detection.
      this.notificationOutbox.setOnline(true);
      this.outbox.setOnline(true);
      this.emit('online');
    });
  }

  /** Asks for the whole list; answered on our own cameras/{id}/blacklist (the server merges and rate-limits requests). */
  private requestList(retryMs: number): void {
    this.stopListRetry();
    const request = { message_id: newMessageId(), timestamp: nowIso(), camera_id: this.options.cameraId };
    this.link.publish('blacklistRequest', request).catch((err: Error) => this.emit('problem', err));
    this.listRetry = setTimeout(() => {
      this.listRetry = null;
      if (!this.stopped && this.link.connection.connected) this.requestList(Math.min(retryMs * 2, 600_000));
    }, retryMs);
    this.listRetry.unref?.();
  }

  private stopListRetry(): void {
    if (this.listRetry) clearTimeout(this.listRetry);
    this.listRetry = null;
  }

  /** Where the answer to `control` goes (MQTT 5 properties), or null for control/response as usual. */
  private replyRoute(control: Control, packet: IPublishPacket | undefined): ReplyRoute | null {
    const props = packet?.properties;
    const correlation = props?.correlationData;
    const correlationData = correlation !== undefined && correlation !== null ? Buffer.from(correlation) : null;
    let topic = typeof props?.responseTopic === 'string' ? props.responseTopic : null;
    if (topic !== null) {
      const refusal = responseTopicRefusal(topic, this.link.topics, this.options.cameraId);
      if (refusal) {
        this.emit('problem', new RefusedResponseTopic(control.message_id, JSON.stringify(topic.slice(0, 200)), refusal));
        topic = null;
      }
    }
    return topic === null && correlationData === null ? null : { topic, correlationData };
  }

  private republishHealth(): boolean {
    if (!this.lastHealth) return false;
    const health: Health = { ...this.lastHealth, message_id: newMessageId(), timestamp: nowIso() };
    this.lastHealth = health;
    this.link.publish('health', health).catch((err: Error) => this.emit('problem', err));
    return true;
  }

  private inbound(kind: InboundKind, topic: string, payload: Buffer, packet?: IPublishPacket): void {
    if (this.stopped) return;
    // An empty retained message clears a topic (e.g. the desired config): nothing to act on.
    if (payload.length === 0) return;
    const list = kind === 'blacklistUpdates' || kind === 'blacklistAnswer';
    const maxBytes = list ? MAX_LIST_BYTES : this.options.maxBytes;
    const result = decodePayload(kind, payload, { ...(list ? {} : { topicCameraId: this.options.cameraId }), ...(maxBytes ? { maxBytes } : {}) });
    if (!result.ok) {
      if (kind === 'detectionAck') this.counts.badAcks++;
      this.counts.invalid++;
      this.emit('invalid', kind, topic, payload, result.error);
      this.emit('change');
      return;
    }
    switch (kind) {
      case 'detectionAck': {
        const ack = result.value as MessageOf<'detectionAck'>;
        this.outbox.ack(ack.ack_id, ack.status, ack.error, ack.retry_after_ms);
        break;
      }
      case 'control': {
        this.counts.controls++;
        const control = result.value as Control;
        const reply = this.replyRoute(control, packet);
        if (reply) this.replies.remember(control.message_id, reply);
        this.emit('control', control, topic, reply);
        break;
      }
      case 'configUpdate': {
        const config = result.value as Config;
        // The retained desired config and the server's answer to our config/request are often the same message.
        if (config.message_id === this.lastConfigUpdateId) return;
        this.lastConfigUpdateId = config.message_id;
        this.counts.configUpdates++;
        this.emit('configUpdate', config, topic);
        break;
      }
      case 'healthRequest': {
        this.counts.healthRequests++;
        const answered = this.republishHealth();
        this.emit('healthRequest', result.value as Request, answered);
        break;
      }
      case 'blacklistUpdates':
      case 'blacklistAnswer':
        this.counts.blacklists++;
        if (!this.edgeList) {
          if (kind === 'blacklistAnswer') this.stopListRetry();
        } else {
          const update = result.value as BlacklistUpdate;
          const applied = this.edgeList.apply(update, topic);
          // The answer comes in snapshot chunks: asked again (with backoff) until one is whole.
          if (kind === 'blacklistAnswer' && applied.complete) this.stopListRetry();
          if (applied.overLimit > 0) {
            this.emit('listProblem', new EdgeListFull(this.options.maxEntries ?? 200_000, applied.overLimit, update.entries.length, update.action, update.message_id));
          }
        }
        this.emit('blacklist', result.value as BlacklistUpdate, kind, topic);
        break;
    }
    this.emit('change');
  }
}

/** Turns an InputError or ValidationError into the Error a node hands to `done`, naming `msg.payload.<field>`. */
export function inputErrorFor(err: unknown, prefix = 'msg.payload'): Error {
  if (err instanceof InputError || err instanceof ValidationError) {
    const issues = err.issues.map((i) => ({ path: i.path === '(payload)' ? prefix : i.path === '(image)' ? 'msg.image' : `${prefix}.${i.path}`, message: i.message }));
    const e = new Error(issues.map((i) => `${i.path}: ${i.message}`).join('; '), { cause: { code: err.code, issues } });
    Object.assign(e, { code: err.code });
    return e;
  }
  return err instanceof Error ? err : new Error(String(err));
}

export type { MessageKind };
