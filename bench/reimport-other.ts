import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { removeInside } from '../common/node/safe-fs';
import { countIssues } from '../common/import-summary';
import { Library } from '../electron/library/library';
import { writeDataset } from '../electron/results/part10';
import { ensureManyFiles } from './library';
import { median, roundTo as round } from './suite';

// `lumen bench import --other N`: a disc-like folder imported again: N small images, N files
// that are not DICOM (notes, as a disc's viewer and reports leave) and a DICOMDIR listing the
// images; imported once, then again with nothing changed. Before schema 21 the files that are
// not images and the DICOMDIR were read on every import; now none of them is.

/** Bump when the generated folder changes, so that the cached one is rebuilt. */
const OTHER_VERSION = 1;
const MEDIA_STORAGE_DIRECTORY = '1.2.840.10008.1.3.10';

/** N images (ensureManyFiles, copied), N text files and a DICOMDIR of the images, in os.tmpdir(), written once. */
export function ensureOtherFiles(n: number): string {
  const dir = path.join(os.tmpdir(), `lumen-bench-other-${n}-v${OTHER_VERSION}`);
  const done = `${dir}.complete`;
  if (fs.existsSync(done)) return dir;
  removeInside(os.tmpdir(), dir);
  const images = ensureManyFiles(n);
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(images, path.join(dir, 'IMAGES'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'NOTES'));
  for (let i = 0; i < n; i++) fs.writeFileSync(path.join(dir, 'NOTES', `N${String(i + 1).padStart(6, '0')}.TXT`), `Note ${i + 1}: not a DICOM file.\n`.repeat(8));
  const records = fs
    .readdirSync(path.join(dir, 'IMAGES'))
    .sort()
    .flatMap((exam) => fs.readdirSync(path.join(dir, 'IMAGES', exam)).sort().map((file) => ({ DirectoryRecordType: 'IMAGE', ReferencedFileID: ['IMAGES', exam, file] })));
  fs.writeFileSync(
    path.join(dir, 'DICOMDIR'),
    writeDataset({ SOPClassUID: MEDIA_STORAGE_DIRECTORY, SOPInstanceUID: '1.2.826.0.1.3680043.10.916.77.1', FileSetID: 'BENCH', DirectoryRecordSequence: records }),
  );
  fs.writeFileSync(done, '');
  return dir;
}

export interface OtherFilesBenchResult {
  files: { images: number; notDicom: number; dicomdirs: number };
  runs: number;
  /** Into a fresh library. */
  import: { seconds: number };
  /** The same folder again, nothing changed (median of `runs`), and what its report counted. */
  unchanged: { seconds: number; secondsPerRun: number[]; unchanged: number; notDicom: number; dicomdirs: number };
}

/** Figures of a folder with files that are not images imported again; prints a summary unless `json`. */
export async function runOtherFilesBench(opts: { json: boolean; files: number }): Promise<OtherFilesBenchResult> {
  const say = (line: string) => {
    if (!opts.json) process.stdout.write(line + '\n');
  };
  say(`\nPreparing ${opts.files} small CT files, ${opts.files} files that are not DICOM and a DICOMDIR…`);
  const folder = ensureOtherFiles(opts.files);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-bench-reimport-other-'));
  const library = Library.open(path.join(dir, 'library'));
  try {
    const timed = async () => {
      const t = performance.now();
      const report = await library.importPaths([folder]);
      return { seconds: (performance.now() - t) / 1000, report };
    };
    const first = await timed();
    const issues = countIssues(first.report.errors);
    if (first.report.imported !== opts.files || issues['not-dicom'] !== opts.files || first.report.dicomdirs !== 1) {
      throw new Error(`the benchmark folder did not import as made (${first.report.imported} images of ${opts.files}). Delete ${folder} and run again.`);
    }
    const runs = 3;
    const again: Awaited<ReturnType<typeof timed>>[] = [];
    for (let r = 0; r < runs; r++) again.push(await timed());
    const seconds = again.map((a) => a.seconds);
    const result: OtherFilesBenchResult = {
      files: { images: opts.files, notDicom: opts.files, dicomdirs: 1 },
      runs,
      import: { seconds: round(first.seconds, 2) },
      unchanged: {
        seconds: round(median(seconds), 3),
        secondsPerRun: seconds.map((s) => round(s, 3)),
        unchanged: again[0].report.unchanged,
        notDicom: countIssues(again[0].report.errors)['not-dicom'],
        dicomdirs: again[0].report.dicomdirs,
      },
    };
    say(`Import of ${opts.files} images, ${opts.files} files not DICOM and a DICOMDIR into a fresh library: ${result.import.seconds} s`);
    say(
      `Again, nothing changed: ${result.unchanged.seconds} s (median of ${runs}): ${result.unchanged.unchanged} unchanged, ${result.unchanged.notDicom} not DICOM, ${result.unchanged.dicomdirs} DICOMDIR`,
    );
    return result;
  } finally {
    library.close();
    removeInside(os.tmpdir(), dir);
  }
}
