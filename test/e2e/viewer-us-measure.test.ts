// Measuring an ultrasound image by its Sequence of Ultrasound Regions, and drawing an image
// with a Pixel Aspect Ratio at its shape, in Debian's Chromium through `lumen serve` and the real
// engine. Files by dcmtk's dump2dcm (test/dicom/us-regions-fixture.ts). The corner says the
// image is calibrated by regions; a length inside region 1 reads that region's mm, a rectangle
// in region 2 that region's mm²; a length across both reads pixels and says why. The non-square-pixel image's bright square is drawn with the
// shape dcmj2pnm +a gives it. Screenshots: test-results/viewer-us-measure-*.png.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dragOnViewport, openApp, resultsDir, useUiSession, viewerReady } from '../support/browser';
import { brightBox } from '../support/canvas';
import { writeUs, type UsImage } from '../dicom/us-regions-fixture';

const US: UsImage = {
  columns: 160,
  rows: 120,
  series: '1.2.826.0.1.3680043.10.89.2.1',
  description: 'US regions',
  regions: [
    { x0: 0, y0: 0, x1: 79, y1: 119, deltaX: 0.02, deltaY: 0.03 },
    { x0: 80, y0: 0, x1: 159, y1: 119, deltaX: 0.05, deltaY: 0.05 },
  ],
  // Off the lengths' path, so the window's bright square does not hide them.
  square: [120, 80, 20],
};
const ASPECT: UsImage = { columns: 90, rows: 60, series: '1.2.826.0.1.3680043.10.89.2.2', description: 'Aspect two to one', aspect: '2\\1', modality: 'OT', square: [35, 20, 20] };

/** The bright square's bounding box in a binary PGM (dcmj2pnm's output): [width, height]. */
function pgmSquare(file: string): [number, number] {
  const bytes = readFileSync(file);
  const m = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(bytes.subarray(0, 40).toString('latin1'))!;
  const [w, h] = [Number(m[1]), Number(m[2])];
  const px = bytes.subarray(m[0].length);
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      if (px[y * w + x] > 200) [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
  return [x1 - x0 + 1, y1 - y0 + 1];
}

describe('an ultrasound image measured by its regions, and non-square pixels drawn at their shape', () => {
  let aspectFile = '';
  const session = useUiSession('lumen-viewer-us-measure', (dataDir) => {
    const incoming = path.join(dataDir, 'incoming');
    const work = path.join(dataDir, 'work');
    mkdirSync(incoming, { recursive: true });
    mkdirSync(work, { recursive: true });
    writeUs(incoming, 'us-regions', US, work);
    aspectFile = writeUs(incoming, 'aspect-2-1', ASPECT, work);
  });

  it('reads a length in mm inside one region, in pixels across two, and draws a 2:1 pixel as dcmj2pnm +a does', async () => {
    const { page, errors } = await openApp(session());
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
    await page.getByRole('region', { name: 'Welcome to Lumen' }).waitFor({ timeout: 60_000 });
    await page.keyboard.press('Escape');
    await page.getByLabel('Import a folder or file').fill(path.join(session().dataDir, 'incoming'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '2 images imported' }).waitFor({ timeout: 120_000 });
    const shot = (name: string) => page.screenshot({ path: path.join(resultsDir(), `viewer-us-measure-${name}.png`) });
    const canvas = page.getByTestId('viewport');
    const measurements = page.getByTestId('measurements');
    const open = async (description: string) => {
      await page.getByTestId('series-card').filter({ hasText: description }).first().click();
      await page.getByTestId('image-index').filter({ hasText: 'Im 1/1' }).waitFor({ timeout: 60_000 });
      await expect.poll(async () => !!(await canvas.getAttribute('data-painted')), { timeout: 60_000 }).toBe(true);
      await viewerReady(page);
      await canvas.focus();
    };

    await open('US regions');
    await page.getByTestId('corner-size').filter({ hasText: '160×120 · calibrated by 2 US regions' }).waitFor({ timeout: 10_000 });
    const box = (await canvas.boundingBox())!;
    const zoom = Math.min(box.width / US.columns, box.height / US.rows);
    // Image (column, row) as a fraction of the viewport, the image fitted and centred.
    const at = (x: number, y: number) => [0.5 + ((x - US.columns / 2) * zoom) / box.width, 0.5 + ((y - US.rows / 2) * zoom) / box.height] as const;
    await page.keyboard.press('l');
    // 30 columns of 0.2 mm and 40 rows of 0.3 mm in region 1: 13.4 mm, give or take the mouse's rounding.
    await dragOnViewport(page, at(20.5, 30.5), at(50.5, 70.5));
    const first = await measurements.filter({ hasText: /Length 1:/ }).innerText({ timeout: 10_000 });
    const mm = Number(/Length 1: (\d+\.\d) mm \(US region 1\)/.exec(first)?.[1]);
    expect(Math.abs(mm - Math.hypot(30 * 0.2, 40 * 0.3)), first).toBeLessThan(0.3);
    // From region 1 into region 2: no one scale, so pixels, and why.
    await dragOnViewport(page, at(60.5, 20.5), at(100.5, 20.5));
    await measurements.filter({ hasText: /Length 2: (39|40|41)\.\d px \(crosses US regions 1 and 2\)/ }).waitFor({ timeout: 10_000 });
    // A rectangle of 20 × 20 pixels in region 2 (0.5 mm both ways): 100 mm², with the region named.
    await page.keyboard.press('b');
    await dragOnViewport(page, at(90.5, 40.5), at(110.5, 60.5));
    const area = await measurements.filter({ hasText: /Rectangle 1:/ }).innerText({ timeout: 10_000 });
    const mm2 = Number(/Area (\d+\.\d) mm² \(US region 2\)/.exec(area)?.[1]);
    expect(Math.abs(mm2 - 100), area).toBeLessThan(15);
    await shot('lengths');

    await open('Aspect two to one');
    await page.getByTestId('corner-size').filter({ hasText: '90×60 · aspect 2:1' }).waitFor({ timeout: 10_000 });
    // dcmj2pnm scaled with the aspect ratio recognised: the 20×20-pixel square is 20 wide, 40 tall.
    const pgm = path.join(session().dataDir, 'aspect.pgm');
    execFileSync('dcmj2pnm', ['+a', '+Sxf', '1', aspectFile, pgm], { stdio: 'pipe' });
    const [dw, dh] = pgmSquare(pgm);
    expect([dw, dh]).toEqual([20, 40]);
    const [cw, ch] = await brightBox(page);
    expect(cw).toBeGreaterThan(20);
    // The same shape, give or take a screen pixel at each edge.
    expect(Math.abs(ch / cw - dh / dw)).toBeLessThan(0.05);
    // Measured as drawn: rows count twice a column's width, in pixels, and the reading says so.
    const abox = (await canvas.boundingBox())!;
    const azoom = Math.min(abox.width / ASPECT.columns, abox.height / (ASPECT.rows * 2));
    const aat = (x: number, y: number) => [0.5 + ((x - ASPECT.columns / 2) * azoom) / abox.width, 0.5 + ((y - ASPECT.rows / 2) * 2 * azoom) / abox.height] as const;
    await page.keyboard.press('l');
    await dragOnViewport(page, aat(10.5, 10.5), aat(10.5, 30.5));
    await measurements.filter({ hasText: /Length 1: (39|40|41)\.\d px \(no pixel spacing; rows scaled by aspect 2:1\)/ }).waitFor({ timeout: 10_000 });
    await page.keyboard.press('b');
    await dragOnViewport(page, aat(60.5, 40.5), aat(70.5, 50.5));
    const aspectArea = await measurements.filter({ hasText: /Rectangle 1:/ }).innerText({ timeout: 10_000 });
    // 10 columns by 10 rows of twice the height: about 200 px².
    const px2 = Number(/Area (\d+\.\d) px² \(no pixel spacing; rows scaled by aspect 2:1\)/.exec(aspectArea)?.[1]);
    expect(Math.abs(px2 - 200), aspectArea).toBeLessThan(30);
    await shot('aspect');
    expect(errors).toEqual([]);
  }, 300_000);
});
