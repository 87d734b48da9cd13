import assert from 'node:assert/strict';
import { existsSync, fsync, fsyncSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { DetectionOutbox, type OutboxOptions, type OutboxTimers } from '../../src/edge/outbox';
import { readCameraSettings, journalPath } from '../../src/edge/camera-settings';
import { ConfigError } from '../../src/runtime/settings';

/** Manual clock: timers fire only in advance(), in due order. */
class FakeTimers implements OutboxTimers {
  time = 0;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  now = () => this.time;
  setTimeout = (fn: () => void, ms: number) => {
    const id = ++this.seq;
    this.timers.set(id, { at: this.time + Math.max(0, ms), fn });
    return id;
  };
  clearTimeout = (handle: unknown) => {
    this.timers.delete(handle as number);
  };
  get count(): number {
    return this.timers.size;
  }
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.time = next[1].at;
      next[1].fn();
    }
    this.time = end;
  }
}

interface Msg {
  message_id: string;
  n?: number;
}

interface Call {
  message: Msg;
  attempt: number;
  resolve: () => void;
  reject: (err: Error) => void;
  settled: boolean;
}

/** A send that the test settles: manual (default) or immediate. */
function sender(mode: 'manual' | 'resolve' = 'manual') {
  const calls: Call[] = [];
  const send = (message: Msg, attempt: number) =>
    new Promise<void>((resolve, reject) => {
      const call: Call = {
        message,
        attempt,
        settled: false,
        resolve: () => {
          call.settled = true;
          resolve();
        },
        reject: (err) => {
          call.settled = true;
          reject(err);
        },
      };
      calls.push(call);
      if (mode === 'resolve') call.resolve();
    });
  return { calls, send, ids: () => calls.map((c) => c.message.message_id) };
}

const flush = () => new Promise<void>((r) => setImmediate(r));

function outbox(opts: Partial<OutboxOptions<Msg>> & Pick<OutboxOptions<Msg>, 'send'>, timers = new FakeTimers()) {
  const box = new DetectionOutbox<Msg>({ ackTimeoutMs: 1000, limit: 100, overflow: 'drop-oldest', timers, compactIntervalMs: 0, ...opts });
  return { box, timers };
}

function tmpDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'lpr-outbox-'));
}

describe('edge/outbox: DetectionOutbox', function () {
  it('sends on add when online and forgets a detection once acked received', async () => {
    const s = sender();
    const { box } = outbox({ send: s.send });
    box.setOnline(true);
    assert.deepEqual(box.add({ message_id: 'a' }), { status: 'queued' });
    assert.deepEqual(s.ids(), ['a']);
    s.calls[0]!.resolve();
    await flush();
    assert.equal(box.size, 1);
    const acked: Msg[] = [];
    box.on('acked', (m: Msg) => acked.push(m));
    assert.equal(box.ack('a', 'received'), true);
    assert.equal(box.size, 0);
    assert.deepEqual(acked, [{ message_id: 'a' }]);
    assert.equal(box.ack('a', 'received'), false, 'a second ack is unknown');
    const { pending, sent, resent, acked: ackedCount, rejected, dropped, unknownAcks } = box.metrics;
    assert.deepEqual({ pending, sent, resent, ackedCount, rejected, dropped, unknownAcks }, { pending: 0, sent: 1, resent: 0, ackedCount: 1, rejected: 0, dropped: 0, unknownAcks: 1 });
  });

  it('holds detections while offline and sends them in order when online', () => {
    const s = sender();
    const { box } = outbox({ send: s.send });
    for (const id of ['a', 'b', 'c']) box.add({ message_id: id });
    assert.deepEqual(s.ids(), []);
    box.setOnline(true);
    assert.deepEqual(s.ids(), ['a', 'b', 'c']);
    assert.equal(box.metrics.sent, 3);
  });

  it('resends with the same message_id after the ack timeout, doubling up to the cap', async () => {
    const s = sender('resolve');
    const { box, timers } = outbox({ send: s.send, ackTimeoutMs: 1000, maxAckTimeoutMs: 3000 });
    box.setOnline(true);
    box.add({ message_id: 'x', n: 1 });
    await flush();
    timers.advance(999);
    await flush();
    assert.equal(s.calls.length, 1);
    timers.advance(1);
    await flush();
    assert.equal(s.calls.length, 2, 'resent after 1000 ms');
    timers.advance(1999);
    await flush();
    assert.equal(s.calls.length, 2);
    timers.advance(1);
    await flush();
    assert.equal(s.calls.length, 3, 'then after 2000 ms');
    timers.advance(3000);
    await flush();
    assert.equal(s.calls.length, 4, 'then after 3000 ms (the cap)');
    timers.advance(3000);
    await flush();
    assert.equal(s.calls.length, 5);
    assert.ok(s.calls.every((c) => c.message.message_id === 'x' && c.message.n === 1));
    assert.deepEqual(s.calls.map((c) => c.attempt), [1, 2, 3, 4, 5]);
    assert.equal(box.metrics.sent, 1);
    assert.equal(box.metrics.resent, 4);
    box.ack('x', 'received');
    timers.advance(60_000);
    await flush();
    assert.equal(s.calls.length, 5, 'nothing after the ack');
  });

  it('the ack timeout starts when the broker has the message; nothing is resent while a publish is in flight', async () => {
    const s = sender();
    const { box, timers } = outbox({ send: s.send });
    box.setOnline(true);
    box.add({ message_id: 'slow' });
    timers.advance(10_000);
    await flush();
    assert.equal(s.calls.length, 1, 'still waiting for PUBACK: no duplicate');
    s.calls[0]!.resolve();
    await flush();
    timers.advance(1000);
    await flush();
    assert.equal(s.calls.length, 2);
  });

  it('resends every unacked detection at once after a reconnect, except those still in flight', async () => {
    const s = sender();
    const { box } = outbox({ send: s.send });
    box.setOnline(true);
    box.add({ message_id: 'a' });
    box.add({ message_id: 'b' });
    box.add({ message_id: 'c' });
    s.calls[0]!.resolve(); // a: broker has it, ack pending
    s.calls[2]!.resolve(); // c: same
    await flush();
    box.setOnline(false);
    box.add({ message_id: 'd' }); // queued while offline
    box.setOnline(true);
    // b is still in the connection's hands (it resends or fails it): not duplicated.
    assert.deepEqual(s.ids(), ['a', 'b', 'c', 'a', 'c', 'd']);
    assert.equal(box.metrics.resent, 2);
    s.calls[1]!.reject(new Error('connection closed'));
    await flush();
    assert.equal(box.metrics.sendErrors, 1);
    box.setOnline(false);
    box.setOnline(true);
    assert.deepEqual(s.ids().slice(6), ['b'], 'b is retried once its publish failed');
  });

  it('a rejected ack ends delivery and is reported', async () => {
    const s = sender('resolve');
    const { box, timers } = outbox({ send: s.send });
    const rejected: Array<[string, string | undefined]> = [];
    box.on('rejected', (m: Msg, error?: string) => rejected.push([m.message_id, error]));
    box.setOnline(true);
    box.add({ message_id: 'bad' });
    await flush();
    assert.equal(box.ack('bad', 'rejected', 'detection_data: required'), true);
    timers.advance(100_000);
    await flush();
    assert.equal(s.calls.length, 1);
    assert.deepEqual(rejected, [['bad', 'detection_data: required']]);
    assert.equal(box.metrics.rejected, 1);
    assert.equal(box.size, 0);
  });

  it('drop-oldest keeps the newest `limit` detections and reports the dropped ones', () => {
    const s = sender();
    const { box } = outbox({ send: s.send, limit: 3, overflow: 'drop-oldest' });
    const dropped: string[] = [];
    box.on('dropped', (m: Msg, reason: string) => dropped.push(`${m.message_id}:${reason}`));
    for (const id of ['1', '2', '3']) assert.equal(box.add({ message_id: id }).status, 'queued');
    assert.deepEqual(box.add({ message_id: '4' }), { status: 'queued', dropped: { message_id: '1' } });
    box.add({ message_id: '5' });
    assert.deepEqual(box.messages().map((m) => m.message_id), ['3', '4', '5']);
    assert.deepEqual(dropped, ['1:overflow', '2:overflow']);
    assert.equal(box.metrics.dropped, 2);
    assert.equal(box.metrics.refused, 0);
  });

  it('reject-new refuses a detection while full and keeps the waiting ones', () => {
    const s = sender();
    const { box } = outbox({ send: s.send, limit: 2, overflow: 'reject-new' });
    box.add({ message_id: '1' });
    box.add({ message_id: '2' });
    const result = box.add({ message_id: '3' });
    assert.equal(result.status, 'refused');
    assert.match((result as { reason: string }).reason, /full \(2 .*reject-new/);
    assert.deepEqual(box.messages().map((m) => m.message_id), ['1', '2']);
    assert.equal(box.metrics.dropped, 1);
    assert.equal(box.metrics.refused, 1);
    box.ack('1', 'received');
    assert.equal(box.add({ message_id: '3' }).status, 'queued', 'room again after an ack');
  });

  it('does not queue a message_id that is already pending', () => {
    const s = sender();
    const { box } = outbox({ send: s.send });
    box.setOnline(true);
    box.add({ message_id: 'same', n: 1 });
    assert.deepEqual(box.add({ message_id: 'same', n: 2 }), { status: 'duplicate' });
    assert.equal(box.size, 1);
    assert.equal(s.calls.length, 1);
    assert.equal(box.messages()[0]!.n, 1);
  });

  it("settle 'publish' (no acks) is done once the broker has it, and retries a failed publish", async () => {
    const s = sender();
    const { box, timers } = outbox({ send: s.send, settle: 'publish' });
    box.setOnline(true);
    box.add({ message_id: 'p1' });
    box.add({ message_id: 'p2' });
    s.calls[0]!.resolve();
    s.calls[1]!.reject(new Error('offline queue full'));
    await flush();
    assert.deepEqual(box.messages().map((m) => m.message_id), ['p2']);
    assert.equal(box.metrics.acked, 1);
    timers.advance(1000);
    await flush();
    assert.deepEqual(s.ids(), ['p1', 'p2', 'p2']);
    s.calls[2]!.resolve();
    await flush();
    assert.equal(box.size, 0);
  });

  it('validates its options', () => {
    const send = () => undefined;
    assert.throws(() => new DetectionOutbox({ send, ackTimeoutMs: 0, limit: 1, overflow: 'drop-oldest' }), /ackTimeoutMs/);
    assert.throws(() => new DetectionOutbox({ send, ackTimeoutMs: 1, limit: 0, overflow: 'drop-oldest' }), /limit/);
    assert.throws(() => new DetectionOutbox({ send, ackTimeoutMs: 1, limit: 1, overflow: 'nope' as never }), /overflow/);
  });

  describe('persistence', function () {
    let dir: string;
    beforeEach(() => {
      dir = tmpDir();
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('survives a restart: pending detections are restored in order and resent with their message_id', async () => {
      const file = path.join(dir, 'sub', 'cam.ndjson');
      const s1 = sender('resolve');
      const { box: first } = outbox({ send: s1.send, file });
      first.open();
      first.setOnline(true);
      for (const id of ['a', 'b', 'c', 'd']) first.add({ message_id: id, n: id.charCodeAt(0) });
      first.ack('b', 'received');
      first.ack('d', 'rejected', 'nope');
      first.close();
      assert.ok(existsSync(file));
      assert.deepEqual(readdirSync(path.dirname(file)), ['cam.ndjson'], 'no temp file left');

      const s2 = sender('resolve');
      const { box: second } = outbox({ send: s2.send, file });
      second.open();
      assert.deepEqual(second.messages(), [{ message_id: 'a', n: 97 }, { message_id: 'c', n: 99 }]);
      assert.equal(second.metrics.restored, 2);
      second.setOnline(true);
      assert.deepEqual(s2.ids(), ['a', 'c']);
      assert.equal(second.metrics.resent, 2, 'restored detections were sent before: they count as resends');
      second.ack('a', 'received');
      second.ack('c', 'received');
      second.close();
      assert.equal(readFileSync(file, 'utf8'), '', 'compacted to nothing on close');
    });

    it('a process killed without close() loses nothing (the journal is written before sending)', () => {
      const file = path.join(dir, 'cam.ndjson');
      const { box: first } = outbox({ send: sender().send, file });
      first.open();
      first.add({ message_id: 'k1' });
      first.add({ message_id: 'k2' });
      first.ack('k1', 'received');
      // no close(): as if SIGKILLed
      const { box: second } = outbox({ send: sender().send, file });
      second.open();
      assert.deepEqual(second.messages().map((m) => m.message_id), ['k2']);
    });

    it('skips a torn last line and records that fail validation', () => {
      const file = path.join(dir, 'cam.ndjson');
      writeFileSync(file, [JSON.stringify({ t: 'add', m: { message_id: 'ok' } }), JSON.stringify({ t: 'add', m: { message_id: 'bad' } }), JSON.stringify({ t: 'add', m: { nope: 1 } }), '{"t":"add","m":{"message_id":"tor'].join('\n'));
      const { box } = outbox({ send: sender().send, file, validate: (m) => (m as Msg).message_id !== 'bad' });
      box.open();
      assert.deepEqual(box.messages().map((m) => m.message_id), ['ok']);
      assert.equal(box.metrics.corrupt, 3);
      box.add({ message_id: 'next' });
      box.close();
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      assert.deepEqual(lines.map((l) => JSON.parse(l).m.message_id), ['ok', 'next']);
    });

    it('applies a lowered limit to what it restores, by the overflow policy', () => {
      const file = path.join(dir, 'cam.ndjson');
      writeFileSync(file, ['1', '2', '3', '4'].map((id) => JSON.stringify({ t: 'add', m: { message_id: id } })).join('\n') + '\n');
      const { box: newest } = outbox({ send: sender().send, file, limit: 2, overflow: 'drop-oldest' });
      newest.open();
      assert.deepEqual(newest.messages().map((m) => m.message_id), ['3', '4']);
      assert.equal(newest.metrics.dropped, 2);
      newest.close();
      writeFileSync(file, ['1', '2', '3', '4'].map((id) => JSON.stringify({ t: 'add', m: { message_id: id } })).join('\n') + '\n');
      const { box: oldest } = outbox({ send: sender().send, file, limit: 2, overflow: 'reject-new' });
      oldest.open();
      assert.deepEqual(oldest.messages().map((m) => m.message_id), ['1', '2']);
    });

    it('compacts the journal once acks dominate it, and periodically', () => {
      const file = path.join(dir, 'cam.ndjson');
      const { box } = outbox({ send: sender('resolve').send, file, compactMinRecords: 50 });
      box.open();
      box.setOnline(true);
      for (let i = 0; i < 200; i++) {
        box.add({ message_id: `m${i}`, n: i });
        box.ack(`m${i}`, 'received');
      }
      box.add({ message_id: 'left' });
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      assert.ok(lines.length < 60, `journal has ${lines.length} lines`);
      box.close();
      assert.deepEqual(readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l).m.message_id), ['left']);

      const timers = new FakeTimers();
      const { box: timed } = outbox({ send: sender('resolve').send, file, compactMinRecords: 1_000_000, compactIntervalMs: 5000 }, timers);
      timed.open();
      timed.add({ message_id: 'x' });
      timed.ack('x', 'received');
      assert.ok(statSync(file).size > 0);
      timers.advance(5000);
      assert.deepEqual(readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l).m.message_id), ['left']);
      timed.close();
    });

    it('keeps delivering in memory when the journal cannot be written, and says so', () => {
      const file = path.join(dir, 'cam.ndjson');
      const { box } = outbox({ send: sender().send, file });
      box.open();
      const problems: Error[] = [];
      box.on('problem', (e: Error) => problems.push(e));
      rmSync(dir, { recursive: true, force: true });
      writeFileSync(dir, 'a file where the directory was'); // journal writes now fail
      try {
        (box as unknown as { closeFd(): void }).closeFd();
        assert.equal(box.add({ message_id: 'mem' }).status, 'queued');
        assert.equal(box.size, 1);
        assert.ok(problems.length >= 1);
      } finally {
        box.close();
        rmSync(dir, { force: true });
      }
    });

    it('throws from open() when the journal cannot be read', () => {
      // A directory where the file should be.
      const file = path.join(dir, 'is-a-dir');
      mkdirSync(file);
      const { box } = outbox({ send: sender().send, file });
      assert.throws(() => box.open(), /EISDIR/);
    });
  });

  describe('properties (fast-check)', function () {
    type Op =
      | { op: 'add'; id: number }
      | { op: 'ack'; id: number; status: 'received' | 'rejected' | 'retry'; after: number }
      | { op: 'online'; on: boolean }
      | { op: 'advance'; ms: number }
      | { op: 'settle'; index: number; ok: boolean };

    const ops = fc.array(
      fc.oneof(
        { weight: 5, arbitrary: fc.record({ op: fc.constant('add' as const), id: fc.integer({ min: 0, max: 40 }) }) },
        {
          weight: 3,
          arbitrary: fc.record({
            op: fc.constant('ack' as const),
            id: fc.integer({ min: 0, max: 40 }),
            status: fc.constantFrom('received' as const, 'rejected' as const, 'retry' as const),
            after: fc.integer({ min: 0, max: 3000 }),
          }),
        },
        { weight: 1, arbitrary: fc.record({ op: fc.constant('online' as const), on: fc.boolean() }) },
        { weight: 2, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 5000 }) }) },
        { weight: 4, arbitrary: fc.record({ op: fc.constant('settle' as const), index: fc.nat(), ok: fc.boolean() }) },
      ),
      { maxLength: 120 },
    );

    async function run(list: Op[], limit: number, overflow: 'drop-oldest' | 'reject-new', file?: string) {
      const s = sender();
      const timers = new FakeTimers();
      // No send of an id before the time a `retry` ack gave it.
      const notBefore = new Map<string, number>();
      const send = (m: Msg, attempt: number) => {
        assert.ok(timers.time >= (notBefore.get(m.message_id) ?? 0), `${m.message_id} sent at ${timers.time}, before ${notBefore.get(m.message_id)}`);
        return s.send(m, attempt);
      };
      const { box } = outbox({ send, limit, overflow, ackTimeoutMs: 1000, maxAckTimeoutMs: 4000, ...(file ? { file } : {}) }, timers);
      box.open();
      const outcome = new Map<string, string>(); // id -> acked | rejected | dropped
      const queued = new Set<string>();
      box.on('acked', (m: Msg) => outcome.set(m.message_id, 'acked'));
      box.on('rejected', (m: Msg) => outcome.set(m.message_id, 'rejected'));
      box.on('dropped', (m: Msg, reason: string) => {
        if (reason === 'overflow') outcome.set(m.message_id, 'dropped');
      });
      const check = () => {
        assert.ok(box.size <= limit, `size ${box.size} > limit ${limit}`);
        const ids = box.messages().map((m) => m.message_id);
        assert.equal(new Set(ids).size, ids.length, 'an id twice in pending');
        for (const id of ids) assert.ok(!outcome.has(id), `${id} pending and ${outcome.get(id)}`);
      };
      for (const o of list) {
        switch (o.op) {
          case 'add': {
            const id = `d${o.id}`;
            // A detection's message_id is unique: re-adding an id whose delivery ended is not a thing cameras do.
            if (outcome.has(id)) break;
            const r = box.add({ message_id: id });
            if (r.status === 'queued') queued.add(id);
            if (r.status === 'duplicate') assert.ok(box.has(id));
            break;
          }
          case 'ack':
            if (o.status === 'retry' && box.has(`d${o.id}`)) notBefore.set(`d${o.id}`, timers.time + o.after);
            box.ack(`d${o.id}`, o.status, undefined, o.after);
            break;
          case 'online':
            box.setOnline(o.on);
            break;
          case 'advance':
            timers.advance(o.ms);
            await flush();
            break;
          case 'settle': {
            const open = s.calls.filter((c) => !c.settled);
            const call = open[o.index % Math.max(1, open.length)];
            if (call) {
              if (o.ok) call.resolve();
              else call.reject(new Error('link fell'));
              await flush();
            }
            break;
          }
        }
        check();
      }
      // Every send was of a pending id, with its own message_id (the message object is never rebuilt).
      for (const c of s.calls) assert.ok(queued.has(c.message.message_id));
      return { box, s, timers, outcome, queued, check };
    }

    it('bounded, never duplicated, and every detection ends acked, rejected or dropped by policy', async () => {
      await fc.assert(
        fc.asyncProperty(ops, fc.integer({ min: 1, max: 8 }), fc.constantFrom('drop-oldest' as const, 'reject-new' as const), async (list, limit, overflow) => {
          const { box, s, timers, outcome, queued, check } = await run(list, limit, overflow);
          // Then the link stays up and the server acks whatever arrives: everything drains.
          box.setOnline(true);
          for (let round = 0; round < 20 && box.size > 0; round++) {
            for (const c of s.calls) if (!c.settled) c.resolve();
            await flush();
            for (const c of s.calls) box.ack(c.message.message_id, 'received');
            timers.advance(5000);
            await flush();
            check();
          }
          assert.equal(box.size, 0);
          for (const id of queued) assert.ok(outcome.has(id), `${id} neither acked, rejected nor dropped`);
          const m = box.metrics;
          assert.equal(m.acked + m.rejected + (m.dropped - m.refused), queued.size);
          box.close();
        }),
        { numRuns: 150 },
      );
    });

    it('a resend always carries the message_id it was queued with', async () => {
      await fc.assert(
        fc.asyncProperty(ops, async (list) => {
          const { s, box } = await run(list, 50, 'drop-oldest');
          const byId = new Map<string, Msg>();
          for (const c of s.calls) {
            const first = byId.get(c.message.message_id);
            if (first) assert.equal(c.message, first, 'resent as a different object');
            else byId.set(c.message.message_id, c.message);
          }
          box.close();
        }),
        { numRuns: 100 },
      );
    });

    it('persistence round trip: what is pending at close (or at a crash) is what the next start holds, in order', async () => {
      const dir = tmpDir();
      try {
        let n = 0;
        await fc.assert(
          fc.asyncProperty(ops, fc.integer({ min: 1, max: 10 }), fc.boolean(), async (list, limit, crash) => {
            const file = path.join(dir, `p${n++}.ndjson`);
            const { box } = await run(list, limit, 'drop-oldest', file);
            const before = box.messages();
            if (!crash) box.close();
            const { box: again } = outbox({ send: sender().send, file, limit });
            again.open();
            assert.deepEqual(again.messages(), before);
            again.close();
            if (crash) box.close();
          }),
          { numRuns: 100 },
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});

describe('edge/outbox: retry acks (server rate limit)', function () {
  it('keeps the detection and resends it (same message_id) no sooner than retry_after_ms; not a failure, and the ack-timeout backoff starts over', async () => {
    const s = sender('resolve');
    const { box, timers } = outbox({ send: s.send, ackTimeoutMs: 1000, maxAckTimeoutMs: 8000 });
    const rejected: string[] = [];
    box.on('rejected', (m: Msg) => rejected.push(m.message_id));
    box.setOnline(true);
    box.add({ message_id: 'x', n: 7 });
    await flush();
    // Two ack timeouts first: the next would wait 4 s.
    timers.advance(1000);
    await flush();
    timers.advance(2000);
    await flush();
    assert.equal(s.calls.length, 3);
    assert.equal(box.ack('x', 'retry', undefined, 300), true);
    assert.equal(box.size, 1, 'kept');
    timers.advance(299);
    await flush();
    assert.equal(s.calls.length, 3, 'not before retry_after_ms');
    timers.advance(1);
    await flush();
    assert.equal(s.calls.length, 4, 'sent again once retry_after_ms has passed');
    assert.deepEqual(s.calls[3]!.message, { message_id: 'x', n: 7 });
    // The server answered, so the wait for the next ack is the first one again (1 s, not 4 s).
    timers.advance(1000);
    await flush();
    assert.equal(s.calls.length, 5);
    box.ack('x', 'received');
    timers.advance(60_000);
    await flush();
    assert.equal(s.calls.length, 5);
    assert.deepEqual(rejected, []);
    const { deferred, rejected: rejectedCount, acked, dropped, sendErrors } = box.metrics;
    assert.deepEqual({ deferred, rejectedCount, acked, dropped, sendErrors }, { deferred: 1, rejectedCount: 0, acked: 1, dropped: 0, sendErrors: 0 });
  });

  it('a retry ack that overtakes the PUBACK is honoured once the publish completes', async () => {
    const s = sender();
    const { box, timers } = outbox({ send: s.send, ackTimeoutMs: 10_000 });
    box.setOnline(true);
    box.add({ message_id: 'r' });
    box.ack('r', 'retry', undefined, 500);
    s.calls[0]!.resolve();
    await flush();
    timers.advance(499);
    await flush();
    assert.equal(s.calls.length, 1);
    timers.advance(1);
    await flush();
    assert.equal(s.calls.length, 2, 'resent after 500 ms, not after the 10 s ack timeout');
  });

  it('a reconnect resends at once only what is not waiting out a retry; the rest when told', async () => {
    const s = sender('resolve');
    const { box, timers } = outbox({ send: s.send, ackTimeoutMs: 30_000 });
    box.setOnline(true);
    for (const id of ['a', 'b', 'c']) box.add({ message_id: id });
    await flush();
    box.ack('a', 'retry', undefined, 5000);
    box.ack('c', 'retry', undefined, 0);
    await flush();
    box.setOnline(false);
    timers.advance(100);
    box.setOnline(true);
    assert.deepEqual(s.ids(), ['a', 'b', 'c', 'b', 'c'], 'a waits for its retry time, c (0 ms) is due');
    timers.advance(4899);
    await flush();
    assert.equal(s.ids().filter((id) => id === 'a').length, 1);
    timers.advance(1);
    await flush();
    assert.equal(s.ids().filter((id) => id === 'a').length, 2);
  });

  it('a detection repeatedly deferred is kept until it is taken (every one through, at the pace asked)', async () => {
    const s = sender('resolve');
    const { box, timers } = outbox({ send: s.send, ackTimeoutMs: 1000 });
    box.setOnline(true);
    for (let i = 0; i < 20; i++) box.add({ message_id: `m${i}` });
    await flush();
    // A server taking one per 100 ms: each send is acked at once, `received` if its slot has come.
    let nextFree = timers.time;
    const answered = new Set<number>();
    for (let round = 0; round < 500 && box.size > 0; round++) {
      for (let k = 0; k < s.calls.length; k++) {
        if (answered.has(k)) continue;
        answered.add(k);
        const id = s.calls[k]!.message.message_id;
        if (timers.time >= nextFree) {
          nextFree = timers.time + 100;
          box.ack(id, 'received');
        } else box.ack(id, 'retry', undefined, nextFree - timers.time);
      }
      timers.advance(10);
      await flush();
    }
    assert.equal(box.size, 0);
    assert.equal(box.metrics.acked, 20);
    assert.equal(box.metrics.rejected, 0);
    assert.equal(box.metrics.dropped, 0);
    assert.ok(box.metrics.deferred > 0);
  });
});

describe('edge/outbox: durability (fsync of the journal)', function () {
  let dir: string;
  beforeEach(() => {
    dir = tmpDir();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The real fsync functions, counted. */
  function countingSync() {
    const counts = { group: 0, now: 0 };
    const pending: Array<() => void> = [];
    return {
      counts,
      /** Group commits in flight, completed by the test. */
      pending,
      fileSync: {
        fsync: (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
          counts.group++;
          fsyncSync(fd);
          pending.push(() => cb(null));
        },
        fsyncSync: (fd: number) => {
          counts.now++;
          fsyncSync(fd);
        },
      },
    };
  }

  it("defaults to group commit every 50 ms; validates the options", () => {
    const { box } = outbox({ send: sender().send });
    assert.equal(box.durability, 'group');
    assert.equal(box.commitIntervalMs, 50);
    const send = () => undefined;
    assert.throws(() => new DetectionOutbox({ send, ackTimeoutMs: 1, limit: 1, overflow: 'drop-oldest', durability: 'sometimes' as never }), /durability/);
    assert.throws(() => new DetectionOutbox({ send, ackTimeoutMs: 1, limit: 1, overflow: 'drop-oldest', commitIntervalMs: -1 }), /commitIntervalMs/);
  });

  it("'every': one fsync per journal record, before add() returns", () => {
    const sync = countingSync();
    const { box } = outbox({ send: sender().send, file: path.join(dir, 'cam.ndjson'), durability: 'every', fileSync: sync.fileSync });
    box.open();
    const base = sync.counts.now;
    for (const id of ['a', 'b', 'c']) box.add({ message_id: id });
    assert.equal(sync.counts.now - base, 3);
    box.ack('a', 'received');
    assert.equal(sync.counts.now - base, 4);
    assert.equal(sync.counts.group, 0);
    box.close();
  });

  it("'group': appends are written at once and fsynced together, at most once per interval; nothing while idle; add() never waits", () => {
    const sync = countingSync();
    const timers = new FakeTimers();
    const file = path.join(dir, 'cam.ndjson');
    const { box } = outbox({ send: sender().send, file, durability: 'group', commitIntervalMs: 50, fileSync: sync.fileSync }, timers);
    box.open();
    for (let i = 0; i < 100; i++) box.add({ message_id: `m${i}` });
    assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 100, 'written before add() returned (a process crash loses nothing)');
    assert.equal(sync.counts.group, 0, 'no fsync inside add()');
    timers.advance(0);
    assert.equal(sync.counts.group, 1, 'one commit for the batch, at once after an idle spell');
    // More appends while that commit is in flight, then after it: the next commit waits out the interval.
    box.add({ message_id: 'n1' });
    sync.pending.shift()!();
    box.add({ message_id: 'n2' });
    timers.advance(49);
    assert.equal(sync.counts.group, 1);
    timers.advance(1);
    assert.equal(sync.counts.group, 2, 'n1 and n2 in one commit, 50 ms after the last');
    sync.pending.shift()!();
    timers.advance(10_000);
    assert.equal(sync.counts.group, 2, 'nothing appended, nothing to commit');
    box.close();
  });

  it("'group': compactions while a commit runs leak no file descriptor (the synced one is closed when its fsync returns)", () => {
    const sync = countingSync();
    const timers = new FakeTimers();
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    const { box } = outbox({ send: sender().send, file: path.join(dir, 'cam.ndjson'), durability: 'group', compactMinRecords: 10, fileSync: sync.fileSync }, timers);
    box.open();
    for (let i = 0; i < 5; i++) box.add({ message_id: `p${i}` });
    timers.advance(0);
    assert.equal(sync.pending.length, 1, 'a commit in flight');
    // Enough acks for several compactions, each replacing the journal's fd, while that commit runs.
    for (let i = 0; i < 60; i++) {
      box.add({ message_id: `q${i}` });
      box.ack(`q${i}`, 'received');
    }
    while (sync.pending.length > 0) {
      sync.pending.shift()!();
      timers.advance(100);
    }
    box.close();
    assert.equal(fds(), before);
  });

  it("'none': appends are never fsynced (compaction still is)", () => {
    const sync = countingSync();
    const timers = new FakeTimers();
    const { box } = outbox({ send: sender().send, file: path.join(dir, 'cam.ndjson'), durability: 'none', fileSync: sync.fileSync }, timers);
    box.open();
    const base = sync.counts.now;
    for (let i = 0; i < 10; i++) box.add({ message_id: `m${i}` });
    timers.advance(10_000);
    assert.equal(sync.counts.group, 0);
    assert.equal(sync.counts.now, base);
    box.close();
  });

  it('real file, real timers: what was appended before a group commit is on disk for a fresh outbox', async () => {
    const file = path.join(dir, 'cam.ndjson');
    let commits = 0;
    const fileSync = {
      fsync: (fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
        fsync(fd, (err) => {
          if (!err) commits++;
          cb(err);
        });
      },
      fsyncSync,
    };
    const first = new DetectionOutbox<Msg>({ send: () => undefined, ackTimeoutMs: 1000, limit: 1000, overflow: 'drop-oldest', file, durability: 'group', commitIntervalMs: 20, fileSync });
    first.open();
    const ids = Array.from({ length: 50 }, (_, i) => `g${i}`);
    for (const id of ids) first.add({ message_id: id, n: 1 });
    first.ack('g0', 'received');
    const deadline = Date.now() + 5000;
    while (commits === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.ok(commits >= 1, 'a group commit ran');
    // No close(): as after a power cut, the next start reads what the commit made durable.
    const second = new DetectionOutbox<Msg>({ send: () => undefined, ackTimeoutMs: 1000, limit: 1000, overflow: 'drop-oldest', file });
    second.open();
    assert.deepEqual(second.messages().map((m) => m.message_id), ids.slice(1));
    second.close();
    first.close();
  });
});

describe('edge/camera-settings', function () {
  it('has safe defaults', () => {
    const s = readCameraSettings({ camera: 'CAM001' });
    assert.deepEqual(s, {
      camera: 'CAM001',
      checkpoint: null,
      ackTimeoutMs: 10_000,
      bufferSize: 10_000,
      overflow: 'drop-oldest',
      persist: true,
      file: '',
      requestConfig: true,
      blacklist: false,
      matchAtEdge: false,
      maxEntries: 200_000,
      ack: true,
      durability: 'group',
      commitIntervalMs: 50,
    });
  });

  it('matchAtEdge and maxEntries: a flow saved before them matches nothing at the edge; the bound is checked', () => {
    const s = readCameraSettings({ camera: 'C', blacklist: true, matchAtEdge: true, maxEntries: '5000' });
    assert.equal(s.matchAtEdge, true);
    assert.equal(s.maxEntries, 5000);
    for (const bad of [0, -1, 2.5, 'many', 5_000_001]) {
      assert.throws(() => readCameraSettings({ camera: 'C', maxEntries: bad }), /maxEntries/, String(bad));
    }
  });

  it('durability: a flow saved before it existed gets group commit; the choices and the interval are checked', () => {
    const s = readCameraSettings({ camera: 'C', durability: 'every', commitInterval: '200' });
    assert.equal(s.durability, 'every');
    assert.equal(s.commitIntervalMs, 200);
    assert.equal(readCameraSettings({ camera: 'C', durability: 'none' }).durability, 'none');
    assert.equal(readCameraSettings({ camera: 'C', durability: '' }).durability, 'group');
    for (const [props, field] of [
      [{ camera: 'C', durability: 'always' }, 'durability'],
      [{ camera: 'C', commitInterval: -1 }, 'commitInterval'],
      [{ camera: 'C', commitInterval: 'x' }, 'commitInterval'],
      [{ camera: 'C', commitInterval: 120_000 }, 'commitInterval'],
    ] as const) {
      assert.throws(() => readCameraSettings(props), (err: unknown) => err instanceof ConfigError && err.field === field, JSON.stringify(props));
    }
  });

  it('reads dialog values (strings) and names the bad field', () => {
    const s = readCameraSettings({ camera: ' CAM-2 ', checkpoint: 'CP.1', ackTimeout: '2.5', bufferSize: '5', overflow: 'reject-new', persist: 'false', file: 'x.ndjson', requestConfig: false, ack: 'false' });
    assert.equal(s.camera, 'CAM-2');
    assert.equal(s.checkpoint, 'CP.1');
    assert.equal(s.ackTimeoutMs, 2500);
    assert.equal(s.bufferSize, 5);
    assert.equal(s.overflow, 'reject-new');
    assert.equal(s.persist, false);
    assert.equal(s.ack, false);
    const bad: Array<[Record<string, unknown>, string]> = [
      [{}, 'camera'],
      [{ camera: '' }, 'camera'],
      [{ camera: 'a/b' }, 'camera'],
      [{ camera: '+' }, 'camera'],
      [{ camera: '#' }, 'camera'],
      [{ camera: 'CAM 1' }, 'camera'],
      [{ camera: 'C', checkpoint: 'x/y' }, 'checkpoint'],
      [{ camera: 'C', ackTimeout: 0 }, 'ackTimeout'],
      [{ camera: 'C', ackTimeout: 'soon' }, 'ackTimeout'],
      [{ camera: 'C', bufferSize: 1.5 }, 'bufferSize'],
      [{ camera: 'C', bufferSize: 0 }, 'bufferSize'],
      [{ camera: 'C', overflow: 'drop-newest' }, 'overflow'],
      [{ camera: 'C', persist: 'yes' }, 'persist'],
      [{ camera: 'C', file: 7 }, 'file'],
      [{ camera: 'C', requestConfig: 1 }, 'requestConfig'],
      [{ camera: 'C', ack: 'maybe' }, 'ack'],
    ];
    for (const [props, field] of bad) {
      assert.throws(() => readCameraSettings(props), (err: unknown) => err instanceof ConfigError && err.field === field, `${JSON.stringify(props)} -> ${field}`);
    }
  });

  it('puts the journal under the user directory by default, per node id', () => {
    assert.equal(journalPath({ persist: true, file: '' }, '/data', 'a1b2.c3'), path.join('/data', 'lpr-camera', 'a1b2.c3.ndjson'));
    assert.equal(journalPath({ persist: true, file: '' }, '/data', 'x/../y'), path.join('/data', 'lpr-camera', 'x_.._y.ndjson'));
    assert.equal(journalPath({ persist: true, file: 'cams/c1.ndjson' }, '/data', 'n'), path.join('/data', 'cams', 'c1.ndjson'));
    assert.equal(journalPath({ persist: true, file: '/var/lib/c1.ndjson' }, '/data', 'n'), '/var/lib/c1.ndjson');
    assert.equal(journalPath({ persist: false, file: 'x' }, '/data', 'n'), null);
  });
});
