/** RequestAnswerer (src/blacklist/request-answerer.ts): merged, limited, serialised once per revision. */
import assert from 'node:assert/strict';
import { BlacklistUpdate, type BlacklistEntry } from '../../src/protocol';
import { RequestAnswerer, type AnswererOptions } from '../../src/blacklist/request-answerer';
import { planSnapshot } from '../../src/blacklist/snapshot';
import { sleep } from '../fixtures/wait';

function setUp(options: Partial<AnswererOptions> & { maxBytes?: number } = {}) {
  const sent: Array<{ cameraId: string; body: string }> = [];
  const limited: Array<{ cameraId: string; count: number; scope: string }> = [];
  let entries: BlacklistEntry[] = [{ plate_number: 'ABC1234', priority: 'high' }];
  let serialisations = 0;
  const answerer = new RequestAnswerer(
    {
      plan: () => {
        serialisations++;
        return planSnapshot(entries, { id: `snap-${serialisations}`, revision: serialisations, origin: 'srv', maxBytes: options.maxBytes });
      },
      publish: (cameraId, body) => sent.push({ cameraId, body }),
      limited: (cameraId, count, scope) => limited.push({ cameraId, count, scope }),
    },
    { mergeWindowMs: 20, ...options },
  );
  return {
    answerer,
    sent,
    limited,
    serialisations: () => serialisations,
    setEntries: (e: typeof entries) => {
      entries = e;
      answerer.invalidate();
    },
  };
}

describe('RequestAnswerer', () => {
  let close: (() => void) | null = null;
  afterEach(() => close?.());

  it('answers 100 cameras with one serialisation; each answer is a valid snapshot with its own id', async () => {
    const t = setUp();
    close = () => t.answerer.close();
    for (let i = 0; i < 100; i++) assert.equal(t.answerer.request(`CAM${i}`), 'scheduled');
    await sleep(60);
    assert.equal(t.sent.length, 100);
    assert.equal(t.serialisations(), 1);
    const ids = new Set<string>();
    for (const { body } of t.sent) {
      const parsed = BlacklistUpdate.parse(JSON.parse(body));
      assert.equal(parsed.action, 'snapshot');
      assert.deepEqual(parsed.snapshot, { id: 'snap-1', revision: 1, index: 0, count: 1, entries_total: 1 });
      assert.deepEqual(parsed.entries, [{ plate_number: 'ABC1234', priority: 'high' }]);
      ids.add(parsed.message_id);
    }
    assert.equal(ids.size, 100, 'a message_id per answer');
    t.setEntries([{ plate_number: 'NEW1', priority: 'low' }]);
    t.answerer.request('CAM0');
    await sleep(60);
    assert.equal(t.serialisations(), 2, 'a change invalidates the cached list');
    assert.equal(JSON.parse(t.sent.at(-1)!.body).entries[0].plate_number, 'NEW1');
  });

  it('merges requests of one camera within the window, and limits answers per camera', async () => {
    const t = setUp({ perCameraPerMinute: 2 });
    close = () => t.answerer.close();
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 50; i++) t.answerer.request('CAM1');
      await sleep(40);
    }
    assert.equal(t.sent.length, 2, 'two answers per minute');
    assert.ok(t.sent.every((s) => s.cameraId === 'CAM1'));
    assert.deepEqual({ ...t.answerer.counts }, { requests: 200, answered: 2, merged: 98, deferred: 0, limited: 100, serialised: 1, chunks: 2 });
    // The first refusal is reported at once, the rest held back by the throttle (reported later, counted).
    assert.deepEqual(t.limited, [{ cameraId: 'CAM1', count: 1, scope: 'camera' }]);
    assert.equal(t.answerer.request('CAM2'), 'scheduled', 'another camera has its own bucket');
  });

  it('spreads answers over the overall rate, and bounds the total (a request can name any camera_id)', async () => {
    const t = setUp({ globalPerSecond: 10, globalBurst: 10, globalMaxWaitMs: 1000 });
    close = () => t.answerer.close();
    const outcomes = Array.from({ length: 500 }, (_, i) => t.answerer.request(`SPOOF${i}`));
    const scheduled = outcomes.filter((o) => o === 'scheduled').length;
    // 10 at once, then one slot every 100 ms for up to 1 s.
    assert.ok(scheduled >= 18 && scheduled <= 21, `${scheduled} scheduled`);
    assert.equal(t.answerer.scheduled, scheduled, 'scheduled answers bounded by the overall bucket');
    assert.equal(t.answerer.counts.limited, 500 - scheduled);
    await sleep(40);
    assert.equal(t.sent.length, 10, 'the burst at the end of the merge window (the first slot is at 100 ms)');
    await sleep(1100);
    assert.equal(t.sent.length, scheduled, 'the deferred ones at their slots');
    assert.deepEqual(t.limited, [{ cameraId: '*', count: 1, scope: 'global' }]);
  });

  it('answers a list bigger than one message in chunks, and re-sends only the chunks a camera names', async () => {
    const t = setUp({ maxBytes: 8192 });
    close = () => t.answerer.close();
    t.setEntries(Array.from({ length: 400 }, (_, i) => ({ plate_number: `AB${i}`, priority: 'high' as const })));
    t.answerer.request('CAM1');
    await sleep(60);
    const first = t.sent.map((s) => BlacklistUpdate.parse(JSON.parse(s.body)));
    assert.ok(first.length > 2, `${first.length} chunks`);
    assert.ok(t.sent.every((s) => Buffer.byteLength(s.body) <= 8192));
    assert.deepEqual(first.map((u) => u.snapshot!.index), [...first.keys()]);
    assert.equal(first.reduce((n, u) => n + u.entries.length, 0), 400);
    const id = first[0]!.snapshot!.id;
    t.sent.length = 0;
    assert.equal(t.answerer.request('CAM1', Date.now(), { id, missing: [2, 0, 99] }), 'scheduled');
    assert.equal(t.answerer.request('CAM1', Date.now(), { id, missing: [1] }), 'merged');
    await sleep(60);
    assert.deepEqual(t.sent.map((s) => JSON.parse(s.body).snapshot.index), [0, 1, 2]);
    assert.equal(t.answerer.request('CAM2', Date.now(), { id: 'someone-elses', missing: [0] }), 'ignored');
    // The list changed since: the whole new snapshot.
    t.setEntries([{ plate_number: 'NEW1', priority: 'low' }]);
    t.sent.length = 0;
    t.answerer.request('CAM3', Date.now(), { id, missing: [1] });
    await sleep(60);
    assert.deepEqual(t.sent.map((s) => JSON.parse(s.body).snapshot.index), [0]);
    assert.equal(JSON.parse(t.sent[0]!.body).entries[0].plate_number, 'NEW1');
  });

  it('close cancels scheduled answers', async () => {
    const t = setUp();
    t.answerer.request('CAM1');
    t.answerer.close();
    await sleep(60);
    assert.equal(t.sent.length, 0);
    assert.equal(t.answerer.request('CAM1'), 'limited');
  });
});
