/**
 * The server nodes with lpr-camera as their peer, both in one Node-RED on two lpr-broker
 * connections: a command answered by the edge flow, and a config rolled out and reported back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { seedConfig } from '../fixtures/samples';
import { waitUntil } from '../fixtures/wait';
import { brokerConfig, collect, helper } from './harness';

/* eslint-disable @typescript-eslint/no-require-imports */
const nodes = [
  require('../../dist/lpr-broker.js'),
  require('../../dist/lpr-camera.js'),
  require('../../dist/lpr-camera-control.js'),
  require('../../dist/lpr-camera-config.js'),
  require('@node-red/nodes/core/function/15-change.js'),
];

describe('server nodes with lpr-camera as the peer', function () {
  let mosquitto: Mosquitto;
  let dir: string;

  before(async () => {
    mosquitto = await startMosquitto();
  });
  after(async () => {
    await mosquitto?.stop();
  });
  beforeEach((done) => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lpr-edge-'));
    helper.startServer(done);
  });
  afterEach(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  function flow() {
    return [
      brokerConfig(mosquitto, { id: 'server', clientId: 'rt-server' }),
      brokerConfig(mosquitto, { id: 'edge', clientId: 'rt-edge', birth: false }),
      // The edge: lpr-camera; its control output is answered by a change node wired back into it.
      { id: 'cam', type: 'lpr-camera', broker: 'edge', camera: 'CAM001', checkpoint: 'CP001', persist: false, requestConfig: true, wires: [['answer'], ['applied']] },
      {
        id: 'answer',
        type: 'change',
        rules: [
          { t: 'set', p: 'topic', pt: 'msg', to: 'control/response', tot: 'str' },
          { t: 'set', p: 'payload', pt: 'msg', to: '{"status":"success","result":{"done":true}}', tot: 'json' },
        ],
        wires: [['cam']],
      },
      { id: 'applied', type: 'helper' },
      // The server: a command node and a config node.
      { id: 'ctl', type: 'lpr-camera-control', broker: 'server', camera: '', command: '', timeout: 5, priority: '', wires: [['responses'], ['failures']] },
      { id: 'responses', type: 'helper' },
      { id: 'failures', type: 'helper' },
      { id: 'cfg', type: 'lpr-camera-config', broker: 'server', camera: '', configType: 'detection_settings', persist: true, file: path.join(dir, 'desired.json'), wires: [['reports'], ['published']] },
      { id: 'reports', type: 'helper' },
      { id: 'published', type: 'helper' },
    ];
  }

  it('answers a command from lpr-camera-control through the edge flow, correlated', async () => {
    await helper.load(nodes, flow());
    const responses = collect('responses');
    const failures = collect('failures');
    const server = helper.getNode('server') as any;
    await waitUntil(() => server.connection.connected && (helper.getNode('edge') as any).connection.connected, 'both connections');
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < 5; i++) helper.getNode('ctl').receive({ camera: 'CAM001', payload: { command: 'restart_camera', parameters: { delay_seconds: i } } });
    await waitUntil(() => responses.length === 5, 'five responses', 10_000);
    assert.equal(failures.length, 0);
    for (const r of responses) {
      assert.equal(r.payload.status, 'success');
      assert.equal(r.payload.request_id, r.request.message_id);
      assert.equal(r.payload.camera_id, 'CAM001');
      assert.ok(r.lpr.rttMs >= 0);
    }
    assert.deepEqual(responses.map((r) => r.request.parameters.delay_seconds).sort(), [0, 1, 2, 3, 4]);
  });

  it('rolls a config out to lpr-camera, which outputs it; the reported config comes back in sync, then drifted', async () => {
    await helper.load(nodes, flow());
    const applied = collect('applied');
    const reports = collect('reports');
    const server = helper.getNode('server') as any;
    await waitUntil(() => server.connection.connected && (helper.getNode('edge') as any).connection.connected, 'both connections');
    await new Promise((r) => setTimeout(r, 300));
    const desired = seedConfig().config_data;
    helper.getNode('cfg').receive({ camera: 'CAM001', payload: desired });
    await waitUntil(() => applied.some((m) => m.payload.config_data?.detection_interval === 1000), 'the config update at the camera');
    // The camera reports what it runs: first exactly what was asked, then with one field changed.
    helper.getNode('cam').receive({ topic: 'config', payload: { config_type: 'detection_settings', config_data: desired } });
    await waitUntil(() => reports.length === 1, 'an in-sync report');
    assert.equal(reports[0].payload.status, 'in_sync');
    helper.getNode('cam').receive({ topic: 'config', payload: { config_type: 'detection_settings', config_data: { ...desired, confidence_threshold: 0.5 } } });
    await waitUntil(() => reports.length === 2, 'a drift report');
    assert.equal(reports[1].payload.status, 'drifted');
    assert.deepEqual(reports[1].payload.diff.map((d: any) => [d.path, d.desired, d.reported]), [['config_data.confidence_threshold', 0.8, 0.5]]);
  });
});
