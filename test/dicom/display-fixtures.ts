// DICOM files for the display tests (test/dicom/display.test.ts, test/renderer/voi-lut-viewer.test.ts),
// written by dcmtk's dump2dcm: 12-bit grey images with windows, LUT sequences and shapes, and
// dcm2pnm's rendering of them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { parseDicomFile } from '../../electron/dicom/parse';
import { renderFrame, type RenderOptions } from '../../electron/dicom/pixels';
import { dcm2pnmGray, maxDiff } from '../support/dicom/dcm2pnm';
import { dumpItem, dumpSequence, writeDump2dcm } from '../support/dicom/dump2dcm';

let dir: string;
/** Call once in a test file: a temporary folder for its files, removed after. */
export function useDisplayDir(): void {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lumen-display-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
}

export const ROWS = 24;
export const COLUMNS = 32;

/** 12-bit stored values: a ramp over the whole range with some texture. */
function pixels(): Buffer {
  const b = Buffer.alloc(ROWS * COLUMNS * 2);
  for (let i = 0; i < ROWS * COLUMNS; i++) b.writeUInt16LE(Math.min(4095, Math.floor((i / (ROWS * COLUMNS)) * 4096) + ((i * 37) % 23)), i * 2);
  return b;
}

/** A LUT sequence item (dump2dcm syntax) with its data from a file of 16-bit entries. */
export function lutItem(name: string, entries: number[], first: number, bits: number, explanation: string): string[] {
  const data = join(dir, `${name}.lut`);
  const b = Buffer.alloc(entries.length * 2);
  entries.forEach((v, i) => b.writeUInt16LE(v, i * 2));
  writeFileSync(data, b);
  return dumpItem([`(0028,3002) US ${entries.length}\\${first}\\${bits}`, `(0028,3003) LO [${explanation}]`, `(0028,3006) OW =${data}`]);
}

/** A sequence of LUT items (lutItem's), in dump2dcm syntax. */
export const sequence = dumpSequence;

/** A 12-bit grey image written by dump2dcm, with `lines` added. */
export function write(name: string, modality: string, photometric: string, lines: string[]): string {
  const uid = `1.2.826.0.1.3680043.10.88.${name.length}.${Date.now()}`;
  return writeDump2dcm(join(dir, `${name}.dcm`), { sopClass: 'DigitalXRayImageStorageForPresentation', sopInstanceUid: uid, modality, photometric, rows: ROWS, columns: COLUMNS, pixels: pixels(), lines });
}

/** dcm2pnm's 8-bit gray output with the given options. */
export function dcmtk(file: string, options: string[]): number[] {
  return dcm2pnmGray(dir, file, options, COLUMNS, ROWS);
}

export async function lumen(file: string, opts: RenderOptions = {}): Promise<number[]> {
  return Array.from((await renderFrame(await parseDicomFile(file), 0, opts)).data);
}

export { maxDiff };
