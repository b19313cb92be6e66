// Pixel padding through a Modality LUT Sequence in the viewer, in Debian's Chromium through
// `lumen serve` and the real engine: a CR by dcmtk's dump2dcm whose table gives its padding
// values (Pixel Padding Value 4095, Range Limit 4000) 0 and the output of a real pixel
// (test/dicom/padding-lut-fixture.ts). A rectangle over the whole image reads the field's
// statistics, the padding counted apart: the engine marks it from the stored values and the
// page keeps that mark with the frame (renderer/src/viewer/image.ts, measurementText.ts).
// Screenshot: test-results/padding-lut-viewer.png.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dragOnViewport, openApp, resultsDir, useUiSession } from '../support/browser';
import { COLUMNS, fieldValues, PADDING_LINES, ROWS, writePaddedLut } from '../dicom/padding-lut-fixture';

describe('padding through a Modality LUT table in the viewer', () => {
  let incoming: string;
  let stored: number[];
  const session = useUiSession('lumen-padding-lut-viewer', (dataDir) => {
    incoming = path.join(dataDir, 'incoming');
    mkdirSync(incoming);
    stored = writePaddedLut(incoming, 'cr-lut-padding', PADDING_LINES, { uid: '1.2.826.0.1.3680043.10.99.191', patient: 'Padded^Pia' }).stored;
  });

  it('leaves the padding out of a region drawn over the whole image', async () => {
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
    await page.getByLabel('Import a folder or file').fill(incoming);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '1 image imported' }).waitFor({ timeout: 120_000 });
    await page.locator('[role="listitem"][aria-label^="Study Padded"] [data-testid="series-card"]').click();
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/1' }).waitFor({ timeout: 60_000 });
    const canvas = page.getByTestId('viewport');
    await expect.poll(async () => !!(await canvas.getAttribute('data-painted')), { timeout: 60_000 }).toBe(true);

    const inside = fieldValues(stored);
    const padding = ROWS * COLUMNS - inside.length;
    const box = (await canvas.boundingBox())!;
    const zoom = Math.min(box.width / COLUMNS, box.height / ROWS);
    // Image pixel (x, y) from the centre, as a fraction of the viewport: a quarter pixel in from each edge.
    const at = (x: number, y: number) => [0.5 + (x * zoom) / box.width, 0.5 + (y * zoom) / box.height] as const;
    await canvas.focus();
    await page.keyboard.press('b');
    await dragOnViewport(page, at(-COLUMNS / 2 + 0.25, -ROWS / 2 + 0.25), at(COLUMNS / 2 - 0.25, ROWS / 2 - 0.25));
    const text = await page.getByTestId('measurements').filter({ hasText: /Rectangle 1:/ }).innerText({ timeout: 10_000 });
    expect(text).toContain(`mean ${(inside.reduce((a, b) => a + b, 0) / inside.length).toFixed(0)} `);
    expect(text).toContain(`min ${Math.min(...inside)} · max ${Math.max(...inside)}`);
    expect(text).toContain(`${padding} padding pixels left out`);
    await page.screenshot({ path: path.join(resultsDir(), 'padding-lut-viewer.png') });
    expect(errors).toEqual([]);
  }, 240_000);
});
