/**
 * One run of the ack-path scenario, in its own process: lpr-detection-in's hot path without
 * Node-RED (BrokerConnection → DetectionIntake → detectionMessages → HandoverQueue → the ack's
 * publish, as src/nodes/lpr-detection-in.ts wires them) draining a persistent session of N queued
 * detections. `src` is the source tree to load (this one, or another's for before/after); the ack
 * goes out through publishNoWait where that tree has it, else through publish().catch() as before.
 * The clock and the CPU time run from the first message to the N-th. Prints one JSON line.
 * argv: url clientId ack(1|0) n src
 */
import path from 'node:path';

const [url, clientId, ackArg, nArg, srcArg] = process.argv.slice(2);
const ACK = ackArg === '1';
const N = Number(nArg);
const src = path.resolve(srcArg!);

async function main() {
  const { BrokerConnection } = (await import(path.join(src, 'runtime/broker-connection.ts'))) as typeof import('../../src/runtime/broker-connection');
  const { DetectionIntake, detectionMessages, readDetectionInSettings } = (await import(path.join(src, 'runtime/detection-intake.ts'))) as typeof import('../../src/runtime/detection-intake');
  const { HandoverQueue } = (await import(path.join(src, 'runtime/handover-queue.ts'))) as typeof import('../../src/runtime/handover-queue');
  const { TopicTree, POLICY } = (await import(path.join(src, 'protocol/index.ts'))) as typeof import('../../src/protocol');
  type Ack = import('../../src/protocol').Ack;
  const topics = new TopicTree('lprserver');
  const connection = new BrokerConnection({ url: url!, protocolVersion: 4, clientId: clientId!, clean: false, sessionExpiry: 3600, keepalive: 30, reconnectPeriodMs: 500, connectTimeoutMs: 10_000, queueLimit: 100_000 });
  // As the bench's flows set lpr-detection-in: the rate limit out of reach.
  const intake = new DetectionIntake(topics, readDetectionInSettings({ ack: ACK, rateLimit: 0 }));
  const ackOptions = { qos: POLICY.detectionAck.qos, retain: POLICY.detectionAck.retain };
  // Built per ack, as the node does.
  const ackTopic = (cameraId: string) => topics.topic('detectionAck', cameraId);
  let failed = 0;
  const noWait = typeof (connection as { publishNoWait?: unknown }).publishNoWait === 'function';
  const onError = () => failed++;
  const publishAck = noWait
    ? (ack: Ack) => connection.publishNoWait(ackTopic(ack.camera_id), JSON.stringify(ack), ackOptions, onError)
    : (ack: Ack) => void connection.publish(ackTopic(ack.camera_id), JSON.stringify(ack), { qos: POLICY.detectionAck.qos, retain: POLICY.detectionAck.retain }).catch(() => failed++);
  const handover = new HandoverQueue<Ack>(({ ack }) => {
    if (ack) publishAck(ack);
  });
  let count = 0;
  let t0 = 0;
  let cpu0: NodeJS.CpuUsage | null = null;
  let done!: (r: { ms: number; cpu: NodeJS.CpuUsage }) => void;
  const finished = new Promise<{ ms: number; cpu: NodeJS.CpuUsage }>((resolve) => (done = resolve));
  // Stands in for Node-RED's delivery of node.send(): the outputs handed over on a later turn.
  let sink = 0;
  connection.subscribe('lprserver/cameras/+/detection', 1, (topic, payload) => {
    if (count === 0) {
      t0 = performance.now();
      cpu0 = process.cpuUsage();
    }
    const receivedAt = Date.now();
    const result = intake.handle(topic, payload, receivedAt);
    if (result.kind === 'detection') {
      const msgs = detectionMessages(topic, result.detection, receivedAt, false);
      sink += msgs.length;
      handover.add(result.ack, { cameraId: result.cameraId, messageId: result.detection.message_id }, receivedAt);
    }
    if (++count === N) done({ ms: performance.now() - t0, cpu: process.cpuUsage(cpu0!) });
  });
  global.gc?.();
  connection.start();
  const timeout = setTimeout(() => {
    console.error(`timed out: ${count} of ${N}`);
    process.exit(1);
  }, 300_000);
  const { ms, cpu } = await finished;
  clearTimeout(timeout);
  // Let the last acks out and the session's PUBACKs reach the broker before the next run.
  await new Promise((r) => setTimeout(r, 300));
  const cores = (cpu.user + cpu.system) / 1000 / ms;
  process.stdout.write(JSON.stringify({ ack: ACK, noWait, n: N, seconds: ms / 1000, rate: ((N - 1) * 1000) / ms, cpuCores: cores, failed, sink, accepted: intake.counts.accepted }) + '\n');
  await connection.close();
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
