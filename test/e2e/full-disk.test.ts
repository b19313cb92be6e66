// The app on a data folder whose disk fills up, then is read-only (a real tmpfs of 8 MiB,
// test/support/small-disk.ts), in Debian's Chromium against the real engine and bridge: an
// import that runs out of room says so in its line, keeps what it imported and finishes once
// space is freed; on a read-only disk the app starts, shows the studies and their images, says
// from the start that the library cannot be changed, and disables import, removal, labels and
// training with the reason.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';
import { writeCtImage } from '../support/dicom/ct-image';
import { ctSlice } from '../support/dicom/phantom';
import { openApp, resultsDir, startUiSession, type UiSession } from '../support/browser';
import { canvasPixels } from '../support/canvas';
import { smallDiskForTests, smallDiskSkip } from '../support/small-disk';
import { tempFolderForTests } from '../support/temp-folder';

function writeStudies(dir: string, studies: number, tag: number, size = 16): void {
  fs.mkdirSync(dir, { recursive: true });
  for (let s = 0; s < studies; s++) {
    for (let i = 1; i <= 5; i++) {
      writeCtImage(path.join(dir, `s${s}-${i}.dcm`), { size, pixels: ctSlice(size, size, i), uid: `1.2.826.0.1.3680043.9.8${tag}.${s}`, patient: { name: `Disk^Dora${tag}${s}`, id: `DD${tag}${s}` }, instance: i });
    }
  }
}

const files = tempFolderForTests('full-disk-app-dicom', (dir) => {
  writeStudies(path.join(dir, 'first'), 1, 1, 64);
  writeStudies(path.join(dir, 'more'), 300, 2);
  return { first: path.join(dir, 'first'), more: path.join(dir, 'more') };
});
const disk = smallDiskForTests('full-disk-app');

async function session(dataDir: string): Promise<UiSession> {
  return { ...(await startUiSession(dataDir)), dataDir };
}

describe.skipIf(smallDiskSkip)(`the app on a full, then read-only disk${smallDiskSkip ? ` (skipped: ${smallDiskSkip})` : ''}`, () => {
  it('an import that fills the disk says so and finishes after space is freed; read-only, the app still shows the studies', async () => {
    const dataDir = path.join(disk.dir, 'data');
    const first = await runLumen(['import', files.first], dataDir);
    expect(first.code).toBe(0);

    let ui = await session(dataDir);
    try {
      const { page, errors } = await openApp(ui);
      await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
      disk.fill(300 * 1024);
      await page.getByLabel('Import a folder or file').fill(files.more);
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      const stopped = page.getByTestId('import-stopped');
      await stopped.waitFor({ timeout: 120_000 });
      const line = (await stopped.textContent())!;
      expect(line).toMatch(/^The import stopped: the disk is full where the library is \(.*\)\. \d+ files were not imported; what was imported before is kept\./);
      expect(line).toContain(path.join(dataDir, 'library'));
      // The files not reached are left for the next import, not "could not be read".
      expect(await page.getByTestId('import-report').textContent()).toMatch(/ \d+ images imported, \d+ files left for the next import\. Show the list$/);
      await page.screenshot({ path: path.join(resultsDir(), 'full-disk-import.png') });

      disk.unfill();
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      await page.getByTestId('import-report').filter({ hasText: 'already in the library' }).waitFor({ timeout: 120_000 });
      expect(await stopped.count()).toBe(0);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await ui.close();
    }

    disk.readOnly();
    try {
      ui = await session(dataDir);
      try {
        const { page, errors } = await openApp(ui);
        await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
        // Viewing works: the study list and an image.
        await page.getByLabel('Search studies').fill('Dora10');
        const card = page.getByTestId('series-card');
        await card.first().waitFor({ timeout: 60_000 });
        await card.first().click();
        await page.getByTestId('image-index').filter({ hasText: 'Im 1/5' }).waitFor({ timeout: 60_000 });
        await expect.poll(async () => (await canvasPixels(page)).drawn, { timeout: 30_000 }).toBeGreaterThan(100);

        // Changing does not, and the page says so from the start, before anything is tried: a
        // calm notice, and Import disabled with the reason (naming the library) as its description.
        const notice = page.getByTestId('read-only-notice');
        await notice.waitFor({ timeout: 60_000 });
        expect(await notice.textContent()).toBe('This library is on a read-only disk: you can view it and run models on it (their results are not stored), but not import, label or change it.');
        await page.getByLabel('Import a folder or file').fill(files.first);
        const importButton = page.getByRole('button', { name: 'Import', exact: true });
        expect(await importButton.isDisabled()).toBe(true);
        const why = (await importButton.getAttribute('aria-description'))!;
        expect(why).toContain(path.join(dataDir, 'library'));
        expect(why).toMatch(/read-only disk/);
        expect(why).not.toMatch(/SQLITE|attempt to write|EROFS/);
        expect(await importButton.getAttribute('title')).toBe(why);
        // Enter in the path field starts nothing either.
        await page.getByLabel('Import a folder or file').press('Enter');
        expect(await page.getByTestId('import-report').count()).toBe(0);
        await page.screenshot({ path: path.join(resultsDir(), 'read-only-library.png') });

        // Removing a study: the question says why its Remove is disabled.
        await page.getByRole('list', { name: 'Studies' }).getByRole('listitem').filter({ hasText: 'Dora10' }).locator('.study-head').click({ button: 'right' });
        const question = page.getByRole('alertdialog');
        await question.getByTestId('remove-read-only').waitFor({ timeout: 30_000 });
        expect(await question.getByRole('button', { name: 'Remove', exact: true }).isDisabled()).toBe(true);
        await question.getByRole('button', { name: 'Cancel' }).click();

        // Labels and a training run are disabled too, saying why.
        await page.getByRole('tab', { name: 'Training' }).click();
        const training = page.getByRole('tabpanel', { name: 'Training' });
        const start = training.getByRole('button', { name: 'Start training' });
        await start.waitFor({ timeout: 30_000 });
        expect(await start.isDisabled()).toBe(true);
        expect(await start.getAttribute('aria-description')).toBe(why);
        expect(await training.getByRole('button', { name: 'clear', exact: true }).isDisabled()).toBe(true);
        expect(await training.getByRole('button', { name: 'Import CSV' }).isDisabled()).toBe(true);
        // Reading the labels and the dataset works: no "could not be changed" from merely looking.
        await training.getByText(/No labelled images yet/).first().waitFor({ timeout: 30_000 });
        await training.getByRole('region', { name: 'Label overview' }).waitFor({ timeout: 30_000 });
        expect(await training.getByText(/could not be changed|read-only|[Cc]annot create/).count()).toBe(0);
        await page.screenshot({ path: path.join(resultsDir(), 'read-only-training.png') });
        expect(errors).toEqual([]);
        await page.close();
      } finally {
        await ui.close();
      }
    } finally {
      disk.writable();
    }
  }, 400_000);
});
