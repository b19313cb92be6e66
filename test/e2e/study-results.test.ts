// Results read back in the app (issue #16 point 5): Lumen's own SR exports, written by the
// results writer from a real library, imported through the app's import form (real bridge
// and engine, Debian's Chromium) and listed with the study: finding, score, model, date.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportResults } from '../../electron/results/export';
import { HOSTILE_LABEL, MODEL_HASH, MODEL_META, PATIENT_A, QUOTED_LABEL, resultsLibrary } from '../results/fixtures';
import { openApp, resultsDir, useUiSession } from '../support/browser';

describe('results listed with the study', () => {
  const session = useUiSession('lumen-study-results', async (dataDir) => {
    const lib = await resultsLibrary('e2e-study-results', path.join(dataDir, 'library'));
    try {
      const model = { name: MODEL_META.name, packageHash: MODEL_HASH, variant: MODEL_META.variant, version: '0.1.0' };
      await exportResults(lib.library, { uid: PATIENT_A.seriesUid, model, out: path.join(dataDir, 'incoming', 'results') });
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
    await page.getByTestId('import-report').filter({ hasText: '2 imported' }).waitFor({ timeout: 60_000 });

    const section = page.getByRole('region', { name: 'Results' });
    await section.getByTestId('result-finding').nth(7).waitFor({ timeout: 30_000 });
    const rows = await section.getByTestId('result-finding').allInnerTexts();
    expect(rows).toHaveLength(8);
    // Image i is scored [1 - i/10, i/10]: five "normal" findings from 100% to 60%; the length
    // and the two labels (shown as text, a formula included) from the measurements SR.
    const cells = rows.map((r) => r.split('\t').map((c) => c.trim()));
    expect(cells.filter((c) => c[0] === 'normal').map((c) => c[1]).sort()).toEqual(['100.0%', '60.0%', '70.0%', '80.0%', '90.0%']);
    for (const c of cells.filter((c) => c[0] === 'normal')) expect(c[2]).toBe('Chest triage 0.1.0');
    expect(cells.find((c) => c[0] === 'Length')?.[1]).toMatch(/^\d+(\.\d+)? mm$/);
    expect(cells.map((c) => c[0])).toEqual(expect.arrayContaining([HOSTILE_LABEL, QUOTED_LABEL]));
    expect(await section.textContent()).toMatch(/Imaging Measurement Report\d{2}-[A-Z][a-z]{2}-\d{4} \d{2}:\d{2}/);
    await page.screenshot({ path: path.join(resultsDir(), 'study-results.png') });
    expect(errors).toEqual([]);
  }, 240_000);
});
