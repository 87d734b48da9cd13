/**
 * `lpr-camera`: the edge side. Publishes this camera's detections (kept until the server acks
 * them, resent with the same `message_id`, optionally persisted), health, reported config and
 * control responses; outputs the control commands, config updates and (optionally) watch-list updates addressed to it; answers
 * `health/request` with its last health; its connection's will marks it offline.
 */
import { rmSync } from 'node:fs';
import { CameraAgent, inputErrorFor, InputError, type OutboundKind } from '../edge/camera-agent';
import { defaultUserDir, edgeListPath, journalPath, notificationJournalPath, readCameraSettings, type CameraSettings } from '../edge/camera-settings';
import catalog from '../../locales/en-US/lpr-camera.json';
import { IMAGE_POLICY } from '../protocol';
import { resolveBroker } from './shared/broker-api';
import { edgeProblemText } from './shared/edge-problems';
import { translator } from './shared/i18n';
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
  const t = translator(RED, catalog);
  function LprCameraNode(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const broker = resolveBroker(RED, def.broker);
    if (broker instanceof Error) return failSetup(node, broker, t);
    let settings: CameraSettings;
    try {
      settings = readCameraSettings(def);
    } catch (err) {
      return failSetup(node, err, t);
    }
    if (settings.matchAtEdge && !settings.blacklist) node.warn(t('lpr-camera.warn.matchNeedsList'));
    const claim = broker.claimCameraPresence(node, settings.camera);
    if (claim) return failSetup(node, claim, t);

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
    const status = new StatusReporter(
      node,
      () =>
        [
          t('lpr-camera.status.pending', { n: metrics.pending }),
          t('lpr-camera.status.acked', { n: metrics.acked }),
          metrics.deferred ? t('lpr-camera.status.deferred', { n: metrics.deferred }) : '',
          metrics.rejected ? t('lpr-camera.status.rejected', { n: metrics.rejected }) : '',
          metrics.dropped ? t('lpr-camera.status.dropped', { n: metrics.dropped }) : '',
          metrics.corrupt ? t('lpr-camera.status.unreadable', { n: metrics.corrupt }) : '',
        ]
          .filter(Boolean)
          .join(' · '),
      1000,
      t,
    );

    let lastDropWarning = 0;
    let droppedSinceWarning = 0;
    agent.on('dropped', (detection, reason) => {
      if (reason === 'refused') return; // reported to the sender through done(err)
      droppedSinceWarning++;
      const now = Date.now();
      if (now - lastDropWarning < DROP_WARN_MS) return;
      lastDropWarning = now;
      node.warn(
        t('lpr-camera.warn.dropped', { size: settings.bufferSize, id: detection.message_id }) +
          (droppedSinceWarning > 1 ? t('lpr-camera.warn.droppedSince', { n: droppedSinceWarning }) : ''),
      );
      droppedSinceWarning = 0;
    });
    agent.on('rejected', (detection, error) => {
      const err = new Error(t('lpr-camera.error.rejectedByServer', { id: detection.message_id, reason: error ?? t('lpr-camera.error.noReason') }), {
        cause: { code: 'rejected', message_id: detection.message_id, error: error ?? null },
      });
      Object.assign(err, { code: 'rejected' });
      node.error(err, { topic: 'detection', payload: detection, lpr: { type: 'detection', cameraId: camera, messageId: detection.message_id } } as NodeMessage);
    });
    agent.on('invalid', (kind, topic, payload, error) => {
      const what = t(
        kind === 'detectionAck'
          ? 'lpr-camera.what.ack'
          : kind === 'configUpdate'
            ? 'lpr-camera.what.configUpdate'
            : kind === 'healthRequest'
              ? 'lpr-camera.what.healthRequest'
              : kind === 'control'
                ? 'lpr-camera.what.control'
                : 'lpr-camera.what.blacklist',
      );
      reportRejected(node, t('lpr-camera.what.forCamera', { what, camera }), topic, payload, error, { type: kind, cameraId: camera, messageId: null, receivedAt: Date.now() });
    });
    let lastProblem = '';
    agent.on('problem', (err) => {
      // The same failure repeats on every retry: say it once in a row.
      const text = edgeProblemText(err, t);
      if (text !== lastProblem) node.warn(text);
      lastProblem = text;
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
      const text = edgeProblemText(err, t);
      if (text !== lastListWarning) node.warn(text);
      lastListWarning = text;
    });
    agent.on('healthRequest', (_request, answered) => {
      if (!answered) node.warn(t('lpr-camera.warn.noHealth'));
    });
    agent.on('change', () => status.touch());

    try {
      agent.start();
    } catch (err) {
      agent.stop();
      return failSetup(node, new Error(t('lpr-camera.error.journal', { file: agent.outbox.journalFile, detail: (err as Error).message })), t);
    }
    if (metrics.restored > 0) node.log(t('lpr-camera.log.restored', { n: metrics.restored, file: agent.outbox.journalFile }));
    if (metrics.corrupt > 0) {
      // A record torn by a crash (or a damaged disk): its detection, if any, is lost to the outbox.
      node.warn(
        t('lpr-camera.warn.unreadable', { n: metrics.corrupt, file: agent.outbox.journalFile, restored: metrics.restored }) +
          (agent.outbox.corruptCopy ? t('lpr-camera.warn.keptAs', { copy: agent.outbox.corruptCopy }) : ''),
      );
    }
    broker.register(node, (state) => status.setState(state));

    node.on('input', (msg: NodeMessage, _send: unknown, done: (err?: Error) => void) => {
      const topic = typeof msg.topic === 'string' ? msg.topic.trim() : msg.topic;
      const kind = typeof topic === 'string' ? INPUT_KINDS[topic] : undefined;
      if (!kind) {
        done(new Error(t('lpr-camera.error.badTopic', { got: JSON.stringify(topic) ?? 'nothing' })));
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
          const e = new Error(t('lpr-camera.error.notQueued', { detail: err.issues[0]?.message ?? t('lpr-camera.error.outboxFull') }));
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
