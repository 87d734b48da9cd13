/**
 * One run of the camera-acks scenario, in its own process: an edge camera (CameraAgent on its own
 * BrokerConnection, publishing through encodeMessage as lpr-camera's broker does) takes N
 * detections from the flow as fast as it lets them in (at most `window` waiting in the outbox,
 * 100 per event-loop turn) and settles them: on the server's ack (`awaitAck`, the default) or on
 * the broker's PUBACK (acks off). The clock runs from the first detection to the last settled.
 * `src` is the source tree to load (this one, or another build's for before/after). Prints one JSON line.
 * argv: url mode(ack|noack) n window src
 */
import path from 'node:path';
import { DetectionFactory } from './detections';

const [url, mode, nArg, windowArg, srcArg] = process.argv.slice(2);
const N = Number(nArg);
const WINDOW = Number(windowArg);
const src = path.resolve(srcArg!);

async function main() {
  const { BrokerConnection } = (await import(path.join(src, 'runtime/broker-connection.ts'))) as typeof import('../../src/runtime/broker-connection');
  const { CameraAgent } = (await import(path.join(src, 'edge/camera-agent.ts'))) as typeof import('../../src/edge/camera-agent');
  const protocol = (await import(path.join(src, 'protocol/index.ts'))) as typeof import('../../src/protocol');
  const cameraId = 'CAM001';
  const topics = new protocol.TopicTree('lprserver');
  const connection = new BrokerConnection({ url: url!, protocolVersion: 4, clientId: `camera-${mode}-${process.pid}`, clean: true, sessionExpiry: 0, keepalive: 30, reconnectPeriodMs: 500, connectTimeoutMs: 10_000, queueLimit: 100_000 });
  const agent = new CameraAgent(
    {
      topics,
      connection,
      publish: (kind, message) => {
        const entry = protocol.POLICY[kind];
        return connection.publish(topics.topic(kind, cameraId), protocol.encodeMessage(kind, message), { qos: entry.qos, retain: entry.retain });
      },
    },
    { cameraId, checkpointId: 'CP001', awaitAck: mode === 'ack', requestConfig: false, ackTimeoutMs: 30_000, bufferSize: WINDOW * 2, overflow: 'reject-new', file: null },
  );
  // Bodies made beforehand (one camera), so the run measures the camera, not the generator.
  const factory = new DetectionFactory(1);
  const bodies = Array.from({ length: N }, () => factory.make().body);
  const online = new Promise<void>((resolve) => agent.once('online', () => resolve()));
  agent.start();
  connection.start();
  await online;
  // Subscribed (the ack topic) before the first detection goes out.
  await new Promise((r) => setTimeout(r, 300));
  global.gc?.();
  let settled = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  agent.outbox.on('acked', () => {
    if (++settled === N) done();
  });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  // The profiler's clock (for bench/lib/profile-summary's window when run under --cpu-prof).
  const hrFirstUs = Number(process.hrtime.bigint() / 1000n);
  let next = 0;
  const feed = () => {
    for (let i = 0; i < 100 && next < N && agent.outbox.size < WINDOW; i++) agent.detection(bodies[next++]);
    if (next < N) setImmediate(feed);
  };
  feed();
  const timeout = setTimeout(() => {
    console.error(`timed out: ${settled} of ${N} settled`);
    process.exit(1);
  }, 300_000);
  await finished;
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const hrAtTargetUs = Number(process.hrtime.bigint() / 1000n);
  clearTimeout(timeout);
  process.stdout.write(JSON.stringify({ mode, n: N, seconds: ms / 1000, rate: (N * 1000) / ms, cpuCores: (cpu.user + cpu.system) / 1000 / ms, rssMB: process.memoryUsage().rss / 2 ** 20, hrFirstUs, hrAtTargetUs, metrics: agent.metrics }) + '\n');
  agent.stop();
  await connection.close();
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
