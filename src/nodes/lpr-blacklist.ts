/** `lpr-blacklist`: a watch list shared by match nodes, synced over MQTT and persisted. */
import { EventEmitter } from 'node:events';
import type { IPublishPacket } from 'mqtt';
import type { Release } from '../runtime/broker-connection';
import { createMessage, decodePayload, DEFAULT_MAX_BYTES, POLICY, type BlacklistEntry } from '../protocol';
import { RequestAnswerer } from '../blacklist/request-answerer';
import { BlacklistStore, type UpdateAction } from '../blacklist/store';
import { readBlacklistSettings, type BlacklistSettings } from '../runtime/blacklist-settings';
import { resolveBroker, type LprBroker } from './shared/broker-api';
import type { LprBlacklist } from './shared/blacklist-api';
import type { Node, NodeAPI, NodeDef } from './shared/red';

const PURGE_EVERY_MS = 60_000;
/** Our own updates come back to us on the shared topic: remember their ids to skip them. */
const OWN_IDS_KEPT = 1000;
/** Updates this long are measured before publishing (~130 B per entry: 256 KiB is ~2,000 entries). */
const LARGE_UPDATE_ENTRIES = 1000;

export = function register(RED: NodeAPI & { settings?: { userDir?: string } }): void {
  function LprBlacklistNode(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this as LprBlacklist & { store: BlacklistStore; broker: LprBroker | null };
    let settings: BlacklistSettings;
    try {
      settings = readBlacklistSettings(def, def.id, RED.settings?.userDir ?? null);
    } catch (err) {
      node.error(`invalid configuration: ${(err as Error).message}`);
      return;
    }
    let broker: LprBroker | null = null;
    if (def.broker) {
      const resolved = resolveBroker(RED, def.broker);
      if (resolved instanceof Error) node.warn(`${resolved.message}: the list is not synced over MQTT`);
      else broker = resolved;
    }
    // A zone-less expires_at is read in the broker's site time zone (UTC without a broker).
    const store = new BlacklistStore(settings.entries, settings.file, (err) => node.error(`could not save the list to ${settings.file}: ${err.message}`), { timeZone: broker?.settings.timeZone ?? 'UTC' });
    const { loaded, issues } = store.load();
    if (issues.length) node.warn(`${settings.file}: skipped ${issues.length} bad line(s), first: ${issues[0]!.path}: ${issues[0]!.message}`);
    if (loaded) node.log(`loaded ${loaded} entries from ${settings.file}`);
    node.store = store;

    const changes = new EventEmitter();
    let answerer: RequestAnswerer | null = null;
    const changed = () => {
      answerer?.invalidate();
      changes.emit('change');
    };
    node.onChange = (listener) => {
      changes.on('change', listener);
      return () => changes.off('change', listener);
    };

    node.broker = broker;

    const ownIds: string[] = [];
    let largestWarned = 0;
    // A big list in one message can exceed the broker's message_size_limit, and the broker drops
    // it without telling the publisher: say so here, once per size class.
    const checkSize = (action: UpdateAction, count: number, bytes: number) => {
      if (count >= LARGE_UPDATE_ENTRIES && bytes > DEFAULT_MAX_BYTES && bytes > largestWarned * 2) {
        largestWarned = bytes;
        node.warn(
          `blacklist ${action} of ${count} entries is ${bytes} bytes in one MQTT message: a broker whose message_size_limit is lower (lpr-mosquitto's default is ${DEFAULT_MAX_BYTES}) drops it silently; raise it (lpr-mosquitto --message-size-limit)`,
        );
      }
    };
    const publishUpdate = (action: UpdateAction, entries: BlacklistEntry[]) => {
      if (!broker) return;
      const update = createMessage('blacklistUpdates', { action, entries });
      ownIds.push(update.message_id);
      if (ownIds.length > OWN_IDS_KEPT) ownIds.shift();
      if (entries.length >= LARGE_UPDATE_ENTRIES) checkSize(action, entries.length, Buffer.byteLength(JSON.stringify(update)));
      broker.publishMessage('blacklistUpdates', undefined, update).catch((err: Error) => node.warn(`blacklist update not published: ${err.message}`));
    };

    node.applyUpdate = (action, entries, publish) => {
      const result = store.apply(action, entries);
      changed();
      if (publish) publishUpdate(action, entries);
      return result;
    };

    const unsubscribes: Release[] = [];
    if (broker) {
      const b = broker;
      const onUpdate = (topic: string, payload: Buffer) => {
        const result = decodePayload('blacklistUpdates', payload, { maxBytes: 256 * 1024 * 1024 });
        if (!result.ok) {
          // Rejected whole: a half-applied update would leave the list in a state nobody sent.
          node.warn(`blacklist update on ${topic} rejected, list unchanged: ${result.error.message}`);
          return;
        }
        if (ownIds.includes(result.value.message_id)) return;
        const applied = store.apply(result.value.action, result.value.entries);
        node.debug(`applied ${applied.action} from ${topic}: +${applied.added} -${applied.removed} = ${applied.total}`);
        changed();
      };
      // The whole list goes only to the camera that asked, on its own topic (not an MQTT 5 response
      // topic: the requester could name any topic there, and the ACL covers cameras/%u/blacklist).
      const source = (node.name && node.name.trim()) || 'lpr-blacklist';
      const a = new RequestAnswerer(
        {
          serialiseEntries: () => {
            const entries = store.snapshot();
            const json = JSON.stringify(entries);
            checkSize('replace', entries.length, Buffer.byteLength(json));
            return json;
          },
          publish: (cameraId, body) => {
            b.connection
              .publish(b.topics.topic('blacklistAnswer', cameraId), body, { qos: POLICY.blacklistAnswer.qos, retain: POLICY.blacklistAnswer.retain })
              .catch((err: Error) => node.warn(`blacklist answer to ${cameraId} not published: ${err.message}`));
          },
          limited: (cameraId, count, scope) => {
            const what =
              scope === 'global'
                ? `blacklist requests over the limit for all cameras together (${a.options.globalPerSecond}/s, burst ${a.options.globalBurst}, ${a.options.globalMaxWaitMs / 1000} s of waiting answers)`
                : `blacklist requests from camera ${cameraId} over the limit (${settings.requestLimit} answers per minute)`;
            const message = `${what}: ${count} dropped${count > 1 ? ' since the last report' : ''}`;
            node.warn(message);
            const alert = createMessage('systemAlerts', {
              level: 'warning',
              source: source.slice(0, 256),
              ...(scope === 'camera' ? { camera_id: cameraId } : {}),
              message,
              details: { reason: 'blacklist_requests_limited', scope, dropped: count, per_camera_per_minute: settings.requestLimit },
            });
            b.publishMessage('systemAlerts', undefined, alert).catch((err: Error) => node.warn(`blacklist request alert not published: ${err.message}`));
          },
        },
        { perCameraPerMinute: settings.requestLimit },
      );
      answerer = a;
      const onRequest = (_topic: string, payload: Buffer, _packet: IPublishPacket) => {
        const result = decodePayload('blacklistRequest', payload);
        if (!result.ok) {
          node.warn(`blacklist request rejected: ${result.error.message}`);
          return;
        }
        // camera_id is required by the schema: the list goes to that camera's own topic.
        a.request(result.value.camera_id);
      };
      unsubscribes.push(b.connection.subscribe(b.topics.filter('blacklistUpdates'), 1, onUpdate, { owner: node.id }));
      if (settings.answerRequests) unsubscribes.push(b.connection.subscribe(b.topics.filter('blacklistRequest'), 1, onRequest, { owner: node.id }));
      Object.defineProperty(node, 'requestAnswerer', { value: a, configurable: true });
      b.register(node, () => {});
    }

    const purger = setInterval(() => {
      if (store.purgeExpired(Date.now()) > 0) changed();
    }, PURGE_EVERY_MS);
    purger.unref?.();

    node.on('close', (removed: boolean, done: () => void) => {
      clearInterval(purger);
      answerer?.close();
      // Redeployed (not removed): what arrives for it meanwhile is held for the new instance.
      for (const unsubscribe of unsubscribes) unsubscribe({ keep: !removed });
      broker?.deregister(node);
      try {
        store.flushSync();
      } catch (err) {
        node.error(`could not save the list to ${settings.file}: ${(err as Error).message}`);
      }
      changes.removeAllListeners();
      done();
    });
  }

  RED.nodes.registerType('lpr-blacklist', LprBlacklistNode);
};
