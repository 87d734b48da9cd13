/**
 * The flows `npm start` writes into its user dir (scripts/demo/user-dir.mjs), without starting
 * Node-RED: all example flows together hold one lpr-broker per distinct MQTT connection (the
 * examples share one server-side broker node; the edge camera has its own, as its connection
 * carries the camera's will), and every broker reference resolves. What a new user met first: the
 * editor opens on the dashboard flow, examples needing a service the demo lacks are disabled, and
 * the Debug sidebar shows only rejected input.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// @ts-expect-error: a plain ES module of the demo script, without type declarations
import { NEEDS_SERVICE, prepareUserDir } from '../scripts/demo/user-dir.mjs';
import { cameraIds, SIM_DEFAULTS } from '../src/sim';
import { ROOT, type FlowNode } from './fixtures/node-red-host';

describe('npm start: the demo flows', function () {
  let dir = '';
  let flows: FlowNode[] = [];

  before(function () {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lpr-demo-flows-'));
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    flows = prepareUserDir({ root: ROOT, userDir: dir, host: '127.0.0.1', pkg }, 'mqtt://127.0.0.1:18830', null, 18800) as FlowNode[];
  });

  after(function () {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('hold one lpr-broker for the server side and one for the edge camera, not one per example', function () {
    const brokers = flows.filter((n) => n.type === 'lpr-broker');
    assert.deepEqual(brokers.map((n) => n.id).sort(), ['lpr-edge-broker', 'lpr-example-broker']);
    for (const b of brokers) assert.deepEqual([b.broker, b.port], ['127.0.0.1', 18830], `${b.id} points at the demo's broker`);
    const users = flows.filter((n) => n.type !== 'lpr-broker' && typeof n.broker === 'string' && n.broker.startsWith('lpr-'));
    const ids = new Set(brokers.map((b) => b.id));
    for (const n of users) assert.ok(ids.has(n.broker as string), `${n.id} uses missing broker ${String(n.broker)}`);
    // Only the edge camera flow uses the camera's connection.
    const cameraSide = users.filter((n) => n.broker === 'lpr-edge-broker').map((n) => n.type);
    assert.deepEqual([...new Set(cameraSide)], ['lpr-camera']);
  });

  it('have each id once (what Node-RED expects of a flow file)', function () {
    const ids = flows.map((n) => n.id);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('put the dashboard flow first, so the editor opens on it', function () {
    const tabs = flows.filter((n) => n.type === 'tab').map((n) => n.id);
    assert.equal(tabs[0], 'lpr-dash-tab', `tab order: ${tabs.join(', ')}`);
  });

  it('disable exactly the tabs of examples needing PostgreSQL or a mail server (whatever their node types)', function () {
    const dirFlows = path.join(ROOT, 'examples/flows');
    const talksOutside = (nodes: FlowNode[]) =>
      nodes.some((n) => /^(e-mail|e-mail in|postgres.*)$/.test(n.type) || (Array.isArray(n.libs) && n.libs.some((l: { module?: string }) => /^(pg|nodemailer|mysql2?|mongodb)(@|$)/.test(l.module ?? ''))));
    const files = readdirSync(dirFlows).filter((f) => f.endsWith('.json'));
    const outside = files.filter((f) => talksOutside(JSON.parse(readFileSync(path.join(dirFlows, f), 'utf8')) as FlowNode[]));
    assert.deepEqual(Object.keys(NEEDS_SERVICE).sort(), outside.sort());
    const disabled = flows.filter((n) => n.type === 'tab' && n.disabled).map((n) => n.id);
    assert.deepEqual(disabled.sort(), ['lpr-mail-tab', 'lpr-pg-tab']);
  });

  it('ack from the SQLite store alone (on completion), so a camera keeps a detection until its row is written', function () {
    const disabled = new Set(flows.filter((n) => n.type === 'tab' && n.disabled).map((n) => n.id));
    const live = flows.filter((n) => n.type === 'lpr-detection-in' && !disabled.has(n.z as string));
    assert.ok(live.length >= 4, `${live.length} detection-in nodes in enabled tabs`);
    const ackers = live.filter((n) => n.ack !== false);
    assert.deepEqual(ackers.map((n) => [n.z, n.ackWhen]), [['lpr-sql-tab', 'complete']]);
  });

  it('leave only the debug node of rejected dashboard input on', function () {
    const on = flows.filter((n) => n.type === 'debug' && n.active !== false).map((n) => n.id);
    assert.deepEqual(on, ['lpr-dash-debug-rejected']);
    assert.ok(flows.filter((n) => n.type === 'debug').length > 30);
  });

  it('give the edge camera example a camera id lpr-sim does not take with its defaults (docs: npx lpr-sim --cameras 3)', function () {
    const edge = flows.filter((n) => n.type === 'lpr-camera').map((n) => n.camera as string);
    assert.ok(edge.length > 0);
    const simulated = cameraIds({ ...SIM_DEFAULTS, cameras: 50 });
    assert.deepEqual(simulated.filter((id) => edge.includes(id)), [], `lpr-sim ${simulated[0]}…, edge camera ${edge.join(', ')}`);
  });
});
