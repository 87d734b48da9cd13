/**
 * Checkpoint status at scale (issue 14, item 4): the work a detection causes does not depend on
 * how many cameras are tracked. Counted, not timed: the health lookups and camera entries a
 * detection (and the status it republishes) touches, at 1,000 and at 100,000 cameras.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { WindowAggregator, type HealthState } from '../../src/analytics/aggregator';

const T0 = Date.UTC(2024, 0, 15, 10, 30, 0);

function setup(cameras: number) {
  const c = { t: T0 };
  const states = new Map<string, HealthState>();
  const work = { lookups: 0 };
  const agg = new WindowAggregator({
    windowMs: 60_000,
    now: () => c.t,
    maxCamerasPerCheckpoint: cameras,
    maxCameras: cameras,
    health: (camera) => {
      work.lookups++;
      return states.get(camera);
    },
  });
  for (let i = 0; i < cameras; i++) agg.addDetection(`CP${i % 100}`, `CAM${i}`, [], null);
  for (let i = 0; i < cameras; i += 2) states.set(`CAM${i}`, i % 4 === 0 ? 'offline' : 'healthy');
  agg.healthSourcesChanged();
  return { c, agg, states, work };
}

/** Lookups for 1,000 detections of known cameras, each followed by its checkpoint's status. */
function perDetection(cameras: number): number {
  const { c, agg, work } = setup(cameras);
  work.lookups = 0;
  for (let i = 0; i < 1000; i++) {
    c.t += 1;
    const camera = (i * 7919) % cameras;
    agg.addDetection(`CP${camera % 100}`, `CAM${camera}`, [], 5);
    agg.status(`CP${camera % 100}`);
  }
  return work.lookups / 1000;
}

describe('analytics/aggregator at scale', () => {
  it('a detection costs the same few health lookups at 1,000 and at 100,000 cameras', () => {
    const small = perDetection(1000);
    const large = perDetection(100_000);
    assert.ok(small <= 2, `${small} lookups per detection at 1,000 cameras`);
    assert.ok(large <= 2, `${large} lookups per detection at 100,000 cameras`);
  });

  it('counts stay right as cameras go silent, change health, and are forgotten at the bound', () => {
    const c = { t: T0 };
    const states = new Map<string, HealthState>();
    const agg = new WindowAggregator({ windowMs: 10_000, now: () => c.t, maxCameras: 3, health: (x) => states.get(x) });
    agg.addDetection('CP1', 'A', [], 1);
    agg.addDetection('CP1', 'B', [], 1);
    c.t += 5000;
    agg.addDetection('CP2', 'C', [], 1);
    assert.deepEqual(agg.status('CP1')!.cameras, { online: 2, offline: 0, total: 2 });
    c.t += 5000; // A, B silent for a window length: offline without a health state
    assert.deepEqual(agg.status('CP1')!.cameras, { online: 0, offline: 2, total: 2 });
    states.set('A', 'warning');
    agg.healthChanged('A');
    assert.deepEqual(agg.status('CP1')!.cameras, { online: 1, offline: 1, total: 2 });
    states.set('C', 'offline');
    agg.healthChanged('C');
    assert.deepEqual(agg.status('CP2')!.cameras, { online: 0, offline: 1, total: 1 });
    // A fourth camera: the one silent the longest (A, first detected) is forgotten.
    agg.addDetection('CP2', 'D', [], 1);
    assert.equal(agg.camerasForgotten, 1);
    assert.deepEqual(agg.status('CP1')!.cameras, { online: 0, offline: 1, total: 1 });
    assert.deepEqual(agg.status('CP2')!.cameras, { online: 1, offline: 1, total: 2 });
    assert.equal(agg.cameraCount, 3);
    states.delete('C');
    agg.healthChanged('C');
    assert.deepEqual(agg.status('CP2')!.cameras, { online: 2, offline: 0, total: 2 });
  });

  it('property: after any detections, silences, health changes and forgets, each checkpoint counts what the rules say', () => {
    const cams = ['A', 'B', 'C', 'D'];
    const cps = ['CP1', 'CP2'];
    const op = fc.oneof(
      fc.record({ kind: fc.constant('detect' as const), cp: fc.constantFrom(...cps), cam: fc.constantFrom(...cams), advance: fc.integer({ min: 0, max: 6000 }) }),
      fc.record({ kind: fc.constant('health' as const), cam: fc.constantFrom(...cams), state: fc.constantFrom<HealthState | null>('healthy', 'offline', null) }),
      fc.record({ kind: fc.constant('wait' as const), advance: fc.integer({ min: 0, max: 15_000 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 50 }), fc.integer({ min: 1, max: 8 }), (ops, max) => {
        const c = { t: T0 };
        const states = new Map<string, HealthState>();
        const agg = new WindowAggregator({ windowMs: 10_000, now: () => c.t, maxCameras: max, health: (x) => states.get(x) });
        // The model: each pair's last detection, in order of last detection; the one silent the longest is forgotten past max.
        const last = new Map<string, number>();
        for (const o of ops) {
          if (o.kind === 'detect') {
            c.t += o.advance;
            const key = `${o.cp}|${o.cam}`;
            if (!last.has(key) && last.size >= max) last.delete([...last].sort((a, b) => a[1] - b[1])[0]![0]);
            last.set(key, c.t);
            agg.addDetection(o.cp, o.cam, [], 1);
          } else if (o.kind === 'health') {
            if (o.state) states.set(o.cam, o.state);
            else states.delete(o.cam);
            agg.healthChanged(o.cam);
          } else c.t += o.advance;
          for (const cp of cps) {
            const pairs = [...last].filter(([k]) => k.startsWith(`${cp}|`));
            const online = pairs.filter(([k, at]) => {
              const s = states.get(k.split('|')[1]!);
              return s ? s !== 'offline' : c.t - at < 10_000;
            }).length;
            const got = agg.status(cp)?.cameras ?? { online: 0, offline: 0, total: 0 };
            assert.deepEqual(got, { online, offline: pairs.length - online, total: pairs.length });
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('the node status figures (checkpoints, detections this window) are kept as counts, not walks over every checkpoint', () => {
    // The status text is made once a second: at 10,000 checkpoints a walk made an array of every id
    // and visited every window's accumulator each time.
    const c = { t: T0 };
    const agg = new WindowAggregator({ windowMs: 60_000, now: () => c.t, maxCheckpoints: 3 });
    assert.equal(agg.checkpointCount, 0);
    agg.addDetection('CP1', 'CAM1', [], null);
    agg.addDetection('CP1', 'CAM2', [], null, false); // plates of a split detection: no detection counted
    agg.addBlacklistHit('CP2');
    assert.deepEqual([agg.checkpointCount, agg.currentDetections()], [2, 1]);
    c.t += 60_000;
    agg.advance();
    assert.deepEqual([agg.checkpointCount, agg.currentDetections()], [2, 0]);
  });

  it('property: the status figures equal what the windows hold, through window ends, flushes and the checkpoint bound', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('detect' as const), cp: fc.integer({ min: 0, max: 5 }), counts: fc.boolean(), advance: fc.integer({ min: 0, max: 30_000 }) }),
      fc.record({ kind: fc.constant('hit' as const), cp: fc.integer({ min: 0, max: 5 }), advance: fc.integer({ min: 0, max: 30_000 }) }),
      fc.record({ kind: fc.constant('advance' as const), advance: fc.integer({ min: 0, max: 200_000 }) }),
      fc.record({ kind: fc.constant('flush' as const), advance: fc.integer({ min: 0, max: 10_000 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.integer({ min: 1, max: 4 }), (ops, max) => {
        const c = { t: T0 };
        const agg = new WindowAggregator({ windowMs: 60_000, now: () => c.t, maxCheckpoints: max });
        // The model: checkpoints taken (first come, up to max) and detections since the window began.
        const taken = new Set<number>();
        let inWindow = 0;
        let end = T0 + 60_000;
        const roll = () => {
          if (c.t >= end) {
            inWindow = 0;
            end = (Math.floor(c.t / 60_000) + 1) * 60_000;
          }
        };
        for (const o of ops) {
          c.t += o.advance;
          roll();
          if (o.kind === 'flush') {
            agg.flush();
            inWindow = 0;
            end = (Math.floor(c.t / 60_000) + 1) * 60_000;
          } else if (o.kind === 'advance') agg.advance();
          else {
            if (!taken.has(o.cp) && taken.size < max) taken.add(o.cp);
            if (o.kind === 'detect') {
              agg.addDetection(`CP${o.cp}`, 'CAM1', [], null, o.counts);
              if (o.counts && taken.has(o.cp)) inWindow++;
            } else agg.addBlacklistHit(`CP${o.cp}`);
          }
          assert.equal(agg.checkpointCount, taken.size);
          // Read after the aggregator has seen the time (a status is made on a timer, after events).
          agg.advance();
          assert.equal(agg.currentDetections(), inWindow);
        }
      }),
      { numRuns: 300 },
    );
  });
});
