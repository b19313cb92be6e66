// The viewer's "Lossy" mark in Debian's Chromium against the real bridge and engine (finding F2,
// session 14): a CT that dcmcjpeg +ee compressed shows "Lossy <ratio>:1 ISO_10918_1" in the top
// right corner; the same CT compressed losslessly by dcmcjpeg shows no mark.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeImage } from '../support/dicom/write';
import { openApp, resultsDir, useUiSession } from '../support/browser';

function writeStudies(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const n = 128;
  const px = new Uint16Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) px[y * n + x] = (x - 64) ** 2 + (y - 64) ** 2 < 400 ? 4000 : (x * 13 + y * 7) % 2000;
  for (const [name, uid, args] of [
    ['Lossy^Lena', '1.2.826.0.1.3680043.10.99.98', ['+ee']],
    ['Lossless^Lou', '1.2.826.0.1.3680043.10.99.99', []],
  ] as const) {
    const plain = path.join(dir, `${uid}-plain.dcm`);
    writeImage(plain, {
      rows: n,
      columns: n,
      bitsAllocated: 16,
      bitsStored: 12,
      modality: 'CT',
      rescaleIntercept: -1024,
      windowCenter: 500,
      windowWidth: 3000,
      pixelBytes: new Uint8Array(px.buffer),
      uid,
      extra: { 0x00100010: { vr: 'PN', value: name }, 0x00100020: { vr: 'LO', value: uid.slice(-2) } },
    });
    execFileSync('dcmcjpeg', [...args, plain, path.join(dir, `${uid}.dcm`)], { stdio: 'pipe' });
    execFileSync('rm', [plain]);
  }
}

describe('the "Lossy" mark in the viewer', () => {
  const session = useUiSession('lumen-viewer-lossy', (dataDir) => writeStudies(path.join(dataDir, 'incoming')));

  it('marks the lossy CT with its ratio and method, and not the lossless one', async () => {
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Import a folder or file').fill(path.join(session().dataDir, 'incoming'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '2 images imported' }).waitFor({ timeout: 120_000 });
    const canvas = page.getByTestId('viewport');

    await page.getByRole('listitem', { name: /^Study .*Lena/ }).getByTestId('series-card').click();
    await expect.poll(() => canvas.getAttribute('data-painted'), { timeout: 30_000 }).toContain('1.2.826.0.1.3680043.10.99.98');
    await expect.poll(() => page.getByTestId('corner-lossy').textContent()).toMatch(/^Lossy \d+(\.\d+)?:1 ISO_10918_1$/);
    await page.screenshot({ path: path.join(resultsDir(), 'viewer-lossy-mark.png') });

    await page.getByRole('listitem', { name: /^Study .*Lou/ }).getByTestId('series-card').click();
    await expect.poll(() => canvas.getAttribute('data-painted'), { timeout: 30_000 }).toContain('1.2.826.0.1.3680043.10.99.99');
    expect(await page.getByTestId('corner-lossy').count()).toBe(0);
    expect(errors).toEqual([]);
  }, 240_000);
});
