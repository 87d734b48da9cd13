/**
 * Fault injection on the broker, counted exactly: 10,000 detections from lpr-sim (4 cameras, own
 * process) and lpr-camera nodes (2 cameras, a Node-RED runtime) into lpr-detection-in (acks on,
 * dedupe on) in a Node-RED runtime in its own process, while the real Mosquitto is killed
 * (SIGKILL, twice) or restarted gracefully (SIGTERM) on the same port. Mosquitto persistence is on,
 * but its file is a periodic snapshot: what carries the guarantee is the cameras' outbox (kept
 * until acked, resent with the same message_id) and the server's dedupe window.
 * Every message_id must be emitted exactly once: 0 lost, 0 duplicates at the output.
 */
import assert from 'node:assert/strict';
import { sleep } from '../fixtures/wait';
import { assertAllDelivered, formatReport, runStream, tenThousandPlan, useFaultRig } from './stream';

const DOWN_MS = 1000;

describe('reliability: broker faults during a 10,000-detection stream', function () {
  this.timeout(150_000);
  const rig = useFaultRig();

  it('SIGKILL of Mosquitto twice mid-stream, restarted on the same port: every detection emitted exactly once', async () => {
    const kill = async () => {
      await rig.mosquitto.kill();
      await sleep(DOWN_MS);
      await rig.mosquitto.start();
    };
    const report = await runStream(
      tenThousandPlan(rig, [
        { atOutputs: 2500, name: 'SIGKILL + restart', run: kill },
        { atOutputs: 6000, name: 'SIGKILL + restart', run: kill },
      ]),
    );
    console.log(formatReport('broker SIGKILL x2', report));
    assertAllDelivered(report, true);
    // The faults did cut the stream: the cameras had to resend.
    assert.ok(report.resends > 0, 'resends after the kills');
  });

  it('graceful Mosquitto restart (SIGTERM, persistence saved) mid-stream: every detection emitted exactly once', async () => {
    const restart = async () => {
      await rig.mosquitto.restart();
    };
    const report = await runStream(
      tenThousandPlan(rig, [
        { atOutputs: 3000, name: 'SIGTERM + restart', run: restart },
        { atOutputs: 7000, name: 'SIGTERM + restart', run: restart },
      ]),
    );
    console.log(formatReport('broker graceful restart x2', report));
    assertAllDelivered(report, true);
  });
});
