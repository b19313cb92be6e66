// The study list's pure parts: sorting and filtering (studyFilters.ts) and the virtual
// window (virtualWindow.ts), on lists as large as a real library's.
import { describe, expect, it } from 'vitest';
import type { StudyWithSeries } from '../../common/contract/library';
import { arrangeStudies, isFiltering, modalitiesOf, NO_FILTER } from '../../renderer/src/workspace/studyFilters';
import { rowOffsets, scrollTarget, visibleRange } from '../../renderer/src/workspace/virtualWindow';

function study(uid: string, name: string | null, date: string | null, modalities: string[], time: string | null = null): StudyWithSeries {
  return {
    studyInstanceUid: uid,
    patientKey: uid,
    patientId: `ID-${uid}`,
    patientName: name,
    studyDate: date,
    studyTime: time,
    studyDescription: null,
    accessionNumber: null,
    modalities,
    seriesCount: modalities.length,
    instances: 1,
    missing: 0,
    series: [],
  };
}

const STUDIES = [
  study('a', 'Zed^Anna', '20240105', ['CT']),
  study('b', 'adams^Bob', '20231201', ['MR', 'SR']),
  study('c', null, '20240105', ['CR'], '101500'),
  study('d', 'Miller^Cy', null, ['CT', 'PT']),
  study('e', 'Adams^Al', '20220301', []),
];
const uids = (list: StudyWithSeries[]) => list.map((s) => s.studyInstanceUid).join('');

describe('arranging studies', () => {
  it('sorts by date, newest first (time breaks ties), undated last', () => {
    expect(uids(arrangeStudies(STUDIES, NO_FILTER, 'date'))).toBe('cabed');
  });

  it('sorts by patient name ignoring case, then ID; unnamed last', () => {
    expect(uids(arrangeStudies(STUDIES, NO_FILTER, 'name'))).toBe('ebdac');
  });

  it('sorts by modality, studies without one last', () => {
    expect(uids(arrangeStudies(STUDIES, NO_FILTER, 'modality'))).toBe('cadbe');
  });

  it('filters by any of the chosen modalities', () => {
    expect(uids(arrangeStudies(STUDIES, { ...NO_FILTER, modalities: ['CT'] }, 'date'))).toBe('ad');
    expect(uids(arrangeStudies(STUDIES, { ...NO_FILTER, modalities: ['SR', 'CR'] }, 'date'))).toBe('cb');
  });

  it('filters by an inclusive date range; undated studies fall outside any range', () => {
    expect(uids(arrangeStudies(STUDIES, { ...NO_FILTER, from: '2023-12-01' }, 'date'))).toBe('cab');
    expect(uids(arrangeStudies(STUDIES, { ...NO_FILTER, to: '2023-12-01' }, 'date'))).toBe('be');
    expect(uids(arrangeStudies(STUDIES, { ...NO_FILTER, from: '2023-01-01', to: '2023-12-31' }, 'date'))).toBe('b');
    // A half-typed date is no bound.
    expect(uids(arrangeStudies(STUDIES, { ...NO_FILTER, from: '2023-1' }, 'date'))).toBe('cabed');
  });

  it('leaves its input alone and lists the modalities present', () => {
    const before = uids(STUDIES);
    arrangeStudies(STUDIES, { ...NO_FILTER, modalities: ['CT'] }, 'name');
    expect(uids(STUDIES)).toBe(before);
    expect(modalitiesOf(STUDIES)).toEqual(['CR', 'CT', 'MR', 'PT', 'SR']);
    expect(isFiltering(NO_FILTER)).toBe(false);
    expect(isFiltering({ ...NO_FILTER, to: '2024-01-01' })).toBe(true);
  });
});

describe('the virtual window', () => {
  const heights = Array.from({ length: 2000 }, (_, i) => (i % 10 === 0 ? 120 : 70));
  const offsets = rowOffsets(heights);

  it('places rows one after another', () => {
    expect(offsets.slice(0, 4)).toEqual([0, 120, 190, 260]);
    expect(offsets[2000]).toBe(200 * 120 + 1800 * 70);
  });

  it('renders the rows overlapping the viewport plus the overscan, not the whole list', () => {
    // Rows 0-7 (0-610 px) overlap the first 600 px.
    expect(visibleRange(offsets, 0, 600, 0)).toEqual({ start: 0, end: 8 });
    const mid = visibleRange(offsets, 50_000, 600, 300);
    // Every row overlapping [49,700, 50,900) and nothing more than one row either side.
    expect(offsets[mid.start]).toBeLessThanOrEqual(49_700);
    expect(offsets[mid.start + 1]).toBeGreaterThan(49_700);
    expect(offsets[mid.end]).toBeGreaterThanOrEqual(50_900);
    expect(offsets[mid.end - 1]).toBeLessThan(50_900);
    expect(mid.end - mid.start).toBeLessThan(25);
    expect(visibleRange(offsets, offsets[2000] - 600, 600, 0).end).toBe(2000);
    expect(visibleRange(rowOffsets([]), 0, 600, 300)).toEqual({ start: 0, end: 0 });
  });

  it('scrolls a row into view only when it is not already', () => {
    expect(scrollTarget(offsets, 1, 0, 600)).toBeNull();
    expect(scrollTarget(offsets, 1000, 0, 600)).toBe(offsets[1000] - 8);
    expect(scrollTarget(offsets, 0, 500, 600)).toBe(0);
    expect(scrollTarget(offsets, 5000, 0, 600)).toBeNull();
  });
});
