/**
 * Text a page draws on canvases (ECharts charts draw theirs): an init script wraps fillText and
 * records, per call, the text and whether its ink falls outside the canvas, i.e. is clipped.
 */
import type { Page } from 'playwright-core';

export interface DrawnText {
  /** id of the nearest element with an id around the canvas (the dashboard widget). */
  widget: string;
  text: string;
  /** The ink's box in canvas pixels: left, top, right, bottom. */
  box: [number, number, number, number];
  clipped: boolean;
}

declare global {
  interface Window {
    __lprTexts?: DrawnText[];
  }
}

/** Call before the page loads. */
export async function recordCanvasText(page: Page): Promise<void> {
  await page.addInitScript(() => {
    window.__lprTexts = [];
    const fillText = CanvasRenderingContext2D.prototype.fillText;
    CanvasRenderingContext2D.prototype.fillText = function (this: CanvasRenderingContext2D, text: string, x: number, y: number, maxWidth?: number) {
      try {
        const m = this.measureText(text);
        const t = this.getTransform();
        const xs: number[] = [];
        const ys: number[] = [];
        for (const [px, py] of [
          [x - m.actualBoundingBoxLeft, y - m.actualBoundingBoxAscent],
          [x + m.actualBoundingBoxRight, y - m.actualBoundingBoxAscent],
          [x - m.actualBoundingBoxLeft, y + m.actualBoundingBoxDescent],
          [x + m.actualBoundingBoxRight, y + m.actualBoundingBoxDescent],
        ] as const) {
          xs.push(t.a * px + t.c * py + t.e);
          ys.push(t.b * px + t.d * py + t.f);
        }
        const box: [number, number, number, number] = [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
        const c = this.canvas as HTMLCanvasElement;
        let host: Element | null = c;
        while (host && !host.id) host = host.parentElement;
        const clipped = box[0] < -0.5 || box[1] < -0.5 || box[2] > c.width + 0.5 || box[3] > c.height + 0.5;
        if (String(text).trim() !== '') window.__lprTexts!.push({ widget: host?.id ?? '', text: String(text), box: box.map((v) => Math.round(v)) as DrawnText['box'], clipped });
        if (window.__lprTexts!.length > 5000) window.__lprTexts!.splice(0, 2500);
      } catch {
        // recording must never break drawing
      }
      return maxWidth === undefined ? fillText.call(this, text, x, y) : fillText.call(this, text, x, y, maxWidth);
    };
  });
}

/** Forgets what was drawn so far. */
export function resetCanvasText(page: Page): Promise<void> {
  return page.evaluate(() => {
    window.__lprTexts = [];
  });
}

export function canvasText(page: Page): Promise<DrawnText[]> {
  return page.evaluate(() => window.__lprTexts ?? []);
}
