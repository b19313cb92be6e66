// The library stores names and descriptions decoded from their Specific
// Character Set, so the study list and search see the same text: files made
// by dcmtk with Japanese, Korean, Chinese and Greek names.
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { fileWithName, NAMES } from '../dicom/charset-fixtures';
import { tmpDir } from './fixtures';

let lib: Library;
const pick = (start: string) => NAMES.find((n) => n[0].startsWith(start))!;

beforeAll(async () => {
  const folder = tmpDir('charset-names');
  for (const [label, charset, bytes] of [pick('Japanese, ISO 2022 IR 87'), pick('Korean'), pick('Chinese, GB18030'), pick('Greek, ISO_IR 126')]) {
    fileWithName(folder, label.replace(/\W+/g, '-'), charset, bytes);
  }
  lib = Library.open(path.join(tmpDir('charset-lib'), 'library'));
  await lib.importPaths([folder]);
});
afterAll(() => lib.close());

it('stores the decoded names', () => {
  expect(lib.listTree().map((p) => p.patientName).sort()).toEqual(['Hong^Gildong=洪^吉洞=홍^길동', 'Wang^XiaoDong=王^小东=', 'Yamada^Tarou=山田^太郎=やまだ^たろう', 'Διονυσιος'].sort());
});

it('finds a study by any group of the name, and by the name as the list writes it', () => {
  const names = (search: string) => lib.listStudies({ search }).map((s) => s.patientName);
  expect(names('山田')).toEqual(['Yamada^Tarou=山田^太郎=やまだ^たろう']);
  expect(names('やまだ')).toEqual(['Yamada^Tarou=山田^太郎=やまだ^たろう']);
  expect(names('Yamada, Tarou')).toEqual(['Yamada^Tarou=山田^太郎=やまだ^たろう']);
  expect(names('Yamada, Tarou (山田 太郎)')).toEqual(['Yamada^Tarou=山田^太郎=やまだ^たろう']);
  expect(names('홍')).toEqual(['Hong^Gildong=洪^吉洞=홍^길동']);
  expect(names('小东')).toEqual(['Wang^XiaoDong=王^小东=']);
  expect(names('Διονυσιος')).toEqual(['Διονυσιος']);
  // The study description is decoded too.
  expect(lib.listStudies({ search: '太郎' }).map((s) => s.studyDescription)).toEqual(['Yamada^Tarou=山田^太郎=やまだ^たろう']);
});
