/**
 * What lpr-blacklist-match reads from a message. A detection from lpr-detection-in was already
 * validated there; the match node checks it again (a flow may have changed it), by the hand-written
 * check first and the zod schema only for what that check is not sure of (the schema's parse was
 * 12 µs per detection in the growth bench, about 5 % of the demo flow's CPU per detection). Held to
 * the schema: for any edited detection, the same reads or the same error as the schema alone gives.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readsFromMsg } from '../../src/blacklist/reads';
import { Detection } from '../../src/protocol';
import { detectionMessages } from '../../src/runtime/detection-intake';
import { edits, mutatedDetection, simDetection } from '../fixtures/detection-mutations';

/** readsFromMsg as it was: the schema decides every detection. */
function viaSchema(payload: unknown): { error: string } | { plates: Array<[string, string | null]>; cameraId: string; checkpointId: string | null; detectionMessageId: string; imagePath: string | null } {
  const parsed = Detection.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { error: `msg.payload: not a valid detection (${issue.path.join('.')}: ${issue.message})` };
  }
  const d = parsed.data;
  const path = d.metadata?.image_path;
  return {
    plates: d.detection_data.plates.map((p) => [p.plate_number, p.province ?? null]),
    cameraId: d.camera_id,
    checkpointId: d.checkpoint_id ?? null,
    detectionMessageId: d.message_id,
    imagePath: typeof path === 'string' && path.length <= 1024 ? path : null,
  };
}

function viaReads(payload: unknown): ReturnType<typeof viaSchema> {
  try {
    const ctx = readsFromMsg({ payload });
    return { plates: ctx.reads.map((r) => [r.plate, r.province]), cameraId: ctx.cameraId, checkpointId: ctx.checkpointId, detectionMessageId: ctx.detectionMessageId, imagePath: ctx.imagePath };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** Counts the schema's parses of detections while `run` runs. */
function schemaParses(run: () => void): number {
  const original = Detection.safeParse;
  let calls = 0;
  Detection.safeParse = ((...args: Parameters<typeof original>) => {
    calls++;
    return original(...args);
  }) as typeof original;
  try {
    run();
  } finally {
    Detection.safeParse = original;
  }
  return calls;
}

describe('blacklist reads from a msg', () => {
  it("reads lpr-detection-in's output, whole and split per plate, without the zod schema", () => {
    const msgs: object[] = [];
    for (let seed = 0; seed < 200; seed++) {
      const d = JSON.parse(JSON.stringify(simDetection(seed)));
      const topic = `lprserver/cameras/${d.camera_id}/detection`;
      msgs.push(...detectionMessages(topic, d, Date.now(), false), ...detectionMessages(topic, d, Date.now(), true));
    }
    let plates = 0;
    const parses = schemaParses(() => {
      for (const msg of msgs) plates += readsFromMsg(msg as unknown as Record<string, unknown>).reads.length;
    });
    assert.ok(plates >= 400, `${plates} plates read`);
    assert.equal(parses, 0);
  });

  it('gives the reads, or the error, that the schema alone gives, for any edited detection', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), edits, (seed, changes) => {
        const d = mutatedDetection(seed, changes);
        // Only what is still a detection's shape reaches the detection branch.
        if (!d || typeof d !== 'object' || !('detection_data' in d)) return;
        assert.deepEqual(viaReads(d), viaSchema(d), JSON.stringify(d));
      }),
      { numRuns: 3000 },
    );
  });

  it('names the field when a flow hands on a detection that is no longer valid', () => {
    const d = JSON.parse(JSON.stringify(simDetection(7)));
    d.detection_data.plates[0].confidence = 2;
    assert.throws(() => readsFromMsg({ payload: d }), /msg\.payload: not a valid detection \(detection_data\.plates\.0\.confidence: /);
    const split = { payload: d.detection_data.plates[1] ?? { plate_number: 'x', confidence: 0.9, plate_index: 0 }, detection: { ...d, camera_id: 'bad id' } };
    assert.throws(() => readsFromMsg(split), /msg\.detection: not a detection/);
  });
});
