// The library the Classifier panel's e2e tests start from: one 64×64 CT slice imported by
// `lumen import` into <data folder>/library, and the preprocessing of the tiny packages
// (support/tiny-package.ts) they install beside it, which read that slice.
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ctSlice } from '../support/dicom/phantom';
import { writeImage } from '../support/dicom/write';

const repo = path.resolve(__dirname, '../..');

/** The slice's rows and columns, and the tiny packages' input size. */
export const SLICE_SIZE = 64;

/** A CT package's preprocessing: the abdomen window, scaled to 0-1, ImageNet's mean and SD. */
export const CT_PREPROCESSING = { window: 'ct-abdomen', scale: 1 / 255, mean: [0.485, 0.456, 0.406] as [number, number, number], std: [0.229, 0.224, 0.225] as [number, number, number] };

/** Writes the slice (SOP Instance UID `uid`) into <dataDir>/incoming and imports it with `lumen import`; returns the library folder. */
export async function importOneCtSlice(dataDir: string, uid: string): Promise<string> {
  const incoming = path.join(dataDir, 'incoming');
  mkdirSync(incoming, { recursive: true });
  writeImage(path.join(incoming, 'ct.dcm'), {
    rows: SLICE_SIZE, columns: SLICE_SIZE, bitsAllocated: 16, pixelRepresentation: 1, modality: 'CT', rescaleSlope: 1, rescaleIntercept: 0,
    pixelBytes: new Uint8Array(new Int16Array(ctSlice(SLICE_SIZE, SLICE_SIZE, 40, 15)).buffer), uid,
  });
  const library = path.join(dataDir, 'library');
  await promisify(execFile)(process.execPath, [path.join(repo, 'bin/lumen.mjs'), 'import', incoming, '--library', library], { cwd: repo });
  return library;
}
