// Results read back (issue #16 point 5): DICOM SR documents (Basic Text, Enhanced and
// Comprehensive SR, e.g. Lumen's own TID 1500 exports or another AI's) and Parametric Maps
// filed into the library as study-level results instead of "an object without an image".
// - SR: each TID 1501 Measurement Group (or, without groups, the document's top level) is a
//   finding: the Finding code (else the first measured quantity's name), its score (the NUM
//   named after the finding, "<class> probability", else a NUM whose concept names a
//   probability, the finding then read "<Finding>: <its concept>"; without a Finding the
//   group's first NUM), the images it references, the algorithm (TID 4019 name, version,
//   package hash), the score's concept code (schema 31), and whether the score is a
//   probability (scoreIsProbability).
// - Parametric Map: its source image (Referenced Image Sequence, else the Derivation Image
//   Sequence's Source Image Sequence), so the viewer can find the map for an image.
// Input is hostile: the walk is bounded in depth and items, strings are cut, and a file
// dcmjs cannot read is reported like any unreadable DICOM file.
import type Database from 'better-sqlite3';
import dcmjs, { type NaturalDataset } from 'dcmjs';
import { characterSet, type CharacterSet } from '../dicom/charset';

const { DicomDict, DicomMessage, DicomMetaDictionary } = dcmjs.data;

export const SR_SOP_CLASSES: Record<string, string> = {
  '1.2.840.10008.5.1.4.1.1.88.11': 'Basic Text SR',
  '1.2.840.10008.5.1.4.1.1.88.22': 'Enhanced SR',
  '1.2.840.10008.5.1.4.1.1.88.33': 'Comprehensive SR',
};
export const PARAMETRIC_MAP = '1.2.840.10008.5.1.4.1.1.30';

export type ResultKind = 'sr' | 'parametric-map';

/** The kind of result a SOP class is, or null for anything else. */
export function resultKindOf(sopClassUid: string): ResultKind | null {
  const uid = sopClassUid.trim();
  if (SR_SOP_CLASSES[uid]) return 'sr';
  if (uid === PARAMETRIC_MAP) return 'parametric-map';
  return null;
}

/** Bounds on what one document may make the importer do. */
const MAX_DEPTH = 24;
const MAX_ITEMS = 200_000;
const MAX_FINDINGS = 10_000;
const MAX_REFS = 1_000;
const MAX_TEXT = 256;

export interface ResultFinding {
  finding: string;
  codeValue: string | null;
  codingScheme: string | null;
  score: number | null;
  /** The score's units (UCUM code: "1" for no units, a probability's or a count's; "mm"), when it has some. */
  unit: string | null;
  /**
   * The score's concept as the SR codes it, "<scheme>:<value>" ("DCM:111047"); '' when its NUM
   * has no coded concept or there is no score; null for a finding filed before schema 31.
   */
  scoreConcept: string | null;
  algorithmName: string | null;
  algorithmVersion: string | null;
  algorithmHash: string | null;
  referencedSopInstanceUids: string[];
  /** Whether the score is a probability (0 to 1, or 0 to 100 in "%"; shown as a percentage): scoreIsProbability. */
  probability: boolean;
}

/** A concept that names a probability ("nodule probability", DCM 111047 "Probability of cancer", a likelihood). */
const PROBABILITY = /\b(probability|likelihood)\b/i;

/** Concept codes that are a probability whatever their meaning says (another vendor's wording, another language). */
const PROBABILITY_CONCEPTS = new Set(['DCM:111047']); // Probability of cancer

/** UCUM units of a probability as a fraction, 0 to 1: no units, and the annotations for one. */
const FRACTION_UNITS = new Set(['1', '{probability}', '{ratio}']);

/** Whether a NUM's concept is a probability: by its code, else by its name. */
const isProbabilityConcept = (n: NaturalDataset) => PROBABILITY_CONCEPTS.has(conceptCode(n)) || PROBABILITY.test(meaning(n) ?? '');

/**
 * Whether a finding's score is a probability, from what the library keeps of it: its concept
 * is one, its units are a probability's and its value lies in their range. The concept is one
 * for Lumen's own prediction groups (a Finding of Lumen's scheme 99LUMEN scored by its "<class>
 * probability" NUM), a NUM coded as one (PROBABILITY_CONCEPTS) whatever its meaning, and any
 * NUM whose concept names a probability or likelihood: without a Finding the finding is that
 * NUM's name, with one it reads "<Finding>: <NUM's name>". The units: no units (UCUM "1"),
 * "{probability}" or "{ratio}" with a value from 0 to 1, or "%" from 0 to 100. Any other value
 * (a count, a ratio's "1" under another concept, an index, a value out of range) is a plain
 * number. A finding filed before schema 31 (scoreConcept null) reads as it did then: a value
 * in "1" whose concept is a probability by Lumen's scheme or by its name.
 */
export function scoreIsProbability(f: Pick<ResultFinding, 'finding' | 'codeValue' | 'codingScheme' | 'score' | 'unit' | 'scoreConcept'>): boolean {
  if (f.score === null) return false;
  const named = (f.codingScheme === '99LUMEN' && f.codeValue !== null) || PROBABILITY.test(f.finding);
  if (f.scoreConcept === null) return f.unit === '1' && named;
  if (!named && !PROBABILITY_CONCEPTS.has(f.scoreConcept)) return false;
  if (f.unit !== null && FRACTION_UNITS.has(f.unit)) return f.score >= 0 && f.score <= 1;
  if (f.unit === '%') return f.score >= 0 && f.score <= 100;
  return false;
}

export interface ResultDocument {
  kind: ResultKind;
  sopClassUid: string;
  sopInstanceUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  /** The document title (SR) or the series description. */
  title: string | null;
  /** Content Date and Time as ISO 8601 ("2026-01-02T03:04:05"), date only, or null. */
  contentDate: string | null;
  findings: ResultFinding[];
  /** Parametric Map: the images it is a map of (SOP instance and 0-based frame). */
  sources: { sopInstanceUid: string; frame: number }[];
}

export class ResultReadError extends Error {}

const list = (x: unknown): NaturalDataset[] => (Array.isArray(x) ? x : x && typeof x === 'object' ? [x] : []).filter((v): v is NaturalDataset => !!v && typeof v === 'object');
const str = (x: unknown): string | null => {
  const v = Array.isArray(x) ? x[0] : x;
  if (typeof v !== 'string' && typeof v !== 'number') return null;
  const s = String(v).replace(/\p{Cc}/gu, ' ').trim().slice(0, MAX_TEXT);
  return s === '' ? null : s;
};
const firstCode = (x: unknown) => list(x)[0] ?? null;
const meaning = (item: NaturalDataset) => str(firstCode(item.ConceptNameCodeSequence)?.CodeMeaning);
const conceptValue = (item: NaturalDataset) => str(firstCode(item.ConceptNameCodeSequence)?.CodeValue);
/** An item's concept name code as "<scheme>:<value>", '' when it has none. */
const conceptCode = (item: NaturalDataset) => {
  const code = firstCode(item.ConceptNameCodeSequence);
  const value = str(code?.CodeValue);
  return value ? `${str(code?.CodingSchemeDesignator) ?? ''}:${value}`.slice(0, MAX_TEXT) : '';
};

function dicomDate(date: string | null, time: string | null): string | null {
  if (!date || !/^\d{8}$/.test(date)) return null;
  const d = `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`;
  const t = time?.match(/^(\d{2})(\d{2})?(\d{2})?/);
  return t ? `${d}T${t[1]}:${t[2] ?? '00'}:${t[3] ?? '00'}` : d;
}

/**
 * Reads a Part 10 SR or Parametric Map with dcmjs (no pixel data) into a result document. An
 * unchanged file is not read again on the next import of its folder: a change here to what is
 * read needs a migration that sets result_documents.file_size to NULL, so that the next import
 * reads each held document once more (importer.ts).
 */
export function readResultDocument(bytes: Buffer, kind: ResultKind): ResultDocument {
  const read = (file: ArrayBuffer) => DicomMetaDictionary.naturalizeDataset(DicomMessage.readFile(file, { untilTag: '7FE00008', includeUntilTagValue: false }).dict);
  const refused = (err: unknown) => new ResultReadError(err instanceof RangeError ? 'its sequences are nested too deeply to read' : 'its structure is damaged (an element, sequence or item is malformed)');
  const file = part10(bytes);
  let ds: NaturalDataset;
  let blanked: string | null = null;
  try {
    ds = read(file);
  } catch (err) {
    // dcmjs reads one character set of those it knows, not ISO 2022's several ("\ISO 2022 IR 87"): such a
    // file is read as ASCII (every byte kept by the default decoder), and its text decoded below.
    const plain = !(err instanceof RangeError) && /character set/i.test(err instanceof Error ? err.message : '') ? withDefaultCharacterSet(file) : null;
    if (!plain) throw refused(err);
    try {
      ds = read(plain.file);
    } catch (again) {
      throw refused(again);
    }
    blanked = plain.specific;
  }
  decodeText(ds, blanked);
  const doc: ResultDocument = {
    kind,
    sopClassUid: str(ds.SOPClassUID) ?? '',
    sopInstanceUid: str(ds.SOPInstanceUID) ?? '',
    studyInstanceUid: str(ds.StudyInstanceUID) ?? '',
    seriesInstanceUid: str(ds.SeriesInstanceUID) ?? '',
    title: kind === 'sr' ? meaning(ds) : str(ds.SeriesDescription) ?? str(ds.ContentLabel),
    contentDate: dicomDate(str(ds.ContentDate), str(ds.ContentTime)),
    findings: [],
    sources: [],
  };
  if (kind === 'sr') doc.findings = readFindings(ds);
  else doc.sources = readSources(ds);
  return doc;
}

/** What dcmjs's default decoder (WHATWG "latin1") makes of each byte from 0x80 to 0x9F, back to the byte. */
let highBytes: Map<string, number> | null = null;

/** The bytes dcmjs read for `text`, decoded by its default decoder; null when it holds a character that decoder never writes. */
function defaultDecodedBytes(text: string): Uint8Array | null {
  if (!highBytes) {
    const decoder = new TextDecoder('latin1');
    highBytes = new Map();
    for (let b = 0x80; b < 0xa0; b++) highBytes.set(decoder.decode(Uint8Array.of(b)), b);
  }
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const b = c < 0x80 ? c : (highBytes.get(text[i]) ?? (c >= 0xa0 && c <= 0xff ? c : -1));
    if (b < 0) return null;
    bytes[i] = b;
  }
  return bytes;
}

/**
 * dcmjs decodes a data set's own text in its Specific Character Set, but the text of every
 * sequence item (an SR's content tree, its codes' meanings) with its default decoder, so a
 * UTF-8 report's "für" reads "fÃ¼r". The items' strings are decoded again, from the bytes that
 * decoder read, in the document's character set (electron/dicom/charset.ts), bounded as the
 * reading is; with `blanked` (the Specific Character Set of a file read as ASCII:
 * withDefaultCharacterSet) the data set's own text too. A document without one is left as read.
 */
function decodeText(ds: NaturalDataset, blanked: string | null): void {
  const own = Array.isArray(ds.SpecificCharacterSet) ? ds.SpecificCharacterSet.join('\\') : ds.SpecificCharacterSet;
  const specific = blanked ?? own;
  if (typeof specific !== 'string' || !specific.trim()) return;
  const charset = characterSet(specific);
  const walk: Walk = { items: 0 };
  if (blanked) decodeItem(ds, charset, -1, walk);
  else for (const value of Object.values(ds)) for (const item of sequenceItems(value)) decodeItem(item, charset, 0, walk);
}

/** What a CS value of the default repertoire, padded with spaces, is written over the file's Specific Character Set. */
const DEFAULT_SET = 'ISO_IR 6';

/**
 * The file with its Specific Character Set (the first element of group 0008, in a little endian
 * syntax) written over as ISO_IR 6, and what it said; null when it is not found where it belongs.
 */
function withDefaultCharacterSet(file: ArrayBuffer): { file: ArrayBuffer; specific: string } | null {
  const bytes = new Uint8Array(file.slice(0));
  const view = new DataView(bytes.buffer);
  if (bytes.length < 144 || view.getUint16(132, true) !== 0x0002 || view.getUint16(134, true) !== 0x0000) return null;
  const start = 144 + view.getUint32(140, true);
  // Group 0008 opens the data set: (0008,0005) comes after at most its group length and Length to End.
  for (let at = start; at < Math.min(start + 64, bytes.length - 8); at++) {
    if (view.getUint16(at, true) !== 0x0008 || view.getUint16(at + 2, true) !== 0x0005) continue;
    const explicit = bytes[at + 4] === 0x43 && bytes[at + 5] === 0x53; // "CS"
    const length = explicit ? view.getUint16(at + 6, true) : view.getUint32(at + 4, true);
    const value = at + 8;
    if (length < DEFAULT_SET.length || value + length > bytes.length) return null;
    const specific = Buffer.from(bytes.subarray(value, value + length)).toString('latin1');
    bytes.set(Buffer.from(DEFAULT_SET.padEnd(length, ' '), 'latin1'), value);
    return { file: bytes.buffer, specific };
  }
  return null;
}

/** The items of a naturalized sequence value (an array of data sets), else none. */
const sequenceItems = (value: unknown): NaturalDataset[] => (Array.isArray(value) ? value.filter((v): v is NaturalDataset => !!v && typeof v === 'object' && !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer)) : []);

function decodeItem(item: NaturalDataset, charset: CharacterSet, depth: number, walk: Walk): void {
  if (depth > MAX_DEPTH || ++walk.items > MAX_ITEMS) return;
  const again = (text: string) => {
    // ASCII is itself in every set, but for ISO 2022's escapes (ESC), which switch to another.
    if (!/[^\p{ASCII}]/u.test(text) && !text.includes('\x1b')) return text;
    const bytes = defaultDecodedBytes(text);
    if (!bytes) return text;
    // Bytes that are not text in that set (a dcmjs that decoded the item right already): kept as read.
    const decoded = charset.decode(bytes);
    return decoded.includes('\ufffd') && !text.includes('\ufffd') ? text : decoded;
  };
  for (const [key, value] of Object.entries(item)) {
    if (key === '_vrMap') continue;
    if (typeof value === 'string') item[key] = again(value);
    else if (Array.isArray(value)) {
      if (value.every((v) => typeof v === 'string')) item[key] = value.map((v: string) => again(v));
      else for (const child of sequenceItems(value)) decodeItem(child, charset, depth + 1, walk);
    }
  }
}

/**
 * The file as dcmjs reads it: a Part 10 file as is; a bare data set (no preamble, no meta
 * information, as the importer also accepts) behind a meta header of the little endian
 * syntax its first element shows (explicit when a VR's two letters follow the tag).
 */
function part10(bytes: Buffer): ArrayBuffer {
  let file = bytes;
  if (bytes.length < 132 || bytes.toString('latin1', 128, 132) !== 'DICM') {
    const explicit = bytes.length >= 6 && /^[A-Z]{2}$/.test(bytes.toString('latin1', 4, 6));
    const meta = DicomMetaDictionary.denaturalizeDataset({
      FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
      MediaStorageSOPClassUID: '1.2',
      MediaStorageSOPInstanceUID: '1.2',
      TransferSyntaxUID: explicit ? '1.2.840.10008.1.2.1' : '1.2.840.10008.1.2',
    });
    file = Buffer.concat([Buffer.from(new DicomDict(meta).write()), bytes]);
  }
  return file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer;
}

function readSources(ds: NaturalDataset): { sopInstanceUid: string; frame: number }[] {
  const out = new Map<string, { sopInstanceUid: string; frame: number }>();
  const add = (ref: NaturalDataset) => {
    const uid = str(ref.ReferencedSOPInstanceUID);
    if (!uid || out.size >= MAX_REFS) return;
    const n = Number(Array.isArray(ref.ReferencedFrameNumber) ? ref.ReferencedFrameNumber[0] : ref.ReferencedFrameNumber);
    const frame = Number.isInteger(n) && n >= 1 && n <= 100_000 ? n - 1 : 0;
    out.set(`${uid}#${frame}`, { sopInstanceUid: uid, frame });
  };
  const groups = [ds, ...list(ds.SharedFunctionalGroupsSequence), ...list(ds.PerFrameFunctionalGroupsSequence).slice(0, MAX_REFS)];
  for (const g of groups) {
    for (const ref of list(g.ReferencedImageSequence).slice(0, MAX_REFS)) add(ref);
    for (const d of list(g.DerivationImageSequence).slice(0, MAX_REFS)) for (const ref of list(d.SourceImageSequence).slice(0, MAX_REFS)) add(ref);
  }
  return [...out.values()];
}

interface Walk {
  items: number;
}

function readFindings(ds: NaturalDataset): ResultFinding[] {
  const walk: Walk = { items: 0 };
  const groups: NaturalDataset[] = [];
  collectGroups(list(ds.ContentSequence), 0, walk, groups);
  const findings = (groups.length ? groups : [ds]).map((g) => findingOf(g, ds)).filter((f): f is ResultFinding => f !== null);
  return findings.slice(0, MAX_FINDINGS);
}

/** TID 1501 Measurement Groups (DCM 125007) anywhere in the tree, bounded. */
function collectGroups(items: NaturalDataset[], depth: number, walk: Walk, out: NaturalDataset[]): void {
  if (depth > MAX_DEPTH) return;
  for (const item of items) {
    if (++walk.items > MAX_ITEMS || out.length >= MAX_FINDINGS) return;
    if (str(item.ValueType) === 'CONTAINER' && conceptValue(item) === '125007') out.push(item);
    else collectGroups(list(item.ContentSequence), depth + 1, walk, out);
  }
}

function findingOf(group: NaturalDataset, root: NaturalDataset): ResultFinding | null {
  const content = list(group.ContentSequence).slice(0, MAX_ITEMS);
  // Algorithm identification: in the group (Lumen, TID 1501) or at the document's top level.
  const algorithm = (m: string) => str(content.find((c) => meaning(c) === m)?.TextValue) ?? str(list(root.ContentSequence).slice(0, 1000).find((c) => meaning(c) === m)?.TextValue);
  const params = content.filter((c) => meaning(c) === 'Algorithm Parameters').map((c) => str(c.TextValue) ?? '').join(' ');
  const hash = params.match(/\b[0-9a-f]{64}\b/i)?.[0].toLowerCase() ?? null;

  const refs = new Set<string>();
  const addRefs = (item: NaturalDataset, depth: number) => {
    if (depth > 4) return;
    for (const r of list(item.ReferencedSOPSequence).slice(0, MAX_REFS)) {
      const uid = str(r.ReferencedSOPInstanceUID);
      if (uid && refs.size < MAX_REFS) refs.add(uid);
    }
    for (const c of list(item.ContentSequence).slice(0, MAX_REFS)) addRefs(c, depth + 1);
  };
  for (const c of content) addRefs(c, 0);

  const nums = content.filter((c) => str(c.ValueType) === 'NUM');
  const numValue = (c: NaturalDataset | undefined) => {
    const mv = c ? firstCode(c.MeasuredValueSequence) : null;
    const v = mv ? Number(Array.isArray(mv.NumericValue) ? mv.NumericValue[0] : mv.NumericValue) : NaN;
    return { value: Number.isFinite(v) ? v : null, unit: mv ? str(firstCode(mv.MeasurementUnitsCodeSequence)?.CodeValue) : null };
  };
  const findingItem = content.find((c) => str(c.ValueType) === 'CODE' && conceptValue(c) === '121071') ?? content.find((c) => str(c.ValueType) === 'CODE' && meaning(c) === 'Finding');
  const code = findingItem ? firstCode(findingItem.ConceptCodeSequence) : null;
  let finding = code ? str(code.CodeMeaning) : null;
  let scoreItem: NaturalDataset | undefined;
  if (code) {
    const value = str(code.CodeValue);
    const scheme = str(code.CodingSchemeDesignator);
    scoreItem = nums.find((n) => conceptValue(n) === value && str(firstCode(n.ConceptNameCodeSequence)?.CodingSchemeDesignator) === scheme);
    // Another document's probability of the finding under a concept of its own (DCM 111047 "Probability of cancer",
    // whatever its meaning says, or a concept named a probability).
    const probability = scoreItem ? undefined : nums.find(isProbabilityConcept);
    if (probability) {
      scoreItem = probability;
      finding = `${finding}: ${meaning(probability) ?? 'Probability of cancer'}`.slice(0, MAX_TEXT);
    }
  } else {
    scoreItem = nums[0];
    finding = scoreItem ? meaning(scoreItem) : (str(content.find((c) => str(c.ValueType) === 'TEXT')?.TextValue) ?? null);
  }
  if (!finding) return null;
  const { value, unit } = numValue(scoreItem);
  const scoreConcept = scoreItem && value !== null ? conceptCode(scoreItem) : '';
  const read = { finding, codeValue: code ? str(code.CodeValue) : null, codingScheme: code ? str(code.CodingSchemeDesignator) : null, score: value, unit, scoreConcept };
  return {
    ...read,
    algorithmName: algorithm('Algorithm Name'),
    algorithmVersion: algorithm('Algorithm Version'),
    algorithmHash: hash,
    referencedSopInstanceUids: [...refs],
    probability: scoreIsProbability(read),
  };
}

/**
 * Files a result document into the library (replacing what the same file or the same SOP instance
 * held), with the file's size and modification time as read, so that an unchanged file is not read
 * again, and the key of its own patient (importer.ts patientKeyOf; schema 32), so that it is listed
 * only with a study of that patient (OWN_PATIENT).
 */
export function saveResultDocument(
  db: Database.Database,
  doc: ResultDocument,
  file: string,
  stat: { size: number; mtimeMs: number },
  importedAt: string,
  patientKey: string,
): void {
  deleteDocuments(db, 'path = ? OR sop_uid = ?', file, doc.sopInstanceUid);
  db.prepare(
    'INSERT INTO result_documents (sop_uid, sop_class_uid, kind, study_uid, series_uid, path, title, content_date, imported_at, file_size, mtime_ms, patient_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(doc.sopInstanceUid, doc.sopClassUid, doc.kind, doc.studyInstanceUid, doc.seriesInstanceUid, file, doc.title, doc.contentDate, importedAt, stat.size, stat.mtimeMs, patientKey);
  const finding = db.prepare(
    'INSERT INTO result_findings (document_uid, ordinal, finding, code_value, coding_scheme, score, unit, score_concept, algorithm_name, algorithm_version, algorithm_hash, referenced_sop_uids) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  doc.findings.forEach((f, i) =>
    finding.run(doc.sopInstanceUid, i, f.finding, f.codeValue, f.codingScheme, f.score, f.unit, f.scoreConcept ?? '', f.algorithmName, f.algorithmVersion, f.algorithmHash, JSON.stringify(f.referencedSopInstanceUids)),
  );
  const source = db.prepare('INSERT OR IGNORE INTO result_map_sources (document_uid, source_sop_uid, source_frame) VALUES (?, ?, ?)');
  for (const s of doc.sources) source.run(doc.sopInstanceUid, s.sopInstanceUid, s.frame);
}

/** Forgets the result document a file held, if any. */
export function forgetResultFile(db: Database.Database, file: string): void {
  deleteDocuments(db, 'path = ?', file);
}

/** The files of result documents by SOP Instance UID (those the library has). */
export function resultDocumentFiles(db: Database.Database, sopInstanceUids: string[]): Map<string, string> {
  const query = db.prepare<[string], { path: string }>('SELECT path FROM result_documents WHERE sop_uid = ?');
  const files = new Map<string, string>();
  for (const uid of sopInstanceUids) {
    const row = query.get(uid);
    if (row) files.set(uid, row.path);
  }
  return files;
}

/** The files of the result documents under a folder (`prefix` ends with the path separator). */
export function resultFilesUnder(db: Database.Database, prefix: string): string[] {
  return db.prepare<[string, string], { path: string }>('SELECT path FROM result_documents WHERE path >= ? AND path < ?').all(prefix, prefix + '\u{10ffff}').map((r) => r.path);
}

/** Deletes documents and their rows (explicitly: a connection may run without foreign keys). */
function deleteDocuments(db: Database.Database, where: string, ...args: string[]): void {
  const docs = `SELECT sop_uid FROM result_documents WHERE ${where}`;
  db.prepare(`DELETE FROM result_findings WHERE document_uid IN (${docs})`).run(...args);
  db.prepare(`DELETE FROM result_map_sources WHERE document_uid IN (${docs})`).run(...args);
  db.prepare(`DELETE FROM result_documents WHERE ${where}`).run(...args);
}

export interface StudyResult {
  sopInstanceUid: string;
  kind: ResultKind;
  title: string | null;
  contentDate: string | null;
  findings: ResultFinding[];
  sources: { sopInstanceUid: string; frame: number }[];
}

interface DocRow {
  sop_uid: string;
  kind: ResultKind;
  title: string | null;
  content_date: string | null;
}
interface FindingRow {
  finding: string;
  code_value: string | null;
  coding_scheme: string | null;
  score: number | null;
  unit: string | null;
  score_concept: string | null;
  algorithm_name: string | null;
  algorithm_version: string | null;
  algorithm_hash: string | null;
  referenced_sop_uids: string;
}

/**
 * SQL: the result document `d` is of the patient its study is filed under. A document carries its
 * study by Study Instance UID alone, and another patient's (a copy edited, another site's UIDs)
 * may carry the same: the importer refuses one whose study the library holds for another patient,
 * but one filed first, whose study came later with another patient's images, is held too. Such a
 * document is never listed or shown with the study. A study the library does not hold has no
 * patient to differ from; a document filed before schema 32 (no key) is listed as then, until
 * the next import of its folder reads it again.
 */
const OWN_PATIENT = `coalesce(d.patient_key = (SELECT p.patient_key FROM studies st JOIN patients p ON p.id = st.patient_ref WHERE st.study_uid = d.study_uid), 1)`;

/** SQL: the map `d` is of the patient of its source image `s` (as OWN_PATIENT: the heatmap is drawn over that image). */
const IMAGE_PATIENT = `coalesce(d.patient_key = (SELECT p.patient_key FROM instances i JOIN series se ON se.series_uid = i.series_uid
  JOIN studies st ON st.study_uid = se.study_uid JOIN patients p ON p.id = st.patient_ref WHERE i.sop_uid = s.source_sop_uid), 1)`;

/**
 * How many result documents filed with a study are of another patient (not OWN_PATIENT), and so
 * not listed with it: the Results list says so, with the count alone (no patient values).
 */
export function otherPatientResults(db: Database.Database, studyInstanceUid: string): number {
  return db.prepare<[string], { n: number }>(`SELECT count(*) AS n FROM result_documents d WHERE d.study_uid = ? AND NOT ${OWN_PATIENT}`).get(studyInstanceUid)!.n;
}

/** The result documents filed with a study, of its patient (OWN_PATIENT), newest first, with their findings and map sources. */
export function studyResults(db: Database.Database, studyInstanceUid: string): StudyResult[] {
  const docs = db
    .prepare<[string], DocRow>(`SELECT d.sop_uid, d.kind, d.title, d.content_date FROM result_documents d WHERE d.study_uid = ? AND ${OWN_PATIENT} ORDER BY d.content_date DESC, d.sop_uid`)
    .all(studyInstanceUid);
  const findings = db.prepare<[string], FindingRow>('SELECT * FROM result_findings WHERE document_uid = ? ORDER BY ordinal');
  const sources = db.prepare<[string], { source_sop_uid: string; source_frame: number }>('SELECT source_sop_uid, source_frame FROM result_map_sources WHERE document_uid = ? ORDER BY source_sop_uid, source_frame');
  return docs.map((d) => ({
    sopInstanceUid: d.sop_uid,
    kind: d.kind,
    title: d.title,
    contentDate: d.content_date,
    findings: findings.all(d.sop_uid).map((f) => {
      const read = { finding: f.finding, codeValue: f.code_value, codingScheme: f.coding_scheme, score: f.score, unit: f.unit, scoreConcept: f.score_concept };
      return {
        ...read,
        algorithmName: f.algorithm_name,
        algorithmVersion: f.algorithm_version,
        algorithmHash: f.algorithm_hash,
        referencedSopInstanceUids: safeUids(f.referenced_sop_uids),
        probability: scoreIsProbability(read),
      };
    }),
    sources: sources.all(d.sop_uid).map((s) => ({ sopInstanceUid: s.source_sop_uid, frame: s.source_frame })),
  }));
}

function safeUids(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((u): u is string => typeof u === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Which frame of a map (0-based) lies over an image's frame (0-based): the one whose references
 * (its per-frame group's, else the Shared group's, as readSources reads them) name the image's
 * SOP Instance UID with that Referenced Frame Number (none counts as frame 1, as in readSources);
 * else the first naming the image without a frame number; else the first. A map with one frame
 * per frame of a multi-frame source (highdicom's layout) names the same SOP in every frame.
 */
function mapFrameOf(ds: NaturalDataset, frames: number, sopInstanceUid: string, frame: number): number {
  const refsOf = (g: NaturalDataset | undefined): NaturalDataset[] =>
    g ? [...list(g.ReferencedImageSequence).slice(0, MAX_REFS), ...list(g.DerivationImageSequence).slice(0, MAX_REFS).flatMap((d) => list(d.SourceImageSequence).slice(0, MAX_REFS))] : [];
  const perFrame = list(ds.PerFrameFunctionalGroupsSequence).slice(0, frames);
  const shared = refsOf(list(ds.SharedFunctionalGroupsSequence)[0]);
  const frameOf = (r: NaturalDataset): number | null => {
    const n = Number(Array.isArray(r.ReferencedFrameNumber) ? r.ReferencedFrameNumber[0] : r.ReferencedFrameNumber);
    return Number.isInteger(n) && n >= 1 ? n - 1 : null;
  };
  let unnumbered = -1;
  for (let k = 0; k < frames; k++) {
    const own = refsOf(perFrame[k]);
    for (const r of own.length > 0 ? own : shared) {
      if (str(r.ReferencedSOPInstanceUID) !== sopInstanceUid) continue;
      const n = frameOf(r);
      if ((n ?? 0) === frame && (n !== null || frame === 0)) return k;
      if (n === null && unnumbered < 0) unnumbered = k;
    }
  }
  return Math.max(0, unnumbered);
}

/** A parametric map's values over one source image, for the viewer's heatmap layer. */
export interface MapValues {
  sopInstanceUid: string;
  title: string | null;
  rows: number;
  columns: number;
  values: Float32Array;
  min: number;
  max: number;
}

/** The largest map read for the viewer: 4096 x 4096 floats. */
const MAX_MAP_VALUES = 4096 * 4096;

/**
 * The newest parametric map of an image (and frame) the library holds, of the image's patient
 * (IMAGE_PATIENT), its values read from its file; null when there is none. Throws ResultReadError when the file no longer reads.
 */
export function mapForImage(db: Database.Database, sopInstanceUid: string, frame: number, read: (file: string) => Buffer): MapValues | null {
  const row = db
    .prepare<[string, number], { sop_uid: string; path: string; title: string | null }>(
      `SELECT d.sop_uid, d.path, d.title FROM result_map_sources s JOIN result_documents d ON d.sop_uid = s.document_uid
       WHERE s.source_sop_uid = ? AND s.source_frame = ? AND ${IMAGE_PATIENT} ORDER BY d.content_date DESC, d.imported_at DESC LIMIT 1`,
    )
    .get(sopInstanceUid, frame);
  if (!row) return null;
  const bytes = read(row.path);
  let ds: NaturalDataset;
  try {
    ds = DicomMetaDictionary.naturalizeDataset(DicomMessage.readFile(part10(bytes)).dict);
  } catch {
    throw new ResultReadError(`the parametric map ${row.path} cannot be read any more (damaged or changed since it was imported). Import it again.`);
  }
  const rows = Number(ds.Rows);
  const columns = Number(ds.Columns);
  const frames = Math.max(1, Number(ds.NumberOfFrames) || 1);
  const data = list(ds.FloatPixelData)[0] ?? (Array.isArray(ds.FloatPixelData) ? ds.FloatPixelData[0] : ds.FloatPixelData);
  const valid = Number.isInteger(rows) && Number.isInteger(columns) && rows > 0 && columns > 0 && rows * columns <= MAX_MAP_VALUES;
  if (!valid || !(data instanceof ArrayBuffer) || data.byteLength < rows * columns * frames * 4) {
    throw new ResultReadError(`the parametric map ${row.path} has no float pixel data Lumen can show (32-bit, Rows x Columns x frames).`);
  }
  const at = mapFrameOf(ds, frames, sopInstanceUid, frame);
  const values = new Float32Array(data.slice(at * rows * columns * 4, (at + 1) * rows * columns * 4));
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!Number.isFinite(min)) min = max = 0;
  return { sopInstanceUid: row.sop_uid, title: row.title, rows, columns, values, min, max };
}
