/**
 * Health scenario (issue 3): 10,000 simulated cameras each sending health every 10 s (1,000 msg/s)
 * through a real Mosquitto to a Node-RED running lpr-health-monitor. Reports that Node-RED's CPU
 * share of one core and resident memory, next to the same Node-RED running the core `mqtt in`
 * node (json) on the same topics, measured in the same run.
 */
import mqtt from 'mqtt';
import { startMosquitto } from '../test/fixtures/mosquitto';
import { startNodeRed } from './lib/node-red-host';
import { cpuShare, sample } from './lib/proc-stats';
import { printTable, saveResult } from './lib/report';
import { startHealth } from './lib/site';

const CAMERAS = Number(process.env.BENCH_CAMERAS ?? 10_000);
const PERIOD_MS = 10_000;
const MEASURE_S = Number(process.env.BENCH_SECONDS ?? 30);

/** Every camera's health once per period, spread evenly; about 1 % of reports run hot. */
function startCameras(url: string) {
  return startHealth(url, Array.from({ length: CAMERAS }, (_, i) => `CAM${String(i).padStart(5, '0')}`), PERIOD_MS);
}

const tab = { id: 'tab', type: 'tab', label: 'bench' };

function monitorFlow(port: number) {
  return [
    tab,
    { id: 'b', type: 'lpr-broker', broker: '127.0.0.1', port, protocolVersion: 4, clientId: 'bench-monitor', cleanSession: true, keepalive: 60, reconnectPeriod: 1, connectTimeout: 30, topicRoot: 'lprserver', birth: false, queueLimit: 10000 },
    { id: 'm', type: 'lpr-health-monitor', z: 'tab', broker: 'b', camera: '', offlineAfter: 60, summaryInterval: 0, publishSystemHealth: true, publishAlerts: false, wires: [[], []] },
  ];
}

/** The same Node-RED and lpr-broker with no flow node: what the runtime costs before any work. */
function idleFlow(port: number) {
  return monitorFlow(port).slice(0, 2);
}

function coreFlow(port: number) {
  return [
    tab,
    { id: 'cb', type: 'mqtt-broker', broker: '127.0.0.1', port: String(port), clientid: 'bench-core', autoConnect: true, usetls: false, protocolVersion: '4', keepalive: '60', cleansession: true },
    { id: 'ci', type: 'mqtt in', z: 'tab', topic: 'lprserver/cameras/+/health', qos: '1', datatype: 'json', broker: 'cb', nl: false, rap: true, rh: 0, inputs: 0, wires: [[]] },
  ];
}

async function measure(label: string, flows: unknown[], brokerUrl: string) {
  const red = await startNodeRed(flows);
  const cameras = startCameras(brokerUrl);
  try {
    // One full period first, so every camera is known and the heap has grown to its working size.
    await new Promise((r) => setTimeout(r, PERIOD_MS + 2000));
    const a = sample(red.pid);
    const sentBefore = cameras.sent();
    let peakRss = a.rssBytes;
    for (let s = 0; s < MEASURE_S; s++) {
      await new Promise((r) => setTimeout(r, 1000));
      peakRss = Math.max(peakRss, sample(red.pid).rssBytes);
    }
    const b = sample(red.pid);
    return {
      label,
      cpuShare: cpuShare(a, b),
      rssMB: b.rssBytes / 2 ** 20,
      peakRssMB: peakRss / 2 ** 20,
      msgPerSec: (cameras.sent() - sentBefore) / ((b.at - a.at) / 1000),
    };
  } finally {
    await cameras.stop();
    await red.stop();
  }
}

async function main() {
  const mosquitto = await startMosquitto({ extraConfig: ['max_queued_messages 0'] });
  try {
    // What the monitor concluded, read back from its retained SystemHealth.
    const probe = await mqtt.connectAsync(mosquitto.url);
    let total = 0;
    probe.on('message', (_t, p) => (total = p.length ? JSON.parse(p.toString()).cameras.total : total));
    await probe.subscribeAsync('lprserver/system/health');
    const idle = await measure('Node-RED + lpr-broker, no flow node', idleFlow(mosquitto.port), mosquitto.url);
    const core = await measure('core mqtt in (json), baseline', coreFlow(mosquitto.port), mosquitto.url);
    const monitor = await measure('lpr-health-monitor', monitorFlow(mosquitto.port), mosquitto.url);
    await probe.endAsync();
    const rows = [idle, core, monitor].map((r) => ({
      scenario: r.label,
      'msg/s': r.msgPerSec.toFixed(0),
      'CPU % of one core': (r.cpuShare * 100).toFixed(2),
      'RSS MB': r.rssMB.toFixed(1),
      'peak RSS MB': r.peakRssMB.toFixed(1),
    }));
    printTable(`health: ${CAMERAS} cameras, health every ${PERIOD_MS / 1000} s, measured over ${MEASURE_S} s (command: npm run bench -- health)`, rows);
    const ratio = { cpu: monitor.cpuShare / core.cpuShare, rss: monitor.rssMB / core.rssMB };
    // What the monitor adds to a Node-RED that is already running: the part the target is about.
    const own = { cpuShare: monitor.cpuShare - idle.cpuShare, rssMB: monitor.rssMB - idle.rssMB };
    console.log(`monitor / core mqtt in: CPU ${ratio.cpu.toFixed(2)}x, RSS ${ratio.rss.toFixed(2)}x; cameras known to the monitor: ${total}`);
    console.log(`monitor over idle Node-RED: CPU +${(own.cpuShare * 100).toFixed(2)} % of one core, RSS +${own.rssMB.toFixed(1)} MB`);
    console.log(`targets: under 5 % of one core (whole process ${(monitor.cpuShare * 100).toFixed(2)} %), under 100 MB (monitor's own +${own.rssMB.toFixed(1)} MB; whole process ${monitor.rssMB.toFixed(1)} MB)`);
    const file = saveResult('health', { cameras: CAMERAS, periodMs: PERIOD_MS, measureSeconds: MEASURE_S, idle, core, monitor, ratio, own, camerasKnown: total });
    console.log(`saved ${file}`);
    if (total !== CAMERAS) throw new Error(`the monitor knew ${total} cameras, expected ${CAMERAS}`);
  } finally {
    await mosquitto.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
