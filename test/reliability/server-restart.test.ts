/**
 * The server side restarted while the cameras keep publishing: 10,000 detections from lpr-sim
 * (4 cameras) and lpr-camera nodes (2 cameras) into a Node-RED runtime in its own process whose
 * lpr-broker has a persistent session (clean session off, fixed client id, QoS 1 subscription),
 * so Mosquitto queues the detections while it is away. 0 lost is the hard requirement.
 *
 * A graceful stop must also leave no duplicate: acks and dedupe journal lines are written only
 * after Node-RED has handed an output on, and the window is journalled across the restart. A
 * crash can duplicate a detection emitted in its last moments whose ack had not reached the camera
 * (at least once); those are counted and printed.
 */
import assert from 'node:assert/strict';
import { sleep } from '../fixtures/wait';
import { assertAllDelivered, formatReport, runStream, tenThousandPlan, useFaultRig } from './stream';

/** How long the server stays down (the cameras go on publishing; their ack timeout is 3 s). */
const DOWN_MS = 4000;

describe('reliability: server runtime restarts during a 10,000-detection stream', function () {
  this.timeout(150_000);
  const rig = useFaultRig();

  it('graceful stop (SIGINT) and start of the server runtime, twice: 0 lost, 0 duplicates', async () => {
    const restart = async () => {
      await rig.server.stop();
      await sleep(DOWN_MS);
      await rig.server.start();
    };
    const report = await runStream(
      tenThousandPlan(rig, [
        { atOutputs: 2500, name: 'server SIGINT, 4 s down, start', run: restart },
        { atOutputs: 6000, name: 'server SIGINT, 4 s down, start', run: restart },
      ]),
    );
    console.log(formatReport('server graceful restart x2 (persistent session)', report));
    assertAllDelivered(report, true);
    // The detections published while it was down were queued by the broker, not resent later.
    assert.ok(report.dedupeSuppressed > 0, 'the cameras resent while the server was down; the new runtime suppressed the copies');
  });

  it('crash (SIGKILL) and start of the server runtime: 0 lost; duplicates counted', async () => {
    const crash = async () => {
      await rig.server.kill();
      await sleep(DOWN_MS);
      await rig.server.start();
    };
    const report = await runStream(tenThousandPlan(rig, [{ atOutputs: 4000, name: 'server SIGKILL, 4 s down, start', run: crash }]));
    console.log(formatReport('server crash (SIGKILL) + restart (persistent session)', report));
    assertAllDelivered(report, false);
    // Only detections in flight at the crash can come out twice: emitted, ack not yet delivered.
    assert.ok(report.duplicatesAtOutput <= 200, `duplicates at the output: ${report.duplicatesAtOutput}`);
  });
});
