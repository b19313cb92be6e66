// Measurements belong to the image and frame they were drawn on, are kept in the library
// across series switches and restarts, can be picked and deleted one at a time, and undo and
// redo work (issue #13, point 5): in Debian's Chromium against the real engine, on a
// multi-frame CT (so only the frame tells its images apart) and a second patient's series.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Measurement } from '../../common/contract/measurements';
import { ctSlice } from '../support/dicom/phantom';
import { writeCtImage } from '../support/dicom/ct-image';
import { openApp, resultsDir, useUiSession, viewerReady } from '../support/browser';
import { PHANTOM_SIZE } from '../support/phantom-series';

const MULTI = '1.2.826.0.1.3680043.10.99.81';
const OTHER = '1.2.826.0.1.3680043.10.99.82';

/** One CT instance of `frames` frames (or one file per slice), 128x128 at 0.7 mm. */
function writeCt(dir: string, p: { name: string; id: string; uid: string; files: number; frames: number }): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < p.files; i++) {
    const frames = Array.from({ length: p.frames }, (_, f) => ctSlice(PHANTOM_SIZE, PHANTOM_SIZE, 500 + i * 10 + f, 15));
    const pixels = new Int16Array(frames.length * PHANTOM_SIZE * PHANTOM_SIZE);
    frames.forEach((f, k) => pixels.set(f, k * PHANTOM_SIZE * PHANTOM_SIZE));
    writeCtImage(path.join(dir, `im${i + 1}.dcm`), {
      size: PHANTOM_SIZE,
      pixels,
      frames: p.frames,
      uid: p.uid,
      patient: p,
      instance: i + 1,
      extra: {
        0x0008103e: { vr: 'LO', value: `${p.id} series` },
        0x00280030: { vr: 'DS', value: [0.7, 0.7] },
      },
    });
  }
}

/** The rows of the measurement list on the shown image ("Length 1: 16.8 mm"), [] when there is none. */
async function listed(page: Page): Promise<string[]> {
  if ((await page.getByTestId('measurements').count()) === 0) return [];
  const text = (await page.getByTestId('measurements').textContent()) ?? '';
  return [...text.matchAll(/Length \d+: [\d.]+ (?:mm|px)/g)].map((m) => m[0]);
}

describe('measurements', () => {
  const session = useUiSession('lumen-measurements', (dataDir) => {
    writeCt(path.join(dataDir, 'incoming', 'multi'), { name: 'Multi^Mia', id: 'PM001', uid: MULTI, files: 1, frames: 4 });
    writeCt(path.join(dataDir, 'incoming', 'other'), { name: 'Other^Otto', id: 'PO002', uid: OTHER, files: 2, frames: 1 });
  });

  it('keeps lengths on their frame, in the library, with pick, delete, undo and redo', async () => {
    const { dataDir, host } = session();
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Import a folder or file').fill(path.join(dataDir, 'incoming'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '6 images (3 files) imported' }).waitFor({ timeout: 120_000 });

    const index = page.getByTestId('image-index');
    const canvas = page.getByTestId('viewport');
    /** Opens the patient's series and shows its image n (the slider; where a series opens is not this test's business). */
    const open = async (name: string, n: number, of: number) => {
      await page.getByRole('listitem', { name: new RegExp(`^Study .*${name}`) }).getByTestId('series-card').click();
      await index.filter({ hasText: `/${of}` }).waitFor();
      if (of > 1) await page.getByLabel('Image in series').fill(String(n));
      await index.filter({ hasText: `Im ${n}/${of}` }).waitFor();
    };
    const box = async () => (await canvas.boundingBox())!;
    /** A drag with the Length tool, from and to points given relative to the viewport's centre. */
    const drawLength = async (from: [number, number], to: [number, number]) => {
      const b = await box();
      const [cx, cy] = [b.x + b.width / 2, b.y + b.height / 2];
      await page.getByRole('button', { name: 'Length', exact: true }).click();
      await viewerReady(page);
      await page.mouse.move(cx + from[0], cy + from[1]);
      await page.mouse.down();
      await page.mouse.move(cx + to[0], cy + to[1], { steps: 4 });
      await page.mouse.up();
    };
    const clickAt = async (p: [number, number]) => {
      const b = await box();
      await page.mouse.click(b.x + b.width / 2 + p[0], b.y + b.height / 2 + p[1]);
    };
    const expectListed = (expected: string[]) => expect.poll(() => listed(page)).toEqual(expected);

    // Frame 2 of the multi-frame CT: two lengths, a long one and a short one.
    await open('Mia', 2, 4);
    await drawLength([-60, 60], [60, 60]);
    await drawLength([0, -90], [0, -30]);
    await expectListed([expect.stringMatching(/^Length 1: \d+\.\d mm$/), expect.stringMatching(/^Length 2: \d+\.\d mm$/)] as unknown as string[]);
    const [long, short] = (await listed(page)).map((t) => t.replace(/^Length \d: /, ''));
    expect(long).not.toBe(short);
    // Frame 3 of the same instance has none of them; one of its own.
    await canvas.focus();
    await page.keyboard.press('ArrowDown');
    await index.filter({ hasText: 'Im 3/4' }).waitFor();
    await expectListed([]);
    await drawLength([-40, 0], [40, 40]);
    await expectListed([expect.stringMatching(/^Length 1: /)] as unknown as string[]);
    const third = (await listed(page))[0].replace(/^Length 1: /, '');
    await page.keyboard.press('ArrowUp');
    await index.filter({ hasText: 'Im 2/4' }).waitFor();
    await expectListed([`Length 1: ${long}`, `Length 2: ${short}`]);

    // A click on the long line picks it, with the window/level tool active; Delete removes it alone.
    await page.getByRole('button', { name: 'Window/level' }).click();
    await clickAt([20, 60]);
    await expect.poll(() => page.getByRole('button', { name: `Length 1: ${long}` }).getAttribute('aria-pressed')).toBe('true');
    await canvas.screenshot({ path: path.join(resultsDir(), 'measurements-selected.png') });
    await page.keyboard.press('Delete');
    await expectListed([`Length 1: ${short}`]);

    // Undo brings it back, redo deletes it again, undo again.
    await page.keyboard.press('Control+z');
    await expectListed([`Length 1: ${long}`, `Length 2: ${short}`]);
    await page.keyboard.press('Control+Shift+z');
    await expectListed([`Length 1: ${short}`]);
    await page.keyboard.press('Control+z');
    await expectListed([`Length 1: ${long}`, `Length 2: ${short}`]);
    // The next undo takes back the length drawn on frame 3, and shows frame 3 to do it; redo restores it.
    await page.keyboard.press('Control+z');
    await index.filter({ hasText: 'Im 3/4' }).waitFor();
    await expectListed([]);
    await page.keyboard.press('Control+Shift+Z');
    await expectListed([`Length 1: ${third}`]);

    // The list's ✕ deletes one length too; undo brings it back.
    await page.getByRole('button', { name: 'Delete length 1' }).click();
    await expectListed([]);
    await page.keyboard.press('Control+z');
    await expectListed([`Length 1: ${third}`]);
    await page.screenshot({ path: path.join(resultsDir(), 'measurements-frame3.png') });

    // Another patient's series shows none of them; back on the first series they are all there.
    await open('Otto', 1, 2);
    await expectListed([]);
    await open('Mia', 2, 4);
    await expectListed([`Length 1: ${long}`, `Length 2: ${short}`]);

    // The library holds them by SOP Instance UID and frame (frames count from 0).
    const kept = await host.request('measurements.list', { seriesInstanceUid: `${MULTI}.2` });
    expect(kept.ok).toBe(true);
    const rows = (kept.ok ? kept.value : []) as Measurement[];
    expect(rows.map((m) => [m.sopInstanceUid, m.frame])).toEqual([
      [`${MULTI}.3.1`, 1],
      [`${MULTI}.3.1`, 1],
      [`${MULTI}.3.1`, 2],
    ]);

    // The engine dies and the page reloads: the lengths come back from the library.
    await host.crashForTest();
    await page.reload();
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
    await open('Mia', 2, 4);
    await expectListed([`Length 1: ${long}`, `Length 2: ${short}`]);
    await page.keyboard.press('End');
    await index.filter({ hasText: 'Im 4/4' }).waitFor();
    await expectListed([]);
    await page.keyboard.press('ArrowUp');
    await index.filter({ hasText: 'Im 3/4' }).waitFor();
    await expectListed([`Length 1: ${third}`]);
    await page.keyboard.press('ArrowUp');
    await index.filter({ hasText: 'Im 2/4' }).waitFor();
    await page.screenshot({ path: path.join(resultsDir(), 'measurements-after-restart.png') });

    // The ? help lists how.
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.getByText(/^Delete the selected measurement/).waitFor();
    await help.getByText('Undo · redo drawing or deleting a measurement').waitFor();
    await page.keyboard.press('Escape');

    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
