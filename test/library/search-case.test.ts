// The study search ignores the case of every letter, not only ASCII's: SQLite's LIKE folds
// A–Z alone, so "łukasz" missed "Łukasz" and "MÜLLER" missed "Müller" (files by dcmtk in
// ISO_IR 100 and by GDCM in ISO_IR 192, test/e2e/external-dicom.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { writeExternalSet, type ExternalSet } from '../e2e/external-dicom';

describe('study search and letter case', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lumen-search-case-'));
  let set: ExternalSet;
  let lib: Library;
  beforeAll(async () => {
    set = writeExternalSet(path.join(dir, 'incoming'));
    lib = Library.open(path.join(dir, 'library'));
    await lib.importPaths([set.dir]);
  });
  afterAll(() => {
    lib?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const found = (search: string) => lib.listStudies({ search }).map((s) => s.patientId);

  it('finds names with other letters in any case', () => {
    for (const q of ['Łukasz', 'łukasz', 'ŁUKASZ', 'żółć', 'ŻÓŁĆ']) expect(found(q), q).toEqual([set.multiframe.patientId]);
    for (const q of ['Müller', 'müller', 'MÜLLER', 'müller, jürgen', 'MÜLLER, JÜRGEN']) expect(found(q), q).toEqual([set.latin1.patientId]);
  });

  it('pages the list the same way', () => {
    expect(lib.studyPage({ search: 'łukasz' }).studies.map((s) => s.patientId)).toEqual([set.multiframe.patientId]);
    expect(lib.studyPage({ search: 'ł' }).total).toBe(1);
  });

  it('keeps ASCII searches as they were', () => {
    expect(found('colour')).toEqual([set.colour.patientId]);
    expect(found('ext00').sort()).toEqual(['EXT001', 'EXT002', 'EXT003', 'EXT004']);
    expect(found('100%')).toEqual([]);
  });
});
