// Task E (s17): the study's Results say that they leave out result documents of another patient
// (filed before the study's images came with another patient's details; migration 32 hides them),
// with the count alone: no patient value (test/privacy). Before, the list was silent, or absent
// when those were all the study had. Lumen's own SR and Parametric Map exports of patient A's
// study, given another patient by dcmtk's dcmodify; real bridge and engine, Debian's Chromium.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { PATIENT_A, resultsLibrary, tmpDir, writeResultDocuments } from '../results/fixtures';
import { buildMixedFolder, copyMixedFolder } from '../library/fixtures';
import { openApp, resultsDir, useUiSession } from '../support/browser';

describe("the Results list and another patient's documents", () => {
  const session = useUiSession('lumen-results-other-notice', async (dataDir) => {
    const template = await resultsLibrary('e2e-results-other-notice');
    const own = path.join(dataDir, 'incoming', 'own');
    try {
      await writeResultDocuments(template, own, '2.25.4353', (i, rows, columns) => (i % columns) / columns);
    } finally {
      template.library.close();
    }
    const other = path.join(dataDir, 'incoming', 'other');
    fs.mkdirSync(other);
    fs.readdirSync(own)
      .filter((f) => f.endsWith('.dcm'))
      .forEach((f, i) => {
        fs.copyFileSync(path.join(own, f), path.join(other, f));
        execFileSync('dcmodify', ['-nb', '-i', '(0010,0010)=Other^Patient', '-i', '(0010,0020)=ZZZ999', '-i', `(0008,0018)=2.25.6161${i + 1}`, path.join(other, f)], { stdio: 'pipe' });
      });
    // The other patient's documents first (their study unknown, so filed), then patient A's images with that study.
    const library = Library.open(path.join(dataDir, 'library'));
    try {
      await library.importPaths([other]);
      await library.importPaths([copyMixedFolder(buildMixedFolder(path.join(tmpDir('e2e-results-other-notice-mixed'), 'mixed')), 'e2e-results-other-notice-images')]);
    } finally {
      library.close();
    }
  });

  it('says how many it does not show, with no patient value, beside the study’s own', async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 90_000 });
    await page.locator(`.series-card[data-series="${PATIENT_A.seriesUid}"]`).click({ timeout: 60_000 });
    const section = page.getByRole('region', { name: 'Results' });
    const note = section.getByTestId('results-other-patient');
    // Only the other patient's documents: the section is there to say so, and lists none.
    await note.filter({ hasText: '3 result documents of another patient are not shown.' }).waitFor({ timeout: 30_000 });
    expect(await section.locator('.result-doc').count()).toBe(0);
    await section.screenshot({ path: path.join(resultsDir(), 'results-other-patient-only.png') });

    // The study's own documents are listed, and the note stays.
    await page.getByLabel('Import a folder or file').fill(path.join(dataDir, 'incoming', 'own'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '3 result documents imported' }).waitFor({ timeout: 60_000 });
    await section.getByTestId('result-finding').nth(7).waitFor({ timeout: 30_000 });
    expect(await section.locator('.result-doc').count()).toBe(3);
    expect(await note.textContent()).toBe('3 result documents of another patient are not shown.');
    const text = (await section.textContent()) ?? '';
    expect(text).not.toMatch(/ZZZ999|Other\^?Patient/i);
    expect((await note.getAttribute('title')) ?? '').not.toMatch(/ZZZ999|Other\^?Patient/i);
    await section.screenshot({ path: path.join(resultsDir(), 'results-other-patient-with-own.png') });
    expect(errors).toEqual([]);
  }, 240_000);
});
