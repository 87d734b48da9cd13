/** `lpr-blacklist-match`: every plate read against an `lpr-blacklist`, the best match notified once. */
import { createMessage } from '../protocol';
import { normalizePlate } from '../blacklist/normalize';
import { notificationFields, readsFromMsg, type ReadContext } from '../blacklist/reads';
import { AlertSuppression } from '../runtime/alert-suppression';
import { readMatchSettings, type MatchSettings } from '../runtime/blacklist-settings';
import { resolveBlacklist } from './shared/blacklist-api';
import type { Node, NodeAPI, NodeDef, NodeMessage } from './shared/red';
import { failSetup } from './shared/setup';

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
    let hits = 0;
    let suppressed = 0;
    const showStatus = () =>
      node.status({ fill: 'green', shape: 'dot', text: `${list.store.size} entries · ${hits} hits${suppressed ? ` · ${suppressed} repeats` : ''}` });
    showStatus();
    const stopWatching = list.onChange(showStatus);

    const notify = (ctx: ReadContext, msg: NodeMessage, send: Send): boolean => {
      const now = Date.now();
      let matched = false;
      const out: NodeMessage[] = [];
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
        const notification = createMessage('blacklistNotifications', notificationFields(ctx, read, match));
        if (settings.publish && list.broker) {
          list.broker.publishMessage('blacklistNotifications', undefined, notification).catch((err: Error) => node.warn(`notification not published: ${err.message}`));
        }
        out.push({
          ...msg,
          topic: 'blacklist/notifications',
          payload: notification,
          lpr: { type: 'blacklist-match', cameraId: ctx.cameraId, plate: read.plate, key },
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

    node.on('close', (_removed: boolean, done: () => void) => {
      stopWatching();
      done();
    });
  }

  RED.nodes.registerType('lpr-blacklist-match', LprBlacklistMatchNode);
};
