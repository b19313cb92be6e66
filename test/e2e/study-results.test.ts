// Results read back in the app (issue #16 point 5): Lumen's own SR exports, written by the
// results writer from a real library, imported through the app's import form (real bridge
// and engine, Debian's Chromium) and listed with the study: finding, score, model, date.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportResults } from '../../electron/results/export';
import { buildParametricMap } from '../../electron/results/parametric-map';
import { readDataset, writeDataset } from '../../electron/results/part10';
import { canvasPixels } from '../support/canvas';
import { HOSTILE_LABEL, MODEL_HASH, MODEL_META, PATIENT_A, QUOTED_LABEL, resultsLibrary } from '../results/fixtures';
import { openApp, resultsDir, useUiSession } from '../support/browser';

describe('results listed with the study', () => {
  const session = useUiSession('lumen-study-results', async (dataDir) => {
    const lib = await resultsLibrary('e2e-study-results', path.join(dataDir, 'library'));
    try {
      const model = { name: MODEL_META.name, packageHash: MODEL_HASH, variant: MODEL_META.variant, version: '0.1.0' };
      const out = path.join(dataDir, 'incoming', 'results');
      await exportResults(lib.library, { uid: PATIENT_A.seriesUid, model, out });
      // A parametric map of the series' third image (a ramp over its grid), by the heatmap export's writer.
      const { dataset: source } = readDataset(lib.library.listInstances(PATIENT_A.seriesUid)[2].path, { headerOnly: true });
      const [rows, columns] = [Number(source.Rows), Number(source.Columns)];
      const values = new Float32Array(rows * columns).map((_, i) => (i % columns) / columns);
      const map = buildParametricMap({ source, frame: 0, frames: 1, values, rows, columns, className: 'nodule', modelName: MODEL_META.name, packageHash: MODEL_HASH, seriesInstanceUid: '2.25.4242', seriesNumber: 901, instanceNumber: 1 });
      fs.writeFileSync(path.join(out, 'map.dcm'), writeDataset(map));
    } finally {
      lib.library.close();
    }
  });

  it('imports the SR exports and shows their findings under the open study', async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 90_000 });
    await page.getByTestId('series-card').first().click({ timeout: 60_000 });
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/5' }).waitFor({ timeout: 60_000 });
    // No results yet: no section.
    expect(await page.getByTestId('study-results').count()).toBe(0);

    await page.getByLabel('Import a folder or file').fill(path.join(dataDir, 'incoming', 'results'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '3 result documents imported' }).waitFor({ timeout: 60_000 });

    const section = page.getByRole('region', { name: 'Results' });
    await section.getByTestId('result-finding').nth(7).waitFor({ timeout: 30_000 });
    const rows = await section.getByTestId('result-finding').allInnerTexts();
    expect(rows).toHaveLength(8);
    // Image i is scored [1 - i/10, i/10]: five "normal" findings from 100% to 60%; the length
    // and the two labels (shown as text, a formula included) from the measurements SR.
    const cells = rows.map((r) => r.split('\t').map((c) => c.trim()));
    expect(cells.filter((c) => c[0] === 'normal').map((c) => c[1]).sort()).toEqual(['100.0%', '60.0%', '70.0%', '80.0%', '90.0%']);
    for (const c of cells.filter((c) => c[0] === 'normal')) expect(c[2]).toBe(`Chest triage #${MODEL_HASH.slice(0, 12)}`);
    // A value and its unit are joined by a no-break space: never apart on two lines.
    expect(cells.find((c) => c[0] === 'Length')?.[1]).toMatch(/^\d+(\.\d+)?\u00a0mm$/);
    expect(cells.map((c) => c[0])).toEqual(expect.arrayContaining([HOSTILE_LABEL, QUOTED_LABEL]));
    expect(await section.textContent()).toMatch(/Imaging Measurement Report\d{2}-[A-Z][a-z]{2}-\d{4} \d{2}:\d{2}/);
    await page.screenshot({ path: path.join(resultsDir(), 'study-results.png') });

    // The parametric map: listed, drawn over its image (the third) only, and switchable off.
    expect(await section.locator('[data-kind="parametric-map"]').textContent()).toContain('of 1 image');
    const index = page.getByTestId('image-index');
    expect((await canvasPixels(page)).coloured).toBe(0);
    await page.getByTestId('viewport').focus();
    await page.keyboard.press('ArrowDown');
    await index.filter({ hasText: 'Im 2/5' }).waitFor();
    await page.keyboard.press('ArrowDown');
    await index.filter({ hasText: 'Im 3/5' }).waitFor();
    await page.getByText('Heatmap: parametric map (Lumen heatmaps: Chest triage)').waitFor({ timeout: 30_000 });
    expect((await canvasPixels(page)).coloured).toBeGreaterThan(500);
    await page.screenshot({ path: path.join(resultsDir(), 'study-results-map.png') });
    await section.getByLabel('Show the maps over their images').uncheck();
    await page.getByText(/^Heatmap: /).waitFor({ state: 'detached' });
    expect((await canvasPixels(page)).coloured).toBe(0);
    await section.getByLabel('Show the maps over their images').check();
    await page.keyboard.press('ArrowDown');
    await index.filter({ hasText: 'Im 4/5' }).waitFor();
    expect(await page.getByText(/^Heatmap: /).count()).toBe(0);
    expect((await canvasPixels(page)).coloured).toBe(0);
    expect(errors).toEqual([]);
  }, 240_000);
});
