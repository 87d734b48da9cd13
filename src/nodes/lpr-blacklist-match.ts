/** `lpr-blacklist-match`: every plate read against an `lpr-blacklist`, the best match notified once. */
import { createMessage, decodePayload, type BlacklistNotification } from '../protocol';
import { EdgeRaised, firstForward } from '../blacklist/edge-raised';
import { normalizePlate } from '../blacklist/normalize';
import { notificationFields, readsFromMsg, type ReadContext } from '../blacklist/reads';
import { AlertSuppression } from '../runtime/alert-suppression';
import { readMatchSettings, type MatchSettings } from '../runtime/blacklist-settings';
import catalog from '../../locales/en-US/lpr-blacklist-match.json';
import { resolveBlacklist } from './shared/blacklist-api';
import { translator } from './shared/i18n';
import type { Node, NodeAPI, NodeDef, NodeMessage } from './shared/red';
import { reportRejected } from './shared/reject';
import { failSetup } from './shared/setup';
import { Throttled } from './shared/status';
import { publishWarnings } from './shared/publish-warnings';

/** How long an edge-raised notification is remembered for its detection (a camera offline longer resends both, in order). */
const EDGE_RAISED_WINDOW_MS = 3600_000;
/** Edge notifications remembered (and forwarded ids, per connection) at most: the oldest go first. */
const EDGE_RAISED_MAX = 100_000;

type Send = (msg: Array<NodeMessage | NodeMessage[] | null>) => void;

export = function register(RED: NodeAPI): void {
  const t = translator(RED, catalog);
  function LprBlacklistMatchNode(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const list = resolveBlacklist(RED, def.list);
    if (list instanceof Error) return failSetup(node, list, t);
    let settings: MatchSettings;
    try {
      settings = readMatchSettings(def);
    } catch (err) {
      return failSetup(node, err, t);
    }
    if (settings.options.fuzzy) list.store.index.prepareFuzzy(settings.options.maxDistance);
    const recent = new AlertSuppression(settings.suppressMs, settings.suppressPer);
    // A hit per detection of a listed plate: failures of one turn (a closed connection) are one warning.
    const notPublished = publishWarnings(node, t, 'lpr-blacklist-match.warn.notPublished', 'lpr-blacklist-match.warn.notPublishedMany');
    // Notifications cameras raised themselves (matchAtEdge): not raised a second time here.
    const edgeRaised = new EdgeRaised(EDGE_RAISED_WINDOW_MS, EDGE_RAISED_MAX);
    let edgeHits = 0;
    let hits = 0;
    let suppressed = 0;
    const status = new Throttled(() =>
      node.status({
        fill: 'green',
        shape: 'dot',
        text: [
          t('lpr-blacklist-match.status.entries', { n: list.store.size }),
          t('lpr-blacklist-match.status.hits', { n: hits }) + (edgeHits ? t('lpr-blacklist-match.status.edge', { n: edgeHits }) : ''),
          suppressed ? t('lpr-blacklist-match.status.repeats', { n: suppressed }) : '',
        ]
          .filter(Boolean)
          .join(' · '),
      }),
    );
    // Counts change with every plate (and the list with every update): shown at most once a second.
    const showStatus = () => status.touch();
    showStatus();
    const stopWatching = list.onChange(showStatus);
    /**
     * An edge-raised notification, from a camera's own topic (`forward`) or from the shared one (an
     * older camera, or another server's forwarded copy): output once, at once (the server's barrier
     * or operator acts on it even when the server's list lacks the entry), forwarded once to
     * `blacklist/notifications` when `publish` is on; a repeat within the suppression window is counted.
     */
    const edgeArrived = (notification: BlacklistNotification, forward: boolean) => {
      const now = Date.now();
      if (!edgeRaised.remember(notification, now)) return;
      const key = normalizePlate(notification.plate_number);
      if (recent.isRepeat(notification.camera_id, key, { key: EdgeRaised.entryKey(notification.entry.plate_number), entry: notification.entry }, now)) {
        suppressed++;
        showStatus();
        return;
      }
      hits++;
      edgeHits++;
      const broker = list.broker;
      if (forward && settings.publish && broker && firstForward(broker.connection, notification.message_id, EDGE_RAISED_WINDOW_MS, EDGE_RAISED_MAX, now)) {
        broker.publishMessage('blacklistNotifications', undefined, notification).catch((err: Error) => node.warn(t('lpr-blacklist-match.warn.edgeNotForwarded', { detail: err.message })));
      }
      node.send([
        {
          topic: 'blacklist/notifications',
          payload: notification,
          lpr: { type: 'blacklist-match', cameraId: notification.camera_id, plate: notification.plate_number, key, raisedBy: 'edge' },
        },
        null,
      ]);
      showStatus();
    };
    const releaseEdge = list.broker
      ? [
          // Each camera on its own topic (the only one lpr-mosquitto's ACL lets it write): checked
          // against the topic's camera and for raised_by "edge" before anything else.
          list.broker.connection.subscribe(
            list.broker.topics.filter('blacklistEdgeNotification'),
            1,
            (topic, payload) => {
              const cameraId = list.broker!.topics.parse(topic)?.cameraId;
              if (!cameraId) return;
              const decoded = decodePayload('blacklistEdgeNotification', payload, { topicCameraId: cameraId });
              if (decoded.ok) edgeArrived(decoded.value, true);
              else reportRejected(node, t('lpr-blacklist-match.what.edgeNotification', { camera: cameraId }), topic, payload, decoded.error, { type: 'blacklistEdgeNotification', cameraId, messageId: null, receivedAt: Date.now() }, t);
            },
            { owner: node.id },
          ),
          list.broker.connection.subscribe(
            list.broker.topics.filter('blacklistNotifications'),
            1,
            (_topic, payload) => {
              const decoded = decodePayload('blacklistNotifications', payload);
              if (decoded.ok && decoded.value.raised_by === 'edge') edgeArrived(decoded.value, false);
            },
            { owner: node.id },
          ),
        ]
      : [];

    const notify = (ctx: ReadContext, msg: NodeMessage, send: Send): boolean => {
      const now = Date.now();
      // The detection's times on the site clock (lpr-detection-in's msg.lpr.site) stay with its alerts.
      const inSite = (msg.lpr as { site?: unknown } | undefined)?.site;
      const site = inSite && typeof inSite === 'object' ? { site: inSite } : {};
      let matched = false;
      const out: NodeMessage[] = [];
      // The detection's picture (lpr-detection-in's msg.lpr.imageUrl) stays with the alert, so an operator can look at the car.
      const inUrl = (msg.lpr as { imageUrl?: unknown } | undefined)?.imageUrl;
      const image = typeof inUrl === 'string' && inUrl.length <= 2048 ? { imageUrl: inUrl } : {};
      for (const read of ctx.reads) {
        const match = list.store.index.match(read.plate, read.province, settings.options, now);
        if (!match) continue;
        matched = true;
        // The camera raised it already: output (or counted as a repeat) when it arrived, not again.
        if (edgeRaised.get(ctx.cameraId, ctx.detectionMessageId, match.entry.plate_number, now)) continue;
        const key = normalizePlate(read.plate);
        if (recent.isRepeat(ctx.cameraId, key, match, now)) {
          suppressed++;
          continue;
        }
        hits++;
        const notification = createMessage('blacklistNotifications', notificationFields(ctx, read, match));
        if (settings.publish && list.broker) {
          list.broker.publishMessage('blacklistNotifications', undefined, notification).catch((err: Error) => notPublished('', err));
        }
        out.push({
          ...msg,
          topic: 'blacklist/notifications',
          payload: notification,
          lpr: { type: 'blacklist-match', cameraId: ctx.cameraId, plate: read.plate, key, ...site, ...image },
          ...(ctx.detection ? { detection: ctx.detection } : {}),
        });
      }
      if (out.length) send([out, null]);
      return matched;
    };

    node.on('input', (msg: NodeMessage, send: Send, done: (err?: Error) => void) => {
      let ctx: ReadContext;
      try {
        ctx = readsFromMsg(msg);
      } catch (err) {
        done(err as Error);
        return;
      }
      if (!notify(ctx, msg, send)) send([null, msg]);
      showStatus();
      done();
    });

    node.on('close', (removed: boolean, done: () => void) => {
      stopWatching();
      status.stop();
      for (const release of releaseEdge) release({ keep: !removed });
      done();
    });
  }

  RED.nodes.registerType('lpr-blacklist-match', LprBlacklistMatchNode);
};
