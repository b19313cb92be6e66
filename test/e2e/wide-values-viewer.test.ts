// 32-bit stored values far from 0 with a narrow spread (2^30 .. 2^30 + 4000, Rescale Slope 1)
// in the viewer, in Debian's Chromium through `lumen serve` and the real engine: a file by dcmtk's
// dump2dcm (test/dicom/wide-values-fixture.ts). The frame carries its values relative to their
// smallest (valueBase), so the image is a smooth ramp, not 31 bands of 128, and a rectangle over
// the whole image reads the file's own smallest and largest values and their mean.
// Screenshot: test-results/wide-values-viewer.png.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dragOnViewport, openApp, resultsDir, useUiSession } from '../support/browser';
import { BASE, COLUMNS, ROWS, storedAt, writeWide, type WideImage } from '../dicom/wide-values-fixture';

const IMG: WideImage = {
  spread: 4000,
  lines: ['(0010,0010) PN [Wide^Walt]', '(0010,0020) LO [WIDE-1]', '(0020,000d) UI [1.2.826.0.1.3680043.10.99.301]', '(0020,000e) UI [1.2.826.0.1.3680043.10.99.301.1]'],
};

describe('32-bit values far above 2^24 in the viewer', () => {
  let incoming: string;
  const session = useUiSession('lumen-wide-values-viewer', (dataDir) => {
    incoming = path.join(dataDir, 'incoming');
    mkdirSync(incoming);
    writeWide(incoming, 'wide-ramp', IMG);
  });

  it('shows a ramp and measures the file’s own values', async () => {
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
    await page.getByLabel('Import a folder or file').fill(incoming);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '1 image imported' }).waitFor({ timeout: 120_000 });
    await page.locator('[role="listitem"][aria-label^="Study Wide"] [data-testid="series-card"]').click();
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/1' }).waitFor({ timeout: 60_000 });
    const canvas = page.getByTestId('viewport');
    await expect.poll(async () => !!(await canvas.getAttribute('data-painted')), { timeout: 60_000 }).toBe(true);

    const values: number[] = [];
    for (let y = 0; y < ROWS; y++) for (let x = 0; x < COLUMNS; x++) values.push(storedAt(IMG, x, y));
    const box = (await canvas.boundingBox())!;
    const zoom = Math.min(box.width / COLUMNS, box.height / ROWS);
    const at = (x: number, y: number) => [0.5 + (x * zoom) / box.width, 0.5 + (y * zoom) / box.height] as const;
    await canvas.focus();
    await page.keyboard.press('b');
    await dragOnViewport(page, at(-COLUMNS / 2 + 0.25, -ROWS / 2 + 0.25), at(COLUMNS / 2 - 0.25, ROWS / 2 - 0.25));
    const text = await page.getByTestId('measurements').filter({ hasText: /Rectangle 1:/ }).innerText({ timeout: 10_000 });
    expect(text).toContain(`mean ${(values.reduce((a, b) => a + b, 0) / values.length).toFixed(0)} `);
    expect(text).toContain(`min ${BASE} · max ${BASE + 4001}`);

    // The drawn ramp: the canvas's gray along the middle row rises in many steps, not 31 bands.
    // Runs in the page; typed here without the DOM library, which the Node project leaves out.
    type Canvas2d = { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
    const grays = await canvas.evaluate((node) => {
      const el = node as unknown as Canvas2d;
      const ctx = el.getContext('2d');
      const row = ctx.getImageData(0, Math.floor(el.height / 2), el.width, 1).data;
      const seen = new Set<number>();
      for (let i = 0; i < row.length; i += 4) seen.add(row[i]);
      return seen.size;
    });
    expect(grays).toBeGreaterThan(40);
    await page.screenshot({ path: path.join(resultsDir(), 'wide-values-viewer.png') });
    expect(errors).toEqual([]);
  }, 240_000);
});
