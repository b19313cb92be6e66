// The import tells the truth about what it did (issue #13, points 3 and 4): in Debian's
// Chromium against the real engine, a folder with good images, a second copy of one, an RT
// Plan and an SR (no image: not failures), a text file and two damaged files. The headline
// counts each kind apart; the list opens readable, sorts by reason and copies; a path that
// does not exist says so. Of two files with one SOP Instance UID the complete, decodable one
// is kept, whichever comes first, and the list names both.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ctImageSpec } from '../support/dicom/ct-image';
import { ctSlice } from '../support/dicom/phantom';
import { dicomBytes, writeImage, type ElementValue } from '../support/dicom/write';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { canvasPixels } from '../support/canvas';

const UID = '1.2.826.0.1.3680043.10.99.91';

function ctElements(uid: string, i: number, extra: Record<number, ElementValue> = {}) {
  return {
    0x00100010: { vr: 'PN', value: 'Import^Ines' },
    0x00100020: { vr: 'LO', value: 'PI091' },
    0x00080016: { vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.2' },
    0x00080018: { vr: 'UI', value: `${uid}.3.${i}` },
    0x0020000d: { vr: 'UI', value: `${UID}.1` },
    0x0020000e: { vr: 'UI', value: `${uid}.2` },
    0x00200013: { vr: 'IS', value: i },
    0x00200011: { vr: 'IS', value: 1 },
    0x0008103e: { vr: 'LO', value: 'axial' },
    ...extra,
  } satisfies Record<number, ElementValue>;
}

function writeCt(file: string, uid: string, i: number): void {
  writeImage(file, ctImageSpec(64, ctSlice(64, 64, 300 + i, 15), ctElements(uid, i)));
}

/** An object without pixel data: an RT Plan or an SR. */
function writeNoImage(file: string, sopClass: string, modality: string, i: number): void {
  writeFileSync(
    file,
    dicomBytes({
      ...ctElements(`${UID}.5${i}`, i, { 0x00080016: { vr: 'UI', value: sopClass } }),
      0x00080060: { vr: 'CS', value: modality },
    }),
  );
}

/** The mixed folder of point 3. */
function writeMixedFolder(dir: string): void {
  const series = path.join(dir, 'series');
  mkdirSync(series, { recursive: true });
  for (let i = 1; i <= 3; i++) writeCt(path.join(series, `im${i}.dcm`), `${UID}.4`, i);
  mkdirSync(path.join(dir, 'zcopy'));
  copyFileSync(path.join(series, 'im2.dcm'), path.join(dir, 'zcopy', 'im2-again.dcm'));
  mkdirSync(path.join(dir, 'rt'));
  writeNoImage(path.join(dir, 'rt', 'plan.dcm'), '1.2.840.10008.5.1.4.1.1.481.5', 'RTPLAN', 1);
  writeNoImage(path.join(dir, 'rt', 'report.dcm'), '1.2.840.10008.5.1.4.1.1.88.11', 'SR', 2);
  writeFileSync(path.join(dir, 'README.txt'), 'Disc exported by the hospital PACS.\n');
  const good = readFileSync(path.join(series, 'im1.dcm'));
  mkdirSync(path.join(dir, 'damaged'));
  writeFileSync(path.join(dir, 'damaged', 'cut.dcm'), good.subarray(0, 700));
  // A sequence of 16 bytes whose item declares 200: the parser's own message names its functions.
  const seq = Buffer.alloc(28);
  seq.writeUInt16LE(0x0008, 0);
  seq.writeUInt16LE(0x1140, 2);
  seq.write('SQ', 4, 'latin1');
  seq.writeUInt32LE(16, 8);
  seq.writeUInt16LE(0xfffe, 12);
  seq.writeUInt16LE(0xe000, 14);
  seq.writeUInt32LE(200, 16);
  const at = good.indexOf(Buffer.from([0x10, 0x00, 0x10, 0x00]));
  writeFileSync(path.join(dir, 'damaged', 'sequence.dcm'), Buffer.concat([good.subarray(0, at), seq, good.subarray(at)]));
}

/** Point 4: of each pair, the copy first in sort order (a-…) is the damaged one. */
function writeDuplicatePairs(dir: string): void {
  const damaged = path.join(dir, 'a-first');
  const good = path.join(dir, 'b-second');
  mkdirSync(damaged, { recursive: true });
  mkdirSync(good, { recursive: true });
  // An RT dose of 15 frames, and a copy whose Number of Frames was lost with 14 of its frames.
  const frames = 15;
  const grid = new Uint16Array(32 * 32 * frames).map((_, k) => (k * 37) % 4000);
  const dose = (file: string, n: number) =>
    writeImage(file, {
      rows: 32,
      columns: 32,
      frames: n,
      bitsAllocated: 16,
      modality: 'RTDOSE',
      pixelBytes: new Uint8Array(grid.buffer, 0, 32 * 32 * 2 * n),
      extra: {
        ...ctElements(`${UID}.6`, 1, { 0x00080016: { vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.481.2' } }),
        0x0008103e: { vr: 'LO', value: 'dose' },
        0x00200011: { vr: 'IS', value: 6 },
      },
    });
  dose(path.join(damaged, 'dose.dcm'), 1);
  dose(path.join(good, 'dose.dcm'), frames);
  // A CT slice in JPEG 2000 (Debian's GDCM); the first copy's codestream is broken.
  for (const folder of [damaged, good]) {
    const file = path.join(folder, 'ct.dcm');
    writeCt(file, `${UID}.7`, 1);
    execFileSync('gdcmconv', ['--j2k', file, file]);
  }
  const broken = path.join(damaged, 'ct.dcm');
  const bytes = readFileSync(broken);
  const soc = bytes.indexOf(Buffer.from([0xff, 0x4f, 0xff, 0x51]));
  if (soc < 0) throw new Error('gdcmconv wrote no JPEG 2000 codestream');
  bytes.fill(0x5a, soc, soc + 16);
  writeFileSync(broken, bytes);
}

async function importPath(page: Page, folder: string): Promise<void> {
  await page.getByLabel('Import a folder or file').fill(folder);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
}

describe('the import report', () => {
  const session = useUiSession('lumen-import-report', (dataDir) => {
    writeMixedFolder(path.join(dataDir, 'incoming', 'mixed'));
    writeDuplicatePairs(path.join(dataDir, 'incoming', 'pairs'));
    const notes = path.join(dataDir, 'incoming', 'notes');
    mkdirSync(notes);
    for (let i = 0; i < 205; i++) writeFileSync(path.join(notes, `note${String(i).padStart(3, '0')}.txt`), `note ${i}\n`);
  });

  it('counts duplicates, objects without an image, non-DICOM files and failures apart, in a list one can read, sort and copy', async () => {
    const { dataDir } = session();
    await session().browser.context.grantPermissions(['clipboard-read', 'clipboard-write']);
    const { page, errors: consoleErrors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
    const mixed = path.join(dataDir, 'incoming', 'mixed');
    const report = page.getByTestId('import-report');

    // A path that does not exist says so.
    const typo = path.join(dataDir, 'incoming', 'mixd');
    await importPath(page, typo);
    await report.waitFor({ timeout: 60_000 });
    expect(await report.textContent()).toBe(`Nothing imported: ${typo} does not exist. Check the path.`);

    await importPath(page, mixed);
    await report.filter({ hasText: '3 images imported' }).waitFor({ timeout: 60_000 });
    const headline = await report.textContent();
    expect(headline).toBe('3 images imported, 2 files could not be read, 1 duplicate file skipped, 2 objects without an image, 1 file not DICOM. Show the list');
    await page.screenshot({ path: path.join(resultsDir(), 'import-report-headline.png') });

    await report.getByRole('button', { name: 'Show the list' }).click();
    const dialog = page.getByRole('dialog', { name: 'Files not imported' });
    await dialog.waitFor();
    const rows = dialog.locator('tbody tr');
    expect(await rows.count()).toBe(6);
    // Readable: every row at least a line high, the list far more than a line.
    const listBox = (await dialog.locator('.import-issues-scroll').boundingBox())!;
    expect(listBox.height).toBeGreaterThan(240);
    expect(listBox.width).toBeGreaterThan(700);
    for (const box of await Promise.all((await rows.all()).map((r) => r.boundingBox()))) expect(box!.height).toBeGreaterThanOrEqual(16);
    const kinds = await Promise.all((await rows.all()).map((r) => r.getAttribute('data-kind')));
    expect(kinds).toEqual(['error', 'error', 'duplicate', 'no-image', 'no-image', 'not-dicom']);
    const text = (await dialog.textContent())!;
    expect(text).toContain('an RT Plan: a DICOM object without an image');
    expect(text).toContain('a Basic Text SR: a DICOM object without an image');
    expect(text).toContain(`Kept: ${path.join(mixed, 'series', 'im2.dcm')}`);
    expect(text).not.toMatch(/dicomParser|parseDicom|maxPosition|undefined|\[object /);
    await page.screenshot({ path: path.join(resultsDir(), 'import-report-list.png') });

    // Sorted by reason: alphabetical by the reason's text.
    await dialog.getByRole('button', { name: 'Reason' }).click();
    const reasons = await dialog.locator('tbody td.issue-reason').allTextContents();
    expect(reasons).toEqual([...reasons].sort((a, b) => a.localeCompare(b)));
    expect(await dialog.getByRole('columnheader', { name: /Reason/ }).getAttribute('aria-sort')).toBe('ascending');

    // Copied as tab-separated lines, one per file after a header.
    await dialog.getByRole('button', { name: 'Copy list' }).click();
    await dialog.getByText('Copied 6 lines').waitFor();
    const copied = await page.evaluate<string>('navigator.clipboard.readText()');
    const lines = copied.trim().split('\n');
    expect(lines[0]).toBe('File\tWhat\tReason\tKept copy');
    expect(lines.slice(1).map((l) => l.split('\t')[0]).sort()).toEqual(
      ['damaged/cut.dcm', 'damaged/sequence.dcm', 'zcopy/im2-again.dcm', 'rt/plan.dcm', 'rt/report.dcm', 'README.txt'].map((f) => path.join(mixed, f)).sort(),
    );
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    // The same folder again: nothing is new, and the line says what the library already holds.
    await importPath(page, mixed);
    await report.filter({ hasText: 'already in the library' }).waitFor({ timeout: 60_000 });
    expect(await report.textContent()).toBe(
      '0 images imported, 3 files already in the library, 2 files could not be read, 1 duplicate file skipped, 2 objects without an image, 1 file not DICOM. Show the list',
    );
    await page.screenshot({ path: path.join(resultsDir(), 'import-report-again.png') });
    expect(consoleErrors).toEqual([]);
    await page.close();
  }, 120_000);

  it('keeps the complete, decodable copy of a duplicated image and names both files', async () => {
    const { dataDir } = session();
    const { page, errors: consoleErrors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
    const pairs = path.join(dataDir, 'incoming', 'pairs');
    await importPath(page, pairs);
    const report = page.getByTestId('import-report');
    await report.filter({ hasText: '16 images (2 files) imported' }).waitFor({ timeout: 60_000 });
    // The dose keeps its 15 frames; the CT slice opens with pixels, no error.
    await page.getByRole('button', { name: /^RTDOSE S6, \d+ images, dose, open series$/ }).waitFor({ timeout: 30_000 });
    expect(await page.getByRole('button', { name: /^RTDOSE S6, / }).getAttribute('aria-label')).toBe('RTDOSE S6, 15 images, dose, open series');
    expect(await report.textContent()).toBe('16 images (2 files) imported, 2 duplicate files skipped. Show the list');
    await page.getByRole('button', { name: 'CT S1, 1 image, axial, open series', exact: true }).click();
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/1' }).waitFor();
    await expect.poll(async () => (await canvasPixels(page)).drawn).toBeGreaterThan(1000);
    expect(await page.locator('.viewport').getByRole('alert').count()).toBe(0);

    await report.getByRole('button', { name: 'Show the list' }).click();
    const dialog = page.getByRole('dialog', { name: 'Files not imported' });
    await dialog.waitFor();
    const rows = await dialog.locator('tbody tr').allTextContents();
    expect(rows).toHaveLength(2);
    for (const name of ['dose.dcm', 'ct.dcm']) {
      const row = rows.find((r) => r.includes(path.join(pairs, 'a-first', name)))!;
      expect(row).toContain(`Kept: ${path.join(pairs, 'b-second', name)}`);
    }
    await page.screenshot({ path: path.join(resultsDir(), 'import-report-duplicates.png') });
    expect(consoleErrors).toEqual([]);
    await page.close();
  }, 120_000);

  it('lists every file of a large import, not only the 200 its end event carries', async () => {
    const { dataDir } = session();
    const { page, errors: consoleErrors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
    await importPath(page, path.join(dataDir, 'incoming', 'notes'));
    const report = page.getByTestId('import-report');
    await report.filter({ hasText: '205 files not DICOM' }).waitFor({ timeout: 60_000 });
    await report.getByRole('button', { name: 'Show the list' }).click();
    const dialog = page.getByRole('dialog', { name: 'Files not imported' });
    await expect.poll(() => dialog.locator('tbody tr').count()).toBe(205);
    expect(await dialog.locator('tbody tr').last().textContent()).toContain('note204.txt');
    expect(consoleErrors).toEqual([]);
    await page.close();
  }, 120_000);
});
