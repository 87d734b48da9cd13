/** `lpr-detection-in`: validated, deduplicated detections from one camera or all, with acks. */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { POLICY } from '../protocol/policy';
import { createMessage, IMAGE_POLICY, type Ack, type Detection } from '../protocol';
import { ImageStore, readImageSettings, type ImageSettings } from '../runtime/image-store';
import { imagePath, serveImages, stopServingImages } from './shared/image-route';
import { dedupeKey, DetectionIntake, detectionMessages, readDetectionInSettings, type DetectionInSettings, type DetectionMsg } from '../runtime/detection-intake';
import { batching, readBatchSettings, type BatchSettings } from '../runtime/detection-batch';
import { ACK_MAX_PENDING, readAckSettings, type AckSettings } from '../runtime/ack-settings';
import { CompletionTracker, type GivenUp } from '../runtime/completion-tracker';
import { DedupeJournal } from '../runtime/dedupe-journal';
import { HandoverQueue, type Released } from '../runtime/handover-queue';
import { AlertThrottle } from '../runtime/rate-limit';
import { recordLatency } from '../runtime/registry';
import { WarningBurst } from '../runtime/warning-burst';
import ownCatalog from '../../locales/en-US/lpr-detection-in.json';
import { batchOutput } from './detection-in-batch';
import { resolveBroker } from './shared/broker-api';
import { translator, type Translate } from './shared/i18n';
import type { Node, NodeAPI, NodeDef, NodeMessage } from './shared/red';
import { reportRejected } from './shared/reject';
import { failSetup } from './shared/setup';
import { watchBrokerNeeds } from './shared/broker-needs';
import { StatusReporter } from './shared/status';

/** Labels of our onComplete hooks: unique in the runtime, and without the `.` a label cannot hold. */
let hookCount = 0;

export = function register(RED: NodeAPI & { settings?: { userDir?: string } }): void {
  const t = translator(RED, ownCatalog);

  function LprDetectionInNode(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const broker = resolveBroker(RED, def.broker, t);
    if (broker instanceof Error) return failSetup(node, broker, t);
    let settings: DetectionInSettings;
    let ackSettings: AckSettings;
    let imageSettings: ImageSettings;
    let batchSettings: BatchSettings;
    try {
      settings = readDetectionInSettings(def);
      ackSettings = readAckSettings(def);
      batchSettings = readBatchSettings(def);
      imageSettings = readImageSettings(def);
    } catch (err) {
      return failSetup(node, err, t);
    }
    const hooks = RED.hooks;
    if (ackSettings.ackWhen === 'complete' && !hooks) {
      return failSetup(node, new Error(t('lpr-detection-in.error.needsHooks')), t);
    }
    const intake = new DetectionIntake(broker.topics, settings);
    const counts = intake.counts;
    // Acks and dedupe journal lines wait until Node-RED has handed the output on (see HandoverQueue).
    const release = ({ ack, delivered, at }: Released<Ack>) => {
      if (delivered) journal?.append(dedupeKey(delivered.cameraId, delivered.messageId), at);
      if (ack) publishAck(ack);
    };
    const handover = new HandoverQueue<Ack>(release);
    // ackWhen "complete": or until the nodes in scope have finished them (see CompletionTracker).
    const tracker = ackSettings.ackWhen === 'complete' ? completionTracker(node, def, ackSettings, intake, release, () => status.touch(), t) : null;
    let hookId: string | null = null;
    if (tracker && hooks) {
      hookId = `onComplete.lprDetectionInAck${++hookCount}_${node.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
      // Called for every node's every completion in the runtime: the tracker returns at once for
      // nodes outside its scope. Never returns false (that would halt the message).
      hooks.add(hookId, (event: { msg?: { _msgid?: unknown }; node?: { id?: string }; error?: unknown }) => {
        try {
          if (event?.node?.id) tracker.complete(event.msg?._msgid, event.node.id, event.error);
        } catch (err) {
          node.warn(t('lpr-detection-in.error.ackOnCompletion', { detail: (err as Error).message }));
        }
      });
    }
    // Batches: one message per batch; each detection acked when the batch is handed over or finished.
    const batches = batching(batchSettings)
      ? batchOutput({ settings: batchSettings, topic: broker.topics.filter('detection', settings.camera, null), send: (msg) => node.send(msg), handover, tracker })
      : null;
    const pendingKeys = () => {
      const keys = handover.pendingKeys();
      if (tracker) for (const key of tracker.pendingKeys()) keys.add(key);
      if (batches) for (const key of batches.keys()) keys.add(key);
      return keys;
    };
    const journal = openDedupeJournal(RED.settings?.userDir, node, intake, settings, pendingKeys, t);
    let lastRead = '';
    const status = new StatusReporter(
      node,
      () => {
        const done = tracker?.counts;
        const count = (key: string, n: number | undefined) => (n ? t(`lpr-detection-in.status.${key}`, { n }) : '');
        return [
          t('lpr-detection-in.status.in', { n: counts.accepted }),
          // The last read's receipt time on the site's clock (the same as msg.lpr.site.received.time).
          lastRead ? t('lpr-detection-in.status.last', { time: lastRead }) : '',
          count('rejected', counts.rejected),
          count('deferred', counts.deferred),
          count('duplicates', counts.duplicates),
          count('batches', batches?.sent),
          count('pending', tracker?.pending),
          count('failed', done?.failed),
          count('timedOut', done?.timedOut),
          count('overflowed', done?.overflowed),
        ]
          .filter(Boolean)
          .join(t('lpr-detection-in.status.separator'));
      },
      1000,
      t,
    );

    // The ack topic, built per ack (0.2-0.7 µs at any camera count): a per-camera cache cleared at
    // 10,000 ids cost 9-10 µs per ack at 100,000 cameras (npm run bench -- growth).
    const ackTopic = (cameraId: string) => broker.topics.topic('detectionAck', cameraId);
    // createAck already checked the two fields that come from outside; publishMessage would run the
    // whole Ack schema again (~2.5 µs with the stringify) for an object this node built.
    // Fire and forget (publishNoWait): no promise per ack, and one error handler for all of them,
    // which reads the ack's id back from the payload in the rare case it is needed.
    const ackOptions = { qos: POLICY.detectionAck.qos, retain: POLICY.detectionAck.retain };
    // A close with a window of acks in flight fails them all at once: one warning with the count.
    const acksNotSent = new WarningBurst<{ payload: string | Buffer; detail: string }>(({ payload, detail }, n) => {
      let id = '?';
      try {
        id = (JSON.parse(String(payload)) as Ack).ack_id;
      } catch {
        // ours, so always JSON
      }
      node.warn(n === 1 ? t('lpr-detection-in.error.ackNotSent', { id, detail }) : t('lpr-detection-in.error.acksNotSent', { n, id, detail }));
    });
    const ackNotSent = (err: Error, _topic: string, payload: string | Buffer) => acksNotSent.add({ payload, detail: err.message });
    const publishAck = (ack: Ack): void => {
      broker.connection.publishNoWait(ackTopic(ack.camera_id), JSON.stringify(ack), ackOptions, ackNotSent);
    };
    const sendAck = (ack: Ack | null) => handover.add(ack);

    // Rate-limit alerts on {root}/system/alerts: the first deferral of a camera at once, then at
    // most one per camera per interval with the count since the last one (one sweep timer per node).
    // A deferral is not an error (the camera sends the detection again when told), so no Catch.
    const source = (node.name && node.name.trim()) || 'lpr-detection-in';
    const alerts = new AlertThrottle(settings.rateAlertIntervalMs);
    const publishRateAlert = (cameraId: string, deferred: number) => {
      const seconds = Math.round(settings.rateAlertIntervalMs / 1000);
      const alert = createMessage('systemAlerts', {
        level: 'warning',
        source: source.slice(0, 256),
        camera_id: cameraId,
        message: t(deferred > 1 ? 'lpr-detection-in.alert.rateLimitedIn' : 'lpr-detection-in.alert.rateLimited', {
          camera: cameraId,
          rate: settings.rateLimit,
          burst: settings.rateBurst,
          n: deferred,
          seconds,
        }),
        details: { reason: 'rate_limited', deferred, rate_limit: settings.rateLimit, rate_burst: settings.rateBurst, interval_s: seconds },
      });
      broker.publishMessage('systemAlerts', undefined, alert).catch((err: Error) => node.warn(t('lpr-detection-in.error.rateAlertNotPublished', { camera: cameraId, detail: err.message })));
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
          reportRejected(
            node,
            t('lpr-detection-in.error.rejectedWhat', { camera: result.cameraId }),
            topic,
            payload,
            result.error,
            { type: 'detection', cameraId: result.cameraId, messageId: result.messageId, receivedAt },
            t,
          );
          sendAck(result.ack);
          break;
        case 'deferred': {
          sendAck(result.ack);
          const due = alerts.note(result.cameraId, receivedAt);
          if (due > 0) publishRateAlert(result.cameraId, due);
          break;
        }
        case 'duplicate':
          // A resend while the first copy is still in the flow: the first copy's ack answers both,
          // once the flow has finished it (or neither is acked and the camera resends again).
          if (tracker?.isPending(result.cameraId, result.detection.message_id) || batches?.has(result.cameraId, result.detection.message_id)) break;
          sendAck(result.ack);
          break;
        case 'detection': {
          const msgs = detectionMessages(topic, result.detection, receivedAt, settings.split, broker.settings.timeZone, broker.settings.era) as unknown as NodeMessage[];
          const first = (msgs[0] as unknown as DetectionMsg | undefined)?.lpr;
          const latency = first?.latencyMs;
          if (first) lastRead = first.site.received.time;
          if (latency != null) recordLatency(broker.id, 'detection', latency);
          const imageUrl = imageUrlOf(result.detection);
          if (imageUrl) for (const msg of msgs) (msg.lpr as { imageUrl?: string }).imageUrl = imageUrl;
          const delivered = { cameraId: result.cameraId, messageId: result.detection.message_id };
          if (batches) {
            batches.add(msgs as unknown as DetectionMsg[], result.ack, delivered, receivedAt);
          } else if (tracker && msgs.length > 0) {
            // Our own _msgid per message, known before the send: the hook reports completions by it.
            tracker.track(
              msgs.map((msg) => (msg._msgid = randomBytes(8).toString('hex'))),
              result.ack,
              delivered,
              receivedAt,
            );
            for (const msg of msgs) node.send(msg);
          } else {
            for (const msg of msgs) node.send(msg);
            handover.add(result.ack, delivered, receivedAt);
          }
          break;
        }
      }
      status.touch();
    };

    // Images (docs/protocol.md "Images"): the latest ones in memory, served over httpNode.
    const images = imageSettings.images ? new ImageStore(imageSettings.imageCount, imageSettings.imageBytes) : null;
    if (images && !serveImages(RED, images)) node.warn('images: this runtime has no HTTP server (httpNode); images are kept but not served');
    /** The address of the detection's image: ours when we hold it, else the camera's own image_url. */
    const imageUrlOf = (detection: Detection): string | null => {
      if (images?.has(detection.camera_id, detection.message_id)) return imagePath(RED, detection.camera_id, detection.message_id);
      const own = detection.metadata?.image_url;
      return typeof own === 'string' ? own : null;
    };
    let lastImageError = 0;
    const onImage = (topic: string, payload: Buffer) => {
      if (!images) return;
      const parsed = broker.topics.parseImage(topic);
      const result = parsed ? images.put(parsed.cameraId, parsed.messageId, payload) : { ok: false as const, problem: 'the topic is not {root}/cameras/{camera_id}/images/{message_id} with valid ids' };
      if (result.ok) return;
      // A flood of bad images must not flood the log: one error per 10 s (all are counted).
      const now = Date.now();
      if (now - lastImageError < 10_000) return;
      lastImageError = now;
      const err = new Error(`image rejected: msg.payload ${result.problem} (${images.counts.refused} rejected so far)`);
      Object.assign(err, { code: 'invalid_image' });
      node.error(err, { topic, payload: payload.subarray(0, 64), lpr: { type: 'image', cameraId: parsed?.cameraId ?? null, messageId: parsed?.messageId ?? null, receivedAt: now } } as unknown as NodeMessage);
    };
    // Not shared: a shared group would hand a detection and its image to different servers.
    const unsubscribeImages = images ? broker.connection.subscribe(broker.topics.imageFilter(settings.camera), IMAGE_POLICY.qos, onImage, { owner: node.id }) : null;
    Object.defineProperty(node, 'lprImages', { value: images, configurable: true });

    const filter = broker.topics.filter('detection', settings.camera, settings.sharedGroup);
    const unsubscribe = broker.connection.subscribe(filter, 1, onMessage, { owner: node.id });
    broker.register(node, (state) => status.setState(state));
    // A shared group on a broker that grants $share and delivers nothing; ids with dots on one that splits them.
    const unwatchNeeds = watchBrokerNeeds(node, broker, { sharedSubscriptions: settings.sharedGroup !== null, dotsInTopicLevels: settings.camera === null }, t, (w) => status.setWarning(w));

    node.on('close', (removed: boolean, done: () => void) => {
      // Outputs not handed over were dropped with the flow: not duplicates when they come again.
      for (const unsent of batches?.close() ?? []) intake.forgetDedupe(unsent.cameraId, unsent.messageId);
      for (const dropped of handover.close()) intake.forgetDedupe(dropped.cameraId, dropped.messageId);
      // Not finished by the flow, so not acked: the cameras resend them, and they must count as new.
      if (hookId) hooks?.remove(hookId);
      for (const waiting of tracker?.close() ?? []) intake.forgetDedupe(waiting.cameraId, waiting.messageId);
      // A deleted node's window goes with it; otherwise it is kept for the next start.
      if (removed) journal?.discard();
      else journal?.close();
      if (sweep) clearInterval(sweep);
      // Redeployed (not removed): what arrives for it meanwhile is held for the new instance.
      unsubscribe({ keep: !removed });
      unsubscribeImages?.({ keep: !removed });
      if (images) {
        stopServingImages(images);
        images.clear();
      }
      broker.deregister(node);
      unwatchNeeds();
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
  pendingKeys: () => Set<string>,
  t: Translate,
): DedupeJournal | null {
  if (!intake.dedupes || typeof userDir !== 'string' || userDir === '') return null;
  const file = path.join(userDir, 'lpr-detection-in', `${node.id.replace(/[^A-Za-z0-9_.-]/g, '_')}.dedupe`);
  let warned = false;
  const window = () => {
    const pending = pendingKeys();
    return intake.dedupeEntries().filter(([key]) => !pending.has(key));
  };
  const journal = new DedupeJournal(file, settings.dedupeSize * 2, window, (err) => {
    if (!warned) node.warn(t('lpr-detection-in.error.journalWrite', { file, detail: err.message }));
    warned = true;
  });
  try {
    const { entries, skipped } = journal.load();
    intake.restoreDedupe(entries);
    if (skipped > 0) node.warn(t('lpr-detection-in.error.journalSkipped', { file, n: skipped }));
  } catch (err) {
    node.warn(t('lpr-detection-in.error.journalRead', { file, detail: (err as Error).message }));
  }
  journal.rewrite();
  return journal;
}

/** Say a give-up at most this often (with the count since the last word): a dead database is a flood. */
const GIVE_UP_WARN_INTERVAL_MS = 10_000;

/**
 * The ack-on-completion tracker of one node: its scope (the nodes chosen, or else those wired to
 * the output), a give-up that forgets the dedupe entry (the resend must come through), and a
 * warning at most every 10 s.
 */
function completionTracker(
  node: Node,
  def: NodeDef,
  ack: AckSettings,
  intake: DetectionIntake,
  release: (item: Released<Ack>) => void,
  touch: () => void,
  t: Translate,
): CompletionTracker<Ack> | null {
  const wired = Array.isArray(def.wires) && Array.isArray(def.wires[0]) ? (def.wires[0] as unknown[]).filter((id): id is string => typeof id === 'string') : [];
  const scope = ack.ackScope.length > 0 ? ack.ackScope : wired;
  if (scope.length === 0) {
    node.warn(t('lpr-detection-in.error.noScope'));
    return null;
  }
  const seconds = ack.ackTimeoutMs / 1000;
  let lastWarn = 0;
  let since = 0;
  const reasons = new Map<string, number>();
  return new CompletionTracker<Ack>({
    scope,
    timeoutMs: ack.ackTimeoutMs,
    maxPending: ACK_MAX_PENDING,
    onComplete: (item) => {
      release(item);
      touch();
    },
    onGiveUp: (item: GivenUp<Ack>) => {
      intake.forgetDedupe(item.delivered.cameraId, item.delivered.messageId);
      touch();
      since++;
      const why =
        item.reason === 'error'
          ? t('lpr-detection-in.error.giveUpError', { node: item.nodeId })
          : item.reason === 'timeout'
            ? t('lpr-detection-in.error.giveUpTimeout', { seconds })
            : t('lpr-detection-in.error.giveUpOverflow', { max: ACK_MAX_PENDING });
      reasons.set(why, (reasons.get(why) ?? 0) + 1);
      const now = Date.now();
      if (now - lastWarn < GIVE_UP_WARN_INTERVAL_MS) return;
      lastWarn = now;
      const detail = [...reasons].map(([reason, n]) => t('lpr-detection-in.error.giveUpReason', { n, reason })).join(', ');
      const hint = item.reason === 'timeout' ? t('lpr-detection-in.error.giveUpHint', { scope: scope.join(', ') }) : '';
      const error = item.reason === 'error' ? t('lpr-detection-in.error.giveUpLastError', { detail: item.error instanceof Error ? item.error.message : String(item.error) }) : '';
      node.warn(t('lpr-detection-in.error.notAcked', { n: since, detail, hint, error, camera: item.delivered.cameraId, id: item.delivered.messageId }));
      since = 0;
      reasons.clear();
    },
  });
}
