// A command's --labels CSV (lumen eval, lumen compare): imported into the library's labels (they
// stay there), and the rows it did not use or read as another spelling told to the user on
// stderr, before the results, in one set of words for every command that takes --labels.
import type { Library } from '../library/library';
import type { LabelImportReport } from '../training/labels';

/** How many rows of each list are shown; the rest are counted. */
const SHOWN = 20;

function rowList(rows: { line: number; reason: string }[], what: string): string[] {
  if (!rows.length) return [];
  return [
    `${rows.length} label row(s) ${what}:`,
    ...rows.slice(0, SHOWN).map((r) => `  line ${r.line}: ${r.reason}`),
    ...(rows.length > SHOWN ? [`  and ${rows.length - SHOWN} more rows ${what}`] : []),
  ];
}

/** The label rows not used and those read as another spelling, by line, as text (empty when every row was used as written). */
export function labelRowsText(report: LabelImportReport): string {
  const lines = [...rowList(report.problems, 'not used'), ...rowList(report.notes, 'read as another spelling')];
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/**
 * Imports the --labels CSV `csv` (if given) into `library` and returns its report, for --json to
 * carry as `labels`; a text run (`json` false) writes labelRowsText on stderr.
 */
export async function importLabelsOption(library: Library, csv: string | undefined, json: boolean | undefined): Promise<LabelImportReport | undefined> {
  if (!csv) return undefined;
  const { importLabelsCsvFile } = await import('../training/labels');
  const report = importLabelsCsvFile(library, csv);
  if (!json) process.stderr.write(labelRowsText(report));
  return report;
}
