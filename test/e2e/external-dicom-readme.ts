// DICOM from other software for the README journey (test/e2e/journey-readme.test.ts), for
// what external-dicom.ts and external-dicom-more.ts lack: a mammogram-sized 16-bit image
// (GDCM gdcmimg from raw bytes, 2560×3328 with its Pixel Spacing set by dcmodify) and a CT
// series of many small files (one dump2dcm slice copied, each copy given its own SOP Instance
// UID and Instance Number by dcmodify), so that the import's progress can be seen.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeSlice } from '../library/fixtures';

const ROOT = '1.2.826.0.1.3680043.10.1137.9';

function run(tool: string, args: string[]): void {
  execFileSync(tool, args, { stdio: 'pipe' });
}

export interface ReadmeSet {
  /** The folder holding both. */
  dir: string;
  mammogram: { file: string; shown: string; rows: number; columns: number; studyUid: string };
  many: { dir: string; shown: string; files: number; seriesUid: string; studyUid: string };
}

/** Writes the set into `dir` (created). Needs dcmtk and GDCM on the PATH. */
export function writeReadmeSet(dir: string, opts: { manyFiles?: number } = {}): ReadmeSet {
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(path.join(os.tmpdir(), 'lumen-readme-set-'));
  try {
    // A mammogram: 2560 columns × 3328 rows of 16-bit values (12 used), a bright breast shape on the left.
    const columns = 2560;
    const rows = 3328;
    const raw = Buffer.alloc(columns * rows * 2);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < columns; x++) {
        const inside = ((x / 1800) ** 2 + ((y - rows / 2) / (rows / 2.2)) ** 2) <= 1;
        raw.writeUInt16LE(inside ? 1800 + ((x * 7 + y * 3) % 400) : 80, (y * columns + x) * 2);
      }
    }
    const rawFile = path.join(work, 'mammo.raw');
    writeFileSync(rawFile, raw);
    const studyUid = `${ROOT}.1`;
    const file = path.join(dir, 'mammo', 'MG0001');
    mkdirSync(path.dirname(file), { recursive: true });
    // Digital Mammography X-Ray Image Storage - For Presentation.
    run('gdcmimg', ['--size', `${columns},${rows}`, '--depth', '16', '--pf', '16,12,11', '-C', '1.2.840.10008.5.1.4.1.1.1.2', '-T', studyUid, '-S', `${studyUid}.1`, rawFile, file]);
    run('dcmodify', ['-nb', '-i', 'PatientName=Mammo^Maria', '-i', 'PatientID=EXT-MG1', '-i', 'Modality=MG', '-i', 'StudyDescription=SCREENING', '-i', 'SeriesDescription=L CC', '-i', 'StudyDate=20250410', '-i', 'PixelSpacing=0.07\\0.07', '-i', 'WindowCenter=1200', '-i', 'WindowWidth=2400', file]);

    // Many slices: one written by dump2dcm, copied, each copy renumbered by dcmodify in one call per batch.
    const count = opts.manyFiles ?? 240;
    const manyDir = path.join(dir, 'ct-many');
    mkdirSync(manyDir, { recursive: true });
    const seriesUid = `${ROOT}.2.1`;
    const first = path.join(work, 'slice.dcm');
    writeSlice(first, {
      patientName: 'Many^Slices',
      patientId: 'EXT-CT1',
      studyUid: `${ROOT}.2`,
      seriesUid,
      sopUid: `${seriesUid}.1`,
      studyDescription: 'CT CHEST',
      seriesDescription: 'AXIAL 1MM',
      seriesNumber: 3,
      instanceNumber: 1,
      z: 0,
      rows: 64,
      columns: 64,
      window: [40, 400],
    });
    const copies: string[] = [];
    for (let i = 1; i <= count; i++) {
      const out = path.join(manyDir, `IM${String(i).padStart(5, '0')}`);
      copyFileSync(first, out);
      copies.push(out);
    }
    for (let i = 0; i < copies.length; i += 100) run('dcmodify', ['-nb', '-gin', ...copies.slice(i, i + 100)]);
    return {
      dir,
      mammogram: { file, shown: 'Mammo, Maria', rows, columns, studyUid },
      many: { dir: manyDir, shown: 'Many, Slices', files: count, seriesUid, studyUid: `${ROOT}.2` },
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
