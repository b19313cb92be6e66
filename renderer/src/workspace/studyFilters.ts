// The study list's sorts (date, patient name, modality) and filters (modalities, a date
// range). The library sorts and filters in SQL now, a page at a time
// (electron/library/study-page.ts); arrangeStudies is the order the list had when it did this
// in the page, kept as the reference test/renderer/study-order.test.ts holds the SQL to.
import type { StudyWithSeries } from '../../../common/contract/library';

export type StudySort = 'date' | 'name' | 'modality';

export const STUDY_SORTS: readonly { id: StudySort; label: string }[] = [
  { id: 'date', label: 'Newest first' },
  { id: 'name', label: 'Patient name' },
  { id: 'modality', label: 'Modality' },
];

export interface StudyFilter {
  /** Modalities to show; empty shows every study. A study shows when any of its series has one. */
  modalities: readonly string[];
  /** Inclusive bounds as an <input type="date"> gives them ("2024-01-31"), or '' for none. */
  from: string;
  to: string;
}

export const NO_FILTER: StudyFilter = { modalities: [], from: '', to: '' };

/** "2024-01-31" -> "20240131" (DICOM DA), '' for anything else. */
function dicomDate(isoDate: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(isoDate) ? isoDate.replace(/-/g, '') : '';
}

/** The modalities present in the studies, sorted, for the filter's choices. */
export function modalitiesOf(studies: readonly StudyWithSeries[]): string[] {
  const all = new Set<string>();
  for (const st of studies) for (const m of st.modalities) all.add(m);
  return [...all].sort();
}

export function isFiltering(filter: StudyFilter): boolean {
  return filter.modalities.length > 0 || dicomDate(filter.from) !== '' || dicomDate(filter.to) !== '';
}

const byText = (a: string | null, b: string | null) => {
  // Unknowns last, whatever the field.
  if (!a || !b) return a ? -1 : b ? 1 : 0;
  return a.localeCompare(b, undefined, { sensitivity: 'base' });
};

/** Newest first; studies without a date last. */
const byDate = (a: StudyWithSeries, b: StudyWithSeries) => {
  const da = `${a.studyDate ?? ''}${a.studyTime ?? ''}`;
  const db = `${b.studyDate ?? ''}${b.studyTime ?? ''}`;
  if (!a.studyDate || !b.studyDate) return a.studyDate ? -1 : b.studyDate ? 1 : 0;
  return da < db ? 1 : da > db ? -1 : 0;
};

const COMPARE: Record<StudySort, (a: StudyWithSeries, b: StudyWithSeries) => number> = {
  date: (a, b) => byDate(a, b) || byText(a.patientName, b.patientName),
  name: (a, b) => byText(a.patientName, b.patientName) || byText(a.patientId, b.patientId) || byDate(a, b),
  modality: (a, b) => byText(a.modalities.join('/') || null, b.modalities.join('/') || null) || byDate(a, b) || byText(a.patientName, b.patientName),
};

/** The studies to list, in order; never changes its input. Ties keep the library's order. */
export function arrangeStudies(studies: readonly StudyWithSeries[], filter: StudyFilter, sort: StudySort): StudyWithSeries[] {
  const from = dicomDate(filter.from);
  const to = dicomDate(filter.to);
  const wanted = new Set(filter.modalities);
  const shown = studies.filter((st) => {
    if (wanted.size > 0 && !st.modalities.some((m) => wanted.has(m))) return false;
    if (from || to) {
      // A study without a date is outside every date range.
      if (!st.studyDate) return false;
      if (from && st.studyDate < from) return false;
      if (to && st.studyDate > to) return false;
    }
    return true;
  });
  const index = new Map(studies.map((st, i) => [st, i]));
  return shown.sort((a, b) => COMPARE[sort](a, b) || index.get(a)! - index.get(b)!);
}
