// The label keys on a multi-frame file (s14 F5), in Debian's Chromium against the real bridge
// and engine: a 6-frame file and a single-frame file in one series. Shift+2 on frame 4 labels
// frame 4 only ("Current:" says "(frame 4)"; frame 1 stays unlabelled; the overview counts one
// image); Undo gives it back; Shift+0 clears that frame only; on the single-frame file Shift+digit
// labels the image as before ("(image)").
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession, viewerReady } from '../support/browser';
import { writeImage } from '../support/dicom/write';
import { writeSixFrameMr } from './six-frame-mr';

const BASE = '1.2.826.0.1.3680043.10.1.778';

describe('label keys on a multi-frame file', () => {
  let incoming = '';
  const session = useUiSession('lumen-frame-label-keys', (dataDir) => {
    incoming = path.join(dataDir, 'incoming');
    mkdirSync(incoming, { recursive: true });
    // The 6-frame file, instance 1; a single-frame file, instance 2.
    const pixels = writeSixFrameMr(incoming, BASE);
    writeImage(path.join(incoming, 'single.dcm'), {
      rows: 64,
      columns: 64,
      bitsAllocated: 16,
      bitsStored: 12,
      modality: 'MR',
      pixelBytes: pixels.slice(0, 64 * 64 * 2),
      uid: BASE,
      extra: { 0x00080018: { vr: 'UI', value: `${BASE}.4` }, 0x00200013: { vr: 'IS', value: 2 } },
    });
  });

  it('Shift+digit and Shift+0 label and clear the frame shown; undo; the single-frame file as before', async () => {
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Import a folder or file').fill(incoming);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '7 images' }).waitFor({ timeout: 60_000 });
    await page.getByRole('tab', { name: 'Training' }).click();
    const panel = page.getByRole('tabpanel', { name: 'Training' });
    const status = panel.getByRole('status').filter({ hasText: /./ });
    const overview = panel.getByRole('region', { name: 'Label overview' });
    const current = panel.getByText(/^Current:/);
    const classes = () => overview.getByRole('table', { name: 'Labels per class' }).locator('tbody tr').allTextContents();
    const go = async (n: number) => {
      await page.getByTestId('viewport').focus();
      await page.keyboard.press('Home');
      for (let i = 1; i < n; i++) await page.keyboard.press('ArrowDown');
      await page.getByTestId('image-index').filter({ hasText: `Im ${n}/7` }).waitFor({ timeout: 60_000 });
      await viewerReady(page);
    };

    await page.locator('body').click({ position: { x: 640, y: 5 } });
    await page.keyboard.press('u');
    await status.filter({ hasText: 'Opened the next unlabelled series' }).waitFor();
    await go(4);
    await panel.getByText('Shift+1–2 this frame only').waitFor();
    await page.keyboard.press('Shift+Digit2');
    await status.filter({ hasText: 'Labelled frame 4 of 6 "abnormal"; the file\'s other frames keep theirs.' }).waitFor();
    await current.filter({ hasText: 'Current: abnormal (frame 4)' }).waitFor();
    await expect.poll(classes).toEqual(['abnormal111']);
    await overview.getByText(/Unlabelled: 0 of 1 series, 6 of 7 images/).waitFor();
    await page.screenshot({ path: path.join(resultsDir(), 'frame-labels-keys-frame4.png') });

    // Frame 1 of the same file: unlabelled.
    await go(1);
    await current.filter({ hasText: 'Current: unlabelled' }).waitFor();
    // Undo: frame 4 unlabelled again.
    await panel.getByRole('button', { name: 'Undo label change' }).click();
    await status.filter({ hasText: 'Undone: labelling frame 4 "abnormal".' }).waitFor();
    await expect.poll(classes).toEqual([]);
    // Label frame 4 and 5, then Shift+0 on frame 5 clears frame 5 only.
    await go(4);
    await page.keyboard.press('Shift+Digit2');
    await current.filter({ hasText: 'Current: abnormal (frame 4)' }).waitFor();
    await go(5);
    await page.keyboard.press('Shift+Digit1');
    await current.filter({ hasText: 'Current: normal (frame 5)' }).waitFor();
    await expect.poll(classes).toEqual(['abnormal111', 'normal111']);
    await page.keyboard.press('Shift+Digit0');
    await status.filter({ hasText: "Cleared the label of frame 5; the file's other frames keep theirs." }).waitFor();
    await current.filter({ hasText: 'Current: unlabelled' }).waitFor();
    await expect.poll(classes).toEqual(['abnormal111']);

    // The single-frame file (image 7): Shift+digit labels the image, as before.
    await go(7);
    await panel.getByText('Shift+1–2 this image only').waitFor();
    await page.keyboard.press('Shift+Digit1');
    await status.filter({ hasText: 'Labelled the image "normal".' }).waitFor();
    await current.filter({ hasText: 'Current: normal (image)' }).waitFor();
    await expect.poll(classes).toEqual(['abnormal111', 'normal111']);
    await panel.screenshot({ path: path.join(resultsDir(), 'frame-labels-keys-panel.png') });
    expect(errors).toEqual([]);
  });
});
