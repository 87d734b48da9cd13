/** `lpr-detection-in`: validated, deduplicated detections from one camera or all, with acks. */
import path from 'node:path';
import { POLICY } from '../protocol/policy';
import { createMessage, type Ack } from '../protocol';
import { dedupeKey, DetectionIntake, detectionMessages, readDetectionInSettings, type DetectionInSettings } from '../runtime/detection-intake';
import { DedupeJournal } from '../runtime/dedupe-journal';
import { HandoverQueue } from '../runtime/handover-queue';
import { AlertThrottle } from '../runtime/rate-limit';
import { recordLatency } from '../runtime/registry';
import { resolveBroker } from './shared/broker-api';
import type { Node, NodeAPI, NodeDef, NodeMessage } from './shared/red';
import { reportRejected } from './shared/reject';
import { failSetup } from './shared/setup';
import { StatusReporter } from './shared/status';

export = function register(RED: NodeAPI & { settings?: { userDir?: string } }): void {
  function LprDetectionInNode(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const broker = resolveBroker(RED, def.broker);
    if (broker instanceof Error) return failSetup(node, broker);
    let settings: DetectionInSettings;
    try {
      settings = readDetectionInSettings(def);
    } catch (err) {
      return failSetup(node, err);
    }
    const intake = new DetectionIntake(broker.topics, settings);
    const counts = intake.counts;
    // Acks and dedupe journal lines wait until Node-RED has handed the output on (see HandoverQueue).
    const handover = new HandoverQueue<Ack>(({ ack, delivered, at }) => {
      if (delivered) journal?.append(dedupeKey(delivered.cameraId, delivered.messageId), at);
      if (ack) publishAck(ack);
    });
    const journal = openDedupeJournal(RED.settings?.userDir, node, intake, settings, handover);
    const status = new StatusReporter(node, () => {
      const extra = [
        counts.rejected ? `${counts.rejected} rejected` : '',
        counts.rateLimited ? `${counts.rateLimited} over rate` : '',
        counts.duplicates ? `${counts.duplicates} dup` : '',
      ]
        .filter(Boolean)
        .join(' · ');
      return `${counts.accepted} in${extra ? ' · ' + extra : ''}`;
    });

    // The ack topic per camera, built once (the camera id was validated with the detection).
    const ackTopics = new Map<string, string>();
    const ackTopic = (cameraId: string) => {
      let t = ackTopics.get(cameraId);
      if (t === undefined) {
        if (ackTopics.size >= 10_000) ackTopics.clear();
        t = broker.topics.topic('detectionAck', cameraId);
        ackTopics.set(cameraId, t);
      }
      return t;
    };
    // createAck already checked the two fields that come from outside; publishMessage would run the
    // whole Ack schema again (~2.5 µs with the stringify) for an object this node built.
    const publishAck = (ack: Ack): void => {
      broker.connection
        .publish(ackTopic(ack.camera_id), JSON.stringify(ack), { qos: POLICY.detectionAck.qos, retain: POLICY.detectionAck.retain })
        .catch((err: Error) => node.warn(`ack for ${ack.ack_id} not sent: ${err.message}`));
    };
    const sendAck = (ack: Ack | null) => handover.add(ack);

    // Rate-limit alerts on {root}/system/alerts: the first rejection of a camera at once, then at
    // most one per camera per interval with the count since the last one (one sweep timer per node).
    const source = (node.name && node.name.trim()) || 'lpr-detection-in';
    const alerts = new AlertThrottle(settings.rateAlertIntervalMs);
    const publishRateAlert = (cameraId: string, rejected: number) => {
      const seconds = Math.round(settings.rateAlertIntervalMs / 1000);
      const alert = createMessage('systemAlerts', {
        level: 'warning',
        source: source.slice(0, 256),
        camera_id: cameraId,
        message: `camera ${cameraId} is over the detection rate limit (${settings.rateLimit}/s, burst ${settings.rateBurst}): ${rejected} detection(s) rejected${rejected > 1 ? ` in the last ${seconds} s` : ''}`,
        details: { reason: 'rate_limited', rejected, rate_limit: settings.rateLimit, rate_burst: settings.rateBurst, interval_s: seconds },
      });
      broker.publishMessage('systemAlerts', undefined, alert).catch((err: Error) => node.warn(`rate-limit alert for ${cameraId} not published: ${err.message}`));
    };
    const sweep = intake.limiter
      ? setInterval(() => {
          for (const { key, count } of alerts.flush(Date.now())) publishRateAlert(key, count);
        }, Math.min(settings.rateAlertIntervalMs, 10_000))
      : null;
    sweep?.unref?.();

    const onMessage = (topic: string, payload: Buffer) => {
      const receivedAt = Date.now();
      const result = intake.handle(topic, payload, receivedAt);
      switch (result.kind) {
        case 'foreign':
          return;
        case 'rejected':
        case 'rate-limited': {
          reportRejected(node, `detection from camera ${result.cameraId}`, topic, payload, result.error, {
            type: 'detection',
            cameraId: result.cameraId,
            messageId: result.messageId,
            receivedAt,
          });
          sendAck(result.ack);
          if (result.kind === 'rate-limited') {
            const due = alerts.note(result.cameraId, receivedAt);
            if (due > 0) publishRateAlert(result.cameraId, due);
          }
          break;
        }
        case 'duplicate':
          sendAck(result.ack);
          break;
        case 'detection': {
          const msgs = detectionMessages(topic, result.detection, receivedAt, settings.split);
          if (msgs[0]) recordLatency(broker.id, 'detection', msgs[0].lpr.latencyMs);
          for (const msg of msgs) node.send(msg as unknown as NodeMessage);
          handover.add(result.ack, { cameraId: result.cameraId, messageId: result.detection.message_id }, receivedAt);
          break;
        }
      }
      status.touch();
    };

    const filter = broker.topics.filter('detection', settings.camera, settings.sharedGroup);
    const unsubscribe = broker.connection.subscribe(filter, 1, onMessage, { owner: node.id });
    broker.register(node, (state) => status.setState(state));

    node.on('close', (removed: boolean, done: () => void) => {
      // Outputs not handed over were dropped with the flow: not duplicates when they come again.
      for (const dropped of handover.close()) intake.forgetDedupe(dropped.cameraId, dropped.messageId);
      // A deleted node's window goes with it; otherwise it is kept for the next start.
      if (removed) journal?.discard();
      else journal?.close();
      if (sweep) clearInterval(sweep);
      // Redeployed (not removed): what arrives for it meanwhile is held for the new instance.
      unsubscribe({ keep: !removed });
      broker.deregister(node);
      status.stop();
      done();
    });
  }

  RED.nodes.registerType('lpr-detection-in', LprDetectionInNode);
};

/**
 * The dedupe window outlives a restart in `<userDir>/lpr-detection-in/<node id>.dedupe`: without
 * it, a camera resend whose ack was lost would be emitted again by the restarted runtime. Off when
 * dedupe is off, or when the runtime has no userDir (an embedded runtime with no place of its own).
 */
function openDedupeJournal(
  userDir: string | undefined,
  node: Node,
  intake: DetectionIntake,
  settings: DetectionInSettings,
  handover: HandoverQueue<Ack>,
): DedupeJournal | null {
  if (!intake.dedupes || typeof userDir !== 'string' || userDir === '') return null;
  const file = path.join(userDir, 'lpr-detection-in', `${node.id.replace(/[^A-Za-z0-9_.-]/g, '_')}.dedupe`);
  let warned = false;
  const window = () => {
    const pending = handover.pendingKeys();
    return intake.dedupeEntries().filter(([key]) => !pending.has(key));
  };
  const journal = new DedupeJournal(file, settings.dedupeSize * 2, window, (err) => {
    if (!warned) node.warn(`dedupe journal ${file}: ${err.message}; duplicates after a restart are possible`);
    warned = true;
  });
  try {
    const { entries, skipped } = journal.load();
    intake.restoreDedupe(entries);
    if (skipped > 0) node.warn(`dedupe journal ${file}: ${skipped} malformed line(s) skipped`);
  } catch (err) {
    node.warn(`dedupe journal ${file} not read: ${(err as Error).message}`);
  }
  journal.rewrite();
  return journal;
}
