/**
 * CameraAgent images on a real Mosquitto: an image queued while the link is down goes out before
 * its detection once it is up; the images held are bounded in bytes (the oldest let go, their
 * detections still delivered); each resend of a detection is preceded by its image until it is acked.
 */
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { encodeMessage, IMAGE_POLICY, POLICY, TopicTree, type MessageOf } from '../../src/protocol';
import { CameraAgent, type OutboundKind } from '../../src/edge/camera-agent';
import { BrokerConnection } from '../../src/runtime/broker-connection';
import { fakeJpeg } from '../fixtures/jpeg';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { sleep, waitUntil } from '../fixtures/wait';

const ROOT = 'lprserver';

function detection(id: string): Record<string, unknown> {
  return {
    message_id: id,
    detection_data: { vehicles_count: 0, plates_count: 1, processing_time_ms: 1, confidence_score: 0.9, detection_type: 'lpr', vehicles: [], plates: [{ plate_index: 0, plate_number: 'AB1234', confidence: 0.9 }] },
  };
}

describe('CameraAgent: detection images (real Mosquitto)', function () {
  this.timeout(20_000);
  let mosquitto: Mosquitto;
  before(async () => {
    mosquitto = await startMosquitto();
  });
  after(async () => {
    await mosquitto?.stop();
  });

  async function setup(options: { imageBufferBytes?: number; ackTimeoutMs?: number } = {}) {
    const spy = await mqtt.connectAsync(mosquitto.url, { clientId: `spy-${Math.random().toString(16).slice(2)}` });
    const seen: Array<{ topic: string; size: number }> = [];
    spy.on('message', (topic, payload) => seen.push({ topic: topic.slice(`${ROOT}/cameras/CAM9/`.length), size: payload.length }));
    await spy.subscribeAsync(`${ROOT}/cameras/CAM9/#`, { qos: 1 });
    const topics = new TopicTree(ROOT);
    const connection = new BrokerConnection({
      url: mosquitto.url, protocolVersion: 4, clientId: `cam9-${Math.random().toString(16).slice(2)}`, clean: true, sessionExpiry: 0, keepalive: 30,
      reconnectPeriodMs: 300, maxReconnectDelayMs: 2000, connectTimeoutMs: 3000, queueLimit: 1000, lingerMs: 0,
    });
    const publish = <K extends OutboundKind | 'configRequest' | 'blacklistRequest' | 'blacklistEdgeNotification'>(kind: K, message: MessageOf<K>) =>
      connection.publish(topics.topic(kind, 'CAM9'), encodeMessage(kind, message), { qos: POLICY[kind].qos, retain: POLICY[kind].retain });
    const agent = new CameraAgent(
      { topics, connection, publish, publishImage: (id, jpeg) => connection.publish(topics.imageTopic('CAM9', id), jpeg, { qos: IMAGE_POLICY.qos, retain: false }) },
      { cameraId: 'CAM9', checkpointId: null, awaitAck: true, requestConfig: false, ackTimeoutMs: options.ackTimeoutMs ?? 10_000, bufferSize: 10, overflow: 'drop-oldest', file: null, ...(options.imageBufferBytes ? { imageBufferBytes: options.imageBufferBytes } : {}) },
    );
    const close = async () => {
      agent.stop();
      await connection.close();
      spy.end(true);
    };
    return { seen, agent, connection, close };
  }

  it('queued while offline: each image goes out just before its detection once the link is up', async () => {
    const { seen, agent, connection, close } = await setup();
    try {
      agent.start();
      agent.detection(detection('off-1'), fakeJpeg(3000));
      agent.detection(detection('off-2'), fakeJpeg(4000));
      agent.detection(detection('off-3'));
      assert.equal(agent.heldImageBytes, 7000);
      connection.start();
      await waitUntil(() => seen.filter((m) => m.topic === 'detection').length === 3, 'three detections');
      assert.deepEqual(
        seen.map((m) => `${m.topic}:${m.size > 1000 ? m.size : ''}`).filter((t) => !t.startsWith('health')),
        ['images/off-1:3000', 'detection:', 'images/off-2:4000', 'detection:', 'detection:'],
      );
      await waitUntil(() => agent.imageCounts.sent === 2, 'both images acknowledged by the broker');
      assert.equal(agent.imageCounts.dropped, 0);
      // Held until acked (nobody acks here): the next resend would carry them again.
      assert.equal(agent.heldImageBytes, 7000);
    } finally {
      await close();
    }
  });

  it('bounded: beyond imageBufferBytes the oldest waiting image is let go, its detection still goes', async () => {
    const { seen, agent, connection, close } = await setup({ imageBufferBytes: 10_000 });
    const dropped: string[] = [];
    agent.on('imageDropped', (id, reason) => dropped.push(`${id}:${reason}`));
    try {
      agent.start();
      for (let i = 1; i <= 4; i++) agent.detection(detection(`b-${i}`), fakeJpeg(4000));
      assert.ok(agent.heldImageBytes <= 10_000);
      assert.deepEqual(dropped, ['b-1:buffer-full', 'b-2:buffer-full']);
      // One image larger than the whole buffer is let go at once.
      agent.detection(detection('b-5'), fakeJpeg(10_001));
      assert.deepEqual(dropped.slice(2), ['b-5:buffer-full']);
      connection.start();
      await waitUntil(() => seen.filter((m) => m.topic === 'detection').length === 5, 'five detections');
      assert.deepEqual(seen.filter((m) => m.topic.startsWith('images/')).map((m) => m.topic), ['images/b-3', 'images/b-4']);
    } finally {
      await close();
    }
  });

  it('a detection resent for want of an ack is preceded by its image again (nobody may have had it); an ack lets it go', async () => {
    const { seen, agent, connection, close } = await setup({ ackTimeoutMs: 300 });
    try {
      agent.start();
      connection.start();
      await waitUntil(() => agent.outbox.isOnline, 'online');
      agent.detection(detection('r-1'), fakeJpeg(2000));
      await waitUntil(() => seen.filter((m) => m.topic === 'detection').length >= 3, 'the detection sent three times (nobody acks)');
      await sleep(100);
      const order = seen.map((m) => m.topic).filter((t) => t === 'detection' || t === 'images/r-1');
      // Each copy of the detection right after a copy of its image.
      for (let i = 0; i < order.length; i++) assert.equal(order[i], i % 2 === 0 ? 'images/r-1' : 'detection', order.join(' '));
      assert.equal(agent.heldImageBytes, 2000);
      agent.outbox.ack('r-1', 'received');
      assert.equal(agent.heldImageBytes, 0, 'let go once acked');
    } finally {
      await close();
    }
  });
});
