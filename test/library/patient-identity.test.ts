// One Patient ID with other patient details in another series (files by dcmtk's dump2dcm and
// dcmodify): nothing is dropped silently. The file is imported with a warning, its series keeps
// its own name, birth date and sex, the study's conflicts are found and every name is
// searchable. A file whose study the library holds for another patient is refused, with a
// reason that names no patient. A localizer series is marked as one.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { SERIES_OF_ANOTHER_STUDY, STUDY_OF_ANOTHER_PATIENT } from '../../electron/library/importer';
import { countIssues } from '../../common/import-summary';
import { patientConflicts } from '../../common/patient-conflicts';
import type { ImportReport } from '../../electron/library/types';
import { writeMoreExternalSet, type MoreExternalSet } from '../e2e/external-dicom-more';
import { tmpDir } from './fixtures';

/** A copy of `from` with other attributes (dcmodify), as another series of the same study. */
function variant(from: string, to: string, changes: Record<string, string>): string {
  fs.copyFileSync(from, to);
  execFileSync('dcmodify', ['-nb', ...Object.entries(changes).flatMap(([tag, value]) => ['-m', `${tag}=${value}`]), to], { stdio: 'pipe' });
  return to;
}

describe('patient identity at import', () => {
  const dir = tmpDir('identity');
  let set: MoreExternalSet;
  let lib: Library;
  let first: ImportReport;
  let later: ImportReport;
  let moved: string;
  let otherBirth: string;
  let movedSeries: string;
  let sameSeriesOtherStudy: string;
  beforeAll(async () => {
    set = writeMoreExternalSet(path.join(dir, 'in'));
    lib = Library.open(path.join(dir, 'lib'));
    first = await lib.importPaths([set.dir]);
    const source = path.join(set.dir, 'two-names-1.dcm');
    const later1 = path.join(dir, 'later');
    fs.mkdirSync(later1);
    const uid = `${set.twoNames.studyUid}.9`;
    // Same study, another Patient ID: the study would "move" to another patient.
    moved = variant(source, path.join(later1, 'moved.dcm'), { '(0010,0020)': 'OTHER-ID-7', '(0020,000e)': `${uid}.1`, '(0008,0018)': `${uid}.1.1` });
    // Same Patient ID and name, another birth date and sex.
    otherBirth = variant(source, path.join(later1, 'other-birth.dcm'), {
      '(0010,0030)': '19800202',
      '(0010,0040)': 'M',
      '(0020,000e)': `${uid}.2`,
      '(0008,0018)': `${uid}.2.1`,
    });
    // Same series, another study of another patient; and another study of the same patient.
    movedSeries = variant(source, path.join(later1, 'moved-series.dcm'), { '(0010,0020)': 'OTHER-ID-8', '(0020,000d)': `${uid}.77`, '(0008,0018)': `${uid}.3.1` });
    sameSeriesOtherStudy = variant(source, path.join(later1, 'series-other-study.dcm'), { '(0020,000d)': `${uid}.78`, '(0008,0018)': `${uid}.4.1` });
    later = await lib.importPaths([later1]);
  }, 120_000);
  afterAll(() => {
    lib?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const study = (uid: string) => lib.listStudiesWithSeries().find((s) => s.studyInstanceUid === uid)!;

  it('imports a file whose name differs, warns in the report, and keeps its own name with its series', () => {
    const file = path.join(set.dir, 'two-names-2.dcm');
    const warning = first.errors.find((e) => e.file === file);
    expect(warning?.kind).toBe('conflict');
    expect(warning?.reason).toMatch(/^its Patient's Name \(0010,0010\) differs from what the library holds for the same Patient ID\. Imported/);
    // No patient data in a reason: reasons reach logs.
    for (const name of set.twoNames.names) expect(warning?.reason).not.toContain(name.split('^')[0]);
    const issues = countIssues(first.errors);
    expect(issues.conflict).toBe(1);
    expect(issues.error).toBe(0);

    const st = study(set.twoNames.studyUid);
    const two = st.series.filter((s) => set.twoNames.series.some((t) => t.uid === s.seriesInstanceUid));
    // A series keeps its own value only where it differs from the patient's.
    expect(two.map((s) => s.patientName)).toEqual([null, set.twoNames.names[1]]);
    expect(two.reduce((n, s) => n + s.instances, 0)).toBe(2);
    expect(patientConflicts(st, two)).toEqual([{ field: 'name', values: set.twoNames.names }]);
    expect(lib.getSeries(set.twoNames.series[1].uid)?.patientName).toBe('Doe-Smith^Jane^M');
  });

  it('finds the study by either name, as written and as the list shows it', () => {
    const found = (search: string) => lib.listStudies({ search }).map((s) => s.studyInstanceUid);
    expect(found('Doe-Smith')).toEqual([set.twoNames.studyUid]);
    expect(found('Doe-Smith Jane M')).toEqual([set.twoNames.studyUid]);
    expect(found('Doe Jane')).toEqual([set.twoNames.studyUid]);
  });

  it('refuses a file whose study the library holds for another patient, naming no patient', () => {
    const refused = later.errors.find((e) => e.file === moved);
    expect(refused).toEqual({ file: moved, kind: 'error', reason: STUDY_OF_ANOTHER_PATIENT });
    expect(refused?.reason).not.toContain('OTHER-ID-7');
    const st = study(set.twoNames.studyUid);
    expect(st.patientId).toBe(set.twoNames.patientId);
    expect(st.series.map((s) => s.seriesInstanceUid)).not.toContain(`${set.twoNames.studyUid}.9.1`);
    expect(lib.listStudies().filter((s) => s.patientId === 'OTHER-ID-7')).toEqual([]);
    expect(lib.importErrors().find((e) => e.file === moved)?.reason).toBe(STUDY_OF_ANOTHER_PATIENT);
  });

  it("keeps each series' own Patient ID at import; the refused file's ID is on no series and finds nothing", () => {
    const db = new Database(path.join(dir, 'lib', LIBRARY_FILE), { readonly: true });
    try {
      // Every series holds its files' Patient ID (schema 20), the same as its patient's here.
      const differ = db.prepare('SELECT count(*) FROM series se JOIN studies st ON st.study_uid = se.study_uid JOIN patients p ON p.id = st.patient_ref WHERE se.patient_id IS NOT p.patient_id');
      expect(differ.pluck().get()).toBe(0);
      expect(db.prepare('SELECT count(*) FROM series WHERE patient_id IS NULL').pluck().get()).toBe(0);
      expect(db.prepare("SELECT count(*) FROM series WHERE patient_id IN ('OTHER-ID-7', 'OTHER-ID-8')").pluck().get()).toBe(0);
    } finally {
      db.close();
    }
    const st = study(set.twoNames.studyUid);
    expect(st.series.map((s) => s.patientId ?? null).filter(Boolean)).toEqual([]);
    expect(patientConflicts(st, st.series).map((c) => c.field)).not.toContain('patientId');
    expect(lib.listStudies({ search: set.twoNames.patientId }).map((s) => s.studyInstanceUid)).toContain(set.twoNames.studyUid);
    expect(lib.listStudies({ search: 'OTHER-ID-7' })).toEqual([]);
  });

  it('refuses a file whose series the library holds in another study, for another patient or the same', () => {
    for (const file of [movedSeries, sameSeriesOtherStudy]) expect(later.errors.find((e) => e.file === file)).toEqual({ file, kind: 'error', reason: SERIES_OF_ANOTHER_STUDY });
    expect(SERIES_OF_ANOTHER_STUDY).not.toMatch(/OTHER-ID|Doe/);
    const series = set.twoNames.series[0].uid;
    // The series stays in its study with its one image; neither study appears.
    expect(lib.listInstances(series).map((i) => i.sopInstanceUid)).not.toContain(`${set.twoNames.studyUid}.9.3.1`);
    expect(lib.listInstances(series)).toHaveLength(1);
    for (const st of [`${set.twoNames.studyUid}.9.77`, `${set.twoNames.studyUid}.9.78`]) expect(lib.listStudies().map((s) => s.studyInstanceUid)).not.toContain(st);
    expect(lib.listStudies().filter((s) => s.patientId === 'OTHER-ID-8')).toEqual([]);
  });

  it('warns of another birth date and sex, and the series keeps them', () => {
    const warning = later.errors.find((e) => e.file === otherBirth);
    expect(warning?.kind).toBe('conflict');
    expect(warning?.reason).toMatch(/^its Patient's Birth Date \(0010,0030\) and Patient's Sex \(0010,0040\) differ from/);
    const st = study(set.twoNames.studyUid);
    const series = st.series.find((s) => s.seriesInstanceUid === `${set.twoNames.studyUid}.9.2`)!;
    expect([series.patientName, series.birthDate, series.sex]).toEqual([null, '19800202', 'M']);
    expect(st.birthDate).toBe('19700101');
    expect(patientConflicts(st, st.series).map((c) => [c.field, c.values])).toEqual([
      ['name', set.twoNames.names],
      ['birthDate', ['19700101', '19800202']],
      ['sex', ['F', 'M']],
    ]);
  });

  it('marks a series whose Image Type says LOCALIZER, and no other', () => {
    const st = study(set.nonImage.studyUid);
    const flags = Object.fromEntries(st.series.map((s) => [s.seriesDescription, s.localizer]));
    expect(Object.values(flags).filter(Boolean)).toHaveLength(1);
    expect(Object.entries(flags).find(([, l]) => l)?.[0]).toMatch(/SCOUT|LOCALIZER|TOPOGRAM/i);
  });
});
