/**
 * Plate pictures for the simulator, rendered once per plate and province: the pool of plates is
 * finite, and a render (outline fill plus jpeg-js's encoder, whose tables are rebuilt on every call)
 * takes tens of milliseconds that would otherwise delay every camera's next message.
 */
import { plateJpeg } from './plate-image';

const MAX_CACHED = 512;
const cache = new Map<string, Buffer>();

export function plateImage(plate: string, province: string | null): Buffer {
  const key = `${plate}\u0000${province ?? ''}`;
  let jpeg = cache.get(key);
  if (jpeg) {
    cache.delete(key);
  } else {
    jpeg = plateJpeg(plate, province);
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  }
  cache.set(key, jpeg);
  return jpeg;
}
