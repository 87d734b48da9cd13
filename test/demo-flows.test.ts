/**
 * The flows `npm start` writes into its user dir (scripts/demo/user-dir.mjs), without starting
 * Node-RED: all example flows together hold one lpr-broker per distinct MQTT connection (the
 * examples share one server-side broker node; the edge camera has its own, as its connection
 * carries the camera's will), and every broker reference resolves.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// @ts-expect-error: a plain ES module of the demo script, without type declarations
import { prepareUserDir } from '../scripts/demo/user-dir.mjs';
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
});
