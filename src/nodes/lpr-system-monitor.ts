/**
 * `lpr-system-monitor`: connection and message metrics of every lpr-broker in the runtime, the
 * seed's health-check object, camera counts; alerts and log lines from input messages; optional
 * Prometheus text exposition on an HTTP path; `report_now` over `{root}/system/control`.
 */
import type { IPublishPacket } from 'mqtt';
import type { Release } from '../runtime/broker-connection';
import { createMessage, decodePayload, ValidationError } from '../protocol';
import { PROMETHEUS_CONTENT_TYPE, readSystemMonitorSettings, renderPrometheus, sampleOf, SnapshotBuilder, type Snapshot, type SystemMonitorSettings as Settings } from '../monitor';
import { brokers, cameraHealthCounts } from '../runtime/registry';
import ownCatalog from '../../locales/en-US/lpr-system-monitor.json';
import { siteTime } from '../runtime/site-time';
import { resolveBroker } from './shared/broker-api';
import { translator, type Translate } from './shared/i18n';
import type { Node, NodeAPI, NodeDef, NodeMessage } from './shared/red';
import { reportRejected } from './shared/reject';
import { failSetup } from './shared/setup';
import { StatusReporter } from './shared/status';
import { publishWarnings } from './shared/publish-warnings';

const SOURCE = 'lpr-system-monitor';
const ALERT_LEVELS = ['info', 'warning', 'critical'] as const;
const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const REPORT_COMMANDS = new Set(['report_now', 'report']);


function show(value: unknown): string {
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}

/** Level and text of an alert or log input: `msg.payload` = `{level, message, ...}`, or text with `msg.level`. */
function readLevelled(msg: NodeMessage, levels: readonly string[], t: Translate): { fields: Record<string, unknown>; base: string } {
  const payload = msg.payload;
  let fields: Record<string, unknown>;
  let levelField: string;
  if (typeof payload === 'string') {
    fields = { message: payload, ...(msg.level !== undefined ? { level: msg.level } : {}) };
    levelField = 'msg.level';
  } else if (payload && typeof payload === 'object' && !Array.isArray(payload)) {
    fields = { ...(payload as Record<string, unknown>) };
    levelField = 'msg.payload.level';
  } else {
    throw new Error(t('lpr-system-monitor.error.payload', { value: show(payload) }));
  }
  const messageField = typeof payload === 'string' ? 'msg.payload' : 'msg.payload.message';
  fields.level ??= 'info';
  if (typeof fields.level !== 'string' || !levels.includes(fields.level)) {
    throw new Error(t('lpr-system-monitor.error.level', { field: levelField, levels: levels.map((l) => `"${l}"`).join(', '), value: show(fields.level) }));
  }
  if (typeof fields.message !== 'string' || fields.message.trim() === '') throw new Error(t('lpr-system-monitor.error.messageRequired', { field: messageField }));
  // Where the fields of the published message came from, to name them in errors.
  return { fields, base: typeof payload === 'string' ? 'msg' : 'msg.payload' };
}

/** A ValidationError from createMessage with its paths under `msg.payload`. */
function named(err: unknown, base: string): Error {
  if (err instanceof ValidationError) return new Error(err.issues.map((i) => `${base}.${i.path}: ${i.message}`).join('; '));
  return err as Error;
}

type Express = { get(path: string, handler: (req: unknown, res: ExpressResponse) => void): void; _router?: Router; router?: Router };
type Router = { stack: Array<{ route?: { path?: string; stack?: Array<{ handle?: unknown }> } }> };
type ExpressResponse = { set(name: string, value: string): void; status(code: number): ExpressResponse; send(body: string): void };

export = function register(RED: NodeAPI): void {
  const red = RED as NodeAPI & { httpNode?: Express; httpAdmin?: Express };
  const t = translator(RED, ownCatalog);

  function LprSystemMonitorNode(this: Node, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const broker = resolveBroker(RED, def.broker, t);
    if (broker instanceof Error) return failSetup(node, broker, t);
    let settings: Settings;
    try {
      settings = readSystemMonitorSettings(def);
    } catch (err) {
      return failSetup(node, err, t);
    }
    const source = (node.name && node.name.trim()) || SOURCE;
    const builder = new SnapshotBuilder();
    builder.prime(brokers().map(sampleOf), Date.now());
    let last: Snapshot | null = null;
    const status = new StatusReporter(
      node,
      () => {
        const rate = last ? last.brokers.reduce((sum, b) => sum + b.throughput_msg_per_s.sent + b.throughput_msg_per_s.received, 0) : 0;
        return t('lpr-system-monitor.status.counts', { brokers: brokers().length, rate: Math.round(rate * 10) / 10 });
      },
      1000,
      t,
    );
    const notPublished = publishWarnings(node, t, 'lpr-system-monitor.error.notPublished');
    const warnOnFailure = (promise: Promise<void>, what: string) => promise.catch((err: Error) => notPublished(what, err));

    /** A snapshot now: sent on the output (keeping `msg`'s other properties) and published when set to. */
    const report = (msg: NodeMessage = {}, send: (m: NodeMessage) => void = (m) => node.send(m)) => {
      last = builder.build(brokers().map(sampleOf), cameraHealthCounts(), Date.now());
      const payload = createMessage('systemMonitoring', { timestamp: last.timestamp, interval_s: last.interval_s, brokers: last.brokers, cameras: last.cameras });
      if (settings.publish) warnOnFailure(broker.publishMessage('systemMonitoring', undefined, payload), t('lpr-system-monitor.error.whatSnapshot'));
      // The snapshot's time on the site clock (lpr-broker's time zone), e.g. for a chart's axis.
      const zone = { zone: broker.settings.timeZone, era: broker.settings.era };
      const site = { ...zone, at: siteTime(Date.parse(payload.timestamp), zone) };
      send({ ...msg, topic: 'system/monitoring', payload, lpr: { ...(msg.lpr as object | undefined), site } });
      status.touch();
    };

    const timer = settings.intervalMs > 0 ? setInterval(() => report(), settings.intervalMs) : null;

    // {root}/system/control: the commands this node understands.
    let unsubscribe: Release | null = null;
    if (settings.control) {
      const onControl = (topic: string, payload: Buffer, _packet: IPublishPacket) => {
        const receivedAt = Date.now();
        const result = decodePayload('systemControl', payload);
        if (!result.ok) {
          const what = t('lpr-system-monitor.error.rejectedWhat');
          reportRejected(node, what, topic, payload, result.error, { type: 'systemControl', cameraId: null, messageId: null, receivedAt }, t);
          return;
        }
        if (REPORT_COMMANDS.has(result.value.command)) report({ control: result.value });
        else node.warn(t('lpr-system-monitor.error.unknownCommand', { command: result.value.command }));
      };
      unsubscribe = broker.connection.subscribe(broker.topics.filter('systemControl'), 2, onControl, { owner: node.id });
    }
    broker.register(node, (state) => status.setState(state));

    // Prometheus text exposition on the runtime's HTTP server.
    const app = red.httpNode ?? red.httpAdmin;
    let handler: ((req: unknown, res: ExpressResponse) => void) | null = null;
    if (settings.prometheus) {
      if (!app) node.warn(t('lpr-system-monitor.error.noHttp'));
      else {
        handler = (_req, res) => {
          try {
            const snapshot = builder.build(brokers().map(sampleOf), cameraHealthCounts(), Date.now(), false);
            const byId = new Map(brokers().map((b) => [b.id, b]));
            const body = renderPrometheus({
              brokers: snapshot.brokers.map((report) => ({ report, latency: byId.get(report.id)?.latency ?? emptyLatency() })),
              cameras: snapshot.cameras,
            });
            res.set('Content-Type', PROMETHEUS_CONTENT_TYPE);
            res.send(body);
          } catch (err) {
            res.status(500).send(t('lpr-system-monitor.error.metricsUnavailable', { detail: (err as Error).message }));
          }
        };
        app.get(settings.path, handler);
      }
    }

    node.on('input', (msg: NodeMessage, send: (m: NodeMessage) => void, done: (err?: Error) => void) => {
      try {
        const action = msg.action ?? 'report';
        if (action === 'report') report(msg, send);
        else if (action === 'alert') {
          const { fields, base } = readLevelled(msg, ALERT_LEVELS, t);
          let alert;
          try {
            alert = createMessage('systemAlerts', { ...fields, source } as Parameters<typeof createMessage<'systemAlerts'>>[1]);
          } catch (err) {
            throw named(err, base);
          }
          warnOnFailure(broker.publishMessage('systemAlerts', undefined, alert), t('lpr-system-monitor.error.whatAlert'));
        } else if (action === 'log') {
          const { fields, base } = readLevelled(msg, LOG_LEVELS, t);
          let line;
          try {
            line = createMessage('systemLogs', { ...fields, source } as Parameters<typeof createMessage<'systemLogs'>>[1]);
          } catch (err) {
            throw named(err, base);
          }
          warnOnFailure(broker.publishMessage('systemLogs', undefined, line), t('lpr-system-monitor.error.whatLog'));
        } else {
          throw new Error(t('lpr-system-monitor.error.action', { value: show(action) }));
        }
        done();
      } catch (err) {
        done(err as Error);
      }
    });

    node.on('close', (removed: boolean, done: () => void) => {
      if (timer) clearInterval(timer);
      // Redeployed (not removed): what arrives for it meanwhile is held for the new instance.
      unsubscribe?.({ keep: !removed });
      if (app && handler) {
        const router = app._router ?? app.router;
        if (router) router.stack = router.stack.filter((layer) => !layer.route?.stack?.some((s) => s.handle === handler));
      }
      broker.deregister(node);
      status.stop();
      done();
    });
  }

  RED.nodes.registerType('lpr-system-monitor', LprSystemMonitorNode);
};

function emptyLatency() {
  const empty = () => ({ counts: [], count: 0, sumMs: 0, maxMs: 0, lastMs: null });
  return { detection: empty(), control: empty() };
}
