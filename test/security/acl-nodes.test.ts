/**
 * The generated ACL with the package's own nodes on both sides, in one Node-RED: lpr-camera logged
 * in as its camera id publishes detections (acked through the ACL) and answers control; an
 * lpr-camera claiming to be CAM-B with CAM-C's login reaches nothing.
 */
import assert from 'node:assert/strict';
import { startProvisionedMosquitto, type ProvisionedMosquitto } from '../fixtures/provisioned-mosquitto';
import { detection } from '../fixtures/samples';
import { sleep, waitUntil } from '../fixtures/wait';
import { collect, helper, useHelperServer } from '../nodes/harness';

/* eslint-disable @typescript-eslint/no-require-imports */
const nodes = [
  require('../../dist/lpr-broker.js'),
  require('../../dist/lpr-camera.js'),
  require('../../dist/lpr-detection-in.js'),
  require('../../dist/lpr-camera-control.js'),
  require('@node-red/nodes/core/function/15-change.js'),
];

const A = 'CAM-A';
const B = 'CAM-B';
const C = 'CAM-C';

function brokerProps(id: string, port: number, clientId: string) {
  return {
    id, type: 'lpr-broker', broker: '127.0.0.1', port, protocolVersion: 4, clientId, cleanSession: true, sessionExpiry: 0, keepalive: 60,
    reconnectPeriod: 0.2, connectTimeout: 5, topicRoot: 'lprserver', usetls: false, birth: true, queueLimit: 1000,
  };
}

describe('security: lpr-camera and the server nodes through the generated ACL', function () {
  this.timeout(30_000);
  let broker: ProvisionedMosquitto;

  before(async () => {
    broker = await startProvisionedMosquitto({ cameras: [A, B, C] });
  });
  after(async () => {
    await broker?.stop();
  });
  useHelperServer();

  function flow() {
    return [
      brokerProps('server', broker.port, 'acl-server'),
      { id: 'in', type: 'lpr-detection-in', broker: 'server', camera: '', sharedGroup: '', ack: true, dedupe: 300, dedupeSize: 1000, split: false, maxBytes: 262144, wires: [['out']] },
      { id: 'out', type: 'helper' },
      { id: 'ctl', type: 'lpr-camera-control', broker: 'server', camera: '', command: '', timeout: 5, priority: '', wires: [['responses'], ['failures']] },
      { id: 'responses', type: 'helper' },
      { id: 'failures', type: 'helper' },
      // Camera A, logged in as CAM-A: answers every command with success.
      brokerProps('edgeA', broker.port, 'acl-edge-a'),
      { id: 'camA', type: 'lpr-camera', broker: 'edgeA', camera: A, checkpoint: 'CP001', persist: false, requestConfig: true, ackTimeout: 30, wires: [['answer'], []] },
      {
        id: 'answer', type: 'change', wires: [['camA']],
        rules: [
          { t: 'set', p: 'topic', pt: 'msg', to: 'control/response', tot: 'str' },
          { t: 'set', p: 'payload', pt: 'msg', to: '{"status":"success"}', tot: 'json' },
        ],
      },
      // A camera node that says it is CAM-B but logs in as CAM-C (its own login: with the default
      // use_username_as_clientid a second CAM-A connection would throw the real CAM-A off).
      brokerProps('edgeFake', broker.port, 'acl-edge-fake'),
      { id: 'camFake', type: 'lpr-camera', broker: 'edgeFake', camera: B, checkpoint: 'CP001', persist: false, requestConfig: true, ackTimeout: 30, wires: [[], []] },
    ];
  }
  const credentials = () => ({
    server: { user: 'lprserver', password: broker.credentials.get('lprserver')! },
    edgeA: { user: A, password: broker.credentials.get(A)! },
    edgeFake: { user: C, password: broker.credentials.get(C)! },
  });

  it('camera A\'s detections arrive and are acked, control round-trips; the fake CAM-B reaches nothing', async () => {
    await helper.load(nodes, flow(), credentials());
    const out = collect('out');
    const responses = collect('responses');
    const brokers = ['server', 'edgeA', 'edgeFake'].map((id) => helper.getNode(id) as any);
    await waitUntil(() => brokers.every((b) => b.connection.connected), 'three connections accepted (the camera wills pass the ACL)');
    await sleep(300); // the subscriptions
    const camA = helper.getNode('camA') as any;
    const camFake = helper.getNode('camFake') as any;
    for (let i = 0; i < 20; i++) {
      camA.receive({ topic: 'detection', payload: detection(A, `a-${i}`) });
      camFake.receive({ topic: 'detection', payload: detection(B, `fake-${i}`) });
    }
    await waitUntil(() => out.length === 20 && camA.lprAgent.metrics.acked === 20, '20 detections from A delivered and acked');
    helper.getNode('ctl').receive({ camera: A, payload: { command: 'restart_camera', parameters: {} } });
    await waitUntil(() => responses.length === 1, 'the control response from A');
    assert.equal(responses[0].payload.status, 'success');
    await sleep(500);
    assert.deepEqual(out.map((m) => m.payload.message_id).sort(), Array.from({ length: 20 }, (_, i) => `a-${i}`).sort());
    assert.ok(out.every((m) => m.lpr.cameraId === A), 'nothing from the fake CAM-B reached the flow');
    assert.equal(camFake.lprAgent.metrics.acked, 0);
    assert.equal(camFake.lprAgent.metrics.pending, 20, 'the fake camera\'s detections stay unacknowledged');
  });
});
