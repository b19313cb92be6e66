// Task E (s17): result documents filed with a study but of another patient (migration 32: their
// patient key is not their study's patient's) are not listed with the study, and the Results list
// now says how many, with the count alone. Lumen's own exports of patient A's study, given another
// patient (ZZZ999, Other^Patient) by dcmtk's dcmodify, are imported before the study's images, so
// that they are filed; real SQLite and the real importer. The app's words: e2e results-other-patient-notice.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { PATIENT_A, PATIENT_B, resultsLibrary, tmpDir, writeResultDocuments, type ResultsLibrary } from '../results/fixtures';
import { buildMixedFolder, copyMixedFolder } from './fixtures';

let lib: ResultsLibrary;
let own: string;
let other: string;
let images: string;
const work = tmpDir('results-other-count');

beforeAll(async () => {
  lib = await resultsLibrary('results-other-count');
  own = path.join(work, 'own');
  await writeResultDocuments(lib, own, '2.25.4343', (i, rows, columns) => (i % columns) / columns);
  other = path.join(work, 'other');
  fs.mkdirSync(other);
  fs.readdirSync(own)
    .filter((f) => f.endsWith('.dcm'))
    .forEach((f, i) => {
      fs.copyFileSync(path.join(own, f), path.join(other, f));
      execFileSync('dcmodify', ['-nb', '-i', '(0010,0010)=Other^Patient', '-i', '(0010,0020)=ZZZ999', '-i', `(0008,0018)=2.25.5151${i + 1}`, path.join(other, f)], { stdio: 'pipe' });
    });
  images = copyMixedFolder(buildMixedFolder(path.join(tmpDir('results-other-count-template'), 'mixed')), 'results-other-count-images');
}, 180_000);
afterAll(() => lib?.library.close());

describe("a study's result documents of another patient", () => {
  it('are counted apart from those listed, for the study they name only', async () => {
    const library = Library.open(path.join(work, 'library'));
    try {
      // Filed first, their study unknown: nothing to differ from, nothing counted.
      await library.importPaths([other]);
      expect(library.otherPatientResults(PATIENT_A.studyUid)).toBe(0);
      // Patient A's images come with that study: the three are another patient's, not listed, counted.
      await library.importPaths([images]);
      expect(library.studyResults(PATIENT_A.studyUid)).toEqual([]);
      expect(library.otherPatientResults(PATIENT_A.studyUid)).toBe(3);
      expect(library.otherPatientResults(PATIENT_B.studyUid)).toBe(0);
      // The study's own documents are listed; the other patient's still counted apart.
      await library.importPaths([own]);
      expect(library.studyResults(PATIENT_A.studyUid)).toHaveLength(3);
      expect(library.otherPatientResults(PATIENT_A.studyUid)).toBe(3);
    } finally {
      library.close();
    }
  }, 180_000);
});
