import fs from 'node:fs';
import path from 'node:path';
import { auditCsv, type AuditEntry } from '../library/audit';
import { describeFsError } from '../library/errors';
import { Library, LIBRARY_FILE } from '../library/library';
import { defaultLibraryDir } from '../library/paths';
import { checkUserPath } from '../../common/node/user-path';
import { writeFileAtomic } from '../../common/node/safe-fs';
import { CliError, type Command, parseCommandArgs, printJson } from './command';
import { checkOutputFile } from './output-file';

/** --since: a date (2026-01-31, midnight UTC) or an ISO time; anything else is refused with what was given. */
export function parseSince(text: string): string {
  const at = /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T00:00:00Z`) : /^\d{4}-\d{2}-\d{2}T/.test(text) ? new Date(text) : new Date(NaN);
  // Date rolls 2026-02-31 over into March: refuse a day the calendar does not have.
  if (Number.isNaN(at.getTime()) || (text.length === 10 && at.toISOString().slice(0, 10) !== text)) throw new CliError(`--since must be a date (2026-01-31) or an ISO time (2026-01-31T08:00:00Z), not "${text}".`, 2);
  return at.toISOString();
}

function describe(e: AuditEntry): string {
  const t = e.touched ?? {};
  const touched = [
    t.studies?.length ? `${t.studies.length} stud${t.studies.length === 1 ? 'y' : 'ies'}` : null,
    t.series?.length ? `${t.series.length} series` : null,
    t.instances?.length ? `${t.instances.length} instance(s)` : null,
    t.images !== undefined ? `${t.images} image(s)` : null,
    t.patients !== undefined ? `${t.patients} patient(s)` : null,
    t.files?.length ? t.files.join(', ') : null,
  ].filter(Boolean);
  return [
    e.at,
    e.action,
    e.actor ? `by ${e.actor}` : null,
    e.packageHash ? `package #${e.packageHash.slice(0, 12)}` : null,
    e.variant,
    e.runtime ? `on ${e.runtime}` : null,
    touched.length ? touched.join(', ') : null,
  ]
    .filter(Boolean)
    .join('  ');
}

export const command: Command = {
  summary: 'List the audit log: every prediction, training run, export, package import and library import, oldest first.',
  usage: [
    'lumen audit [--library <dir>] [--since <date|ISO time>] [--json] [--csv <file>]',
    '',
    '  --since  only entries at or after this time (a date is midnight UTC)',
    '  --csv    also write the entries to <file> as CSV (one header row; touched and details as JSON)',
  ].join('\n'),
  async run(argv) {
    const { values } = parseCommandArgs(argv, { library: { type: 'string' }, since: { type: 'string' }, csv: { type: 'string' }, json: { type: 'boolean' } }, { positionals: false });
    const since = values.since !== undefined ? parseSince(values.since) : undefined;
    const libraryDir = values.library !== undefined ? checkUserPath(values.library, 'library', '--library') : defaultLibraryDir();
    const csv = values.csv !== undefined ? checkOutputFile(values.csv, '--csv') : undefined;
    let entries: AuditEntry[] = [];
    // Reading the log never creates a library (a mistyped --library should not leave one behind).
    if (fs.existsSync(path.join(libraryDir, LIBRARY_FILE))) {
      const library = Library.open(libraryDir);
      try {
        entries = library.auditEntries({ since });
      } finally {
        library.close();
      }
    }
    if (csv) {
      const file = csv;
      try {
        // Readable by this user only (the log names studies and series by UID), and written beside its
        // place then renamed: cut off (a full disk, a kill) the CSV that was there stays whole.
        writeFileAtomic(file, auditCsv(entries));
      } catch (err) {
        throw new CliError(`cannot write ${file}: ${describeFsError(err)}. Choose another --csv file.`);
      }
    }
    if (values.json) printJson({ library: libraryDir, entries });
    else if (entries.length === 0) process.stdout.write(`The audit log of ${libraryDir} has no entries${since ? ` since ${since}` : ''}.\n`);
    else process.stdout.write(entries.map(describe).join('\n') + '\n');
    if (csv && !values.json) process.stdout.write(`Wrote ${entries.length} entries to ${csv}\n`);
    return 0;
  },
};
