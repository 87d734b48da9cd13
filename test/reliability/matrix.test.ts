/**
 * The reliability matrix runner: each row of matrix-rows.ts on a fresh rig (Mosquitto with
 * persistence and `max_queued_messages 0`, the server Node-RED in its own process with a
 * persistent session, proxies where the row puts them), 10,000 detections from lpr-sim (4 × 2,000)
 * and lpr-camera nodes (2 × 1,000) while the row's faults fire. Every row writes its figures to
 * test/reliability/results/<row>.json, failed or not, before asserting;
 * `node scripts/reliability-table.mjs` renders them as the README's table.
 *
 * All rows: `npm run reliability` (build, then mocha on this file alone), then `npm run reliability:table`.
 * One row: `npx mocha --no-config -n import=tsx --timeout 180000 --exit test/reliability/matrix.test.ts --grep 'matrix <row id>:'`.
 */
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startFreezeProxy } from '../fixtures/freeze-proxy';
import { startMosquitto } from '../fixtures/mosquitto';
import { MATRIX, type MatrixRow, type RowContext } from './matrix-rows';
import { createServerHost } from './server-host';
import { formatReport, runStream, waitServerReady, type StreamReport } from './stream';

const RESULTS = path.join(__dirname, 'results');
/** What produced the figures (`npm run reliability` runs the same). --no-config: only this file, not the suite. */
const MOCHA = 'npx mocha --no-config -n import=tsx --timeout 180000 --exit test/reliability/matrix.test.ts';

export interface RowResult {
  /** The row's place in the matrix (the table's order). */
  index: number;
  id: string;
  operation: string;
  command: string;
  date: string;
  commit: string;
  sent: number;
  lost: number;
  duplicated: number;
  falseStateChanges: number;
  resends: number;
  dedupeSuppressed: number;
  errors: number;
  seconds: number;
  atLeastOnce: string | null;
  perNode: StreamReport['perNode'];
  faults: StreamReport['faults'];
  /** Connections the row's proxy accepted (reconnects show here). */
  proxyConnections: number | null;
  passed: boolean;
  failure: string | null;
}

function commit(): string {
  try {
    const head = execSync('git rev-parse --short HEAD', { cwd: __dirname, encoding: 'utf8' }).trim();
    const dirty = execSync('git status --porcelain -- src', { cwd: __dirname, encoding: 'utf8' }).trim();
    return dirty ? `${head}+src changes` : head;
  } catch {
    return 'unknown';
  }
}

function emptyResult(row: MatrixRow): RowResult {
  return {
    index: MATRIX.indexOf(row),
    id: row.id,
    operation: row.operation,
    command: `${MOCHA} --grep 'matrix ${row.id}:'`,
    date: new Date().toISOString(),
    commit: commit(),
    sent: 10_000,
    lost: NaN,
    duplicated: NaN,
    falseStateChanges: NaN,
    resends: NaN,
    dedupeSuppressed: NaN,
    errors: NaN,
    seconds: NaN,
    atLeastOnce: row.atLeastOnce ?? null,
    perNode: [],
    faults: [],
    proxyConnections: null,
    passed: false,
    failure: null,
  };
}

function write(result: RowResult): void {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(path.join(RESULTS, `${result.id}.json`), JSON.stringify(result, null, 2) + '\n');
}

/** What must hold for the row; each failure names the figure. */
function check(row: MatrixRow, ctx: RowContext, r: StreamReport, falseStateChanges: number): void {
  assert.equal(r.sent, 10_000, 'detections sent');
  row.faultHappened?.(ctx);
  for (const n of r.perNode) {
    assert.equal(n.lost, 0, `${n.node}: lost ${n.lost} of 10000 (${Object.entries(n.lostPerCamera).map(([c, k]) => `${c} ${k}`).join(', ')})`);
    if (!row.atLeastOnce) assert.equal(n.duplicates, 0, `${n.node}: duplicated ${n.duplicates}`);
    assert.equal(n.foreign, 0, `${n.node}: outputs from unknown cameras or ids`);
    assert.equal(n.received, 10_000, `${n.node}: distinct outputs`);
  }
  // At least once: the copies a crash can let through are those in flight at that moment.
  if (row.atLeastOnce) assert.ok(r.duplicatesAtOutput <= 200, `duplicated ${r.duplicatesAtOutput} (more than the detections in flight at a crash)`);
  assert.equal(falseStateChanges, 0, `false state changes: ${falseStateChanges}`);
  if (!row.errorsExpected) assert.equal(r.errors.length, 0, `errors at the server: ${r.errors.length} (first: ${r.errors[0]})`);
}

describe('reliability matrix: 10,000 detections through each ordinary operation', function () {
  this.timeout(180_000);
  const ctx = {} as RowContext;

  afterEach(async () => {
    await ctx.server?.dispose();
    await ctx.serverProxy?.close();
    await ctx.cameraProxy?.close();
    await ctx.mosquitto?.stop();
    Object.assign(ctx, { server: undefined, serverProxy: null, cameraProxy: null, mosquitto: undefined });
  });

  for (const row of MATRIX) {
    it(`matrix ${row.id}: ${row.operation.replace(/\*\*/g, '')}`, async () => {
      ctx.mosquitto = await startMosquitto({ persistence: true, extraConfig: ['max_queued_messages 0'] });
      ctx.serverProxy = row.proxy === 'server' ? await startFreezeProxy(ctx.mosquitto.port) : null;
      ctx.cameraProxy = row.proxy === 'cameras' ? await startFreezeProxy(ctx.mosquitto.port) : null;
      ctx.server = await createServerHost({
        mqttPort: ctx.serverProxy?.port ?? ctx.mosquitto.port,
        clientId: 'rel-server',
        cleanSession: false,
        dedupe: 300,
        ...row.server,
      });
      await ctx.server.start();
      // The persistent session exists at the broker before the cameras start.
      await waitServerReady(ctx.mosquitto, ctx.server);
      await row.setup?.(ctx);
      const started = Date.now();
      const report = await runStream({
        mosquitto: ctx.mosquitto,
        server: ctx.server,
        simCameras: 4,
        perSimCamera: 2000,
        simRate: 400,
        nodeCameras: 2,
        perNodeCamera: 1000,
        nodeIntervalMs: 5,
        ackTimeout: 3,
        faults: row.faults(ctx),
        timeoutMs: 150_000,
        ...(ctx.cameraProxy ? { cameraPort: ctx.cameraProxy.port } : {}),
        ...(row.edgeKeepalive ? { edgeKeepalive: row.edgeKeepalive } : {}),
        ...(row.simHealthInterval ? { simHealthInterval: row.simHealthInterval } : {}),
        ...(row.countNodes ? { countNodes: row.countNodes } : {}),
      }).catch((err: Error) => {
        // A row that cannot finish (the stream never drains) still leaves its line in the table.
        write({ ...emptyResult(row), seconds: (Date.now() - started) / 1000, failure: err.message.split('\n')[0]! });
        throw err;
      });
      const falseStateChanges = row.falseStateChanges?.(ctx) ?? 0;
      const proxy = ctx.serverProxy ?? ctx.cameraProxy;
      console.log(
        formatReport(row.id, report) +
          (row.falseStateChanges ? `\n    false state changes ${falseStateChanges}` : '') +
          (proxy ? `\n    connections through the proxy ${proxy.connections()}` : ''),
      );
      let failure: string | null = null;
      try {
        check(row, ctx, report, falseStateChanges);
      } catch (err) {
        failure = (err as Error).message.split('\n')[0]!;
        throw err;
      } finally {
        write({
          ...emptyResult(row),
          sent: report.sent,
          lost: report.lost,
          duplicated: report.duplicatesAtOutput,
          falseStateChanges,
          resends: report.resends,
          dedupeSuppressed: report.dedupeSuppressed,
          errors: report.errors.length,
          seconds: Math.round(report.seconds * 10) / 10,
          perNode: report.perNode,
          faults: report.faults,
          proxyConnections: (ctx.serverProxy ?? ctx.cameraProxy)?.connections() ?? null,
          passed: failure === null,
          failure,
        });
      }
    });
  }
});
