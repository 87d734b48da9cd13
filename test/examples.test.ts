/**
 * Every example flow deploys on a real Node-RED 4.1 process with the node modules the examples need,
 * installed as dev dependencies and linked into a temporary userDir (this package, FlowFuse
 * Dashboard 2, node-red-node-sqlite, node-red-node-email, and `pg` for the function nodes of the
 * PostgreSQL example), all examples POSTed together to the admin API as `npm start` deploys them.
 * No MQTT broker or database is needed here: the lpr-broker nodes just keep reconnecting.
 *
 * It loads dist/, so it runs after `npm run build` (the before hook builds when dist/ is missing).
 * The examples that move data are tested in examples-sqlite, examples-postgres and examples-alerts.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sleep } from './fixtures/wait';
import { ROOT, startNodeRed, type FlowNode, type NodeRedHost } from './fixtures/node-red-host';

const FLOWS_DIR = path.join(ROOT, 'examples/flows');

const examples = readdirSync(FLOWS_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({ file, nodes: JSON.parse(readFileSync(path.join(FLOWS_DIR, file), 'utf8')) as FlowNode[] }));

/** The lpr-broker config node every example but the edge camera's shares (same id, same properties). */
const SHARED_BROKER = 'lpr-example-broker';

/** All examples as one flow file: each id once, as importing them one after another leaves them. */
function allExampleNodes(): FlowNode[] {
  const byId = new Map<string, FlowNode>();
  for (const n of examples.flatMap(({ nodes }) => nodes)) if (!byId.has(n.id)) byId.set(n.id, n);
  return [...byId.values()];
}

/** Types that are not node types in GET /nodes: flow tabs and subflow definitions. */
const NOT_NODE_TYPES = new Set(['tab', 'subflow', 'group', 'junction']);

/** Third-party node modules the examples use (dev dependencies), by node type. */
const THIRD_PARTY: Record<string, string> = {
  sqlite: 'node-red-node-sqlite',
  sqlitedb: 'node-red-node-sqlite',
  'e-mail': 'node-red-node-email',
};

describe('examples/flows', function () {
  it('has example flows with ids unique across all files, but for the one shared lpr-broker', function () {
    assert.ok(examples.length > 0);
    const seen = new Map<string, { file: string; node: FlowNode }>();
    for (const { file, nodes } of examples) {
      for (const n of nodes) {
        const other = seen.get(n.id);
        if (other && n.id === SHARED_BROKER) assert.deepEqual(n, other.node, `${file}: ${n.id} differs from the one in ${other.file}`);
        else assert.ok(!other, `${file}: id ${n.id} also in ${other?.file}`);
        seen.set(n.id, { file, node: n });
      }
    }
  });

  it('every example talks to the server side through the same lpr-broker, the edge camera through its own', function () {
    // Importing a second example then reuses the broker already there instead of adding a connection.
    for (const { file, nodes } of examples) {
      const brokers = nodes.filter((n) => n.type === 'lpr-broker').map((n) => n.id);
      // A flow without MQTT nodes (the history page reads the database) brings no broker.
      if (!nodes.some((n) => typeof n.broker === 'string' && n.type !== 'lpr-broker')) {
        assert.deepEqual(brokers, [], file);
        continue;
      }
      assert.deepEqual(brokers, [file === 'edge-camera.json' ? 'lpr-edge-broker' : SHARED_BROKER], file);
    }
  });

  it('each has one tab and a comment node saying what it shows and what to change', function () {
    for (const { file, nodes } of examples) {
      const tabs = nodes.filter((n) => n.type === 'tab');
      assert.ok(tabs.length >= 1, `${file}: no tab`);
      const comments = nodes.filter((n) => n.type === 'comment');
      assert.ok(comments.length >= 1, `${file}: no comment node`);
      const info = comments.map((c) => String(c.info ?? '')).join('\n');
      assert.match(info, /## What this shows/, `${file}: comment lacks "What this shows"`);
      assert.match(info, /## What to change/, `${file}: comment lacks "What to change"`);
      for (const n of nodes) {
        if (n.type === 'tab' || n.z === undefined) continue;
        assert.ok(tabs.some((t) => t.id === n.z), `${file}: ${n.id} is on tab ${String(n.z)}, not in this file`);
      }
    }
  });

  it('every lpr-broker points at localhost:1883 and every wire at a node of the same file', function () {
    for (const { file, nodes } of examples) {
      const ids = new Set(nodes.map((n) => n.id));
      for (const n of nodes) {
        if (n.type === 'lpr-broker') assert.deepEqual([n.broker, n.port], ['localhost', 1883], `${file}: ${n.id}`);
        for (const out of (n.wires as string[][] | undefined) ?? []) {
          for (const target of out) assert.ok(ids.has(target), `${file}: ${n.id} wired to missing ${target}`);
        }
        for (const target of (n.scope as string[] | null | undefined) ?? []) assert.ok(ids.has(target), `${file}: ${n.id} scope has missing ${target}`);
      }
    }
  });

  it('no two examples serve the same HTTP path (they are deployed together)', function () {
    const seen = new Map<string, string>();
    for (const { file, nodes } of examples) {
      for (const n of nodes.filter((x) => x.type === 'http in')) {
        const key = `${String(n.method).toUpperCase()} ${String(n.url)}`;
        assert.ok(!seen.has(key), `${file}: ${key} also in ${seen.get(key)}`);
        seen.set(key, file);
      }
    }
  });

  it('the database examples take batches from detection in and ack each detection once its batch is written', function () {
    for (const [file, finisher] of [['detections-to-sqlite.json', 'lpr-sql-written'], ['detections-to-postgres.json', 'lpr-pg-store']]) {
      const nodes = examples.find((e) => e.file === file)!.nodes;
      const input = nodes.find((n) => n.type === 'lpr-detection-in')!;
      assert.deepEqual([input.batch, input.batchWindow, input.split], [200, 50, true], file);
      assert.deepEqual([input.ackWhen, input.ackScope], ['complete', [finisher]], file);
    }
    // One statement per batch, its rows as a fixed number of parameters: SQLite reads one JSON array,
    // PostgreSQL one array per column.
    const insert = examples.find((e) => e.file === 'detections-to-sqlite.json')!.nodes.find((n) => n.id === 'lpr-sql-insert')!;
    assert.match(String(insert.sql), /^INSERT OR IGNORE INTO detections[\s\S]*FROM json_each\(\$rows\)$/);
    const store = examples.find((e) => e.file === 'detections-to-postgres.json')!.nodes.find((n) => n.id === 'lpr-pg-store')!;
    assert.match(String(store.func), /SELECT \* FROM unnest\(\$1::text\[\][\s\S]*ON CONFLICT \(message_id, plate_index\) DO NOTHING/);
  });

  it('the database and alert examples use parameters, never SQL built from strings', function () {
    const sqlite = examples.find((e) => e.file === 'detections-to-sqlite.json')!.nodes;
    for (const n of sqlite.filter((x) => x.type === 'sqlite')) {
      // Batch mode runs msg.topic: only the constant schema from the inject may use it.
      if (n.sqlquery === 'batch') assert.equal(n.id, 'lpr-sql-schema');
      else assert.equal(n.sqlquery, 'prepared', `${n.id}: ${String(n.sqlquery)}`);
    }
    const history = examples.find((e) => e.file === 'history-dashboard.json')!.nodes;
    const statements = history.filter((x) => x.type === 'sqlite');
    assert.equal(statements.length, 3);
    for (const n of statements) {
      assert.equal(n.sqlquery, 'prepared', `${n.id}: ${String(n.sqlquery)}`);
      assert.doesNotMatch(String(n.sql), /\$\{/, `${n.id}: a template placeholder in the SQL`);
    }
    const pg = examples.find((e) => e.file === 'detections-to-postgres.json')!.nodes;
    for (const n of pg.filter((x) => x.type === 'function')) {
      assert.deepEqual(n.libs, [{ var: 'pg', module: 'pg' }]);
      assert.doesNotMatch(String(n.func), /query\(`[^`]*\$\{/, `${n.id}: a query with \${} in its SQL`);
      assert.match(String(n.initialize), /new pg\.Pool/);
      assert.match(String(n.finalize), /\.end\(\)/);
    }
  });
});

describe('examples/flows deploy on Node-RED 4.1', function () {
  this.timeout(60_000);

  let red: NodeRedHost;
  let deployLog = '';

  before(async function () {
    red = await startNodeRed({
      nodeModules: ['@flowfuse/node-red-dashboard', 'node-red-node-sqlite', 'node-red-node-email'],
      functionModules: ['pg'],
    });
  });

  after(async function () {
    await red?.stop();
  });

  it('GET /nodes lists every node type used by the examples, third-party ones included', async function () {
    const res = await fetch(`${red.base}/nodes`, { headers: { accept: 'application/json' } });
    assert.equal(res.status, 200);
    const sets = (await res.json()) as Array<{ module: string; types: string[]; enabled: boolean; err?: string }>;
    const registered = new Set(sets.filter((s) => s.enabled && !s.err).flatMap((s) => s.types));
    for (const { file, nodes } of examples) {
      const missing = [...new Set(nodes.map((n) => n.type))].filter((t) => !NOT_NODE_TYPES.has(t) && !registered.has(t));
      assert.deepEqual(missing, [], `${file}: types not registered in Node-RED`);
    }
    for (const [type, module] of Object.entries(THIRD_PARTY)) {
      assert.ok(sets.some((s) => s.module === module && s.types.includes(type) && s.enabled && !s.err), `${type} from ${module}`);
    }
    const failed = sets.filter((s) => s.err && /lprserver|flowfuse|sqlite|email/.test(s.module)).map((s) => `${s.module}: ${s.err}`);
    assert.deepEqual(failed, []);
  });

  it('deploys all examples together (full deploy) with no missing types or modules', async function () {
    const all = allExampleNodes();
    // Throws on "Waiting for missing types" and on function modules (pg) that cannot be loaded.
    deployLog = await red.deploy(all);
    assert.doesNotMatch(deployLog, /unknown type|Unknown type|\[error\].*(type|Cannot|TypeError)/i);
    // The only errors expected: the e-mail example's empty credentials, which its comment says to fill.
    const errors = deployLog.split('\n').filter((l) => l.includes('[error]'));
    assert.deepEqual(
      errors.filter((l) => !/\[e-mail:[^\]]+\] No e-mail (userid|password) set/.test(l)),
      [],
    );

    const got = await fetch(`${red.base}/flows`, { headers: { 'Node-RED-API-Version': 'v2' } });
    assert.equal(got.status, 200);
    const body = (await got.json()) as { flows: FlowNode[] };
    const deployed = new Map(body.flows.map((n) => [n.id, n]));
    for (const n of all) {
      const d = deployed.get(n.id);
      assert.ok(d, `${n.id} not in GET /flows`);
      assert.equal(d.type, n.type, `${n.id}: deployed as ${d.type}`);
    }
    assert.ok(!body.flows.some((n) => n.type === 'unknown'), 'GET /flows has nodes of type unknown');
    // One connection for the whole server side, one for the edge camera.
    assert.deepEqual(body.flows.filter((n) => n.type === 'lpr-broker').map((n) => n.id).sort(), ['lpr-edge-broker', SHARED_BROKER]);
  });

  it('the SQLite database opened and the query endpoints of both database examples answer', async function () {
    assert.match(red.log(), /\[sqlitedb:lpr-sql-db\] opened lpr-detections\.db ok/);
    // Right after the deploy the table may still be being created: the endpoint says so with a 503.
    let sqlite = await fetch(`${red.base}/lpr/detections?limit=5000`);
    for (let i = 0; i < 50 && sqlite.status === 503; i++) {
      await sqlite.arrayBuffer();
      await sleep(100);
      sqlite = await fetch(`${red.base}/lpr/detections?limit=5000`);
    }
    assert.equal(sqlite.status, 200);
    // The SQLite schema is created at deploy, so the (empty) table answers; limit is capped.
    assert.deepEqual(await sqlite.json(), { count: 0, limit: 1000, detections: [] });
    // The PostgreSQL query node loaded pg; with no server it checks parameters before connecting.
    const pg = await fetch(`${red.base}/lpr/pg/detections?limit=0`);
    assert.equal(pg.status, 400);
    assert.deepEqual(await pg.json(), { error: 'limit: expected a whole number from 1 to 1000' });
  });

  it('dashboard pages and Prometheus endpoints of the examples are served', async function () {
    const nodes = allExampleNodes();
    const bases = new Map(nodes.filter((n) => n.type === 'ui-base').map((n) => [n.id, String(n.path)]));
    for (const page of nodes.filter((n) => n.type === 'ui-page')) {
      const url = `${red.base}${bases.get(String(page.ui))}${String(page.path)}`;
      assert.equal((await fetch(url)).status, 200, url);
    }
    for (const monitor of nodes.filter((n) => n.type === 'lpr-system-monitor' && n.prometheus === true)) {
      const res = await fetch(`${red.base}${String(monitor.path)}`);
      assert.equal(res.status, 200, `${monitor.id}: ${String(monitor.path)}`);
      assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
      const text = await res.text();
      // Every connection the runtime holds is in the metrics: two (server side, edge camera).
      const brokers = new Set([...text.matchAll(/^lpr_mqtt_messages_received_total\{broker="([^"]+)"\}/gm)].map((m) => m[1]));
      assert.equal(brokers.size, 2, `brokers in the metrics: ${[...brokers].join(', ')}`);
    }
  });
});
