// What the viewer displays is true (issue #13, point 8): in Debian's Chromium against the real
// engine. A series opens at its first image (and later where the user left it); an image of
// another size is fitted; flip horizontal mirrors left-right on screen after a rotation; an RT
// dose grid reads in Gy (Dose Grid Scaling); the study card counts the frames the viewer shows;
// pixel spacing is rounded and the header has no dangling separators.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeImage } from '../support/dicom/write';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { canvasPixels } from '../support/canvas';

const MR_UID = '1.2.826.0.1.3680043.10.99.81';
const DOSE_UID = '1.2.826.0.1.3680043.10.99.82';

/** An MR series without descriptions: three 100x100 images, then one of 3x3. */
function writeMr(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < 4; i++) {
    const n = i < 3 ? 100 : 3;
    const px = new Uint16Array(n * n);
    // A gradient, with a bright block in the top-left quarter (never black in the file's window).
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) px[y * n + x] = x < n / 2 && y < n / 2 ? 900 : 100 + ((x + y) * 300) / n;
    writeImage(path.join(dir, `mr${i + 1}.dcm`), {
      rows: n,
      columns: n,
      bitsAllocated: 16,
      modality: 'MR',
      windowCenter: 500,
      windowWidth: 1000,
      pixelBytes: new Uint8Array(px.buffer),
      uid: MR_UID,
      extra: {
        0x00100010: { vr: 'PN', value: 'Delta^Dora' },
        0x00100020: { vr: 'LO', value: 'PD004' },
        0x00080016: { vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.4' },
        0x00080018: { vr: 'UI', value: `${MR_UID}.3.${i + 1}` },
        0x00200013: { vr: 'IS', value: i + 1 },
        0x00200011: { vr: 'IS', value: 1 },
        0x00280030: { vr: 'DS', value: [0.48828125, 0.48828125] },
        0x00200037: { vr: 'DS', value: [1, 0, 0, 0, 1, 0] },
      },
    });
  }
}

/** An RT dose grid: 3 frames of 20x20, stored x 0.001 = Gy; left half 20 Gy, right half 50 Gy. */
function writeDose(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const n = 20;
  const frames = 3;
  const px = new Uint16Array(n * n * frames);
  for (let f = 0; f < frames; f++) for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) px[f * n * n + y * n + x] = x < n / 2 ? 20_000 : 50_000;
  writeImage(path.join(dir, 'dose.dcm'), {
    rows: n,
    columns: n,
    frames,
    bitsAllocated: 16,
    modality: 'RTDOSE',
    pixelBytes: new Uint8Array(px.buffer),
    uid: DOSE_UID,
    extra: {
      0x00100010: { vr: 'PN', value: 'Echo^Eve' },
      0x00100020: { vr: 'LO', value: 'PE005' },
      0x00080016: { vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.481.2' },
      0x00081030: { vr: 'LO', value: 'Plan dose' },
      0x0008103e: { vr: 'LO', value: 'Dose' },
      0x00280030: { vr: 'DS', value: [2.5, 2.5] },
      0x00200037: { vr: 'DS', value: [1, 0, 0, 0, 1, 0] },
      0x30040002: { vr: 'CS', value: 'GY' },
      0x30040004: { vr: 'CS', value: 'PHYSICAL' },
      0x3004000a: { vr: 'CS', value: 'PLAN' },
      0x3004000e: { vr: 'DS', value: 0.001 },
    },
  });
}

describe('the viewer displays what the files say', () => {
  const session = useUiSession('lumen-viewer-display', (dataDir) => {
    writeMr(path.join(dataDir, 'incoming', 'mr'));
    writeDose(path.join(dataDir, 'incoming', 'dose'));
  });

  it('opens at the first image, fits every size, flips on screen, counts frames, reads dose in Gy', async () => {
    const { dataDir } = session();
    const { page, errors: consoleErrors } = await openApp(session());
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Import a folder or file').fill(path.join(dataDir, 'incoming'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '7 images (5 files) imported' }).waitFor({ timeout: 120_000 });

    const doseStudy = page.getByRole('listitem', { name: /^Study .*Eve/ });
    const mrStudy = page.getByRole('listitem', { name: /^Study .*Dora/ });
    // The study card counts what the viewer steps through: 3 frames of one file are 3 images.
    await expect.poll(async () => doseStudy.locator('.study-meta').textContent()).toContain('3 images');
    expect(await mrStudy.locator('.study-meta').textContent()).toContain('4 images');
    await page.screenshot({ path: path.join(resultsDir(), 'viewer-display-studies.png') });

    const index = page.getByTestId('image-index');
    const canvas = page.getByTestId('viewport');
    await mrStudy.getByTestId('series-card').click();
    await index.filter({ hasText: /^Im \d+\/4$/ }).waitFor();
    expect(await index.textContent()).toBe('Im 1/4');
    await expect.poll(async () => (await canvasPixels(page)).drawn).toBeGreaterThan(1000);

    // No "Dora · · " when the study and series have no description; spacing rounded.
    const header = (await page.locator('.topbar-context').textContent()) ?? '';
    expect(header.trim()).toBe('Delta, Dora');
    const bl = (await page.locator('.corner.bl').textContent()) ?? '';
    expect(bl).toContain('0.488×0.488 mm');
    expect(bl).not.toContain('0.48828125');
    const tr = (await page.locator('.corner.tr').textContent()) ?? '';
    expect(tr).not.toMatch(/·\s*$|^\s*·/);

    // Rotate, then flip horizontally: left and right swap on screen, top and bottom stay.
    const markers = async () => ({
      top: await page.getByTestId('orient-top').textContent(),
      left: await page.getByTestId('orient-left').textContent(),
      right: await page.locator('.orient.right').textContent(),
      bottom: await page.locator('.orient.bottom').textContent(),
    });
    await canvas.focus();
    await page.keyboard.press('r');
    await page.getByTestId('corner-zoom').filter({ hasText: '90°' }).waitFor();
    const rotated = await markers();
    await page.keyboard.press('x');
    await page.getByTestId('corner-zoom').filter({ hasText: 'flip H' }).waitFor();
    const flipped = await markers();
    await canvas.screenshot({ path: path.join(resultsDir(), 'viewer-display-rotated-flipped.png') });
    expect(flipped).toEqual({ top: rotated.top, bottom: rotated.bottom, left: rotated.right, right: rotated.left });
    await page.keyboard.press('Shift+R');

    // The 3x3 image after the 100x100 ones fills the viewport as they did, not a dot.
    const fitted = (await canvasPixels(page)).drawn;
    await page.keyboard.press('End');
    await index.filter({ hasText: 'Im 4/4' }).waitFor();
    await expect.poll(async () => (await canvasPixels(page)).drawn).toBeGreaterThan(fitted * 0.9);
    await canvas.screenshot({ path: path.join(resultsDir(), 'viewer-display-3x3.png') });
    await page.keyboard.press('ArrowUp');
    await index.filter({ hasText: 'Im 3/4' }).waitFor();
    await expect.poll(async () => (await canvasPixels(page)).drawn).toBeGreaterThan(fitted * 0.9);
    expect((await canvasPixels(page)).drawn).toBeLessThan(fitted * 1.1);

    // The RT dose: values and window in Gy.
    await doseStudy.getByTestId('series-card').click();
    await index.filter({ hasText: 'Im 1/3' }).waitFor();
    await expect.poll(async () => (await canvasPixels(page)).drawn).toBeGreaterThan(1000);
    const wl = (await page.getByTestId('corner-wl').textContent()) ?? '';
    expect(wl).toMatch(/Gy/);
    expect(wl).not.toMatch(/\d{4,}/);
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2 - box.height / 4, box.y + box.height / 2);
    await page.getByTestId('corner-value').filter({ hasText: '20 Gy' }).waitFor();
    await page.mouse.move(box.x + box.width / 2 + box.height / 4, box.y + box.height / 2);
    await page.getByTestId('corner-value').filter({ hasText: '50 Gy' }).waitFor();
    await page.screenshot({ path: path.join(resultsDir(), 'viewer-display-dose.png') });

    // Back to the MR series: where the user left it.
    await mrStudy.getByTestId('series-card').click();
    await index.filter({ hasText: /^Im \d+\/4$/ }).waitFor();
    expect(await index.textContent()).toBe('Im 3/4');

    expect(consoleErrors).toEqual([]);
    await page.close();
  }, 180_000);
});
