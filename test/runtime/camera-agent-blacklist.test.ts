/**
 * CameraAgent with `blacklist` on a real Mosquitto: it asks for the list on connect, takes the
 * answer on its own cameras/{id}/blacklist and shared updates on blacklist/updates, ignores another
 * camera's answer, and asks again while no answer comes (a request the server dropped).
 */
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { encodeMessage, POLICY, TopicTree, type MessageOf } from '../../src/protocol';
import { CameraAgent, type OutboundKind } from '../../src/edge/camera-agent';
import { BrokerConnection } from '../../src/runtime/broker-connection';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { sleep, waitUntil } from '../fixtures/wait';

const ROOT = 'lprserver';
const update = (action: string, plates: string[]) =>
  JSON.stringify({ message_id: `u-${Math.random()}`, timestamp: new Date().toISOString(), action, entries: plates.map((plate_number) => ({ plate_number })) });

describe('CameraAgent: the watch list (real Mosquitto)', function () {
  this.timeout(20_000);
  let mosquitto: Mosquitto;
  before(async () => {
    mosquitto = await startMosquitto();
  });
  after(async () => {
    await mosquitto?.stop();
  });

  it('requests on connect, retries until answered, and takes only its own answer and the shared updates', async () => {
    const server = await mqtt.connectAsync(mosquitto.url, { clientId: 'list-server' });
    const requests: any[] = [];
    server.on('message', (_t, p) => requests.push(JSON.parse(p.toString())));
    await server.subscribeAsync(`${ROOT}/blacklist/request`, { qos: 1 });

    const topics = new TopicTree(ROOT);
    const connection = new BrokerConnection({
      url: mosquitto.url, protocolVersion: 4, clientId: 'agent-cam', clean: true, sessionExpiry: 0, keepalive: 30,
      reconnectPeriodMs: 300, maxReconnectDelayMs: 2000, connectTimeoutMs: 3000, queueLimit: 1000, lingerMs: 0,
    });
    const publish = <K extends OutboundKind | 'configRequest' | 'blacklistRequest' | 'blacklistEdgeNotification'>(kind: K, message: MessageOf<K>) =>
      connection.publish(topics.topic(kind, 'CAM7'), encodeMessage(kind, message), { qos: POLICY[kind].qos, retain: POLICY[kind].retain });
    const agent = new CameraAgent(
      { topics, connection, publish },
      { cameraId: 'CAM7', checkpointId: null, awaitAck: false, requestConfig: false, ackTimeoutMs: 10_000, bufferSize: 10, overflow: 'drop-oldest', file: null, blacklist: true, blacklistRetryMs: 300 },
    );
    const got: Array<{ kind: string; plates: string[] }> = [];
    agent.on('blacklist', (u, kind) => got.push({ kind, plates: u.entries.map((e) => e.plate_number) }));
    try {
      agent.start();
      connection.start();
      // The first request goes unanswered (as if dropped by the server's limit): it asks again.
      await waitUntil(() => requests.length >= 2, 'a second request after 300 ms without an answer');
      assert.deepEqual(requests.map((r) => r.camera_id), ['CAM7', 'CAM7']);
      await server.publishAsync(`${ROOT}/cameras/OTHER/blacklist`, update('replace', ['NOTMINE']), { qos: 1 });
      await server.publishAsync(`${ROOT}/cameras/CAM7/blacklist`, update('replace', ['A1', 'B2']), { qos: 1 });
      await server.publishAsync(`${ROOT}/blacklist/updates`, update('add', ['C3']), { qos: 1 });
      await waitUntil(() => got.length === 2, 'the answer and the shared update');
      assert.deepEqual(got, [
        { kind: 'blacklistAnswer', plates: ['A1', 'B2'] },
        { kind: 'blacklistUpdates', plates: ['C3'] },
      ]);
      const asked = requests.length;
      await sleep(1500);
      assert.equal(requests.length, asked, 'answered: no more requests');
      assert.equal(agent.counts.blacklists, 2);
    } finally {
      agent.stop();
      await connection.close();
      await server.endAsync();
    }
  });
});
