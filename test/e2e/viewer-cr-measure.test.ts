// Measuring a CR that gives only Imager Pixel Spacing, with Pixel Padding Value around its
// collimated field: helper F's cr-mono1-padding.dcm (dcmtk's dump2dcm, test/e2e/external-dicom-
// viewer.ts), in Debian's Chromium through `lumen serve` and the real engine. The corner text
// gives the spacing and says it is at the detector; a length reads mm "(at detector)"; a
// rectangle over the field's edge reads the field's statistics with the padding left out.
// Screenshots: test-results/viewer-cr-measure-*.png.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dragOnViewport, openApp, resultsDir, useUiSession } from '../support/browser';
import { crValue, writeViewerAuditSet, type ViewerAuditSet } from './external-dicom-viewer';

describe('a CR measured with its Imager Pixel Spacing', () => {
  let set: ViewerAuditSet;
  const session = useUiSession('lumen-viewer-cr-measure', (dataDir) => {
    set = writeViewerAuditSet(path.join(dataDir, 'incoming'), path.join(dataDir, 'references'));
  });

  it('says the spacing is at the detector, and leaves the padding out of a region', async () => {
    const { page, errors } = await openApp(session());
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
    await page.getByRole('region', { name: 'Welcome to Lumen' }).waitFor({ timeout: 60_000 });
    await page.keyboard.press('Escape');
    const cr = set.files.mono1Padding;
    await page.getByLabel('Import a folder or file').fill(cr.file);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: /imported/ }).waitFor({ timeout: 120_000 });
    const card = page.getByTestId('study-list').getByRole('listitem', { name: new RegExp(`^Study .*${cr.shown}`) }).getByTestId('series-card').filter({ hasText: cr.description });
    await card.click();
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/1' }).waitFor({ timeout: 60_000 });
    const canvas = page.getByTestId('viewport');
    await expect.poll(async () => !!(await canvas.getAttribute('data-painted')), { timeout: 60_000 }).toBe(true);
    await canvas.focus();
    const shot = (name: string) => page.screenshot({ path: path.join(resultsDir(), `viewer-cr-measure-${name}.png`) });

    // The file has Imager Pixel Spacing 0.2\0.2 and no Pixel Spacing.
    await page.getByTestId('corner-size').filter({ hasText: '64×64 · 0.2×0.2 mm at detector' }).waitFor({ timeout: 10_000 });

    const box = (await canvas.boundingBox())!;
    const zoom = Math.min(box.width / 64, box.height / 64);
    const at = (x: number, y: number) => [0.5 + (x * zoom) / box.width, 0.5 + (y * zoom) / box.height] as const;
    // 20 image pixels across at 0.2 mm: 4.0 mm at the detector.
    await page.keyboard.press('l');
    await dragOnViewport(page, at(-10, 0), at(10, 0));
    const measurements = page.getByTestId('measurements');
    await measurements.filter({ hasText: /Length 1: (3\.9|4\.0|4\.1) mm \(at detector\)/ }).waitFor({ timeout: 10_000 });

    // A rectangle over the lower left quarter (columns 0-31, rows 37-63): the field's pixels
    // only; the padding there (0 outside a radius of 26) counted apart.
    let inside = 0;
    let padding = 0;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let y = 37; y < 64; y++) {
      for (let x = 0; x < 32; x++) {
        const v = crValue(x, y);
        if (v === 0) {
          padding++;
          continue;
        }
        inside++;
        sum += v;
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    expect(inside * padding).toBeGreaterThan(0);
    await page.keyboard.press('b');
    await dragOnViewport(page, at(-32, 5), at(0, 32));
    const text = await measurements.filter({ hasText: /Rectangle 1:/ }).innerText({ timeout: 10_000 });
    // 32 x 27 pixels of 0.2 x 0.2 mm: 34.6 mm², give or take the mouse's rounding.
    expect(text).toMatch(/Area 3[3-5]\.\d mm² \(at detector\)/);
    expect(text).toContain(`mean ${(sum / inside).toFixed(0)}`);
    expect(text).toContain(`min ${min} `);
    expect(text).toContain(`max ${max} `);
    expect(text).toContain(`${padding} padding pixels left out`);
    await shot('rectangle');
    expect(errors).toEqual([]);
  }, 300_000);
});
