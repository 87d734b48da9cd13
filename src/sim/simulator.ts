/**
 * The simulator: N cameras (src/sim/camera.ts) with a shared plate pool, started and stopped
 * together. `startSimulator(options)` is what `lpr-sim`, the demo, the benchmarks and the tests use.
 */
import { mkdirSync } from 'node:fs';
import { PlatePool } from './data';
import { SimCamera, type CameraStats } from './camera';
import { cameraIds, resolveSimOptions, type SimOptions } from './options';
import { Random } from './random';

export interface SimSummary {
  cameras: number;
  elapsedSeconds: number;
  generated: number;
  sent: number;
  resent: number;
  acked: number;
  rejected: number;
  /** Retry acks (the server's rate limit): each such detection was sent again later. */
  deferred: number;
  dropped: number;
  pending: number;
  blacklistedPlates: number;
  healthSent: number;
  controls: number;
  controlResponses: number;
  configUpdates: number;
  healthRequests: number;
  invalidInbound: number;
  connected: number;
  perCamera: CameraStats[];
}

export interface Simulator {
  readonly options: SimOptions;
  readonly cameras: readonly SimCamera[];
  /** Resolves once every camera has connected (and subscribed) once. */
  readonly ready: Promise<void>;
  /**
   * Resolves when a run with --count or --duration has finished generating and its detections
   * are acked (or --drain seconds have passed). Never resolves for an open-ended run.
   */
  readonly finished: Promise<void>;
  stats(): SimSummary;
  /** Stops generating, waits up to `drainMs` (default --drain) for pending acks, says goodbye (offline health), disconnects. */
  stop(drainMs?: number): Promise<SimSummary>;
}

export function startSimulator(input: Partial<SimOptions> = {}, log: (line: string) => void = () => undefined): Simulator {
  const options = resolveSimOptions(input);
  const rng = new Random(options.seed);
  const pool = new PlatePool(rng.fork(0), { poolSize: options.poolSize, thaiRatio: options.thaiRatio, blacklisted: options.blacklisted });
  if (options.persistDir) mkdirSync(options.persistDir, { recursive: true });
  const startedAt = Date.now();
  const suffix = `${process.pid.toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
  const cameras = cameraIds(options).map(
    (cameraId, i) =>
      new SimCamera({
        cameraId,
        options,
        rng: rng.fork(i + 2),
        pool,
        clientId: `lpr-sim-${cameraId}-${suffix}`.slice(0, 64),
        log,
      }),
  );
  for (const camera of cameras) camera.start();

  const ready = Promise.all(cameras.map((c) => c.ready)).then(() => undefined);
  ready.catch(() => undefined);

  const stats = (): SimSummary => {
    const perCamera = cameras.map((c) => c.stats());
    const sum = (key: keyof CameraStats) => perCamera.reduce((s, c) => s + (c[key] as number), 0);
    return {
      cameras: cameras.length,
      elapsedSeconds: Math.round((Date.now() - startedAt) / 100) / 10,
      generated: sum('generated'),
      sent: sum('sent'),
      resent: sum('resent'),
      acked: sum('acked'),
      rejected: sum('rejected'),
      deferred: sum('deferred'),
      dropped: sum('dropped'),
      pending: sum('pending'),
      blacklistedPlates: sum('blacklistedPlates'),
      healthSent: sum('healthSent'),
      controls: sum('controls'),
      controlResponses: sum('controlResponses'),
      configUpdates: sum('configUpdates'),
      healthRequests: sum('healthRequests'),
      invalidInbound: sum('invalidInbound'),
      connected: perCamera.filter((c) => c.connected).length,
      perCamera,
    };
  };

  const pendingTotal = () => cameras.reduce((s, c) => s + c.agent.outbox.size, 0);

  /** Waits until nothing is pending, at most `ms`. */
  const drain = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const deadline = Date.now() + ms;
      const check = () => {
        if (pendingTotal() === 0 || Date.now() >= deadline) resolve();
        else setTimeout(check, 25);
      };
      check();
    });

  let stopping: Promise<SimSummary> | null = null;
  const stop = (drainMs: number = options.drain * 1000): Promise<SimSummary> => {
    if (stopping) return stopping;
    stopping = (async () => {
      for (const c of cameras) c.stopGenerating();
      await drain(drainMs);
      await Promise.all(cameras.map((c) => c.stop()));
      return stats();
    })();
    return stopping;
  };

  const finished = new Promise<void>((resolve) => {
    if (options.count === null && options.duration === null) return;
    const deadline = options.duration !== null ? startedAt + options.duration * 1000 : Infinity;
    const check = () => {
      if (stopping) return resolve();
      const allDone = options.count !== null && cameras.every((c) => c.done);
      if (allDone || Date.now() >= deadline) {
        for (const c of cameras) c.stopGenerating();
        drain(options.drain * 1000).then(resolve);
        return;
      }
      setTimeout(check, 25).unref?.();
    };
    check();
  });

  return { options, cameras, ready, finished, stats, stop };
}

/** The human-readable summary printed on exit. */
export function formatSummary(s: SimSummary): string {
  const lines = [
    `lpr-sim summary: ${s.cameras} camera(s), ${s.elapsedSeconds} s`,
    `  detections: generated ${s.generated}, sent ${s.sent}, resent ${s.resent}, acked ${s.acked}, deferred ${s.deferred}, rejected ${s.rejected}, dropped ${s.dropped}, pending ${s.pending}`,
    `  blacklisted plates ${s.blacklistedPlates} · health ${s.healthSent} · control commands ${s.controls} (answered ${s.controlResponses}) · config updates ${s.configUpdates} · health requests ${s.healthRequests}` +
      (s.invalidInbound ? ` · invalid inbound ${s.invalidInbound}` : ''),
  ];
  return lines.join('\n');
}
