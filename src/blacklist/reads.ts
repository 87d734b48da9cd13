/**
 * What `lpr-blacklist-match` takes from a message: the plates to match and where they were read.
 * Accepts the output of `lpr-detection-in` (whole or split per plate) or a plain plate.
 */
import { Detection, isIdentifier, Plate, type BlacklistNotification } from '../protocol';
import { isCertainlyDetection, isCertainlyPlate } from '../protocol/fast-detection';
import { IdentifierError } from '../protocol/identifiers';
import type { MatchResult } from './index';

export interface PlateRead {
  plate: string;
  province: string | null;
}

export interface ReadContext {
  reads: PlateRead[];
  cameraId: string;
  checkpointId: string | null;
  detectionMessageId: string;
  imagePath: string | null;
  detection: Detection | null;
}

type Msg = Record<string, unknown>;

function imagePathOf(detection: Detection): string | null {
  const path = detection.metadata?.image_path;
  return typeof path === 'string' && path.length <= 1024 ? path : null;
}

function fromDetection(detection: Detection, reads: PlateRead[]): ReadContext {
  return {
    reads,
    cameraId: detection.camera_id,
    checkpointId: detection.checkpoint_id ?? null,
    detectionMessageId: detection.message_id,
    imagePath: imagePathOf(detection),
    detection,
  };
}

/**
 * The detection in `value` checked again (a flow between lpr-detection-in and here may have changed
 * it): the hand-written check first, which passes what lpr-detection-in sends at ~1 µs, and the zod
 * schema (~12 µs a detection) only for what that check is not sure of; the schema words the error.
 */
function parseDetection(value: unknown): ReturnType<typeof Detection.safeParse> {
  return isCertainlyDetection(value) ? { success: true, data: value as Detection } : Detection.safeParse(value);
}

function parsePlate(value: unknown): ReturnType<typeof Plate.safeParse> {
  return isCertainlyPlate(value) ? { success: true, data: value as Plate } : Plate.safeParse(value);
}

/** The plates in `msg`; throws an Error naming the field when there is nothing to match. */
export function readsFromMsg(msg: Msg): ReadContext {
  const payload = msg.payload;
  // The split form of lpr-detection-in: one plate, its detection beside it.
  if (msg.detection !== undefined) {
    const detection = parseDetection(msg.detection);
    const plate = parsePlate(payload);
    if (!detection.success) throw new Error(`msg.detection: not a detection (${detection.error.issues[0]?.message})`);
    if (!plate.success) throw new Error(`msg.payload: not a plate (${plate.error.issues[0]?.message})`);
    return fromDetection(detection.data, [{ plate: plate.data.plate_number, province: plate.data.province ?? null }]);
  }
  if (payload && typeof payload === 'object' && 'detection_data' in payload) {
    const detection = parseDetection(payload);
    if (!detection.success) throw new Error(`msg.payload: not a valid detection (${detection.error.issues[0]?.path.join('.')}: ${detection.error.issues[0]?.message})`);
    const reads = detection.data.detection_data.plates.map((p) => ({ plate: p.plate_number, province: p.province ?? null }));
    return fromDetection(detection.data, reads);
  }
  let plate: unknown;
  let province: unknown = msg.province;
  if (typeof payload === 'string') plate = payload;
  else if (payload && typeof payload === 'object') {
    plate = (payload as { plate_number?: unknown }).plate_number;
    province = (payload as { province?: unknown }).province ?? province;
  }
  if (typeof plate !== 'string' || plate.trim() === '' || plate.length > 64) {
    throw new Error('msg.payload: expected a detection, a plate string or {plate_number, province?}');
  }
  if (province !== undefined && province !== null && typeof province !== 'string') throw new Error('msg.province: must be text');
  const camera = msg.camera ?? 'manual';
  if (!isIdentifier(camera)) throw new IdentifierError('msg.camera', `is not a valid camera id: ${JSON.stringify(camera)}`);
  return {
    reads: [{ plate, province: (province as string | undefined) ?? null }],
    cameraId: camera,
    checkpointId: null,
    detectionMessageId: typeof msg._msgid === 'string' ? msg._msgid : 'manual',
    imagePath: null,
    detection: null,
  };
}

/** The BlacklistNotification for one matched read (without message_id/timestamp: the factory adds them). */
export function notificationFields(ctx: ReadContext, read: PlateRead, match: MatchResult): Omit<BlacklistNotification, 'message_id' | 'timestamp'> {
  return {
    camera_id: ctx.cameraId,
    ...(ctx.checkpointId ? { checkpoint_id: ctx.checkpointId } : {}),
    plate_number: read.plate.slice(0, 32),
    ...(read.province ? { province: read.province.slice(0, 128) } : {}),
    detection_message_id: ctx.detectionMessageId.slice(0, 128),
    entry: match.entry,
    match: { type: match.type, distance: match.distance, province_match: match.province_match },
    ...(ctx.imagePath ? { image_path: ctx.imagePath } : {}),
  };
}
