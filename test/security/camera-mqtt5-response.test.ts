/**
 * The edge honours MQTT 5 request/response (issue 18 item 3), through the ACL lpr-mosquitto
 * generates: lpr-camera answers a command on the command's response topic with its correlation
 * data when they are given, and on `control/response` otherwise (an MQTT 3.1.1 requester, or a
 * response topic it must not use). The requesters are plain MQTT.js clients, not our nodes.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { startProvisionedMosquitto, type ProvisionedMosquitto } from '../fixtures/provisioned-mosquitto';
import { sleep, waitUntil } from '../fixtures/wait';
import { helper, useHelperServer } from '../nodes/harness';

/* eslint-disable @typescript-eslint/no-require-imports */
const NODES = [require('../../dist/lpr-broker.js'), require('../../dist/lpr-camera.js'), require('@node-red/nodes/core/function/15-change.js')];
/* eslint-enable @typescript-eslint/no-require-imports */

const ROOT = 'lprserver';
const A = 'CAM-A';
const CONTROL = `${ROOT}/cameras/${A}/control`;
const RESPONSE = `${ROOT}/cameras/${A}/control/response`;

interface Got {
  topic: string;
  payload: any;
  correlation: string | null;
}

function control(id: string): string {
  return JSON.stringify({ message_id: id, timestamp: new Date().toISOString(), camera_id: A, command: 'restart_camera', parameters: {} });
}

describe('security: lpr-camera answers MQTT 5 requests on their response topic', function () {
  this.timeout(30_000);
  let broker: ProvisionedMosquitto;
  const raw: MqttClient[] = [];

  before(async () => {
    broker = await startProvisionedMosquitto({ cameras: [A], serverUsers: [{ username: 'lprserver' }, { username: 'req5' }, { username: 'req4' }] });
  });
  after(async () => {
    await broker?.stop();
  });
  useHelperServer();
  afterEach(() => {
    for (const c of raw.splice(0)) c.end(true);
  });

  async function requester(user: string, protocolVersion: 4 | 5): Promise<{ client: MqttClient; got: Got[] }> {
    const options: IClientOptions = { username: user, password: broker.credentials.get(user)!, clientId: user, reconnectPeriod: 0, clean: true, protocolVersion };
    const client = await mqtt.connectAsync(broker.url, options);
    raw.push(client);
    const got: Got[] = [];
    client.on('message', (topic, payload, packet) => {
      const c = packet.properties?.correlationData;
      got.push({ topic, payload: JSON.parse(payload.toString()), correlation: c ? Buffer.from(c).toString() : null });
    });
    return { client, got };
  }

  async function loadCamera(): Promise<any> {
    await helper.load(
      NODES,
      [
        {
          id: 'edge', type: 'lpr-broker', broker: '127.0.0.1', port: broker.port, protocolVersion: 5, clientId: A, cleanSession: true, sessionExpiry: 0,
          keepalive: 60, reconnectPeriod: 0.2, connectTimeout: 5, topicRoot: ROOT, usetls: false, birth: true, queueLimit: 1000,
        },
        { id: 'cam', type: 'lpr-camera', broker: 'edge', camera: A, checkpoint: 'CP001', persist: false, requestConfig: false, ackTimeout: 30, wires: [['answer'], []] },
        // The flow answers every command with success (msg.lpr names the command: request_id is filled).
        {
          id: 'answer', type: 'change', wires: [['cam']],
          rules: [
            { t: 'set', p: 'topic', pt: 'msg', to: 'control/response', tot: 'str' },
            { t: 'set', p: 'payload', pt: 'msg', to: '{"status":"success"}', tot: 'json' },
          ],
        },
      ],
      { edge: { user: A, password: broker.credentials.get(A)! } },
    );
    const conn = (helper.getNode('edge') as any).connection;
    await waitUntil(() => conn.connected && [...conn.subs.values()].every((s: any) => s.active), 'camera connected and subscribed');
    return conn;
  }

  it('a generic MQTT 5 requester gets its answer on its response topic with its correlation data; an MQTT 3.1.1 requester on control/response', async () => {
    await loadCamera();
    const v5 = await requester('req5', 5);
    const v4 = await requester('req4', 4);
    const mine = `${RESPONSE}/req5-${randomUUID()}`;
    await v5.client.subscribeAsync(mine, { qos: 2 });
    await v4.client.subscribeAsync(RESPONSE, { qos: 2 });

    const id5 = randomUUID();
    await v5.client.publishAsync(CONTROL, control(id5), { qos: 2, properties: { responseTopic: mine, correlationData: Buffer.from('corr-42') } });
    await waitUntil(() => v5.got.length === 1, 'the answer on the MQTT 5 requester\'s response topic');
    assert.equal(v5.got[0]!.topic, mine);
    assert.equal(v5.got[0]!.correlation, 'corr-42', 'its correlation data, as sent');
    assert.equal(v5.got[0]!.payload.request_id, id5);
    assert.equal(v5.got[0]!.payload.status, 'success');

    const id4 = randomUUID();
    await v4.client.publishAsync(CONTROL, control(id4), { qos: 2 });
    await waitUntil(() => v4.got.length >= 1, 'the answer to the MQTT 3.1.1 requester on control/response');
    await sleep(300);
    assert.deepEqual(v4.got.map((g) => g.payload.request_id), [id4], 'control/response carries the 3.1.1 answer only');
    assert.equal(v5.got.length, 1);
  });

  it('a response topic the camera must not use (a wildcard, another protocol topic) is answered on control/response, and the camera stays connected', async () => {
    const conn = await loadCamera();
    const v5 = await requester('req5', 5);
    await v5.client.subscribeAsync(`${ROOT}/#`, { qos: 2 });
    const wild = randomUUID();
    await v5.client.publishAsync(CONTROL, control(wild), { qos: 2, properties: { responseTopic: `${RESPONSE}/+`, correlationData: Buffer.from('w') } });
    const detection = randomUUID();
    await v5.client.publishAsync(CONTROL, control(detection), { qos: 2, properties: { responseTopic: `${ROOT}/cameras/${A}/detection`, correlationData: Buffer.from('d') } });
    await waitUntil(() => v5.got.filter((g) => g.topic === RESPONSE).length === 2, 'both answered on control/response');
    await sleep(300);
    const responses = v5.got.filter((g) => g.payload.request_id);
    assert.deepEqual(responses.map((g) => g.topic), [RESPONSE, RESPONSE], 'nothing on the topics it named');
    assert.equal(conn.connected, true, 'no poison loop: a publish on a wildcard topic would have the broker drop the camera');
  });
});
