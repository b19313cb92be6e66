// A result document of another patient that carries a library study's Study Instance UID (T1-1,
// s16), in the app: Lumen's own SR and Parametric Map exports of patient A's study, given another
// patient (ZZZ999, Other^Patient) by dcmtk's dcmodify, imported through the import form (real
// bridge and engine, Debian's Chromium). The import says why each is not filed, naming the file
// and the study; the study's Results list the study's own documents only.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultsLibrary, writeResultDocuments } from '../results/fixtures';
import { openApp, resultsDir, useUiSession } from '../support/browser';

describe("results of another patient are not listed with a library patient's study", () => {
  const session = useUiSession('lumen-results-patient', async (dataDir) => {
    const lib = await resultsLibrary('e2e-results-patient', path.join(dataDir, 'library'));
    const own = path.join(dataDir, 'incoming', 'own');
    try {
      await writeResultDocuments(lib, own, '2.25.4243', (i, rows, columns) => (i % columns) / columns);
    } finally {
      lib.library.close();
    }
    // The same documents, another patient's: as the tester made them.
    const other = path.join(dataDir, 'incoming', 'other');
    fs.mkdirSync(other);
    fs.readdirSync(own)
      .filter((f) => f.endsWith('.dcm'))
      .forEach((f, i) => {
        const copy = path.join(other, f);
        fs.copyFileSync(path.join(own, f), copy);
        execFileSync('dcmodify', ['-nb', '-i', '(0010,0010)=Other^Patient', '-i', '(0010,0020)=ZZZ999', '-i', `(0008,0018)=2.25.1111${i + 1}`, copy], { stdio: 'pipe' });
      });
  });

  it('the import says why each is not filed, and the Results list shows the study’s own documents only', async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 90_000 });
    await page.getByTestId('series-card').first().click({ timeout: 60_000 });
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/5' }).waitFor({ timeout: 60_000 });

    const other = path.join(dataDir, 'incoming', 'other');
    await page.getByLabel('Import a folder or file').fill(other);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const report = page.getByTestId('import-report');
    await report.filter({ hasText: '3 files could not be read' }).waitFor({ timeout: 60_000 });
    expect(await report.textContent()).toMatch(/^0 images imported, 3 files could not be read\. Show the list$/);
    await page.getByRole('button', { name: 'Show the list' }).click();
    const issues = page.getByRole('dialog', { name: 'Files not imported' });
    await issues.waitFor();
    const rows = issues.locator('tbody tr');
    expect(await rows.count()).toBe(3);
    for (const text of await rows.allInnerTexts()) {
      expect(text).toContain(other + path.sep);
      expect(text).toMatch(/of another patient: its Study Instance UID \(0020,000D\) 1\.2\.826\.0\.1\.3680043\.10\.543\.1 names a study the library holds for another patient/);
      expect(text).toContain('Not filed with that study, so that no result is listed under another patient\'s name.');
    }
    await page.screenshot({ path: path.join(resultsDir(), 'results-patient-refused.png') });
    await page.keyboard.press('Escape');
    await issues.waitFor({ state: 'detached' });
    // Nothing of theirs is listed with the study.
    expect(await page.getByTestId('study-results').count()).toBe(0);

    // The study's own documents are.
    await page.getByLabel('Import a folder or file').fill(path.join(dataDir, 'incoming', 'own'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await report.filter({ hasText: '3 result documents imported' }).waitFor({ timeout: 60_000 });
    const section = page.getByRole('region', { name: 'Results' });
    await section.getByTestId('result-finding').nth(7).waitFor({ timeout: 30_000 });
    expect(await section.getByTestId('result-finding').count()).toBe(8);
    expect(await section.locator('[data-kind="parametric-map"]').count()).toBe(1);
    expect(await section.locator('.result-doc').count()).toBe(3);
    await page.screenshot({ path: path.join(resultsDir(), 'results-patient-own.png') });
    expect(errors).toEqual([]);
  }, 240_000);
});
