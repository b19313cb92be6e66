/**
 * A study query, the same for QIDO-RS and C-FIND: the user's filters become
 * DICOM attribute matches, and each answer becomes one StudyMatch named with
 * DICOM keywords.
 */
import { QUERY_CAPS } from '../../common/contract/pacs';
import { isUid } from '../../common/dicom-uid';
import { type PacsHint, PacsError } from './errors';

export interface StudyQuery {
  patientId?: string;
  /** DICOM wildcard matching (* and ?), as the PACS does it. */
  patientName?: string;
  modality?: string;
  /** YYYYMMDD, YYYYMMDD-YYYYMMDD, YYYYMMDD- or -YYYYMMDD. */
  studyDate?: string;
  accession?: string;
  description?: string;
}

export interface StudyMatch {
  StudyInstanceUID: string;
  PatientID: string;
  PatientName: string;
  StudyDate: string;
  StudyDescription: string;
  AccessionNumber: string;
  ModalitiesInStudy: string[];
  NumberOfStudyRelatedSeries: number | null;
  NumberOfStudyRelatedInstances: number | null;
}

export interface InstanceRef {
  sopInstanceUid: string;
  seriesInstanceUid: string;
}

/**
 * The most answers one query reads (QIDO-RS or C-FIND): a PACS that sends more (a C-FIND that
 * never ends restarts the silence watchdog with every match) is stopped there, not held in memory
 * and handed to the app. Studies and series: the first ones are shown, saying there were more
 * (`Found.incomplete`). Instances (what a retrieve lists): a study past the bound is listed and
 * retrieved series by series (retrieve.ts), so memory holds one series' listing at a time; a
 * single series past it is not retrieved, saying so (`seriesTooLarge`), since retrieving part of
 * it without saying which part would be worse.
 */
export const MAX_MATCHES = { studies: QUERY_CAPS.studies, series: QUERY_CAPS.series, instances: 200_000 } as const;

/**
 * The most studies one query of this connection lists, or series one study: its own cap
 * (`maxStudies`, `maxSeries`, set with lumen pacs add or in Settings, PACS), else MAX_MATCHES;
 * never past QUERY_CAPS.most, whatever a hand-edited pacs.json says. Instances are not a setting.
 */
export function matchLimit(connection: { maxStudies?: number; maxSeries?: number }, kind: 'studies' | 'series' | 'instances'): number {
  if (kind === 'instances') return MAX_MATCHES.instances;
  const own = kind === 'studies' ? connection.maxStudies : connection.maxSeries;
  return Math.min(own ?? MAX_MATCHES[kind], QUERY_CAPS.most);
}

/** What a study or series query found: the matches read, and why they are not all the PACS has (null: they are). */
export interface Found<T> {
  matches: T[];
  /** In neutral words for the user; the app and the CLI add `incompleteHint` in theirs (appWords, cliWords). */
  incomplete: string | null;
  /** The setting that lists more (the connection's cap), when the cap is what cut the list and it can go higher. */
  incompleteHint?: PacsHint;
}

const count = (n: number) => n.toLocaleString('en-US');

/** The PACS sent more than `limit` matches: the first `limit` are shown. */
export function moreThanShown(pacs: string, what: 'studies' | 'series', limit: number): string {
  const next = what === 'studies' ? 'Narrow the search (a patient, a date range, a modality).' : 'Retrieve the whole study, or ask the PACS administrator why it lists so many.';
  return `PACS "${pacs}" returned more than ${count(limit)} ${what}; showing the first ${count(limit)}. ${next}`;
}

/** The hint for a list cut at the connection's cap `limit`: raise it (none once it is QUERY_CAPS.most). */
export function raiseCapHint(what: 'studies' | 'series', limit: number): PacsHint | undefined {
  return limit < QUERY_CAPS.most ? { code: 'raise-cap', setting: what === 'studies' ? 'maxStudies' : 'maxSeries', value: String(limit) } : undefined;
}

/** The PACS stopped being read before its answer ended (`why`): what came before is shown. */
export function cutShort(pacs: string, what: 'studies' | 'series', shown: number, why: string): string {
  return `PACS "${pacs}" ${why}; Lumen stopped reading there and shows the ${count(shown)} ${what} before it. Narrow the search, or ask the PACS administrator.`;
}

/**
 * A PACS listed more instances than a retrieve reads for one study or series (`limit`: how many it read,
 * MAX_MATCHES.instances or what came before 64 MiB of QIDO-RS JSON): retrieve.ts then goes series by series.
 */
export class TooManyInstances extends PacsError {
  constructor(
    message: string,
    readonly limit: number,
  ) {
    super(message, 'connection');
  }
}

/** What Lumen says when a PACS sends more than MAX_MATCHES instances for a retrieve to list. */
export function tooManyMatches(pacs: string, what: string, limit: number): PacsError {
  return new TooManyInstances(`PACS "${pacs}" sent more than ${limit} matches when asked to ${what}; Lumen stopped reading them. Retrieve the study series by series.`, limit);
}

/** A series with more instances than a retrieve lists (`limit`): not retrieved, and what to do instead. */
export function seriesTooLarge(pacs: string, seriesUid: string, limit: number): string {
  return `Series ${seriesUid} has more than ${count(limit)} instances on PACS "${pacs}", more than Lumen lists to retrieve one series; it was not retrieved. Ask the PACS administrator to split it into smaller series, or retrieve it with another DICOM tool.`;
}

/**
 * A study retrieved series by series (more instances than one listing reads) whose series the PACS
 * did not list in full: nothing is retrieved. `capped`: the connection's series cap cut the list
 * (the caller adds the hint that raises it); else a match was too large to read.
 */
export function seriesNotAllListed(pacs: string, studyUid: string, capped: boolean): string {
  const why = capped ? 'it lists more series than the connection reads for one study' : 'its list of the series was cut short';
  return `Study ${studyUid} has more instances on PACS "${pacs}" than Lumen lists at once, so Lumen retrieves it series by series, but ${why}; nothing was retrieved. Ask the PACS administrator why.`;
}

/** The query filter a message is about (`value`: its key in StudyQuery), which the CLI names by its flag. */
const field = (key: keyof StudyQuery): PacsHint => ({ code: 'query-field', setting: 'queryField', value: key });

/** Why 8 digits YYYYMMDD are not a calendar day (a DICOM DA value), or null when they are one. */
function notADay(day: string): string | null {
  const [year, month, date] = [Number(day.slice(0, 4)), Number(day.slice(4, 6)), Number(day.slice(6, 8))];
  if (year < 1) return 'there is no year 0000';
  if (month < 1 || month > 12) return `there is no month ${day.slice(4, 6)}`;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (date < 1) return 'there is no day 00';
  if (date > days) return `${MONTHS[month - 1]} ${year} has ${days} days`;
  return null;
}
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** Checks the user's filters; a bad one is named with how to write it. Nothing leaves the machine before this passes. */
export function checkQuery(query: StudyQuery): StudyQuery {
  const date = query.studyDate;
  if (date !== undefined && !/^(\d{8}|\d{8}-|-\d{8}|\d{8}-\d{8})$/.test(date)) {
    throw new PacsError(`Study date "${date}" is not a date or range: write YYYYMMDD or YYYYMMDD-YYYYMMDD (either end may be left open).`, 'connection', field('studyDate'));
  }
  for (const day of date?.split('-') ?? []) {
    const wrong = day && notADay(day);
    if (wrong) throw new PacsError(`Study date "${date}"${day === date ? '' : `: ${day}`} is not a date (${wrong}): write YYYYMMDD, e.g. 20240131.`, 'connection', field('studyDate'));
  }
  if (date && /^\d{8}-\d{8}$/.test(date) && date.slice(0, 8) > date.slice(9)) throw new PacsError(`Study date ${date} ends before it starts.`, 'connection', field('studyDate'));
  if (query.modality !== undefined && !/^[A-Z0-9 _]{1,16}$/.test(query.modality)) throw new PacsError(`Modality "${query.modality}" is not a DICOM modality code (CT, MR, US...).`, 'connection', field('modality'));
  for (const [key, words, value] of [
    ['patientId', 'Patient ID', query.patientId],
    ['patientName', 'Patient name', query.patientName],
    ['accession', 'Accession number', query.accession],
    ['description', 'Description', query.description],
  ] as const) {
    // A backslash separates values in DICOM; control characters have no place in a match.
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
    if (value !== undefined && (/[\\\x00-\x1f\x7f]/.test(value) || value.length > 64)) throw new PacsError(`${words} holds a backslash, a control character or more than 64 characters.`, 'connection', field(key));
  }
  return query;
}

/** The query as DICOM keywords and match values ('' = return this attribute, match anything). */
export function queryKeys(query: StudyQuery): Record<string, string> {
  return {
    PatientID: query.patientId ?? '',
    PatientName: query.patientName ?? '',
    ModalitiesInStudy: query.modality ?? '',
    StudyDate: query.studyDate ?? '',
    AccessionNumber: query.accession ?? '',
    StudyDescription: query.description ?? '',
  };
}

/** One QIDO-RS DICOM JSON study, or null when it has no usable StudyInstanceUID. */
export function studyFromJson(item: Record<string, unknown>): StudyMatch | null {
  const values = (tag: string): unknown[] => {
    const v = (item[tag] as { Value?: unknown } | undefined)?.Value;
    return Array.isArray(v) ? v : [];
  };
  const text = (tag: string): string => {
    const v = values(tag)[0];
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
    if (v && typeof v === 'object' && typeof (v as { Alphabetic?: unknown }).Alphabetic === 'string') return (v as { Alphabetic: string }).Alphabetic;
    return '';
  };
  const count = (tag: string): number | null => {
    const n = Number(values(tag)[0]);
    return values(tag).length && Number.isFinite(n) ? n : null;
  };
  return studyMatch({
    uid: text('0020000D'),
    patientId: text('00100020'),
    patientName: text('00100010'),
    studyDate: text('00080020'),
    description: text('00081030'),
    accession: text('00080050'),
    modalities: values('00080061').filter((m): m is string => typeof m === 'string'),
    series: count('00201206'),
    instances: count('00201208'),
  });
}

/** A StudyMatch from plain values, or null when the UID is not a UID. */
export function studyMatch(v: {
  uid: string;
  patientId: string;
  patientName: string;
  studyDate: string;
  description: string;
  accession: string;
  modalities: string[];
  series: number | null;
  instances: number | null;
}): StudyMatch | null {
  const uid = v.uid.replace(/\0+$/, '').trim();
  if (!isUid(uid)) return null;
  // Each value at most what its VR holds (PN: three groups of 64), so thousands of matches stay small whatever a PACS sends.
  return {
    StudyInstanceUID: uid,
    PatientID: v.patientId.slice(0, 64),
    PatientName: v.patientName.slice(0, 194),
    StudyDate: v.studyDate.slice(0, 18),
    StudyDescription: v.description.slice(0, 64),
    AccessionNumber: v.accession.slice(0, 16),
    ModalitiesInStudy: v.modalities.slice(0, 32).map((m) => m.slice(0, 16)),
    NumberOfStudyRelatedSeries: v.series,
    NumberOfStudyRelatedInstances: v.instances,
  };
}
