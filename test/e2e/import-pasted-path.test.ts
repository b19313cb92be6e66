// The browser UI's "Import a folder or file" takes a path as people paste it (F7): in quotes, as
// Windows' "Copy as path" and file managers give it, and as the file:// URL a folder dragged
// into a text box gives; a relative path is refused with what to type instead of being taken
// from the server's working folder. Files by dcmtk (dump2dcm), the real engine and bridge,
// Debian's Chromium.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { writeSlice } from '../library/fixtures';

const UID = '1.2.826.0.1.3680043.10.99.31';

/** One slice of patient `name` in `folder`. */
function folderWith(folder: string, name: string, n: number): void {
  mkdirSync(folder, { recursive: true });
  writeSlice(path.join(folder, 'a.dcm'), { patientName: name, patientId: `PASTE${n}`, studyUid: `${UID}.${n}.1`, seriesUid: `${UID}.${n}.2`, sopUid: `${UID}.${n}.3`, studyDescription: 'PASTED' });
}

describe('the Import box', () => {
  const session = useUiSession('lumen-e2e-paste', (dataDir) => {
    folderWith(path.join(dataDir, 'quoted folder'), 'Quoted^Quinn', 1);
    folderWith(path.join(dataDir, 'dragged #1 été'), 'Dragged^Dana', 2);
  });

  it('imports a quoted path and a file:// URL, and refuses a relative path with what to type', async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    const box = page.getByLabel('Import a folder or file');
    const importButton = page.getByRole('button', { name: 'Import', exact: true });
    const studies = page.getByRole('listitem', { name: /^Study / });

    // Windows' "Copy as path": the path in double quotes.
    await box.fill(`"${path.join(dataDir, 'quoted folder')}"`);
    await importButton.click();
    await page.getByTestId('import-report').filter({ hasText: '1 image imported' }).waitFor({ timeout: 60_000 });
    await studies.filter({ hasText: 'Quoted, Quinn' }).first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(resultsDir(), 'import-pasted-quoted.png') });

    // A folder dragged into the box: a file URL with its space, # and é escaped.
    const url = pathToFileURL(path.join(dataDir, 'dragged #1 été')).href;
    expect(url).toContain('%20');
    await box.fill(url);
    await importButton.click();
    await studies.filter({ hasText: 'Dragged, Dana' }).first().waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(resultsDir(), 'import-pasted-file-url.png') });

    // A relative path: refused, saying what to type; nothing is imported from the server's folder.
    await box.fill('quoted folder');
    await importButton.click();
    const refusal = page.getByRole('alert').filter({ hasText: 'is not a full path' });
    await refusal.waitFor({ timeout: 30_000 });
    expect(await refusal.textContent()).toContain('The folder to import quoted folder is not a full path. Type the full path, starting with /.');
    await page.screenshot({ path: path.join(resultsDir(), 'import-pasted-relative.png') });
    expect(await studies.count()).toBe(2);
    expect(errors).toEqual([]);
  }, 240_000);
});
