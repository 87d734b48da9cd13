/**
 * The latest detection images, in memory, for the operator's screen (lpr-detection-in with
 * `images` on): keyed by camera and message id, bounded in count and in bytes, the oldest going
 * first. Pictures are evidence to glance at, not a record: a restart forgets them.
 */
import { IMAGE_MAX_BYTES, jpegProblem, messageIdLevelProblem } from '../protocol/images';
import { isIdentifier } from '../protocol/identifiers';
import { readBoolean, readNumber } from './settings';

export interface ImageSettings {
  /** Take the images of detections from the image topic and serve them. */
  images: boolean;
  /** Most images kept. */
  imageCount: number;
  /** Most bytes of images kept. */
  imageBytes: number;
}

export const IMAGE_COUNT_MAX = 100_000;
export const IMAGE_MEMORY_MAX_MIB = 4096;

/** Flows saved before images existed take none. */
export function readImageSettings(props: Record<string, unknown>): ImageSettings {
  return {
    images: readBoolean(props, 'images', false),
    imageCount: readNumber(props, 'imageCount', 200, { min: 1, max: IMAGE_COUNT_MAX, integer: true }),
    imageBytes: Math.round(readNumber(props, 'imageMemory', 32, { min: 1, max: IMAGE_MEMORY_MAX_MIB }) * 1024 * 1024),
  };
}

export type PutResult = { ok: true; evicted: number } | { ok: false; problem: string };

export class ImageStore {
  /** Insertion order = age: the first entries are evicted first. */
  private readonly byKey = new Map<string, Buffer>();
  private bytes = 0;
  readonly counts = { stored: 0, evicted: 0, refused: 0 };

  constructor(
    readonly maxCount: number,
    readonly maxBytes: number,
    readonly maxImageBytes: number = IMAGE_MAX_BYTES,
  ) {}

  get size(): number {
    return this.byKey.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  /** Keeps a copy of `jpeg` (checked by its markers and size) under camera + message id. */
  put(cameraId: string, messageId: string, jpeg: unknown): PutResult {
    const problem = !isIdentifier(cameraId)
      ? 'camera_id is not a valid identifier'
      : (messageIdLevelProblem(messageId) ?? jpegProblem(jpeg, Math.min(this.maxImageBytes, this.maxBytes)));
    if (problem) {
      this.counts.refused++;
      return { ok: false, problem };
    }
    const copy = Buffer.from(jpeg as Uint8Array);
    const key = keyOf(cameraId, messageId);
    this.remove(key);
    let evicted = 0;
    for (const [old, data] of this.byKey) {
      if (this.byKey.size < this.maxCount && this.bytes + copy.length <= this.maxBytes) break;
      this.byKey.delete(old);
      this.bytes -= data.length;
      evicted++;
    }
    this.byKey.set(key, copy);
    this.bytes += copy.length;
    this.counts.stored++;
    this.counts.evicted += evicted;
    return { ok: true, evicted };
  }

  get(cameraId: string, messageId: string): Buffer | undefined {
    return this.byKey.get(keyOf(cameraId, messageId));
  }

  has(cameraId: string, messageId: string): boolean {
    return this.byKey.has(keyOf(cameraId, messageId));
  }

  clear(): void {
    this.byKey.clear();
    this.bytes = 0;
  }

  private remove(key: string): void {
    const old = this.byKey.get(key);
    if (!old) return;
    this.byKey.delete(key);
    this.bytes -= old.length;
  }
}

/** `/` never occurs in either id, so it separates them unambiguously. */
function keyOf(cameraId: string, messageId: string): string {
  return `${cameraId}/${messageId}`;
}
