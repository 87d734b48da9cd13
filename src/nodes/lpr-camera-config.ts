/**
 * `lpr-camera-config`: the server side of camera configuration.
 *
 * Desired configs (from input messages) are validated, published retained QoS 2 on
 * `cameras/{id}/config/update`, kept per camera and config_type across restarts, and republished
 * when a camera asks on `config/request`. Each config a camera reports on `cameras/{id}/config`
 * comes out with a field-by-field diff against the desired one.
 */
import type { IPublishPacket } from 'mqtt';
import { decodePayload, readTimestamp, type Config } from '../protocol';
import { DesiredConfigStore } from '../control/desired-store';
import { diffConfig, syncStatus, type SyncStatus } from '../control/diff';
import { readConfigInput } from '../control/input';
import { ReportedConfigs } from '../control/reported';
import { readCameraConfigSettings, type CameraConfigSettings } from '../control/settings';
import { RetainedFilter, timestampMs } from '../runtime/retained-filter';
import catalog from '../../locales/en-US/lpr-camera-config.json';
import { resolveBroker } from './shared/broker-api';
import { translator } from './shared/i18n';
import type { Node, NodeAPI, NodeDef, NodeMessage } from './shared/red';
import { reportRejected } from './shared/reject';
import { failSetup } from './shared/setup';
import { StatusReporter } from './shared/status';

type Send = (msg: Array<NodeMessage | null>) => void;
type Done = (err?: Error) => void;

/** A camera asking again within this time gets no second answer (a request storm is not a publish storm). */
const REQUEST_HOLDOFF_MS = 1000;

export = function register(RED: NodeAPI & { settings?: { userDir?: string } }): void {
  const t = translator(RED, catalog);
  function LprCameraConfigNode(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const broker = resolveBroker(RED, def.broker);
    if (broker instanceof Error) return failSetup(node, broker, t);
    let settings: CameraConfigSettings;
    try {
      settings = readCameraConfigSettings(def, def.id, RED.settings?.userDir ?? null);
    } catch (err) {
      return failSetup(node, err, t);
    }
    const store = new DesiredConfigStore(settings.file, (err) => node.error(t('lpr-camera-config.error.saveFailed', { file: settings.file, detail: err.message })));
    try {
      const { loaded, issues, keptAs } = store.load();
      if (issues.length) {
        node.warn(
          t('lpr-camera-config.warn.skipped', { file: settings.file, loaded, skipped: issues.length, first: `${issues[0]!.path}: ${issues[0]!.message}` }) +
            (keptAs ? t('lpr-camera-config.warn.keptAs', { keptAs }) : ''),
        );
      }
      if (loaded) node.log(t('lpr-camera-config.log.loaded', { n: loaded, file: settings.file }));
    } catch (err) {
      node.warn(t('lpr-camera-config.error.readFailed', { file: settings.file, detail: (err as Error).message }));
    }

    /** Reported configs come again (retained) on every reconnect: only news comes out. */
    const seen = new RetainedFilter();
    const reportKey = (camera: string, configType: string) => `${camera}\u0000${configType}`;
    const forgetSeen = (camera: string) => seen.forgetWhere((key) => key.startsWith(`${camera}\u0000`));
    /** The last config each camera reported, by camera then config_type, with its sync status (bounded: reported.ts). */
    const reported = new ReportedConfigs<{ config: Config; status: SyncStatus }>({
      maxCameras: settings.maxCameras,
      onEvict: (camera) => {
        forgetSeen(camera);
        if (reported.evicted === 1) node.warn(t('lpr-camera-config.warn.maxCameras', { max: settings.maxCameras, camera }));
      },
    });
    let rejected = 0;
    const drifted = () => {
      let n = 0;
      for (const types of reported.values()) if ([...types.values()].some((r) => r.status === 'drifted')) n++;
      return n;
    };
    /** After the desired config of a camera changed: its last reports judged again (for the status; nothing is sent). */
    const rejudge = (camera: string) => {
      for (const entry of reported.get(camera)?.values() ?? []) {
        const desired = store.get(camera, entry.config.config_type);
        entry.status = syncStatus(desired, desired ? diffConfig(desired, entry.config) : []);
      }
    };
    const cameraCount = () => new Set([...store.cameras(), ...reported.cameras()]).size;
    const status = new StatusReporter(
      node,
      () =>
        [
          t('lpr-camera-config.status.cameras', { n: cameraCount() }),
          t('lpr-camera-config.status.drifted', { n: drifted() }),
          reported.evicted ? t('lpr-camera-config.status.forgotten', { n: reported.evicted }) : '',
          reported.refused ? t('lpr-camera-config.status.refused', { n: reported.refused }) : '',
          rejected ? t('lpr-camera-config.status.rejected', { n: rejected }) : '',
        ]
          .filter(Boolean)
          .join(' · '),
      1000,
      t,
    );

    // A rollout to many cameras is paced by the connection's QoS 2 window (broker-connection.ts).
    /** Publishes one desired config (retained, QoS 2) and confirms it on output 2. */
    const publishDesired = (config: Config, reason: 'input' | 'request', send: Send, base: NodeMessage = {}): Promise<void> =>
      broker.publishMessage('configUpdate', config.camera_id, config).then(() => {
        send([
          null,
          {
            ...base,
            topic: broker.topics.topic('configUpdate', config.camera_id),
            payload: structuredClone(config),
            lpr: { type: 'config-published', reason, cameraId: config.camera_id, configType: config.config_type, messageId: config.message_id },
          },
        ]);
      });

    /** Sets the retained config/update of a camera after a forget: the newest remaining desired config, or nothing. */
    const republishAfterForget = (camera: string): Promise<void> => {
      const at = (c: { timestamp: string }) => readTimestamp(c.timestamp, broker.settings.timeZone)?.ms ?? 0;
      const remaining = store.forCamera(camera).sort((a, b) => at(b) - at(a));
      if (remaining.length > 0) return broker.publishMessage('configUpdate', camera, remaining[0]!);
      return broker.connection.publish(broker.topics.topic('configUpdate', camera), '', { qos: 2, retain: true });
    };

    const onReported = (topic: string, payload: Buffer, packet: IPublishPacket) => {
      const parsed = broker.topics.parse(topic);
      if (!parsed || parsed.kind !== 'config' || !parsed.cameraId) return;
      if (payload.length === 0) {
        // A cleared retained config: the camera is gone (or reset); it has no reported config now.
        reported.delete(parsed.cameraId);
        forgetSeen(parsed.cameraId);
        node.debug(`reported config of ${parsed.cameraId} cleared`);
        status.touch();
        return;
      }
      const receivedAt = Date.now();
      const result = decodePayload('config', payload, { topicCameraId: parsed.cameraId });
      if (!result.ok) {
        rejected++;
        reportRejected(node, t('lpr-camera-config.error.reportedFrom', { camera: parsed.cameraId }), topic, payload, result.error, {
          type: 'config',
          cameraId: parsed.cameraId,
          messageId: null,
          receivedAt,
        });
        status.touch();
        return;
      }
      const config = result.value;
      const verdict = seen.admit(reportKey(config.camera_id, config.config_type), { messageId: config.message_id, at: timestampMs(config.timestamp, broker.settings.timeZone) }, packet.retain, receivedAt);
      if (verdict !== 'news') {
        node.debug(`retained config ${config.message_id} of ${config.camera_id} not reported again (${verdict})`);
        return;
      }
      const desired = store.get(config.camera_id, config.config_type);
      const diff = desired ? diffConfig(desired, config) : [];
      const state = syncStatus(desired, diff);
      if (!reported.set(config.camera_id, config.config_type, { config, status: state })) {
        // A camera with maxTypes other config types: a flood of types must not grow the table.
        seen.forget(reportKey(config.camera_id, config.config_type));
        if (reported.refused === 1) node.warn(t('lpr-camera-config.warn.maxTypes', { camera: config.camera_id, max: reported.maxTypes }));
        status.touch();
        return;
      }
      node.send([
        {
          topic,
          payload: {
            camera_id: config.camera_id,
            config_type: config.config_type,
            status: state,
            diff,
            desired: desired ? structuredClone(desired) : null,
            reported: structuredClone(config),
          },
          lpr: { type: 'config-report', cameraId: config.camera_id, configType: config.config_type, messageId: config.message_id, receivedAt },
        },
        null,
      ]);
      status.touch();
    };

    const lastAnswer = new Map<string, number>();
    const onRequest = (topic: string, payload: Buffer) => {
      const parsed = broker.topics.parse(topic);
      if (!parsed || parsed.kind !== 'configRequest' || !parsed.cameraId) return;
      const camera = parsed.cameraId;
      const result = decodePayload('configRequest', payload, { topicCameraId: camera });
      if (!result.ok) {
        rejected++;
        reportRejected(node, t('lpr-camera-config.error.requestFrom', { camera }), topic, payload, result.error, {
          type: 'config-request',
          cameraId: camera,
          messageId: null,
          receivedAt: Date.now(),
        });
        status.touch();
        return;
      }
      const wanted = (result.value as { config_type?: unknown }).config_type;
      const configs = store.forCamera(camera).filter((c) => typeof wanted !== 'string' || c.config_type === wanted);
      if (configs.length === 0) {
        node.debug(`config request ${result.value.message_id} from ${camera}: no desired config${typeof wanted === 'string' ? ` of type ${wanted}` : ''}`);
        return;
      }
      const now = Date.now();
      const last = lastAnswer.get(camera);
      if (last !== undefined && now - last < REQUEST_HOLDOFF_MS) {
        node.debug(`config request ${result.value.message_id} from ${camera}: answered ${now - last} ms ago, not again`);
        return;
      }
      lastAnswer.set(camera, now);
      if (lastAnswer.size > 10_000) lastAnswer.delete(lastAnswer.keys().next().value!);
      for (const config of configs) {
        publishDesired(config, 'request', (m) => node.send(m)).catch((err: Error) => node.warn(t('lpr-camera-config.warn.notRepublished', { camera, detail: err.message })));
      }
    };

    const unsubscribes = [
      broker.connection.subscribe(broker.topics.filter('config', settings.camera), 2, onReported, { owner: node.id }),
      broker.connection.subscribe(broker.topics.filter('configRequest', settings.camera), 2, onRequest, { owner: node.id }),
    ];
    broker.register(node, (state) => status.setState(state));

    node.on('input', (msg: NodeMessage, send: Send, done: Done) => {
      let action;
      try {
        action = readConfigInput(msg, settings);
      } catch (err) {
        done(err as Error);
        return;
      }
      if (action.action === 'get') {
        const configs = store
          .all()
          .filter((c) => (action.camera === null || c.camera_id === action.camera) && (action.configType === null || c.config_type === action.configType));
        send([null, { ...msg, topic: 'desired', payload: structuredClone(configs), lpr: { type: 'desired-configs', count: configs.length } }]);
        done();
        return;
      }
      if (action.action === 'forget') {
        const removed = store.forget(action.camera, action.configType);
        rejudge(action.camera);
        status.touch();
        if (removed.length === 0) {
          node.debug(`forget: no desired config for ${action.camera}${action.configType ? ` of type ${action.configType}` : ''}`);
          done();
          return;
        }
        republishAfterForget(action.camera).then(
          () => done(),
          (err: Error) => done(new Error(t('lpr-camera-config.error.forgetNotUpdated', { camera: action.camera, detail: err.message }))),
        );
        return;
      }
      // set: remembered as desired first (a camera asking later gets it even if this publish waits), then published.
      for (const config of action.configs) {
        store.set(config);
        rejudge(config.camera_id);
      }
      status.touch();
      Promise.allSettled(action.configs.map((config) => publishDesired(config, 'input', send, msg))).then((results) => {
        const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed.length === 0) done();
        else done(new Error(t('lpr-camera-config.error.notPublished', { failed: failed.length, total: results.length, detail: (failed[0]!.reason as Error).message })));
      });
    });

    node.on('close', (removed: boolean, done: () => void) => {
      // Redeployed (not removed): what arrives for it meanwhile is held for the new instance.
      for (const unsubscribe of unsubscribes) unsubscribe({ keep: !removed });
      broker.deregister(node);
      status.stop();
      try {
        store.flushSync();
      } catch (err) {
        node.error(t('lpr-camera-config.error.saveFailed', { file: settings.file, detail: (err as Error).message }));
      }
      done();
    });
  }

  RED.nodes.registerType('lpr-camera-config', LprCameraConfigNode);
};
