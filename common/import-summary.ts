// What an import did, told honestly: files that were not imported are of five
// kinds, and only one of them is a failure. A second copy of an image, a DICOM
// object without an image (RT Plan, RT Struct, SR) and a file that is not DICOM
// at all are expected in a real folder; a path that does not exist is a typo.
// A sixth kind is a warning about a file that WAS imported: its patient details
// differ from those the library holds for the same Patient ID (conflict). And a
// file an import never reached because the library's disk is full or read-only
// (not-written) is neither: it is left for the next import.
// Images are counted as the app counts them (common/counts.ts): each frame of a multi-frame
// file is an image, and the files are named where they are fewer. The other counts are files.
// Plain TypeScript: the engine counts with it, the UI and the CLI word it.

import { countOf, imageCount } from './counts';

export const IMPORT_ISSUE_KINDS = ['error', 'not-written', 'not-found', 'duplicate', 'no-image', 'not-dicom', 'conflict'] as const;
export type ImportIssueKind = (typeof IMPORT_ISSUE_KINDS)[number];

export type ImportIssueCounts = Record<ImportIssueKind, number>;

/** The name of each kind in a list's column or a sort menu. */
export const IMPORT_ISSUE_LABELS: Record<ImportIssueKind, string> = {
  error: 'Could not be read',
  'not-written': 'Not written (disk)',
  'not-found': 'Does not exist',
  duplicate: 'Duplicate',
  'no-image': 'No image',
  'not-dicom': 'Not DICOM',
  conflict: 'Other patient details',
};

export function countIssues(issues: readonly { kind: ImportIssueKind }[]): ImportIssueCounts {
  const counts: ImportIssueCounts = { error: 0, 'not-written': 0, 'not-found': 0, duplicate: 0, 'no-image': 0, 'not-dicom': 0, conflict: 0 };
  for (const issue of issues) counts[issue.kind]++;
  return counts;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** One phrase per kind present, failures first: "2 could not be read", "3 duplicates (skipped)", ... */
export function issuePhrases(counts: ImportIssueCounts): { kind: ImportIssueKind; text: string }[] {
  const phrases: { kind: ImportIssueKind; text: string }[] = [];
  if (counts.error) phrases.push({ kind: 'error', text: `${plural(counts.error, 'file', 'files')} could not be read` });
  if (counts['not-written']) phrases.push({ kind: 'not-written', text: `${plural(counts['not-written'], 'file', 'files')} left for the next import` });
  if (counts['not-found']) phrases.push({ kind: 'not-found', text: `${plural(counts['not-found'], 'path does', 'paths do')} not exist` });
  if (counts.duplicate) phrases.push({ kind: 'duplicate', text: `${plural(counts.duplicate, 'duplicate file', 'duplicate files')} skipped` });
  if (counts['no-image']) phrases.push({ kind: 'no-image', text: `${plural(counts['no-image'], 'object', 'objects')} without an image` });
  if (counts['not-dicom']) phrases.push({ kind: 'not-dicom', text: `${plural(counts['not-dicom'], 'file', 'files')} not DICOM` });
  // A warning, not a file left out: the file is imported, under its own patient details.
  if (counts.conflict) phrases.push({ kind: 'conflict', text: `${plural(counts.conflict, 'file', 'files')} with other patient details (imported)` });
  return phrases;
}

/**
 * "25 images imported", "3 images (1 file) imported" where a file holds several frames, or where
 * some were result documents (SR, Parametric Map: listed with their study, not as images) "25
 * images and 1 result document imported". `imported` counts files, both kinds; `images` the
 * frames of its image files (0 where not known: each file is then said as one image).
 */
export function importedPhrase(imported: number, results = 0, images = 0): string {
  const files = imported - results;
  if (!results) return `${imageCount(images, files)} imported`;
  return `${files ? `${imageCount(images, files)} and ` : ''}${plural(results, 'result document', 'result documents')} imported`;
}

/**
 * The counts of an import's one line, the app's and `lumen import`'s: "3 images imported, 2000
 * files already in the library, 1 changed file read again". A file already in the library (same
 * path, size and modification time) is not read again; one changed since is, and counted apart.
 */
export function importCountsPhrase(report: {
  imported: number;
  results: number;
  importedImages?: number;
  unchanged: number;
  changed: number;
  resultsWithoutStudy?: number;
  studiesOfResultsWithoutStudy?: number;
}): string {
  let text = importedPhrase(report.imported, report.results, report.importedImages);
  if (report.unchanged) text += `, ${countOf(report.unchanged, 'file')} already in the library`;
  if (report.changed) text += `, ${plural(report.changed, 'changed file', 'changed files')} read again`;
  if (report.resultsWithoutStudy) text += `; ${withoutStudyPhrase(report.resultsWithoutStudy, report.studiesOfResultsWithoutStudy ?? 1, report.results)}`;
  return text;
}

/**
 * Result documents filed whose study has no image in the library, so that they show nowhere
 * yet: "their study is not in the library yet: import its images to see them" where they are
 * all the result documents imported, else "2 result documents are of a study not in the library yet: ...".
 */
function withoutStudyPhrase(documents: number, studies: number, imported: number): string {
  const several = studies > 1;
  const todo = `import ${several ? 'their' : 'its'} images to see ${documents === 1 ? 'it' : 'them'}`;
  if (documents === imported) {
    const whose = documents === 1 ? 'its study is' : several ? 'their studies are' : 'their study is';
    return `${whose} not in the library yet: ${todo}`;
  }
  const of = several ? `of ${studies} studies` : 'of a study';
  return `${plural(documents, 'result document is', 'result documents are')} ${of} not in the library yet: ${todo}`;
}

/** Lines of a tab-separated copy of the list, with a header line, for a spreadsheet or an e-mail. */
export function issuesAsText(issues: readonly { file: string; kind: ImportIssueKind; reason: string; keptFile?: string }[]): string {
  const clean = (s: string) => s.replace(/[\t\r\n]+/g, ' ');
  const lines = ['File\tWhat\tReason\tKept copy'];
  for (const i of issues) lines.push([i.file, IMPORT_ISSUE_LABELS[i.kind], i.reason, i.keptFile ?? ''].map(clean).join('\t'));
  return lines.join('\n') + '\n';
}
