// The viewer says when the shown image is outside the model's training data: a package trained
// here (head mode on a tiny backbone, CT phantoms) records its training domain; an MR series
// scored with it shows "⚠ Outside the training data" over the image, the reason ("modality MR;
// trained on CT") on hover and, clicked, listed; a CT image of the test split inside it shows nothing.
// Screenshots: test-results/domain-warning-outside.png (expanded), domain-warning-inside.png.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { importLabelsCsvFile } from '../../electron/training/labels';
import { predictSeries } from '../../electron/training/predict';
import { libraryPseudonyms } from '../../electron/training/pseudonyms';
import { trainClassifier } from '../../electron/training/train';
import { initBackend } from '../../models/runtime';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { ctSlice } from '../support/dicom/phantom';
import { writeImage } from '../support/dicom/write';
import { writePhantomSet } from '../training/phantoms';

const MR_SERIES = '1.2.826.0.1.3680043.10.96.1.1.2';

/** Two slices of the phantom anatomy written as MR: like the training images but for the modality. */
function writeMr(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (let s = 0; s < 2; s++) {
    const px = ctSlice(64, 64, 8100 + s, 20);
    writeImage(path.join(dir, `mr_${s + 1}.dcm`), {
      rows: 64, columns: 64, bitsAllocated: 16, pixelRepresentation: 1, modality: 'MR', rescaleSlope: 1, rescaleIntercept: 0, pixelBytes: new Uint8Array(px.buffer),
      extra: {
        0x00080018: { vr: 'UI', value: `${MR_SERIES}.${s + 1}` },
        0x0020000d: { vr: 'UI', value: '1.2.826.0.1.3680043.10.96.1.1' },
        0x0020000e: { vr: 'UI', value: MR_SERIES },
        0x00100020: { vr: 'LO', value: 'MRKNEE1' },
        0x00100010: { vr: 'PN', value: 'Knee^MRKNEE1' },
        0x00200013: { vr: 'IS', value: s + 1 },
      },
    });
  }
}

describe('the viewer warns when an image is outside the training data', () => {
  let inside: { patientId: string } | undefined;
  let reasons: string[] = [];
  const session = useUiSession('lumen-domain-warning', async (dataDir) => {
    await initBackend('cpu');
    const set = writePhantomSet(path.join(dataDir, 'incoming', 'phantoms'), { patients: 24, slices: 2, seed: 711 });
    writeMr(path.join(dataDir, 'incoming', 'mr'));
    const library = Library.open(path.join(dataDir, 'library'));
    try {
      const report = await library.importPaths([set.dir, path.join(dataDir, 'incoming', 'mr')]);
      expect(report.errors).toEqual([]);
      importLabelsCsvFile(library, set.csv, { author: 'tester' });
      const out = path.join(dataDir, 'models', 'ct-only');
      const trained = await trainClassifier({ library, out, name: 'ct-only', variant: 'custom-phi-10', resolution: 32, window: 'ct-abdomen', mode: 'head', augmentation: false, epochs: 8, seed: 3 });
      const mr = await predictSeries({ library, packageDir: out, seriesUid: MR_SERIES });
      reasons = mr.images[0].domain!.reasons;
      // Patients of the test split: held out from training, like its data.
      const names = libraryPseudonyms(library.dir);
      for (const p of set.patients.filter((x) => trained.split.patients[names.patient(x.patientId)] === 'test')) {
        const r = await predictSeries({ library, packageDir: out, seriesUid: p.seriesUid });
        if (!inside && r.images.every((im) => im.domain && !im.domain.outside)) inside = p;
      }
    } finally {
      library.close();
    }
  });

  it('shows "⚠ Outside the training data" with the reasons over an MR image, nothing over a CT image like the training data', async () => {
    expect(reasons).toContain('modality MR; trained on CT');
    expect(inside, 'a held-out CT patient inside the training domain').toBeDefined();
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 240_000 });
    const open = async (patientId: string) => {
      await page.getByLabel('Search studies').fill(patientId);
      await page.getByRole('listitem', { name: new RegExp(`^Study .*${patientId}`) }).getByTestId('series-card').click();
      // Generous waits: the engine shares a loaded machine with the test.
      await page.locator('.corner.tl').filter({ hasText: patientId }).waitFor({ timeout: 120_000 });
      await page.getByTestId('image-index').filter({ hasText: 'Im 1/2' }).waitFor({ timeout: 120_000 });
    };
    const warning = page.getByTestId('domain-warning');

    await open('MRKNEE1');
    await page.getByRole('tab', { name: 'Classifier' }).click();
    await page.locator('label.package').filter({ hasText: 'ct-only' }).waitFor({ timeout: 120_000 });
    await page.getByTestId('image-scores').waitFor({ timeout: 120_000 });
    await warning.waitFor({ timeout: 60_000 });
    expect(await warning.locator('summary').textContent()).toBe('⚠ Outside the training data');
    // The reasons on hover (the title) and, clicked, listed under the line.
    expect(await warning.getAttribute('title')).toContain('modality MR; trained on CT');
    expect(await warning.locator('li').first().isVisible()).toBe(false);
    await warning.locator('summary').click();
    expect(await warning.locator('li').allTextContents()).toEqual(reasons);
    await page.screenshot({ path: path.join(resultsDir(), 'domain-warning-outside.png') });

    await open(inside!.patientId);
    await page.getByTestId('image-scores').waitFor({ timeout: 120_000 });
    await expect.poll(() => warning.count()).toBe(0);
    await page.screenshot({ path: path.join(resultsDir(), 'domain-warning-inside.png') });
    expect(await page.getByRole('alert').allTextContents()).toEqual([]);
    expect(errors).toEqual([]);
  }, 600_000);
});
