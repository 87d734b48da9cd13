/**
 * Fuzzing every node that reads MQTT, through a real Mosquitto into a real Node-RED runtime:
 * thousands of bad payloads (fixed corpus + fast-check) interleaved with valid messages. Nothing
 * may crash or leak an unhandled rejection, every bad payload must be reported naming a field (or
 * the stage: `(payload)`), and every valid message must be delivered, counted exactly.
 *
 * The broker-borne part runs twice: on an open broker with no limits (every payload, 10 MB ones
 * included, reaches the nodes) and on the configuration `lpr-mosquitto` writes (passwords, the ACL,
 * its message_size_limit: payloads over it must be refused by the broker and never reach a node;
 * the rest as on the open broker). `FUZZ_PROVISIONED_PER_TARGET` bounds the second run's size.
 *
 * Then a second, larger batch of generated payloads goes straight through the decode function
 * the nodes use (decodePayload, and DetectionIntake for lpr-detection-in), for breadth.
 *
 * Run alone: npx mocha --no-config -n import=tsx --timeout 60000 --exit test/security/fuzz.test.ts
 */
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { decodePayload, TopicTree, type MessageKind } from '../../src/protocol';
import { DetectionIntake, readDetectionInSettings } from '../../src/runtime/detection-intake';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { startProvisionedMosquitto } from '../fixtures/provisioned-mosquitto';
import { detection, seedConfig, seedControl, seedHealth } from '../fixtures/samples';
import { sleep, waitUntil } from '../fixtures/wait';
import { brokerConfig, helper, useHelperServer } from '../nodes/harness';
import { fixedCorpus, generated, isBad, shuffle, type Oracle } from './fuzz-corpus';

/* eslint-disable @typescript-eslint/no-require-imports */
const NODES = [
  require('../../dist/lpr-broker.js'),
  require('../../dist/lpr-detection-in.js'),
  require('../../dist/lpr-health-monitor.js'),
  require('../../dist/lpr-blacklist.js'),
  require('../../dist/lpr-camera-control.js'),
  require('../../dist/lpr-camera-config.js'),
  require('../../dist/lpr-camera.js'),
  require('../../dist/lpr-system-monitor.js'),
  require('@node-red/nodes/core/common/25-catch.js'),
];
/* eslint-enable @typescript-eslint/no-require-imports */

const SEED = Number(process.env.FUZZ_SEED ?? 7);
/** Generated bad payloads per target through the broker (on top of the fixed corpus). */
const GENERATED_PER_TARGET = Number(process.env.FUZZ_PER_TARGET ?? 625);
/** The same on the lpr-mosquitto configuration (smaller: the fixed corpus is what differs there). */
const PROVISIONED_PER_TARGET = Number(process.env.FUZZ_PROVISIONED_PER_TARGET ?? 200);
/** Generated bad payloads per message kind straight through the decode function. */
const DIRECT_PER_KIND = Number(process.env.FUZZ_DIRECT_PER_KIND ?? 1000);
const ROOT = 'lprserver';
const now = () => new Date().toISOString();
const MB10 = 10 * 1024 * 1024;

/** One subscriber of one node: where bad and valid payloads go and how each is recognised. */
interface Target {
  name: string;
  oracle: Oracle;
  /** Topic of the bad payloads. */
  topic: string;
  /** A valid message to derive the corpus from (for the topic's camera). */
  sample: Record<string, unknown>;
  /** Valid messages: [topic, payload]. */
  valid: Array<[string, Record<string, unknown>]>;
  /** Is this caught error (Catch node msg) or warning text one of this target's? */
  reported(c: { source: string; type: string | undefined; text: string }): boolean;
  /** How many valid messages were delivered so far. */
  delivered(): number;
}

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** A broker to fuzz through: where it listens, who logs in as what, what it refuses by size. */
interface FuzzBroker {
  port: number;
  url: string;
  /** Node-RED credentials of the server (`sbroker`) and the edge camera EDGE1 (`cbroker`) connections. */
  credentials: Record<string, { user: string; password: string }>;
  /** The fuzzer's login (a server user: it plays every camera and the operator). */
  login: { username?: string; password?: string };
  /** Payloads larger than this never reach a subscriber (message_size_limit); null = no limit. */
  sizeLimit: number | null;
  stop(): Promise<void>;
}

const BROKERS: Array<{ name: string; perTarget: number; start(): Promise<FuzzBroker> }> = [
  {
    name: 'an open broker without limits',
    perTarget: GENERATED_PER_TARGET,
    async start() {
      // No queue limit: the server's subscription must not lose what a fast publisher sends
      // (stock Mosquitto drops QoS 1 messages past 1000 queued). No message size limit either, so
      // the 10 MB payloads reach the nodes (Mosquitto's default allows up to 256 MB).
      const m: Mosquitto = await startMosquitto({ extraConfig: ['max_queued_messages 0', 'max_inflight_messages 0'] });
      return { port: m.port, url: m.url, credentials: {}, login: {}, sizeLimit: null, stop: () => m.stop() };
    },
  },
  {
    name: 'the configuration lpr-mosquitto writes (passwords, ACL, message_size_limit)',
    perTarget: PROVISIONED_PER_TARGET,
    async start() {
      const b = await startProvisionedMosquitto({ cameras: ['EDGE1'], serverUsers: ['lprserver', 'fuzzer'] });
      const cred = (user: string) => ({ user, password: b.credentials.get(user)! });
      return {
        port: b.port,
        url: b.url,
        credentials: { sbroker: cred('lprserver'), cbroker: cred('EDGE1') },
        login: { username: 'fuzzer', password: b.credentials.get('fuzzer')! },
        sizeLimit: b.options.messageSizeLimit,
        stop: () => b.stop(),
      };
    },
  },
];

for (const setup of BROKERS) describe(`fuzz: bad payloads into every node that reads MQTT, through ${setup.name} (real Mosquitto, real Node-RED)`, function () {
  this.timeout(120_000);
  let mosquitto: FuzzBroker;
  const unhandled: unknown[] = [];
  const onUnhandled = (err: unknown) => unhandled.push(err);

  before(async () => {
    mosquitto = await setup.start();
    process.on('unhandledRejection', onUnhandled);
    process.on('uncaughtException', onUnhandled);
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    process.off('uncaughtException', onUnhandled);
    await mosquitto?.stop();
  });
  useHelperServer();

  it('no crash, every bad payload reported with a field (or refused by the broker), every valid one delivered', async () => {
    const at = { port: mosquitto.port } as Mosquitto;
    // Ids of this run only: a dedupe window kept by an earlier run (a user directory) must not hide them.
    const run = Date.now().toString(36);
    await helper.load(NODES, [
      brokerConfig(at, { id: 'sbroker', name: 'server', clientId: 'fuzz-server', queueLimit: 100_000 }),
      brokerConfig(at, { id: 'cbroker', name: 'edge', clientId: 'fuzz-edge' }),
      { id: 'din', type: 'lpr-detection-in', broker: 'sbroker', camera: '', sharedGroup: '', ack: true, dedupe: 300, dedupeSize: 100000, split: false, maxBytes: 262144, wires: [['dout']] },
      { id: 'dout', type: 'helper' },
      { id: 'hm', type: 'lpr-health-monitor', broker: 'sbroker', camera: '', offlineAfter: 3600, summaryInterval: 0, publishSystemHealth: false, publishAlerts: false, wires: [['hout'], []] },
      { id: 'hout', type: 'helper' },
      { id: 'bl', type: 'lpr-blacklist', broker: 'sbroker', entries: [], persist: false, answerRequests: true },
      { id: 'ctl', type: 'lpr-camera-control', broker: 'sbroker', camera: '', command: '', timeout: 120, priority: '', wires: [['cok'], ['cfail']] },
      { id: 'cok', type: 'helper' },
      { id: 'cfail', type: 'helper' },
      { id: 'cfg', type: 'lpr-camera-config', broker: 'sbroker', camera: '', configType: '', persist: false, wires: [['cfgrep'], ['cfgpub']] },
      { id: 'cfgrep', type: 'helper' },
      { id: 'cfgpub', type: 'helper' },
      { id: 'cam', type: 'lpr-camera', broker: 'cbroker', camera: 'EDGE1', checkpoint: '', ack: true, requestConfig: false, persist: false, wires: [['camctl'], ['camcfg']] },
      { id: 'camctl', type: 'helper' },
      { id: 'camcfg', type: 'helper' },
      { id: 'sm', type: 'lpr-system-monitor', broker: 'sbroker', interval: 0, publish: false, prometheus: false, control: true, wires: [['smout']] },
      { id: 'smout', type: 'helper' },
      { id: 'catcher', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ], mosquitto.credentials);
    const count = (id: string, filter: (m: any) => boolean = () => true) => {
      const box = { n: 0 };
      helper.getNode(id).on('input', (m: any) => {
        if (filter(m)) box.n++;
      });
      return box;
    };
    const caught: Array<{ source: string; type: string | undefined; text: string; code: string; path: unknown }> = [];
    helper.getNode('caught').on('input', (m: any) => {
      caught.push({ source: m.error?.source?.id, type: m.lpr?.type, text: String(m.error?.message), code: m.error?.code, path: m.error?.cause?.issues?.[0]?.path });
    });
    // lpr-blacklist is a config node (no Catch can scope it): it reports a bad update with node.warn.
    const warnings: string[] = [];
    helper.getNode('bl').on('call:warn', (call: any) => warnings.push(String(call.args[0])));
    const dout = count('dout');
    const hout = count('hout');
    const cok = count('cok');
    const cfgrep = count('cfgrep');
    const cfgRequests = count('cfgpub', (m) => m.lpr?.reason === 'request');
    const cfgInputs = count('cfgpub', (m) => m.lpr?.reason === 'input');
    const camctl = count('camctl');
    const camcfg = count('camcfg');
    const smout = count('smout');
    const agent = (helper.getNode('cam') as any).lprAgent;
    const list = helper.getNode('bl') as any;

    for (const id of ['sbroker', 'cbroker']) {
      const conn = (helper.getNode(id) as any).connection;
      await waitUntil(() => conn.connected && [...conn.subs.values()].every((s: any) => s.active), `${id} subscribed`);
    }
    await sleep(200);

    // The fuzzer: one MQTT.js client. It also plays the camera that answers lpr-camera-control,
    // and counts the watch list's answers to blacklist/request.
    const fuzzer = await mqtt.connectAsync(mosquitto.url, { clientId: 'fuzzer', ...mosquitto.login });
    const controls: string[] = [];
    const ownUpdateIds = new Set<string>();
    // The list's answers to blacklist/request go to cameras/FZB1/blacklist, merged and rate-limited:
    // a valid request is "delivered" when the answerer counts it.
    const answers = () => list.requestAnswerer.counts.requests;
    fuzzer.on('message', (topic, payload) => {
      if (topic === `${ROOT}/cameras/FZC1/control`) controls.push(JSON.parse(payload.toString()).message_id);
    });
    await fuzzer.subscribeAsync([`${ROOT}/cameras/FZC1/control`], { qos: 1 });

    // Commands waiting for the valid control responses, and desired configs for the valid config requests.
    const ctl = helper.getNode('ctl');
    for (let i = 0; i < 20; i++) ctl.receive({ camera: 'FZC1', payload: { command: 'ping', parameters: { n: i } } });
    await waitUntil(() => controls.length === 20, '20 commands at the fuzz camera');
    helper.getNode('cfg').receive({ camera: ids('RQ', 10), config_type: 'custom', payload: { mode: 'fuzz' } });
    await waitUntil(() => cfgInputs.n === 10, 'desired configs published');

    const T = (kind: MessageKind, topicCamera: string | null, options: Oracle['options'] = {}): Oracle => ({
      kind,
      options: { ...options, ...(topicCamera ? { topicCameraId: topicCamera } : {}) },
    });
    const env = (id: string) => ({ message_id: id, timestamp: now() });
    const cam = (id: string, suffix: string) => `${ROOT}/cameras/${id}/${suffix}`;
    const fromCaught = (source: string, type: string) => (c: { source: string; type: string | undefined }) => c.source === source && c.type === type;

    const targets: Target[] = [
      {
        name: 'lpr-detection-in (cameras/+/detection)',
        oracle: T('detection', 'FZD1', { maxBytes: 262144 }),
        topic: cam('FZD1', 'detection'),
        sample: detection('FZD1', 'sample'),
        valid: ids('v', 40).map((id, i) => [cam(`FZD${i % 4}`, 'detection'), detection(`FZD${i % 4}`, `valid-${run}-${id}`)]),
        reported: fromCaught('din', 'detection'),
        delivered: () => dout.n,
      },
      {
        name: 'lpr-health-monitor (cameras/+/health)',
        oracle: T('health', 'FZH1'),
        topic: cam('FZH1', 'health'),
        sample: { ...seedHealth(), camera_id: 'FZH1' },
        valid: ids('HV', 30).map((id) => [cam(id, 'health'), { ...seedHealth(), ...env(`h-${id}`), camera_id: id }]),
        reported: fromCaught('hm', 'health'),
        delivered: () => hout.n,
      },
      {
        name: 'lpr-blacklist (blacklist/updates)',
        oracle: T('blacklistUpdates', null, { maxBytes: 256 * 1024 * 1024 }),
        topic: `${ROOT}/blacklist/updates`,
        sample: { ...env('bu'), action: 'add', entries: [{ plate_number: 'AB1234', province: 'Bangkok', priority: 'high' }] },
        valid: ids('FZ', 30).map((plate) => {
          ownUpdateIds.add(`bu-${plate}`);
          return [`${ROOT}/blacklist/updates`, { ...env(`bu-${plate}`), action: 'add', entries: [{ plate_number: plate }] }];
        }),
        reported: (c) => c.source === 'bl' && /^blacklist update on .* rejected, list unchanged: /.test(c.text),
        delivered: () => list.store.size,
      },
      {
        name: 'lpr-blacklist (blacklist/request)',
        oracle: T('blacklistRequest', null),
        topic: `${ROOT}/blacklist/request`,
        sample: { ...env('br'), camera_id: 'FZB1' },
        valid: ids('br', 10).map((id) => [`${ROOT}/blacklist/request`, { ...env(id), camera_id: 'FZB1' }]),
        reported: (c) => c.source === 'bl' && /^blacklist request rejected: /.test(c.text),
        delivered: answers,
      },
      {
        name: 'lpr-camera-control (cameras/+/control/response)',
        oracle: T('controlResponse', 'FZC1'),
        topic: cam('FZC1', 'control/response'),
        sample: { ...env('cr'), camera_id: 'FZC1', request_id: 'r1', status: 'success', result: { ok: true } },
        valid: controls.map((requestId, i) => [cam('FZC1', 'control/response'), { ...env(`cr-${i}`), camera_id: 'FZC1', request_id: requestId, status: 'success', result: { i } }]),
        reported: fromCaught('ctl', 'control-response'),
        delivered: () => cok.n,
      },
      {
        name: 'lpr-camera-config (cameras/+/config)',
        oracle: T('config', 'FZF1'),
        topic: cam('FZF1', 'config'),
        sample: { ...seedConfig(), camera_id: 'FZF1' },
        valid: ids('cf', 20).map((id) => [cam('FZF1', 'config'), { ...seedConfig(), ...env(id), camera_id: 'FZF1' }]),
        reported: fromCaught('cfg', 'config'),
        delivered: () => cfgrep.n,
      },
      {
        name: 'lpr-camera-config (cameras/+/config/request)',
        oracle: T('configRequest', 'FZQ1'),
        topic: cam('FZQ1', 'config/request'),
        sample: { ...env('cq'), camera_id: 'FZQ1' },
        valid: ids('RQ', 10).map((id) => [cam(id, 'config/request'), { ...env(`cq-${id}`), camera_id: id }]),
        reported: fromCaught('cfg', 'config-request'),
        delivered: () => cfgRequests.n,
      },
      {
        name: 'lpr-camera (cameras/EDGE1/control)',
        oracle: T('control', 'EDGE1'),
        topic: cam('EDGE1', 'control'),
        sample: { ...seedControl(), camera_id: 'EDGE1' },
        valid: ids('ec', 20).map((id) => [cam('EDGE1', 'control'), { ...seedControl(), ...env(id), camera_id: 'EDGE1' }]),
        reported: fromCaught('cam', 'control'),
        delivered: () => camctl.n,
      },
      {
        name: 'lpr-camera (cameras/EDGE1/config/update)',
        oracle: T('configUpdate', 'EDGE1'),
        topic: cam('EDGE1', 'config/update'),
        sample: { ...seedConfig(), camera_id: 'EDGE1' },
        valid: ids('eu', 20).map((id) => [cam('EDGE1', 'config/update'), { ...seedConfig(), ...env(id), camera_id: 'EDGE1' }]),
        reported: fromCaught('cam', 'configUpdate'),
        delivered: () => camcfg.n,
      },
      {
        name: 'lpr-camera (cameras/EDGE1/detection/ack)',
        oracle: T('detectionAck', 'EDGE1'),
        topic: cam('EDGE1', 'detection/ack'),
        sample: { ...env('ea'), camera_id: 'EDGE1', ack_id: 'd1', status: 'rejected', error: 'x' },
        valid: ids('ea', 20).map((id) => [cam('EDGE1', 'detection/ack'), { ...env(id), camera_id: 'EDGE1', ack_id: `unknown-${id}`, status: 'received' }]),
        reported: fromCaught('cam', 'detectionAck'),
        delivered: () => agent.metrics.unknownAcks,
      },
      {
        name: 'lpr-camera (cameras/EDGE1/health/request)',
        oracle: T('healthRequest', 'EDGE1'),
        topic: cam('EDGE1', 'health/request'),
        sample: { ...env('hr'), camera_id: 'EDGE1' },
        valid: ids('hr', 10).map((id) => [cam('EDGE1', 'health/request'), { ...env(id), camera_id: 'EDGE1' }]),
        reported: fromCaught('cam', 'healthRequest'),
        delivered: () => agent.counts.healthRequests,
      },
      {
        name: 'lpr-system-monitor (system/control)',
        oracle: T('systemControl', null),
        topic: `${ROOT}/system/control`,
        sample: { ...env('sc'), command: 'report_now', parameters: { a: 1 } },
        valid: ids('sc', 10).map((id) => [`${ROOT}/system/control`, { ...env(id), command: 'report_now' }]),
        reported: fromCaught('sm', 'systemControl'),
        delivered: () => smout.n,
      },
    ];

    const tree = new TopicTree(ROOT);
    // Build each target's stream: its bad payloads with its valid ones at random places. An empty
    // payload clears a retained topic (health, config) or is ignored by a camera: not "bad", so none is sent.
    const streams = targets.map((t, i) => {
      const otherCamera = t.oracle.options.topicCameraId ? 'OTHER9' : null;
      const bad = [...fixedCorpus(t.oracle, t.sample, otherCamera), ...generated(t.oracle, t.sample, setup.perTarget, SEED + i)].filter((p) => p.length > 0);
      for (const [topic, v] of t.valid) {
        const topicCameraId = tree.parse(topic)?.cameraId;
        const oracle = { ...t.oracle, options: { ...t.oracle.options, ...(topicCameraId ? { topicCameraId } : {}) } };
        assert.ok(!isBad(oracle, Buffer.from(JSON.stringify(v))), `${t.name}: a valid message is valid`);
      }
      const items: Array<{ topic: string; payload: Buffer; bad: boolean }> = [
        ...bad.map((payload) => ({ topic: t.topic, payload, bad: true })),
        ...t.valid.map(([topic, v]) => ({ topic, payload: Buffer.from(JSON.stringify(v)), bad: false })),
      ];
      // Over the broker's message_size_limit: refused there (MQTT 3.1.1: PUBACK, then dropped), never at a node.
      const oversize = mosquitto.sizeLimit === null ? 0 : bad.filter((p) => p.length > mosquitto.sizeLimit!).length;
      return { target: t, bad: bad.length, oversize, big: bad.filter((p) => p.length >= MB10).length, items: shuffle(items, SEED + 100 + i) };
    });

    // Interleave the targets too, and publish everything as fast as the client goes (QoS 1).
    const all = shuffle(
      streams.flatMap((s) => s.items),
      SEED,
    );
    const started = Date.now();
    await Promise.all(all.map((item) => fuzzer.publishAsync(item.topic, item.payload, { qos: 1 })));
    const published = Date.now() - started;

    const report = () =>
      streams.map((s) => {
        const reported = caught.filter((c) => s.target.reported(c)).length + warnings.filter((w) => s.target.reported({ source: 'bl', type: undefined, text: w })).length;
        return {
          node: s.target.name,
          'bad sent': s.bad,
          'of which 10 MB': s.big,
          'refused by the broker (size)': s.oversize,
          'bad reported': reported,
          'valid sent': s.target.valid.length,
          'valid delivered': s.target.delivered(),
        };
      });
    try {
      await waitUntil(
        () => report().every((r) => r['bad reported'] >= r['bad sent'] - r['refused by the broker (size)'] && r['valid delivered'] >= r['valid sent']),
        'every bad payload reported and every valid one delivered',
        60_000,
      );
    } finally {
      const rows = report();
      const totals = rows.reduce((a, r) => ({ bad: a.bad + r['bad sent'], reported: a.reported + r['bad reported'], valid: a.valid + r['valid sent'], delivered: a.delivered + r['valid delivered'] }), { bad: 0, reported: 0, valid: 0, delivered: 0 });
      console.log(`\n  fuzz through Mosquitto: ${all.length} payloads published in ${published} ms, all handled after ${Date.now() - started} ms (seed ${SEED})`);
      console.log(`  through ${setup.name}`);
      console.table([
        ...rows,
        {
          node: 'TOTAL',
          'bad sent': totals.bad,
          'of which 10 MB': rows.reduce((a, r) => a + r['of which 10 MB'], 0),
          'refused by the broker (size)': rows.reduce((a, r) => a + r['refused by the broker (size)'], 0),
          'bad reported': totals.reported,
          'valid sent': totals.valid,
          'valid delivered': totals.delivered,
        },
      ]);
    }
    await sleep(300);
    const rows = report();
    for (const r of rows) {
      assert.equal(r['bad reported'], r['bad sent'] - r['refused by the broker (size)'], `${r.node}: bad reported exactly once each (those the broker refused: never)`);
      assert.equal(r['valid delivered'], r['valid sent'], `${r.node}: valid delivered exactly`);
    }
    assert.ok(rows.reduce((a, r) => a + r['bad sent'], 0) >= (setup.perTarget >= 500 ? 5000 : 2000), 'thousands of bad payloads went through the broker');
    assert.ok(rows.every((r) => r['of which 10 MB'] >= 1), 'every target was sent a 10 MB payload');
    if (mosquitto.sizeLimit !== null) assert.ok(rows.every((r) => r['refused by the broker (size)'] >= r['of which 10 MB']), 'the broker refused every 10 MB payload');

    // Every report names a field path or the stage `(payload)`, with a known code.
    const CODES = new Set(['too_large', 'invalid_utf8', 'invalid_json', 'too_deep', 'forbidden_key', 'schema', 'camera_mismatch']);
    for (const c of caught) {
      assert.ok(CODES.has(c.code), `code ${c.code} (${c.text})`);
      assert.ok(typeof c.path === 'string' && c.path.length > 0, `a field path: ${c.text}`);
      assert.ok(c.text.includes(`${c.path}: `), `the message names the path: ${c.text}`);
    }
    for (const w of warnings.filter((w) => /rejected/.test(w))) assert.match(w, /rejected(, list unchanged)?: (\(payload\)|[A-Za-z_$][^:]*): /, w);
    // The nodes still work, and the runtime stayed up.
    assert.equal(agent.counts.invalid, streams.filter((s) => s.target.name.startsWith('lpr-camera (')).reduce((a, s) => a + s.bad - s.oversize, 0));
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
    assert.deepEqual(unhandled, [], 'no unhandledRejection / uncaughtException');
    await fuzzer.endAsync();
  });

});

describe('fuzz: breadth, straight through the decode function the nodes use', () => {
  it('breadth: generated payloads straight through the decode function the nodes use', () => {
    const tree = new TopicTree(ROOT);
    const intake = new DetectionIntake(tree, readDetectionInSettings({ rateLimit: 0 }));
    const kinds: Array<[MessageKind, Record<string, unknown>, Oracle['options']]> = [
      ['detection', detection('FZD1', 'x'), { topicCameraId: 'FZD1', maxBytes: 262144 }],
      ['health', { ...seedHealth(), camera_id: 'FZD1' }, { topicCameraId: 'FZD1' }],
      ['config', { ...seedConfig(), camera_id: 'FZD1' }, { topicCameraId: 'FZD1' }],
      ['configUpdate', { ...seedConfig(), camera_id: 'FZD1' }, { topicCameraId: 'FZD1' }],
      ['configRequest', { message_id: 'a', timestamp: now(), camera_id: 'FZD1' }, { topicCameraId: 'FZD1' }],
      ['control', { ...seedControl(), camera_id: 'FZD1' }, { topicCameraId: 'FZD1' }],
      ['controlResponse', { message_id: 'a', timestamp: now(), camera_id: 'FZD1', request_id: 'r', status: 'error', error: 'x' }, { topicCameraId: 'FZD1' }],
      ['detectionAck', { message_id: 'a', timestamp: now(), camera_id: 'FZD1', ack_id: 'd', status: 'received' }, { topicCameraId: 'FZD1' }],
      ['healthRequest', { message_id: 'a', timestamp: now() }, { topicCameraId: 'FZD1' }],
      ['blacklistUpdates', { message_id: 'a', timestamp: now(), action: 'replace', entries: [{ plate_number: 'AB1', expires_at: now() }] }, { maxBytes: 256 * 1024 * 1024 }],
      ['blacklistRequest', { message_id: 'a', timestamp: now(), camera_id: 'FZD1' }, {}],
      ['systemControl', { message_id: 'a', timestamp: now(), command: 'report_now' }, {}],
    ];
    const rows: Array<Record<string, unknown>> = [];
    let total = 0;
    const started = Date.now();
    kinds.forEach(([kind, sample, options], i) => {
      const payloads = generated({ kind, options }, sample, DIRECT_PER_KIND, SEED * 1000 + i);
      let named = 0;
      for (const p of payloads) {
        const r = decodePayload(kind, p, options);
        assert.ok(!r.ok);
        assert.ok(r.error.issues.length > 0 && r.error.issues.every((x) => x.path.length > 0 && x.message.length > 0));
        named++;
        if (kind === 'detection') {
          const h = intake.handle(`${ROOT}/cameras/FZD1/detection`, p);
          assert.equal(h.kind, 'rejected');
        }
      }
      total += payloads.length;
      rows.push({ kind, 'bad payloads': payloads.length, 'rejected with a field path': named });
    });
    console.log(`\n  fuzz through decodePayload: ${total} generated bad payloads in ${Date.now() - started} ms (seed ${SEED})`);
    console.table(rows);
    assert.ok(total >= 10_000, `${total} generated`);
    assert.equal(intake.counts.rejected, DIRECT_PER_KIND);
  });
});
