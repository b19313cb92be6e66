// The Classifier panel's "Import a model package (.lumenpkg)" says which folder of models/ the
// package went into: a second package whose file has the same name goes into lesion-2 beside
// the first (319da75), and the panel says so, as `lumen models import` does; a note the engine
// brings back (the audit log could not record the install) is shown with it. Screenshot:
// test-results/package-import-folder.png.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, startUiSession } from '../support/browser';
import { runLumen } from '../support/cli';
import { tempFolderForTests } from '../support/temp-folder';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { exportPackageArchive } from '../../models/package/archive';
import { writePhantomSet } from '../training/phantoms';

const t = tempFolderForTests('package-import-folder', () => ({}));
const preprocessing = { window: 'ct-abdomen' as const, scale: 1 / 255, mean: [0.485, 0.456, 0.406] as [number, number, number], std: [0.229, 0.224, 0.225] as [number, number, number] };

/** A package file named lesion.lumenpkg in its own folder of the data folder (the bridge's page may name paths there). */
async function archive(dataDir: string, name: string, seed: number): Promise<string> {
  const dir = path.join(t.dir, 'made', name);
  await saveRandomHeadPackage(dir, { inputSize: 64, seed, sd: 20, headSeed: seed + 2 }, { name, classNames: ['none', 'lesion'], preprocessing });
  mkdirSync(path.join(dataDir, 'staging', name), { recursive: true });
  const file = path.join(dataDir, 'staging', name, 'lesion.lumenpkg');
  await exportPackageArchive(dir, file);
  return file;
}

describe("the Classifier's package import", () => {
  it('says the folder each package went into, lesion then lesion-2', async () => {
    const dataDir = path.join(t.dir, 'data');
    const set = writePhantomSet(path.join(t.dir, 'dicom'), { patients: 1, slices: 2, size: 64, seed: 7 });
    expect((await runLumen(['import', set.dir], dataDir)).code).toBe(0);
    const files = [await archive(dataDir, 'Lesion A', 11), await archive(dataDir, 'Lesion B', 21)];
    const ui = { ...(await startUiSession(dataDir)), dataDir };
    try {
      const { page, errors } = await openApp(ui);
      await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 240_000 });
      await page.getByRole('tab', { name: 'Classifier' }).click();
      const field = page.getByLabel('Import a model package (.lumenpkg)');
      for (const [i, file] of files.entries()) {
        await field.fill(file);
        await page.getByRole('button', { name: 'Import package' }).click();
        const folder = i === 0 ? 'lesion' : 'lesion-2';
        await page.getByText(new RegExp(`^Imported Lesion ${i === 0 ? 'A' : 'B'} \\(#[0-9a-f]{12}\\) into models/${folder}\\.$`)).waitFor({ timeout: 60_000 });
      }
      // Both are listed, each its own package.
      for (const name of ['Lesion A', 'Lesion B']) await page.locator('label.package').filter({ hasText: name }).waitFor({ timeout: 60_000 });
      await page.screenshot({ path: path.join(resultsDir(), 'package-import-folder.png') });
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await ui.close();
    }
  }, 400_000);
});
