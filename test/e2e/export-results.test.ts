// Export results… (issue #16 points 5-7 from the app): on the open series, through the real
// engine and bridge in Debian's Chromium, the dialog writes the model's predictions as DICOM
// SR (read back by dcmtk's dsrdump), a CSV table, and de-identified copies.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dsrdump } from '../results/check';
import { MODEL_HASH, PATIENT_A, resultsLibrary } from '../results/fixtures';
import { openApp, resultsDir, useUiSession } from '../support/browser';

describe('Export results… in the app', () => {
  const session = useUiSession('lumen-export-results', async (dataDir) => {
    const lib = await resultsLibrary('e2e-export', path.join(dataDir, 'library'));
    lib.library.close();
  });

  it('writes SR, a CSV table and de-identified copies of the open series', async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    // The engine starts first (slow on a loaded machine), then the list fills.
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 90_000 });
    await page.getByTestId('series-card').first().click({ timeout: 60_000 });
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/5' }).waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Export results…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export results' });
    await dialog.waitFor();
    await dialog.getByLabel('Model', { exact: true }).locator('option', { hasText: 'Chest triage (5 images)' }).waitFor({ state: 'attached', timeout: 30_000 });
    expect(await dialog.getByLabel('Model', { exact: true }).inputValue()).toBe(MODEL_HASH);

    // DICOM SR of the predictions, measurements and labels.
    const srDir = path.join(dataDir, 'exports', 'sr');
    await dialog.getByLabel('Export to').fill(srDir);
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await dialog.getByTestId('export-done').filter({ hasText: '5 image predictions, 1 measurement, 2 labels' }).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(resultsDir(), 'export-results-sr.png') });
    const srFiles = fs.readdirSync(srDir).sort();
    expect(srFiles.map((f) => f.replace(/-2\.25\.\d+\.dcm$/, ''))).toEqual(['measurements-sr', 'predictions-sr']);
    for (const f of srFiles) expect(dsrdump(path.join(srDir, f))).toContain('Imaging Measurement Report');

    // A CSV table of the predictions.
    await dialog.getByLabel('A table (CSV or JSON)').check();
    const csv = path.join(dataDir, 'exports', 'predictions.csv');
    await dialog.getByLabel('Export to').fill(csv);
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await dialog.getByTestId('export-done').filter({ hasText: 'Wrote 10 rows' }).waitFor({ timeout: 30_000 });
    expect(fs.readFileSync(csv, 'utf8').split('\r\n')[1]).toContain(`${MODEL_HASH},Chest triage,b0,${PATIENT_A.studyUid},${PATIENT_A.seriesUid}`);

    // De-identified copies, as a job.
    await dialog.getByLabel('De-identified DICOM copies of the images').check();
    const deid = path.join(dataDir, 'exports', 'deid');
    await dialog.getByLabel('Export to').fill(deid);
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await dialog.getByTestId('export-done').filter({ hasText: 'Wrote de-identified copies of 5 images to ' }).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(resultsDir(), 'export-results-deidentified.png') });
    const copies = fs.readdirSync(deid, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.dcm'));
    expect(copies).toHaveLength(5);
    for (const c of copies) expect(fs.readFileSync(path.join(deid, c)).toString('latin1')).not.toContain('DOE^JANE');

    // A path outside the data folder is refused by the bridge, in words.
    await dialog.getByLabel('DICOM results (SR: predictions, measurements, labels)').check();
    await dialog.getByLabel('Export to').fill('/etc/lumen-export');
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await dialog.getByRole('alert').filter({ hasText: 'outside the folders this browser session may use' }).waitFor({ timeout: 30_000 });
    expect(fs.existsSync('/etc/lumen-export')).toBe(false);
    expect(errors).toEqual([]);
  }, 240_000);
});
