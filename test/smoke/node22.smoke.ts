/**
 * Smoke suite: this package on Node-RED 5 under Node.js 22. scripts/smoke-node22.sh installs both
 * apart from the project (npm's `node@22` and `node-red@5`) and runs this file with that Node,
 * LPR_SMOKE_RED_JS naming Node-RED 5's red.js. Every node of the package loads, every example
 * that needs no outside service deploys (all of them together, as `npm start` does), and a
 * detection passes through a real Mosquitto to the debug node, acked.
 *
 * Not a *.test.ts file: `npm test` (Node-RED 4 on the project's Node) does not run it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { mosquittoPub, mosquittoSub } from '../fixtures/mqtt-cli';
import { pointBrokers, ROOT, startNodeRed, type FlowNode, type NodeRedHost } from '../fixtures/node-red-host';
import { detection } from '../fixtures/samples';
import { waitUntil } from '../fixtures/wait';

const RED_JS = process.env.LPR_SMOKE_RED_JS ?? '';
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; 'node-red': { nodes: Record<string, string> } };
const TYPES = Object.keys(pkg['node-red'].nodes);

/** Examples that need a service the smoke run does not have, and what it is. */
const OUTSIDE_SERVICE: Record<string, string> = {
  'blacklist-to-email.json': 'an SMTP server',
  'detections-to-postgres.json': 'PostgreSQL',
};

const examples = readdirSync(path.join(ROOT, 'examples/flows'))
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({ file, nodes: JSON.parse(readFileSync(path.join(ROOT, 'examples/flows', file), 'utf8')) as FlowNode[] }));

/** Does this example talk to a mail server or a database server? */
function needsOutsideService(nodes: FlowNode[]): boolean {
  return nodes.some((n) => n.type === 'e-mail' || n.type === 'e-mail in' || (Array.isArray(n.libs) && n.libs.some((l: { module?: string }) => l.module === 'pg')));
}

describe(`Node-RED 5 on Node.js 22 (${process.version})`, function () {
  this.timeout(60_000);
  let broker: Mosquitto | undefined;
  let red: NodeRedHost | undefined;

  before(async function () {
    assert.ok(RED_JS, 'LPR_SMOKE_RED_JS must name the red.js of Node-RED 5 (scripts/smoke-node22.sh sets it)');
    broker = await startMosquitto({ extraConfig: ['log_type subscribe'] });
    // The examples' third-party nodes come from the project's node_modules, as in the other example tests.
    red = await startNodeRed({ redJs: RED_JS, nodeModules: ['@flowfuse/node-red-dashboard', 'node-red-node-sqlite'] });
  });

  after(async function () {
    if (process.env.SHOW_NODE_RED_LOG === undefined && this.currentTest?.state === 'failed') console.log(red?.log());
    await red?.stop();
    await broker?.stop();
  });

  it('runs on Node.js 22 and Node-RED 5', async function () {
    assert.equal(process.versions.node.split('.')[0], '22');
    const settings = (await (await fetch(`${red!.base}/settings`)).json()) as { version: string };
    assert.match(settings.version, /^5\./);
  });

  it('loads every node of the package', async function () {
    const res = await fetch(`${red!.base}/nodes`, { headers: { accept: 'application/json' } });
    const sets = (await res.json()) as Array<{ module: string; types: string[]; enabled: boolean; err?: string }>;
    const ours = sets.filter((s) => s.module === pkg.name);
    assert.deepEqual(ours.filter((s) => s.err || !s.enabled).map((s) => `${s.types.join(',')}: ${s.err ?? 'disabled'}`), []);
    assert.deepEqual(ours.flatMap((s) => s.types).sort(), [...TYPES].sort());
  });

  it('deploys every example that needs no outside service, all together', async function () {
    assert.deepEqual(examples.filter((e) => needsOutsideService(e.nodes)).map((e) => e.file), Object.keys(OUTSIDE_SERVICE).sort());
    const byId = new Map<string, FlowNode>();
    for (const { file, nodes } of examples) {
      if (OUTSIDE_SERVICE[file]) continue;
      for (const n of nodes) if (!byId.has(n.id)) byId.set(n.id, n);
    }
    // The debug node of detections-to-debug also writes to the log, for the next test.
    const flows = pointBrokers([...byId.values()], broker!.port).map((n) => (n.id === 'lpr-example-debug-detection' ? { ...n, name: 'smoke detection', console: true } : n));
    const log = await red!.deploy(flows);
    assert.deepEqual(log.split('\n').filter((l) => /\[(error|warn)\]/.test(l) && !/connection to .* failed|reconnecting/.test(l)), []);
    const got = (await (await fetch(`${red!.base}/flows`, { headers: { 'Node-RED-API-Version': 'v2' } })).json()) as { flows: FlowNode[] };
    const deployed = new Map(got.flows.map((n) => [n.id, n.type]));
    for (const n of flows) assert.equal(deployed.get(n.id), n.type, `${n.id} deployed`);
    // The examples' lpr-broker nodes connect: the shared one subscribes for the detection in nodes.
    await waitUntil(() => broker!.log().includes('lprserver/cameras/+/detection'), 'detection in subscribed', 15_000);
  });

  it('a detection passes through detection in to the debug node and is acked', async function () {
    const acks = await mosquittoSub(broker!.port, 'lprserver/cameras/+/detection/ack');
    try {
      const d = detection('CAM002', 'smoke-node22-1', 'SMK2222');
      await mosquittoPub(broker!.port, 'lprserver/cameras/CAM002/detection', JSON.stringify(d), 1);
      await waitUntil(() => /\[debug:smoke detection\][\s\S]*SMK2222/.test(red!.log()), 'the detection in the debug output', 15_000);
      await waitUntil(
        () => acks.messages.some((m) => m.topic === 'lprserver/cameras/CAM002/detection/ack' && (JSON.parse(m.payload) as { ack_id?: string }).ack_id === 'smoke-node22-1'),
        'the ack of the detection',
        15_000,
      );
    } finally {
      acks.stop();
    }
  });
});
