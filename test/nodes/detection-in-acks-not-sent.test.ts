/**
 * Acks the broker never confirmed, on an ordinary stop: a full deploy or a Node-RED restart while the
 * link is slow closes the connection with up to a window's worth (1,000) of acks in flight. Each is
 * reported, but as one warning with the count, not one warning per ack in the debug sidebar.
 */
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { startFreezeProxy, type FreezeProxy } from '../fixtures/freeze-proxy';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { detection } from '../fixtures/samples';
import { waitUntil } from '../fixtures/wait';
import { allNodes, brokerConfig, collect, detectionInConfig, helper, recordWarnings, useHelperServer, waitReady } from './harness';

describe('lpr-detection-in: acks left unconfirmed when the connection closes', function () {
  this.timeout(30_000);
  let mosquitto: Mosquitto;
  let proxy: FreezeProxy;

  before(async () => {
    mosquitto = await startMosquitto();
  });
  after(async () => {
    await mosquitto?.stop();
  });
  beforeEach(async () => {
    proxy = await startFreezeProxy(mosquitto.port);
  });
  afterEach(async () => {
    await proxy?.close();
  });
  useHelperServer();

  it('50 acks in flight at a close: one warning that counts them and names the first', async () => {
    const broker = { ...brokerConfig(mosquitto), port: proxy.port };
    await helper.load(allNodes, [broker, { ...detectionInConfig(), wires: [['out']] }, { id: 'out', type: 'helper' }]);
    const out = collect('out');
    await waitReady();
    // Node-RED still receives the detections; its acks never reach the broker. Sent at QoS 0, so that
    // Mosquitto's in-flight limit (20 unconfirmed QoS 1 deliveries) does not hold them back.
    proxy.freeze('up');
    const camera = await mqtt.connectAsync(`mqtt://127.0.0.1:${mosquitto.port}`, { clientId: 'acks-not-sent-cam' });
    try {
      for (let i = 0; i < 50; i++) await camera.publishAsync('lprserver/cameras/CAM001/detection', JSON.stringify(detection('CAM001', `unconfirmed-${i}`)), { qos: 0 });
    } finally {
      await camera.endAsync();
    }
    await waitUntil(() => out.length === 50, '50 detections delivered');
    const connection = (helper.getNode('broker') as any).connection;
    // The 50 acks (and the birth message before the freeze, long confirmed) handed to MQTT.js, none confirmed.
    await waitUntil(() => connection.queueSize >= 50, '50 acks handed to MQTT.js');
    assert.equal(connection.metrics.messagesFailed, 0);
    const notSent = recordWarnings('in');
    await helper.unload();
    assert.equal(connection.metrics.messagesFailed, 50);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(notSent.length, 1, `one warning, got ${notSent.length}: ${notSent.slice(0, 3).join(' | ')}`);
    assert.match(notSent[0]!, /50 acks not sent/);
    assert.match(notSent[0]!, /unconfirmed-0\b/);
    assert.match(notSent[0]!, /connection closed before the broker acknowledged/);
  });
});
