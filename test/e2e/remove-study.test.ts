// Removing a study from the library in the app (Chromium against the real engine and bridge):
// the Delete key on a study asks first, naming what goes and that the files stay on disk;
// Cancel keeps it; Remove takes it out of the list; Undo brings it back with its label.
// A series is removed by a right-click on its card. Screenshots: test-results/remove-*.png.
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { writeImage } from '../support/dicom/write';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { openApp, resultsDir, useUiSession } from '../support/browser';

const UID = '1.2.826.0.1.3680043.10.99.31';
const STUDY_WRONG = `${UID}.1.1`;

function writeStudy(dir: string, n: number, name: string, series: number, images: number): void {
  mkdirSync(dir, { recursive: true });
  const pixels = new Uint8Array(8 * 8 * 2).map((_, k) => (k * 37 + n) & 0xff);
  for (let s = 1; s <= series; s++) {
    for (let k = 1; k <= images; k++) {
      writeImage(path.join(dir, `s${s}-${k}.dcm`), {
        rows: 8,
        columns: 8,
        bitsAllocated: 16,
        modality: 'CT',
        pixelBytes: pixels,
        uid: `${UID}.${n}`, // the study is <uid>.1
        extra: {
          0x00080018: { vr: 'UI', value: `${UID}.${n}.3.${s}.${k}` },
          0x00080020: { vr: 'DA', value: `2024010${n}` },
          0x00081030: { vr: 'LO', value: n === 1 ? 'Wrong folder' : 'Keep me' },
          0x00100010: { vr: 'PN', value: name },
          0x00100020: { vr: 'LO', value: `RM00${n}` },
          0x0020000e: { vr: 'UI', value: `${UID}.${n}.2.${s}` },
          0x00200011: { vr: 'IS', value: s },
          0x00200013: { vr: 'IS', value: k },
          0x0008103e: { vr: 'LO', value: `Series ${s}` },
        },
      });
    }
  }
}

describe('removing a study from the library in the app', () => {
  const session = useUiSession('lumen-remove', async (dataDir) => {
    writeStudy(path.join(dataDir, 'in', 'wrong'), 1, 'Wrong^Patient', 2, 3);
    writeStudy(path.join(dataDir, 'in', 'right'), 2, 'Right^Patient', 1, 2);
    const library = Library.open(path.join(dataDir, 'library'));
    try {
      await library.importPaths([path.join(dataDir, 'in')]);
    } finally {
      library.close();
    }
    const db = new Database(path.join(dataDir, 'library', LIBRARY_FILE));
    db.prepare('INSERT INTO labels (target_kind, target_uid, label, author, created_at) VALUES (?, ?, ?, ?, ?)').run('study', STUDY_WRONG, 'normal', 'tester', '2026-01-01T00:00:00.000Z');
    db.close();
  });

  it('asks with what goes, removes, and undoes; a series goes by right-click', async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    const list = page.getByRole('list', { name: 'Studies' });
    const wrong = list.getByRole('listitem').filter({ hasText: 'Wrong' });
    await wrong.waitFor({ timeout: 180_000 });
    const labels = () => {
      const db = new Database(path.join(dataDir, 'library', LIBRARY_FILE), { readonly: true });
      try {
        return db.prepare('SELECT target_uid, label FROM labels').all();
      } finally {
        db.close();
      }
    };

    // Delete on the study: the question names it and what goes; Cancel (focused) keeps it.
    await wrong.locator('.study-head').focus();
    await page.keyboard.press('Delete');
    const question = page.getByRole('alertdialog');
    await expect.poll(() => question.textContent(), { timeout: 30_000 }).toMatch(/Remove study Wrong, Patient .*Wrong folder from the library\? 6 images, 1 label\. The files stay on disk; you can undo this\./);
    await page.screenshot({ path: path.join(resultsDir(), 'remove-question.png') });
    await page.keyboard.press('Enter'); // Cancel has the focus
    await expect.poll(() => question.count(), { timeout: 30_000 }).toBe(0);
    expect(await wrong.count()).toBe(1);

    // Again, and Remove: the study leaves the list; the other stays; the files stay on disk.
    await wrong.locator('.study-head').focus();
    await page.keyboard.press('Delete');
    await question.getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => wrong.count(), { timeout: 30_000 }).toBe(0);
    expect(await list.getByRole('listitem').filter({ hasText: 'Right' }).count()).toBe(1);
    expect(existsSync(path.join(dataDir, 'in', 'wrong', 's1-1.dcm'))).toBe(true);
    expect(labels()).toEqual([]);
    const done = page.getByTestId('remove-done');
    await expect.poll(() => done.textContent(), { timeout: 30_000 }).toMatch(/Removed study Wrong, Patient .* from the library\./);
    await page.screenshot({ path: path.join(resultsDir(), 'remove-undo.png') });

    // Undo: the study is back, with its label.
    await done.getByRole('button', { name: /Undo removing study Wrong/ }).click();
    await expect.poll(() => wrong.count(), { timeout: 30_000 }).toBe(1);
    expect(labels()).toEqual([{ target_uid: STUDY_WRONG, label: 'normal' }]);

    // A series: right-click on its card; the study keeps its other series. It was open in the
    // viewer: the viewer closes it, saying why.
    const cards = wrong.getByTestId('series-card');
    await expect.poll(() => cards.count(), { timeout: 30_000 }).toBe(2);
    await cards.first().click();
    await page.getByTestId('viewport').waitFor({ timeout: 60_000 });
    await cards.first().click({ button: 'right' });
    await expect.poll(() => question.textContent(), { timeout: 30_000 }).toMatch(/Remove series 1 Series 1 CT from the library\? 3 images\. The files stay on disk/);
    await question.getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => cards.count(), { timeout: 30_000 }).toBe(1);
    await page.getByRole('heading', { name: 'No series open' }).waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('viewport').count()).toBe(0);
    expect(await page.getByRole('alert').filter({ hasText: 'The series shown was removed from the library' }).count()).toBe(1);
    await page.screenshot({ path: path.join(resultsDir(), 'remove-series.png') });
    expect(errors).toEqual([]);
    await page.close();
  });
});
