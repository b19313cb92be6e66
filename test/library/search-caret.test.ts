// The study search with a name typed as DICOM stores it: family^given, and = between the name
// groups (alphabetic=ideographic=phonetic). The folded forms a search also compares (schema 30,
// search-index.ts FORMS) are of the name with ^ and = as spaces, so "o'brien^siobhan" missed
// O'Brien, Siobhán while "o'brien siobhan" found her: the typed ^ and = are separators too.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { tmpDir, writeSlice } from './fixtures';

/** Patient's Name (UTF-8), Patient ID, Study Instance UID. */
const NAMES: [string, string, string][] = [
  ["O'Brien^Siobhán", 'CARET1', '1.2.826.0.1.3680043.10.81.1'],
  ['Yamada^Tarou=山田^太郎=やまだ^たろう', 'CARET2', '1.2.826.0.1.3680043.10.81.2'],
  ['Dvořák^Zoë^Anna', 'CARET3', '1.2.826.0.1.3680043.10.81.3'],
];

describe('the study search with ^ and = typed', () => {
  const dir = tmpDir('search-caret');
  let lib: Library;
  beforeAll(async () => {
    const incoming = path.join(dir, 'incoming');
    fs.mkdirSync(incoming);
    NAMES.forEach(([name, id, studyUid], i) =>
      writeSlice(path.join(incoming, `${i}.dcm`), {
        patientName: Buffer.from(name, 'utf8').toString('latin1'),
        patientId: id,
        studyUid,
        seriesUid: `${studyUid}.1`,
        sopUid: `${studyUid}.1.1`,
        studyDescription: 'KNEE',
        extraLines: ['(0008,0005) CS [ISO_IR 192]'],
        byteStrings: true,
      }),
    );
    lib = Library.open(path.join(dir, 'library'));
    await lib.importPaths([incoming]);
  }, 60_000);
  afterAll(() => {
    lib?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const found = (search: string) => lib.listStudies({ search }).map((s) => s.patientId);
  const paged = (search: string) => lib.studyPage({ search }).studies.map((s) => s.patientId);

  it('finds a name typed family^given, with or without apostrophe and accents', () => {
    for (const search of ["o'brien^siobhan", 'obrien^siobhan', 'O’Brien^Siobhan', "O'BRIEN^SIOBHÁN", 'siobhan^obrien', "siobhan o'brien", "o'brien siobhan", 'obrien^sio']) {
      expect(found(search), search).toEqual(['CARET1']);
      expect(paged(search), search).toEqual(['CARET1']);
    }
    // As stored, it was found before too, and still is.
    expect(found("O'Brien^Siobhán")).toEqual(['CARET1']);
    // A ^ at the end or start is a space there, as in the stored name: "bri^" is not in O'Brien.
    expect(found("o'brien^")).toEqual(['CARET1']);
    expect(found('^siobhan')).toEqual(['CARET1']);
    expect(found('rien^s')).toEqual(['CARET1']);
    expect(found('bri^')).toEqual([]);
    for (const search of ['dvorak^zoe', 'dvorak^zoe^anna', 'Dvořák^Zoë^Anna', 'zoe^dvorak']) expect(found(search), search).toEqual(['CARET3']);
  });

  it('reads = between name groups as a separator, and finds each group', () => {
    for (const search of ['Yamada^Tarou', 'yamada^tarou=山田', '山田^太郎', 'やまだ^たろう', 'Yamada^Tarou=山田^太郎=やまだ^たろう', '山田^太郎=やまだ^たろう', 'tarou yamada', '太郎 山田', 'tarou^yamada', 'たろう^やまだ']) {
      expect(found(search), search).toEqual(['CARET2']);
      expect(paged(search), search).toEqual(['CARET2']);
    }
  });

  it('still finds nothing for a name that is not there', () => {
    for (const search of ["o'brien^siobhana", 'siobhan^tarou', 'やまだ^太郎', '山田=やまだ^たろう', 'siobhan^^obrien']) expect(found(search), search).toEqual([]);
  });
});
