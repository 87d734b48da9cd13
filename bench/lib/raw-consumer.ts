/**
 * Contender (a) of the drain scenario, in its own process: a bare MQTT.js client resuming a
 * persistent session and doing `JSON.parse` on each message, as hand-written integration code
 * would. Prints one JSON line (the same fields as bench-counter) when the target count is reached.
 * With `ack`, it also publishes a small QoS 1 ack per message (as lpr-detection-in with ack on
 * does), to tell the cost of acking in MQTT.js and the broker from that of our node.
 * argv: url clientId target timeoutMs [ack]
 */
import mqtt from 'mqtt';

const [url, clientId, targetArg, timeoutArg, ackArg] = process.argv.slice(2);
const ack = ackArg === 'ack';
const target = Number(targetArg);
const now = () => performance.timeOrigin + performance.now();
let count = 0;
let first = 0;
let cpuFirst: NodeJS.CpuUsage | null = null;
let parsedOk = 0;

const client = mqtt.connect(url!, { clientId: clientId!, clean: false, protocolVersion: 4, reconnectPeriod: 0 });
let finished = false;
const finish = (code: number, atTarget: number, cpuAtTarget: NodeJS.CpuUsage | null) => {
  if (finished) return;
  finished = true;
  process.stdout.write(JSON.stringify({ count, first, atTarget, cpuFirst, cpuAtTarget, parsedOk, rssBytes: process.memoryUsage().rss }) + '\n');
  // Let MQTT.js send the last PUBACKs, so the session is empty when the next round starts.
  client.end(false, {}, () => process.exit(code));
  setTimeout(() => process.exit(code), 2000).unref();
};
const timer = setTimeout(() => finish(1, 0, null), Number(timeoutArg) || 120_000);
client.on('message', (_topic: string, payload: Buffer) => {
  const t = now();
  if (count === 0) {
    first = t;
    cpuFirst = process.cpuUsage();
    // Tells the bench the drain has begun (it samples the broker's CPU from here).
    process.stdout.write('first\n');
  }
  count++;
  const data = JSON.parse(payload.toString());
  if (data && typeof data.message_id === 'string') parsedOk++;
  if (ack) {
    const body = JSON.stringify({ message_id: data.message_id, ack_id: data.message_id, camera_id: data.camera_id, status: 'received', timestamp: new Date().toISOString() });
    client.publish(`${_topic}/ack`, body, { qos: 1 });
  }
  if (count === target) {
    clearTimeout(timer);
    finish(0, t, process.cpuUsage());
  }
});
client.on('error', (err) => {
  if (finished) return;
  console.error(err.message);
  finish(1, 0, null);
});
