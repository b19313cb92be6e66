// A new user follows README.md ("Using Lumen") in Debian's Chromium through `lumen serve`'s
// bridge and the real engine, with DICOM that other software made and Lumen's own writer never
// does: GDCM's gdcmimg from raw pixels (a CT series, one slice then JPEG lossless and one JPEG
// 2000 by gdcmconv; an Enhanced MR multi-frame with no functional groups; a multi-frame
// secondary capture as JPEG lossless; RGB photos as JPEG 2000 lossless and lossy), dcmtk's
// dcmodify for the headers and dcmcjpeg +ee for a 12-bit MR of 256×192 as JPEG extended
// (process 2+4). Two patients. Every image is viewed; the values under the Probe and in a
// region, and a length in mm, are checked against the pixels written; the measurements go out
// as a CSV table and as DICOM SR that dcmtk reads back. Screenshots: test-results/journey-s14-*.png.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Measurement } from '../../common/contract/measurements';
import { openApp, resultsDir, useUiSession, viewerReady } from '../support/browser';
import { canvasPixels } from '../support/canvas';
import { saveRandomHeadPackage } from '../support/tiny-package';

const ROOT = '1.2.826.0.1.3680043.10.1137.1414';
const CT = { uid: `${ROOT}.1.1`, size: 128, spacing: 0.7, slices: 5 };
const MR = { uid: `${ROOT}.1.2`, cols: 256, rows: 192, spacing: 0.9, slices: 3 };
const ENH = { uid: `${ROOT}.3.1`, size: 64, frames: 6 };
const MFSC = { uid: `${ROOT}.3.2` };
const PHOTO = { lossless: `${ROOT}.2.1`, lossy: `${ROOT}.2.2`, cols: 96, rows: 80 };

function run(tool: string, args: string[]): void {
  execFileSync(tool, args, { stdio: 'pipe' });
}

/** CT in HU: air, a body ellipse (40 HU plus (x + y) mod 9), a bone disc (700 HU) of radius 10 moving right 10 px a slice. */
function ctHu(slice: number, x: number, y: number): number {
  if ((x - 40 - slice * 10) ** 2 + (y - 64) ** 2 <= 100) return 700;
  if ((x - 64) ** 2 / 50 ** 2 + (y - 64) ** 2 / 40 ** 2 <= 1) return 40 + ((x + y) % 9);
  return -1000;
}

/** The 12-bit MR's stored value: a smooth blob on a checkerboard, a 4000 disc of radius 15 moving 30 px a slice. */
function mrValue(slice: number, x: number, y: number): number {
  if ((x - 80 - slice * 30) ** 2 + (y - 96) ** 2 <= 225) return 4000;
  return Math.floor(200 + 1500 * Math.exp(-(((x - 128) / 60) ** 2 + ((y - 96) / 40) ** 2)) + 300 * ((Math.floor(x / 16) + Math.floor(y / 16)) % 2));
}

function u16(width: number, height: number, f: (x: number, y: number) => number): Buffer {
  const out = Buffer.alloc(width * height * 2);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out.writeUInt16LE(f(x, y), (y * width + x) * 2);
  return out;
}

const PATIENT_A = [['PatientName', "O'Brien^Siobh\u00e1n"], ['SpecificCharacterSet', 'ISO_IR 192'], ['PatientID', 'F14A'], ['PatientBirthDate', '19700101'], ['PatientSex', 'F'], ['StudyDate', '20240305'], ['StudyTime', '101500'], ['StudyDescription', 'CHEST CT'], ['AccessionNumber', 'ACC14']];
const PATIENT_B = [['PatientName', 'Tanaka^Hiroshi'], ['PatientID', 'F14B'], ['PatientBirthDate', '19651212'], ['PatientSex', 'M']];

/** gdcmimg from raw pixels, then dcmodify with the attributes given (and the study and series UIDs). */
function gdcmimg(work: string, file: string, pixels: Buffer, opts: { size: string; depth: number; spp?: number; sopClass: string; study: string; series: string }, attrs: string[][]): void {
  const raw = path.join(work, `${path.basename(file)}.raw`);
  writeFileSync(raw, pixels);
  run('gdcmimg', ['-i', raw, '-o', file, '-d', String(opts.depth), '--sign', '0', ...(opts.spp ? ['--spp', String(opts.spp)] : []), '-s', opts.size, '-C', opts.sopClass]);
  const all = [...attrs, ['StudyInstanceUID', opts.study], ['SeriesInstanceUID', opts.series]];
  run('dcmodify', ['-nb', ...all.flatMap(([k, v]) => ['-i', `${k}=${v}`]), file]);
}

function writeSet(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(path.join(os.tmpdir(), 'lumen-s14-'));
  try {
    for (let i = 0; i < CT.slices; i++) {
      const file = path.join(dir, `ct${i + 1}.dcm`);
      gdcmimg(work, file, u16(CT.size, CT.size, (x, y) => ctHu(i, x, y) + 1024), { size: `${CT.size},${CT.size}`, depth: 16, sopClass: '1.2.840.10008.5.1.4.1.1.2', study: `${ROOT}.1`, series: CT.uid }, [
        ...PATIENT_A,
        ['SeriesDescription', 'AX 5mm'], ['SeriesNumber', '2'], ['InstanceNumber', String(i + 1)], ['Modality', 'CT'], ['RescaleIntercept', '-1024'], ['RescaleSlope', '1'],
        ['PixelSpacing', `${CT.spacing}\\${CT.spacing}`], ['SliceThickness', '5'], ['ImagePositionPatient', `-44.8\\-44.8\\${-i * 5}`], ['ImageOrientationPatient', '1\\0\\0\\0\\1\\0'],
        ['WindowCenter', '40'], ['WindowWidth', '400'], ['SOPInstanceUID', `${CT.uid}.${i + 1}`],
      ]);
    }
    run('gdcmconv', ['--jpeg', path.join(dir, 'ct2.dcm'), path.join(dir, 'ct2.dcm')]);
    run('gdcmconv', ['--j2k', path.join(dir, 'ct3.dcm'), path.join(dir, 'ct3.dcm')]);
    for (let i = 0; i < MR.slices; i++) {
      const file = path.join(dir, `mr${i + 1}.dcm`);
      gdcmimg(work, file, u16(MR.cols, MR.rows, (x, y) => mrValue(i, x, y)), { size: `${MR.cols},${MR.rows}`, depth: 16, sopClass: '1.2.840.10008.5.1.4.1.1.4', study: `${ROOT}.1`, series: MR.uid }, [
        ...PATIENT_A,
        ['SeriesDescription', 'T1 SAG'], ['SeriesNumber', '3'], ['InstanceNumber', String(i + 1)], ['Modality', 'MR'], ['BitsStored', '12'], ['HighBit', '11'],
        ['PixelSpacing', `${MR.spacing}\\${MR.spacing}`], ['ImagePositionPatient', `${i * 4}\\-100\\-80`], ['ImageOrientationPatient', '0\\1\\0\\0\\0\\-1'], ['SOPInstanceUID', `${MR.uid}.${i + 1}`],
      ]);
      run('dcmcjpeg', ['+ee', '+un', file, file]);
    }
    // RGB: red left half, blue right half, a green disc of radius 15 in the middle.
    const rgb = Buffer.alloc(PHOTO.cols * PHOTO.rows * 3);
    for (let y = 0; y < PHOTO.rows; y++)
      for (let x = 0; x < PHOTO.cols; x++) rgb.set((x - 48) ** 2 + (y - 40) ** 2 <= 225 ? [20, 200, 40] : x < 48 ? [210, 30, 30] : [30, 40, 210], (y * PHOTO.cols + x) * 3);
    for (const [uid, n, how] of [[PHOTO.lossless, '1', ['--j2k']], [PHOTO.lossy, '2', ['--j2k', '--lossy', '-q', '50']]] as const) {
      const file = path.join(dir, `photo${n}.dcm`);
      gdcmimg(work, file, rgb, { size: `${PHOTO.cols},${PHOTO.rows}`, depth: 8, spp: 3, sopClass: '1.2.840.10008.5.1.4.1.1.7', study: `${ROOT}.2`, series: uid }, [
        ...PATIENT_B, ['StudyDate', '20240410'], ['StudyDescription', 'DERM PHOTO'], ['SeriesDescription', n === '1' ? 'PHOTO LOSSLESS' : 'PHOTO LOSSY'], ['SeriesNumber', n],
        ['InstanceNumber', '1'], ['Modality', 'XC'], ['SOPInstanceUID', `${uid}.1`], ['PhotometricInterpretation', 'RGB'],
      ]);
      run('gdcmconv', [...how, file, file]);
    }
    // Six frames of 64×64: a disc of radius 7 moving 9 px right a frame.
    const frames = Buffer.concat(Array.from({ length: ENH.frames }, (_, k) => u16(ENH.size, ENH.size, (x, y) => ((x - 10 - k * 9) ** 2 + (y - 32) ** 2 <= 49 ? 2000 : 300 + ((x + y) % 5)))));
    const knee = [...PATIENT_B, ['StudyDate', '20240411'], ['StudyTime', '090000'], ['StudyDescription', 'MR KNEE'], ['InstanceNumber', '1']];
    gdcmimg(work, path.join(dir, 'mf-enh.dcm'), frames, { size: `${ENH.size},${ENH.size},${ENH.frames}`, depth: 16, sopClass: '1.2.840.10008.5.1.4.1.1.4.1', study: `${ROOT}.3`, series: ENH.uid }, [
      ...knee, ['SeriesDescription', 'ENH DYN'], ['SeriesNumber', '5'], ['Modality', 'MR'], ['SOPInstanceUID', `${ENH.uid}.1`],
    ]);
    gdcmimg(work, path.join(dir, 'mf-sc.dcm'), frames, { size: `${ENH.size},${ENH.size},${ENH.frames}`, depth: 16, sopClass: '1.2.840.10008.5.1.4.1.1.7.3', study: `${ROOT}.3`, series: MFSC.uid }, [
      ...knee, ['SeriesDescription', 'MF SC'], ['SeriesNumber', '6'], ['Modality', 'OT'], ['SOPInstanceUID', `${MFSC.uid}.1`],
    ]);
    run('gdcmconv', ['--jpeg', path.join(dir, 'mf-sc.dcm'), path.join(dir, 'mf-sc.dcm')]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** What the library keeps for a series' measurements, in the order they were drawn. */
async function kept(host: { request(method: string, args: unknown): Promise<{ ok: boolean; value?: unknown }> }, series: string): Promise<Measurement[]> {
  const reply = await host.request('measurements.list', { seriesInstanceUid: series });
  expect(reply.ok).toBe(true);
  return (reply.value ?? []) as Measurement[];
}

/** The HU of the CT's first slice whose pixel centres satisfy `inside`: mean, SD, min and max. */
function ctRegion(inside: (x: number, y: number) => boolean) {
  const v: number[] = [];
  for (let y = 0; y < CT.size; y++) for (let x = 0; x < CT.size; x++) if (inside(x + 0.5, y + 0.5)) v.push(ctHu(0, x, y));
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return { mean, sd: Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length), min: Math.min(...v), max: Math.max(...v) };
}

/** The stored values of a JPEG-compressed file as dcmtk decodes it (dcmdjpeg, then GDCM's gdcmraw of the pixel data). */
function dcmtkDecoded(file: string): Buffer {
  const work = mkdtempSync(path.join(os.tmpdir(), 'lumen-s14-dec-'));
  try {
    run('dcmdjpeg', [file, path.join(work, 'plain.dcm')]);
    run('gdcmraw', ['-i', path.join(work, 'plain.dcm'), '-o', path.join(work, 'pixels.raw'), '-t', '7fe0,0010']);
    return readFileSync(path.join(work, 'pixels.raw'));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** A figure as the list shows it ("44.1") is `value` rounded to the decimals it has. */
function expectShown(shown: string, value: number): void {
  const decimals = shown.split('.')[1]?.length ?? 0;
  expect(Math.abs(Number(shown) - value), `${shown} for ${value}`).toBeLessThanOrEqual(0.5 * 10 ** -decimals + 1e-9);
}

/** dciodvfy's complaints about a file: its "Error" lines (warnings left out). */
function dciodvfyErrors(file: string): string[] {
  const r = spawnSync('dciodvfy', [file], { encoding: 'utf8' });
  return `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /^Error/.test(l));
}

describe('a new user with CT, MR, multi-frame and colour DICOM from GDCM and dcmtk', () => {
  let incoming = '';
  const session = useUiSession('lumen-journey-s14', async (dataDir) => {
    incoming = path.join(dataDir, 'incoming');
    writeSet(incoming);
    await saveRandomHeadPackage(
      path.join(dataDir, 'models', 'tiny'),
      { inputSize: 64, seed: 3, sd: 20, headSeed: 5 },
      { name: 'tiny', classNames: ['normal', 'finding'], preprocessing: { scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } },
    );
  });

  it('imports, views every image, measures against the pixels written, exports CSV and SR, predicts and reads the results back', async () => {
    const { dataDir, host } = session();
    const { page, errors } = await openApp(session());
    let step = 0;
    const shot = async (name: string) => page.screenshot({ path: path.join(resultsDir(), `journey-s14-${String(++step).padStart(2, '0')}-${name}.png`) });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
    await page.keyboard.press('Escape');

    // README step 2: type the folder and press Import.
    await page.getByLabel('Import a folder or file').fill(incoming);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const report = page.getByTestId('import-report');
    await report.filter({ hasText: '22 images (12 files) imported' }).waitFor({ timeout: 120_000 });
    await shot('imported');
    const list = page.getByTestId('study-list');
    expect(await list.getByTestId('series-card').count()).toBe(6);
    await expect.poll(() => list.locator('span.strong').allTextContents(), { timeout: 30_000 }).toEqual(expect.arrayContaining(["O'Brien, Siobhán", 'Tanaka, Hiroshi']));
    const study = (name: string, desc: string) => page.getByRole('listitem', { name: new RegExp(`^Study .*${name}`) }).filter({ hasText: desc });
    const openSeries = async (name: string, desc: string, card: string, images: number) => {
      await study(name, desc).getByTestId('series-card').filter({ hasText: card }).click();
      await page.getByTestId('image-index').filter({ hasText: new RegExp(`^Im \\d+/${images}$`) }).waitFor({ timeout: 60_000 });
      await viewerReady(page);
    };
    /** Steps through every image from the first with ↓, each drawn; returns what the canvas showed of each. */
    const stepThrough = async (images: number, label: string) => {
      await page.getByTestId('viewport').focus();
      await page.keyboard.press('Home');
      const seen = [];
      for (let i = 1; i <= images; i++) {
        await page.getByTestId('image-index').filter({ hasText: `Im ${i}/${images}` }).waitFor({ timeout: 60_000 });
        await viewerReady(page);
        await expect.poll(async () => (await canvasPixels(page)).drawn, { timeout: 30_000 }).toBeGreaterThan(500);
        seen.push(await canvasPixels(page));
        if (i === 1 || i === images) await shot(`${label}-${i}`);
        if (i < images) await page.keyboard.press('ArrowDown');
      }
      expect(await page.getByRole('alert').allTextContents()).toEqual([]);
      return seen;
    };
    const corners = async () => (await page.locator('.corner').allInnerTexts()).join('\n');
    const canvas = page.getByTestId('viewport');
    const rows = page.getByTestId('measurements').locator('.measure-pick');

    // The CT: five slices, one JPEG lossless and one JPEG 2000 by GDCM; the file's window in HU.
    await openSeries('Siobhán', 'CHEST CT', 'AX 5mm', CT.slices);
    await stepThrough(CT.slices, 'ct');
    expect(await corners()).toMatch(/128×128 · 0\.7×0\.7 mm[\s\S]*File window\nW 400 L 40 HU/);
    // On the first slice: a probe at the centre, an ellipse around it, a length across it.
    await page.keyboard.press('Home');
    await page.getByTestId('image-index').filter({ hasText: `Im 1/${CT.slices}` }).waitFor({ timeout: 30_000 });
    await viewerReady(page);
    const b = (await canvas.boundingBox())!;
    const [cx, cy] = [b.x + b.width / 2, b.y + b.height / 2];
    const draw = async (key: string, from: [number, number], to?: [number, number]) => {
      await canvas.focus();
      await page.keyboard.press(key);
      if (!to) return page.mouse.click(cx + from[0], cy + from[1]);
      await page.mouse.move(cx + from[0], cy + from[1]);
      await page.mouse.down();
      await page.mouse.move(cx + to[0], cy + to[1], { steps: 5 });
      await page.mouse.up();
    };
    await draw('v', [0, 0]);
    await draw('e', [-40, -30], [40, 30]);
    await draw('l', [-100, 0], [100, 0]);
    await expect.poll(async () => (await rows.allTextContents()).length, { timeout: 20_000 }).toBe(3);
    await shot('ct-measured');
    const ctRows = await rows.allTextContents();
    const [probe, ellipse, length] = await kept(host, CT.uid);
    expect([probe.kind, ellipse.kind, length.kind]).toEqual(['probe', 'ellipse', 'length']);
    const [px, py] = probe.points[0].map(Math.floor);
    expect(ctRows[0]).toBe(`Probe 1: (${px}, ${py}) ${ctHu(0, px, py)} HU`);
    const [[ex0, ey0], [ex1, ey1]] = ellipse.points;
    const [ecx, ecy, rx, ry] = [(ex0 + ex1) / 2, (ey0 + ey1) / 2, Math.abs(ex1 - ex0) / 2, Math.abs(ey1 - ey0) / 2];
    const e = ctRegion((x, y) => ((x - ecx) / rx) ** 2 + ((y - ecy) / ry) ** 2 <= 1);
    const shownE = /^Ellipse 1: Area ([\d.]+) mm² · mean (-?[\d.]+) · SD ([\d.]+) · min (-?[\d.]+) · max (-?[\d.]+) HU$/.exec(ctRows[1]);
    expect(shownE, ctRows[1]).not.toBeNull();
    const [area, mean, sd, min, max] = shownE!.slice(1);
    expectShown(area, Math.PI * rx * ry * CT.spacing ** 2);
    expectShown(mean, e.mean);
    expectShown(sd, e.sd);
    expect([min, max].map(Number)).toEqual([e.min, e.max]);
    const ctMm = Math.hypot(length.points[1][0] - length.points[0][0], length.points[1][1] - length.points[0][1]) * CT.spacing;
    expect(ctRows[2]).toBe(`Length 1: ${ctMm.toFixed(1)} mm`);

    // A window dragged (away from the measurements, where a press picks one) stays as the slices scroll.
    await canvas.focus();
    await page.keyboard.press('w');
    await page.mouse.move(cx - 50, cy + 80);
    await page.mouse.down();
    await page.mouse.move(cx + 30, cy + 20, { steps: 8 });
    await page.mouse.up();
    await expect.poll(corners, { timeout: 10_000 }).toMatch(/Custom\nW \d+ L -?\d+ HU/);
    const dragged = /Custom\nW \d+ L -?\d+ HU/.exec(await corners())![0];
    await page.keyboard.press('ArrowDown');
    await page.getByTestId('image-index').filter({ hasText: `Im 2/${CT.slices}` }).waitFor({ timeout: 30_000 });
    await viewerReady(page);
    expect(await corners()).toContain(dragged);
    await shot('ct-window-dragged');

    // The MR: 12-bit JPEG extended (process 2+4), 256×192. The probe reads what dcmtk decodes.
    await openSeries('Siobhán', 'CHEST CT', 'T1 SAG', MR.slices);
    await stepThrough(MR.slices, 'mr');
    expect(await corners()).toContain('256×192 · 0.9×0.9 mm');
    await draw('v', [37, -23]);
    await draw('l', [-100, -50], [60, 70]);
    await expect.poll(async () => (await rows.allTextContents()).length, { timeout: 20_000 }).toBe(2);
    await shot('mr-measured');
    const mrRows = await rows.allTextContents();
    const [mrProbe, mrLength] = await kept(host, MR.uid);
    expect(mrProbe.sopInstanceUid).toBe(`${MR.uid}.${MR.slices}`);
    const decoded = dcmtkDecoded(path.join(incoming, `mr${MR.slices}.dcm`));
    const [mx, my] = mrProbe.points[0].map(Math.floor);
    expect(mrRows[0]).toBe(`Probe 1: (${mx}, ${my}) ${decoded.readUInt16LE((my * MR.cols + mx) * 2)}`);
    const mrMm = Math.hypot(mrLength.points[1][0] - mrLength.points[0][0], mrLength.points[1][1] - mrLength.points[0][1]) * MR.spacing;
    expect(mrRows[1]).toBe(`Length 1: ${mrMm.toFixed(1)} mm`);

    // The multi-frames, Enhanced MR (no functional groups) and JPEG lossless SC: six frames each, the same pixels.
    await openSeries('Tanaka', 'MR KNEE', 'ENH DYN', ENH.frames);
    const enhanced = await stepThrough(ENH.frames, 'enhanced');
    await openSeries('Tanaka', 'MR KNEE', 'MF SC', ENH.frames);
    const sc = await stepThrough(ENH.frames, 'mf-sc');
    expect(sc.map((p) => p.drawn)).toEqual(enhanced.map((p) => p.drawn));
    // The photos, J2K lossless and lossy: in colour, the disc green.
    for (const card of ['PHOTO LOSSLESS', 'PHOTO LOSSY']) {
      await openSeries('Tanaka', 'DERM PHOTO', card, 1);
      await expect.poll(async () => (await canvasPixels(page)).coloured, { timeout: 30_000 }).toBeGreaterThan(1000);
      const [r, g, bl] = await page.evaluate(() => {
        const c = (globalThis as unknown as { document: { querySelector(s: string): { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } } } }).document.querySelector('[data-testid="viewport"]');
        return [...c.getContext('2d').getImageData(Math.round(c.width / 2), Math.round(c.height / 2), 1, 1).data.slice(0, 3)];
      });
      expect(g).toBeGreaterThan(r + 80);
      expect(g).toBeGreaterThan(bl + 80);
      await shot(card.replace(' ', '-').toLowerCase());
    }

    // Export the CT's measurements as a CSV table, then as DICOM SR that dcmtk and dicom3tools read.
    await openSeries('Siobhán', 'CHEST CT', 'AX 5mm', CT.slices);
    await page.getByRole('button', { name: 'Export results…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export results' });
    await dialog.waitFor();
    await dialog.getByLabel('A table (CSV or JSON)').check();
    await dialog.getByLabel('Table', { exact: true }).selectOption('measurements');
    const csv = path.join(dataDir, 'exports', 'measurements.csv');
    await dialog.getByLabel('Export to').fill(csv);
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await dialog.getByTestId('export-done').filter({ hasText: 'Wrote 3 rows' }).waitFor({ timeout: 60_000 });
    const table = readFileSync(csv, 'utf8').trim().split(/\r?\n/);
    expect(table).toHaveLength(4);
    // kind, study, series, image, frame, value, unit (the points, quoted, come later).
    const fields = table.slice(1).map((row) => row.split(',').slice(1, 8));
    expect(fields.map((f) => f.slice(0, 5))).toEqual(['probe', 'ellipse', 'length'].map((kind) => [kind, `${ROOT}.1`, CT.uid, `${CT.uid}.1`, '1']));
    expect(Number(fields[1][5])).toBeCloseTo(Math.PI * rx * ry * CT.spacing ** 2, 6);
    expect(fields[1][6]).toBe('mm2');
    expect(Number(fields[2][5])).toBeCloseTo(ctMm, 6);
    expect(fields[2][6]).toBe('mm');
    await dialog.getByLabel('DICOM results (SR: predictions, measurements, labels)').check();
    const sr = path.join(dataDir, 'exports', 'sr');
    await dialog.getByLabel('Export to').fill(sr);
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await dialog.getByTestId('export-done').filter({ hasText: '0 image predictions, 3 measurements, 0 labels.' }).waitFor({ timeout: 60_000 });
    await shot('sr');
    const [srFile] = readdirSync(sr);
    const dump = execFileSync('dsrdump', [path.join(sr, srFile)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(dump).toContain(`(,,"Length")="${Number(ctMm.toPrecision(8))}" (mm,UCUM,"millimeter")`);
    expect(dump).toContain(`(,,"Mean")="${Number(e.mean.toPrecision(8))}" ([hnsf'U],UCUM,"Hounsfield unit")`);
    expect(dciodvfyErrors(path.join(sr, srFile))).toEqual([]);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    // Label the MR series by key (2: abnormal) in the Training tab.
    await openSeries('Siobhán', 'CHEST CT', 'T1 SAG', MR.slices);
    await page.getByRole('tab', { name: 'Training' }).click();
    const training = page.getByRole('tabpanel', { name: 'Training' });
    await training.waitFor();
    await page.keyboard.press('2');
    await training.getByText(/^Current: abnormal/).waitFor({ timeout: 30_000 });

    // The tiny model on the MR series: a score per image and the series', and a heatmap over 256×192.
    await page.getByRole('tab', { name: 'Classifier' }).click();
    const entry = page.locator('label.package').filter({ hasText: 'tiny' });
    await entry.waitFor({ timeout: 60_000 });
    await entry.locator('input[type="radio"]').check();
    await page.getByLabel('Predict on').selectOption('series');
    await page.getByTestId('run-prediction').click();
    await page.getByRole('heading', { name: /^Series \(3 images/ }).or(page.getByRole('alert')).first().waitFor({ timeout: 180_000 });
    expect(await page.getByRole('alert').allTextContents()).toEqual([]);
    expect(await page.getByRole('button', { name: /^Go to image with/ }).count()).toBe(MR.slices);
    await page.getByTestId('heatmap-opacity').fill('50');
    await page.getByLabel('Heatmap class').selectOption({ label: 'finding' });
    await page.getByText('Heatmap: finding').waitFor();
    await expect.poll(async () => (await canvasPixels(page)).coloured, { timeout: 30_000 }).toBeGreaterThan(1000);
    await shot('mr-heatmap');

    // The study's results with the heatmaps: two SRs and a Parametric Map per image, each valid to dciodvfy.
    await page.getByRole('button', { name: 'Export results…' }).click();
    await dialog.waitFor();
    await dialog.getByLabel('its whole study').check();
    await dialog.getByLabel('DICOM results (SR: predictions, measurements, labels)').check();
    const model = dialog.getByLabel('Model', { exact: true });
    await model.locator('option', { hasText: 'tiny' }).waitFor({ state: 'attached', timeout: 30_000 });
    await model.selectOption({ index: 1 });
    await dialog.getByRole('checkbox', { name: /with heatmaps/ }).check();
    const sr2 = path.join(dataDir, 'exports', 'study');
    await dialog.getByLabel('Export to').fill(sr2);
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await dialog.getByTestId('export-done').filter({ hasText: '3 image predictions, 5 measurements, 1 label.' }).waitFor({ timeout: 120_000 });
    await shot('study-exported');
    const written = readdirSync(sr2);
    expect(written.filter((f) => f.startsWith('parametric-map'))).toHaveLength(MR.slices);
    expect(written.filter((f) => f.endsWith('.dcm') && f.includes('-sr-'))).toHaveLength(2);
    for (const f of written) expect(dciodvfyErrors(path.join(sr2, f)), f).toEqual([]);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    // README "What Lumen reads back": import the exports; the study's Results list the findings.
    await page.getByLabel('Import a folder or file').fill(path.join(dataDir, 'exports'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await report.filter({ hasText: '6 result documents imported, 1 file not DICOM' }).waitFor({ timeout: 120_000 });
    await openSeries('Siobhán', 'CHEST CT', 'AX 5mm', CT.slices);
    const results = page.getByRole('region', { name: /Results/ });
    // Spaces as typed (a no-break space between a value and its unit reads the same).
    const resultsText = async () => (await results.innerText()).replace(/\u00a0/g, ' ');
    await expect.poll(resultsText, { timeout: 30_000 }).toContain(`Length\t${Number(ctMm.toPrecision(4))} mm`);
    const text = await resultsText();
    expect(text).toContain(`Length\t${Number(mrMm.toPrecision(4))} mm`);
    expect(text).toContain(`Area\t${Number((Math.PI * rx * ry * CT.spacing ** 2).toPrecision(4))} mm²`);
    expect(text).toMatch(/finding\t\d+\.\d%\ttiny/);
    expect(text).toMatch(/abnormal/);
    await shot('results');

    // The same folder again: nothing new, and quick.
    await page.getByLabel('Import a folder or file').fill(incoming);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await report.filter({ hasText: '0 images imported, 12 files already in the library' }).waitFor({ timeout: 60_000 });

    // Help: ? lists the shortcuts the README names.
    await canvas.focus();
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    expect(await help.innerText()).toMatch(/probe \(pixel value\)/);
    await shot('help');
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached' });
    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);
});
