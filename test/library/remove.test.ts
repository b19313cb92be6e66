// Removing a study or a series from the library, and undoing it (electron/library/remove.ts).
// Real SQLite through the real importer, files by dcmtk's dump2dcm; what hangs on the study
// (labels, predictions, series scores and attention, measurements, an SR) is written as the
// library's own writers write it. Undo must restore the very same rows: a dump of every
// affected table before the removal and after the undo are compared as text.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { KEPT_REMOVALS } from '../../electron/library/remove';
import { PATIENT_A, PATIENT_B, tmpDir, writeSlice } from './fixtures';

const STUDY_A = PATIENT_A.studyUid;
const SERIES_A1 = PATIENT_A.seriesUid;
const SERIES_A2 = `${STUDY_A}.2`;
const SR_UID = `${STUDY_A}.50.1`;
/** Patient A's second study: it keeps the patient row when study A goes. */
const STUDY_C = '1.2.826.0.1.3680043.10.543.3';
const SERIES_C1 = `${STUDY_C}.1`;
const STUDY_B = PATIENT_B.studyUid;
const SERIES_B1 = PATIENT_B.seriesUid;
const MODEL = 'a'.repeat(64);

const TABLES = ['patients', 'studies', 'series', 'instances', 'labels', 'predictions', 'series_predictions', 'series_attention', 'measurements', 'result_documents', 'result_findings', 'result_map_sources'];

function writeSr(file: string): void {
  const item = (lines: string[]) => ['(fffe,e000) na (Item with undefined length #=1)', ...lines, '(fffe,e00d) na (ItemDelimitationItem)'];
  const sequence = (tag: string, items: string[][]) => [`(${tag}) SQ (Sequence with undefined length #=1)`, ...items.flatMap(item), '(fffe,e0dd) na (SequenceDelimitationItem)'];
  const code = (tag: string, value: string, scheme: string, meaning: string) => sequence(tag, [[`(0008,0100) SH [${value}]`, `(0008,0102) SH [${scheme}]`, `(0008,0104) LO [${meaning}]`]]);
  const lines = [
    '(0002,0002) UI [1.2.840.10008.5.1.4.1.1.88.11]',
    `(0002,0003) UI [${SR_UID}]`,
    '(0002,0010) UI =LittleEndianExplicit',
    '(0008,0016) UI [1.2.840.10008.5.1.4.1.1.88.11]',
    `(0008,0018) UI [${SR_UID}]`,
    '(0008,0020) DA [20240102]',
    '(0008,0023) DA [20240103]',
    '(0008,0033) TM [120000]',
    '(0008,0060) CS [SR]',
    `(0010,0010) PN [${PATIENT_A.patientName}]`,
    `(0010,0020) LO [${PATIENT_A.patientId}]`,
    `(0020,000d) UI [${STUDY_A}]`,
    `(0020,000e) UI [${STUDY_A}.50]`,
    '(0040,a040) CS [CONTAINER]',
    ...code('0040,a043', '126000', 'DCM', 'Imaging Measurement Report'),
    '(0040,a050) CS [SEPARATE]',
    '(0040,a491) CS [COMPLETE]',
    '(0040,a493) CS [UNVERIFIED]',
    ...sequence('0040,a730', [['(0040,a010) CS [CONTAINS]', '(0040,a040) CS [TEXT]', ...code('0040,a043', '121071', 'DCM', 'Finding'), '(0040,a160) UT [No acute finding.]']]),
  ];
  fs.writeFileSync(`${file}.dump`, lines.join('\n') + '\n');
  execFileSync('dump2dcm', [`${file}.dump`, file], { stdio: 'pipe' });
  fs.rmSync(`${file}.dump`);
}

describe('removing a study or series from the library', () => {
  let work: string;
  let folder: string;
  let library: Library;
  let db: Database.Database;

  /** Every row of the affected tables, in a fixed order, as text. */
  const dump = (tables = TABLES) =>
    tables
      .map((t) => {
        const n = (db.prepare(`SELECT count(*) AS n FROM pragma_table_info('${t}')`).get() as { n: number }).n;
        const order = Array.from({ length: n }, (_, i) => i + 1).join(', ');
        return `${t}: ${JSON.stringify(db.prepare(`SELECT * FROM ${t} ORDER BY ${order}`).raw().all())}`;
      })
      .join('\n');
  const rowsOf = (table: string, where: string, ...params: unknown[]) => db.prepare(`SELECT * FROM ${table} WHERE ${where}`).all(...params);
  const studies = () => library.listStudies().map((s) => s.studyInstanceUid).sort();

  beforeAll(async () => {
    work = tmpDir('remove');
    folder = path.join(work, 'in');
    fs.mkdirSync(folder);
    const slice = (seriesUid: string, i: number, extra: object = {}) => ({ ...PATIENT_A, seriesUid, sopUid: `${seriesUid}.${i}`, instanceNumber: i, z: i * 2.5, ...extra });
    for (let i = 1; i <= 3; i++) writeSlice(path.join(folder, `A1_${i}`), slice(SERIES_A1, i));
    for (let i = 1; i <= 2; i++) writeSlice(path.join(folder, `A2_${i}`), slice(SERIES_A2, i, { seriesNumber: 2, seriesDescription: 'CORONAL' }));
    for (let i = 1; i <= 2; i++) writeSlice(path.join(folder, `C1_${i}`), slice(SERIES_C1, i, { studyUid: STUDY_C, studyDescription: 'ABDOMEN', studyDate: '20250101' }));
    for (let i = 1; i <= 2; i++) writeSlice(path.join(folder, `B1_${i}`), { ...PATIENT_B, sopUid: `${SERIES_B1}.${i}`, instanceNumber: i, z: i * 5, studyDescription: 'HEAD' });
    writeSr(path.join(folder, 'report.dcm'));
    library = Library.open(path.join(work, 'lib'));
    const report = await library.importPaths([folder]);
    expect(report.errors).toEqual([]);
    expect(report).toMatchObject({ instances: 9, results: 1 });
    db = new Database(path.join(work, 'lib', LIBRARY_FILE));
    db.pragma('busy_timeout = 5000');
    // What hangs on the studies, as the label store, the prediction store and the viewer write it.
    const label = db.prepare('INSERT INTO labels (target_kind, target_uid, label, author, created_at) VALUES (?, ?, ?, ?, ?)');
    label.run('study', STUDY_A, 'normal', 'tester', '2026-01-01T00:00:00.000Z');
    label.run('series', SERIES_A2, 'coronal', 'tester', '2026-01-01T00:00:01.000Z');
    label.run('image', `${SERIES_A1}.2`, 'nodule', 'tester', '2026-01-01T00:00:02.000Z');
    label.run('study', STUDY_B, 'normal', 'tester', '2026-01-01T00:00:03.000Z');
    label.run('image', `${SERIES_C1}.1`, 'cyst', 'tester', '2026-01-01T00:00:04.000Z');
    const prediction = db.prepare('INSERT INTO predictions (model_hash, target_kind, target_uid, frame, series_uid, scores, created_at, uncertainty) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    prediction.run(MODEL, 'image', `${SERIES_A1}.1`, 0, SERIES_A1, '{"scores":[0.1,0.9]}', '2026-01-02T00:00:00.000Z', 0.125);
    prediction.run(MODEL, 'image', `${SERIES_A2}.1`, 0, SERIES_A2, '{"scores":[0.3,0.7]}', '2026-01-02T00:00:00.000Z', null);
    prediction.run(MODEL, 'image', `${SERIES_B1}.1`, 0, SERIES_B1, '{"scores":[0.5,0.5]}', '2026-01-02T00:00:00.000Z', 0.1 + 0.2);
    db.prepare('INSERT INTO series_predictions (model_hash, series_uid, scores, created_at) VALUES (?, ?, ?, ?)').run(MODEL, SERIES_A1, '{"scores":[0.2,0.8]}', '2026-01-02T00:00:00.000Z');
    db.prepare('INSERT INTO series_attention (model_hash, series_uid, sop_uid, frame, weight) VALUES (?, ?, ?, ?, ?)').run(MODEL, SERIES_A1, `${SERIES_A1}.1`, 0, 1 / 3);
    library.saveMeasurement({ id: 'm-remove-a1', seriesInstanceUid: SERIES_A1, sopInstanceUid: `${SERIES_A1}.1`, frame: 0, kind: 'length', points: [[1, 2], [10.25, 20.5]], createdAt: '2026-01-03T00:00:00.000Z' });
    library.saveMeasurement({ id: 'm-remove-b1', seriesInstanceUid: SERIES_B1, sopInstanceUid: `${SERIES_B1}.1`, frame: 0, kind: 'probe', points: [[3, 4]], createdAt: '2026-01-03T00:00:00.000Z' });
  });
  afterAll(() => {
    db?.close();
    library?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('removes a study and all it holds, keeps the patient another study holds, the other studies and the files; undo restores the same rows', () => {
    const before = dump();
    const othersBefore = {
      b: rowsOf('instances', 'series_uid IN (?, ?)', SERIES_B1, SERIES_C1),
      labels: rowsOf('labels', 'target_uid IN (?, ?)', STUDY_B, `${SERIES_C1}.1`),
      predictions: rowsOf('predictions', 'series_uid = ?', SERIES_B1),
      measurements: rowsOf('measurements', 'series_uid = ?', SERIES_B1),
    };
    const preview = library.removalPreview({ studyInstanceUid: STUDY_A });
    expect(preview).toEqual({
      studyInstanceUid: STUDY_A,
      seriesInstanceUids: [SERIES_A1, SERIES_A2].sort(),
      studyRemoved: true,
      patientRemoved: false, // study C holds patient A
      images: 5,
      frames: 5,
      labels: 3,
      measurements: 1,
      predictions: 3, // two images' scores and one series head's
      imageScores: 2,
      seriesScores: 1,
      studyScores: 0,
      results: 1,
      filesInLibraryFolder: 0,
    });
    expect(dump()).toBe(before); // the question changes nothing

    const { counts, undoToken } = library.remove({ studyInstanceUid: STUDY_A });
    expect(counts).toEqual(preview);
    expect(studies()).toEqual([STUDY_B, STUDY_C].sort());
    for (const [table, where] of [
      ['series', 'study_uid = ?'],
      ['instances', "sop_uid LIKE ? || '.%'"],
      ['labels', "target_uid = ? OR target_uid LIKE ? || '.%'"],
      ['predictions', "target_uid LIKE ? || '.%'"],
      ['series_predictions', "series_uid LIKE ? || '.%'"],
      ['series_attention', "series_uid LIKE ? || '.%'"],
      ['measurements', "series_uid LIKE ? || '.%'"],
      ['result_documents', 'study_uid = ?'],
    ] as const) {
      const n = where.split('?').length - 1;
      expect(rowsOf(table, where, ...Array(n).fill(STUDY_A)), table).toEqual([]);
    }
    expect(rowsOf('result_findings', 'document_uid = ?', SR_UID)).toEqual([]);
    expect(rowsOf('patients', 'patient_id = ?', PATIENT_A.patientId)).toHaveLength(1);
    // Nothing of another study was touched.
    expect(rowsOf('instances', 'series_uid IN (?, ?)', SERIES_B1, SERIES_C1)).toEqual(othersBefore.b);
    expect(rowsOf('labels', 'target_uid IN (?, ?)', STUDY_B, `${SERIES_C1}.1`)).toEqual(othersBefore.labels);
    expect(rowsOf('predictions', 'series_uid = ?', SERIES_B1)).toEqual(othersBefore.predictions);
    expect(rowsOf('measurements', 'series_uid = ?', SERIES_B1)).toEqual(othersBefore.measurements);
    // The search index follows: the study's description no longer finds it; files stay on disk.
    expect(library.listStudies({ search: 'CHEST' }).map((s) => s.studyInstanceUid)).not.toContain(STUDY_A);
    expect(fs.readdirSync(folder)).toHaveLength(10);
    // The snapshot that undoes it lies in the library folder, private.
    const snapshot = path.join(work, 'lib', 'removed', `${undoToken}.json`);
    expect(fs.statSync(snapshot).mode & 0o777).toBe(0o600);
    expect(library.auditEntries().at(-1)).toMatchObject({ action: 'remove', touched: { studies: [STUDY_A], images: 5 } });

    expect(library.undoRemoval(undoToken)).toEqual(counts);
    expect(dump()).toBe(before);
    expect(library.listStudies({ search: 'CHEST' }).map((s) => s.studyInstanceUid)).toContain(STUDY_A);
    expect(fs.existsSync(snapshot)).toBe(false);
    expect(() => library.undoRemoval(undoToken)).toThrow(/nothing to undo .* undone already/);
  });

  it('removes one series of a study and keeps the rest of it; undo restores it', () => {
    const before = dump();
    const { counts, undoToken } = library.remove({ seriesInstanceUid: SERIES_A2 });
    expect(counts).toMatchObject({ studyInstanceUid: STUDY_A, seriesInstanceUids: [SERIES_A2], studyRemoved: false, patientRemoved: false, images: 2, labels: 1, predictions: 1, measurements: 0, results: 0 });
    expect(library.getSeries(SERIES_A2)).toBeNull();
    expect(library.listInstances(SERIES_A1)).toHaveLength(3);
    expect(rowsOf('labels', 'target_uid = ?', STUDY_A)).toHaveLength(1); // the study's label stays with the study
    expect(rowsOf('result_documents', 'study_uid = ?', STUDY_A)).toHaveLength(1);
    library.undoRemoval(undoToken);
    expect(dump()).toBe(before);
  });

  it("removes a study with its patient when no other study holds the patient, and a study's last series takes the study", () => {
    const before = dump();
    const { counts, undoToken } = library.remove({ seriesInstanceUid: SERIES_B1 });
    expect(counts).toMatchObject({ studyInstanceUid: STUDY_B, studyRemoved: true, patientRemoved: true, images: 2, labels: 1, measurements: 1, predictions: 1 });
    expect(rowsOf('patients', 'patient_id = ?', PATIENT_B.patientId)).toEqual([]);
    expect(studies()).toEqual([STUDY_A, STUDY_C].sort());
    library.undoRemoval(undoToken);
    expect(dump()).toBe(before);
  });

  it('refuses what it does not have, and a token it did not give, with a clear message', () => {
    const before = dump();
    expect(() => library.remove({ studyInstanceUid: '1.2.3.999' })).toThrow('the library has no study 1.2.3.999; nothing was removed.');
    expect(() => library.remove({ seriesInstanceUid: '1.2.3.999' })).toThrow('the library has no series 1.2.3.999; nothing was removed.');
    expect(() => library.undoRemoval('../../etc/passwd')).toThrow('that is not an undo token Lumen gave');
    expect(() => library.undoRemoval('0000000000-0123456789abcdef')).toThrow(/nothing to undo/);
    expect(dump()).toBe(before);
  });

  it('will not put a study back over the same study imported again, and keeps at most the newest removals', async () => {
    const { undoToken } = library.remove({ studyInstanceUid: STUDY_C });
    await library.importPaths([folder]);
    const before = dump();
    expect(() => library.undoRemoval(undoToken)).toThrow(`study ${STUDY_C} cannot be put back: the library holds some of it again`);
    expect(dump()).toBe(before);
    // Removed and imported again, more times than snapshots are kept: the oldest go.
    for (let i = 0; i < KEPT_REMOVALS; i++) {
      library.remove({ seriesInstanceUid: SERIES_C1 });
      await library.importPaths([folder]);
    }
    expect(fs.readdirSync(path.join(work, 'lib', 'removed'))).toHaveLength(KEPT_REMOVALS);
    expect(() => library.undoRemoval(undoToken)).toThrow(/nothing to undo .* older than the last 20 removals/);
  });
});
