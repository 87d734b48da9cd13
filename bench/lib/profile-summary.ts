/**
 * Summarises a V8 .cpuprofile (`node --cpu-prof`) by self time: per function and per owner, where
 * the owner is our code (split by source file, read from the `// src/...` markers esbuild leaves in
 * each dist bundle), an npm package (MQTT.js and its stream/packet libraries, Node-RED, zod, ...),
 * Node's own JavaScript, or V8 (GC, program, idle). Optionally only the samples between two
 * monotonic µs times (process.hrtime, the profile's clock), e.g. the drain alone.
 *   node --import tsx bench/lib/profile-summary.ts file.cpuprofile [--from µs --to µs] [--top 30] [--dist DIR]
 * (`--dist`: the dist/ the profiled runtime loaded, when its path no longer exists.)
 */
import { existsSync, readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Row {
  name: string;
  owner: string;
  ms: number;
  share: number;
}

export interface Summary {
  windowMs: number;
  sampledMs: number;
  byOwner: Row[];
  byGroup: Row[];
  byFunction: Row[];
}

/** Which source file of a bundle each line belongs to, from esbuild's `// src/x.ts` markers. */
const bundleMaps = new Map<string, Array<{ line: number; file: string }>>();
/** Where to read a bundle whose profiled path is gone (the bench's package copy): `--dist DIR`. */
let distOverride: string | null = null;
export function setDistDir(dir: string | null): void {
  distOverride = dir;
}

function sourceFileOf(path: string, line: number): string | null {
  let map = bundleMaps.get(path);
  if (!map) {
    map = [];
    const file = !existsSync(path) && distOverride ? `${distOverride}/${path.slice(path.lastIndexOf('/dist/') + 6)}` : path;
    if (existsSync(file)) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((text, i) => {
          const m = /^\/\/ (\S+\.(?:ts|js|mjs|cjs))$/.exec(text);
          if (m) map!.push({ line: i, file: m[1]! });
        });
    }
    bundleMaps.set(path, map);
  }
  let file: string | null = null;
  for (const entry of map) {
    if (entry.line > line) break;
    file = entry.file;
  }
  return file;
}

/** The group an owner belongs to: ours, MQTT.js (+ its libraries), Node-RED, zod, Node, V8. */
const MQTT_LIBS = new Set(['mqtt', 'mqtt-packet', 'bl', 'readable-stream', 'process-nextick-args', 'debug', 'ms', 'number-allocator', 'js-sdsl', 'rfdc', 'commist', 'worker-timers', 'help-me', 'split2', 'minimist', 'reinterval', 'lru-cache', 'buffer', 'string_decoder', 'inherits', 'safe-buffer', 'util-deprecate', 'ws', 'duplexify', 'end-of-stream', 'stream-shift', 'once', 'wrappy']);
export function classify(url: string, line: number, functionName: string): { owner: string; group: string } {
  if (!url) {
    if (functionName === '(garbage collector)') return { owner: 'V8 GC', group: 'V8 (GC, runtime, idle)' };
    if (functionName === '(idle)') return { owner: '(idle)', group: 'idle' };
    if (functionName === '(program)') return { owner: 'V8 (program)', group: 'V8 (GC, runtime, idle)' };
    return { owner: `native ${functionName}`, group: 'Node/V8 builtins' };
  }
  if (url.startsWith('node:')) return { owner: url, group: 'Node core (JS)' };
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0 && !/\/(node-red-lpr|lpr-bench-pkg-[^/]+)\/dist\//.test(path)) {
    const rest = path.slice(nm + '/node_modules/'.length).split('/');
    const pkg = rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
    if (pkg === 'node-red' || pkg.startsWith('@node-red/')) return { owner: pkg, group: 'Node-RED' };
    if (pkg === 'zod') return { owner: 'zod', group: 'zod (schemas)' };
    if (MQTT_LIBS.has(pkg)) return { owner: pkg, group: 'MQTT.js (+ its libraries)' };
    return { owner: pkg, group: 'other packages' };
  }
  if (/\/dist\/[^/]+\.js$/.test(path)) {
    const file = sourceFileOf(path, line) ?? path.slice(path.lastIndexOf('/dist/') + 1);
    return { owner: file, group: 'ours (dist)' };
  }
  if (path.includes('/bench/')) return { owner: path.slice(path.indexOf('/bench/') + 1), group: 'bench counter' };
  return { owner: path, group: 'other' };
}

export function summarise(profile: CpuProfile, window: { fromUs?: number; toUs?: number } = {}): Summary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let t = profile.startTime;
  const from = window.fromUs ?? -Infinity;
  const to = window.toUs ?? Infinity;
  let sampled = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i]!;
    // Each delta is the time since the previous sample, charged to this sample's frame.
    if (t < from || t > to) continue;
    const d = profile.timeDeltas[i]!;
    self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + d);
    sampled += d;
  }
  const fn = new Map<string, Row>();
  const owner = new Map<string, Row>();
  const group = new Map<string, Row>();
  const add = (m: Map<string, Row>, key: string, name: string, own: string, us: number) => {
    const r = m.get(key) ?? { name, owner: own, ms: 0, share: 0 };
    r.ms += us / 1000;
    m.set(key, r);
  };
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame;
    const c = classify(f.url, f.lineNumber, f.functionName);
    const name = `${f.functionName || '(anonymous)'}${f.url ? `:${f.lineNumber + 1}` : ''}`;
    add(fn, `${c.owner}|${name}`, name, c.owner, us);
    add(owner, c.owner, c.owner, c.group, us);
    add(group, c.group, c.group, c.group, us);
  }
  const rows = (m: Map<string, Row>) =>
    [...m.values()].map((r) => ({ ...r, ms: Math.round(r.ms * 10) / 10, share: r.ms / (sampled / 1000) })).sort((a, b) => b.ms - a.ms);
  const windowMs = (Math.min(to, profile.endTime) - Math.max(from, profile.startTime)) / 1000;
  return { windowMs, sampledMs: sampled / 1000, byGroup: rows(group), byOwner: rows(owner), byFunction: rows(fn) };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const file = args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1]!.startsWith('--')));
  const opt = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  if (!file) {
    console.error('usage: profile-summary.ts file.cpuprofile [--from µs --to µs] [--top 30]');
    process.exit(2);
  }
  const distIdx = args.indexOf('--dist');
  if (distIdx >= 0) setDistDir(args[distIdx + 1]!);
  const s = summarise(JSON.parse(readFileSync(file, 'utf8')), { fromUs: opt('from'), toUs: opt('to') });
  const top = opt('top') ?? 30;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  console.log(`window ${s.windowMs.toFixed(0)} ms, sampled ${s.sampledMs.toFixed(0)} ms\n`);
  for (const r of s.byGroup) console.log(`${pct(r.share).padStart(6)}  ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}`);
  console.log('');
  for (const r of s.byOwner.slice(0, top)) console.log(`${pct(r.share).padStart(6)}  ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}  [${r.owner}]`);
  console.log('');
  for (const r of s.byFunction.slice(0, top)) console.log(`${pct(r.share).padStart(6)}  ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}  [${r.owner}]`);
}
