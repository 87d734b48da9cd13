/**
 * The table of control commands waiting for their ControlResponse (pure: no Node-RED, no MQTT).
 *
 * Every request added is settled exactly once: by a final response (`success`, `error` or
 * `rejected`), by its timeout, or by `cancel`/`clear`. The entry leaves the table before its
 * callback runs, so a callback that throws or adds new requests cannot see or settle it again.
 * An `accepted` response is interim: it is remembered and the request keeps waiting.
 * The table is bounded: `add` refuses once `limit` requests are in flight.
 */

/** Schedules timeouts; injectable so the tests can run the clock themselves. */
export interface Scheduler {
  now(): number;
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realScheduler: Scheduler = {
  now: () => performance.now(),
  set: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // A pending command must not keep a stopping Node-RED alive; close() clears them anyway.
    t.unref?.();
    return t;
  },
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export type Outcome<Res> =
  | { kind: 'response'; response: Res; interim: Res | null; elapsedMs: number; interimMs: number | null }
  | { kind: 'timeout'; interim: Res | null; elapsedMs: number; interimMs: number | null }
  | { kind: 'cancelled'; reason: string; interim: Res | null; elapsedMs: number; interimMs: number | null };

export interface PendingInfo<Req> {
  id: string;
  cameraId: string;
  request: Req;
  startedAt: number;
}

interface Entry<Req, Res> extends PendingInfo<Req> {
  timer: unknown;
  interim: Res | null;
  interimAt: number | null;
  onSettle: (outcome: Outcome<Res>, info: PendingInfo<Req>) => void;
}

export class PendingFullError extends Error {
  constructor(readonly limit: number) {
    super(`too many commands in flight (limit ${limit}): wait for responses or timeouts`);
    this.name = 'PendingFullError';
  }
}

export const DEFAULT_PENDING_LIMIT = 10_000;

export class PendingTable<Req, Res> {
  private readonly entries = new Map<string, Entry<Req, Res>>();

  constructor(
    readonly limit: number = DEFAULT_PENDING_LIMIT,
    private readonly scheduler: Scheduler = realScheduler,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a whole number >= 1, got ${limit}`);
  }

  get size(): number {
    return this.entries.size;
  }

  has(id: string): boolean {
    return this.entries.has(id);
  }

  get(id: string): PendingInfo<Req> | undefined {
    const e = this.entries.get(id);
    return e ? { id: e.id, cameraId: e.cameraId, request: e.request, startedAt: e.startedAt } : undefined;
  }

  /**
   * Starts waiting for the response to request `id`. Throws PendingFullError when `limit` requests
   * are already waiting, and an Error when `id` is already waiting (ids must be unique).
   */
  add(id: string, cameraId: string, request: Req, timeoutMs: number, onSettle: Entry<Req, Res>['onSettle']): void {
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) throw new RangeError(`timeout must be a positive number of ms, got ${timeoutMs}`);
    if (this.entries.has(id)) throw new Error(`request ${id} is already waiting for a response`);
    if (this.entries.size >= this.limit) throw new PendingFullError(this.limit);
    const entry: Entry<Req, Res> = {
      id,
      cameraId,
      request,
      startedAt: this.scheduler.now(),
      timer: null,
      interim: null,
      interimAt: null,
      onSettle,
    };
    entry.timer = this.scheduler.set(() => {
      if (this.entries.get(id) !== entry) return;
      this.settle(entry, (elapsedMs, interimMs) => ({ kind: 'timeout', interim: entry.interim, elapsedMs, interimMs }), false);
    }, timeoutMs);
    this.entries.set(id, entry);
  }

  /**
   * A final response to request `id`: settles it and returns true, or returns false when nobody
   * waits for `id` (unknown, already answered, timed out).
   */
  resolve(id: string, response: Res): boolean {
    const entry = this.entries.get(id);
    if (!entry) return false;
    this.settle(entry, (elapsedMs, interimMs) => ({ kind: 'response', response, interim: entry.interim, elapsedMs, interimMs }), true);
    return true;
  }

  /** An interim response (`accepted`): remembered, the request keeps waiting. False when nobody waits for `id`. */
  interim(id: string, response: Res): boolean {
    const entry = this.entries.get(id);
    if (!entry) return false;
    entry.interim = response;
    if (entry.interimAt === null) entry.interimAt = this.scheduler.now();
    return true;
  }

  /** Stops waiting for `id` (e.g. its publish failed). False when nobody waits for it. */
  cancel(id: string, reason: string): boolean {
    const entry = this.entries.get(id);
    if (!entry) return false;
    this.settle(entry, (elapsedMs, interimMs) => ({ kind: 'cancelled', reason, interim: entry.interim, elapsedMs, interimMs }), true);
    return true;
  }

  /** Cancels every waiting request (the node is closing). Returns how many there were. */
  clear(reason: string): number {
    const all = [...this.entries.values()];
    for (const entry of all) {
      if (this.entries.get(entry.id) !== entry) continue;
      this.settle(entry, (elapsedMs, interimMs) => ({ kind: 'cancelled', reason, interim: entry.interim, elapsedMs, interimMs }), true);
    }
    return all.length;
  }

  private settle(entry: Entry<Req, Res>, outcome: (elapsedMs: number, interimMs: number | null) => Outcome<Res>, clearTimer: boolean): void {
    this.entries.delete(entry.id);
    if (clearTimer) this.scheduler.clear(entry.timer);
    const now = this.scheduler.now();
    const info: PendingInfo<Req> = { id: entry.id, cameraId: entry.cameraId, request: entry.request, startedAt: entry.startedAt };
    entry.onSettle(outcome(now - entry.startedAt, entry.interimAt === null ? null : entry.interimAt - entry.startedAt), info);
  }
}
