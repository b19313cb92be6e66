// Text in the side panel's Results list is read whole (issue: the Model column showed
// "Chest tria…"): a series scored by two model packages with long names, their SR exports
// imported through the app (real bridge and engine, Debian's Chromium), and at 1280×800 and
// 1024×700 every text cell of the list shows all its text (it wraps; no ellipsis).
// Screenshots: test-results/side-panel-text-<width>.png (and -end.png, scrolled to the last document).
import path from 'node:path';
import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { savePredictions } from '../../electron/library/predictions';
import { exportResults } from '../../electron/results/export';
import { MODEL_META, PATIENT_A, resultsLibrary } from '../results/fixtures';
import { openApp, resultsDir, useUiSession } from '../support/browser';

const MODELS = [
  { name: 'Chest triage (pneumothorax) v2', hash: 'b'.repeat(63) + '2', version: '2.0.0' },
  { name: 'Chest triage (pleural effusion, adult)', hash: 'c'.repeat(63) + '3', version: '1.4.0' },
];

/** Of these text cells, those that show less than their text. A title is no excuse: it cannot
 *  be reached from the keyboard, and the list has room to wrap. */
async function cutCells(cells: Locator): Promise<string[]> {
  type Cell = { scrollWidth: number; clientWidth: number; textContent: string | null };
  return cells.evaluateAll((els) =>
    (els as unknown as Cell[]).filter((c) => (c.textContent ?? '').trim() && c.scrollWidth > c.clientWidth).map((c) => `${(c.textContent ?? '').trim()} (${c.scrollWidth} > ${c.clientWidth})`),
  );
}

describe('the side panel shows its text whole', () => {
  const session = useUiSession('lumen-side-panel-text', async (dataDir) => {
    const lib = await resultsLibrary('e2e-side-panel-text', path.join(dataDir, 'library'));
    try {
      const dir = path.join(dataDir, 'library');
      const images = lib.library.listInstances(PATIENT_A.seriesUid).map((i) => i.sopInstanceUid);
      for (const [m, model] of MODELS.entries()) {
        const metadata = { ...MODEL_META, name: model.name, contentHash: model.hash };
        const scores = images.map((sop, i) => ({ seriesInstanceUid: PATIENT_A.seriesUid, sopInstanceUid: sop, frame: 0, scores: [1 - (i + m) / 10, (i + m) / 10] }));
        savePredictions(dir, { modelHash: model.hash, modelName: model.name, classNames: MODEL_META.classNames, images: scores, series: [], createdAt: new Date().toISOString() }, { dir: path.join(dir, `pkg-${m}`), metadata });
        await exportResults(lib.library, { uid: PATIENT_A.seriesUid, model: { name: model.name, packageHash: model.hash, variant: 'b0', version: model.version }, out: path.join(dataDir, 'incoming', 'results', `model-${m}`) });
      }
    } finally {
      lib.library.close();
    }
  });

  it("lists two long-named models' findings without cutting a cell, at 1280×800 and 1024×700", async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 90_000 });
    await page.getByTestId('series-card').first().click({ timeout: 60_000 });
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/5' }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Import a folder or file').fill(path.join(dataDir, 'incoming', 'results'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: /result documents imported/ }).waitFor({ timeout: 60_000 });

    const section = page.getByRole('region', { name: 'Results' });
    await section.getByTestId('result-finding').nth(9).waitFor({ timeout: 30_000 });
    const models = (await section.getByTestId('result-finding').allInnerTexts()).map((r) => r.split('\t').map((c) => c.trim())[2]);
    for (const m of MODELS) expect(models).toContain(`${m.name} ${m.version}`);
    for (const [width, height] of [[1280, 800], [1024, 700]]) {
      await page.setViewportSize({ width, height });
      expect(await section.isVisible()).toBe(true);
      expect(await cutCells(section.locator('td, th, .result-doc-head > span')), `at ${width}×${height}`).toEqual([]);
      await section.screenshot({ path: path.join(resultsDir(), `side-panel-text-${width}.png`) });
      await section.locator('.result-doc').last().scrollIntoViewIfNeeded();
      await section.screenshot({ path: path.join(resultsDir(), `side-panel-text-${width}-end.png`) });
    }
    expect(errors).toEqual([]);
  }, 240_000);
});
