/** `lpr-blacklist`: a watch list shared by match nodes, synced over MQTT and persisted. */
import { EventEmitter } from 'node:events';
import os from 'node:os';
import type { IPublishPacket } from 'mqtt';
import type { Release } from '../runtime/broker-connection';
import { createMessage, decodePayload, newMessageId, nowIso, POLICY, type BlacklistEntry } from '../protocol';
import { RequestAnswerer } from '../blacklist/request-answerer';
import { ReplicatedList } from '../blacklist/replicated';
import { planSnapshot, snapshotMessage, SnapshotAssembler } from '../blacklist/snapshot';
import { BlacklistStore } from '../blacklist/store';
import { readBlacklistSettings, type BlacklistSettings } from '../runtime/blacklist-settings';
import catalog from '../../locales/en-US/lpr-blacklist.json';
import { resolveBroker, type LprBroker } from './shared/broker-api';
import { translator } from './shared/i18n';
import type { LprBlacklist } from './shared/blacklist-api';
import type { Node, NodeAPI, NodeDef } from './shared/red';
import { publishWarnings } from './shared/publish-warnings';

const PURGE_EVERY_MS = 60_000;
/** Our own updates come back to us on the shared topic: remember their ids to skip them. */
const OWN_IDS_KEPT = 1000;
/** How often snapshots in assembly are checked for missing chunks (ms). */
const STALLED_CHECK_MS = 2000;
/** A snapshot answer's chunks: the policy's QoS and retain, one object for all. */
const ANSWER_OPTIONS = { qos: POLICY.blacklistAnswer.qos, retain: POLICY.blacklistAnswer.retain };

export = function register(RED: NodeAPI & { settings?: { userDir?: string } }): void {
  const t = translator(RED, catalog);
  function LprBlacklistNode(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this as LprBlacklist & { store: BlacklistStore; broker: LprBroker | null };
    let settings: BlacklistSettings;
    try {
      settings = readBlacklistSettings(def, def.id, RED.settings?.userDir ?? null);
    } catch (err) {
      node.error(t('lpr-blacklist.error.invalidConfig', { detail: (err as Error).message }));
      return;
    }
    let broker: LprBroker | null = null;
    if (def.broker) {
      const resolved = resolveBroker(RED, def.broker);
      if (resolved instanceof Error) node.warn(t('lpr-blacklist.warn.notSynced', { detail: resolved.message }));
      else broker = resolved;
    }
    // A zone-less expires_at is read in the broker's site time zone (UTC without a broker).
    const store = new BlacklistStore(settings.entries, settings.file, (err) => node.error(t('lpr-blacklist.error.saveFailed', { file: settings.file, detail: err.message })), { timeZone: broker?.settings.timeZone ?? 'UTC' });
    const { loaded, issues, tombstones } = store.load();
    if (issues.length) node.warn(t('lpr-blacklist.warn.skipped', { file: settings.file, n: issues.length, first: `${issues[0]!.path}: ${issues[0]!.message}` }));
    if (loaded) node.log(t('lpr-blacklist.log.loaded', { n: loaded, file: settings.file }));
    node.store = store;
    // This server's id in revisions (ties) and in the request it sends peers: unique per runtime and node.
    const origin = `${os.hostname().replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 30) || 'host'}.${def.id}`.slice(0, 64).replace(/^[^A-Za-z0-9]+/, '');
    const replicated = new ReplicatedList(store, origin, { tombstones });
    Object.defineProperty(node, 'replicated', { value: replicated, configurable: true });

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
    const remember = (id: string) => {
      ownIds.push(id);
      if (ownIds.length > OWN_IDS_KEPT) ownIds.shift();
    };
    /** Revisions of our own updates not yet acknowledged by the broker: sent again (as a snapshot) on reconnect. */
    const undelivered = new Set<number>();
    const publishUpdate = (action: 'add' | 'remove' | 'replace', entries: BlacklistEntry[], stamp: { revision: number; origin: string }) => {
      if (!broker) return;
      undelivered.add(stamp.revision);
      // A big change goes as a snapshot (chunks under the size limit) of the writes it made.
      const size = Buffer.byteLength(JSON.stringify(entries));
      if (size > settings.snapshotMaxBytes / 2) {
        const writes = replicated.writes().filter((w) => w.origin === stamp.origin && w.revision === stamp.revision);
        publishSnapshot(writes, () => undelivered.delete(stamp.revision));
        return;
      }
      const update = createMessage('blacklistUpdates', { action, entries, ...stamp });
      remember(update.message_id);
      broker
        .publishMessage('blacklistUpdates', undefined, update)
        .then(() => undelivered.delete(stamp.revision))
        .catch((err: Error) => node.warn(t('lpr-blacklist.warn.updateNotPublished', { detail: err.message })));
    };
    /** Writes to every peer and camera on blacklist/updates, as a snapshot in chunks. */
    const publishSnapshot = (writes: BlacklistEntry[], delivered: () => void) => {
      const b = broker!;
      const plan = planSnapshot(writes, { id: newMessageId(), revision: replicated.replica.clock, origin, maxBytes: settings.snapshotMaxBytes });
      const sent = plan.chunks.map((_, i) => {
        const messageId = newMessageId();
        remember(messageId);
        return b.connection.publish(b.topics.topic('blacklistUpdates'), snapshotMessage(plan, i, messageId, nowIso()), { qos: POLICY.blacklistUpdates.qos, retain: false });
      });
      Promise.all(sent)
        .then(delivered)
        .catch((err: Error) => node.warn(t('lpr-blacklist.warn.snapshotNotPublished', { detail: err.message })));
    };

    node.applyUpdate = (action, entries, publish) => {
      const { result, stamp } = replicated.local(action, entries);
      changed();
      if (publish) publishUpdate(action, entries, stamp);
      return result;
    };

    const unsubscribes: Release[] = [];
    const timers: NodeJS.Timeout[] = [];
    if (broker) {
      const b = broker;
      const onUpdate = (topic: string, payload: Buffer) => {
        const result = decodePayload('blacklistUpdates', payload, { maxBytes: 256 * 1024 * 1024 });
        if (!result.ok) {
          // Rejected whole: a half-applied update would leave the list in a state nobody sent.
          node.warn(t('lpr-blacklist.warn.updateRejected', { topic, detail: result.error.message }));
          return;
        }
        const update = result.value;
        if (ownIds.includes(update.message_id) || (update.origin === origin && update.revision !== undefined)) return;
        if (update.action === 'snapshot') {
          if (!update.snapshot) {
            node.warn(t('lpr-blacklist.warn.snapshotMissing', { topic }));
            return;
          }
          // One snapshot in assembly per sender and list: a newer one from the same sender replaces it.
          const key = `${update.origin ?? ''}\u0000${update.snapshot.list ?? ''}\u0000${topic}`;
          const added = assembler.add(key, update.snapshot, update.entries);
          if (added.status === 'refused') node.warn(t('lpr-blacklist.warn.snapshotRejected', { topic, detail: added.reason }));
          if (added.status !== 'complete') return;
          // Its own revision for entries that carry none (an editor entry: 0, any revisioned write wins).
          const applied = replicated.remote({ action: 'snapshot', entries: added.entries.map((e) => (e.revision === undefined ? { ...e, revision: 0 } : e)) });
          node.debug(`applied a snapshot of ${added.entries.length} from ${topic}: +${applied.added} -${applied.removed} = ${applied.total}`);
          changed();
          return;
        }
        const applied = replicated.remote(update);
        node.debug(`applied ${applied.action} from ${topic}: +${applied.added} -${applied.removed} = ${applied.total}`);
        changed();
      };
      const assembler = new SnapshotAssembler();
      // The request this server sends its peers on (re)connect; their answers come to its own topic.
      const syncId = `srv-${def.id.replace(/[^A-Za-z0-9_.-]/g, '')}`.slice(0, 64);
      const requestSync = (wanted?: { id: string; missing: number[] }) => {
        const request = createMessage('blacklistRequest', { camera_id: syncId, ...(wanted ? { snapshot: wanted } : {}) });
        b.publishMessage('blacklistRequest', undefined, request).catch((err: Error) => node.warn(t('lpr-blacklist.warn.syncNotPublished', { detail: err.message })));
      };
      const stalledTimer = setInterval(() => {
        for (const s of assembler.stalled()) {
          // Missing chunks of an answer to us: ask its sender again; of a peer's broadcast: the whole list from peers.
          // (After 3 tries the sender has likely moved on: the whole list again.)
          if (s.attempt <= 3 && s.key.endsWith(`\u0000${b.topics.topic('blacklistAnswer', syncId)}`)) requestSync({ id: s.id, missing: s.missing });
          else {
            assembler.drop(s.key);
            requestSync();
          }
        }
      }, STALLED_CHECK_MS);
      stalledTimer.unref?.();
      timers.push(stalledTimer);
      // The whole list goes only to the camera that asked, on its own topic (not an MQTT 5 response
      // topic: the requester could name any topic there, and the ACL covers cameras/%u/blacklist).
      const source = (node.name && node.name.trim()) || 'lpr-blacklist';
      // An answer is a message per chunk: those that fail together (a connection closing) are one warning.
      const answerNotPublished = publishWarnings(node, t, 'lpr-blacklist.warn.answerNotPublished', 'lpr-blacklist.warn.answerNotPublishedMany');
      const answerFailed = (err: Error, topic: string) => answerNotPublished(b.topics.parse(topic)?.cameraId ?? topic, err);
      const a = new RequestAnswerer(
        {
          // Every write (tombstones too, so a peer removes what we removed) and the editor entries (revision 0).
          plan: () => {
            const writes = replicated.writes();
            const held = new Set(writes.map((w) => JSON.stringify([w.plate_number, w.province ?? '', w.list ?? ''])));
            const editor = settings.entries.filter((e) => !held.has(JSON.stringify([e.plate_number, e.province ?? '', e.list ?? '']))).map((e) => ({ ...e, revision: 0 }));
            return planSnapshot([...editor, ...writes], { id: newMessageId(), revision: replicated.replica.clock, origin, maxBytes: settings.snapshotMaxBytes });
          },
          publish: (cameraId, body) => {
            b.connection.publishNoWait(b.topics.topic('blacklistAnswer', cameraId), body, ANSWER_OPTIONS, answerFailed);
          },
          limited: (cameraId, count, scope) => {
            const what =
              scope === 'global'
                ? t('lpr-blacklist.warn.limitedGlobal', { rate: a.options.globalPerSecond, burst: a.options.globalBurst, wait: a.options.globalMaxWaitMs / 1000 })
                : t('lpr-blacklist.warn.limitedCamera', { camera: cameraId, limit: settings.requestLimit });
            const message = t(count > 1 ? 'lpr-blacklist.warn.droppedSince' : 'lpr-blacklist.warn.droppedOnce', { what, n: count });
            node.warn(message);
            const alert = createMessage('systemAlerts', {
              level: 'warning',
              source: source.slice(0, 256),
              ...(scope === 'camera' ? { camera_id: cameraId } : {}),
              message,
              details: { reason: 'blacklist_requests_limited', scope, dropped: count, per_camera_per_minute: settings.requestLimit },
            });
            b.publishMessage('systemAlerts', undefined, alert).catch((err: Error) => node.warn(t('lpr-blacklist.warn.alertNotPublished', { detail: err.message })));
          },
        },
        { perCameraPerMinute: settings.requestLimit },
      );
      answerer = a;
      const onRequest = (_topic: string, payload: Buffer, _packet: IPublishPacket) => {
        const result = decodePayload('blacklistRequest', payload);
        if (!result.ok) {
          node.warn(t('lpr-blacklist.warn.requestRejected', { detail: result.error.message }));
          return;
        }
        // camera_id is required by the schema: the list goes to that camera's own topic.
        if (result.value.camera_id === syncId) return; // our own sync request
        a.request(result.value.camera_id, Date.now(), result.value.snapshot ?? null);
      };
      unsubscribes.push(b.connection.subscribe(b.topics.filter('blacklistUpdates'), 1, onUpdate, { owner: node.id }));
      unsubscribes.push(b.connection.subscribe(b.topics.topic('blacklistAnswer', syncId), 1, onUpdate, { owner: node.id }));
      if (settings.answerRequests) unsubscribes.push(b.connection.subscribe(b.topics.filter('blacklistRequest'), 1, onRequest, { owner: node.id }));
      Object.defineProperty(node, 'requestAnswerer', { value: a, configurable: true });
      // On every (re)connect: ask peers for their list (answered on our own topic, merged by revision),
      // and send them what we changed that the broker never acknowledged (made while cut off).
      b.register(node, (state) => {
        if (state !== 'connected') return;
        requestSync();
        if (undelivered.size) {
          const from = Math.min(...undelivered);
          const pending = [...undelivered];
          publishSnapshot(
            replicated.writes().filter((w) => w.origin === origin && w.revision! >= from),
            () => pending.forEach((r) => undelivered.delete(r)),
          );
        }
      });
    }

    const purger = setInterval(() => {
      replicated.replica.prune();
      if (store.purgeExpired(Date.now()) > 0) changed();
    }, PURGE_EVERY_MS);
    purger.unref?.();

    node.on('close', (removed: boolean, done: () => void) => {
      clearInterval(purger);
      for (const timer of timers) clearInterval(timer);
      answerer?.close();
      // Redeployed (not removed): what arrives for it meanwhile is held for the new instance.
      for (const unsubscribe of unsubscribes) unsubscribe({ keep: !removed });
      broker?.deregister(node);
      try {
        store.flushSync();
      } catch (err) {
        node.error(t('lpr-blacklist.error.saveFailed', { file: settings.file, detail: (err as Error).message }));
      }
      changes.removeAllListeners();
      done();
    });
  }

  RED.nodes.registerType('lpr-blacklist', LprBlacklistNode);
};
