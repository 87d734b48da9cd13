/**
 * Mosquitto listens exactly where lpr-mosquitto was asked to, and nowhere else: for every option that
 * changes the listeners or their settings, start the real broker on the generated mosquitto.conf and
 * list the process's listening sockets (/proc). A listener setting written before any `listener` line
 * makes Mosquitto 2.0 open a default listener on 0.0.0.0:1883 and [::]:1883, plain, whatever else
 * the file says: this is what these cases catch.
 */
import assert from 'node:assert/strict';
import type { ProvisionInput } from '../../src/mosquitto';
import { listeningSockets } from '../fixtures/listening-sockets';
import { startProvisionedMosquitto, type ProvisionedMosquitto } from '../fixtures/provisioned-mosquitto';

type Case = { name: string; input: Omit<ProvisionInput, 'out'> };

const CASES: Case[] = [];
for (const usernameAsClientid of [false, true]) {
  const u = usernameAsClientid ? ' --username-as-clientid' : ' --no-username-as-clientid';
  CASES.push(
    { name: `plain${u}`, input: { usernameAsClientid } },
    { name: `--tls${u}`, input: { tls: true, usernameAsClientid } },
    { name: `--tls --mtls --port 0${u}`, input: { tls: true, mtls: true, port: 0, usernameAsClientid } },
    { name: `--tls --mtls --identity-as-username${u}`, input: { tls: true, mtls: true, identityAsUsername: true, usernameAsClientid } },
    { name: `--bind ::1${u}`, input: { bind: '::1', usernameAsClientid } },
    { name: `--bind ::1 --tls --tls-bind 127.0.0.1${u}`, input: { bind: '::1', tls: true, tlsBind: '127.0.0.1', usernameAsClientid } },
  );
}

const at = (address: string, port: number) => `${address === '::1' ? '[::1]' : address}:${port}`;

describe('security: the generated mosquitto.conf listens only where asked (real Mosquitto, sockets from /proc)', function () {
  this.timeout(60_000);
  if (process.platform !== 'linux') return;
  let broker: ProvisionedMosquitto | undefined;
  afterEach(async () => {
    await broker?.stop();
    broker = undefined;
  });

  for (const { name, input } of CASES) {
    it(name, async () => {
      broker = await startProvisionedMosquitto({ cameras: ['CAM001'], ...input });
      const o = broker.options;
      const expected = [...(o.port !== 0 ? [at(o.bind, o.port)] : []), ...(o.tls ? [at(o.tlsBind, o.tlsPort)] : [])].sort();
      assert.deepEqual(listeningSockets(broker.pid), expected, `listening sockets of:\n${broker.log()}`);
    });
  }
});
