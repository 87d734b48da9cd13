/**
 * A picture of a licence plate for the simulator: white plate, black border, the registration on
 * the first line and the province on the second (as Thai plates print it; Latin plates get their
 * province too, smaller), as a JPEG small enough for the image topic (a few KB).
 */
import { parse, type Font } from 'opentype.js';
import encode = require('jpeg-js/lib/encoder');
import { fontBytes } from './fonts';
import { coverage, flatten, type Edge } from './raster';
import { Shaper } from './shape';

export const PLATE_WIDTH = 340;
export const PLATE_HEIGHT = 160;

let shaper: Shaper | null = null;

function font(bytes: Uint8Array): Font {
  return parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
}

function getShaper(): Shaper {
  shaper ??= new Shaper(font(fontBytes('sarabun-thai-700-normal.woff')), font(fontBytes('sarabun-latin-700-normal.woff')));
  return shaper;
}

/** Outline edges of `text` centred on `cx` with its baseline at `baseline`, at most `maxWidth` wide. */
function textEdges(text: string, size: number, cx: number, baseline: number, maxWidth: number, edges: Edge[]): void {
  const { glyphs, advance } = getShaper().shape(text);
  const scale = Math.min(size, (maxWidth * 1000) / Math.max(advance, 1)) / 1000;
  const left = cx - (advance * scale) / 2;
  for (const p of glyphs) flatten(p.glyph.getPath(left + p.x * scale, baseline - p.dy * scale, scale * 1000).commands, edges);
}

/** A rounded-rectangle frame as two opposite outlines (nonzero: the ring between them is filled). */
function frameEdges(x: number, y: number, w: number, h: number, r: number, t: number, edges: Edge[]): void {
  const ring = (x0: number, y0: number, x1: number, y1: number, rad: number, clockwise: boolean) => {
    const pts: Array<[number, number]> = [];
    const corner = (cx: number, cy: number, from: number) => {
      for (let i = 0; i <= 6; i++) {
        const a = from + (i * Math.PI) / 12;
        pts.push([cx + rad * Math.cos(a), cy + rad * Math.sin(a)]);
      }
    };
    corner(x1 - rad, y0 + rad, -Math.PI / 2);
    corner(x1 - rad, y1 - rad, 0);
    corner(x0 + rad, y1 - rad, Math.PI / 2);
    corner(x0 + rad, y0 + rad, Math.PI);
    if (!clockwise) pts.reverse();
    for (let i = 0; i < pts.length; i++) {
      const [ax, ay] = pts[i]!;
      const [bx, by] = pts[(i + 1) % pts.length]!;
      edges.push({ x0: ax, y0: ay, x1: bx, y1: by });
    }
  };
  ring(x, y, x + w, y + h, r, true);
  ring(x + t, y + t, x + w - t, y + h - t, Math.max(1, r - t), false);
}

export interface PlateImageOptions {
  /** JPEG quality 1-100 (default 80). */
  quality?: number;
}

/** The JPEG of a plate: `plate` on the first line, `province` (if any) on the second. */
export function plateJpeg(plate: string, province: string | null | undefined, options: PlateImageOptions = {}): Buffer {
  return platesJpeg([{ plate, province }], options);
}

/** At most this many plates in one picture (a frame with more shows the first ones). */
export const MAX_PLATES_PER_IMAGE = 3;

/** One picture of every plate of a detection, one under the other (as a camera's frame shows them all). */
export function platesJpeg(plates: ReadonlyArray<{ plate: string; province?: string | null }>, options: PlateImageOptions = {}): Buffer {
  const shown = plates.slice(0, MAX_PLATES_PER_IMAGE);
  if (shown.length === 0) throw new Error('platesJpeg: no plate to draw');
  const parts = shown.map((p) => plateRgba(p.plate, p.province));
  const data = Buffer.concat(parts);
  return Buffer.from(encode({ data, width: PLATE_WIDTH, height: PLATE_HEIGHT * parts.length }, options.quality ?? 80).data);
}

function plateRgba(plate: string, province: string | null | undefined): Buffer {
  const w = PLATE_WIDTH;
  const h = PLATE_HEIGHT;
  const edges: Edge[] = [];
  frameEdges(4, 4, w - 8, h - 8, 14, 4, edges);
  // `กข1234` is printed `กข 1234`, `ABC1234` `ABC 1234`.
  const spaced = /\s/.test(plate) ? plate : plate.replace(/^(.*\D)(\d+)$/u, '$1 $2');
  // Letters with a tail below the line (ญ ฐ ฎ ฏ ฤ ฦ): a smaller, higher first line keeps the tail off the province.
  const tail = /[\u0e0d\u0e10\u0e0e\u0e0f\u0e24\u0e26]/u.test(spaced);
  textEdges(spaced, tail ? 72 : 84, w / 2, province ? (tail ? 84 : 92) : 110, w - 40, edges);
  if (province) textEdges(province, 34, w / 2, 138, w - 40, edges);
  const ink = coverage(edges, w, h);
  const rgba = Buffer.alloc(w * h * 4);
  // A slightly warm white plate, dark ink, and a soft shade towards the bottom like a lit plate.
  for (let y = 0; y < h; y++) {
    const shade = 250 - Math.round((y / h) * 14);
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const a = ink[i]! / 255;
      const o = i * 4;
      rgba[o] = Math.round(shade * (1 - a) + 20 * a);
      rgba[o + 1] = Math.round((shade - 2) * (1 - a) + 20 * a);
      rgba[o + 2] = Math.round((shade - 8) * (1 - a) + 24 * a);
      rgba[o + 3] = 255;
    }
  }
  return rgba;
}
