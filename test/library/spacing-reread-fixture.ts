// A library of thousands of CR rows as a Lumen of schema 26 left them (no spacing, the
// once-per-library read of imager-spacing.ts not run), for spacing-reread-background.test.ts, the
// study browser's notice (test/e2e/spacing-read-notice.test.ts) and the open time measured in
// its commit. The files are copies of one by dcmtk's dump2dcm, each with its own SOP Instance UID
// (of the same length, so the same size); one copy is spoilt (no longer DICOM, its size and time
// kept) and one is a FIFO where a file was (opening it would wait for a writer).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { IMAGER_SPACING_KEY, IMAGER_SPACING_PROGRESS_KEY } from '../../electron/library/imager-spacing';
import { Library } from '../../electron/library/library';
import { LIBRARY_FILE } from '../../electron/library/paths';
import { openDatabase } from '../../electron/library/sqlite';
import { writeXrayDump } from '../support/dicom/dump2dcm-xray';

const ROOT = '1.2.826.0.1.3680043.10.1137.29';
export const STUDY = `${ROOT}.1`;
export const SERIES = `${ROOT}.1.1`;
/** A second series, whose one row comes after all the others. */
export const LATE = `${ROOT}.1.2`;
const FIRST = 100_000;

export interface OldSpacingLibrary {
  /** The library folder. */
  library: string;
  /** The copy that is a FIFO, and the one no longer DICOM. */
  fifo: string;
  spoilt: string;
}

/**
 * Writes into `dir` (made empty) a library of `copies` CR rows of SERIES plus one DX row of
 * LATE, all with Imager Pixel Spacing 0.2\\0.25 mm in their files and none in the library.
 */
export async function oldSpacingLibrary(dir: string, copies: number, library = path.join(dir, 'library')): Promise<OldSpacingLibrary> {
  const input = path.join(dir, 'in');
  fs.mkdirSync(input, { recursive: true });
  const lines = ['(0018,1164) DS [0.2\\0.25]'];
  const patient = { name: 'Spacing^Many', id: 'SPACING29' };
  const one = writeXrayDump({ work: dir, out: input, n: FIRST, modality: 'CR', sopClass: 'ComputedRadiographyImageStorage', patient, study: STUDY, series: SERIES, lines });
  const late = writeXrayDump({ work: dir, out: dir, n: 7, modality: 'DX', sopClass: 'DigitalXRayImageStorageForPresentation', patient, study: STUDY, series: LATE, lines });
  fs.renameSync(late.file, path.join(input, 'late.dcm'));
  const made = Library.open(library);
  try {
    const report = await made.importPaths([input]);
    if (report.imported !== 2) throw new Error(`imported ${report.imported} of 2 files`);
  } finally {
    made.close();
  }
  // The copies: the same bytes with another SOP Instance UID of the same length.
  const bytes = fs.readFileSync(one.file);
  const files = path.join(dir, 'copies');
  fs.mkdirSync(files);
  const fifo = path.join(files, `${FIRST + 10}.dcm`);
  const spoilt = path.join(files, `${FIRST + 20}.dcm`);
  const db = openDatabase(path.join(library, LIBRARY_FILE));
  try {
    const columns = db.prepare<[], { name: string }>('PRAGMA table_info(instances)').all().map((c) => c.name);
    const row = db.prepare<[string], Record<string, unknown>>('SELECT * FROM instances WHERE sop_uid = ?').get(one.sop)!;
    const insert = db.prepare(`INSERT INTO instances (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`);
    db.transaction(() => {
      for (let n = FIRST + 1; n <= FIRST + copies; n++) {
        const file = path.join(files, `${n}.dcm`);
        const sop = `${SERIES}.${n}`;
        // One of them no longer DICOM, as if spoilt after its import with its size and time kept.
        fs.writeFileSync(file, file === spoilt ? Buffer.alloc(bytes.length, 0x41) : Buffer.from(bytes.toString('latin1').split(one.sop).join(sop), 'latin1'));
        insert.run({ ...row, sop_uid: sop, path: file, file_size: bytes.length, mtime_ms: fs.statSync(file).mtimeMs });
      }
      // The other series' row last: the pass reaches it at its very end.
      db.prepare('UPDATE instances SET rowid = (SELECT max(rowid) + 1 FROM instances) WHERE series_uid = ?').run(LATE);
      // As a Lumen of schema 26 left them: no spacing, the pass not run.
      db.prepare('UPDATE instances SET pixel_spacing = NULL, pixel_spacing_kind = NULL').run();
      db.prepare('DELETE FROM lumen_info WHERE key IN (?, ?)').run(IMAGER_SPACING_KEY, IMAGER_SPACING_PROGRESS_KEY);
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  if (copies >= 10) {
    fs.rmSync(fifo);
    execFileSync('mkfifo', [fifo]);
  }
  return { library, fifo, spoilt };
}
