// De-identified copies of a whole study in the app, in Debian's Chromium against the real engine:
// a CT slice (dump2dcm) and a secondary capture made by dcmtk's img2dcm from a BMP (series 9
// "Screenshot", instance 1), which says nothing of burned-in text, so it is held back. The dialog
// names it as the library shows it, "Series 9 “Screenshot”, image 1": before, it said why but not
// which (the engine named it only by its new SOP Instance UID, which no one can look up), and
// before 275d07d (deid-held-back-d20, folded in here) it said neither: only "Held back 1 image
// that has or may have text burned into the pixels.".
// Screenshot: test-results/deid-held-back-g20.png.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSlice } from '../library/fixtures';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { bmp24 } from '../support/bmp';

const STUDY = '1.2.826.0.1.3680043.10.2020.74';

describe('de-identified copies of a study with a screenshot in it, naming it', () => {
  const session = useUiSession('lumen-deid-held-g20', (dataDir) => {
    const dir = path.join(dataDir, 'incoming');
    mkdirSync(dir);
    writeSlice(path.join(dir, 'ct.dcm'), { patientName: 'Named^Nora', patientId: 'G20-HELD', studyUid: STUDY, seriesUid: `${STUDY}.1`, sopUid: `${STUDY}.1.1`, seriesDescription: 'AXIAL' });
    const bmp = path.join(dataDir, 'shot.bmp');
    writeFileSync(bmp, bmp24(32, 32, (x) => [x * 8, x * 8, x * 8]));
    const keys = ['PatientName=Named^Nora', 'PatientID=G20-HELD', `StudyInstanceUID=${STUDY}`, `SeriesInstanceUID=${STUDY}.9`, 'SeriesDescription=Screenshot', 'SeriesNumber=9', 'InstanceNumber=1', 'Modality=OT'];
    execFileSync('img2dcm', ['-i', 'BMP', ...keys.flatMap((k) => ['-k', k]), bmp, path.join(dir, 'shot.dcm')]);
  });

  it('says which image was held back, as the series list shows it', async () => {
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
    await page.screenshot({ path: path.join(resultsDir(), 'deid-held-back-g20.png') });
    const lines = (await done.innerText()).split('\n');
    expect(lines.some((l) => l.startsWith('Wrote de-identified copies of 1 image to '))).toBe(true);
    // The summary line as before, then why, then which, then how to write it after all.
    const held = lines.indexOf('Held back 1 image that has or may have text burned into the pixels.');
    expect(held).toBeGreaterThan(0);
    expect(lines[held + 1]).toBe('1 image: it does not say whether its pixels carry text (no BurnedInAnnotation), and modality OT often does.');
    expect(lines[held + 2]).toBe('Series 9 “Screenshot”, image 1.');
    expect(lines[held + 3]).toContain('also images that have or may have text burned into the pixels');
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});
