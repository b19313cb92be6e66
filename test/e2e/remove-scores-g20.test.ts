// The Remove question names the scores by what they score, in Debian's Chromium against the real
// engine: a study of one 5-frame image, scored frame by frame by an image model that also gave
// the series a score. The question said "5 images (1 file), 6 predictions", counting the series'
// score as one more image's; it now says "5 images (1 file), 5 image scores, 1 series score".
// Screenshot: test-results/remove-scores-g20.png.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { writeImage } from '../support/dicom/write';

const UID = '1.2.826.0.1.3680043.10.2020.73';
const SERIES = `${UID}.2`;
const MODEL = 'c'.repeat(64);

describe('the Remove question of a scored multi-frame image', () => {
  const session = useUiSession('lumen-remove-scores-g20', async (dataDir) => {
    const dir = path.join(dataDir, 'in');
    mkdirSync(dir, { recursive: true });
    writeImage(path.join(dir, 'cine.dcm'), {
      rows: 8,
      columns: 8,
      frames: 5,
      bitsAllocated: 8,
      modality: 'US',
      pixelBytes: new Uint8Array(8 * 8 * 5).map((_, i) => (i * 7) & 0xff),
      uid: UID,
      extra: { 0x00100010: { vr: 'PN', value: 'Scored^Cine' }, 0x00081030: { vr: 'LO', value: 'Echo' }, 0x00200011: { vr: 'IS', value: 1 } },
    });
    const library = Library.open(path.join(dataDir, 'library'));
    try {
      await library.importPaths([dir]);
    } finally {
      library.close();
    }
    const db = new Database(path.join(dataDir, 'library', LIBRARY_FILE));
    const prediction = db.prepare('INSERT INTO predictions (model_hash, target_kind, target_uid, frame, series_uid, scores, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (let frame = 0; frame < 5; frame++) prediction.run(MODEL, 'image', `${UID}.3`, frame, SERIES, '{"scores":[0.4,0.6]}', '2026-12-07T00:00:00.000Z');
    db.prepare('INSERT INTO series_predictions (model_hash, series_uid, scores, created_at) VALUES (?, ?, ?, ?)').run(MODEL, SERIES, '{"scores":[0.3,0.7]}', '2026-12-07T00:00:00.000Z');
    db.close();
  });

  it('says 5 image scores and 1 series score, not 6 predictions', async () => {
    const { page, errors } = await openApp(session());
    const study = page.getByRole('list', { name: 'Studies' }).getByRole('listitem').filter({ hasText: 'Scored' });
    await study.waitFor({ timeout: 180_000 });
    await study.locator('.study-head').focus();
    await page.keyboard.press('Delete');
    const question = page.getByRole('alertdialog');
    await expect.poll(() => question.textContent(), { timeout: 30_000 }).toMatch(/from the library\? 5 images \(1 file\), 5 image scores, 1 series score\. The files stay on disk/);
    await page.screenshot({ path: path.join(resultsDir(), 'remove-scores-g20.png') });
    expect(await question.textContent()).not.toContain('prediction');
    await page.keyboard.press('Enter'); // Cancel has the focus: nothing goes
    await expect.poll(() => question.count(), { timeout: 30_000 }).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});
