/**
 * A BlacklistStore kept in step with other writers through a Replica: every update (local, from a
 * peer, or from a tool that knows nothing of revisions) becomes per-entry writes with a revision,
 * and only the writes that win change the store. No Node-RED import.
 *
 * Rules (docs/protocol.md "Watch list: revisions and snapshots"):
 * - An entry's identity is its plate key, province and list.
 * - An update's entries take the entry's own `revision`/`origin`, else the update's, else (an update
 *   from a sender without revisions) they are stamped on receipt as the receiver's own newest change.
 * - `remove` naming no province (or no list) removes the plate in every province (or list) it has.
 * - `replace` covers one list only: the update's `list`, else the lists its entries name (an empty
 *   one without `list`: the default list, entries without `list`).
 * - A complete snapshot is merged write by write (tombstones included): it adds what is newer and
 *   removes what its tombstones remove, and leaves newer local writes alone.
 */
import type { BlacklistEntry, BlacklistUpdate } from '../protocol';
import { provinceCode } from './provinces';
import { Replica, type ReplicaOptions, type Write } from './replica';
import { entryKey, type ApplyResult, type BlacklistStore } from './store';

export function identity(entry: Pick<BlacklistEntry, 'plate_number' | 'province' | 'list'>): { key: string; group: string } {
  const group = entryKey(entry.plate_number);
  return { key: `${group}\u0000${provinceCode(entry.province) ?? ''}\u0000${entry.list ?? ''}`, group };
}

export interface Stamp {
  revision: number;
  origin: string;
}

export class ReplicatedList {
  readonly replica: Replica;

  constructor(
    readonly store: BlacklistStore,
    origin: string,
    options: Partial<ReplicaOptions> & { tombstones?: BlacklistEntry[] } = {},
  ) {
    this.replica = new Replica(origin, identity, options);
    // The persisted entries carry their revisions; older files have none (revision 0, no origin).
    for (const e of store.dynamicSnapshot()) this.replica.merge({ entry: e, revision: e.revision ?? 0, origin: e.origin ?? '', deleted: false });
    // Tombstones are saved with the entries so that a restart neither resurrects nor reuses a revision.
    for (const e of options.tombstones ?? []) this.replica.merge({ entry: e, revision: e.revision ?? 0, origin: e.origin ?? '', deleted: true });
    store.extraLines = () => this.replica.writes().filter((e) => e.deleted);
  }

  /** A change made here (a flow, the editor): stamped with the next revision. Returns the stamp to publish with it. */
  local(action: BlacklistUpdate['action'], entries: BlacklistEntry[], list?: string): { result: ApplyResult; stamp: Stamp } {
    const stamp = { revision: this.replica.tick(), origin: this.replica.origin };
    const result = this.apply({ action, entries, ...(list !== undefined ? { list } : {}) }, stamp);
    return { result, stamp };
  }

  /** An update from the network (a peer server, a tool); a `snapshot` only once complete. */
  remote(update: Pick<BlacklistUpdate, 'action' | 'entries' | 'revision' | 'origin' | 'list'>): ApplyResult {
    const stamp: Stamp =
      update.revision !== undefined ? { revision: update.revision, origin: update.origin ?? '' } : { revision: this.replica.tick(), origin: this.replica.origin };
    return this.apply(update, stamp);
  }

  /** Live entries and tombstones with their revisions (a snapshot's content), of one list or all (`null`). */
  writes(list: string | undefined | null = null): BlacklistEntry[] {
    return this.replica.writes(list);
  }

  private apply(update: Pick<BlacklistUpdate, 'action' | 'entries' | 'list'>, stamp: Stamp): ApplyResult {
    const writes: Write[] = [];
    const own = (e: BlacklistEntry): Stamp => (e.revision !== undefined ? { revision: e.revision, origin: e.origin ?? '' } : stamp);
    if (update.action === 'remove') {
      for (const r of update.entries) writes.push(...this.removals(r, own(r)));
    } else {
      for (const e of update.entries) {
        if (e.deleted) writes.push(...this.removals(e, own(e)));
        else writes.push({ entry: e, ...own(e), deleted: false });
      }
      if (update.action === 'replace') {
        const lists = update.list !== undefined ? new Set([update.list]) : new Set(update.entries.length ? update.entries.map((e) => e.list) : [undefined]);
        const kept = new Set(update.entries.map((e) => identity(e).key));
        for (const list of lists) {
          for (const e of this.replica.live(list)) if (!kept.has(identity(e).key)) writes.push({ entry: e, ...stamp, deleted: true });
        }
      }
    }
    const upserts: BlacklistEntry[] = [];
    const removals: BlacklistEntry[] = [];
    for (const w of writes) {
      const won = this.replica.merge(w);
      if (!won) continue;
      const versioned: BlacklistEntry = { ...w.entry, revision: won.revision, ...(won.origin ? { origin: won.origin } : {}) };
      delete versioned.deleted;
      if (won.deleted) removals.push(versioned);
      else upserts.push(versioned);
    }
    const result = this.store.applyExact(upserts, removals);
    return { ...result, action: update.action === 'snapshot' ? 'replace' : update.action };
  }

  /** A removal as writes: each live entry it covers, or (none live) a tombstone for exactly what it names. */
  private removals(r: BlacklistEntry, stamp: Stamp): Write[] {
    const code = r.province !== undefined ? provinceCode(r.province) : undefined;
    const covered = this.replica
      .group(r)
      .filter((e) => (r.province === undefined || provinceCode(e.province) === code) && (r.list === undefined || e.list === r.list));
    if (covered.length) return covered.map((entry) => ({ entry, ...stamp, deleted: true }));
    return [{ entry: { plate_number: r.plate_number, ...(r.province !== undefined ? { province: r.province } : {}), ...(r.list !== undefined ? { list: r.list } : {}) }, ...stamp, deleted: true }];
  }
}
