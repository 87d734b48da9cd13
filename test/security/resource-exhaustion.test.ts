/**
 * Attacks on memory and CPU through data (issue 14, items 4, 5, 7), on a real Mosquitto:
 * - a flood of distinct camera ids on the health topics: lpr-health-monitor keeps at most
 *   `maxCameras` of them and says so once;
 * - a blacklist pattern entry built to make a backtracking RegExp take seconds per read
 *   (`*A*A*…*C*B` against a 32-character read, 6 s each before): reads are answered at once.
 */
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { seedHealth } from '../fixtures/samples';
import { waitUntil } from '../fixtures/wait';
import { allNodes, brokerConfig, collect, helper, useHelperServer, waitReady } from '../nodes/harness';

/* eslint-disable @typescript-eslint/no-require-imports */
const blacklistNodes = [require('../../dist/lpr-blacklist.js'), require('../../dist/lpr-blacklist-match.js')];

describe('resource exhaustion through data', function () {
  let mosquitto: Mosquitto;
  before(async () => {
    mosquitto = await startMosquitto();
  });
  after(async () => {
    await mosquitto?.stop();
  });
  useHelperServer();

  it('5,000 distinct camera ids: the health monitor keeps its 500, warns once', async function () {
    this.timeout(60_000);
    await helper.load(allNodes, [
      brokerConfig(mosquitto),
      { id: 'mon', type: 'lpr-health-monitor', broker: 'broker', camera: '', offlineAfter: 60, summaryInterval: 0, maxCameras: 500, wires: [['changes'], ['summary']] },
      { id: 'changes', type: 'helper' },
      { id: 'summary', type: 'helper' },
    ]);
    const changes = collect('changes');
    const summary = collect('summary');
    await waitReady();
    const attacker = await mqtt.connectAsync(mosquitto.url);
    try {
      const h = seedHealth();
      h.alerts = [];
      for (let i = 0; i < 5000; i++) {
        const id = `FLOOD${i}`;
        attacker.publish(`lprserver/cameras/${id}/health`, JSON.stringify({ ...h, camera_id: id, message_id: `f-${i}`, timestamp: new Date().toISOString() }), { qos: 0 });
      }
      await waitUntil(() => changes.length === 5000, 'every new camera reported', 30_000);
      helper.getNode('mon').receive({ payload: 'summary' });
      await waitUntil(() => summary.length === 1, 'a summary');
      assert.equal(summary[0].payload.counts.total, 500);
      assert.equal(summary[0].payload.cameras.length, 500);
      const warnings = (helper.log().args as any[][]).filter((a) => a[0]?.level === helper.log().WARN && a[0]?.id === 'mon' && /maxCameras/.test(String(a[0].msg)));
      assert.equal(warnings.length, 1);
    } finally {
      await attacker.endAsync();
    }
  });

  it('a backtracking-hostile pattern entry: ten 32-character reads are answered, the right ones matched', async function () {
    this.timeout(20_000);
    await helper.load([...allNodes, ...blacklistNodes], [
      { id: 'list', type: 'lpr-blacklist', broker: '', entries: [{ plate_number: '*A*A*A*A*A*A*A*A*A*A*A*A*C*B', priority: 'high' }], persist: false, file: '', answerRequests: false },
      { id: 'match', type: 'lpr-blacklist-match', list: 'list', exact: true, lookalike: true, maxSubstitutions: 1, fuzzy: false, maxDistance: 1, pattern: true, requireProvince: false, suppress: 0, publish: false, wires: [['hit'], ['miss']] },
      { id: 'hit', type: 'helper' },
      { id: 'miss', type: 'helper' },
    ]);
    const hit = collect('hit');
    const miss = collect('miss');
    const match = helper.getNode('match');
    for (let i = 0; i < 10; i++) match.receive({ payload: { plate_number: 'A'.repeat(31) + 'B' }, camera: 'CAM1' });
    match.receive({ payload: { plate_number: 'A'.repeat(12) + 'C' + 'A'.repeat(18) + 'B' }, camera: 'CAM1' });
    await waitUntil(() => hit.length + miss.length === 11, 'every read answered', 10_000);
    assert.equal(miss.length, 10);
    assert.equal(hit.length, 1);
  });
});
