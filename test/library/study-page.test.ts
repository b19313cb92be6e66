// The study list a page at a time (Library.studyPage, electron/library/study-page.ts), on a
// library of 2,500 studies written straight into SQLite: every page put together is the
// whole list in its order (test/renderer/study-order.test.ts holds the other sorts and the
// filters to the order the list had when it sorted in the page), search runs in SQL, a cursor survives imports, and a forged
// cursor is refused with a message that says what to do.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { openDatabase } from '../../electron/library/sqlite';
import type { StudyPageQuery } from '../../electron/library/study-page';
import type { StudyNode } from '../../electron/library/types';
import { addPtSeries, fillLibrary } from '../support/library-rows';

const STUDIES = 2500;
let dir: string;
let lib: Library;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-study-page-'));
  // Every third study also has a PT series.
  fillLibrary(dir, { studies: STUDIES, seriesPerStudy: 1 });
  addPtSeries(dir);
  lib = Library.open(dir);
});

afterAll(() => {
  lib.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Every page of a query, one after another, with each page's reply. */
function allPages(q: StudyPageQuery): { studies: StudyNode[]; pages: ReturnType<Library['studyPage']>[] } {
  const pages: ReturnType<Library['studyPage']>[] = [];
  let cursor = q.cursor;
  do {
    const page = lib.studyPage({ ...q, cursor });
    pages.push(page);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && pages.length < 100);
  return { studies: pages.flatMap((p) => p.studies), pages };
}

const uids = (studies: readonly { studyInstanceUid: string }[]) => studies.map((s) => s.studyInstanceUid);

describe('the study list a page at a time', () => {
  it('puts together, page after page, exactly the whole list in its order (newest first)', () => {
    const whole = lib.listStudiesWithSeries();
    expect(whole).toHaveLength(STUDIES);
    const { studies, pages } = allPages({ limit: 300 });
    expect(pages).toHaveLength(Math.ceil(STUDIES / 300));
    expect(pages.slice(0, -1).every((p) => p.studies.length === 300 && p.nextCursor)).toBe(true);
    expect(pages.at(-1)!.nextCursor).toBeNull();
    expect(studies).toEqual(whole);
    expect(pages.every((p) => p.total === STUDIES && p.unfiltered === STUDIES)).toBe(true);
    expect(pages[0].modalities).toEqual(['CR', 'CT', 'DX', 'MR', 'PT', 'US']);
    // The default page is 200 studies, each with its series.
    const first = lib.studyPage();
    expect(first.studies).toEqual(whole.slice(0, 200));
    expect(first.studies.some((s) => s.series.length === 2 && s.modalities.includes('PT'))).toBe(true);
  });

  it('searches in SQL, with counts', () => {
    const whole = lib.listStudiesWithSeries();
    // A search: one patient far down the list, by name as the list shows it; counts follow.
    const last = whole.at(-1)!;
    const found = lib.studyPage({ search: last.patientName!.replace('^', ' ') });
    expect(uids(found.studies)).toEqual([last.studyInstanceUid]);
    expect(found).toMatchObject({ total: 1, unfiltered: 1, nextCursor: null });
    expect(lib.studyPage({ search: 'Bulk study 12' }).total).toBe(lib.listStudies({ search: 'Bulk study 12' }).length);
    // Filters narrow the total, not the search's count.
    const mr = lib.studyPage({ modalities: ['MR'], search: 'Bulk' });
    expect(mr.total).toBe(STUDIES / 5);
    expect(mr.unfiltered).toBe(STUDIES);
  });

  it('keeps its place when an import adds studies between pages', () => {
    const first = lib.studyPage({ limit: 100 });
    const db = openDatabase(path.join(dir, LIBRARY_FILE));
    try {
      // One newer than everything (it belongs on page one), one in the middle of what is still to come.
      const ref = db.prepare("INSERT INTO patients (patient_key, patient_id, patient_name) VALUES ('NEW1', 'NEW1', 'Newcomer^One')").run().lastInsertRowid;
      db.prepare("INSERT INTO studies (study_uid, patient_ref, study_date, study_time) VALUES ('1.2.3.999.1', ?, '20300101', '120000'), ('1.2.3.999.2', ?, '20030101', '120000')").run(ref, ref);
      const rest = allPages({ limit: 400, cursor: first.nextCursor! }).studies;
      const seen = [...uids(first.studies), ...uids(rest)];
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.filter((u) => !u.startsWith('1.2.3.999.'))).toEqual(uids(lib.listStudiesWithSeries()).filter((u) => !u.startsWith('1.2.3.999.')));
      expect(seen).toContain('1.2.3.999.2');
      expect(seen).not.toContain('1.2.3.999.1');
      expect(lib.studyPage({ limit: 1 }).studies[0].studyInstanceUid).toBe('1.2.3.999.1');
    } finally {
      db.prepare("DELETE FROM studies WHERE study_uid LIKE '1.2.3.999.%'").run();
      db.prepare("DELETE FROM patients WHERE patient_key = 'NEW1'").run();
      db.close();
    }
  });

  it('refuses a cursor it did not give, or one of another sort, saying what to do', () => {
    const byName = lib.studyPage({ sort: 'name', limit: 5 }).nextCursor!;
    const forged = Buffer.from(JSON.stringify({ sort: 'date', values: [0, "x' OR 1=1 --"] })).toString('base64url');
    for (const cursor of ['not a cursor', byName, forged, Buffer.from('[1,2,3]').toString('base64url')]) {
      expect(() => lib.studyPage({ cursor }), cursor).toThrow(/a place this library did not give it.*Ask for the first page again/);
    }
    expect(() => lib.studyPage({ from: '2024-13' })).toThrow(/from date "2024-13" is not a date like 2024-01-31/);
  });
});
