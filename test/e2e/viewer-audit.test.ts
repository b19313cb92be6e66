// The viewer as a radiologist uses it, on DICOM other software made (test/e2e/external-dicom-viewer.ts:
// dump2dcm, gdcmimg, gdcmconv, dcmcjpeg, dcmquant, dcmconv), in Debian's Chromium through
// `lumen serve` and the real engine. Each image's displayed pixels are compared with dcmtk's
// own decode (dcmj2pnm) where the image is flat around a pixel (the canvas smooths edges):
// MONOCHROME1 with padding, both of the file's windows, SIGMOID, a Modality LUT Sequence,
// YBR_FULL_422 JPEG frames, PALETTE COLOR, planar RGB, JPEG-LS, JPEG 2000, big endian and odd
// sizes; then windowing by key, menu and drag, zoom, a length, and the corner text; and a
// one-frame Enhanced MR whose spacing and orientation are only in its functional groups, and a
// three-plane Enhanced localizer whose frames each have their own.
// Screenshots: test-results/viewer-audit-*.png.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dragOnViewport, openApp, resultsDir, useUiSession } from '../support/browser';
import { brightPixels, canvasHash, canvasPixels } from '../support/canvas';
import { writeViewerAuditSet, type AuditFile, type ViewerAuditSet } from './external-dicom-viewer';

/** A binary PGM (P5) or PPM (P6) as RGB. */
function readPnm(file: string): { width: number; height: number; rgb: Uint8Array } {
  const b = readFileSync(file);
  const fields: string[] = [];
  let i = 0;
  while (fields.length < 4) {
    while (/\s/.test(String.fromCharCode(b[i]))) i++;
    let s = '';
    while (!/\s/.test(String.fromCharCode(b[i]))) s += String.fromCharCode(b[i++]);
    fields.push(s);
  }
  const [magic, width, height, max] = [fields[0], Number(fields[1]), Number(fields[2]), Number(fields[3])];
  if ((magic !== 'P5' && magic !== 'P6') || max !== 255) throw new Error(`${file}: not an 8-bit binary PGM or PPM`);
  const channels = magic === 'P6' ? 3 : 1;
  const data = b.subarray(i + 1);
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) for (let k = 0; k < 3; k++) rgb[p * 3 + k] = data[p * channels + (channels === 3 ? k : 0)];
  return { width, height, rgb };
}

/**
 * The viewport's pixel over the middle of each image pixel whose 5x5 neighbourhood is flat in
 * the reference (so the canvas's smoothing cannot change it), against the reference; the view
 * is the fitted one (no pan, rotation or flip; square pixels).
 */
async function compareWithReference(page: Page, reference: string, stride = 1): Promise<{ checked: number; worst: number; at: [number, number] | null }> {
  const ref = readPnm(reference);
  const points: [number, number][] = [];
  const px = (x: number, y: number, k: number) => ref.rgb[(y * ref.width + x) * 3 + k];
  for (let y = 2; y < ref.height - 2; y += stride) {
    for (let x = 2; x < ref.width - 2; x += stride) {
      let flat = true;
      for (let dy = -2; dy <= 2 && flat; dy++) for (let dx = -2; dx <= 2 && flat; dx++) for (let k = 0; k < 3; k++) if (px(x + dx, y + dy, k) !== px(x, y, k)) flat = false;
      if (flat) points.push([x, y]);
    }
  }
  const shown = await page.evaluate(
    async ({ points, columns, rows }) => {
      const win = globalThis as unknown as {
        devicePixelRatio: number;
        requestAnimationFrame(callback: () => void): void;
        document: { querySelector(selector: string): { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } } };
      };
      await new Promise<void>((r) => win.requestAnimationFrame(() => win.requestAnimationFrame(r)));
      const c = win.document.querySelector('[data-testid="viewport"]');
      const dpr = win.devicePixelRatio || 1;
      const [vw, vh] = [c.width / dpr, c.height / dpr];
      const zoom = Math.min(vw / columns, vh / rows);
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      return points.map(([x, y]) => {
        const sx = Math.floor((vw / 2 + (x + 0.5 - columns / 2) * zoom) * dpr);
        const sy = Math.floor((vh / 2 + (y + 0.5 - rows / 2) * zoom) * dpr);
        const at = (sy * c.width + sx) * 4;
        return [d[at], d[at + 1], d[at + 2]];
      });
    },
    { points, columns: ref.width, rows: ref.height },
  );
  let worst = 0;
  let at: [number, number] | null = null;
  shown.forEach((rgb, i) => {
    const [x, y] = points[i];
    for (let k = 0; k < 3; k++) {
      const diff = Math.abs(rgb[k] - px(x, y, k));
      if (diff > worst) [worst, at] = [diff, [x, y]];
    }
  });
  return { checked: points.length, worst, at };
}

describe('the viewer audited with DICOM from other software', () => {
  let set: ViewerAuditSet;
  const session = useUiSession('lumen-viewer-audit', (dataDir) => {
    set = writeViewerAuditSet(path.join(dataDir, 'incoming'), path.join(dataDir, 'references'));
  });

  it('shows each image as dcmtk decodes it, and windows, zooms and measures it', async () => {
    const { page, errors } = await openApp(session());
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
    await page.getByRole('region', { name: 'Welcome to Lumen' }).waitFor({ timeout: 60_000 });
    await page.keyboard.press('Escape');
    const files = Object.values(set.files);
    const images = files.reduce((n, f) => n + f.frames, 0);
    await page.getByLabel('Import a folder or file').fill(set.dir);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const report = page.getByTestId('import-report');
    await report.filter({ hasText: /imported/ }).waitFor({ timeout: 120_000 });
    expect(await report.innerText()).toContain(`${images} images (${files.length} files) imported`);

    const list = page.getByTestId('study-list');
    const index = page.getByTestId('image-index');
    const canvas = page.getByTestId('viewport');
    const wl = page.getByTestId('corner-wl');
    const shot = (name: string) => page.screenshot({ path: path.join(resultsDir(), `viewer-audit-${name}.png`) });
    const open = async (f: AuditFile) => {
      // The list renders a screenful (virtualised), in an order the equal study dates leave open:
      // the patient is searched for first, so the card is on screen whichever place it has.
      await page.getByLabel('Search studies').fill(f.shown.split(',')[0]);
      const card = list.getByRole('listitem', { name: new RegExp(`^Study .*${f.shown}`) }).getByTestId('series-card').filter({ hasText: f.description });
      const before = await canvas.getAttribute('data-painted').catch(() => null);
      await card.scrollIntoViewIfNeeded();
      await card.click();
      await index.filter({ hasText: `Im 1/${f.frames}` }).waitFor({ timeout: 60_000 });
      // Painted ("series/sop/frame"), and not the image shown before.
      await expect.poll(async () => { const now = await canvas.getAttribute('data-painted'); return !!now && now !== before; }, { timeout: 60_000 }).toBe(true);
      await canvas.focus();
    };
    // Every image against dcmtk, the mismatches gathered so one run shows them all.
    const found: Record<string, { checked: number; worst: number; at: [number, number] | null }> = {};
    const check = async (name: string, reference: string | undefined, tolerance = 2, stride = 1) => {
      if (!reference) throw new Error(`${name}: no reference`);
      await expect.poll(async () => (await compareWithReference(page, reference, stride)).worst, { timeout: 10_000 }).toBeLessThanOrEqual(tolerance).catch(() => undefined);
      found[name] = await compareWithReference(page, reference, stride);
      await shot(name);
    };
    const { mono1Padding, sigmoid, modalityLutSeq, usYbr, palette, planar, jpegLs, j2k, bigEndian, wide, tall, enhanced, enhancedLocalizer } = set.files;

    // CR in MONOCHROME1 with two windows, NORMAL and HARD: both in the preset menu, each as dcmtk shows it.
    await open(mono1Padding);
    await check('cr-normal', mono1Padding.reference);
    expect(await wl.innerText()).toBe('W 3000 L 2100');
    const preset = page.getByTestId('preset');
    const options = await preset.locator('option').allTextContents();
    expect(options.join(' | ')).toMatch(/NORMAL/);
    expect(options.join(' | ')).toMatch(/HARD/);
    await preset.selectOption({ label: 'HARD' });
    await wl.filter({ hasText: 'W 1000 L 2100' }).waitFor();
    await check('cr-hard', mono1Padding.reference2);
    // A drag, then key 1: the file's first window again.
    await canvas.focus();
    await page.keyboard.press('w');
    await dragOnViewport(page, [0.5, 0.5], [0.7, 0.6]);
    expect(await wl.innerText()).not.toBe('W 1000 L 2100');
    await page.keyboard.press('1');
    await wl.filter({ hasText: 'W 3000 L 2100' }).waitFor();
    await check('cr-normal-again', mono1Padding.reference);

    // DX with VOI LUT Function SIGMOID: as dcmtk shows it; a drag changes it, key 1 restores it.
    await open(sigmoid);
    await check('dx-sigmoid', sigmoid.reference);
    const sigmoidHash = await canvasHash(page);
    await dragOnViewport(page, [0.5, 0.5], [0.3, 0.3]);
    await expect.poll(async () => canvasHash(page)).not.toBe(sigmoidHash);
    await page.keyboard.press('1');
    await expect.poll(async () => canvasHash(page)).toBe(sigmoidHash);

    // A Modality LUT Sequence: the table's output is shown, windowed and probed.
    await open(modalityLutSeq);
    await check('modality-lut', modalityLutSeq.reference);
    {
      const box = (await canvas.boundingBox())!;
      const zoom = Math.min(box.width / 64, box.height / 64);
      const [x, y] = [10, 20];
      await page.keyboard.press('v');
      await page.mouse.move(box.x + box.width / 2 + (x + 0.5 - 32) * zoom, box.y + box.height / 2 + (y + 0.5 - 32) * zoom);
      await page.mouse.down();
      await page.mouse.up();
      await page.getByTestId('corner-value').filter({ hasText: `Value ${4 * (x + y) * 32 + 1000} at (${x}, ${y})` }).waitFor({ timeout: 10_000 });
    }

    // US cine in YBR_FULL_422 JPEG baseline: the first and the last frame.
    await open(usYbr);
    await check('us-frame1', usYbr.reference, 4);
    await page.keyboard.press('End');
    await index.filter({ hasText: 'Im 3/3' }).waitFor();
    await expect.poll(async () => canvas.getAttribute('data-painted'), { timeout: 30_000 }).toMatch(/\/2$/);
    await check('us-frame3', usYbr.reference2, 4);

    // PALETTE COLOR and planar RGB: as stored, no window.
    await open(palette);
    await check('palette', palette.reference);
    expect(await wl.count()).toBe(0);
    await open(planar);
    await check('planar', planar.reference);

    // A signed CT in JPEG-LS, JPEG 2000 and big endian: the file's window, a preset by key, a length in mm.
    for (const [name, f] of [['ct-jpegls', jpegLs], ['ct-j2k', j2k], ['ct-big-endian', bigEndian]] as const) {
      await open(f);
      await check(name, f.reference);
      expect(await wl.innerText()).toBe('W 400 L 40 HU');
    }
    await page.keyboard.press('2');
    await wl.filter({ hasText: 'W 80 L 40 HU' }).waitFor();
    await page.keyboard.press('1');
    await wl.filter({ hasText: 'W 400 L 40 HU' }).waitFor();
    {
      const box = (await canvas.boundingBox())!;
      const zoom = Math.min(box.width / 64, box.height / 64);
      await page.keyboard.press('l');
      await dragOnViewport(page, [0.5 - (20 * zoom) / box.width, 0.5], [0.5 + (20 * zoom) / box.width, 0.5]);
      // 40 image pixels of 0.7 mm.
      await page.getByTestId('measurements').filter({ hasText: /Length 1: 28\.\d mm/ }).waitFor({ timeout: 10_000 });
      await shot('ct-length');
      // Zoomed in twice and panned by keys: the picture moves, a length still reads image mm
      // (200 screen px over the zoom the corner shows, at 0.7 mm a pixel).
      const centre = (await brightPixels(page, 250)).centreX;
      await page.keyboard.press('+');
      await page.keyboard.press('+');
      await page.keyboard.press('Shift+ArrowRight');
      const zoomText = await page.getByTestId('corner-zoom').innerText();
      const shown = Number(/Zoom (\d+)%/.exec(zoomText)![1]) / 100;
      expect(shown).toBeCloseTo(zoom * 1.25 * 1.25, 1);
      await expect.poll(async () => (await brightPixels(page, 250)).centreX).toBeGreaterThan(centre + 20);
      await dragOnViewport(page, [0.5 - 100 / box.width, 0.6], [0.5 + 100 / box.width, 0.6]);
      const text = await page.getByTestId('measurements').filter({ hasText: /Length 2: [\d.]+ mm/ }).innerText({ timeout: 10_000 });
      const mm = Number(/Length 2: ([\d.]+) mm/.exec(text)![1]);
      expect(Math.abs(mm - (200 / shown) * 0.7)).toBeLessThan(0.02 * mm);
      await shot('ct-zoomed-panned');
    }

    // Odd sizes: 513x257 fitted and shown whole; 1:1 is 100%; 2x4096 is drawn.
    await open(wide);
    await check('wide', wide.reference, 2, 3);
    expect(await page.locator('.corner.bl').innerText()).toContain('513×257');
    await page.keyboard.press('a');
    await page.getByTestId('corner-zoom').filter({ hasText: 'Zoom 100%' }).waitFor();
    await shot('wide-actual');
    await page.keyboard.press('f');
    await open(tall);
    expect(await page.locator('.corner.bl').innerText()).toContain('2×4096');
    await expect.poll(async () => (await canvasPixels(page)).drawn, { timeout: 30_000 }).toBeGreaterThan(0);
    await shot('tall');

    // A one-frame Enhanced MR, its geometry only in the functional groups: spacing, thickness and
    // orientation letters as the groups say, drawn at its true aspect, lengths in mm both ways.
    await open(enhanced);
    const corner = await page.locator('.corner.bl').innerText();
    expect(corner).toContain('64×64 · 1×0.5 mm');
    expect(corner).toContain('Thk 3 mm');
    expect([await page.getByTestId('orient-top').innerText(), await page.getByTestId('orient-left').innerText()]).toEqual(['H', 'A']);
    {
      const box = (await canvas.boundingBox())!;
      const zoom = Math.min(box.width / 64, box.height / 32);
      const at = (x: number, y: number) => [0.5 + (x * zoom) / box.width, 0.5 + (y * zoom * 0.5) / box.height] as const;
      await page.keyboard.press('l');
      await dragOnViewport(page, at(-10, -20), at(10, -20));
      await page.getByTestId('measurements').filter({ hasText: /Length 1: (19\.9|20\.0|20\.1) mm/ }).waitFor({ timeout: 10_000 });
      await dragOnViewport(page, at(20, -10), at(20, 10));
      await page.getByTestId('measurements').filter({ hasText: /Length 2: (9\.9|10\.0|10\.1) mm/ }).waitFor({ timeout: 10_000 });
      await shot('enhanced');
    }
    // A three-plane Enhanced localizer: the letters follow each frame's own plane.
    await open(enhancedLocalizer);
    const letters = async () => [await page.getByTestId('orient-top').innerText(), await page.getByTestId('orient-left').innerText()];
    expect(await letters()).toEqual(['A', 'R']);
    await page.keyboard.press('ArrowDown');
    await index.filter({ hasText: 'Im 2/3' }).waitFor();
    await expect.poll(letters, { timeout: 30_000 }).toEqual(['H', 'A']);
    await page.keyboard.press('ArrowDown');
    await index.filter({ hasText: 'Im 3/3' }).waitFor();
    await expect.poll(letters, { timeout: 30_000 }).toEqual(['H', 'R']);
    await shot('enhanced-localizer-coronal');

    writeFileSync(path.join(resultsDir(), 'viewer-audit-comparison.json'), JSON.stringify(found, null, 2));
    const mismatched = Object.entries(found).filter(([name, r]) => r.checked < 50 || r.worst > (name.startsWith('us-') ? 4 : 2));
    expect(mismatched).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 400_000);
});
