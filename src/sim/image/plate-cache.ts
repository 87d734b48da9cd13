/**
 * Plate pictures for the simulator, rendered once per plate and province: the pool of plates is
 * finite, and a render (outline fill plus jpeg-js's encoder, whose tables are rebuilt on every call)
 * takes tens of milliseconds that would otherwise delay every camera's next message.
 */
import { MAX_PLATES_PER_IMAGE, platesJpeg } from './plate-image';

const MAX_CACHED = 512;
const cache = new Map<string, Buffer>();

/** The picture of a detection's plates (the first MAX_PLATES_PER_IMAGE), from the cache when drawn before. */
export function plateImage(plates: ReadonlyArray<{ plate_number: string; province?: string | undefined }>): Buffer {
  const shown = plates.slice(0, MAX_PLATES_PER_IMAGE).map((p) => ({ plate: p.plate_number, province: p.province ?? null }));
  const key = shown.map((p) => `${p.plate}\u0000${p.province ?? ''}`).join('\u0001');
  let jpeg = cache.get(key);
  if (jpeg) {
    cache.delete(key);
  } else {
    jpeg = platesJpeg(shown);
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  }
  cache.set(key, jpeg);
  return jpeg;
}
