/** The health monitors' camera states as the other nodes see them through the registry. */
import assert from 'node:assert/strict';
import { cameraHealthCounts, cameraHealthState, registerHealthSource, unregisterHealthSource, type CameraHealthState, type HealthSource } from '../../src/runtime/registry';

function source(states: Record<string, CameraHealthState>, asked = { states: 0 }): HealthSource {
  const map = new Map(Object.entries(states));
  return {
    state: (camera) => map.get(camera),
    counts: () => {
      const counts = { healthy: 0, warning: 0, critical: 0, offline: 0, total: map.size };
      for (const s of map.values()) counts[s]++;
      return counts;
    },
    states: () => (asked.states++, map),
  };
}

describe('registry: camera health across monitors', () => {
  afterEach(() => {
    unregisterHealthSource('one');
    unregisterHealthSource('two');
  });

  it('counts nothing without a health monitor', () => {
    assert.deepEqual(cameraHealthCounts(), { healthy: 0, warning: 0, critical: 0, offline: 0, total: 0 });
  });

  it("one monitor's counts are taken as they are, without listing its cameras", () => {
    const asked = { states: 0 };
    registerHealthSource('one', source({ A: 'healthy', B: 'offline', C: 'warning' }, asked));
    assert.deepEqual(cameraHealthCounts(), { healthy: 1, warning: 1, critical: 0, offline: 1, total: 3 });
    assert.equal(asked.states, 0);
  });

  it('with two monitors a camera both know is counted once, in the worse state', () => {
    registerHealthSource('one', source({ A: 'healthy', B: 'warning' }));
    registerHealthSource('two', source({ B: 'critical', C: 'offline' }));
    assert.deepEqual(cameraHealthCounts(), { healthy: 1, warning: 0, critical: 1, offline: 1, total: 3 });
    assert.equal(cameraHealthState('B'), 'critical');
  });
});
