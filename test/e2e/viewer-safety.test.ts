// The viewer never shows anything untrue (issue #13): in Debian's Chromium against the real
// engine, two patients, one with an image whose pixel data cannot be decoded. That image
// shows no pixels (read back from the canvas: all background) under its own header, never
// the other patient's image or a neighbour's; heatmaps and measurements stay on the image
// they were drawn on.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ctSlice } from '../support/dicom/phantom';
import { writeCtImage } from '../support/dicom/ct-image';
import { openApp, resultsDir, useUiSession, viewerReady } from '../support/browser';
import { canvasPixels } from '../support/canvas';
import { addLesion, PHANTOM_SIZE, SERIES_LESION, trainTinyPackage } from '../support/phantom-series';

/** One patient's CT series of 128x128 slices; `broken` slices are JPEG 2000 with a corrupt codestream. */
function writePatient(dir: string, p: { name: string; id: string; uid: string; slices: number; lesion: boolean; broken?: number[] }): string[] {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < p.slices; i++) {
    const px = ctSlice(PHANTOM_SIZE, PHANTOM_SIZE, 300 + i, 15);
    if (p.lesion) addLesion(px, PHANTOM_SIZE, SERIES_LESION.x, SERIES_LESION.y);
    const file = path.join(dir, `im${i + 1}.dcm`);
    writeCtImage(file, {
      size: PHANTOM_SIZE,
      pixels: px,
      uid: p.uid,
      patient: p,
      instance: i + 1,
      extra: {
        0x00200011: { vr: 'IS', value: 2 },
        0x0008103e: { vr: 'LO', value: `${p.id} series` },
        0x00280030: { vr: 'DS', value: [0.7, 0.7] },
        0x00200032: { vr: 'DS', value: [-45, -45, i * 5] },
        0x00200037: { vr: 'DS', value: [1, 0, 0, 0, 1, 0] },
      },
    });
    if (p.broken?.includes(i)) {
      // JPEG 2000 by Debian's GDCM, then the codestream's start-of-codestream and SIZ markers
      // overwritten: the header and the fragment read, the frame cannot be decoded.
      execFileSync('gdcmconv', ['--j2k', file, file]);
      const bytes = readFileSync(file);
      const soc = bytes.indexOf(Buffer.from([0xff, 0x4f, 0xff, 0x51]));
      if (soc < 0) throw new Error('gdcmconv wrote no JPEG 2000 codestream');
      bytes.fill(0x5a, soc, soc + 16);
      writeFileSync(file, bytes);
    }
    files.push(file);
  }
  return files;
}

describe('the viewer shows only the shown image', () => {
  const session = useUiSession('lumen-viewer-safety', async (dataDir) => {
    writePatient(path.join(dataDir, 'incoming', 'alpha'), { name: 'Alpha^Anna', id: 'PA001', uid: '1.2.826.0.1.3680043.10.99.71', slices: 2, lesion: true });
    writePatient(path.join(dataDir, 'incoming', 'bravo'), { name: 'Bravo^Ben', id: 'PB002', uid: '1.2.826.0.1.3680043.10.99.72', slices: 3, lesion: false, broken: [1] });
    // A classifier for the heatmap, installed in the data folder before the engine starts.
    await trainTinyPackage(path.join(dataDir, 'models', 'phantom-lesion'));
  });

  it('shows no pixels for a frame that fails, and keeps heatmaps and measurements on their own image', async () => {
    const { dataDir } = session();
    const { page, errors: consoleErrors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Import a folder or file').fill(path.join(dataDir, 'incoming'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '5 images imported' }).waitFor({ timeout: 120_000 });

    const index = page.getByTestId('image-index');
    const alert = page.locator('.viewport').getByRole('alert');
    const openPatient = async (name: string) => {
      await page.getByRole('listitem', { name: new RegExp(`^Study .*${name}`) }).getByTestId('series-card').click();
    };

    // Patient A: its first image, predicted on, with a heatmap and a length drawn on it.
    await openPatient('Anna');
    await index.filter({ hasText: 'Im 1/2' }).waitFor();
    await page.getByText('Phantom lesion detector', { exact: true }).waitFor({ timeout: 60_000 });
    await page.getByTestId('run-prediction').click();
    await page.getByTestId('image-scores').waitFor({ timeout: 90_000 });
    await page.getByTestId('heatmap-opacity').fill('100');
    await page.getByText('Heatmap: lesion').waitFor();
    const canvas = page.getByTestId('viewport');
    const box = (await canvas.boundingBox())!;
    await page.getByRole('button', { name: 'Length', exact: true }).click();
    await viewerReady(page);
    await page.mouse.move(box.x + box.width / 2 - 60, box.y + box.height / 2 + 80);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 60, box.y + box.height / 2 + 80, { steps: 4 });
    await page.mouse.up();
    await page.getByTestId('measurements').filter({ hasText: 'Length 1:' }).waitFor();
    await expect.poll(async () => (await canvasPixels(page)).coloured).toBeGreaterThan(500);
    await canvas.screenshot({ path: path.join(resultsDir(), 'viewer-safety-a1.png') });

    // A's second image: its own heatmap, not the first one's length.
    await canvas.focus();
    await page.keyboard.press('ArrowDown');
    await index.filter({ hasText: 'Im 2/2' }).waitFor();
    await page.getByTestId('measurements').waitFor({ state: 'detached' });
    await page.keyboard.press('h');
    await page.getByText('Heatmap: lesion').waitFor({ state: 'detached' });
    let px = await canvasPixels(page);
    expect(px.drawn).toBeGreaterThan(px.total / 10);
    expect(px.coloured).toBe(0);
    await page.keyboard.press('h');
    await page.keyboard.press('ArrowUp');
    await index.filter({ hasText: 'Im 1/2' }).waitFor();
    await page.getByTestId('measurements').filter({ hasText: 'Length 1:' }).waitFor();

    // Patient B, left on its broken image, then A again: B reopens there (where the user left
    // it), straight from A's image. The error on an empty viewport, under B's header.
    await openPatient('Ben');
    await index.filter({ hasText: 'Im 1/3' }).waitFor();
    await page.keyboard.press('ArrowDown');
    await index.filter({ hasText: 'Im 2/3' }).waitFor();
    await alert.waitFor();
    await openPatient('Anna');
    await index.filter({ hasText: 'Im 1/2' }).waitFor();
    await expect.poll(async () => (await canvasPixels(page)).drawn).toBeGreaterThan(1000);
    await openPatient('Ben');
    await index.filter({ hasText: 'Im 2/3' }).waitFor();
    await alert.waitFor();
    expect(await page.locator('.corner.tl').textContent()).toContain('Ben');
    expect(await page.locator('.corner.tl').textContent()).not.toContain('Anna');
    px = await canvasPixels(page);
    expect(px.drawn).toBe(0);
    expect(await page.getByText(/^Heatmap:/).count()).toBe(0);
    expect(await page.getByTestId('measurements').count()).toBe(0);
    await page.screenshot({ path: path.join(resultsDir(), 'viewer-safety-b2-broken.png') });

    // A good neighbour shows its own pixels, and nothing drawn on A.
    await page.keyboard.press('ArrowUp');
    await index.filter({ hasText: 'Im 1/3' }).waitFor();
    await alert.waitFor({ state: 'detached' });
    await expect.poll(async () => (await canvasPixels(page)).drawn).toBeGreaterThan(1000);
    px = await canvasPixels(page);
    expect(px.coloured).toBe(0);
    await canvas.screenshot({ path: path.join(resultsDir(), 'viewer-safety-b1.png') });

    // Back to the broken image, from either side: never a neighbour's pixels.
    for (const [key, from] of [['ArrowDown', 'Im 1/3'], ['ArrowUp', 'Im 3/3']] as const) {
      if (from === 'Im 3/3') {
        await page.keyboard.press('End');
        await index.filter({ hasText: 'Im 3/3' }).waitFor();
        await expect.poll(async () => (await canvasPixels(page)).drawn).toBeGreaterThan(1000);
      }
      await page.keyboard.press(key);
      await index.filter({ hasText: 'Im 2/3' }).waitFor();
      px = await canvasPixels(page);
      expect(px.drawn).toBe(0);
      await alert.waitFor();
      px = await canvasPixels(page);
      expect(px.drawn).toBe(0);
    }
    await canvas.screenshot({ path: path.join(resultsDir(), 'viewer-safety-b2-again.png') });

    expect(consoleErrors).toEqual([]);
    await page.close();
  }, 240_000);
});
