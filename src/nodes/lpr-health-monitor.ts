/** `lpr-health-monitor`: per-camera healthy/warning/critical/offline from health, wills and silence. */
import type { IPublishPacket } from 'mqtt';
import { assertIdentifier, createMessage, decodePayload } from '../protocol';
import { readHealthMonitorSettings, type HealthMonitorSettings } from '../runtime/health-settings';
import { HealthTracker, systemStatus, type Transition } from '../runtime/health-tracker';
import { DEFAULT_RETAINED_KEYS, RetainedFilter, timestampMs } from '../runtime/retained-filter';
import { notifyCameraHealth, registerHealthSource, unregisterHealthSource } from '../runtime/registry';
import ownCatalog from '../../locales/en-US/lpr-health-monitor.json';
import { siteTime } from '../runtime/site-time';
import { resolveBroker } from './shared/broker-api';
import { translator, type Translate } from './shared/i18n';
import type { Node, NodeAPI, NodeDef, NodeMessage } from './shared/red';
import { reportRejected } from './shared/reject';
import { failSetup } from './shared/setup';
import { watchBrokerNeeds } from './shared/broker-needs';
import { StatusReporter } from './shared/status';
import { publishWarnings } from './shared/publish-warnings';

type Action = 'summary' | 'request' | 'forget';
const ACTIONS = new Set<Action>(['summary', 'request', 'forget']);

/** What an input message asks for: `msg.action` (or a string payload / `msg.payload.action`), `msg.camera`. */
function readCommand(msg: NodeMessage, t: Translate): { action: Action; camera: string | null } {
  const payload = msg.payload as { action?: unknown; camera?: unknown } | string | undefined;
  const action = msg.action ?? (typeof payload === 'string' ? payload : payload?.action) ?? 'summary';
  if (typeof action !== 'string' || !ACTIONS.has(action as Action)) {
    throw new Error(t('lpr-health-monitor.error.badAction', { value: JSON.stringify(action) }));
  }
  const rawCamera = msg.camera ?? (typeof payload === 'object' && payload ? payload.camera : undefined);
  const camera = rawCamera === undefined || rawCamera === null || rawCamera === '' || rawCamera === '+' ? null : assertIdentifier(rawCamera, 'msg.camera');
  if (action === 'forget' && !camera) throw new Error(t('lpr-health-monitor.error.forgetNeedsCamera'));
  return { action: action as Action, camera };
}

export = function register(RED: NodeAPI): void {
  const t = translator(RED, ownCatalog);

  function LprHealthMonitorNode(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const broker = resolveBroker(RED, def.broker, t);
    if (broker instanceof Error) return failSetup(node, broker, t);
    let settings: HealthMonitorSettings;
    try {
      settings = readHealthMonitorSettings(def);
    } catch (err) {
      return failSetup(node, err, t);
    }
    // Retained health comes again on every reconnect: only news may change a camera's state. It
    // remembers at least every camera the tracker may hold: a camera it forgot while the tracker still
    // held it would take an hour-old retained copy as news, and come back online from it.
    const seen = new RetainedFilter(Math.max(settings.maxCameras, DEFAULT_RETAINED_KEYS));
    // At maxCameras a new camera pushes out the one offline / silent the longest: said once, then counted.
    const tracker = new HealthTracker(settings.rules, broker.settings.timeZone, {
      maxCameras: settings.maxCameras,
      onEvict: (record) => {
        seen.forget(record.camera_id);
        notifyCameraHealth(record.camera_id);
        if (tracker.evicted === 1) {
          const key = record.status === 'offline' ? 'lpr-health-monitor.error.evictedOffline' : 'lpr-health-monitor.error.evictedSilent';
          node.warn(t(key, { max: settings.maxCameras, camera: record.camera_id }));
        }
      },
    });
    let rejected = 0;
    const status = new StatusReporter(
      node,
      () => {
        const c = tracker.counts();
        return (
          t('lpr-health-monitor.status.counts', { healthy: c.healthy, warning: c.warning, critical: c.critical, offline: c.offline }) +
          (tracker.evicted ? t('lpr-health-monitor.status.forgotten', { n: tracker.evicted }) : '') +
          (rejected ? t('lpr-health-monitor.status.rejected', { n: rejected }) : '')
        );
      },
      1000,
      t,
    );

    const notPublished = publishWarnings(node, t, 'lpr-health-monitor.error.notPublished');
    const publish = (promise: Promise<void>, what: string) => promise.catch((err: Error) => notPublished(what, err));
    // A request to every camera is one publish per camera: its words made only if it fails, from its topic.
    const requestFailed = (err: Error, topic: string) =>
      notPublished(t('lpr-health-monitor.error.whatRequest', { camera: broker.topics.parse(topic)?.cameraId ?? topic }), err);

    // SystemHealth is retained: publish when the counts change, at most once a second.
    let systemHealthDue: NodeJS.Timeout | null = null;
    const publishSystemHealth = () => {
      if (!settings.publishSystemHealth || systemHealthDue) return;
      systemHealthDue = setTimeout(() => {
        systemHealthDue = null;
        const counts = tracker.counts();
        publish(broker.publishMessage('systemHealth', undefined, createMessage('systemHealth', { status: systemStatus(counts), cameras: counts })), t('lpr-health-monitor.error.whatSystemHealth'));
      }, 1000);
    };

    // Times shown to the flow (msg.lpr.site) are on the site's clock.
    const site = { zone: broker.settings.timeZone, era: broker.settings.era };
    const report = (transitions: Transition[]) => {
      if (transitions.length === 0) return;
      for (const change of transitions) {
        notifyCameraHealth(change.camera_id);
        node.send([{ topic: change.camera_id, payload: change, lpr: { site: { ...site, since: siteTime(Date.parse(change.since), site) } } } as NodeMessage, null]);
        if (settings.publishAlerts && change.status !== 'healthy') {
          // The reasons come from the health tracker as they are (metric names and values).
          const params = { camera: change.camera_id, status: t(`lpr-common.health.${change.status}`), reasons: change.reasons.join('; ') };
          const alert = createMessage('systemAlerts', {
            level: change.status === 'warning' ? 'warning' : 'critical',
            source: 'lpr-health-monitor',
            camera_id: change.camera_id,
            message: t(change.reasons.length ? 'lpr-health-monitor.alert.stateReasons' : 'lpr-health-monitor.alert.state', params),
            details: { previous: change.previous, reasons: change.reasons },
          });
          publish(broker.publishMessage('systemAlerts', undefined, alert), t('lpr-health-monitor.error.whatAlert'));
        }
      }
      publishSystemHealth();
      status.touch();
    };

    const sendSummary = (msg: NodeMessage = {}) => {
      const now = Date.now();
      const lpr = { ...(msg.lpr as object | undefined), site: { ...site, at: siteTime(now, site) } };
      node.send([null, { ...msg, topic: 'summary', payload: tracker.summary(now, settings.summaryMax), lpr }]);
    };

    const onMessage = (topic: string, payload: Buffer, packet: IPublishPacket) => {
      const parsed = broker.topics.parse(topic);
      if (!parsed || parsed.kind !== 'health' || !parsed.cameraId) return;
      const receivedAt = Date.now();
      if (payload.length === 0) {
        // An empty retained message clears the camera's health from the broker: the camera is gone.
        seen.forget(parsed.cameraId);
        if (tracker.forget(parsed.cameraId)) {
          notifyCameraHealth(parsed.cameraId);
          publishSystemHealth();
        }
        status.touch();
        return;
      }
      const result = decodePayload('health', payload, { topicCameraId: parsed.cameraId });
      if (!result.ok) {
        rejected++;
        const what = t('lpr-health-monitor.error.rejectedWhat', { camera: parsed.cameraId });
        reportRejected(node, what, topic, payload, result.error, { type: 'health', cameraId: parsed.cameraId, messageId: null, receivedAt }, t);
        status.touch();
        return;
      }
      const health = result.value;
      // A will's timestamp is when the camera connected, not when it went away: judge it by its id alone.
      const at = health.health_status === 'offline' ? null : timestampMs(health.timestamp, broker.settings.timeZone);
      // A known camera's retained health older than offlineAfter cannot revive it; a repeat or an older copy is no news.
      const verdict = seen.admit(health.camera_id, { messageId: health.message_id, at }, packet.retain && tracker.get(health.camera_id) !== undefined, receivedAt, settings.rules.offlineAfterMs);
      if (verdict !== 'news') {
        node.debug(`retained health ${health.message_id} of ${health.camera_id} ignored (${verdict})`);
        return;
      }
      const transition = tracker.ingest(health, receivedAt, packet.retain);
      if (transition) report([transition]);
      else {
        // A restored (retained) state changes the counts without a transition: SystemHealth follows.
        if (packet.retain) {
          notifyCameraHealth(health.camera_id);
          publishSystemHealth();
        }
        status.touch();
      }
    };

    // QoS 1 so that a camera's will, often sent QoS 1, is not downgraded.
    const unsubscribe = broker.connection.subscribe(broker.topics.filter('health', settings.camera), 1, onMessage, { owner: node.id });
    broker.register(node, (state) => status.setState(state));
    // All cameras: their last state comes as retained messages on a wildcard subscription.
    const unwatchNeeds = watchBrokerNeeds(node, broker, { retainedWildcards: settings.camera === null, dotsInTopicLevels: settings.camera === null }, t, (w) => status.setWarning(w));

    registerHealthSource(node.id, { state: (camera) => tracker.get(camera)?.status, counts: () => tracker.counts(), states: () => tracker.states() });
    const tickEvery = Math.max(100, Math.min(1000, settings.rules.offlineAfterMs / 4));
    const ticker = setInterval(() => report(tracker.tick(Date.now())), tickEvery);
    const summaries = settings.summaryIntervalMs > 0 ? setInterval(() => sendSummary(), settings.summaryIntervalMs) : null;

    node.on('input', (msg: NodeMessage, send: unknown, done: (err?: Error) => void) => {
      try {
        const { action, camera } = readCommand(msg, t);
        if (action === 'summary') sendSummary(msg);
        else if (action === 'forget') {
          tracker.forget(camera!);
          seen.forget(camera!);
          notifyCameraHealth(camera!);
          status.touch();
          publishSystemHealth();
        } else {
          const cameras = camera ? [camera] : tracker.ids();
          for (const id of cameras) {
            broker.publishMessageNoWait('healthRequest', id, createMessage('healthRequest', { camera_id: id }), requestFailed);
          }
        }
        done();
      } catch (err) {
        done(err as Error);
      }
    });

    node.on('close', (removed: boolean, done: () => void) => {
      clearInterval(ticker);
      unregisterHealthSource(node.id);
      if (summaries) clearInterval(summaries);
      if (systemHealthDue) clearTimeout(systemHealthDue);
      // Redeployed (not removed): what arrives for it meanwhile is held for the new instance.
      unsubscribe({ keep: !removed });
      broker.deregister(node);
      unwatchNeeds();
      status.stop();
      done();
    });
  }

  RED.nodes.registerType('lpr-health-monitor', LprHealthMonitorNode);
};
