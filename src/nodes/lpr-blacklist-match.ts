/** `lpr-blacklist-match`: every plate read against an `lpr-blacklist`, the best match notified once. */
import { createMessage, decodePayload } from '../protocol';
import { EdgeRaised } from '../blacklist/edge-raised';
import { normalizePlate } from '../blacklist/normalize';
import { notificationFields, readsFromMsg, type ReadContext } from '../blacklist/reads';
import { AlertSuppression } from '../runtime/alert-suppression';
import { readMatchSettings, type MatchSettings } from '../runtime/blacklist-settings';
import { resolveBlacklist } from './shared/blacklist-api';
import type { Node, NodeAPI, NodeDef, NodeMessage } from './shared/red';
import { failSetup } from './shared/setup';

/** How long an edge-raised notification is remembered for its detection (a camera offline longer resends both, in order). */
const EDGE_RAISED_WINDOW_MS = 3600_000;

type Send = (msg: Array<NodeMessage | NodeMessage[] | null>) => void;

export = function register(RED: NodeAPI): void {
  function LprBlacklistMatchNode(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const list = resolveBlacklist(RED, def.list);
    if (list instanceof Error) return failSetup(node, list);
    let settings: MatchSettings;
    try {
      settings = readMatchSettings(def);
    } catch (err) {
      return failSetup(node, err);
    }
    if (settings.options.fuzzy) list.store.index.prepareFuzzy(settings.options.maxDistance);
    const recent = new AlertSuppression(settings.suppressMs, settings.suppressPer);
    // Notifications cameras raised themselves (matchAtEdge): not raised a second time here.
    const edgeRaised = new EdgeRaised(EDGE_RAISED_WINDOW_MS, 100_000);
    let edgeHits = 0;
    let hits = 0;
    let suppressed = 0;
    const showStatus = () =>
      node.status({ fill: 'green', shape: 'dot', text: `${list.store.size} entries · ${hits} hits${edgeHits ? ` (${edgeHits} raised at the edge)` : ''}${suppressed ? ` · ${suppressed} repeats` : ''}` });
    showStatus();
    const stopWatching = list.onChange(showStatus);
    const releaseEdge = list.broker
      ? list.broker.connection.subscribe(
          list.broker.topics.filter('blacklistNotifications'),
          1,
          (_topic, payload) => {
            const decoded = decodePayload('blacklistNotifications', payload);
            if (decoded.ok) edgeRaised.remember(decoded.value);
          },
          { owner: node.id },
        )
      : null;

    const notify = (ctx: ReadContext, msg: NodeMessage, send: Send): boolean => {
      const now = Date.now();
      let matched = false;
      const out: NodeMessage[] = [];
      // The detection's picture (lpr-detection-in's msg.lpr.imageUrl) stays with the alert, so an operator can look at the car.
      const inUrl = (msg.lpr as { imageUrl?: unknown } | undefined)?.imageUrl;
      const image = typeof inUrl === 'string' && inUrl.length <= 2048 ? { imageUrl: inUrl } : {};
      for (const read of ctx.reads) {
        const match = list.store.index.match(read.plate, read.province, settings.options, now);
        if (!match) continue;
        matched = true;
        const key = normalizePlate(read.plate);
        if (recent.isRepeat(ctx.cameraId, key, match, now)) {
          suppressed++;
          continue;
        }
        hits++;
        const edge = edgeRaised.get(ctx.cameraId, ctx.detectionMessageId, match.entry.plate_number, now);
        if (edge) {
          // The camera raised it (and published it) already: the flow gets that one, nothing is published.
          edgeHits++;
          out.push({
            ...msg,
            topic: 'blacklist/notifications',
            payload: edge,
            lpr: { type: 'blacklist-match', cameraId: ctx.cameraId, plate: read.plate, key, raisedBy: 'edge', ...image },
            ...(ctx.detection ? { detection: ctx.detection } : {}),
          });
          continue;
        }
        const notification = createMessage('blacklistNotifications', notificationFields(ctx, read, match));
        if (settings.publish && list.broker) {
          list.broker.publishMessage('blacklistNotifications', undefined, notification).catch((err: Error) => node.warn(`notification not published: ${err.message}`));
        }
        out.push({
          ...msg,
          topic: 'blacklist/notifications',
          payload: notification,
          lpr: { type: 'blacklist-match', cameraId: ctx.cameraId, plate: read.plate, key, ...image },
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
      releaseEdge?.({ keep: !removed });
      done();
    });
  }

  RED.nodes.registerType('lpr-blacklist-match', LprBlacklistMatchNode);
};
