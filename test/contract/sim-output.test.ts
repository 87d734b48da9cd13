/**
 * What lpr-sim publishes, caught on a real Mosquitto, validates against the committed JSON Schemas
 * (ajv): detections (Latin and Thai plates, blacklisted ones), health and its will, reported config,
 * config requests and control responses of every outcome.
 */
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { TopicTree, type MessageKind } from '../../src/protocol';
import { startSimulator } from '../../src/sim';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { sleep, waitUntil } from '../fixtures/wait';
import { ajvProblems, schemaNameOf } from './validators';

describe('contract: the simulator output validates against the JSON Schemas', function () {
  this.timeout(60_000);
  let mosquitto: Mosquitto;
  before(async () => {
    mosquitto = await startMosquitto();
  });
  after(async () => {
    await mosquitto?.stop();
  });

  it('every message lpr-sim publishes, of every kind it sends', async () => {
    const tree = new TopicTree('lprserver');
    const seen: Array<{ kind: MessageKind; topic: string; payload: string }> = [];
    const client = await mqtt.connectAsync(mosquitto.url, { clientId: 'contract-watch', reconnectPeriod: 0 });
    client.on('message', (topic, payload) => {
      const parsed = tree.parse(topic);
      if (parsed) seen.push({ kind: parsed.kind, topic, payload: payload.toString('utf8') });
    });
    await client.subscribeAsync('lprserver/#', { qos: 2 });
    const sim = startSimulator({
      url: mosquitto.url, cameras: 3, rate: 20, count: 30, healthInterval: 0.2, control: 'random', noAck: true,
      thaiRatio: 0.5, blacklistRatio: 0.2, seed: 7, quiet: true, drain: 0,
    });
    try {
      await sim.ready;
      const now = () => new Date().toISOString();
      for (let i = 0; i < 8; i++) {
        const camera = `CAM00${(i % 3) + 1}`;
        const control = { message_id: `ctl-${i}`, timestamp: now(), camera_id: camera, command: 'get_status', parameters: { n: i } };
        await client.publishAsync(tree.topic('control', camera), JSON.stringify(control), { qos: 2 });
      }
      const settings = { detection_interval: 250, confidence_threshold: 0.9, max_vehicles_per_frame: 2, image_quality: 'low', enable_recording: true, recording_duration: 10 };
      const update = { message_id: 'cfg-1', timestamp: now(), camera_id: 'CAM001', config_type: 'detection_settings', config_data: settings };
      await client.publishAsync(tree.topic('configUpdate', 'CAM001'), JSON.stringify(update), { qos: 2, retain: true });
      await client.publishAsync(tree.topic('healthRequest', 'CAM002'), JSON.stringify({ message_id: 'hr-1', timestamp: now(), camera_id: 'CAM002' }), { qos: 0 });
      const count = (kind: MessageKind) => seen.filter((m) => m.kind === kind).length;
      await waitUntil(() => count('detection') >= 90 && count('controlResponse') >= 6 && count('config') >= 1, 'the simulator output', 30_000);
      await sim.stop(0);
      await waitUntil(() => seen.some((m) => m.kind === 'health' && JSON.parse(m.payload).health_status === 'offline'), 'an offline health');
      await sleep(200);
    } finally {
      await sim.stop(0).catch(() => undefined);
      await client.endAsync();
    }

    const fromSim = seen.filter((m) => !['control', 'configUpdate', 'healthRequest'].includes(m.kind));
    const kinds = new Set(fromSim.map((m) => m.kind));
    for (const kind of ['detection', 'health', 'config', 'configRequest', 'controlResponse'] as MessageKind[]) assert.ok(kinds.has(kind), `no ${kind} seen`);
    const statuses = new Set(fromSim.filter((m) => m.kind === 'controlResponse').map((m) => JSON.parse(m.payload).status));
    assert.ok(statuses.size >= 2, `control responses: ${[...statuses].join(', ')}`);
    const thai = fromSim.some((m) => m.kind === 'detection' && /[\u0E00-\u0E7F]/.test(m.payload));
    assert.ok(thai, 'no Thai plate seen');
    for (const m of fromSim) {
      assert.equal(ajvProblems(schemaNameOf(m.kind), JSON.parse(m.payload)), null, `${m.topic}: ${m.payload.slice(0, 400)}`);
    }
  });
});
