/**
 * `lpr-camera-control`: sends a Control command to a camera (QoS 2 on `cameras/{id}/control`) and
 * returns the ControlResponse whose `request_id` is the command's `message_id`, or a timeout.
 *
 * Many commands may be in flight at once, each correlated by its own request id (and, with MQTT 5,
 * by correlation data). The input message is complete (done) when its exchange is: final response,
 * rejection or timeout, as for the core http request node.
 */
import type { IPublishPacket } from 'mqtt';
import { decodePayload, type Control, type ControlResponse } from '../protocol';
import { readControlInput } from '../control/input';
import { DEFAULT_PENDING_LIMIT, PendingTable, type Outcome, type PendingInfo } from '../control/pending';
import { readControlSettings, type ControlSettings } from '../control/settings';
import { recordLatency } from '../runtime/registry';
import catalog from '../../locales/en-US/lpr-camera-control.json';
import { siteTime } from '../runtime/site-time';
import { resolveBroker } from './shared/broker-api';
import { translator } from './shared/i18n';
import type { Node, NodeAPI, NodeDef, NodeMessage } from './shared/red';
import { reportRejected } from './shared/reject';
import { failSetup } from './shared/setup';
import { StatusReporter } from './shared/status';

type Send = (msg: Array<NodeMessage | null>) => void;
type Done = (err?: Error) => void;

interface Waiting {
  msg: NodeMessage;
  send: Send;
  done: Done;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

export = function register(RED: NodeAPI): void {
  const t = translator(RED, catalog);
  function LprCameraControlNode(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const broker = resolveBroker(RED, def.broker);
    if (broker instanceof Error) return failSetup(node, broker, t);
    let settings: ControlSettings;
    try {
      settings = readControlSettings(def);
    } catch (err) {
      return failSetup(node, err, t);
    }
    const mqtt5 = broker.settings.protocolVersion === 5;
    const pending = new PendingTable<{ control: Control; waiting: Waiting }, ControlResponse>(DEFAULT_PENDING_LIMIT);
    const counts = { ok: 0, error: 0, rejected: 0, timeout: 0, invalid: 0 };
    const status = new StatusReporter(
      node,
      () =>
        [
          t('lpr-camera-control.status.inFlight', { n: pending.size }),
          t('lpr-camera-control.status.ok', { n: counts.ok }),
          t('lpr-camera-control.status.timeout', { n: counts.timeout }),
          counts.error ? t('lpr-camera-control.status.error', { n: counts.error }) : '',
          counts.rejected ? t('lpr-camera-control.status.rejected', { n: counts.rejected }) : '',
          counts.invalid ? t('lpr-camera-control.status.invalid', { n: counts.invalid }) : '',
        ]
          .filter(Boolean)
          .join(' · '),
      1000,
      t,
    );
    let closing = false;

    /** Sends the outcome of one exchange and completes its input message. */
    const settle = (outcome: Outcome<ControlResponse>, info: PendingInfo<{ control: Control; waiting: Waiting }>) => {
      const { control, waiting } = info.request;
      const lpr = (type: string) => ({
        type,
        cameraId: info.cameraId,
        requestId: info.id,
        rttMs: round(outcome.elapsedMs),
        acceptedMs: outcome.interimMs === null ? null : round(outcome.interimMs),
        // When the outcome came, on the site clock (lpr-broker's time zone), for a dashboard.
        site: { zone: broker.settings.timeZone, era: broker.settings.era, at: siteTime(Date.now(), { zone: broker.settings.timeZone, era: broker.settings.era }) },
      });
      if (outcome.kind === 'cancelled') {
        // Publish failed (reported through done(err) by the caller) or the node is closing.
        if (!closing) waiting.done(new Error(outcome.reason));
        else waiting.done();
        return;
      }
      if (outcome.kind === 'timeout') {
        counts.timeout++;
        const payload = { status: 'timeout', request: control, ...(outcome.interim ? { response: outcome.interim } : {}) };
        waiting.send([null, { ...waiting.msg, payload, request: control, lpr: lpr('control-timeout') }]);
      } else if (outcome.response.status === 'rejected') {
        counts.rejected++;
        const payload = { status: 'rejected', request: control, response: outcome.response };
        waiting.send([null, { ...waiting.msg, payload, request: control, lpr: lpr('control-rejected') }]);
      } else {
        recordLatency(broker.id, 'control', outcome.elapsedMs);
        if (outcome.response.status === 'success') counts.ok++;
        else counts.error++;
        waiting.send([{ ...waiting.msg, payload: outcome.response, request: control, lpr: lpr('control-response') }, null]);
      }
      status.touch();
      waiting.done();
    };

    const onResponse = (topic: string, payload: Buffer, packet: IPublishPacket) => {
      const parsed = broker.topics.parse(topic);
      if (!parsed || parsed.kind !== 'controlResponse' || !parsed.cameraId) return;
      const receivedAt = Date.now();
      const result = decodePayload('controlResponse', payload, { topicCameraId: parsed.cameraId });
      if (!result.ok) {
        counts.invalid++;
        reportRejected(node, t('lpr-camera-control.error.responseFrom', { camera: parsed.cameraId }), topic, payload, result.error, {
          type: 'control-response',
          cameraId: parsed.cameraId,
          messageId: null,
          receivedAt,
        });
        status.touch();
        return;
      }
      const response = result.value;
      const waiting = pending.get(response.request_id);
      if (!waiting) {
        node.debug(`ignored ${response.status} response ${response.message_id} from ${response.camera_id}: no command ${response.request_id} is waiting (answered, timed out, or not ours)`);
        return;
      }
      if (waiting.cameraId !== response.camera_id) {
        node.debug(`ignored response from ${response.camera_id} to command ${response.request_id}, which was sent to ${waiting.cameraId}`);
        return;
      }
      const correlation = packet.properties?.correlationData;
      if (correlation !== undefined && !Buffer.from(correlation).equals(Buffer.from(response.request_id))) {
        node.debug(`ignored response ${response.message_id}: its correlation data does not match request_id ${response.request_id}`);
        return;
      }
      if (response.status === 'accepted') pending.interim(response.request_id, response);
      else pending.resolve(response.request_id, response);
      status.touch();
    };

    const unsubscribe = broker.connection.subscribe(broker.topics.filter('controlResponse', settings.camera), 2, onResponse, { owner: node.id });
    broker.register(node, (state) => status.setState(state));

    node.on('input', (msg: NodeMessage, send: Send, done: Done) => {
      let request;
      try {
        request = readControlInput(msg, settings);
      } catch (err) {
        done(err as Error);
        return;
      }
      // A command is never queued while the broker is away: it could reach the camera long after
      // its timeout was reported (a stale restart is worse than none).
      if (!broker.connection.connected) {
        done(
          new Error(t('lpr-camera-control.error.notConnected', { state: broker.connection.state, command: request.control.command, camera: request.cameraId })),
        );
        return;
      }
      const { cameraId, control } = request;
      const requestId = control.message_id;
      try {
        pending.add(requestId, cameraId, { control, waiting: { msg, send, done } }, settings.timeoutMs, settle);
      } catch (err) {
        done(err as Error);
        return;
      }
      status.touch();
      const properties = mqtt5
        ? {
            responseTopic: broker.topics.topic('controlResponse', cameraId),
            correlationData: Buffer.from(requestId),
            // The broker drops the command if it cannot deliver it before the node gives up on it.
            messageExpiryInterval: Math.max(1, Math.ceil(settings.timeoutMs / 1000)),
          }
        : undefined;
      broker.publishMessage('control', cameraId, control, properties ? { properties } : undefined).then(
        () => node.debug(`command ${control.command} ${requestId} to ${cameraId} published`),
        (err: Error) => {
          pending.cancel(requestId, t('lpr-camera-control.error.notPublished', { command: control.command, camera: cameraId, detail: err.message }));
          status.touch();
        },
      );
    });

    node.on('close', (removed: boolean, done: () => void) => {
      closing = true;
      pending.clear('node closed');
      // Redeployed (not removed): what arrives for it meanwhile is held for the new instance.
      unsubscribe({ keep: !removed });
      broker.deregister(node);
      status.stop();
      done();
    });
  }

  RED.nodes.registerType('lpr-camera-control', LprCameraControlNode);
};
