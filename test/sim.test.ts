/** lpr-sim: the command line (help, options, a counted run against a server flow, Ctrl-C), the API and the data. */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { validateMessage } from '../src/protocol';
import { FRAME, generateDetection, HELP, OPTION_NAMES, parseSimArgs, PlatePool, Random, SimOptionError, startSimulator } from '../src/sim';
import { startMosquitto, type Mosquitto } from './fixtures/mosquitto';
import { mosquittoPub, mosquittoSub } from './fixtures/mqtt-cli';
import { sleep, waitUntil } from './fixtures/wait';
import { brokerConfig, helper } from './nodes/harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const NODES = [require('../dist/lpr-broker.js'), require('../dist/lpr-detection-in.js')];
const SIM = path.resolve(__dirname, '../dist/bin/lpr-sim.js');

function run(args: string[], timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SIM, ...args], { timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

const LATIN = /^(?:[A-Z]{3}\d{4}|\d[A-Z]{3}\d{3})$/;
const THAI = /^(?:\d[\u0E01-\u0E2E]{2}\d{1,4}|[\u0E01-\u0E2E]{2} \d{1,4})$/;

describe('lpr-sim', function () {
  this.timeout(60_000);

  describe('command line', function () {
    it('--help documents every option and exits 0', async () => {
      const { code, stdout } = await run(['--help']);
      assert.equal(code, 0);
      assert.equal(stdout, HELP);
      for (const name of OPTION_NAMES) assert.match(stdout, new RegExp(`--${name}\\b`), `--${name} missing from --help`);
      for (const example of ['ABC1234', '1ABC234', '1กข1234', 'กข 1234', 'SIGINT', 'success, error, timeout']) assert.ok(stdout.includes(example), example);
    });

    it('every documented option is accepted', () => {
      const values: Record<string, string> = {
        url: 'mqtt://127.0.0.1:1', user: 'u', password: 'p', root: 'site/lpr', cameras: '2', prefix: 'X', first: '7', checkpoint: 'CP9', rate: '2',
        'health-interval': '0', control: 'random', blacklisted: 'AAA1111,กข1234', 'blacklist-ratio': '0.5', 'thai-ratio': '0', 'pool-size': '10',
        seed: '42', 'ack-timeout': '0.5', 'buffer-size': '5', overflow: 'reject-new', 'persist-dir': '/tmp/x', durability: 'every', 'commit-interval': '20', duration: '3', count: '4', drain: '1',
      };
      const argv: string[] = [];
      for (const name of OPTION_NAMES) {
        if (name === 'help') continue;
        if (name in values) argv.push(`--${name}`, values[name]!);
        else argv.push(`--${name}`);
      }
      const parsed = parseSimArgs(argv);
      assert.equal(parsed.help, false);
      const o = (parsed as { options: any }).options;
      assert.deepEqual(
        [o.url, o.user, o.password, o.root, o.cameras, o.prefix, o.first, o.checkpoint, o.rate, o.healthInterval, o.control, o.blacklisted, o.blacklistRatio, o.thaiRatio, o.poolSize, o.seed, o.ackTimeout, o.bufferSize, o.overflow, o.persistDir, o.durability, o.commitInterval, o.duration, o.count, o.drain, o.noAck, o.requestConfig, o.quiet, o.json],
        ['mqtt://127.0.0.1:1', 'u', 'p', 'site/lpr', 2, 'X', 7, 'CP9', 2, 0, 'random', ['AAA1111', 'กข1234'], 0.5, 0, 10, 42, 0.5, 5, 'reject-new', '/tmp/x', 'every', 20, 3, 4, 1, true, false, true, true],
      );
      assert.equal(parseSimArgs(['--rate=3']).help, false);
    });

    it('a bad option exits 2 naming it; ids that would inject into topics are refused', async () => {
      const { code, stderr } = await run(['--rate', 'fast']);
      assert.equal(code, 2);
      assert.match(stderr, /--rate: must be a number/);
      for (const [args, option] of [
        [['--prefix', 'a/'], 'prefix'],
        [['--prefix', '+'], 'prefix'],
        [['--checkpoint', '#'], 'checkpoint'],
        [['--root', 'a/+/b'], 'root'],
        [['--control', 'maybe'], 'control'],
        [['--cameras', '0'], 'cameras'],
        [['--blacklist-ratio', '2'], 'blacklist-ratio'],
        [['--url', 'http://x'], 'url'],
        [['--nope'], 'nope'],
        [['--count'], 'count'],
        [['--durability', 'sometimes'], 'durability'],
        [['--commit-interval', '-5'], 'commit-interval'],
      ] as const) {
        assert.throws(() => parseSimArgs(args), (e: unknown) => e instanceof SimOptionError && e.option === option, args.join(' '));
      }
    });
  });

  describe('against a real Mosquitto', function () {
    let mosquitto: Mosquitto;
    before(async () => {
      mosquitto = await startMosquitto();
    });
    after(async () => {
      await mosquitto?.stop();
    });

    describe('with a server flow', function () {
      beforeEach((done) => {
        helper.startServer(done);
      });
      afterEach(async () => {
        await helper.unload();
        await new Promise<void>((resolve) => helper.stopServer(() => resolve()));
      });

      it('--count N publishes exactly N detections per camera; the server flow receives each once and acks them', async () => {
        await helper.load(NODES, [
          brokerConfig(mosquitto, { id: 'sbroker' }),
          { id: 'in', type: 'lpr-detection-in', broker: 'sbroker', camera: '', sharedGroup: '', ack: true, dedupe: 300, dedupeSize: 1000, split: false, maxBytes: 262144, wires: [['out']] },
          { id: 'out', type: 'helper' },
        ]);
        const out: any[] = [];
        helper.getNode('out').on('input', (msg: any) => out.push(msg));
        const conn = (helper.getNode('sbroker') as any).connection;
        await waitUntil(() => conn.connected && [...conn.subs.values()].every((s: any) => s.active), 'server subscribed');
        await sleep(150);
        const { code, stdout, stderr } = await run(['--url', mosquitto.url, '--cameras', '3', '--prefix', 'CNT', '--count', '5', '--rate', '20', '--thai-ratio', '0.5', '--blacklist-ratio', '0.2', '--quiet', '--json']);
        assert.equal(code, 0, stderr);
        const summary = JSON.parse(stdout);
        assert.deepEqual([summary.cameras, summary.generated, summary.sent, summary.acked, summary.pending, summary.rejected, summary.deferred, summary.dropped], [3, 15, 15, 15, 0, 0, 0, 0]);
        await sleep(300);
        assert.equal(out.length, 15);
        const ids = out.map((m) => m.payload.message_id);
        assert.equal(new Set(ids).size, 15, 'each detection once');
        const perCamera = new Map<string, number>();
        for (const m of out) perCamera.set(m.payload.camera_id, (perCamera.get(m.payload.camera_id) ?? 0) + 1);
        assert.deepEqual([...perCamera.entries()].sort(), [['CNT001', 5], ['CNT002', 5], ['CNT003', 5]]);
        for (const m of out) {
          assert.equal(m.payload.checkpoint_id, 'CP001');
          assert.ok(validateMessage('detection', m.payload).ok);
        }
      });
    });

    it('Ctrl-C (SIGINT): stops, publishes each camera offline (retained), prints the summary, exits 0', async () => {
      const child = spawn(process.execPath, [SIM, '--url', mosquitto.url, '--cameras', '2', '--prefix', 'INT', '--rate', '5', '--drain', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        await waitUntil(() => /all cameras connected/.test(stderr), 'connected', 10_000);
        await sleep(300);
        child.kill('SIGINT');
        assert.equal(await exited, 0);
        assert.match(stdout, /lpr-sim summary: 2 camera\(s\)/);
        assert.match(stdout, /detections: generated \d+, sent \d+, resent \d+, acked \d+, deferred \d+, rejected \d+, dropped \d+, pending \d+/);
        assert.match(stderr, /SIGINT: stopping/);
        const health = await mosquittoSub(mosquitto.port, 'lprserver/cameras/+/health');
        try {
          const retained = await health.waitFor(2);
          const byCamera = Object.fromEntries(retained.map((m) => [JSON.parse(m.payload).camera_id, JSON.parse(m.payload).health_status]));
          assert.equal(byCamera.INT001, 'offline');
          assert.equal(byCamera.INT002, 'offline');
        } finally {
          health.stop();
        }
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    });

    it('API: answers control commands per mode, applies config updates and answers health requests', async () => {
      const sub = await mosquittoSub(mosquitto.port, 'lprserver/cameras/+/#');
      const sims = [
        startSimulator({ url: mosquitto.url, cameras: 1, prefix: 'OK', rate: 0, healthInterval: 0, control: 'success', requestConfig: false }),
        startSimulator({ url: mosquitto.url, cameras: 1, prefix: 'ERR', rate: 0, healthInterval: 0, control: 'error', requestConfig: false }),
        startSimulator({ url: mosquitto.url, cameras: 1, prefix: 'TMO', rate: 0, healthInterval: 0, control: 'timeout', requestConfig: false }),
      ];
      try {
        await Promise.all(sims.map((s) => s.ready));
        await sleep(100);
        const control = (camera: string) => JSON.stringify({ message_id: `ctl-${camera}`, timestamp: new Date().toISOString(), camera_id: camera, command: 'get_status' });
        for (const camera of ['OK001', 'ERR001', 'TMO001']) await mosquittoPub(mosquitto.port, `lprserver/cameras/${camera}/control`, control(camera), 2);
        const responses = () => sub.messages.filter((m) => m.topic.endsWith('/control/response')).map((m) => JSON.parse(m.payload));
        await waitUntil(() => responses().length === 2, 'two responses');
        await sleep(500);
        const byCamera = Object.fromEntries(responses().map((r) => [r.camera_id, r]));
        assert.deepEqual([byCamera.OK001.request_id, byCamera.OK001.status, byCamera.OK001.result.health.health_status !== undefined], ['ctl-OK001', 'success', true]);
        assert.deepEqual([byCamera.ERR001.request_id, byCamera.ERR001.status], ['ctl-ERR001', 'error']);
        assert.match(byCamera.ERR001.error, /simulated failure/);
        assert.equal(byCamera.TMO001, undefined, 'timeout mode: no answer');

        // Config update: kept as desired, applied, reported (retained, QoS 2) on .../config.
        const desired = { message_id: 'cfg-ok', timestamp: new Date().toISOString(), camera_id: 'OK001', config_type: 'detection_settings', config_data: { detection_interval: 250, confidence_threshold: 0.9, max_vehicles_per_frame: 2, image_quality: 'low', enable_recording: true, recording_duration: 10 } };
        await mosquittoPub(mosquitto.port, 'lprserver/cameras/OK001/config/update', JSON.stringify(desired), 2);
        await waitUntil(() => sub.messages.some((m) => m.topic === 'lprserver/cameras/OK001/config'), 'the reported config');
        const reported = JSON.parse(sub.messages.find((m) => m.topic === 'lprserver/cameras/OK001/config')!.payload);
        assert.equal(reported.config_type, 'detection_settings');
        assert.deepEqual(reported.config_data, desired.config_data);
        assert.notEqual(reported.message_id, 'cfg-ok');
        const cam = sims[0]!.cameras[0]!;
        assert.equal(cam.running.detection_interval, 250);
        assert.deepEqual(cam.desired.get('detection_settings'), desired.config_data);
        // The applied interval (250 ms) now drives detections (rate 0 before): they flow, with confidences >= 0.9.
        await waitUntil(() => sims[0]!.stats().generated >= 3, 'detections at the configured interval', 10_000);
        const detections = sub.messages.filter((m) => m.topic === 'lprserver/cameras/OK001/detection').map((m) => JSON.parse(m.payload));
        for (const d of detections) for (const p of d.detection_data.plates) assert.ok(p.confidence >= 0.9, `confidence ${p.confidence}`);
        for (const d of detections) assert.ok(d.detection_data.vehicles_count <= 2);
        await mosquittoPub(mosquitto.port, 'lprserver/cameras/OK001/config/update', '', 2, true);

        // health/request -> the last health again, with a new message_id.
        const healths = () => sub.messages.filter((m) => m.topic === 'lprserver/cameras/ERR001/health').map((m) => JSON.parse(m.payload));
        await waitUntil(() => healths().some((h) => h.health_status !== 'offline'), 'the first health');
        const before = healths().length;
        await mosquittoPub(mosquitto.port, 'lprserver/cameras/ERR001/health/request', JSON.stringify({ message_id: 'hr', timestamp: new Date().toISOString() }), 0);
        await waitUntil(() => healths().length === before + 1, 'the health answer');
        assert.equal(sims[1]!.stats().healthRequests, 1);
      } finally {
        sub.stop();
        const summaries = await Promise.all(sims.map((s) => s.stop(0)));
        assert.equal(summaries[0]!.controlResponses, 1);
        assert.equal(summaries[2]!.controls, 1);
        assert.equal(summaries[2]!.controlResponses, 0);
      }
    });
  });

  describe('data', function () {
    const pool = (thaiRatio: number, blacklisted: string[] = ['ABC1234', 'กข1234'], seed = 1) => new PlatePool(new Random(seed), { poolSize: 200, thaiRatio, blacklisted });
    const settings = { confidenceThreshold: 0.7, maxVehiclesPerFrame: 5 };

    it('Thai plates (1กข1234, กข 1234) and Latin plates (ABC1234, 1ABC234) by --thai-ratio', () => {
      assert.ok(pool(1).ordinary.every((p) => THAI.test(p.plate_number) && p.script === 'thai'), 'all Thai');
      assert.ok(pool(0).ordinary.every((p) => LATIN.test(p.plate_number) && p.script === 'latin'), 'all Latin');
      const mixed = pool(0.5).ordinary;
      const thai = mixed.filter((p) => p.script === 'thai').length;
      assert.ok(thai > 60 && thai < 140, `${thai} Thai of 200`);
      const formats = new Set(mixed.map((p) => p.plate_number.replace(/[A-Z]/g, 'L').replace(/[\u0E00-\u0E7F]/g, 'T').replace(/\d+/g, 'D')));
      for (const f of ['LLLD', 'DLLLD', 'DTTD', 'TT D']) assert.ok(formats.has(f), `format ${f} missing: ${[...formats].join(', ')}`);
      assert.ok(mixed.every((p) => p.province.length > 0));
    });

    it('mixes blacklisted plates in at --blacklist-ratio', () => {
      const rng = new Random(7);
      const p = pool(0.5);
      let hits = 0;
      for (let i = 0; i < 2000; i++) hits += generateDetection(rng, { cameraId: 'C1', pool: p, blacklistRatio: 0.1 }, settings, Date.now()).blacklisted;
      assert.ok(hits > 150 && hits < 300, `${hits} blacklisted of ~2000 reads`);
      const all = generateDetection(new Random(3), { cameraId: 'C1', pool: p, blacklistRatio: 1 }, settings, Date.now()).detection;
      assert.ok(['ABC1234', 'กข1234'].includes(all.detection_data.plates[0]!.plate_number));
      assert.equal(generateDetection(new Random(3), { cameraId: 'C1', pool: pool(0.5, []), blacklistRatio: 1 }, settings, Date.now()).blacklisted, 0);
    });

    it('valid seed-format detections: confidences 0.7-0.99, boxes inside 1920x1080, plates inside their vehicle', () => {
      const rng = new Random(11);
      const p = pool(0.5);
      const classes = new Set<string>();
      for (let i = 0; i < 500; i++) {
        const { detection } = generateDetection(rng, { cameraId: 'CAM001', pool: p, blacklistRatio: 0.05 }, settings, Date.now());
        const full = { ...detection, message_id: `m${i}`, timestamp: new Date().toISOString() };
        const result = validateMessage('detection', full);
        assert.ok(result.ok, result.ok ? '' : result.error.message);
        const d = full.detection_data;
        assert.equal(d.vehicles_count, d.vehicles.length);
        assert.equal(d.plates_count, d.plates.length);
        assert.ok(d.plates.length >= 1);
        assert.ok(d.confidence_score >= 0.7 && d.confidence_score <= 0.99);
        for (const v of d.vehicles) {
          classes.add(String(v.vehicle_class));
          assert.ok(v.confidence! >= 0.7 && v.confidence! <= 0.99);
          const [x1, y1, x2, y2] = v.bbox!;
          assert.ok(x1 >= 0 && y1 >= 0 && x2 <= FRAME.width && y2 <= FRAME.height && x2 > x1 && y2 > y1, `vehicle box ${v.bbox}`);
          assert.ok(typeof v.color === 'string');
        }
        for (const plate of d.plates) {
          assert.ok(plate.confidence >= 0.7 && plate.confidence <= 0.99);
          const v = d.vehicles[(plate as any).vehicle_index]!;
          const [px1, py1, px2, py2] = plate.bbox!;
          const [vx1, vy1, vx2, vy2] = v.bbox!;
          assert.ok(px1 >= vx1 && py1 >= vy1 && px2 <= vx2 && py2 <= vy2, `plate ${plate.bbox} outside vehicle ${v.bbox}`);
        }
      }
      for (const c of ['car', 'pickup', 'motorcycle']) assert.ok(classes.has(c), c);
    });

    it('the same seed gives the same data', () => {
      const a = generateDetection(new Random(5), { cameraId: 'C', pool: pool(0.5, [], 9), blacklistRatio: 0 }, settings, 0).detection;
      const b = generateDetection(new Random(5), { cameraId: 'C', pool: pool(0.5, [], 9), blacklistRatio: 0 }, settings, 0).detection;
      assert.deepEqual(a, b);
    });
  });
});
