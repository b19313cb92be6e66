// Label import: a CSV whose header names DICOM keywords, or a folder per class.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { FileReadError, readRegularFile } from '../../common/node/read-file';
import { Uid } from '../../common/contract/define';
import { LabelName } from '../../common/contract/training';
import { csvCell, decodeSpreadsheetText, uncsvText } from '../../common/csv';
import { describeFsError } from '../library/errors';
import type { Library } from '../library/library';
import { TrainingStore, currentUser, labelTargetKey, type TargetKind } from './store';

export interface LabelImportReport {
  rows: number;
  labelled: { image: number; series: number; study: number };
  /** Rows that could not be used, with the reason (1-based line numbers). */
  problems: { line: number; reason: string }[];
  /** Rows used, but not quite as written (a class in other case, read as the class it names). */
  notes: { line: number; reason: string }[];
  classes: Record<string, number>;
}

/** RFC 4180-ish CSV: quoted fields, doubled quotes, CRLF; also ';' or tab when the header is separated by them (headerSeparator) or Excel's first line says so ("sep=;"). A quote never closed: refused, naming its line. */
export function parseCsv(text: string): string[][] {
  const { rows, unclosed } = readCsv(text);
  if (unclosed) throw new Error(`line ${unclosed.line}: ${unclosedQuoteReason(unclosed)}`);
  return rows.map((r) => r.fields);
}

/** A quote that opens a field and is never closed: the line it opens on, and the last line of the file (read into the field). */
export interface UnclosedQuote {
  line: number;
  lastLine: number;
}

/** Why a row with an unclosed quote is not used, naming the lines it swallowed. */
export function unclosedQuoteReason(u: UnclosedQuote): string {
  const read = u.lastLine > u.line ? ` (${u.lastLine === u.line + 1 ? `line ${u.lastLine}` : `lines ${u.line + 1}–${u.lastLine}`} read into it, so ${u.lastLine === u.line + 1 ? 'it is' : 'they are'} not used either)` : '';
  return `a quote opens here and is never closed${read}: nothing of this row is used; close the quote (or remove it) and import the file again`;
}

/**
 * parseCsv with the line of the file each row starts on (1-based): blank lines are dropped
 * but still counted, as are line breaks inside quoted fields, so a report names the line an
 * editor shows. The row of a quote never closed is left out (everything after it would be one
 * field) and named in `unclosed`.
 */
export function readCsv(text: string): { rows: { line: number; fields: string[] }[]; unclosed?: UnclosedQuote } {
  // Excel's first line "sep=;" names the separator; it is no row, but it is a line of the file.
  const hint = /^sep=([,;\t|])(?:\r\n|\r|\n)/i.exec(text);
  const sep = hint ? hint[1] : headerSeparator(text);
  const rows: { line: number; fields: string[] }[] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let quoteLine = 0;
  let lastTextLine = 0;
  let line = hint ? 2 : 1;
  let rowLine = line;
  for (let i = hint ? hint[0].length : 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n' || (ch === '\r' && text[i + 1] !== '\n')) line++;
        else if (ch.trim() !== '') lastTextLine = line;
        field += ch;
      }
    } else if (ch === '"' && field === '') {
      quoted = true;
      quoteLine = lastTextLine = line;
    } else if (ch === sep) {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push({ line: rowLine, fields: row });
      row = [];
      field = '';
      rowLine = ++line;
    } else field += ch;
  }
  const nonBlank = (r: { fields: string[] }) => r.fields.some((f) => f.trim() !== '');
  // The last line read into it is the last with text on it: blank lines at the end are no rows.
  if (quoted) return { rows: rows.filter(nonBlank), unclosed: { line: quoteLine, lastLine: lastTextLine } };
  if (field !== '' || row.length) {
    row.push(field);
    rows.push({ line: rowLine, fields: row });
  }
  return { rows: rows.filter(nonBlank) };
}

/** readCsv's rows (a row with a quote never closed left out). */
export function parseCsvLines(text: string): { line: number; fields: string[] }[] {
  return readCsv(text).rows;
}

/**
 * The separator of the header row: of ',', ';' and tab, the one it has most of outside quotes
 * (ties in that order). A European spreadsheet writes ';' and quotes a header that holds a comma
 * ("Notes, free text"), so a comma anywhere in the line does not make it comma-separated.
 */
function headerSeparator(text: string): string {
  const counts = new Map<string, number>([[',', 0], [';', 0], ['\t', 0]]);
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ',';
  for (const [sep, n] of counts) if (n > counts.get(best)!) best = sep;
  return best;
}

const COLUMNS: Record<string, TargetKind | 'patient' | 'label' | 'frame'> = {
  patientid: 'patient',
  studyinstanceuid: 'study',
  seriesinstanceuid: 'series',
  sopinstanceuid: 'image',
  // Optional: one frame of a multi-frame image (1-based, as DICOM's Referenced Frame Number).
  frame: 'frame',
  referencedframenumber: 'frame',
  label: 'label',
};

/**
 * A row's frame cell read against its image's frames: null when empty (the whole image) or frame
 * 1 of a single-frame image (that image), the frame, or why not. Only a number is quoted back.
 */
function rowFrame(store: TrainingStore, cell: string, kind: TargetKind | 'patient', uid: string): { frame: number | null } | { problem: string } {
  if (cell === '') return { frame: null };
  // Quoted only when short and number-like: a long number in that column could be an ID.
  const shown = /^[-+]?[0-9.,eE]{1,6}$/.test(cell) ? `frame ${cell}` : 'its frame';
  if (!/^[0-9]+$/.test(cell) || Number(cell) < 1 || !Number.isSafeInteger(Number(cell))) return { problem: `${shown} is not a frame number (1, 2, 3 …)` };
  if (kind !== 'image') return { problem: `${shown} is given without a SOPInstanceUID: a frame is one of an image's frames` };
  const frame = Number(cell);
  const frames = Math.max(1, store.db.prepare<[string], { frames: number | null }>('SELECT frames FROM instances WHERE sop_uid = ?').get(uid)?.frames ?? 1);
  if (frame > frames) return { problem: `${shown} is past the last frame of SOPInstanceUID ${uid} (${frames} frame${frames === 1 ? '' : 's'})` };
  return { frame: frames === 1 ? null : frame };
}

/**
 * Imports labels from CSV text. The header names DICOM keywords (PatientID, StudyInstanceUID,
 * SeriesInstanceUID, SOPInstanceUID) and `label`; per row the most specific UID given decides
 * what is labelled (SOP → image, series, study; PatientID alone labels all the patient's studies).
 */
export function importLabelsCsv(library: Library, text: string, opts: { author?: string | null; source?: string } = {}): LabelImportReport {
  const store = new TrainingStore(library);
  try {
    const { report, items } = planLabelsCsv(store, text, opts.source);
    store.setLabels(items, opts.author === undefined ? currentUser() : opts.author);
    return report;
  } finally {
    store.close();
  }
}

/** One label a CSV row gives: what it labels (frame: one frame of an image, 1-based) and with which class. */
export type LabelItem = { targetKind: TargetKind; targetUid: string; frame: number | null; label: string };

/**
 * Reads label CSV text into the labels it gives, without writing them: the report (rows,
 * counts, problems by line) and the items, for importLabelsCsv or an import that can be undone.
 * Hostile text: nothing of a row but a UID reaches a message.
 */
export function planLabelsCsv(store: TrainingStore, text: string, source?: string): { report: LabelImportReport; items: LabelItem[] } {
  const { rows: lines, unclosed } = readCsv(text.replace(/^\uFEFF/, ''));
  const where = source ? ` in ${source}` : '';
  // A quote never closed in the header: no column can be known.
  if (unclosed && (lines.length === 0 || unclosed.line <= lines[0].line)) throw new Error(`The label file${where} cannot be read: a quote in its header (line ${unclosed.line}) is never closed, so the rest of the file reads as one column name. Close the quote (or remove it) and import the file again.`);
  if (lines.length === 0) throw new Error(`The label file${where} is empty: expected a header row such as "SeriesInstanceUID,label".`);
  const rows = lines.map((l) => l.fields);
  const header = rows[0].map((h) => COLUMNS[h.trim().toLowerCase().replace(/[\s_]/g, '')]);
  const col = (k: string) => header.indexOf(k as never);
  // Never quote the row: a file without a header starts with a patient's data.
  if (col('label') < 0) throw new Error(`The label file${where} has no "label" column: its first row (${rows[0].length} columns) must be a header such as "SeriesInstanceUID,label".`);
  if (!['patient', 'study', 'series', 'image'].some((k) => col(k) >= 0)) {
    throw new Error(`The label file${where} names no DICOM key column: add one of PatientID, StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID.`);
  }
  // The row of an unclosed quote counts as a row, not used (readCsv left it out).
  const report: LabelImportReport = { rows: rows.length - 1 + (unclosed ? 1 : 0), labelled: { image: 0, series: 0, study: 0 }, problems: [], notes: [], classes: {} };
  if (unclosed) report.problems.push({ line: unclosed.line, reason: unclosedQuoteReason(unclosed) });
  const usable: { line: number; label: string; note?: string; frame: number | null; targets: { kind: TargetKind; uid: string }[] }[] = [];
  // One class however a sheet capitalises it ("Lesion", "LESION"): the library's spelling if it
  // has the class, else the first in the file. Two classes apart only in case would train as two.
  const known = new Map<string, string>();
  for (const { label } of store.db.prepare<[], { label: string }>('SELECT DISTINCT label FROM labels ORDER BY label').all()) {
    if (!known.has(label.toLowerCase())) known.set(label.toLowerCase(), label);
  }
  const firstInFile = new Map<string, { label: string; line: number }>();
  const className = (label: string, line: number): { label: string; note?: string } => {
    const key = label.toLowerCase();
    const inLibrary = known.get(key);
    if (inLibrary !== undefined) return inLibrary === label ? { label } : { label: inLibrary, note: `label differs from the class ${inLibrary} in the library only in upper and lower case: read as ${inLibrary}` };
    const first = firstInFile.get(key);
    if (!first) {
      firstInFile.set(key, { label, line });
      return { label };
    }
    return first.label === label ? { label } : { label: first.label, note: `label differs from the class ${first.label} (line ${first.line}) only in upper and lower case: read as ${first.label}` };
  };
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r];
    const line = lines[r].line;
    // An export's formula guard (a leading apostrophe, common/csv.ts) comes off: what was exported reads back as it was.
    const raw = uncsvText((row[col('label')] ?? '').trim());
    // U+FFFD: bytes that were not UTF-8 (decodeSpreadsheetText); the class would be garbled.
    if (raw.includes('\uFFFD')) {
      report.problems.push({ line, reason: `label has characters that could not be read${where}: the file is not UTF-8 text. Save the sheet as "CSV UTF-8" and import it again` });
      continue;
    }
    const name = LabelName.safeParse(raw);
    if (!name.success) {
      report.problems.push({ line, reason: labelProblem(name.error.issues[0], where) });
      continue;
    }
    const kind = (['image', 'series', 'study', 'patient'] as const).find((k) => col(k) >= 0 && (row[col(k)] ?? '').trim() !== '');
    if (!kind) {
      report.problems.push({ line, reason: 'no UID or PatientID on this row' });
      continue;
    }
    const uid = row[col(kind)].trim();
    const targets = store.resolveTarget(kind, uid);
    if (targets.length === 0) {
      // A PatientID is patient data, so the reason names the row, not the ID; UIDs are safe to show.
      // A UID is shown only when it is one: any other text in that column could be anything in the file.
      const column = kind === 'image' ? 'SOPInstanceUID' : kind === 'series' ? 'SeriesInstanceUID' : 'StudyInstanceUID';
      report.problems.push({ line, reason: kind === 'patient' ? patientProblem(store, uid) : Uid.safeParse(uid).success ? `${column} ${uid} is not in the library` : `its ${column} is not a DICOM UID (digits and dots)` });
      continue;
    }
    const disagrees = keyDisagreement(store, kind, uid, (k) => (col(k) >= 0 ? (row[col(k)] ?? '').trim() : ''));
    if (disagrees) {
      report.problems.push({ line, reason: disagrees });
      continue;
    }
    const frame = rowFrame(store, col('frame') >= 0 ? (row[col('frame')] ?? '').trim() : '', kind, uid);
    if ('problem' in frame) {
      report.problems.push({ line, reason: frame.problem });
      continue;
    }
    usable.push({ line, ...className(name.data, line), frame: frame.frame, targets });
  }
  // Rows that give one study or series, or a series and the study it is in, two classes: a slip
  // in the sheet (one patient listed under both). Neither row is used; the import does not pick.
  // Image rows are left out: a slice may rightly carry another class than its series.
  const conflicts = new Map<number, number>();
  const byStudy = new Map<string, (typeof usable)[number][]>();
  const bySeries = new Map<string, (typeof usable)[number][]>();
  const bySeriesStudy = new Map<string, (typeof usable)[number][]>();
  const byImage = new Map<string, (typeof usable)[number][]>();
  const add = (map: Map<string, (typeof usable)[number][]>, key: string, u: (typeof usable)[number]) => map.set(key, [...(map.get(key) ?? []), u]);
  const clash = (u: (typeof usable)[number], others: (typeof usable)[number][] | undefined) => {
    for (const o of others ?? []) {
      if (o.label === u.label || o.line === u.line) continue;
      if (!conflicts.has(o.line)) conflicts.set(o.line, u.line);
      if (!conflicts.has(u.line)) conflicts.set(u.line, o.line);
    }
  };
  for (const u of usable) {
    for (const t of u.targets) {
      if (t.kind === 'study') {
        clash(u, byStudy.get(t.uid));
        clash(u, bySeriesStudy.get(t.uid));
        add(byStudy, t.uid, u);
      } else if (t.kind === 'series') {
        const study = store.studyOfSeries(t.uid);
        clash(u, bySeries.get(t.uid));
        if (study) clash(u, byStudy.get(study));
        add(bySeries, t.uid, u);
        if (study) add(bySeriesStudy, study, u);
      } else {
        // One image (or one frame of it) given two classes: a slip as well.
        const key = `${t.uid}\0${u.frame ?? ''}`;
        clash(u, byImage.get(key));
        add(byImage, key, u);
      }
    }
  }
  // Counted by what is labelled, not by row: a row repeated (or a study that a PatientID row and
  // its own row both give) is labelled, and counted, once; the same class, so no word about it.
  const items: LabelItem[] = [];
  const given = new Set<string>();
  for (const u of usable) {
    const other = conflicts.get(u.line);
    if (other !== undefined) {
      report.problems.push({ line: u.line, reason: `line ${other} gives these images another class: neither row is used; keep the one that is right` });
      continue;
    }
    if (u.note) report.notes.push({ line: u.line, reason: u.note });
    for (const t of u.targets) {
      const key = labelTargetKey({ targetKind: t.kind, targetUid: t.uid, frame: u.frame });
      if (given.has(key)) continue;
      given.add(key);
      items.push({ targetKind: t.kind, targetUid: t.uid, frame: u.frame, label: u.label });
      report.labelled[t.kind]++;
      report.classes[u.label] = (report.classes[u.label] ?? 0) + 1;
    }
  }
  report.problems.sort((a, b) => a.line - b.line);
  return { report, items };
}

/**
 * Why a row's less specific keys contradict its most specific one, or null when they agree: a
 * SOPInstanceUID in another series or study than the row's SeriesInstanceUID/StudyInstanceUID, or
 * of another patient than its PatientID (a row shifted in a spreadsheet, UIDs pasted from two
 * studies). Such a row is not used: which of its keys is right cannot be known. UIDs of the
 * library are quoted; the row's own cells and the PatientID (patient data) never are.
 */
function keyDisagreement(store: TrainingStore, kind: TargetKind | 'patient', uid: string, cell: (k: 'study' | 'series' | 'patient') => string): string | null {
  if (kind === 'patient') return null;
  const at =
    kind === 'image'
      ? store.db
          .prepare<[string], { series_uid: string; study_uid: string; patient_id: string | null; patient_key: string }>(
            'SELECT i.series_uid, s.study_uid, p.patient_id, p.patient_key FROM instances i JOIN series s ON s.series_uid = i.series_uid JOIN studies st ON st.study_uid = s.study_uid JOIN patients p ON p.id = st.patient_ref WHERE i.sop_uid = ?',
          )
          .get(uid)
      : kind === 'series'
        ? store.db
            .prepare<[string], { series_uid: string; study_uid: string; patient_id: string | null; patient_key: string }>(
              'SELECT s.series_uid, s.study_uid, p.patient_id, p.patient_key FROM series s JOIN studies st ON st.study_uid = s.study_uid JOIN patients p ON p.id = st.patient_ref WHERE s.series_uid = ?',
            )
            .get(uid)
        : store.db
            .prepare<[string], { series_uid: null; study_uid: string; patient_id: string | null; patient_key: string }>(
              'SELECT NULL AS series_uid, st.study_uid, p.patient_id, p.patient_key FROM studies st JOIN patients p ON p.id = st.patient_ref WHERE st.study_uid = ?',
            )
            .get(uid);
  if (!at) return null;
  const wrong: string[] = [];
  const series = kind === 'image' ? cell('series') : '';
  if (series !== '' && series !== at.series_uid) wrong.push('SeriesInstanceUID');
  const study = kind !== 'study' ? cell('study') : '';
  if (study !== '' && study !== at.study_uid) wrong.push('StudyInstanceUID');
  const patient = cell('patient');
  const otherPatient = patient !== '' && patient !== (at.patient_id ?? '').trim() && patient !== at.patient_key;
  if (wrong.length === 0 && !otherPatient) return null;
  const column = kind === 'image' ? 'SOPInstanceUID' : kind === 'series' ? 'SeriesInstanceUID' : 'StudyInstanceUID';
  const place = kind === 'image' ? `series ${at.series_uid} of study ${at.study_uid}` : `study ${at.study_uid}`;
  const where = wrong.length ? `is in ${place}, not in the ${wrong.join(' and ')} this row gives` : '';
  const whose = otherPatient ? `${where ? ', and ' : 'is '}of another patient than this row's PatientID` : '';
  const zeros = otherPatient && /^\d+$/.test(patient) && /^\d+$/.test(at.patient_id ?? '') && patient.replace(/^0+/, '') === (at.patient_id ?? '').replace(/^0+/, '');
  const hint = zeros ? ' (it differs from the PatientID only in leading zeros, which a spreadsheet drops from numbers: format the PatientID column as text)' : '';
  return `${column} ${uid} ${where}${whose}${hint}: the row is not used, as which of its keys is right cannot be known; correct the row and import the file again`;
}

/**
 * Why a PatientID matches no patient, never quoting it. A spreadsheet reads 007 as the number 7
 * and writes it back without its zeros: when a PatientID of the library differs only by them,
 * the reason says so and how to keep them. A long number it writes as 1.23457E+11 (or
 * 1,23457E+11 in a European locale): its digits are gone, and the reason says why.
 */
function patientProblem(store: TrainingStore, id: string): string {
  if (/^\d[.,]\d+E\+\d+$/i.test(id)) return 'its PatientID is not in the library; it reads as a number in scientific notation, which a spreadsheet writes for long numbers: format the PatientID column as text';
  const zeros = /^\d+$/.test(id) && store.db.prepare("SELECT 1 FROM patients WHERE patient_id GLOB '0*' AND ltrim(patient_id, '0') = ltrim(?, '0') LIMIT 1").get(id);
  return zeros
    ? 'its PatientID is not in the library; one there differs from it only in leading zeros, which a spreadsheet drops from numbers: format the PatientID column as text'
    : 'its PatientID is not in the library';
}

/** Why a label is not a class name, in the user's words; never the label itself (it could be anything, patient data included). */
function labelProblem(issue: { code: string; message: string; maximum?: unknown }, where: string): string {
  if (issue.code === 'too_small') return `empty label${where}`;
  if (issue.code === 'too_big') return `label longer than ${String(issue.maximum)} characters${where}: shorten the class name`;
  return `label${where} is not a usable class name: ${issue.message}`;
}

export function importLabelsCsvFile(library: Library, file: string, opts: { author?: string | null } = {}): LabelImportReport {
  return importLabelsCsv(library, readLabelsCsvFile(file), { ...opts, source: file });
}

/** A label CSV's text (decodeSpreadsheetText): a regular file within the size limit for label files, else why not in words. */
export function readLabelsCsvFile(file: string): string {
  try {
    return decodeSpreadsheetText(readRegularFile(file, 'csv'));
  } catch (err) {
    if (err instanceof FileReadError) throw err; // a FIFO, a device, too large: already in words
    throw new Error(`Cannot read the label file ${file}: ${describeFsError(err)}.`);
  }
}

/** The sub-folders of `root` (links followed; hidden and unreadable entries left out), refused in words when `root` cannot be read. */
function classFolders(root: string): string[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch (err) {
    throw new Error(`The folder of class folders ${root} could not be read (${describeFsError(err)}). Choose a folder with one sub-folder per class.`);
  }
  const isFolder = (name: string) => {
    try {
      return statSync(path.join(root, name)).isDirectory();
    } catch {
      return false;
    }
  };
  return names.filter((n) => !n.startsWith('.') && isFolder(n)).sort();
}

/**
 * A folder per class (`root/<class>/**`): imports every folder into the library and labels
 * each image it holds with the folder's name.
 */
export async function importLabelFolders(library: Library, root: string, opts: { author?: string | null; signal?: AbortSignal } = {}): Promise<LabelImportReport> {
  const classes = classFolders(root);
  if (classes.length === 0) throw new Error(`${root} has no sub-folders: expected one folder per class (e.g. ${root}/normal, ${root}/lesion).`);
  const report: LabelImportReport = { rows: 0, labelled: { image: 0, series: 0, study: 0 }, problems: [], notes: [], classes: {} };
  const store = new TrainingStore(library);
  try {
    for (const cls of classes) {
      const dir = path.resolve(root, cls);
      const name = LabelName.safeParse(cls);
      if (!name.success || name.data !== cls) {
        report.problems.push({ line: 0, reason: `${dir}: the folder name is not a usable class name (${name.success ? 'spaces around it' : labelProblem(name.error.issues[0], '')}); folder skipped` });
        continue;
      }
      const imported = await library.importPaths([dir], { signal: opts.signal });
      for (const e of imported.errors) report.problems.push({ line: 0, reason: `${e.file}: ${e.reason}` });
      const sops = store.db
        .prepare<[string, string], { sop_uid: string }>('SELECT sop_uid FROM instances WHERE substr(path, 1, length(?)) = ? AND missing = 0 ORDER BY sop_uid')
        .all(dir + path.sep, dir + path.sep)
        .map((r) => r.sop_uid);
      store.setLabels(sops.map((s) => ({ targetKind: 'image' as const, targetUid: s, label: cls })), opts.author === undefined ? currentUser() : opts.author);
      report.rows += sops.length;
      report.labelled.image += sops.length;
      report.classes[cls] = sops.length;
    }
    return report;
  } finally {
    store.close();
  }
}

/** The columns of an exported label CSV: what importLabelsCsv reads, most specific UID deciding; frame empty but for a label of one frame. */
export const LABEL_CSV_COLUMNS = ['StudyInstanceUID', 'SeriesInstanceUID', 'SOPInstanceUID', 'frame', 'label'] as const;

/**
 * Every label of the library as CSV that importLabelsCsv reads back to the same labels: one row
 * per label, its own UID the most specific one on the row (an image's row names its series and
 * study too, for people reading it), formula-like labels guarded (common/csv.ts). No patient
 * names or IDs: UIDs only. Author and time stay in the library (an import records its own).
 * A label of a frame past the image's last (its file was read again with fewer frames) is not
 * written, as importLabelsCsv would refuse it: counted in `skipped`, and `note` says so.
 */
export function exportLabelsCsv(library: Library): { csv: string; rows: number; skipped: number; note?: string } {
  const store = new TrainingStore(library);
  try {
    const rows = store.db
      .prepare<[], { target_kind: TargetKind; target_uid: string; frame: number | null; label: string; row_series: string | null; row_study: string | null; frames: number | null }>(
        `SELECT l.target_kind, l.target_uid, l.frame, l.label, i.frames,
           CASE l.target_kind WHEN 'image' THEN i.series_uid WHEN 'series' THEN l.target_uid END AS row_series,
           CASE l.target_kind WHEN 'image' THEN ise.study_uid WHEN 'series' THEN se.study_uid ELSE l.target_uid END AS row_study
         FROM labels l
         LEFT JOIN instances i ON l.target_kind = 'image' AND i.sop_uid = l.target_uid
         LEFT JOIN series ise ON ise.series_uid = i.series_uid
         LEFT JOIN series se ON l.target_kind = 'series' AND se.series_uid = l.target_uid
         ORDER BY row_study IS NULL, row_study, row_series IS NOT NULL, row_series, l.target_kind = 'image', l.target_uid, l.frame IS NOT NULL, l.frame`,
      )
      .all();
    const lines = [LABEL_CSV_COLUMNS.join(',')];
    let skipped = 0;
    for (const r of rows) {
      if (r.frame !== null && r.frames !== null && r.frame > Math.max(1, r.frames)) {
        skipped++;
        continue;
      }
      const sop = r.target_kind === 'image' ? r.target_uid : null;
      lines.push([r.row_study, r.row_series, sop, r.frame, r.label].map(csvCell).join(','));
    }
    const note =
      skipped > 0
        ? `${skipped === 1 ? '1 label was' : `${skipped} labels were`} not written: of a frame past the last of its image (its file was read again with fewer frames). They stay in the library; label those images again.`
        : undefined;
    return { csv: lines.join('\r\n') + '\r\n', rows: rows.length - skipped, skipped, ...(note ? { note } : {}) };
  } finally {
    store.close();
  }
}
