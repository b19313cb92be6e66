// `lumen labels`: the library's labels as CSV out and in (the same format both ways, so an
// export imports back to the same labels), and an overview per class. The app's Training tab
// does the same through the training.labels.* requests.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../common/node/safe-fs';
import { Library, LIBRARY_FILE } from '../library/library';
import { defaultLibraryDir } from '../library/paths';
import { labelOverview } from '../training/label-overview';
import { exportLabelsCsv, importLabelsCsvFile } from '../training/labels';
import { TrainingStore } from '../training/store';
import { CliError, type Command, parseCommandArgs, printJson } from './command';
import { checkOutputFile } from './output-file';
import { checkUserPath } from '../../common/node/user-path';

const USAGE = [
  'lumen labels export --out <file.csv> [--library <dir>] [--overwrite] [--json]',
  'lumen labels import <file.csv> [--library <dir>] [--json]',
  'lumen labels overview [--library <dir>] [--json]',
  '',
  '  export    every label as CSV: StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID, frame, label (UIDs',
  '            only, no patient names or IDs); the most specific UID on a row is what the label is for;',
  '            frame (1-based) is empty but for a label of one frame of a multi-frame image',
  '  import    labels from such a CSV (or any with PatientID / StudyInstanceUID / SeriesInstanceUID /',
  '            SOPInstanceUID and label columns, and an optional frame column), replacing the labels',
  '            of what it names; a frame out of range is named by its line',
  '  overview  labelled series, images and patients per class, what is unlabelled, and warnings',
].join('\n');

function openLibrary(dir: string | undefined): Library {
  const libraryDir = dir !== undefined ? checkUserPath(dir, 'library', '--library') : defaultLibraryDir();
  // Never creates a library: a mistyped --library should not leave one behind.
  if (!fs.existsSync(path.join(libraryDir, LIBRARY_FILE))) throw new CliError(`There is no library in ${libraryDir}. Import studies first, or name it with --library.`);
  return Library.open(libraryDir);
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export const command: Command = {
  summary: 'Export the library\'s labels as CSV, import them from CSV, or count them per class.',
  usage: USAGE,
  async run(argv) {
    const [action, ...rest] = argv;
    if (action === 'export') {
      const { values } = parseCommandArgs(rest, { out: { type: 'string' }, library: { type: 'string' }, overwrite: { type: 'boolean' }, json: { type: 'boolean' } });
      if (values.out === undefined) throw new CliError('--out <file.csv> is required', 2);
      const file = checkOutputFile(values.out, '--out');
      if (fs.existsSync(file) && !values.overwrite) throw new CliError(`${file} already exists (pass --overwrite to replace it)`);
      const library = openLibrary(values.library);
      try {
        const { csv, rows, skipped, note } = exportLabelsCsv(library);
        writeFileAtomic(file, csv);
        const unaudited = library.auditUnlessReadOnly('export', { touched: { files: [file] }, rows, format: 'csv', table: 'labels' });
        const notes = [...(note ? [note] : []), ...(unaudited ? [unaudited] : [])];
        if (values.json) printJson({ out: file, rows, ...(skipped ? { skipped } : {}), ...(notes.length ? { notes } : {}) });
        else process.stdout.write(`Wrote ${plural(rows, 'label')} to ${file}\n${notes.map((n) => `Note: ${n}\n`).join('')}`);
        return 0;
      } finally {
        library.close();
      }
    }
    if (action === 'import') {
      const { values, positionals } = parseCommandArgs(rest, { library: { type: 'string' }, json: { type: 'boolean' } });
      if (positionals.length !== 1) throw new CliError('Name one label CSV: lumen labels import <file.csv>', 2);
      // The CSV's path is checked before the library is opened, as every path argument is.
      const csv = checkUserPath(positionals[0], 'file', 'the label CSV');
      const library = openLibrary(values.library);
      try {
        const report = importLabelsCsvFile(library, csv);
        if (values.json) printJson(report);
        else {
          const l = report.labelled;
          process.stdout.write(`${plural(report.rows, 'row')}: labelled ${plural(l.series, 'series', 'series')}, ${plural(l.image, 'image')}, ${plural(l.study, 'study', 'studies')}\n`);
          for (const p of report.problems.slice(0, 20)) process.stdout.write(`  line ${p.line}: ${p.reason}\n`);
          if (report.problems.length > 20) process.stdout.write(`  and ${report.problems.length - 20} more rows not used\n`);
          for (const n of report.notes.slice(0, 20)) process.stdout.write(`  line ${n.line}: ${n.reason}\n`);
          if (report.notes.length > 20) process.stdout.write(`  and ${report.notes.length - 20} more rows read as another spelling\n`);
        }
        // A file none of whose rows labels anything (another library's UIDs, a column of IDs mistyped)
        // is a failure a script must see, as `lumen import` exits 1 for a path that is not there.
        const done = report.labelled;
        if (report.rows > 0 && done.series + done.image + done.study === 0) {
          const rows = report.rows === 1 ? `the one row of ${csv} could not` : `none of the ${report.rows} rows of ${csv} could`;
          process.stderr.write(`lumen labels: nothing was labelled: ${rows} be used (${values.json ? 'its "problems" say' : 'the lines above say'} why).\n`);
          return 1;
        }
        return 0;
      } finally {
        library.close();
      }
    }
    if (action === 'overview') {
      const { values } = parseCommandArgs(rest, { library: { type: 'string' }, json: { type: 'boolean' } });
      const library = openLibrary(values.library);
      const store = new TrainingStore(library);
      try {
        // Patients by pseudonym only: a terminal's output is easily pasted on.
        const o = labelOverview(store);
        const patients = o.patients.map(({ name: _name, ...p }) => p);
        if (values.json) printJson({ ...o, patients });
        else {
          const t = o.totals;
          const lines = [`${plural(t.patients, 'patient')}, ${plural(t.series, 'series', 'series')}, ${plural(t.images, 'image')}; unlabelled: ${plural(t.unlabelledSeries, 'series', 'series')}, ${plural(t.unlabelledImages, 'image')}`];
          for (const c of o.classes) lines.push(`  ${c.className}: ${plural(c.series, 'series', 'series')}, ${plural(c.images, 'image')}, ${plural(c.patients, 'patient')}`);
          for (const w of o.warnings) lines.push(`warning: ${w}`);
          process.stdout.write(lines.join('\n') + '\n');
        }
        return 0;
      } finally {
        store.close();
        library.close();
      }
    }
    throw new CliError(`${action ? `unknown action "${action.slice(0, 40)}"` : 'name an action'}; one of export, import, overview.\n\nUsage:\n${USAGE}`, 2);
  },
};
