// What the viewer's canvas really holds, read back in the page (not a screenshot, which
// would include the overlaid corner text).
import type { Page } from 'playwright-core';

export interface CanvasPixels {
  total: number;
  /** Pixels other than the background (0, 0, 0). */
  drawn: number;
  /** Pixels whose red, green and blue differ: a heatmap or a measurement (a CT is gray). */
  coloured: number;
}

/** The viewport canvas's pixels, read after the next two animation frames (React draws in effects). */
export async function canvasPixels(page: Page): Promise<CanvasPixels> {
  const { total, drawn, coloured } = await canvasStats(page);
  return { total, drawn, coloured };
}

/** Where the bright part of the image is: pixels whose red is above `level`, and their mean x (-1 when none). */
export async function brightPixels(page: Page, level = 200): Promise<{ count: number; centreX: number }> {
  const { bright, brightCentreX } = await canvasStats(page, level);
  return { count: bright, centreX: brightCentreX };
}

/** The white part of the canvas (red, green and blue all above `level`: not a coloured line): its bounding box [width, height] in canvas pixels. */
export async function brightBox(page: Page, level = 200): Promise<[number, number]> {
  const { white } = await canvasStats(page, level);
  return [white[2] - white[0] + 1, white[3] - white[1] + 1];
}

/** A hash of the canvas's pixels (FNV-1a): equal hashes, the same picture. */
export async function canvasHash(page: Page): Promise<number> {
  return (await canvasStats(page)).hash;
}

async function canvasStats(page: Page, level = 255): Promise<CanvasPixels & { bright: number; brightCentreX: number; white: [number, number, number, number]; hash: number }> {
  return page.evaluate(async (min) => {
    // Runs in the page; typed here without the DOM library, which the Node project leaves out.
    const win = globalThis as unknown as {
      requestAnimationFrame(callback: () => void): void;
      document: { querySelector(selector: string): { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } } };
    };
    await new Promise<void>((r) => win.requestAnimationFrame(() => win.requestAnimationFrame(r)));
    const c = win.document.querySelector('[data-testid="viewport"]');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let drawn = 0;
    let coloured = 0;
    let bright = 0;
    let sumX = 0;
    let hash = 2166136261;
    for (let i = 0; i < d.length; i++) hash = Math.imul(hash ^ d[i], 16777619) >>> 0;
    // The white pixels' bounding box: x0, y0, x1, y1.
    const white: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] || d[i + 1] || d[i + 2]) drawn++;
      if (d[i] !== d[i + 1] || d[i + 1] !== d[i + 2]) coloured++;
      if (d[i] > min) {
        const x = (i / 4) % c.width;
        bright++;
        sumX += x;
        if (d[i + 1] > min && d[i + 2] > min) {
          const y = Math.floor(i / 4 / c.width);
          [white[0], white[1], white[2], white[3]] = [Math.min(white[0], x), Math.min(white[1], y), Math.max(white[2], x), Math.max(white[3], y)];
        }
      }
    }
    return { total: d.length / 4, drawn, coloured, bright, brightCentreX: bright ? sumX / bright : -1, white, hash };
  }, level);
}
