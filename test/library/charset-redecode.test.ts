// A library imported before names were decoded by Specific Character Set holds
// them as Latin-1, one character per byte. Opening it with this Lumen decodes
// that text again from the files, once, all of it in one transaction.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { redecodeOldText, TEXT_REDECODED_KEY } from '../../electron/library/redecode';
import { fileWithName, NAMES } from '../dicom/charset-fixtures';
import { tmpDir, writeSlice } from './fixtures';

const pick = (start: string) => NAMES.find((n) => n[0].startsWith(start))!;

/** A library of these names imported by this Lumen, then put back to what the old importer stored. */
async function oldLibrary(name: string, picks: string[]): Promise<{ dir: string; files: string[] }> {
  const folder = tmpDir(`${name}-files`);
  const files = picks.map((p) => {
    const [label, charset, bytes] = pick(p);
    return fileWithName(folder, label.replace(/\W+/g, '-'), charset, bytes);
  });
  const dir = path.join(tmpDir(name), 'library');
  const lib = Library.open(dir);
  await lib.importPaths([folder]);
  lib.close();
  const db = new Database(path.join(dir, LIBRARY_FILE));
  // The old rules: each byte one Latin-1 character (the fixtures' byte strings are exactly that).
  for (const p of picks) {
    const bytes = pick(p)[2];
    const [, , , decoded] = pick(p);
    db.prepare('UPDATE patients SET patient_name = ? WHERE patient_name = ?').run(bytes, decoded);
    db.prepare('UPDATE studies SET description = ? WHERE description = ?').run(bytes, decoded);
  }
  db.prepare('DELETE FROM lumen_info WHERE key = ?').run(TEXT_REDECODED_KEY);
  db.close();
  return { dir, files };
}

it('an old library opened by this Lumen shows and finds the names as the files write them', async () => {
  const { dir } = await oldLibrary('redecode-open', ['Japanese, ISO 2022 IR 87', 'Greek, ISO_IR 126', 'Latin-1, ISO_IR 100']);
  const before = new Database(path.join(dir, LIBRARY_FILE), { readonly: true });
  expect(before.prepare('SELECT patient_name FROM patients ORDER BY patient_name').pluck().all()).toContain('\xc4\xe9\xef\xed\xf5\xf3\xe9\xef\xf2');
  before.close();

  const lib = Library.open(dir);
  try {
    expect(lib.listTree().map((p) => p.patientName).sort()).toEqual(['Buc^Jérôme', 'Yamada^Tarou=山田^太郎=やまだ^たろう', 'Διονυσιος'].sort());
    expect(lib.listStudies({ search: '山田' }).map((s) => s.patientName)).toEqual(['Yamada^Tarou=山田^太郎=やまだ^たろう']);
    expect(lib.listStudies({ search: 'Διονυσιος' }).map((s) => s.studyDescription)).toEqual(['Διονυσιος']);
    expect(lib.listStudies({ search: '太郎' }).map((s) => s.studyDescription)).toEqual(['Yamada^Tarou=山田^太郎=やまだ^たろう']);
  } finally {
    lib.close();
  }
});

it('runs once, counts files gone or changed and leaves their rows as they were', async () => {
  const { dir, files } = await oldLibrary('redecode-gone', ['Greek, ISO_IR 126', 'Korean', 'Chinese, GB18030']);
  fs.rmSync(files[1]); // Korean: gone
  fs.appendFileSync(files[2], Buffer.alloc(4)); // Chinese: changed since import
  const db = new Database(path.join(dir, LIBRARY_FILE));
  try {
    expect(redecodeOldText(db)).toEqual({
      series: 3, read: 1, updated: 2, gone: 1, changed: 1, unreadable: 0,
      skipped: [
        // In the order of their paths (Chinese, then Korean).
        { file: files[2], kind: 'changed', reason: 'changed since it was imported (its size or time): import it again' },
        { file: files[1], kind: 'gone', reason: 'not there any more (no such file or folder)' },
      ],
    });
    const names = db.prepare('SELECT patient_name FROM patients ORDER BY patient_id').pluck().all();
    expect(names).toEqual(['Διονυσιος', pick('Korean')[2], pick('Chinese, GB18030')[2]]);
    expect(db.prepare('SELECT value FROM lumen_info WHERE key = ?').pluck().get(TEXT_REDECODED_KEY)).toBeTypeOf('string');
    // Recorded: a second opening reads nothing.
    expect(redecodeOldText(db)).toBeNull();
  } finally {
    db.close();
  }
});

it('a patient known by name alone gets the decoded key, joining the patient imported since under it', async () => {
  const folder = tmpDir('redecode-key-files');
  const greek = pick('Greek, ISO_IR 126');
  for (const n of [1, 2]) {
    writeSlice(path.join(folder, `${n}.dcm`), {
      patientName: greek[2],
      patientId: '',
      studyUid: `1.2.826.0.1.3680043.10.78.${n}.1`,
      seriesUid: `1.2.826.0.1.3680043.10.78.${n}.2`,
      sopUid: `1.2.826.0.1.3680043.10.78.${n}.3`,
      extraLines: [`(0008,0005) CS [${greek[1]}]`],
      byteStrings: true,
    });
  }
  const dir = path.join(tmpDir('redecode-key'), 'library');
  const lib = Library.open(dir);
  await lib.importPaths([folder]);
  lib.close();
  // The first study as the old importer left it: its own patient, keyed by the Latin-1 name.
  const db = new Database(path.join(dir, LIBRARY_FILE));
  expect(db.prepare('SELECT patient_key FROM patients').pluck().all()).toEqual(['name:Διονυσιος']);
  const old = db.prepare("INSERT INTO patients (patient_key, patient_name) VALUES (?, ?) RETURNING id").pluck().get(`name:${greek[2]}`, greek[2]);
  db.prepare("UPDATE studies SET patient_ref = ? WHERE study_uid = '1.2.826.0.1.3680043.10.78.1.1'").run(old);
  db.prepare('DELETE FROM lumen_info WHERE key = ?').run(TEXT_REDECODED_KEY);
  db.close();

  const again = Library.open(dir);
  try {
    const tree = again.listTree();
    expect(tree.map((p) => [p.patientName, p.studies.length])).toEqual([['Διονυσιος', 2]]);
  } finally {
    again.close();
  }
});
