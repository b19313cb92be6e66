// The viewer's "Lossy" mark for JPEG 2000 files that leave out Lossy Image Compression (0028,2110),
// in Debian's Chromium against the real bridge and engine: GDCM's 5-3 reversible codestream said
// as 1.2.840.10008.1.2.4.91 shows no mark; GDCM's 5-3 codestream cut to a rate (gdcmconv --lossy
// -r 20, the attribute removed by dcmodify) shows "May be lossy (JPEG 2000, no Lossy Image
// Compression attribute)", wrapped clear of the top left corner; its 9-7 irreversible one shows "Lossy".
// OpenJPH's reversible HTJ2K codestream (ojph_compress -reversible true) said as .203 (lossy or
// lossless), without the attribute, shows no mark: its HT code-blocks' passes reach bit-plane 0.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encapsulate, encapsulatedFile, writeImage } from '../support/dicom/write';
import { openApp, resultsDir, useUiSession } from '../support/browser';

const STUDIES = [
  ['Whole^Wanda', '1.2.826.0.1.3680043.10.99.81', 'reversible'],
  ['Maybe^Max', '1.2.826.0.1.3680043.10.99.82', 'rate'],
  ['Lossy^Lars', '1.2.826.0.1.3680043.10.99.83', 'irreversible'],
  ['Hightput^Hanna', '1.2.826.0.1.3680043.10.99.84', 'htj2k'],
] as const;

function writeStudies(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const n = 128;
  const px = new Uint16Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) px[y * n + x] = (x - 64) ** 2 + (y - 64) ** 2 < 400 ? 4000 : (x * 13 + y * 7) % 2000;
  for (const [name, uid, how] of STUDIES) {
    const extra = { 0x00100010: { vr: 'PN', value: name }, 0x00100020: { vr: 'LO', value: uid.slice(-2) } };
    const spec = { rows: n, columns: n, bitsAllocated: 16 as const, bitsStored: 12, modality: 'CT', rescaleIntercept: -1024, windowCenter: 500, windowWidth: 3000, uid, extra };
    if (how === 'htj2k') {
      const pgm = path.join(dir, 'htj2k.pgm');
      const j2c = path.join(dir, 'htj2k.j2c');
      writeFileSync(pgm, Buffer.concat([Buffer.from(`P5\n${n} ${n}\n4095\n`, 'latin1'), Buffer.from(Array.from(px, (v) => [v >> 8, v & 255]).flat())]));
      execFileSync('ojph_compress', ['-i', pgm, '-o', j2c, '-reversible', 'true'], { stdio: 'pipe' });
      const enc = encapsulate([[new Uint8Array(readFileSync(j2c))]], { basicOffsetTable: true }).bytes;
      writeFileSync(path.join(dir, `${uid}.dcm`), encapsulatedFile({ ...spec, pixelBytes: new Uint8Array(0) }, '1.2.840.10008.1.2.4.203', enc));
      rmSync(pgm);
      rmSync(j2c);
      continue;
    }
    const plain = path.join(dir, `${uid}-plain.dcm`);
    const out = path.join(dir, `${uid}.dcm`);
    writeImage(plain, { ...spec, pixelBytes: new Uint8Array(px.buffer) });
    const args = { reversible: ['--j2k'], rate: ['--j2k', '--lossy', '-r', '20'], irreversible: ['--j2k', '--lossy', '--irreversible', '-q', '40'] }[how];
    execFileSync('gdcmconv', [...args, plain, out], { stdio: 'pipe' });
    rmSync(plain);
    if (how === 'reversible') {
      // GDCM writes its lossless codestream as .90; other software sends the same as .91.
      const bytes = readFileSync(out);
      bytes.write('1.2.840.10008.1.2.4.91', bytes.indexOf('1.2.840.10008.1.2.4.90', 0, 'latin1'), 'latin1');
      writeFileSync(out, bytes);
    } else execFileSync('dcmodify', ['-nb', '-imt', '-ea', '(0028,2110)', '-ea', '(0028,2112)', '-ea', '(0028,2114)', out], { stdio: 'pipe' });
  }
}

describe('the "Lossy" mark of JPEG 2000 without Lossy Image Compression', () => {
  const session = useUiSession('lumen-viewer-lossy-j2k', (dataDir) => writeStudies(path.join(dataDir, 'incoming')));

  it('shows nothing for a whole reversible codestream (JPEG 2000 or HTJ2K), "May be lossy" for a cut one, "Lossy" for 9-7', async () => {
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Import a folder or file').fill(path.join(session().dataDir, 'incoming'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '4 images imported' }).waitFor({ timeout: 120_000 });
    const canvas = page.getByTestId('viewport');
    const open = async (name: string, uid: string) => {
      await page.getByRole('listitem', { name: new RegExp(`^Study .*${name.split('^')[1]}`) }).getByTestId('series-card').click();
      await expect.poll(() => canvas.getAttribute('data-painted'), { timeout: 60_000 }).toContain(uid);
    };

    await open(STUDIES[1][0], STUDIES[1][1]);
    const mark = page.getByTestId('corner-lossy');
    await expect.poll(() => mark.textContent(), { timeout: 30_000 }).toBe('May be lossy (JPEG 2000, no Lossy Image Compression attribute)');
    expect(await mark.getAttribute('title')).toMatch(/does not say whether it was compressed with loss/);
    // The whole mark lies inside the viewport, clear of the top left corner's name (it wraps rather than reach it).
    const [box, view, name] = [await mark.boundingBox(), await canvas.boundingBox(), await page.getByTestId('corner-patient').boundingBox()];
    expect(box && view && name).toBeTruthy();
    expect(box!.x).toBeGreaterThanOrEqual(view!.x);
    expect(box!.x + box!.width).toBeLessThanOrEqual(view!.x + view!.width);
    expect(box!.x).toBeGreaterThan(name!.x + name!.width);
    await page.screenshot({ path: path.join(resultsDir(), 'viewer-lossy-j2k-maybe.png') });

    await open(STUDIES[2][0], STUDIES[2][1]);
    await expect.poll(() => mark.textContent(), { timeout: 30_000 }).toBe('Lossy');

    await open(STUDIES[0][0], STUDIES[0][1]);
    await expect.poll(() => mark.count(), { timeout: 30_000 }).toBe(0);

    // The HTJ2K study after a marked one: the mark goes as its image is painted.
    await open(STUDIES[2][0], STUDIES[2][1]);
    await expect.poll(() => mark.textContent(), { timeout: 30_000 }).toBe('Lossy');
    await open(STUDIES[3][0], STUDIES[3][1]);
    await expect.poll(() => mark.count(), { timeout: 30_000 }).toBe(0);
    await expect.poll(() => page.getByTestId('corner-patient').textContent(), { timeout: 30_000 }).toContain('Hightput');
    await page.screenshot({ path: path.join(resultsDir(), 'viewer-lossy-htj2k-none.png') });
    expect(errors).toEqual([]);
  }, 300_000);
});
