import fs from 'node:fs';
import path from 'node:path';
import { Library, LIBRARY_FILE } from '../library/library';
import { defaultLibraryDir } from '../library/paths';
import type { PatientNode } from '../library/types';
import { plainText } from '../../common/plain-text';
import { conflictCount, patientConflicts } from '../../common/patient-conflicts';
import { type Command, parseCommandArgs, printJson } from './command';
import { checkUserPath } from '../../common/node/user-path';
import { countOf as plural, imageCount } from '../../common/counts';

type StudyNode = PatientNode['studies'][number];
/** The study's images as the study list counts them: frames, over its series. */
const studyFrames = (st: StudyNode) => st.series.reduce((n, se) => n + se.frames, 0);

function formatDate(date: string | null, time: string | null): string {
  if (!date) return '(no date)';
  const d = /^\d{8}$/.test(date) ? `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}` : date;
  const t = time && /^\d{4}/.test(time) ? ` ${time.slice(0, 2)}:${time.slice(2, 4)}` : '';
  return d + t;
}

function missingNote(missing: number): string {
  return missing > 0 ? ` (${missing} missing from disk)` : '';
}

export function formatTree(tree: PatientNode[]): string {
  const lines: string[] = [];
  for (const p of tree) {
    const who = [p.patientName ?? '(no name)', p.patientId ? `ID ${p.patientId}` : null, p.birthDate ? `born ${formatDate(p.birthDate, null)}` : null, p.sex]
      .filter(Boolean)
      .join('  ');
    // Images as the study list counts them (a multi-frame file is as many images as frames): "3 images (1 file)".
    const frames = p.studies.reduce((n, st) => n + studyFrames(st), 0);
    lines.push(`${who} — ${plural(p.studies.length, 'study', 'studies')}, ${imageCount(frames, p.instances)}`);
    for (const st of p.studies) {
      const what = [formatDate(st.studyDate, st.studyTime), st.studyDescription, st.modalities.length ? `[${st.modalities.join(', ')}]` : null, st.accessionNumber ? `acc ${st.accessionNumber}` : null]
        .filter(Boolean)
        .join('  ');
      lines.push(`  ${what} — ${plural(st.seriesCount, 'series', 'series')}, ${imageCount(studyFrames(st), st.instances)}${missingNote(st.missing)}`);
      lines.push(`    study ${st.studyInstanceUid}`);
      // As the study list's card: one Patient ID, other patient details in some of its series' files.
      // Two Patient IDs: a study an older Lumen filed by its Study Instance UID alone.
      for (const c of patientConflicts(st, st.series)) {
        lines.push(`    ⚠ ${conflictCount(c)} ${c.field === 'patientId' ? 'in this study' : 'for this patient'} in its series' files: ${c.values.join(' / ')}`);
      }
      for (const se of st.series) {
        const label = [se.seriesNumber !== null ? `#${se.seriesNumber}` : null, se.modality, se.seriesDescription].filter(Boolean).join('  ');
        const own = [se.patientId ? `ID ${se.patientId}` : null, se.patientName, se.birthDate ? `born ${formatDate(se.birthDate, null)}` : null, se.sex].filter(Boolean).join('  ');
        lines.push(`    ${label || '(series)'} — ${imageCount(se.frames, se.instances)}${missingNote(se.missing)}   ${se.seriesInstanceUid}${own ? `   files say: ${own}` : ''}`);
      }
    }
  }
  // Names and descriptions are the files' text: nothing in them may reorder or break the listing.
  return lines.map((line) => plainText(line)).join('\n') + '\n';
}

export const command: Command = {
  summary: 'List the library: patients, their studies and series, with counts.',
  usage: 'lumen ls [--library <dir>] [--search <text>] [--json]',
  async run(argv) {
    const { values } = parseCommandArgs(argv, { library: { type: 'string' }, search: { type: 'string' }, json: { type: 'boolean' } }, { positionals: false });
    const libraryDir = values.library !== undefined ? checkUserPath(values.library, 'library', '--library') : defaultLibraryDir();
    if (!fs.existsSync(path.join(libraryDir, LIBRARY_FILE))) {
      // Listing never creates a library (a mistyped --library should not leave one behind).
      if (values.json) printJson({ library: libraryDir, patients: [] });
      else process.stdout.write(`There is no library in ${libraryDir} yet. Add studies with "lumen import <folder> --library ${libraryDir}".\n`);
      return 0;
    }
    const library = Library.open(libraryDir);
    try {
      let tree = library.listTree();
      if (values.search) {
        const keep = new Set(library.listStudies({ search: values.search }).map((s) => s.studyInstanceUid));
        tree = tree
          .map((p) => ({ ...p, studies: p.studies.filter((s) => keep.has(s.studyInstanceUid)) }))
          .filter((p) => p.studies.length > 0)
          .map((p) => ({ ...p, instances: p.studies.reduce((n, s) => n + s.instances, 0) }));
      }
      if (values.json) {
        printJson({ library: libraryDir, patients: tree });
      } else if (tree.length === 0) {
        process.stdout.write(
          values.search ? `No study in ${libraryDir} matches "${plainText(values.search)}".\n` : `The library ${libraryDir} is empty. Add studies with "lumen import <folder>".\n`,
        );
      } else {
        process.stdout.write(formatTree(tree));
      }
      return 0;
    } finally {
      library.close();
    }
  },
};
