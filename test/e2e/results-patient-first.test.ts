// Results imported before their study's images (T1-9, s16), in the app: Lumen's own SR and
// Parametric Map exports of patient A's study, given another patient (ZZZ999, Other^Patient) by
// dcmtk's dcmodify, imported through the import form of an empty library (real bridge and engine,
// Debian's Chromium). The import report says their study is not in the library yet; patient A's
// images imported next carry that study's UID, and its Results do not list the other patient's
// documents.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildMixedFolder, copyMixedFolder, tmpDir } from '../library/fixtures';
import { resultsLibrary, writeResultDocuments } from '../results/fixtures';
import { openApp, resultsDir, useUiSession } from '../support/browser';

describe('results of another patient imported before the study', () => {
  const session = useUiSession('lumen-results-patient-first', async (dataDir) => {
    // The documents are made from a library of their own; the app's library starts empty.
    const lib = await resultsLibrary('e2e-results-patient-first');
    const own = path.join(tmpDir('e2e-results-patient-first-own'), 'own');
    try {
      await writeResultDocuments(lib, own, '2.25.4244', (i, rows, columns) => (i % columns) / columns);
    } finally {
      lib.library.close();
    }
    const other = path.join(dataDir, 'incoming', 'other');
    fs.mkdirSync(other, { recursive: true });
    fs.readdirSync(own)
      .filter((f) => f.endsWith('.dcm'))
      .forEach((f, i) => {
        const copy = path.join(other, f);
        fs.copyFileSync(path.join(own, f), copy);
        execFileSync('dcmodify', ['-nb', '-i', '(0010,0010)=Other^Patient', '-i', '(0010,0020)=ZZZ999', '-i', `(0008,0018)=2.25.1112${i + 1}`, copy], { stdio: 'pipe' });
      });
    fs.cpSync(own, path.join(dataDir, 'incoming', 'own'), { recursive: true });
    fs.cpSync(copyMixedFolder(buildMixedFolder(path.join(tmpDir('e2e-results-patient-first-template'), 'mixed')), 'e2e-results-patient-first'), path.join(dataDir, 'incoming', 'images'), { recursive: true });
  });

  it('says their study is not in the library yet, and does not list them with the images that come later', async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 90_000 });
    const report = page.getByTestId('import-report');
    await page.getByLabel('Import a folder or file').fill(path.join(dataDir, 'incoming', 'other'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await report.filter({ hasText: 'result documents imported' }).waitFor({ timeout: 60_000 });
    expect(await report.textContent()).toBe('3 result documents imported; their study is not in the library yet: import its images to see them');
    await page.screenshot({ path: path.join(resultsDir(), 'results-patient-first.png') });

    await page.getByLabel('Import a folder or file').fill(path.join(dataDir, 'incoming', 'images'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await report.filter({ hasText: 'images' }).waitFor({ timeout: 60_000 });
    await page.getByTestId('series-card').filter({ hasText: '5 images' }).click({ timeout: 60_000 });
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/5' }).waitFor({ timeout: 60_000 });
    // Patient A's own documents, imported now, are listed with the study: those 3, not the other patient's.
    await page.getByLabel('Import a folder or file').fill(path.join(dataDir, 'incoming', 'own'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await report.filter({ hasText: /^3 result documents imported$/ }).waitFor({ timeout: 60_000 });
    const section = page.getByRole('region', { name: 'Results' });
    await section.getByTestId('result-finding').nth(7).waitFor({ timeout: 30_000 });
    expect(await section.locator('.result-doc').count()).toBe(3);
    expect(await section.getByTestId('result-finding').count()).toBe(8);
    await page.screenshot({ path: path.join(resultsDir(), 'results-patient-first-own.png') });
    expect(errors).toEqual([]);
  }, 240_000);
});
