/**
 * lpr-broker with `${VAR}` in its fields, as Node-RED documents for node properties: broker,
 * port, client id and topic root are substituted by the runtime before the node starts; the
 * credentials (which Node-RED does not substitute) by the node itself. A real Mosquitto that
 * requires a login checks the result.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startMosquitto, type Mosquitto } from '../fixtures/mosquitto';
import { detection } from '../fixtures/samples';
import { waitUntil } from '../fixtures/wait';
import { allNodes, brokerConfig, collect, helper, useHelperServer, waitReady } from './harness';

const ENV = {
  LPR_ENV_TEST_HOST: '127.0.0.1',
  LPR_ENV_TEST_CLIENT: 'lpr-env-client',
  LPR_ENV_TEST_ROOT: 'envroot',
  LPR_ENV_TEST_USER: 'envuser',
  LPR_ENV_TEST_PASS: 'env secret',
};

describe('lpr-broker: ${ENV} in its fields and credentials', function () {
  this.timeout(20_000);
  useHelperServer();
  let dir = '';
  let mosquitto: Mosquitto;

  before(async function () {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lpr-broker-env-'));
    const passwords = path.join(dir, 'passwords');
    execFileSync('mosquitto_passwd', ['-b', '-c', passwords, ENV.LPR_ENV_TEST_USER, ENV.LPR_ENV_TEST_PASS]);
    mosquitto = await startMosquitto({ extraConfig: ['allow_anonymous false', `password_file ${passwords}`, 'log_type subscribe'] });
    Object.assign(process.env, ENV, { LPR_ENV_TEST_PORT: String(mosquitto.port) });
  });

  after(async function () {
    for (const name of [...Object.keys(ENV), 'LPR_ENV_TEST_PORT']) delete process.env[name];
    await mosquitto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('connects with the host, port, client id, topic root and login the environment gives', async () => {
    const flow = [
      brokerConfig(mosquitto, {
        broker: '${LPR_ENV_TEST_HOST}',
        port: '${LPR_ENV_TEST_PORT}',
        clientId: '${LPR_ENV_TEST_CLIENT}',
        topicRoot: '${LPR_ENV_TEST_ROOT}',
      }),
      { id: 'in', type: 'lpr-detection-in', broker: 'broker', camera: '', ack: true, dedupe: 0, wires: [['out']] },
      { id: 'out', type: 'helper' },
    ];
    await helper.load(allNodes, flow, { broker: { user: '${LPR_ENV_TEST_USER}', password: '${LPR_ENV_TEST_PASS}' } });
    const out = collect('out');
    await waitReady();
    const broker = helper.getNode('broker') as any;
    assert.equal(broker.settings.url, `mqtt://127.0.0.1:${mosquitto.port}`);
    assert.equal(broker.settings.clientId, 'lpr-env-client');
    assert.equal(broker.settings.topicRoot, 'envroot');
    // Mosquitto let it in as the user from the environment, and it subscribed under the root from it.
    assert.match(mosquitto.log(), /as lpr-env-client \(.*u'envuser'\)/);
    assert.match(mosquitto.log(), /lpr-env-client \d envroot\/cameras\/\+\/detection/);
    const d = detection('CAM001', 'env-1');
    execFileSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(mosquitto.port), '-u', ENV.LPR_ENV_TEST_USER, '-P', ENV.LPR_ENV_TEST_PASS, '-q', '1', '-t', 'envroot/cameras/CAM001/detection', '-m', JSON.stringify(d)]);
    await waitUntil(() => out.length === 1, 'the detection under the root from the environment');
    assert.equal(out[0].payload.message_id, 'env-1');
  });

  it('a variable that is not set is named in the error, not taken as a host name', async () => {
    const flow = [brokerConfig(mosquitto, { broker: '${LPR_ENV_TEST_UNSET_HOST}' })];
    await helper.load(allNodes, flow);
    const log = helper.log();
    const errors = log.args.filter((a: any[]) => a[0]?.id === 'broker' && a[0]?.level === log.ERROR).map((a: any[]) => String(a[0].msg));
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.match(errors[0]!, /broker: the environment variable LPR_ENV_TEST_UNSET_HOST is not set/);
  });

  it('an unset variable in the credentials is named too', async () => {
    await helper.load(allNodes, [brokerConfig(mosquitto)], { broker: { user: '${LPR_ENV_TEST_USER}', password: '${LPR_ENV_TEST_UNSET_PASS}' } });
    const log = helper.log();
    const errors = log.args.filter((a: any[]) => a[0]?.id === 'broker' && a[0]?.level === log.ERROR).map((a: any[]) => String(a[0].msg));
    assert.deepEqual(errors, ['invalid configuration: password: the environment variable LPR_ENV_TEST_UNSET_PASS is not set']);
  });
});
