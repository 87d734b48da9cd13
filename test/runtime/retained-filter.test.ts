/** RetainedFilter: which retained copies are news, and its memory bound. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RetainedFilter, timestampMs } from '../../src/runtime/retained-filter';

const T0 = Date.parse('2026-01-01T00:00:00Z');

describe('runtime/retained-filter', () => {
  it('a first message and every live message are news; a retained repeat, older or stale copy is not', () => {
    const f = new RetainedFilter();
    assert.equal(f.admit('CAM1', { messageId: 'a', at: T0 - 3_600_000 }, true, T0, 60_000), 'news', 'first sighting restores, however old');
    assert.equal(f.admit('CAM1', { messageId: 'a', at: T0 - 3_600_000 }, true, T0, 60_000), 'repeat');
    assert.equal(f.admit('CAM1', { messageId: 'b', at: T0 }, false, T0), 'news');
    assert.equal(f.admit('CAM1', { messageId: 'b', at: T0 }, true, T0 + 1000), 'repeat');
    assert.equal(f.admit('CAM1', { messageId: 'c', at: T0 - 1 }, true, T0 + 1000), 'older');
    assert.equal(f.admit('CAM1', { messageId: 'd', at: T0 + 10 }, true, T0 + 120_000, 60_000), 'stale');
    assert.equal(f.admit('CAM1', { messageId: 'e', at: T0 + 100_000 }, true, T0 + 120_000, 60_000), 'news');
    assert.equal(f.admit('CAM1', { messageId: 'a', at: T0 - 3_600_000 }, false, T0), 'news', 'live messages are never judged');
  });

  it('a message without a time (a will) is judged by its id and keeps the known time', () => {
    const f = new RetainedFilter();
    f.admit('CAM1', { messageId: 'h1', at: T0 }, false, T0);
    assert.equal(f.admit('CAM1', { messageId: 'will', at: null }, true, T0 + 5000, 1000), 'news');
    assert.equal(f.admit('CAM1', { messageId: 'will', at: null }, true, T0 + 6000, 1000), 'repeat');
    assert.equal(f.admit('CAM1', { messageId: 'h0', at: T0 - 1 }, true, T0 + 7000), 'older');
  });

  it('forget and forgetWhere make a key new again', () => {
    const f = new RetainedFilter();
    f.admit('A\u0000x', { messageId: '1', at: T0 }, false, T0);
    f.admit('A\u0000y', { messageId: '2', at: T0 }, false, T0);
    f.admit('B\u0000x', { messageId: '3', at: T0 }, false, T0);
    assert.equal(f.forgetWhere((k) => k.startsWith('A\u0000')), 2);
    assert.equal(f.admit('A\u0000x', { messageId: '1', at: T0 }, true, T0), 'news');
    assert.equal(f.forget('B\u0000x'), true);
    assert.equal(f.size, 1);
  });

  it('property: never holds more than its limit, evicting the least recently taken', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.string({ maxLength: 3 })), { maxLength: 200 }), (limit, ops) => {
        const f = new RetainedFilter(limit);
        let last: string | null = null;
        for (const [k, id] of ops) {
          last = `K${k}`;
          f.take(last, { messageId: id, at: T0 });
          assert.ok(f.size <= limit);
        }
        if (last) assert.ok(f.has(last), 'the key taken last is kept');
      }),
    );
  });

  it('property: keeps exactly the keys a least-recently-taken model keeps, through takes and forgets', () => {
    const op = fc.oneof(
      fc.record({ take: fc.integer({ min: 0, max: 12 }) }),
      fc.record({ forget: fc.integer({ min: 0, max: 12 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(op, { maxLength: 3000 }), (limit, ops) => {
        const f = new RetainedFilter(limit);
        const model: string[] = [];
        for (const o of ops) {
          const key = `K${'take' in o ? o.take : o.forget}`;
          const i = model.indexOf(key);
          if (i >= 0) model.splice(i, 1);
          if ('take' in o) {
            f.take(key, { messageId: 'm', at: T0 });
            model.push(key);
            if (model.length > limit) model.shift();
          } else f.forget(key);
        }
        assert.equal(f.size, model.length);
        for (let k = 0; k <= 12; k++) assert.equal(f.has(`K${k}`), model.includes(`K${k}`), `K${k}`);
      }),
    );
  });

  it('property: a retained copy of the last message taken is never news; a live message always is', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('A', 'B'), fc.string({ maxLength: 4 }), fc.option(fc.integer({ min: 0, max: 1e6 })), fc.boolean()), { maxLength: 50 }), (ops) => {
        const f = new RetainedFilter();
        for (const [key, id, at, retained] of ops) {
          const verdict = f.admit(key, { messageId: id, at: at === null ? null : T0 + at }, retained, T0 + 2e6, 60_000);
          if (!retained) assert.equal(verdict, 'news');
          assert.notEqual(f.judge(key, { messageId: id, at: at === null ? null : T0 + at }, true, T0 + 2e6, 60_000), 'news');
        }
      }),
    );
  });

  it('timestampMs reads ISO times and refuses the rest', () => {
    assert.equal(timestampMs('2026-01-01T00:00:00Z'), T0);
    assert.equal(timestampMs('not a time'), null);
    assert.equal(timestampMs(undefined), null);
  });
});
