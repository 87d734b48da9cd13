/**
 * lpr-camera-control on a real Mosquitto: round trips with mosquitto_sub / mosquitto_pub and a raw
 * MQTT.js camera as independent peers, 100 concurrent commands, timeouts, MQTT 5 correlation,
 * injection attempts.
 */
import assert from 'node:assert/strict';
import mqtt, { type MqttClient } from 'mqtt';
import { freePort, startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { mosquittoPub, mosquittoSub } from '../fixtures/mqtt-cli';
import { sleep, waitUntil } from '../fixtures/wait';
import { brokerConfig, brokerNode, catchNode, collect, helper, waitReady, useHelperServer } from './harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const controlNode = require('../../dist/lpr-camera-control.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const completeNode = require('@node-red/nodes/core/common/24-complete.js');
const nodes = [brokerNode, controlNode, catchNode, completeNode];

function flow(mosquitto: Mosquitto, props: Record<string, unknown> = {}, brokerProps: Record<string, unknown> = {}) {
  return [
    brokerConfig(mosquitto, { birth: false, ...brokerProps }),
    { id: 'ctl', type: 'lpr-camera-control', broker: 'broker', camera: '', command: '', timeout: 10, priority: '', wires: [['ok'], ['failed']], ...props },
    { id: 'ok', type: 'helper' },
    { id: 'failed', type: 'helper' },
    { id: 'catcher', type: 'catch', scope: ['ctl'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
    { id: 'completer', type: 'complete', scope: ['ctl'], uncaught: false, wires: [['completed']] },
    { id: 'completed', type: 'helper' },
  ];
}

type Answer = (control: any, topic: string, packet: any) => Array<Record<string, unknown>> | null;

/** A camera (raw MQTT.js) that answers each control it receives as `answer` says. */
async function camera(mosquitto: Mosquitto, answer: Answer, protocolVersion: 4 | 5 = 4) {
  const client: MqttClient = await mqtt.connectAsync(mosquitto.url, { protocolVersion, clientId: `cam-${Math.random().toString(16).slice(2)}` });
  const received: Array<{ topic: string; control: any; packet: any }> = [];
  // A camera must pace its QoS 2 answers too: Mosquitto drops those beyond 20 in flight per client.
  let active = 0;
  const waiting: Array<() => void> = [];
  const publish = async (topic: string, payload: string, opts: Record<string, unknown> = {}) => {
    if (active >= 10) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      await client.publishAsync(topic, payload, { qos: 2, ...opts });
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
  client.on('message', (topic, payload, packet) => {
    const control = JSON.parse(payload.toString());
    received.push({ topic, control, packet });
    for (const fields of answer(control, topic, packet) ?? []) {
      const { _topic, _properties, ...rest } = fields as any;
      const response = { message_id: `resp-${Math.random().toString(16).slice(2)}`, timestamp: new Date().toISOString(), camera_id: control.camera_id, request_id: control.message_id, ...rest };
      void publish(_topic ?? topic + '/response', JSON.stringify(response), _properties ? { properties: _properties } : {});
    }
  });
  await client.subscribeAsync('lprserver/cameras/+/control', { qos: 2 });
  return { client, received, publish, stop: () => client.endAsync() };
}

function response(control: any, status: string, extra: Record<string, unknown> = {}) {
  return JSON.stringify({ message_id: `r-${control.message_id}`, timestamp: new Date().toISOString(), camera_id: control.camera_id, request_id: control.message_id, status, ...extra });
}

describe('lpr-camera-control on a real Mosquitto', function () {
  let mosquitto: Mosquitto;

  before(async () => {
    mosquitto = await startMosquitto();
  });
  after(async () => {
    await mosquitto?.stop();
  });
  useHelperServer();

  it('round trip: mosquitto_sub sees the Control (QoS 2 topic), mosquitto_pub answers, output 1 has response, request and rtt', async () => {
    await helper.load(nodes, flow(mosquitto));
    const ok = collect('ok');
    const caught = collect('caught');
    await waitReady();
    const sub = await mosquittoSub(mosquitto.port, 'lprserver/cameras/CAM001/control');
    try {
      helper.getNode('ctl').receive({
        camera: 'CAM001',
        topic: 'kept',
        payload: { command: 'restart_camera', parameters: { delay_seconds: 5, reason: 'scheduled_maintenance' }, priority: 'normal' },
      });
      const [seen] = await sub.waitFor(1);
      const control = JSON.parse(seen!.payload);
      assert.equal(seen!.topic, 'lprserver/cameras/CAM001/control');
      assert.match(control.message_id, /^[0-9a-f-]{36}$/);
      assert.ok(Math.abs(Date.parse(control.timestamp) - Date.now()) < 5000);
      assert.deepEqual(
        [control.camera_id, control.command, control.parameters, control.priority],
        ['CAM001', 'restart_camera', { delay_seconds: 5, reason: 'scheduled_maintenance' }, 'normal'],
      );
      await mosquittoPub(mosquitto.port, 'lprserver/cameras/CAM001/control/response', response(control, 'success', { result: { restarting_in: 5 } }), 2);
      await waitUntil(() => ok.length === 1, 'the response on output 1');
      const msg = ok[0];
      assert.equal(msg.payload.status, 'success');
      assert.equal(msg.payload.request_id, control.message_id);
      assert.deepEqual(msg.payload.result, { restarting_in: 5 });
      assert.deepEqual(msg.request, control);
      assert.equal(msg.topic, 'kept', 'the input message properties are kept');
      assert.deepEqual([msg.lpr.type, msg.lpr.cameraId, msg.lpr.requestId, msg.lpr.acceptedMs], ['control-response', 'CAM001', control.message_id, null]);
      assert.ok(typeof msg.lpr.rttMs === 'number' && msg.lpr.rttMs >= 0 && msg.lpr.rttMs < 10_000);
      // The answer's time on the site clock, for a dashboard.
      assert.equal(msg.lpr.site.zone, 'UTC');
      assert.ok(Math.abs(Date.parse(msg.lpr.site.at.iso) - Date.now()) < 5000);
      assert.equal(caught.length, 0);
    } finally {
      sub.stop();
    }
  });

  it('sends the Control with QoS 2; "accepted" is interim and the final answer completes it', async () => {
    await helper.load(nodes, flow(mosquitto, { command: 'set_exposure', camera: 'CAMQ' }));
    const ok = collect('ok');
    const failed = collect('failed');
    await waitReady();
    const cam = await camera(mosquitto, (c) => [{ status: 'accepted' }, { status: 'success', result: { ev: c.parameters.ev } }]);
    try {
      helper.getNode('ctl').receive({ payload: { parameters: { ev: 2 } } });
      await waitUntil(() => ok.length === 1, 'the final response');
      await sleep(100);
      assert.equal(ok.length, 1, 'accepted produced no output');
      assert.equal(failed.length, 0);
      assert.equal(cam.received[0]!.packet.qos, 2);
      assert.equal(cam.received[0]!.packet.retain, false);
      assert.deepEqual([ok[0].payload.status, ok[0].payload.result], ['success', { ev: 2 }]);
      assert.equal(ok[0].request.command, 'set_exposure');
      assert.equal(typeof ok[0].lpr.acceptedMs, 'number');
    } finally {
      await cam.stop();
    }
  });

  it('correlates 100 concurrent commands, answered out of order: each output carries its own request/response pair', async () => {
    await helper.load(nodes, flow(mosquitto));
    const ok = collect('ok');
    const failed = collect('failed');
    const caught = collect('caught');
    const completed = collect('completed');
    const ctlNode = helper.getNode('ctl') as any;
    const statuses: any[] = [];
    const status = ctlNode.status.bind(ctlNode);
    ctlNode.status = (s: any) => {
      statuses.push(s);
      status(s);
    };
    await waitReady();
    // The camera holds every command until it has all 100, then answers them in reverse order.
    const held: any[] = [];
    const cam = await camera(mosquitto, (c) => {
      held.push(c);
      if (held.length < 100) return null;
      for (const h of held.slice(0, -1).reverse()) {
        void cam.publish(`lprserver/cameras/${h.camera_id}/control/response`, response(h, 'success', { result: { n: h.parameters.n, camera: h.camera_id } }));
      }
      return [{ status: 'success', result: { n: c.parameters.n, camera: c.camera_id } }];
    });
    try {
      for (let n = 0; n < 100; n++) {
        helper.getNode('ctl').receive({ n, camera: `CAM${n % 7}`, payload: { command: 'ping', parameters: { n } } });
      }
      await waitUntil(() => ok.length === 100, '100 responses', 20_000);
      assert.equal(held.length, 100, 'the camera received every command (none lost to the broker quota)');
      // Each input message completes once, when its exchange does.
      await waitUntil(() => completed.length === 100, '100 completions');
      assert.deepEqual(completed.map((m) => m.n).sort((a, b) => a - b), [...Array(100).keys()]);
      assert.equal(failed.length, 0);
      assert.equal(caught.length, 0);
      const ids = new Set<string>();
      for (const msg of ok) {
        assert.equal(msg.payload.request_id, msg.request.message_id);
        assert.equal(msg.lpr.requestId, msg.request.message_id);
        assert.equal(msg.payload.result.n, msg.n, 'the response belongs to this input message');
        assert.equal(msg.request.parameters.n, msg.n);
        assert.equal(msg.payload.camera_id, `CAM${msg.n % 7}`);
        assert.equal(msg.lpr.cameraId, `CAM${msg.n % 7}`);
        ids.add(msg.request.message_id);
      }
      assert.equal(ids.size, 100);
      assert.deepEqual(new Set(ok.map((m) => m.n)).size, 100);
      await waitUntil(() => /connected · 0 in flight · 100 ok · 0 timeout$/.test(statuses[statuses.length - 1]?.text ?? ''), 'the status', 3000);
    } finally {
      await cam.stop();
    }
  });

  it('times out on output 2 (keeping an interim "accepted"); a late answer is ignored with a debug line', async () => {
    await helper.load(nodes, flow(mosquitto, { timeout: 0.4 }));
    const ok = collect('ok');
    const failed = collect('failed');
    await waitReady();
    const controls: any[] = [];
    const cam = await camera(mosquitto, (c) => {
      controls.push(c);
      return c.command === 'slow' ? [{ status: 'accepted' }] : null;
    });
    try {
      const start = Date.now();
      helper.getNode('ctl').receive({ camera: 'CAMT', payload: 'silent' });
      helper.getNode('ctl').receive({ camera: 'CAMT', payload: 'slow' });
      await waitUntil(() => failed.length === 2, 'two timeouts', 5000);
      assert.ok(Date.now() - start >= 380, 'not before the timeout');
      const byCommand = Object.fromEntries(failed.map((m) => [m.request.command, m]));
      assert.equal(byCommand.silent.payload.status, 'timeout');
      assert.equal(byCommand.silent.payload.response, undefined);
      assert.deepEqual(byCommand.silent.payload.request, byCommand.silent.request);
      assert.equal(byCommand.silent.lpr.type, 'control-timeout');
      assert.ok(byCommand.silent.lpr.rttMs >= 380);
      assert.equal(byCommand.slow.payload.status, 'timeout');
      assert.equal(byCommand.slow.payload.response.status, 'accepted');
      // A final answer after the timeout finds nobody waiting.
      const late = controls.find((c) => c.command === 'silent');
      await mosquittoPub(mosquitto.port, 'lprserver/cameras/CAMT/control/response', response(late, 'success'), 2);
      await waitUntil(
        () => helper.log().args.some((a: any[]) => a[0]?.level === helper.log().DEBUG && /ignored success response .* no command .* is waiting/.test(String(a[0].msg))),
        'the debug line for the late answer',
      );
      assert.equal(ok.length, 0);
    } finally {
      await cam.stop();
    }
  });

  it('puts a "rejected" answer on output 2, and an "error" answer on output 1', async () => {
    await helper.load(nodes, flow(mosquitto));
    const ok = collect('ok');
    const failed = collect('failed');
    await waitReady();
    const cam = await camera(mosquitto, (c) => [c.command === 'forbidden' ? { status: 'rejected', error: 'not allowed' } : { status: 'error', error: 'sensor fault' }]);
    try {
      helper.getNode('ctl').receive({ camera: 'CAMR', payload: 'forbidden' });
      helper.getNode('ctl').receive({ camera: 'CAMR', payload: 'calibrate' });
      await waitUntil(() => failed.length === 1 && ok.length === 1, 'one rejection and one error');
      assert.deepEqual([failed[0].payload.status, failed[0].payload.response.error, failed[0].lpr.type], ['rejected', 'not allowed', 'control-rejected']);
      assert.equal(failed[0].payload.request.command, 'forbidden');
      assert.deepEqual([ok[0].payload.status, ok[0].payload.error], ['error', 'sensor fault']);
    } finally {
      await cam.stop();
    }
  });

  it('ignores an answer from another camera than the command went to, and reports an invalid one to Catch', async () => {
    await helper.load(nodes, flow(mosquitto, { timeout: 1 }));
    const ok = collect('ok');
    const failed = collect('failed');
    const caught = collect('caught');
    await waitReady();
    const sub = await mosquittoSub(mosquitto.port, 'lprserver/cameras/+/control');
    try {
      helper.getNode('ctl').receive({ camera: 'CAMX', payload: 'reboot' });
      const control = JSON.parse((await sub.waitFor(1))[0]!.payload);
      // CAMY claims to answer CAMX's command: ignored.
      await mosquittoPub(mosquitto.port, 'lprserver/cameras/CAMY/control/response', JSON.stringify({ ...JSON.parse(response(control, 'success')), camera_id: 'CAMY' }), 2);
      // Not a ControlResponse: reported.
      await mosquittoPub(mosquitto.port, 'lprserver/cameras/CAMX/control/response', JSON.stringify({ request_id: control.message_id, status: 'done' }), 2);
      await waitUntil(() => caught.length === 1, 'the invalid response reported');
      assert.match(caught[0].error.message, /control response from camera CAMX rejected/);
      assert.equal(ok.length, 0);
      await waitUntil(() => failed.length === 1, 'the timeout');
      assert.equal(failed[0].payload.status, 'timeout');
    } finally {
      sub.stop();
    }
  });

  it('MQTT 5: the Control carries response topic and correlation data; answers are matched by both', async () => {
    await helper.load(nodes, flow(mosquitto, { timeout: 1.5 }, { protocolVersion: 5 }));
    const ok = collect('ok');
    const failed = collect('failed');
    await waitReady();
    const cam = await camera(
      mosquitto,
      (c, _topic, packet) => {
        const props = packet.properties ?? {};
        if (c.command === 'mismatch') return [{ status: 'success', _topic: props.responseTopic, _properties: { correlationData: Buffer.from('someone-else') } }];
        return [{ status: 'success', _topic: props.responseTopic, _properties: { correlationData: props.correlationData } }];
      },
      5,
    );
    try {
      helper.getNode('ctl').receive({ camera: 'CAM5', payload: { command: 'restart_camera' } });
      await waitUntil(() => ok.length === 1, 'the MQTT 5 response');
      const { control, packet } = cam.received[0]!;
      assert.equal(packet.properties.responseTopic, 'lprserver/cameras/CAM5/control/response');
      assert.ok(Buffer.isBuffer(packet.properties.correlationData));
      assert.equal(packet.properties.correlationData.toString(), control.message_id);
      assert.ok(packet.properties.messageExpiryInterval >= 1);
      assert.equal(ok[0].payload.request_id, control.message_id);

      helper.getNode('ctl').receive({ camera: 'CAM5', payload: { command: 'mismatch' } });
      await waitUntil(() => failed.length === 1, 'the answer with foreign correlation data is ignored: timeout', 5000);
      assert.equal(ok.length, 1);
    } finally {
      await cam.stop();
    }
  });

  it('refuses a command while the broker is not connected (never queued)', async () => {
    const port = await freePort();
    await helper.load(nodes, flow({ ...mosquitto, port } as Mosquitto));
    const caught = collect('caught');
    await sleep(100);
    helper.getNode('ctl').receive({ camera: 'CAM001', payload: 'reboot' });
    await waitUntil(() => caught.length === 1, 'the error');
    assert.match(caught[0].error.message, /broker: not connected/);
  });

  describe('injection attempts publish nothing', function () {
    let fresh: Mosquitto;
    before(async () => {
      fresh = await startMosquitto();
    });
    after(async () => {
      await fresh?.stop();
    });

    it('refuses camera a/b, +, # (and bad commands / parameters) from msg, naming the field; mosquitto_sub on # sees only the valid command', async () => {
      await helper.load(nodes, flow(fresh));
      const caught = collect('caught');
      await waitReady();
      const all = await mosquittoSub(fresh.port, '#');
      try {
        const ctl = helper.getNode('ctl');
        const bad: Array<[Record<string, unknown>, RegExp]> = [
          [{ camera: 'a/b', payload: 'reboot' }, /^InputError: msg\.camera: /],
          [{ camera: '+', payload: 'reboot' }, /^InputError: msg\.camera: /],
          [{ camera: '#', payload: 'reboot' }, /^InputError: msg\.camera: /],
          [{ camera: 'CAM001/control', payload: 'reboot' }, /msg\.camera/],
          [{ camera: '', payload: 'reboot' }, /msg\.camera/],
          [{ payload: 'reboot' }, /msg\.camera/],
          [{ camera: 'CAM001', payload: { command: 'a/#' } }, /msg\.payload\.command/],
          [{ camera: 'CAM001', payload: { command: 'x', parameters: [1, 2] } }, /msg\.payload\.parameters/],
          [{ camera: 'CAM001', payload: { command: 'x', priority: 'now' } }, /msg\.payload\.priority/],
        ];
        for (const [msg] of bad) ctl.receive(msg);
        await waitUntil(() => caught.length === bad.length, `${bad.length} errors`);
        bad.forEach(([, re], i) => assert.match(caught[i].error.message, re));
        assert.ok(caught.every((m) => m.error.code === 'invalid_input'));
        // A valid command afterwards proves the observer works: it is the only thing it sees.
        ctl.receive({ camera: 'CAM001', payload: 'reboot' });
        await all.waitFor(1);
        await sleep(300);
        assert.deepEqual(all.messages.map((m) => m.topic), ['lprserver/cameras/CAM001/control']);
      } finally {
        all.stop();
      }
    });

    for (const camera of ['a/b', '#', 'CAM 1']) {
      it(`a node configured with camera ${JSON.stringify(camera)} does not start and publishes nothing`, async () => {
        await helper.load(nodes, flow(fresh, { camera }));
        const all = await mosquittoSub(fresh.port, '#');
        try {
          const ctl = helper.getNode('ctl') as any;
          ctl.receive({ payload: 'reboot' });
          ctl.receive({ camera: 'CAM001', payload: 'reboot' });
          await sleep(500);
          assert.deepEqual(all.messages, []);
          const errors = helper.log().args.filter((a: any[]) => a[0]?.level === helper.log().ERROR && a[0]?.id === 'ctl');
          assert.ok(errors.some((a: any[]) => /invalid property camera: /.test(String(a[0].msg))), JSON.stringify(errors.map((a: any[]) => a[0].msg)));
        } finally {
          all.stop();
        }
      });
    }
  });
});
