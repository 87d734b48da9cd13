/**
 * `lpr-checkpoint-analytics`: per-checkpoint tumbling windows of detections, plates, unique
 * plates, confidence, processing time and blacklist hits, published as CheckpointAnalytics on
 * `{root}/checkpoints/{id}/analytics`, with the retained CheckpointStatus on `.../status`.
 * The window logic is src/analytics/aggregator.ts (pure); this file wires it to Node-RED and MQTT.
 */
import { analyticsMessage, WindowAggregator, type WindowResult } from '../analytics/aggregator';
import { readAnalyticsInput } from '../analytics/input';
import { readCheckpointAnalyticsSettings, type CheckpointAnalyticsSettings } from '../analytics/settings';
import { createMessage } from '../protocol';
import { cameraHealthState, onCameraHealth } from '../runtime/registry';
import ownCatalog from '../../locales/en-US/lpr-checkpoint-analytics.json';
import { formatClock, siteTime } from '../runtime/site-time';
import { Slices } from '../runtime/slices';
import { resolveBroker } from './shared/broker-api';
import { translator } from './shared/i18n';
import type { Node, NodeAPI, NodeDef, NodeMessage } from './shared/red';
import { failSetup } from './shared/setup';
import { StatusReporter } from './shared/status';
import { publishWarnings } from './shared/publish-warnings';

/** Checkpoints' results (then statuses) sent per turn of the event loop at a window end. */
const EMIT_SLICE = 250;

export = function register(RED: NodeAPI): void {
  const t = translator(RED, ownCatalog);

  function LprCheckpointAnalyticsNode(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const broker = resolveBroker(RED, def.broker, t);
    if (broker instanceof Error) return failSetup(node, broker, t);
    let settings: CheckpointAnalyticsSettings;
    try {
      settings = readCheckpointAnalyticsSettings(def);
    } catch (err) {
      return failSetup(node, err, t);
    }
    // Camera states are looked up one camera at a time and followed by events: a detection costs
    // O(1) however many cameras the health monitors know (copying them all cost 56 ms at 100,000).
    const agg = new WindowAggregator({
      windowMs: settings.windowMs,
      // Windows align to the site's clock: a one-day window is the site's day.
      timeZone: broker.settings.timeZone,
      uniqueCap: settings.uniqueCap,
      maxCameras: settings.maxCameras,
      health: cameraHealthState,
    });
    const site = { zone: broker.settings.timeZone, era: broker.settings.era };
    let forgottenWarned = false;
    let noCheckpoint = 0;
    const status = new StatusReporter(
      node,
      () => {
        const n = agg.checkpointCount;
        const counts = t(n === 1 ? 'lpr-checkpoint-analytics.status.checkpoint' : 'lpr-checkpoint-analytics.status.checkpoints', { n, detections: agg.currentDetections() });
        const until = t('lpr-checkpoint-analytics.status.until', { time: formatClock(agg.windowEnd, site.zone) });
        return counts + until + (noCheckpoint ? t('lpr-checkpoint-analytics.status.withoutCheckpoint', { n: noCheckpoint }) : '');
      },
      1000,
      t,
    );

    // At a window end every checkpoint's figures go out at once: failures of one turn are one warning.
    const notPublished = publishWarnings(node, t, 'lpr-checkpoint-analytics.error.notPublished');
    // The words of a failed publish ("status of CP7"), made from its topic when it fails: made for
    // every publish, i18next was under each of a window end's 10,000 publishes (growth bench profile).
    const failedPublish = (whatKey: string) => (err: Error, topic: string) =>
      notPublished(t(whatKey, { checkpoint: broker.topics.parse(topic)?.checkpointId ?? topic }), err);
    const statusFailed = failedPublish('lpr-checkpoint-analytics.error.whatStatus');
    const analyticsFailed = failedPublish('lpr-checkpoint-analytics.error.whatAnalytics');

    /**
     * What each checkpoint's published status said: its camera counts, and its last detection. The
     * retained status is republished when the counts change (checked as events come), and at a
     * window end when its last detection moved too: not for every checkpoint at every window end
     * (an idle checkpoint's retained status still holds; at 100,000 checkpoints republishing them
     * all was most of the node's work), nor at every detection.
     */
    const published = new Map<string, { counts: string; last: string }>();
    const publishStatus = (ids: readonly string[], windowEnd = false) => {
      if (!settings.status) return;
      for (const id of ids) {
        const s = agg.status(id);
        if (!s) continue;
        const counts = `${s.cameras.online}/${s.cameras.offline}/${s.cameras.total}`;
        const last = s.last_detection ?? '';
        const before = published.get(id);
        if (before && before.counts === counts && (!windowEnd || before.last === last)) continue;
        published.set(id, { counts, last });
        try {
          broker.publishMessageNoWait('checkpointStatus', id, createMessage('checkpointStatus', { ...s }), statusFailed);
        } catch (err) {
          notPublished(t('lpr-checkpoint-analytics.error.whatStatus', { checkpoint: id }), err as Error);
        }
      }
    };

    const emitResult = (r: WindowResult, now: number, send: (msg: NodeMessage | NodeMessage[]) => void) => {
      let message;
      try {
        message = analyticsMessage(r, now);
      } catch (err) {
        node.error(t('lpr-checkpoint-analytics.error.analytics', { checkpoint: r.checkpoint_id, detail: (err as Error).message }));
        return;
      }
      if (settings.publish) {
        broker.publishMessageNoWait('checkpointAnalytics', r.checkpoint_id, message, analyticsFailed);
      }
      const lpr = { site: { ...site, windowStart: siteTime(Date.parse(r.window_start), site), windowEnd: siteTime(Date.parse(r.window_end), site) } };
      send({ topic: r.checkpoint_id, payload: message, lpr } as NodeMessage);
    };
    // A window end goes out EMIT_SLICE items per turn of the event loop: in one go it held the loop
    // 836–992 ms at 10,000 checkpoints, and every detection and ack with it.
    const outgoing = new Slices<() => void>({ size: EMIT_SLICE, run: (work) => work(), failed: (err) => node.error(err as Error), drained: () => status.touch() });
    const emit = (results: WindowResult[], send: (msg: NodeMessage | NodeMessage[]) => void) => {
      if (results.length === 0) return;
      const now = Date.now();
      for (const r of results) outgoing.add(() => emitResult(r, now, send));
      if (settings.status) for (const id of agg.checkpointIds()) outgoing.add(() => publishStatus([id], true));
    };
    const sendOut = (msg: NodeMessage | NodeMessage[]) => node.send(msg);

    // One timer per window end; a late timer is caught up by advance().
    let timer: NodeJS.Timeout | null = null;
    const schedule = () => {
      timer = setTimeout(
        () => {
          emit(agg.advance(), sendOut);
          schedule();
        },
        Math.max(1, agg.windowEnd - Date.now()),
      );
    };
    schedule();
    // Camera online/offline changes (health monitors, silence) republish the retained status of
    // the checkpoints concerned, checked once a second.
    const stopListening = onCameraHealth((camera) => (camera === null ? agg.healthSourcesChanged() : agg.healthChanged(camera)));
    const statusTicker = setInterval(() => {
      publishStatus(agg.changedStatus());
      if (agg.camerasForgotten > 0 && !forgottenWarned) {
        forgottenWarned = true;
        node.warn(t('lpr-checkpoint-analytics.error.camerasForgotten', { max: settings.maxCameras }));
      }
    }, 1000);

    broker.register(node, (state) => status.setState(state));

    node.on('input', (msg: NodeMessage, send: (msg: NodeMessage | NodeMessage[]) => void, done: (err?: Error) => void) => {
      try {
        const input = readAnalyticsInput(msg as Record<string, unknown>);
        if (input.kind === 'flush') {
          emit(agg.flush(), send);
          if (timer) clearTimeout(timer);
          schedule();
          return done();
        }
        const checkpoint = input.checkpointId;
        if (!checkpoint) {
          noCheckpoint++;
          status.touch();
          return done();
        }
        if (settings.checkpoint && checkpoint !== settings.checkpoint) return done();
        const isNew = !agg.hasCheckpoint(checkpoint);
        const closed =
          input.kind === 'blacklist'
            ? agg.addBlacklistHit(checkpoint)
            : agg.addDetection(checkpoint, input.cameraId, input.plates, input.processingTimeMs, input.countsDetection);
        emit(closed, send);
        if (isNew || input.kind === 'detection') publishStatus([checkpoint]);
        status.touch();
        done();
      } catch (err) {
        done(err as Error);
      }
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      // A closed window still going out is finished; the current partial window is not emitted: a
      // redeploy would otherwise publish a short window.
      outgoing.finish();
      if (timer) clearTimeout(timer);
      clearInterval(statusTicker);
      stopListening();
      broker.deregister(node);
      status.stop();
      done();
    });
  }

  RED.nodes.registerType('lpr-checkpoint-analytics', LprCheckpointAnalyticsNode);
};
