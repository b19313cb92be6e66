// The study list a page at a time: the SQL of each sort order as a list of keys, the
// filters the study browser offers (modalities, a date range) and the cursor that says
// where the next page starts. Keyset pagination: a page starts after the last row of the
// one before by its sort keys (never OFFSET), so rows an import adds while the user
// scrolls neither repeat nor push others out of the pages still to come.
import type { STUDY_SORT_IDS } from '../../common/contract/library';
import { LibraryError } from './errors';

export type StudySort = (typeof STUDY_SORT_IDS)[number];

export interface StudyPageQuery {
  search?: string;
  sort?: StudySort;
  /** Studies with a series of any of these modalities; none: every study. */
  modalities?: readonly string[];
  /** Inclusive study-date bounds, "2024-01-31" (as an <input type="date"> gives them) or DICOM "20240131". */
  from?: string;
  to?: string;
  limit?: number;
  /** The nextCursor of the page before, for the same sort. */
  cursor?: string;
}

/** One key of a sort order: an SQL expression over studies `st` and patients `p` that is never NULL, and its direction. */
interface SortKey {
  sql: string;
  desc: boolean;
}

/** The study's modalities, sorted and joined with "/", as the list shows them (NULL for none): stored with the study (schema 14). */
const MODALITY_LIST = 'st.modality_list';

const text = (sql: string) => `coalesce(${sql}, '')`;
/** Unknown (NULL or empty) last, then the value: two keys. */
const knownFirst = (sql: string, collate = ''): SortKey[] => [
  { sql: `(${text(sql)} = '')`, desc: false },
  { sql: `${text(sql)}${collate}`, desc: false },
];
const NEWEST_FIRST: SortKey[] = [
  { sql: `(${text('st.study_date')} = '')`, desc: false },
  { sql: text('st.study_date'), desc: true },
  { sql: text('st.study_time'), desc: true },
];
const PATIENT_NAME: SortKey = { sql: text('p.patient_name'), desc: false };
/** The study UID last: every row's keys differ, so a cursor names one place. */
const UNIQUE: SortKey = { sql: 'st.study_uid', desc: false };

/**
 * Each sort as the list had it when it sorted in the page: newest first, then patient
 * (the library's order ever since); patient name, then ID, then newest; modality, then
 * newest, then patient. Names and modalities compare without case.
 */
const SORTS: Record<StudySort, SortKey[]> = {
  date: [...NEWEST_FIRST, PATIENT_NAME, UNIQUE],
  name: [...knownFirst('p.patient_name', ' COLLATE NOCASE'), ...knownFirst('p.patient_id', ' COLLATE NOCASE'), ...NEWEST_FIRST, UNIQUE],
  modality: [...knownFirst(MODALITY_LIST, ' COLLATE NOCASE'), ...NEWEST_FIRST, PATIENT_NAME, UNIQUE],
};

export const STUDY_PAGE_DEFAULT = 200;
export const STUDY_PAGE_MAX = 1000;

/** The columns that carry a row's sort keys (k0, k1, …), for the cursor of the page's last row. */
export function sortKeyColumns(sort: StudySort): string {
  return SORTS[sort].map((k, i) => `${k.sql} AS k${i}`).join(', ');
}

export function orderBy(sort: StudySort): string {
  return ' ORDER BY ' + SORTS[sort].map((k) => `${k.sql}${k.desc ? ' DESC' : ''}`).join(', ');
}

/** Rows after the cursor's in this order: (k0 after c0) or (k0 = c0 and k1 after c1) or … */
function afterCursor(sort: StudySort, values: readonly (string | number)[], params: Record<string, unknown>): string {
  const keys = SORTS[sort];
  keys.forEach((_, i) => (params[`c${i}`] = values[i]));
  const terms = keys.map((k, i) => [...keys.slice(0, i).map((e, j) => `${e.sql} = @c${j}`), `${k.sql} ${k.desc ? '<' : '>'} @c${i}`].join(' AND '));
  return `(${terms.map((t) => `(${t})`).join(' OR ')})`;
}

const CURSOR_PROBLEM = 'The study list asked for a page after a place this library did not give it (a cursor of another sort or another version of Lumen). Ask for the first page again.';

export function encodeCursor(sort: StudySort, row: Record<string, unknown>): string {
  const values = SORTS[sort].map((_, i) => row[`k${i}`]);
  return Buffer.from(JSON.stringify({ sort, values }), 'utf8').toString('base64url');
}

function decodeCursor(sort: StudySort, cursor: string): (string | number)[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new LibraryError(CURSOR_PROBLEM);
  }
  const c = parsed as { sort?: unknown; values?: unknown };
  const ok =
    typeof c === 'object' && c !== null && c.sort === sort && Array.isArray(c.values) && c.values.length === SORTS[sort].length &&
    c.values.every((v) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)));
  if (!ok) throw new LibraryError(CURSOR_PROBLEM);
  return c.values as (string | number)[];
}

/** "2024-01-31" or "20240131" as DICOM DA; anything else is refused. */
function dicomDate(value: string, which: string): string {
  const da = value.replace(/-/g, '');
  if (!/^\d{8}$/.test(da)) throw new LibraryError(`The study list's ${which} date "${value.slice(0, 20)}" is not a date like 2024-01-31.`);
  return da;
}

/**
 * The conditions the filters add (AND-ed with the search), filling `params`; the date range
 * leaves out studies without a date, as the list's filter always did.
 */
export function filterConditions(q: StudyPageQuery, params: Record<string, unknown>): string[] {
  const conditions: string[] = [];
  const modalities = [...new Set(q.modalities ?? [])];
  if (modalities.length > 0) {
    modalities.forEach((m, i) => (params[`m${i}`] = m));
    conditions.push(`EXISTS (SELECT 1 FROM series se3 WHERE se3.study_uid = st.study_uid AND se3.modality IN (${modalities.map((_, i) => `@m${i}`).join(', ')}))`);
  }
  if (q.from) {
    params.from = dicomDate(q.from, 'from');
    conditions.push(`${text('st.study_date')} >= @from`);
  }
  if (q.to) {
    params.to = dicomDate(q.to, 'to');
    conditions.push(`${text('st.study_date')} <= @to`);
  }
  if (q.from || q.to) conditions.push(`(${text('st.study_date')} = '') = 0`);
  return conditions;
}

/** The keyset condition of `cursor` (filling `params`), or none for the first page. */
export function cursorCondition(sort: StudySort, cursor: string | undefined, params: Record<string, unknown>): string[] {
  return cursor ? [afterCursor(sort, decodeCursor(sort, cursor), params)] : [];
}
