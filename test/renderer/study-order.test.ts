// The study list sorts and filters in SQL now (Library.studyPage), a page at a time; before,
// the page did it over every study (studyFilters.ts, arrangeStudies). On 2,500 studies
// written straight into SQLite (every third with a second, PT series; every 50th without a
// date), every page of each sort and filter put together is what arrangeStudies made of the
// whole list: users see the same order as before.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import type { StudyPageQuery } from '../../electron/library/study-page';
import { arrangeStudies, NO_FILTER, type StudyFilter } from '../../renderer/src/workspace/studyFilters';
import { addPtSeries, fillLibrary } from '../support/library-rows';

const STUDIES = 2500;
let dir: string;
let lib: Library;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-study-order-'));
  fillLibrary(dir, { studies: STUDIES });
  addPtSeries(dir);
  lib = Library.open(dir);
});

afterAll(() => {
  lib.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function allPages(q: StudyPageQuery): string[] {
  const uids: string[] = [];
  let cursor: string | undefined;
  for (let n = 0; n < 100; n++) {
    const page = lib.studyPage({ ...q, cursor });
    uids.push(...page.studies.map((s) => s.studyInstanceUid));
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return uids;
}

const uids = (studies: readonly { studyInstanceUid: string }[]) => studies.map((s) => s.studyInstanceUid);

describe('the study list sorted and filtered by the library', () => {
  it('sorts by date, patient name and modality as the list did in the page', () => {
    const whole = lib.listStudiesWithSeries();
    for (const sort of ['date', 'name', 'modality'] as const) {
      expect(allPages({ sort, limit: 700 }), sort).toEqual(uids(arrangeStudies(whole, NO_FILTER, sort)));
    }
  });

  it('filters by modality and date range as the list did in the page', () => {
    const whole = lib.listStudiesWithSeries();
    const filters: StudyFilter[] = [
      { modalities: ['MR'], from: '', to: '' },
      { modalities: ['PT', 'US'], from: '2003-01-01', to: '2004-06-30' },
      { modalities: [], from: '', to: '2000-12-31' },
    ];
    for (const filter of filters) {
      const expected = arrangeStudies(whole, filter, 'name');
      const got = allPages({ sort: 'name', modalities: filter.modalities, from: filter.from || undefined, to: filter.to || undefined, limit: 150 });
      expect(got, JSON.stringify(filter)).toEqual(uids(expected));
      expect(lib.studyPage({ modalities: filter.modalities, from: filter.from || undefined, to: filter.to || undefined }).total).toBe(expected.length);
    }
  });
});
