// De-identified copies of a whole study in the app, in Debian's Chromium against the real engine:
// a CT slice (dump2dcm) and a secondary capture made by dcmtk's img2dcm from a BMP, which says
// nothing of burned-in text. The SC is held back, and the dialog says why in the rule's own words
// (before, it said only "Held back 1 image that has or may have text burned into the pixels.",
// leaving a researcher to guess which image and why). Screenshot: test-results/deid-held-back-d20.png.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSlice } from '../library/fixtures';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { bmp24 } from '../support/bmp';

const STUDY = '1.2.826.0.1.3680043.10.2020.88';

describe('de-identified copies of a study with a screenshot in it', () => {
  const session = useUiSession('lumen-deid-held-d20', (dataDir) => {
    const dir = path.join(dataDir, 'incoming');
    mkdirSync(dir);
    writeSlice(path.join(dir, 'ct.dcm'), { patientName: 'Held^Hanna', patientId: 'D20-HELD', studyUid: STUDY, seriesUid: `${STUDY}.1`, sopUid: `${STUDY}.1.1`, seriesDescription: 'AXIAL' });
    const bmp = path.join(dataDir, 'shot.bmp');
    writeFileSync(bmp, bmp24(32, 32, (x) => [x * 8, x * 8, x * 8]));
    execFileSync('img2dcm', ['-i', 'BMP', '-k', 'PatientName=Held^Hanna', '-k', 'PatientID=D20-HELD', '-k', `StudyInstanceUID=${STUDY}`, '-k', `SeriesInstanceUID=${STUDY}.9`, '-k', 'SeriesDescription=Screenshot', '-k', 'Modality=OT', bmp, path.join(dir, 'shot.dcm')]);
  });

  it('says why an image was held back', async () => {
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
    await page.getByLabel('Import a folder or file').fill(path.join(session().dataDir, 'incoming'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '2 images imported' }).waitFor({ timeout: 120_000 });
    await page.getByTestId('series-card').filter({ hasText: 'AXIAL' }).click();
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/1' }).waitFor({ timeout: 60_000 });

    await page.getByRole('button', { name: 'Export results…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export results' });
    await dialog.waitFor();
    await dialog.getByLabel('its whole study').check();
    await dialog.getByLabel('De-identified DICOM copies of the images').check();
    await dialog.getByLabel('Export to').fill(path.join(session().dataDir, 'exports', 'deid'));
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    const done = dialog.getByTestId('export-done');
    await done.filter({ hasText: 'Held back 1 image' }).waitFor({ timeout: 120_000 });
    await page.screenshot({ path: path.join(resultsDir(), 'deid-held-back-d20.png') });
    const text = await done.innerText();
    expect(text).toContain('Wrote de-identified copies of 1 image to ');
    expect(text).toContain('Held back 1 image that has or may have text burned into the pixels.');
    // Why, in the rule's words, and how to write it after all.
    expect(text).toContain('1 image: it does not say whether its pixels carry text (no BurnedInAnnotation), and modality OT often does.');
    expect(text).toContain('also images that have or may have text burned into the pixels');
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});
