/**
 * The server side of the camera-acks scenario, in its own process: a bare MQTT.js client that
 * answers every detection with a `received` ack (QoS 1, the protocol's), as lpr-detection-in does,
 * at a cost far below the camera's, so the camera is what is measured (it subscribes at QoS 0, so
 * that Mosquitto's window of 20 in flight per client does not hold it back). Prints `ready` once
 * subscribed, then runs until killed.
 * argv: url filter
 */
import mqtt from 'mqtt';

const [url, filter] = process.argv.slice(2);
const client = mqtt.connect(url!, { clientId: `acker-${process.pid}`, clean: true, protocolVersion: 4, reconnectPeriod: 0 });
let n = 0;
const prefix = `${process.pid.toString(16).padStart(8, '0')}-0000-4000-8000-`;
client.on('connect', () => client.subscribe(filter!, { qos: 0 }, () => process.stdout.write('ready\n')));
client.on('message', (topic: string, payload: Buffer) => {
  const text = payload.toString();
  // The two ids a camera needs, without parsing the whole detection (cheap on this side on purpose).
  const id = /"message_id":"([^"]+)"/.exec(text)?.[1];
  const camera = /"camera_id":"([^"]+)"/.exec(text)?.[1];
  if (!id || !camera) return;
  const ack = `{"message_id":"${prefix}${(++n).toString(16).padStart(12, '0')}","timestamp":"${new Date().toISOString()}","camera_id":"${camera}","ack_id":"${id}","status":"received"}`;
  client.publish(`${topic}/ack`, ack, { qos: 1 });
});
client.on('error', (err) => {
  console.error(err.message);
  process.exit(1);
});
