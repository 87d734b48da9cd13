/** `lpr-detection-in`: validated, deduplicated detections from one camera or all, with acks. */
import type { Ack } from '../protocol';
import { DetectionIntake, detectionMessages, readDetectionInSettings, type DetectionInSettings } from '../runtime/detection-intake';
import { recordLatency } from '../runtime/registry';
import { resolveBroker } from './shared/broker-api';
import type { Node, NodeAPI, NodeDef, NodeMessage } from './shared/red';
import { reportRejected } from './shared/reject';
import { failSetup } from './shared/setup';
import { StatusReporter } from './shared/status';

export = function register(RED: NodeAPI): void {
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
    const status = new StatusReporter(node, () => {
      const extra = [counts.rejected ? `${counts.rejected} rejected` : '', counts.duplicates ? `${counts.duplicates} dup` : '']
        .filter(Boolean)
        .join(' · ');
      return `${counts.accepted} in${extra ? ' · ' + extra : ''}`;
    });

    const sendAck = (ack: Ack | null) => {
      if (!ack) return;
      broker.publishMessage('detectionAck', ack.camera_id, ack).catch((err: Error) => node.warn(`ack for ${ack.ack_id} not sent: ${err.message}`));
    };

    const onMessage = (topic: string, payload: Buffer) => {
      const receivedAt = Date.now();
      const result = intake.handle(topic, payload, receivedAt);
      switch (result.kind) {
        case 'foreign':
          return;
        case 'rejected':
          reportRejected(node, `detection from camera ${result.cameraId}`, topic, payload, result.error, {
            type: 'detection',
            cameraId: result.cameraId,
            messageId: result.messageId,
            receivedAt,
          });
          sendAck(result.ack);
          break;
        case 'duplicate':
          sendAck(result.ack);
          break;
        case 'detection': {
          const msgs = detectionMessages(topic, result.detection, receivedAt, settings.split);
          if (msgs[0]) recordLatency(broker.id, 'detection', msgs[0].lpr.latencyMs);
          for (const msg of msgs) node.send(msg as unknown as NodeMessage);
          sendAck(result.ack);
          break;
        }
      }
      status.touch();
    };

    const filter = broker.topics.filter('detection', settings.camera, settings.sharedGroup);
    const unsubscribe = broker.connection.subscribe(filter, 1, onMessage);
    broker.register(node, (state) => status.setState(state));

    node.on('close', (_removed: boolean, done: () => void) => {
      unsubscribe();
      broker.deregister(node);
      status.stop();
      done();
    });
  }

  RED.nodes.registerType('lpr-detection-in', LprDetectionInNode);
};
