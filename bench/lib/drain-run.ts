/**
 * One drain measurement: a consumer resumes a persistent session holding N queued detections and
 * the clock runs from its first message to its N-th, both taken in the consumer's process. Node-RED
 * consumers start with an empty flow and get the measured flow by a deploy, so Node-RED's own
 * start is not in the time; the bare MQTT.js consumer is its own process too.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { nodeArgsFrom } from './args';
import type { BenchBroker } from './broker';
import { track } from './cleanup';
import { EMPTY_FLOW } from './flows';
import { startNodeRed } from './node-red-host';
import { sample, type ProcSample } from './proc-stats';

export interface CounterState {
  count: number;
  /** Entries in the first message (a batch's many; else 1): they arrived before the clock started. */
  countAtFirst?: number;
  first: number;
  last: number;
  atTarget: number;
  cpuFirst: NodeJS.CpuUsage | null;
  cpuAtTarget: NodeJS.CpuUsage | null;
  hrFirstUs?: number;
  hrAtTargetUs?: number;
  rssBytes: number;
}

export interface DrainResult {
  label: string;
  count: number;
  seconds: number;
  rate: number;
  /** The consumer's CPU between its first and N-th message, in cores (1 = one full core). */
  consumerCpu: number | null;
  brokerCpu: number | null;
  rssMB: number;
  hrFirstUs?: number;
  hrAtTargetUs?: number;
}

export function cpuBetween(a: NodeJS.CpuUsage | null, b: NodeJS.CpuUsage | null, ms: number): number | null {
  if (!a || !b || ms <= 0) return null;
  return (b.user + b.system - a.user - a.system) / 1000 / ms;
}

function result(label: string, s: CounterState, target: number, broker: [ProcSample | null, ProcSample | null]): DrainResult {
  const end = s.atTarget || s.last;
  const ms = end - s.first;
  const [b0, b1] = broker;
  return {
    label,
    count: s.count,
    seconds: ms / 1000,
    rate: ms > 0 ? ((Math.min(s.count, target) - (s.countAtFirst || 1)) * 1000) / ms : 0,
    consumerCpu: cpuBetween(s.cpuFirst, s.cpuAtTarget, ms),
    brokerCpu: b0 && b1 && b1.at > b0.at ? (b1.cpuSeconds - b0.cpuSeconds) / ((b1.at - b0.at) / 1000) : null,
    rssMB: s.rssBytes / 2 ** 20,
    ...(s.hrFirstUs ? { hrFirstUs: s.hrFirstUs, hrAtTargetUs: s.hrAtTargetUs } : {}),
  };
}

function brokerSample(broker: BenchBroker): ProcSample | null {
  return broker.pid ? sample(broker.pid) : null;
}

/**
 * Polls until `done(state)`; fails when nothing arrives for `stallMs` or the whole wait passes `timeoutMs`.
 * Samples the broker's CPU from the first poll that sees messages to the last.
 */
export async function pollUntil<T extends { count: number }>(
  read: () => Promise<T>,
  done: (s: T) => boolean,
  broker: BenchBroker,
  opts: { stallMs?: number; timeoutMs?: number; everyMs?: number } = {},
): Promise<{ state: T; brokerSamples: [ProcSample | null, ProcSample | null] }> {
  const stallMs = opts.stallMs ?? 30_000;
  const deadline = Date.now() + (opts.timeoutMs ?? 300_000);
  let lastCount = -1;
  let lastProgress = Date.now();
  let b0: ProcSample | null = null;
  for (;;) {
    const state = await read();
    if (state.count > 0 && !b0) b0 = brokerSample(broker);
    if (done(state)) return { state, brokerSamples: [b0, brokerSample(broker)] };
    if (state.count !== lastCount) {
      lastCount = state.count;
      lastProgress = Date.now();
    }
    if (Date.now() - lastProgress > stallMs) throw new Error(`stalled at ${state.count} messages for ${stallMs / 1000} s`);
    if (Date.now() > deadline) throw new Error(`timed out at ${state.count} messages`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 100));
  }
}

/** A Node-RED runtime (already started or started here) gets `flow` and drains `target` messages. */
export async function drainNodeRed(
  label: string,
  flow: unknown[],
  broker: BenchBroker,
  target: number,
  options: { nodeArgs?: string[]; dist?: string } = {},
): Promise<DrainResult> {
  const host = await startNodeRed(EMPTY_FLOW, { ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}), ...(options.dist ? { dist: options.dist } : {}) });
  try {
    await host.deploy(flow);
    const { state, brokerSamples } = await pollUntil(() => host.get<CounterState>('/bench-counter'), (s) => s.count >= target, broker);
    return result(label, state, target, brokerSamples);
  } catch (err) {
    throw new Error(`${label}: ${(err as Error).message}\n${host.log().slice(-2000)}`);
  } finally {
    await host.stop();
  }
}

/** Contender (a): the bare MQTT.js consumer (raw-consumer.ts) in its own process. */
export async function drainRaw(label: string, clientId: string, broker: BenchBroker, target: number, options: { ack?: boolean; timeoutMs?: number } = {}): Promise<DrainResult> {
  const timeoutMs = options.timeoutMs ?? 300_000;
  const child = spawn(process.execPath, [...nodeArgsFrom('BENCH_CHILD_ARGS'), '--import', 'tsx', path.join(__dirname, 'raw-consumer.ts'), broker.url, clientId, String(target), String(timeoutMs), options.ack ? 'ack' : 'noack'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const untrack = track(child.pid);
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  // The broker's CPU: from when the consumer reports its first message to its exit.
  let b0: ProcSample | null = null;
  child.stdout.on('data', () => {
    if (!b0 && out.startsWith('first')) b0 = brokerSample(broker);
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  untrack();
  const b1 = brokerSample(broker);
  const line = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !line) throw new Error(`${label}: consumer exited ${code}: ${out}${err}`);
  const s = JSON.parse(line) as CounterState;
  return result(label, { ...s, last: s.atTarget }, target, [b0, b1]);
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
