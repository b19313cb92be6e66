// T1-3 (s16), read back: a Parametric Map of one value everywhere (what Lumen wrote for a
// one-cell model before it left those out, or any writer's flat map) says nothing about where.
// Scaled by its own largest value it tinted the whole image at full strength ("the whole image
// is abnormal"). The viewer now draws none over its image and says in the corner that it is
// uniform; a map with a range (a ramp over the next image) is still drawn. Real library
// (dcmtk-made CT), maps by the export's own writer, imported through the app's form, drawn by
// Debian's Chromium.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildParametricMap } from '../../electron/results/parametric-map';
import { readDataset, writeDataset } from '../../electron/results/part10';
import { canvasPixels } from '../support/canvas';
import { MODEL_HASH, MODEL_META, PATIENT_A, resultsLibrary } from '../results/fixtures';
import { openApp, resultsDir, useUiSession } from '../support/browser';

/** The one value T1 found in every float of a one-cell model's exported map. */
const FLAT = 0.0041941;

describe('an imported map of one value everywhere', () => {
  const session = useUiSession('lumen-heatmap-uniform', async (dataDir) => {
    const lib = await resultsLibrary('e2e-heatmap-uniform', path.join(dataDir, 'library'));
    try {
      const out = path.join(dataDir, 'incoming', 'maps');
      fs.mkdirSync(out, { recursive: true });
      const instances = lib.library.listInstances(PATIENT_A.seriesUid);
      const write = (index: number, name: string, fill: (i: number, columns: number) => number) => {
        const { dataset: source } = readDataset(instances[index].path, { headerOnly: true });
        const [rows, columns] = [Number(source.Rows), Number(source.Columns)];
        const values = new Float32Array(rows * columns).map((_, i) => fill(i, columns));
        const map = buildParametricMap({ source, frame: 0, frames: 1, values, rows, columns, className: 'nodule', modelName: MODEL_META.name, packageHash: MODEL_HASH, seriesInstanceUid: '2.25.4243', seriesNumber: 901, instanceNumber: index + 1 });
        fs.writeFileSync(path.join(out, name), writeDataset(map));
      };
      // The second image: a ramp (drawn); the third: one value everywhere (not drawn).
      write(1, 'ramp.dcm', (i, columns) => (i % columns) / columns);
      write(2, 'flat.dcm', () => FLAT);
    } finally {
      lib.library.close();
    }
  });

  it('is not drawn; the corner says it is uniform; a map with a range still is', async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 90_000 });
    await page.getByTestId('series-card').first().click({ timeout: 60_000 });
    const index = page.getByTestId('image-index');
    await index.filter({ hasText: 'Im 1/5' }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Import a folder or file').fill(path.join(dataDir, 'incoming', 'maps'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '2 result documents imported' }).waitFor({ timeout: 60_000 });
    expect((await canvasPixels(page)).coloured).toBe(0);

    // The ramp: drawn over its image.
    await page.getByTestId('viewport').focus();
    await page.keyboard.press('ArrowDown');
    await index.filter({ hasText: 'Im 2/5' }).waitFor();
    await page.getByText('Heatmap: parametric map (Lumen heatmaps: Chest triage)', { exact: true }).waitFor({ timeout: 30_000 });
    expect((await canvasPixels(page)).coloured).toBeGreaterThan(500);

    // The flat map: the corner names it and says why nothing is drawn; no pixel is tinted.
    await page.keyboard.press('ArrowDown');
    await index.filter({ hasText: 'Im 3/5' }).waitFor();
    const note = page.getByText('Heatmap: parametric map (Lumen heatmaps: Chest triage): uniform (0.004194 everywhere), so not drawn: it cannot show where');
    await note.waitFor({ timeout: 30_000 });
    expect((await canvasPixels(page)).coloured).toBe(0);
    await page.screenshot({ path: path.join(resultsDir(), 'heatmap-uniform.png') });

    // Maps switched off: no word of it either.
    const section = page.getByRole('region', { name: 'Results' });
    await section.getByLabel('Show the maps over their images').uncheck();
    await note.waitFor({ state: 'detached' });
    expect(await page.getByText(/^Heatmap: /).count()).toBe(0);
    expect(errors).toEqual([]);
  }, 240_000);
});
