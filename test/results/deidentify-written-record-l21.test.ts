// Task L, session 21: a de-identified copy trusted a result document as Lumen's when it fitted
// Lumen's template (lumen-template.ts). A document written by another Lumen (or by anyone who
// copies the template) fits it with a patient's nickname as its Algorithm Name, and was copied
// with it; a real document of this Lumen whose class name was cut at 64 characters, or held a
// backslash, did not fit and was held back. Now Lumen records each result document it writes
// (SOP Instance UID and SHA-256 of its data set, migration 34: electron/results/written.ts), and a
// copy trusts only a recorded document whose bytes are still those written.
//
// Before the change: the other Lumen's document with "Janie" was copied (and "Janie" was in the
// copies), the two real documents with odd class names were not, the edited document was copied,
// and the old library's document was copied with nothing said.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportDeidentified, type DeidentifyResult } from '../../electron/results/deidentify';
import { exportResults } from '../../electron/results/export';
import { savePredictions } from '../../electron/library/predictions';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { openDatabase } from '../../electron/library/sqlite';
import { undoMigrationsAfter28 } from '../support/old-library';
import { MODEL_META, PATIENT_A, resultsLibrary, tmpDir, type ResultsLibrary } from './fixtures';

const NICKNAME = 'Janie';
const LONG_CLASS = `${'a'.repeat(60)}-cut-here-and-gone`;
const BACKSLASH_CLASS = 'left\\right lesion';

let lib: ResultsLibrary;
let other: ResultsLibrary;
let old: ResultsLibrary | null = null;
/** The edited document (recorded, then changed on disk). */
let edited = '';
/** The other Lumen's documents, each imported into `lib`. */
let foreign: string[] = [];

function dicomFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.dcm')).map((f) => path.join(dir, f));
}

/** Predictions of a model with these class names (its hash from `seed`) for patient A's series, exported by `into`'s Lumen into a new folder. */
async function exportModel(into: ResultsLibrary, seed: string, name: string, classNames: string[]): Promise<string> {
  const packageHash = seed.repeat(64).slice(0, 64);
  const scores = into.images.map((sop, i) => ({ seriesInstanceUid: PATIENT_A.seriesUid, sopInstanceUid: sop, frame: 0, scores: [1 - i / 10, i / 10] }));
  savePredictions(into.dir, { modelHash: packageHash, modelName: name, classNames, images: scores, series: [], createdAt: new Date().toISOString() }, { dir: path.join(into.dir, `pkg-${seed}`), metadata: { ...MODEL_META, name, classNames, contentHash: packageHash } });
  const out = tmpDir(`l21-${seed}-written`);
  const written = await exportResults(into.library, { uid: PATIENT_A.seriesUid, model: { name, packageHash, variant: MODEL_META.variant, version: '0.1.0' }, out });
  expect(written.notes).toEqual([]);
  return out;
}

const copiedText = (out: string) => dicomFiles(out).map((f) => fs.readFileSync(f).toString('utf8')).join('\n');

beforeAll(async () => {
  lib = await resultsLibrary('l21-record');
  const plain = await exportModel(lib, 'b', MODEL_META.name, MODEL_META.classNames);
  const long = await exportModel(lib, 'c', 'Long names', ['normal', LONG_CLASS]);
  const backslash = await exportModel(lib, 'd', 'Backslash', ['normal', BACKSLASH_CLASS]);
  // Recorded, then changed on disk under the same UID.
  edited = dicomFiles(plain).find((f) => path.basename(f).startsWith('measurements-sr'))!;
  // Another Lumen (its own library) writes a document in Lumen's shape whose Algorithm Name is the patient's nickname.
  other = await resultsLibrary('l21-other');
  const otherOut = await exportModel(other, 'e', `${NICKNAME} Doe clinic`, ['normal', 'nodule']);
  foreign = dicomFiles(otherOut);
  const report = await lib.library.importPaths([plain, long, backslash, otherOut]);
  expect(report.errors).toEqual([]);
  execFileSync('dcmodify', ['-nb', '-q', '-m', `(0008,103e)=Lumen results ${NICKNAME}`, edited], { stdio: 'pipe' });
}, 300_000);
afterAll(() => {
  lib?.library.close();
  other?.library.close();
  old?.library.close();
});

let copies: { out: string; result: DeidentifyResult } | null = null;
async function deidentified(): Promise<{ out: string; result: DeidentifyResult }> {
  if (!copies) {
    const out = tmpDir('l21-record-copies');
    copies = { out, result: await exportDeidentified(lib.library, { uid: PATIENT_A.studyUid, out }) };
  }
  return copies;
}

describe("a de-identified copy trusts the result documents Lumen recorded writing, as written", () => {
  it("another Lumen's document in Lumen's exact shape, naming the patient in its Algorithm Name, is held back and said", async () => {
    expect(fs.readFileSync(foreign.find((f) => path.basename(f).startsWith('predictions-sr'))!).toString('utf8')).toContain(NICKNAME);
    const { out, result } = await deidentified();
    expect(copiedText(out)).not.toContain(NICKNAME);
    expect(result.notes.join('\n')).toContain(
      '2 result documents of this study not copied (2 structured reports): they say Lumen made them, but this library has no record of Lumen writing them',
    );
  }, 120_000);

  it('real documents of this Lumen with a class name cut at 64 characters and one with a backslash are copied', async () => {
    const { out, result } = await deidentified();
    // 2 of each of the three models' exports (predictions and measurements SR), less the edited one.
    expect(result.resultDocumentsWritten).toBe(5);
    const text = copiedText(out);
    expect(text).toContain(`${'a'.repeat(60)}-cut`);
    expect(text).not.toContain('-cut-here-and-gone');
    expect(text).toContain('left right lesion');
  }, 120_000);

  it('a recorded document changed after it was written is held back, and the note says it was changed', async () => {
    const { out, result } = await deidentified();
    expect(result.resultDocumentsNotCopied).toBe(3);
    expect(result.notes.join('\n')).toContain('1 result document of this study not copied (1 structured report): Lumen wrote them, but their files have been changed since');
    expect(copiedText(out)).not.toContain(`Lumen results ${NICKNAME}`);
  }, 120_000);

  it('a library from before the record upgrades; its documents are held back until exported again', async () => {
    old = await resultsLibrary('l21-old');
    const before = await exportModel(old, 'f', MODEL_META.name, MODEL_META.classNames);
    expect((await old.library.importPaths([before])).errors).toEqual([]);
    old.library.close();
    // As a Lumen of schema 28 left it: no record of what it wrote.
    const db = openDatabase(path.join(old.dir, LIBRARY_FILE));
    try {
      undoMigrationsAfter28(db);
      db.pragma('user_version = 28');
    } finally {
      db.close();
    }
    old.library = Library.open(old.dir);
    const first = await exportDeidentified(old.library, { uid: PATIENT_A.studyUid, out: tmpDir('l21-old-copies') });
    expect(first).toMatchObject({ resultDocumentsWritten: 0, resultDocumentsNotCopied: 2 });
    expect(first.notes.join('\n')).toContain('this library has no record of Lumen writing them (written by another Lumen, or by this one before it kept that record');
    expect(first.notes.join('\n')).toContain('To copy your own, export the results again and import them.');
    // As the note says: exported again (new documents, recorded) and imported, they are copied.
    const again = await exportModel(old, 'f', MODEL_META.name, MODEL_META.classNames);
    expect((await old.library.importPaths([again])).errors).toEqual([]);
    const second = await exportDeidentified(old.library, { uid: PATIENT_A.studyUid, out: tmpDir('l21-old-copies-again') });
    expect(second).toMatchObject({ resultDocumentsWritten: 2, resultDocumentsNotCopied: 2 });
  }, 300_000);
});
