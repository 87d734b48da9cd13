/**
 * One server's (or camera's) copy of a watch list shared by several writers: per-entry
 * last-writer-wins on a Lamport revision. Each writer keeps a counter; a local change takes
 * max(seen) + 1, so a change made after seeing another is always newer than it. Equal revisions
 * are ordered by origin (the greater id wins), so every replica picks the same winner whatever
 * order (and how many times) the writes arrive in. A removal is kept as a tombstone (bounded in
 * time and count) so an older add arriving later does not bring the entry back.
 *
 * Pure: no Node-RED, no normalisation of its own (the owner gives the identity of an entry).
 */
import type { BlacklistEntry } from '../protocol';

export interface Write {
  entry: BlacklistEntry;
  revision: number;
  origin: string;
  deleted: boolean;
}

interface Slot extends Write {
  /** When a tombstone was written (ms), for its expiry. */
  at: number;
}

export interface ReplicaOptions {
  /** Tombstones are kept this long (ms)... */
  tombstoneMs: number;
  /** ...and at most this many (the oldest go first). */
  maxTombstones: number;
}

export const REPLICA_DEFAULTS: ReplicaOptions = { tombstoneMs: 7 * 24 * 3600_000, maxTombstones: 200_000 };

/** Whether write `a` beats write `b`: higher revision, then greater origin, then a removal. */
export function newer(a: Omit<Write, 'entry'>, b: Omit<Write, 'entry'>): boolean {
  if (a.revision !== b.revision) return a.revision > b.revision;
  if (a.origin !== b.origin) return a.origin > b.origin;
  return a.deleted && !b.deleted;
}

/** The fields a write carries on the wire; the rest is the entry itself. */
export function stripVersion(entry: BlacklistEntry): BlacklistEntry {
  const { revision: _r, origin: _o, deleted: _d, ...rest } = entry;
  return rest;
}

export class Replica {
  readonly options: ReplicaOptions;
  private counter = 0;
  private readonly slots = new Map<string, Slot>();
  /** Keys by group (the plate's key): a removal that names no province or list covers the group. */
  private readonly groups = new Map<string, Set<string>>();
  private tombstoneCount = 0;

  constructor(
    readonly origin: string,
    /** An entry's identity (plate key, province, list) and its group (plate key). */
    private readonly keyOf: (entry: Pick<BlacklistEntry, 'plate_number' | 'province' | 'list'>) => { key: string; group: string },
    options: Partial<ReplicaOptions> = {},
  ) {
    this.options = { ...REPLICA_DEFAULTS, ...options };
  }

  get clock(): number {
    return this.counter;
  }

  get size(): number {
    return this.slots.size - this.tombstoneCount;
  }

  get tombstones(): number {
    return this.tombstoneCount;
  }

  /** The revision of a new local change. */
  tick(): number {
    return ++this.counter;
  }

  /** Another writer's revision was seen: ours must go past it. */
  observe(revision: number): void {
    if (revision > this.counter) this.counter = revision;
  }

  /**
   * Merges one write. Returns the write now in force for its identity when it changed (the
   * caller updates its index to match), or null when the replica already held it or something newer.
   */
  merge(write: Write, now = Date.now()): Write | null {
    this.observe(write.revision);
    const { key, group } = this.keyOf(write.entry);
    const held = this.slots.get(key);
    if (held && !newer(write, held)) return null;
    if (held?.deleted) this.tombstoneCount--;
    const slot: Slot = { entry: stripVersion(write.entry), revision: write.revision, origin: write.origin, deleted: write.deleted, at: now };
    // Re-inserted: the Map keeps insertion order, so the oldest tombstones come first when pruning.
    this.slots.delete(key);
    this.slots.set(key, slot);
    let members = this.groups.get(group);
    if (!members) this.groups.set(group, (members = new Set()));
    members.add(key);
    if (slot.deleted) {
      this.tombstoneCount++;
      if (this.tombstoneCount > this.options.maxTombstones) this.prune(now);
    }
    return slot;
  }

  /** The write in force for an entry's identity, if any. */
  get(entry: Pick<BlacklistEntry, 'plate_number' | 'province' | 'list'>): Write | undefined {
    return this.slots.get(this.keyOf(entry).key);
  }

  /** Live entries in the same group as `entry` (same plate key). */
  group(entry: Pick<BlacklistEntry, 'plate_number'>): BlacklistEntry[] {
    const members = this.groups.get(this.keyOf({ plate_number: entry.plate_number }).group);
    const out: BlacklistEntry[] = [];
    if (members) for (const k of members) { const s = this.slots.get(k); if (s && !s.deleted) out.push(s.entry); }
    return out;
  }

  /** Live entries (optionally of one list, `null` = every list), with their revision and origin on them. */
  live(list: string | undefined | null = null): BlacklistEntry[] {
    const out: BlacklistEntry[] = [];
    for (const s of this.slots.values()) if (!s.deleted && (list === null || s.entry.list === list)) out.push(versioned(s));
    return out;
  }

  /** Every write held, tombstones included (`deleted: true`): what a snapshot carries. */
  writes(list: string | undefined | null = null): BlacklistEntry[] {
    const out: BlacklistEntry[] = [];
    for (const s of this.slots.values()) if (list === null || s.entry.list === list) out.push(versioned(s));
    return out;
  }

  /** Drops tombstones older than `tombstoneMs`, and the oldest beyond `maxTombstones`. Returns how many. */
  prune(now = Date.now()): number {
    let dropped = 0;
    for (const [key, s] of this.slots) {
      if (!s.deleted) continue;
      if (now - s.at <= this.options.tombstoneMs && this.tombstoneCount <= this.options.maxTombstones) continue;
      this.slots.delete(key);
      const group = this.keyOf(s.entry).group;
      this.groups.get(group)?.delete(key);
      if (this.groups.get(group)?.size === 0) this.groups.delete(group);
      this.tombstoneCount--;
      dropped++;
    }
    return dropped;
  }
}

function versioned(s: Slot): BlacklistEntry {
  // An unknown origin (revision 0: an editor entry, a file from before revisions) is left out.
  return { ...s.entry, revision: s.revision, ...(s.origin ? { origin: s.origin } : {}), ...(s.deleted ? { deleted: true as const } : {}) };
}
