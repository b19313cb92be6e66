// A library imported before schema 15 holds no series' own patient details: when one Patient ID
// had two names in its files, the second was hidden. Opening it with this Lumen reads them from
// the files, once: the study card warns (through the engine's request), both names are found,
// the import issues name the file; files gone or changed are counted and change nothing.
// The old library is made as a Lumen of schema 14 left it: its tables at migration 14, rows
// copied from a library this Lumen imported (files by dcmtk's dump2dcm and dcmodify).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../common/contract';
import type { ImportFileError, PatientDetailsCheck, StudyWithSeries } from '../../common/contract/library';
import type { RequestContext } from '../../common/rpc';
import { patientConflicts } from '../../common/patient-conflicts';
import { createEngine } from '../../electron/engine/engine';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { migrate } from '../../electron/library/schema';
import { fillSeriesPatients, fillSeriesPatientsInTurns, SERIES_PATIENTS_KEY } from '../../electron/library/series-patients';
import { NAMES } from '../dicom/charset-fixtures';
import { runLumen } from '../support/cli';
import { tmpDir, writeSlice } from './fixtures';
import { oldLibrary, ROOT, series, STUDY } from './old-library';

/** Every row of the tables the pass may change, for "nothing else changed". */
function rows(dir: string): unknown {
  const db = new Database(path.join(dir, LIBRARY_FILE), { readonly: true });
  try {
    return Object.fromEntries(['patients', 'studies', 'series', 'instances', 'import_errors'].map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY 1`).all()]));
  } finally {
    db.close();
  }
}

/** Runs `body` in a fresh work folder, removed after: `folder` (made) for the files, `dir` for the library. */
async function inWork(name: string, body: (w: { work: string; folder: string; dir: string }) => Promise<void>): Promise<void> {
  const work = tmpDir(name);
  const folder = path.join(work, 'in');
  try {
    fs.mkdirSync(folder);
    await body({ work, folder, dir: path.join(work, 'library') });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

describe('a library imported before schema 15', () => {
  const work = tmpDir('series-patients');
  const folder = path.join(work, 'in');
  const dataDir = path.join(work, 'data');
  const dir = path.join(dataDir, 'library');
  let otherName: string;
  let otherBirth: string;
  beforeAll(async () => {
    fs.mkdirSync(folder);
    series(folder, 1, 'Doe^Jane', 2);
    [otherName] = series(folder, 2, 'Doe-Smith^Jane^M');
    // Same name, another birth date and sex (dcmodify over dump2dcm's file).
    [otherBirth] = series(folder, 3, 'Doe^Jane');
    execFileSync('dcmodify', ['-nb', '-m', '(0010,0030)=19800202', '-m', '(0010,0040)=M', otherBirth], { stdio: 'pipe' });
    writeSlice(path.join(folder, 'other-patient.dcm'), { patientName: 'Roe^Richard', patientId: 'PID-917', studyUid: `${ROOT}.2`, seriesUid: `${ROOT}.2.1`, sopUid: `${ROOT}.2.1.1` });
    await oldLibrary(folder, dir, true);
  }, 120_000);
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('shows both names on the study card, finds either, and lists the files among the import issues', async () => {
    const before = new Database(path.join(dir, LIBRARY_FILE), { readonly: true });
    expect(before.pragma('user_version', { simple: true })).toBe(14);
    expect(before.prepare('SELECT count(*) FROM patients').pluck().get()).toBe(2);
    before.close();

    const events: { event: EventName; payload: unknown }[] = [];
    const ctx: RequestContext = { emit: <K extends EventName>(event: K, payload: EventPayload<K>) => void events.push({ event, payload }) };
    const logged: string[] = [];
    const engine = createEngine({ dataDir, shell: 'cli', backend: 'cpu', log: (line) => void logged.push(line) });
    try {
      // The engine reads them after opening the library, answering requests meanwhile.
      let check: PatientDetailsCheck | null = null;
      for (;;) {
        const reply = await engine.dispatch('library.patientDetailsCheck', {}, ctx);
        if (!reply.ok) throw new Error(reply.error.message);
        check = reply.value as PatientDetailsCheck | null;
        if (!check?.running) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(check).toEqual({ running: false, done: 4, total: 4, conflicts: 2, skipped: 0 });
      // Told once: the study list's marks stay, the notice does not come again.
      expect(await engine.dispatch('library.patientDetailsCheck', {}, ctx)).toEqual({ ok: true, value: null });
      const studies = async (search?: string): Promise<StudyWithSeries[]> => {
        const reply = await engine.dispatch('library.studies', search === undefined ? {} : { search }, ctx);
        if (!reply.ok) throw new Error(reply.error.message);
        return reply.value as StudyWithSeries[];
      };
      const all = await studies();
      const study = all.find((s) => s.studyInstanceUid === STUDY)!;
      expect(study.patientName).toBe('Doe^Jane');
      expect(study.series.map((s) => [s.seriesInstanceUid, s.patientName, s.birthDate, s.sex])).toEqual([
        [`${STUDY}.1`, null, null, null],
        [`${STUDY}.2`, 'Doe-Smith^Jane^M', null, null],
        [`${STUDY}.3`, null, '19800202', 'M'],
      ]);
      // What the study card warns of (StudyList.tsx: patientConflicts over the request's study).
      expect(patientConflicts(study, study.series)).toEqual([
        { field: 'name', values: ['Doe^Jane', 'Doe-Smith^Jane^M'] },
        { field: 'birthDate', values: ['19600101', '19800202'] },
        { field: 'sex', values: ['O', 'M'] },
      ]);
      const other = all.find((s) => s.studyInstanceUid === `${ROOT}.2`)!;
      expect(patientConflicts(other, other.series)).toEqual([]);

      for (const search of ['Doe-Smith', 'Doe-Smith Jane M', 'Doe Jane']) {
        expect((await studies(search)).map((s) => s.studyInstanceUid), search).toEqual([STUDY]);
      }

      const reply = await engine.dispatch('library.importErrors', {}, ctx);
      if (!reply.ok) throw new Error(reply.error.message);
      const issues = reply.value as ImportFileError[];
      expect(issues.map((e) => [e.file, e.kind])).toEqual([
        [otherName, 'conflict'],
        [otherBirth, 'conflict'],
      ]);
      expect(issues[0].reason).toMatch(/^its Patient's Name \(0010,0010\) differs from what the library holds for the same Patient ID\. Imported/);
      expect(issues[1].reason).toMatch(/^its Patient's Birth Date \(0010,0030\) and Patient's Sex \(0010,0040\) differ/);

      // The log names the files, never a patient.
      expect(logged[0]).toMatch(/^Each series' own patient details were read from its files .*: 2 files give other patient details/);
      expect(logged.slice(1)).toEqual([`  ${otherName}`, `  ${otherBirth}`]);
      for (const line of logged) expect(line).not.toMatch(/Doe|Jane|PID-916/);
    } finally {
      engine.dispose();
    }

    // Recorded, and not read again: a second opening changes nothing and says nothing.
    const recorded = rows(dir);
    const again = Library.open(dir, { log: (line) => logged.push(line) });
    expect(again.seriesPatientsDue()).toBe(false);
    again.close();
    expect(rows(dir)).toEqual(recorded);
    expect(logged).toHaveLength(3);
    const db = new Database(path.join(dir, LIBRARY_FILE), { readonly: true });
    expect(db.prepare('SELECT value FROM lumen_info WHERE key = ?').pluck().get(SERIES_PATIENTS_KEY)).toBeTypeOf('string');
    db.close();
  });
});

it('counts files gone or changed since import, and changes nothing for them', async () => {
  await inWork('series-patients-gone', async ({ folder, dir }) => {
    series(folder, 1, 'Doe^Jane');
    const [gone] = series(folder, 2, 'Doe-Smith^Jane^M');
    const [changed] = series(folder, 3, 'Roe^Jane');
    await oldLibrary(folder, dir, true);
    fs.rmSync(gone);
    fs.appendFileSync(changed, Buffer.alloc(4));
    const db = new Database(path.join(dir, LIBRARY_FILE));
    try {
      migrate(db);
      const before = db.prepare('SELECT * FROM series ORDER BY series_uid').all();
      expect(fillSeriesPatients(db)).toEqual({
        series: 3,
        read: 1,
        conflicts: [],
        gone: 1,
        changed: 1,
        unreadable: 0,
        skipped: [
          { file: gone, kind: 'gone', reason: 'not there any more (no such file or folder)' },
          { file: changed, kind: 'changed', reason: 'changed since it was imported (its size or time): import it again' },
        ],
      });
      expect(db.prepare('SELECT * FROM series ORDER BY series_uid').all()).toEqual(before);
      expect(db.prepare('SELECT count(*) FROM import_errors').pluck().get()).toBe(0);
      // Recorded: it runs once.
      expect(fillSeriesPatients(db)).toBeNull();
    } finally {
      db.close();
    }
  });
}, 120_000);

it('in turns, lets other work run between series and finds what the pass at opening finds', async () => {
  await inWork('series-patients-turns', async ({ folder, dir }) => {
    series(folder, 1, 'Doe^Jane');
    const [other] = series(folder, 2, 'Doe-Smith^Jane^M');
    series(folder, 3, 'Doe^Jane');
    await oldLibrary(folder, dir, true);
    const db = new Database(path.join(dir, LIBRARY_FILE));
    try {
      migrate(db);
      const order: string[] = [];
      const pass = fillSeriesPatientsInTurns(db, { seriesPerTurn: 1, onProgress: (done) => order.push(`series ${done}`) });
      setImmediate(() => order.push('other work'));
      const summary = await pass;
      // The other work (queued after the pass's first turn) ran between series, before the last.
      expect(order).toEqual(['series 1', 'series 2', 'other work', 'series 3']);
      expect(summary?.conflicts.map((c) => c.file)).toEqual([other]);
      expect(db.prepare('SELECT patient_name FROM series ORDER BY series_uid').pluck().all()).toEqual([null, 'Doe-Smith^Jane^M', null]);
    } finally {
      db.close();
    }
  });
}, 120_000);

it('waits for the text re-decode, and compares with the decoded name: one Greek name twice is no conflict', async () => {
  await inWork('series-patients-greek', async ({ folder, dir }) => {
    const [, charset, greek, decoded] = NAMES.find((n) => n[0] === 'Greek, ISO_IR 126')!;
    const greekFile = { extraLines: [`(0008,0005) CS [${charset}]`], byteStrings: true };
    series(folder, 1, greek, 1, greekFile);
    series(folder, 2, greek, 1, greekFile);
    // Another Greek name: "Διονυσια".
    const [other] = series(folder, 3, '\xc4\xe9\xef\xed\xf5\xf3\xe9\xe1', 1, greekFile);
    await oldLibrary(folder, dir, false);
    // As the Lumen before character sets stored it: one Latin-1 character per byte.
    const db = new Database(path.join(dir, LIBRARY_FILE));
    db.prepare('UPDATE patients SET patient_name = ?').run(greek);
    migrate(db);
    // Before the re-decode has run, the Latin-1 name would differ from every file's: nothing is done.
    expect(fillSeriesPatients(db)).toBeNull();
    db.close();

    const logged: string[] = [];
    const lib = Library.open(dir, { log: (line) => logged.push(line) });
    try {
      const [study] = lib.listStudiesWithSeries();
      expect(study.patientName).toBe(decoded);
      expect(study.series.map((s) => s.patientName)).toEqual([null, null, 'Διονυσια']);
      expect(lib.listStudies({ search: 'Διονυσια' })).toHaveLength(1);
      expect(logged.slice(1)).toEqual([`  ${other}`]);
    } finally {
      lib.close();
    }
  });
}, 120_000);

it('lumen ls tells of the files found once, and marks the study and the series in its listing', async () => {
  await inWork('series-patients-cli', async ({ work, folder, dir }) => {
    series(folder, 1, 'Doe^Jane');
    const [other] = series(folder, 2, 'Doe-Smith^Jane^M');
    await oldLibrary(folder, dir, true);
    const ls = async () => {
      const run = await runLumen(['ls', '--library', dir], path.join(work, 'data'));
      expect(run.code, run.stderr).toBe(0);
      return run;
    };
    const first = await ls();
    expect(first.stderr.split('\n')).toEqual([expect.stringMatching(/^Each series' own patient details were read from its files .*: 1 file gives other patient details/), `  ${other}`, '']);
    expect(first.stdout).toContain("    ⚠ 2 names for this patient in its series' files: Doe^Jane / Doe-Smith^Jane^M\n");
    expect(first.stdout).toMatch(new RegExp(`#2  CT  AXIAL — 1 image   ${STUDY.replace(/\./g, '\\.')}\\.2   files say: Doe-Smith\\^Jane\\^M\n`));
    const second = await ls();
    expect(second.stderr).toBe('');
    expect(second.stdout).toBe(first.stdout);
  });
}, 120_000);

it('lumen import, the first command on such a library, tells of them too', async () => {
  await inWork('series-patients-import', async ({ work, folder, dir }) => {
    series(folder, 1, 'Doe^Jane');
    const [other] = series(folder, 2, 'Doe-Smith^Jane^M');
    await oldLibrary(folder, dir, true);
    const imported = await runLumen(['import', folder, '--library', dir], path.join(work, 'data'));
    expect(imported.code, imported.stderr).toBe(0);
    // Told before the import runs (its files are unchanged, so the import itself reads none).
    expect(imported.stderr.split('\n').slice(0, 2)).toEqual([expect.stringMatching(/^Each series' own patient details were read from its files .*: 1 file gives other patient details/), `  ${other}`]);
    expect(imported.stdout).toMatch(/already in the library/);
  });
}, 120_000);
