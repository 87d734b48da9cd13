/**
 * A small anti-aliased rasterizer for glyph outlines (opentype.js path commands in pixels, y down):
 * curves are flattened to lines, filled with the nonzero rule on a 4 x 4 sample grid per pixel.
 * Enough for plate pictures; no dependency beyond the path commands.
 */
import type { PathCommand } from 'opentype.js';

const SS = 4;

export interface Edge {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Line segments of a path, curves cut into pieces of about a pixel. */
export function flatten(commands: readonly PathCommand[], out: Edge[] = []): Edge[] {
  let cx = 0;
  let cy = 0;
  let sx = 0;
  let sy = 0;
  const line = (x: number, y: number) => {
    if (x !== cx || y !== cy) out.push({ x0: cx, y0: cy, x1: x, y1: y });
    cx = x;
    cy = y;
  };
  for (const c of commands) {
    if (c.type === 'M') {
      if (cx !== sx || cy !== sy) line(sx, sy);
      cx = sx = c.x!;
      cy = sy = c.y!;
    } else if (c.type === 'L') line(c.x!, c.y!);
    else if (c.type === 'Q') {
      const [x0, y0] = [cx, cy];
      const n = Math.max(2, Math.ceil(Math.hypot(c.x! - x0, c.y! - y0) / 2));
      for (let i = 1; i <= n; i++) {
        const t = i / n;
        const u = 1 - t;
        line(u * u * x0 + 2 * u * t * c.x1! + t * t * c.x!, u * u * y0 + 2 * u * t * c.y1! + t * t * c.y!);
      }
    } else if (c.type === 'C') {
      const [x0, y0] = [cx, cy];
      const n = Math.max(2, Math.ceil(Math.hypot(c.x! - x0, c.y! - y0) / 2));
      for (let i = 1; i <= n; i++) {
        const t = i / n;
        const u = 1 - t;
        line(
          u * u * u * x0 + 3 * u * u * t * c.x1! + 3 * u * t * t * c.x2! + t * t * t * c.x!,
          u * u * u * y0 + 3 * u * u * t * c.y1! + 3 * u * t * t * c.y2! + t * t * t * c.y!,
        );
      }
    } else if (c.type === 'Z') {
      line(sx, sy);
    }
  }
  if (cx !== sx || cy !== sy) line(sx, sy);
  return out;
}

/** Coverage 0..255 per pixel of `edges` (nonzero winding) in a width x height grid. */
export function coverage(edges: readonly Edge[], width: number, height: number): Uint8Array {
  const counts = new Uint16Array(width * height);
  const rows = height * SS;
  // Each edge listed at the first sample row it crosses; the active list follows the rows down.
  const starts: number[][] = Array.from({ length: rows }, () => []);
  const last = new Int32Array(edges.length);
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i]!;
    if (e.y0 === e.y1) continue;
    const top = Math.min(e.y0, e.y1);
    const bottom = Math.max(e.y0, e.y1);
    // Rows whose centre y = (r + 0.5) / SS lies in [top, bottom).
    const first = Math.max(0, Math.ceil(top * SS - 0.5));
    const end = Math.min(rows - 1, Math.ceil(bottom * SS - 0.5) - 1);
    if (first > end) continue;
    starts[first]!.push(i);
    last[i] = end;
  }
  let active: number[] = [];
  const xs: number[] = [];
  const dirs: number[] = [];
  const order: number[] = [];
  for (let sr = 0; sr < rows; sr++) {
    for (const i of starts[sr]!) active.push(i);
    if (active.length === 0) continue;
    active = active.filter((i) => last[i]! >= sr);
    if (active.length < 2) continue;
    const y = (sr + 0.5) / SS;
    xs.length = 0;
    dirs.length = 0;
    order.length = 0;
    for (const i of active) {
      const e = edges[i]!;
      xs.push(e.x0 + ((y - e.y0) * (e.x1 - e.x0)) / (e.y1 - e.y0));
      dirs.push(e.y1 > e.y0 ? 1 : -1);
      order.push(order.length);
    }
    order.sort((a, b) => xs[a]! - xs[b]!);
    const py = Math.floor(sr / SS) * width;
    let winding = 0;
    for (let k = 0; k < order.length - 1; k++) {
      winding += dirs[order[k]!]!;
      if (winding === 0) continue;
      const from = Math.max(0, Math.ceil(xs[order[k]!]! * SS - 0.5));
      const to = Math.min(width * SS - 1, Math.floor(xs[order[k + 1]!]! * SS - 0.5));
      for (let s = from; s <= to; s++) counts[py + (s >> 2)]!++;
    }
  }
  const out = new Uint8Array(width * height);
  const full = SS * SS;
  for (let i = 0; i < out.length; i++) out[i] = Math.min(255, Math.round((counts[i]! * 255) / full));
  return out;
}
