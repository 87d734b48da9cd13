/**
 * `lpr-camera`: the edge side. Publishes this camera's detections (kept until the server acks
 * them, resent with the same `message_id`, optionally persisted), health, reported config and
 * control responses; outputs the control commands, config updates and (optionally) watch-list updates addressed to it; answers
 * `health/request` with its last health; its connection's will marks it offline.
 */
import { rmSync } from 'node:fs';
import { CameraAgent, inputErrorFor, InputError, type OutboundKind } from '../edge/camera-agent';
import { defaultUserDir, edgeListPath, journalPath, notificationJournalPath, readCameraSettings, type CameraSettings } from '../edge/camera-settings';
import { IMAGE_POLICY } from '../protocol';
import { resolveBroker } from './shared/broker-api';
import type { Node, NodeAPI, NodeDef, NodeMessage } from './shared/red';
import { reportRejected } from './shared/reject';
import { failSetup } from './shared/setup';
import { StatusReporter } from './shared/status';

/** `msg.topic` -> what is published. */
const INPUT_KINDS: Record<string, OutboundKind> = {
  detection: 'detection',
  health: 'health',
  config: 'config',
  'control/response': 'controlResponse',
};

/** Warn about dropped detections at most this often. */
const DROP_WARN_MS = 10_000;

function userDirOf(RED: NodeAPI): string {
  try {
    return defaultUserDir((RED as unknown as { settings?: { userDir?: unknown } }).settings?.userDir);
  } catch {
    // Node-RED's settings object throws for a setting that is not loaded yet.
    return defaultUserDir(undefined);
  }
}

export = function register(RED: NodeAPI): void {
  function LprCameraNode(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const broker = resolveBroker(RED, def.broker);
    if (broker instanceof Error) return failSetup(node, broker);
    let settings: CameraSettings;
    try {
      settings = readCameraSettings(def);
    } catch (err) {
      return failSetup(node, err);
    }
    if (settings.matchAtEdge && !settings.blacklist) node.warn('matchAtEdge needs the watch list (blacklist): nothing is matched at the edge');
    const claim = broker.claimCameraPresence(node, settings.camera);
    if (claim) return failSetup(node, claim);

    const camera = settings.camera;
    const userDir = userDirOf(RED);
    const journal = journalPath(settings, userDir, node.id);
    const agent = new CameraAgent(
      {
        topics: broker.topics,
        connection: broker.connection,
        publish: (kind, message) => broker.publishMessage(kind, camera, message),
        publishImage: (messageId, jpeg) => {
          let topic: string;
          try {
            topic = broker.topics.imageTopic(camera, messageId);
          } catch (err) {
            return Promise.reject(err);
          }
          return broker.connection.publish(topic, jpeg, { qos: IMAGE_POLICY.qos, retain: IMAGE_POLICY.retain });
        },
      },
      {
        cameraId: camera,
        checkpointId: settings.checkpoint,
        awaitAck: settings.ack,
        requestConfig: settings.requestConfig,
        blacklist: settings.blacklist,
        matchAtEdge: settings.matchAtEdge,
        maxEntries: settings.maxEntries,
        listFile: settings.matchAtEdge && settings.blacklist ? edgeListPath(userDir, node.id) : null,
        notificationFile: notificationJournalPath(journal),
        ackTimeoutMs: settings.ackTimeoutMs,
        bufferSize: settings.bufferSize,
        overflow: settings.overflow,
        file: journal,
        durability: settings.durability,
        commitIntervalMs: settings.commitIntervalMs,
        owner: node.id,
      },
    );
    // For diagnostics and tests: the agent with its outbox (pending detections, metrics).
    Object.defineProperty(node, 'lprAgent', { value: agent, configurable: true });
    const metrics = agent.metrics;
    const status = new StatusReporter(node, () => {
      const extra = [
        metrics.deferred ? `${metrics.deferred} deferred` : '',
        metrics.rejected ? `${metrics.rejected} rejected` : '',
        metrics.dropped ? `${metrics.dropped} dropped` : '',
        metrics.corrupt ? `${metrics.corrupt} unreadable` : '',
      ]
        .filter(Boolean)
        .join(' · ');
      return `${metrics.pending} pending · ${metrics.acked} acked${extra ? ' · ' + extra : ''}`;
    });

    let lastDropWarning = 0;
    let droppedSinceWarning = 0;
    agent.on('dropped', (detection, reason) => {
      if (reason === 'refused') return; // reported to the sender through done(err)
      droppedSinceWarning++;
      const now = Date.now();
      if (now - lastDropWarning < DROP_WARN_MS) return;
      lastDropWarning = now;
      node.warn(
        `outbox full (${settings.bufferSize}): dropped the oldest detection ${detection.message_id}` +
          (droppedSinceWarning > 1 ? ` (${droppedSinceWarning} dropped since the last warning)` : ''),
      );
      droppedSinceWarning = 0;
    });
    agent.on('rejected', (detection, error) => {
      const err = new Error(`detection ${detection.message_id} rejected by the server: ${error ?? 'no reason given'}`, {
        cause: { code: 'rejected', message_id: detection.message_id, error: error ?? null },
      });
      Object.assign(err, { code: 'rejected' });
      node.error(err, { topic: 'detection', payload: detection, lpr: { type: 'detection', cameraId: camera, messageId: detection.message_id } } as NodeMessage);
    });
    agent.on('invalid', (kind, topic, payload, error) => {
      const what =
        kind === 'detectionAck' ? 'ack' : kind === 'configUpdate' ? 'config update' : kind === 'healthRequest' ? 'health request' : kind === 'control' ? 'control' : 'watch list';
      reportRejected(node, `${what} for camera ${camera}`, topic, payload, error, { type: kind, cameraId: camera, messageId: null, receivedAt: Date.now() });
    });
    let lastProblem = '';
    agent.on('problem', (err) => {
      // The same failure repeats on every retry: say it once in a row.
      if (err.message !== lastProblem) node.warn(err.message);
      lastProblem = err.message;
    });
    agent.on('online', () => {
      lastProblem = '';
    });
    agent.on('control', (control, topic) => {
      node.send([{ topic: 'control', payload: control, lpr: { type: 'control', cameraId: camera, messageId: control.message_id, mqttTopic: topic, receivedAt: Date.now() } } as NodeMessage, null]);
    });
    agent.on('configUpdate', (config, topic) => {
      node.send([null, { topic: 'config/update', payload: config, lpr: { type: 'config', cameraId: camera, messageId: config.message_id, mqttTopic: topic, receivedAt: Date.now() } } as NodeMessage]);
    });
    agent.on('blacklist', (update, kind, topic) => {
      const msgTopic = kind === 'blacklistAnswer' ? 'blacklist' : 'blacklist/updates';
      node.send([null, null, { topic: msgTopic, payload: update, lpr: { type: 'blacklist', cameraId: camera, messageId: update.message_id, mqttTopic: topic, receivedAt: Date.now() } } as NodeMessage]);
    });
    // Raised here from the edge list: out at once, whatever the link (the barrier acts on it).
    agent.on('edgeNotification', (notification, detection) => {
      node.send([null, null, null, { topic: 'blacklist/notifications', payload: notification, detection, lpr: { type: 'blacklist-match', raisedBy: 'edge', cameraId: camera, plate: notification.plate_number, messageId: notification.message_id } } as NodeMessage]);
    });
    let lastListWarning = '';
    agent.on('listProblem', (err) => {
      if (err.message !== lastListWarning) node.warn(err.message);
      lastListWarning = err.message;
    });
    agent.on('healthRequest', (_request, answered) => {
      if (!answered) node.warn('health/request received but no health has been published yet: send a msg with topic "health" first');
    });
    agent.on('change', () => status.touch());

    try {
      agent.start();
    } catch (err) {
      agent.stop();
      return failSetup(node, new Error(`file: cannot use the outbox journal ${agent.outbox.journalFile}: ${(err as Error).message}`));
    }
    if (metrics.restored > 0) node.log(`${metrics.restored} unacknowledged detection(s) restored from ${agent.outbox.journalFile}`);
    if (metrics.corrupt > 0) {
      // A record torn by a crash (or a damaged disk): its detection, if any, is lost to the outbox.
      node.warn(
        `${metrics.corrupt} unreadable record${metrics.corrupt === 1 ? '' : 's'} in the outbox journal ${agent.outbox.journalFile} skipped ` +
          `(torn by a crash or damaged); ${metrics.restored} detection(s) restored` +
          (agent.outbox.corruptCopy ? `; the journal as read is kept as ${agent.outbox.corruptCopy}` : ''),
      );
    }
    broker.register(node, (state) => status.setState(state));

    node.on('input', (msg: NodeMessage, _send: unknown, done: (err?: Error) => void) => {
      const topic = typeof msg.topic === 'string' ? msg.topic.trim() : msg.topic;
      const kind = typeof topic === 'string' ? INPUT_KINDS[topic] : undefined;
      if (!kind) {
        done(new Error(`msg.topic: must be "detection", "health", "config" or "control/response", got ${JSON.stringify(topic) ?? 'nothing'}`));
        return;
      }
      try {
        let payload = msg.payload;
        // A control command wired back with its msg.lpr: answer it without copying its id.
        const lpr = msg.lpr as { type?: unknown; messageId?: unknown } | undefined;
        if (kind === 'controlResponse' && payload && typeof payload === 'object' && !Array.isArray(payload) && (payload as Record<string, unknown>).request_id === undefined && lpr?.type === 'control' && typeof lpr.messageId === 'string') {
          payload = { ...(payload as Record<string, unknown>), request_id: lpr.messageId };
        }
        if (kind === 'detection') {
          // msg.image: the detection's JPEG, published on its image topic just before it.
          const { result } = agent.detection(payload, (msg as { image?: unknown }).image);
          if (result.status === 'refused') throw new InputError('outbox_full', [{ path: '(payload)', message: result.reason }]);
          status.touch();
          done();
          return;
        }
        const publishing = kind === 'health' ? agent.health(payload) : kind === 'config' ? agent.config(payload) : agent.controlResponse(payload);
        publishing.then(
          () => done(),
          (err: Error) => done(err),
        );
      } catch (err) {
        if (err instanceof InputError && err.code === 'outbox_full') {
          const e = new Error(`detection not queued: ${err.issues[0]?.message ?? 'outbox full'}`);
          Object.assign(e, { code: 'outbox_full' });
          done(e);
        } else done(inputErrorFor(err));
      }
    });

    node.on('close', (removed: boolean, done: () => void) => {
      // Redeployed (not removed): acks and commands that arrive meanwhile are held for the new instance.
      agent.stop({ keep: !removed });
      // A deleted node leaves no empty journal behind in the user directory (a non-empty one is kept).
      const file = agent.outbox.journalFile;
      if (removed && file && settings.file === '' && agent.outbox.size === 0) {
        try {
          rmSync(file, { force: true });
          if (agent.notificationOutbox.size === 0 && agent.notificationOutbox.journalFile) rmSync(agent.notificationOutbox.journalFile, { force: true });
          if (agent.edgeList) rmSync(edgeListPath(userDir, node.id), { force: true });
        } catch {
          // not ours to worry about
        }
      }
      broker.deregister(node);
      status.stop();
      done();
    });
  }

  RED.nodes.registerType('lpr-camera', LprCameraNode);
};
