/**
 * Images of a detection (our extension, docs/protocol.md "Images"): a detection points to its
 * picture by `metadata.image_url` (an http(s) URL the camera or a store serves) and/or the camera
 * publishes the JPEG itself on `{root}/cameras/{camera_id}/images/{message_id}`, keyed by the
 * detection's `message_id`, as Frigate publishes its snapshots. The payload is the raw JPEG (no
 * JSON, no base64): one per detection, QoS 1, not retained (a retained image per message id would
 * pile up on the broker forever), at most IMAGE_MAX_BYTES (lpr-mosquitto's message_size_limit).
 */
import { z } from 'zod';

/** Largest image payload: the protocol's payload limit, lpr-mosquitto's `message_size_limit`. */
export const IMAGE_MAX_BYTES = 256 * 1024;
/** Smallest JPEG we take: SOI + a segment + EOI; anything shorter is not a picture. */
export const IMAGE_MIN_BYTES = 64;
export const IMAGE_URL_MAX_LENGTH = 2048;

/** The image topic's place in the tree and its QoS/retain (beside POLICY, whose payloads are JSON). */
export const IMAGE_POLICY = {
  scope: 'camera',
  suffix: 'images',
  qos: 1,
  retain: false,
  direction: 'camera → server',
  contentType: 'image/jpeg',
  maxBytes: IMAGE_MAX_BYTES,
} as const;

/**
 * A `message_id` that can be a topic level: a UUID, or letters, digits, `_ . : -`, at most 128
 * (the message id's own bound). `/`, `+`, `#`, spaces and control characters never reach a topic.
 */
export const MESSAGE_ID_LEVEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/** Why `value` cannot name an image topic, or null when it can. */
export function messageIdLevelProblem(value: unknown): string | null {
  if (typeof value !== 'string') return `must be a string, got ${value === null ? 'null' : typeof value}`;
  if (!MESSAGE_ID_LEVEL_PATTERN.test(value)) {
    return `must be 1-128 letters, digits, "_", ".", ":" or "-", starting with a letter or digit, to name an image topic (got ${JSON.stringify(value.slice(0, 140))})`;
  }
  return null;
}

/**
 * Why `bytes` is not a JPEG we accept, or null. Checked by its markers: it starts with SOI and a
 * marker (FF D8 FF) and ends with EOI (FF D9). That is what a browser needs to try it; decoding
 * the picture is the browser's business, not the server's.
 */
export function jpegProblem(bytes: unknown, maxBytes: number = IMAGE_MAX_BYTES): string | null {
  if (!(bytes instanceof Uint8Array)) return `must be a Buffer holding a JPEG, got ${bytes === null ? 'null' : Array.isArray(bytes) ? 'an array' : typeof bytes}`;
  const n = bytes.byteLength;
  if (n > maxBytes) return `is ${n} bytes, over the ${maxBytes}-byte limit`;
  if (n < IMAGE_MIN_BYTES) return `is ${n} bytes, too short for a JPEG`;
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[2] !== 0xff) return 'is not a JPEG (it does not start with the FF D8 FF markers)';
  if (bytes[n - 2] !== 0xff || bytes[n - 1] !== 0xd9) return 'is not a whole JPEG (it does not end with the FF D9 marker)';
  return null;
}

/** Why `value` is not a usable image URL (http or https, at most 2048 characters, no user:password), or null. */
export function imageUrlProblem(value: unknown): string | null {
  if (typeof value !== 'string') return `must be a string, got ${value === null ? 'null' : typeof value}`;
  if (value.length > IMAGE_URL_MAX_LENGTH) return `must be at most ${IMAGE_URL_MAX_LENGTH} characters, got ${value.length}`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `must be an absolute http or https URL (got ${JSON.stringify(value.slice(0, 80))})`;
  }
  // javascript:, data:, file: and the like would run or read something in the operator's browser.
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `must be an http or https URL, got ${JSON.stringify(url.protocol)}`;
  // A password in a URL shown on every dashboard is a leaked password.
  if (url.username !== '' || url.password !== '') return 'must not carry a user name or password';
  return null;
}

/** `metadata.image_url` as a schema (used by the Detection schema). */
export const ImageUrl = z.string().superRefine((value, ctx) => {
  const problem = imageUrlProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
