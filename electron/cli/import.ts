import { countOf, imageCount } from '../../common/counts';
import { countIssues, importCountsPhrase, issuePhrases } from '../../common/import-summary';
import { Library } from '../library/library';
import { defaultLibraryDir } from '../library/paths';
import type { ImportProgress, ImportReport } from '../library/types';
import { CliError, type Command, parseCommandArgs, printJson } from './command';
import { catchInterrupt, INTERRUPTED_EXIT } from './interrupt';
import { checkUserPath } from '../../common/node/user-path';

const MAX_ERRORS_SHOWN = 50;

/**
 * One line on a terminal, redrawn in place: bar, counts and the file being read. The counts are
 * the report's (importCountsPhrase: images, a frame each, "3 images (1 file) imported"), and the
 * files not imported so far where there are any.
 */
function progressLine(p: ImportProgress, width: number): string {
  let head: string;
  if (p.phase === 'scanning') head = `Scanning… ${countOf(p.found, 'file')} found`;
  else if (p.phase === 'finishing' || p.phase === 'done') head = 'Finishing…';
  else {
    const total = p.total ?? 0;
    const fraction = total > 0 ? Math.min(1, p.scanned / total) : 0;
    const barWidth = 24;
    const filled = Math.round(fraction * barWidth);
    head = `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}% ${p.scanned}/${total}`;
  }
  head += ` · ${importCountsPhrase({ imported: p.newFiles, results: p.results, importedImages: p.importedImages, unchanged: p.unchanged, changed: p.changed })}`;
  if (p.notImported > 0) head += ` · ${countOf(p.notImported, 'file')} not imported`;
  const rest = p.currentFile ? ` · ${p.currentFile}` : '';
  const line = head + rest;
  if (line.length <= width - 1) return line;
  const room = width - 1 - head.length - 4;
  return room > 8 ? `${head} · …${rest.slice(rest.length - room)}` : head.slice(0, width - 1);
}

function summary(report: ImportReport, libraryDir: string): string {
  const lines: string[] = [];
  const read = `${report.scanned} file${report.scanned === 1 ? '' : 's'} looked at${report.dicomdirs ? ` (${report.dicomdirs} DICOMDIR${report.dicomdirs === 1 ? '' : 's'})` : ''}`;
  lines.push(`${report.cancelled ? 'Cancelled: ' : ''}${importCountsPhrase(report)}; ${read} in ${report.seconds} s.`);
  if (report.missing > 0) {
    lines.push(`${report.missing} file${report.missing === 1 ? ' is' : 's are'} in the library but gone from disk: kept and marked missing. Import the folder where they are now.`);
  }
  if (report.cancelled) lines.push('What was imported before cancelling is kept; run the same import again to finish it.');
  if (report.stopped) lines.push(report.stopped);
  const n = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;
  lines.push(
    `Library ${libraryDir}: ${n(report.patients, 'patient', 'patients')}, ${n(report.studies, 'study', 'studies')}, ${n(report.series, 'series', 'series')}, ${imageCount(report.images, report.instances)}.`,
  );
  // Imported, with a warning: patient details other than the library holds for the same patient.
  const conflicts = report.errors.filter((e) => e.kind === 'conflict');
  if (conflicts.length > 0) {
    lines.push(`${n(conflicts.length, 'file', 'files')} imported with other patient details than the library holds for the same patient (check them):`);
    for (const e of conflicts.slice(0, MAX_ERRORS_SHOWN)) lines.push(`  ${e.file}: ${e.reason}`);
    if (conflicts.length > MAX_ERRORS_SHOWN) lines.push(`  … and ${conflicts.length - MAX_ERRORS_SHOWN} more ("lumen import --json" lists them all).`);
  }
  const notImported = report.errors.filter((e) => e.kind !== 'conflict');
  if (notImported.length > 0) {
    // Counted apart: a duplicate or an RT Plan is not a failure (common/import-summary.ts).
    const kinds = issuePhrases(countIssues(notImported)).map((p) => p.text);
    lines.push(`${notImported.length} file${notImported.length === 1 ? '' : 's'} not imported (${kinds.join(', ')}):`);
    for (const e of notImported.slice(0, MAX_ERRORS_SHOWN)) lines.push(`  ${e.file}: ${e.reason}`);
    if (notImported.length > MAX_ERRORS_SHOWN) lines.push(`  … and ${notImported.length - MAX_ERRORS_SHOWN} more ("lumen import --json" lists them all).`);
  }
  return lines.join('\n') + '\n';
}

export const command: Command = {
  summary: 'Import DICOM folders, files or DICOMDIRs into the local library; unusable files are listed with the reason.',
  usage: 'lumen import <folder|file|DICOMDIR>... [--library <dir>] [--json]   (exit 1 when a named path does not exist; the others are imported)',
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, { library: { type: 'string' }, json: { type: 'boolean' } });
    if (positionals.length === 0) throw new CliError('nothing to import: name at least one folder, file or DICOMDIR (lumen import <path>...).', 2);
    // A named path that is missing is reported with the rest (exit 1); one that cannot be a path at all is refused first.
    for (const p of positionals) checkUserPath(p, 'source', 'the path to import');
    const libraryDir = values.library !== undefined ? checkUserPath(values.library, 'output-folder', '--library') : defaultLibraryDir();
    const showProgress = !values.json && process.stderr.isTTY === true;
    const library = Library.open(libraryDir);
    const interrupt = catchInterrupt();
    let drawn = false;
    try {
      const report = await library.importPaths(positionals, {
        signal: interrupt.signal,
        onProgress: showProgress
          ? (p) => {
              const width = process.stderr.columns || 80;
              process.stderr.write(`\r\x1b[2K${progressLine(p, width)}`);
              drawn = true;
            }
          : undefined,
      });
      if (drawn) process.stderr.write('\r\x1b[2K');
      if (values.json) {
        printJson({ library: libraryDir, ...report });
      } else {
        process.stdout.write(summary(report, libraryDir));
      }
      if (report.cancelled) return INTERRUPTED_EXIT;
      // A path the user named that does not exist is a mistake in the command: exit 1 (after
      // importing the rest), so a script sees it. Unreadable files inside a folder are not.
      // Stopped by a full or read-only disk: not finished, whatever the rest.
      return report.stopped || report.errors.some((e) => e.kind === 'not-found') ? 1 : 0;
    } finally {
      interrupt.release();
      library.close();
    }
  },
};
