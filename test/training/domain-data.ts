// The data the training-domain tests (domain.test.ts, domain-every-kind.test.ts) train on and
// judge: CT phantoms to train on (labelled), held-out CT phantoms from the same generator, one
// series of phantom CT anatomy written as MR and one of uniform noise written as CT, imported
// into a library. Each test file passes its own seeds and UIDs, so that the two never share
// data, and a tampered copy of a package is made the same way for both.
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { Library } from '../../electron/library/library';
import { importLabelsCsvFile } from '../../electron/training/labels';
import { contentHash } from '../../models/package';
import { DOMAIN_BIN } from '../../models/package/domain';
import { ctSlice, rng } from '../support/dicom/phantom';
import { writeImage } from '../support/dicom/write';
import { writePhantomSet } from './phantoms';

/** What makes one test file's data its own. */
export interface DomainDataSpec {
  /** The training phantoms' seed; the held-out ones take the next. */
  trainSeed: number;
  /** The MR and noise series' UID root. */
  uidRoot: string;
  /** The first MR slice's phantom seed (one more each slice). */
  mrSeed: number;
  /** The noise series' random seed. */
  noiseSeed: number;
  /** Ends the MR and noise series' patient IDs (MR<suffix>, NOISE<suffix>). */
  idSuffix: string;
}

/** One series of `slices` 64x64 images: phantom CT anatomy written as MR, or uniform noise written as CT; its series UID. */
function writeOutsideSeries(dir: string, kind: 'mr' | 'noise', slices: number, spec: DomainDataSpec): string {
  mkdirSync(dir, { recursive: true });
  const base = `${spec.uidRoot}.${kind === 'mr' ? 1 : 2}`;
  const r = rng(spec.noiseSeed);
  for (let s = 0; s < slices; s++) {
    const px = kind === 'mr' ? ctSlice(64, 64, spec.mrSeed + s, 20) : Int16Array.from({ length: 64 * 64 }, () => Math.round(-1000 + r() * 2000));
    writeImage(path.join(dir, `${kind}${s + 1}.dcm`), {
      rows: 64, columns: 64, bitsAllocated: 16, pixelRepresentation: 1, modality: kind === 'mr' ? 'MR' : 'CT', rescaleSlope: 1, rescaleIntercept: 0, pixelBytes: new Uint8Array(px.buffer),
      extra: {
        0x00080018: { vr: 'UI', value: `${base}.1.2.${s + 1}` },
        0x0020000d: { vr: 'UI', value: `${base}.1` },
        0x0020000e: { vr: 'UI', value: `${base}.1.2` },
        0x00100020: { vr: 'LO', value: `${kind.toUpperCase()}${spec.idSuffix}` },
        0x00200013: { vr: 'IS', value: s + 1 },
      },
    });
  }
  return `${base}.1.2`;
}

/**
 * Writes the data under `root` and imports it into `root`/library, the training phantoms'
 * labels with it: the library, the held-out CT series, the MR series and the noise series.
 */
export async function domainLibrary(root: string, spec: DomainDataSpec): Promise<{ library: Library; like: string[]; mr: string; noise: string }> {
  const train = writePhantomSet(path.join(root, 'train-dicom'), { patients: 30, slices: 2, seed: spec.trainSeed });
  const heldOut = writePhantomSet(path.join(root, 'like-dicom'), { patients: 4, slices: 2, seed: spec.trainSeed + 1 });
  const like = heldOut.patients.map((p) => p.seriesUid);
  const mr = writeOutsideSeries(path.join(root, 'mr-dicom'), 'mr', 2, spec);
  const noise = writeOutsideSeries(path.join(root, 'noise-dicom'), 'noise', 2, spec);
  const library = Library.open(path.join(root, 'library'));
  const report = await library.importPaths([train.dir, heldOut.dir, path.join(root, 'mr-dicom'), path.join(root, 'noise-dicom')]);
  expect(report.errors).toEqual([]);
  importLabelsCsvFile(library, train.csv, { author: 'tester' });
  return { library, like, mr, noise };
}

/** A copy at `dir` of the package at `from` with metadata.json changed by `edit` (and domain.bin by `bin`), its content hash made to match again: what a hostile maker can write. */
export function tamperedCopy(from: string, dir: string, edit: (meta: any) => void, bin?: (bytes: Buffer) => Buffer | null): string {
  cpSync(from, dir, { recursive: true });
  chmodSync(dir, 0o700);
  for (const f of readdirSync(dir)) chmodSync(path.join(dir, f), 0o600);
  const meta = JSON.parse(readFileSync(path.join(dir, 'metadata.json'), 'utf8'));
  edit(meta);
  if (bin) {
    const out = bin(readFileSync(path.join(dir, DOMAIN_BIN)));
    if (out === null) rmSync(path.join(dir, DOMAIN_BIN));
    else writeFileSync(path.join(dir, DOMAIN_BIN), out);
  }
  meta.contentHash = contentHash(dir, meta);
  writeFileSync(path.join(dir, 'metadata.json'), JSON.stringify(meta));
  return dir;
}
