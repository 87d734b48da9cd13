/**
 * Dedupe across a server restart, shown deterministically: a camera resend whose first copy the
 * old runtime emitted, and whose ack never reached the camera (camera offline with a clean session
 * when it was sent), must not come out again from the restarted runtime. lpr-detection-in journals
 * its dedupe window in the userDir (src/runtime/dedupe-journal.ts): rewritten on a graceful stop,
 * appended within a second of each detection, so a crash loses at most the last second of ids.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { sleep, waitUntil } from '../fixtures/wait';
import { createServerHost, type ServerHost } from './server-host';
import { detectionBody, waitServerReady } from './stream';

const CAMERA = 'BLIP001';
const TOPIC = `lprserver/cameras/${CAMERA}/detection`;

describe('reliability: dedupe across a server restart', function () {
  this.timeout(90_000);
  let mosquitto: Mosquitto;
  let server: ServerHost;

  before(async () => {
    mosquitto = await startMosquitto({ persistence: true });
    server = await createServerHost({ mqttPort: mosquitto.port, clientId: 'rel-dedupe-server', cleanSession: false, dedupe: 300 });
    await server.start();
    await waitServerReady(mosquitto, server);
  });
  after(async () => {
    await server?.dispose();
    await mosquitto?.stop();
  });

  /** Emitted copies of `id` so far. */
  const outputsOf = (id: string) => server.counts().perCamera.get(CAMERA)?.get(id) ?? 0;

  /** Connects as the camera (clean session), publishes `detection` QoS 1, resolves with the ack status if `waitAck`. */
  async function publishAsCamera(detection: Record<string, unknown>, waitAck: boolean): Promise<string | null> {
    const client = await mqtt.connectAsync(mosquitto.url, { clientId: `rel-blip-${randomUUID().slice(0, 8)}`, clean: true, reconnectPeriod: 0 });
    try {
      let acked: string | null = null;
      if (waitAck) {
        client.on('message', (_t, payload) => {
          const ack = JSON.parse(payload.toString());
          if (ack.ack_id === detection.message_id) acked = ack.status;
        });
        await client.subscribeAsync(`${TOPIC}/ack`, { qos: 1 });
      }
      await client.publishAsync(TOPIC, JSON.stringify(detection), { qos: 1 });
      if (waitAck) await waitUntil(() => acked !== null, 'the ack');
      return acked;
    } finally {
      // Gone before the server's ack arrives when not waiting for it: with a clean session the broker drops the ack.
      await client.endAsync(true);
    }
  }

  it('a resend within the window is suppressed, by the same runtime and by a restarted one, when its ack was lost', async () => {
    const detection = { ...detectionBody('BLIP1'), message_id: randomUUID(), timestamp: new Date().toISOString(), camera_id: CAMERA };
    // 1. The camera publishes and drops off before the ack comes back: the ack is lost.
    await publishAsCamera(detection, false);
    await waitUntil(() => outputsOf(detection.message_id) === 1, 'the first output');
    // 2. It resends (same message_id): the running server acks it again and does not emit it.
    assert.equal(await publishAsCamera(detection, true), 'received');
    await sleep(500);
    assert.equal(outputsOf(detection.message_id), 1, 'suppressed by the dedupe window of the same runtime');
    // 3. The server restarts (graceful), then the camera resends once more: the journal carries
    //    the window over, so it is acked and not emitted.
    await server.stop();
    await server.start();
    await waitServerReady(mosquitto, server);
    assert.equal(await publishAsCamera(detection, true), 'received');
    await sleep(500);
    assert.equal(outputsOf(detection.message_id), 1, 'suppressed after a graceful restart');
    // 4. A crash (SIGKILL) more than a journal flush after the detection: suppressed too.
    const second = { ...detectionBody('BLIP2'), message_id: randomUUID(), timestamp: new Date().toISOString(), camera_id: CAMERA };
    await publishAsCamera(second, false);
    await waitUntil(() => outputsOf(second.message_id) === 1, 'the second detection');
    await sleep(1500);
    await server.kill();
    await server.start();
    await waitServerReady(mosquitto, server);
    assert.equal(await publishAsCamera(second, true), 'received');
    assert.equal(await publishAsCamera(detection, true), 'received');
    await sleep(500);
    const copies = [outputsOf(detection.message_id), outputsOf(second.message_id)];
    console.log(`    dedupe across restarts: outputs per detection after a graceful restart and a SIGKILL: ${copies.join(', ')}`);
    assert.deepEqual(copies, [1, 1], 'suppressed after a crash');
  });
});
