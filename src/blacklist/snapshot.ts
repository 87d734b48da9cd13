/**
 * A list of any size as a snapshot: chunks that each stay under the broker's message size limit
 * (Mosquitto drops a bigger message without telling the publisher), and their reassembly, which
 * yields the entries only once every chunk is held, so a receiver never applies half a list.
 *
 * Pure: no Node-RED, no MQTT. The sender serialises each entry once and reuses the chunks for
 * every receiver and every re-send of missing chunks.
 */
import type { BlacklistEntry, SnapshotChunk } from '../protocol';

/** The default largest message: under lpr-mosquitto's 256 KiB message_size_limit with room for the MQTT header and topic. */
export const DEFAULT_SNAPSHOT_MAX_BYTES = 240 * 1024;
/** Room kept in each message for the envelope and the snapshot header (ids up to 128 + 64 characters, numbers, keys). */
const HEADER_BYTES = 1024;

export interface SnapshotPlan {
  header: { id: string; list?: string; revision: number; entries_total: number };
  origin: string;
  /** The JSON of each chunk's entries (`[...]`), in order. */
  chunks: string[];
}

/**
 * Splits entries into chunks whose messages each stay under `maxBytes` (UTF-8), greedily in order.
 * An entry is at most ~1.4 KB (schema limits), so any `maxBytes` of 4 KiB or more fits one per chunk.
 */
export function planSnapshot(
  entries: readonly BlacklistEntry[],
  options: { id: string; list?: string; revision: number; origin: string; maxBytes?: number },
): SnapshotPlan {
  const budget = Math.max(options.maxBytes ?? DEFAULT_SNAPSHOT_MAX_BYTES, 4096) - HEADER_BYTES;
  const chunks: string[] = [];
  let parts: string[] = [];
  let bytes = 2; // the brackets
  for (const entry of entries) {
    const json = JSON.stringify(entry);
    const size = Buffer.byteLength(json) + 1; // and its comma
    if (parts.length && bytes + size > budget) {
      chunks.push(`[${parts.join(',')}]`);
      parts = [];
      bytes = 2;
    }
    parts.push(json);
    bytes += size;
  }
  if (parts.length || !chunks.length) chunks.push(`[${parts.join(',')}]`);
  const header = { id: options.id, ...(options.list !== undefined ? { list: options.list } : {}), revision: options.revision, entries_total: entries.length };
  return { header, origin: options.origin, chunks };
}

/** The message (BlacklistUpdate, action `snapshot`) for chunk `index` of a plan. */
export function snapshotMessage(plan: SnapshotPlan, index: number, messageId: string, timestamp: string): string {
  const snapshot = { ...plan.header, index, count: plan.chunks.length };
  return `{"message_id":${JSON.stringify(messageId)},"timestamp":${JSON.stringify(timestamp)},"action":"snapshot","revision":${plan.header.revision},"origin":${JSON.stringify(plan.origin)},"snapshot":${JSON.stringify(snapshot)},"entries":${plan.chunks[index]}}`;
}

export interface AssemblerOptions {
  /** A snapshot with no new chunk for this long is reported missing (ms). */
  timeoutMs: number;
  /** Largest snapshot accepted (entries); a bigger one is refused before anything is held. */
  maxEntries: number;
  /** Snapshots in assembly at once (senders × lists); over it the one idle longest is abandoned. */
  maxAssemblies: number;
}

export const ASSEMBLER_DEFAULTS: AssemblerOptions = { timeoutMs: 10_000, maxEntries: 5_000_000, maxAssemblies: 16 };

export type AddResult =
  | { status: 'complete'; entries: BlacklistEntry[]; header: SnapshotChunk }
  | { status: 'partial'; received: number; count: number }
  | { status: 'duplicate' }
  | { status: 'refused'; reason: string };

interface Assembly {
  header: SnapshotChunk;
  chunks: (BlacklistEntry[] | undefined)[];
  received: number;
  held: number;
  lastAt: number;
  /** Times it was reported stalled. */
  asked: number;
}

/** A snapshot whose chunks stopped arriving: ask the sender for `missing` of snapshot `id` again. */
export interface Stalled {
  key: string;
  id: string;
  missing: number[];
  /** How many times it was reported stalled (1 the first time): the caller gives up after a few. */
  attempt: number;
}

/**
 * Holds at most one snapshot in assembly per key (the caller's choice, e.g. origin + list): a
 * chunk of a new snapshot id for the same key abandons the old one, so memory stays bounded by
 * the keys in use times the largest snapshot.
 */
export class SnapshotAssembler {
  readonly options: AssemblerOptions;
  private readonly assemblies = new Map<string, Assembly>();
  /** The last snapshot id completed per key: its late duplicates are not a new assembly. */
  private readonly completed = new Map<string, string>();

  constructor(options: Partial<AssemblerOptions> = {}) {
    this.options = { ...ASSEMBLER_DEFAULTS, ...options };
  }

  get pending(): number {
    return this.assemblies.size;
  }

  add(key: string, header: SnapshotChunk, entries: BlacklistEntry[], now = Date.now()): AddResult {
    if (header.index >= header.count) return { status: 'refused', reason: `snapshot.index ${header.index} is not below snapshot.count ${header.count}` };
    if (header.entries_total > this.options.maxEntries) return { status: 'refused', reason: `snapshot.entries_total ${header.entries_total} is over ${this.options.maxEntries}` };
    if (this.completed.get(key) === header.id) return { status: 'duplicate' };
    let a = this.assemblies.get(key);
    if (a && a.header.id !== header.id) a = undefined; // a newer snapshot from the same sender: the old one is abandoned
    if (a && (a.header.count !== header.count || a.header.entries_total !== header.entries_total)) {
      this.assemblies.delete(key);
      return { status: 'refused', reason: `snapshot ${header.id}: chunk ${header.index} disagrees with the others on count or entries_total` };
    }
    if (!a) {
      a = { header, chunks: new Array(header.count), received: 0, held: 0, lastAt: now, asked: 0 };
      this.assemblies.delete(key);
      this.assemblies.set(key, a);
      if (this.assemblies.size > this.options.maxAssemblies) {
        let idlest: string | null = null;
        let at = Infinity;
        for (const [k, other] of this.assemblies) if (other.lastAt < at && k !== key) [idlest, at] = [k, other.lastAt];
        if (idlest !== null) this.assemblies.delete(idlest);
      }
    }
    a.lastAt = now;
    if (a.chunks[header.index]) return { status: 'duplicate' };
    if (a.held + entries.length > header.entries_total) {
      this.assemblies.delete(key);
      return { status: 'refused', reason: `snapshot ${header.id} holds more entries than its entries_total ${header.entries_total}` };
    }
    a.chunks[header.index] = entries;
    a.received++;
    a.held += entries.length;
    if (a.received < header.count) return { status: 'partial', received: a.received, count: header.count };
    this.assemblies.delete(key);
    this.completed.set(key, header.id);
    if (a.held !== header.entries_total) return { status: 'refused', reason: `snapshot ${header.id} holds ${a.held} entries, not its entries_total ${header.entries_total}` };
    const all: BlacklistEntry[] = [];
    for (const chunk of a.chunks) for (const e of chunk!) all.push(e);
    return { status: 'complete', entries: all, header: a.header };
  }

  /** Snapshots with no chunk for `timeoutMs`: what each misses. Their clock restarts (ask once per timeout). */
  stalled(now = Date.now()): Stalled[] {
    const out: Stalled[] = [];
    for (const [key, a] of this.assemblies) {
      if (now - a.lastAt < this.options.timeoutMs) continue;
      a.lastAt = now;
      a.asked++;
      const missing: number[] = [];
      for (let i = 0; i < a.chunks.length; i++) if (!a.chunks[i]) missing.push(i);
      out.push({ key, id: a.header.id, missing, attempt: a.asked });
    }
    return out;
  }

  /** Forgets a snapshot in assembly (e.g. its sender said it no longer has it). */
  drop(key: string): void {
    this.assemblies.delete(key);
  }
}
