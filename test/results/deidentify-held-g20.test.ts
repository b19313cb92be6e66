// Images held back from de-identified copies are named as their owner finds them in the library:
// the source series' number and description, the instance number and the frames, never by the
// new SOP Instance UID alone (which no one can look up). One study through the real importer and
// `lumen export --deidentify`: a CT slice that says BurnedInAnnotation NO (written) and a 5-frame
// Secondary Capture "Screenshot" (series 3, instance 4) that does not say (held back). Before
// this change the summary's heldBack had only the new UID, reason and frames, and the CLI said
// only the count.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heldBackImage, heldBackImages } from '../../common/held-back';
import { runLumen } from '../support/cli';
import { writeImage } from '../support/dicom/write';

const UID = '1.2.826.0.1.3680043.10.2020.71';
const STUDY = `${UID}.1`;

function writeStudy(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const common = (series: number, description: string, instance: number) => ({
    0x0020000d: { vr: 'UI', value: STUDY },
    0x0020000e: { vr: 'UI', value: `${UID}.2.${series}` },
    0x00080018: { vr: 'UI', value: `${UID}.3.${series}.${instance}` },
    0x00200011: { vr: 'IS', value: series },
    0x00200013: { vr: 'IS', value: instance },
    0x0008103e: { vr: 'LO', value: description },
    0x00100010: { vr: 'PN', value: 'Held^Gina' },
    0x00100020: { vr: 'LO', value: 'G20-HELD' },
  }) as const;
  writeImage(path.join(dir, 'ct.dcm'), { rows: 8, columns: 8, bitsAllocated: 16, modality: 'CT', pixelBytes: new Uint8Array(128).fill(7), extra: { ...common(2, 'AXIAL', 1), 0x00280301: { vr: 'CS', value: 'NO' } } });
  writeImage(path.join(dir, 'shot.dcm'), { rows: 8, columns: 8, frames: 5, bitsAllocated: 8, modality: 'OT', pixelBytes: new Uint8Array(8 * 8 * 5).map((_, i) => i & 0xff), extra: common(3, 'Screenshot', 4) });
}

describe('images held back from de-identified copies, named as the library shows them', () => {
  let root: string;
  let data: string;
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-deid-held-g20-'));
    data = path.join(root, 'data');
    writeStudy(path.join(root, 'dicom'));
    const imported = await runLumen(['import', path.join(root, 'dicom')], data);
    expect(imported.code, imported.stderr).toBe(0);
  }, 180_000);
  afterAll(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('the summary gives the series number and description, the instance number and the frames', async () => {
    const run = await runLumen(['export', '--deidentify', STUDY, '--out', path.join(root, 'json'), '--json'], data);
    expect(run.code, `${run.stderr}${run.stdout}`).toBe(0);
    const summary = JSON.parse(run.stdout) as { written: number; heldBack: Record<string, unknown>[] };
    expect(summary.written).toBe(1);
    expect(summary.heldBack).toEqual([
      { sopInstanceUid: expect.stringMatching(/^2\.25\.|^[0-9.]+$/), reason: expect.stringContaining('modality OT often does'), frames: 5, seriesNumber: 3, seriesDescription: 'Screenshot', instanceNumber: 4 },
    ]);
    // The new UID is not the source's: the source's is never written out.
    expect(run.stdout).not.toContain(`${UID}.3.3.4`);
  }, 120_000);

  it('lumen export --deidentify says which image, keeping its summary line', async () => {
    const out = path.join(root, 'text');
    const run = await runLumen(['export', '--deidentify', STUDY, '--out', out], data);
    expect(run.code, `${run.stderr}${run.stdout}`).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe(`Wrote de-identified copies of 1 image to ${out}`);
    expect(lines[1]).toBe('Held back 5 images (1 file) that have or may have text burned into their pixels (pass --include-burned-in to write them after checking).');
    expect(lines[2]).toBe('Held back: Series 3 “Screenshot”, image 4 (5 frames): it does not say whether its pixels carry text (no BurnedInAnnotation), and modality OT often does.');
    // Nothing of it in a file name: the copies' names are new UIDs only.
    const names = fs.readdirSync(out, { recursive: true, encoding: 'utf8' });
    expect(names.join('\n')).not.toMatch(/Screenshot|AXIAL|Gina/);
  }, 120_000);

  it('says a series or image without a number, and keeps hostile descriptions on one short line', () => {
    expect(heldBackImage({ frames: 1, seriesNumber: null, seriesDescription: null, instanceNumber: null })).toBe('Series (no number), image (no number)');
    expect(heldBackImage({ frames: 1, seriesNumber: 7, seriesDescription: '  ', instanceNumber: 2 })).toBe('Series 7, image 2');
    const hostile = heldBackImage({ frames: 1, seriesNumber: 1, seriesDescription: `a\nb\u202e${'x'.repeat(200)}`, instanceNumber: 1 });
    expect(hostile).not.toMatch(/[\n\u202e]/);
    expect(hostile.length).toBeLessThan(100);
    // Cut at 64 characters, never inside a surrogate pair ('𝔁' is two UTF-16 units).
    const astral = heldBackImage({ frames: 1, seriesNumber: 1, seriesDescription: '𝔁'.repeat(100), instanceNumber: 1 });
    expect(astral).toBe(`Series 1 “${'𝔁'.repeat(63)}…”, image 1`);
    expect(astral).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
    const many = Array.from({ length: 12 }, (_, i) => ({ frames: 1, seriesNumber: 3, seriesDescription: 'Screenshot', instanceNumber: i + 1 }));
    expect(heldBackImages(many)).toMatch(/^Series 3 “Screenshot”, image 1; .*image 10 and 2 more files$/);
  });
});
