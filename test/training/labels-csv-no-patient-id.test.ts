// Anonymised studies whose PatientID and patient name are both empty (T2-5, s16), labelled by a
// StudyInstanceUID CSV with `lumen labels import` into a real library: each such study is a
// patient of its own for the split (its series stay together), the overview counts them so, and
// both the overview and the split say how many studies that is and what it risks.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { splitByPatient } from '../../electron/training/dataset';
import { evaluationImages } from '../../electron/training/evaluate';
import { libraryPseudonyms } from '../../electron/training/pseudonyms';
import type { PackageMetadata } from '../../models/package';
import { TrainingStore } from '../../electron/training/store';
import { writeSlice } from '../library/fixtures';
import { importedLibrary, runLumen } from '../support/cli';

const ROOT = '1.2.826.0.1.3680043.10.1137.516';

interface Study {
  studyUid: string;
  label: string;
  named: boolean;
}

/** 8 studies with no PatientID and no name (2 series each, 2 slices a series), and 2 patients with IDs. */
function writeAnonymised(dir: string): Study[] {
  mkdirSync(dir, { recursive: true });
  const studies: Study[] = [];
  for (let s = 1; s <= 10; s++) {
    const named = s > 8;
    const studyUid = `${ROOT}.${s}`;
    for (const series of [1, 2]) {
      for (let i = 1; i <= 2; i++) {
        writeSlice(path.join(dir, `${s}-${series}-${i}.dcm`), { patientName: named ? `NAMED^${s}` : '', patientId: named ? `ID${s}` : '', studyUid, seriesUid: `${studyUid}.${series}`, sopUid: `${studyUid}.${series}.${i}`, instanceNumber: i, z: i * 5 });
      }
    }
    studies.push({ studyUid, label: s % 2 ? 'ring' : 'disc', named });
  }
  return studies;
}

let root: string;
let library: string;
let studies: Study[];
const lumen = (args: string[]) => runLumen(args, path.join(root, 'data'));

beforeAll(async () => {
  ({ root, library, set: studies } = await importedLibrary('labels-no-patient-id', writeAnonymised));
  const csv = path.join(root, 'labels.csv');
  writeFileSync(csv, ['StudyInstanceUID,label', ...studies.map((s) => `${s.studyUid},${s.label}`)].join('\n') + '\n');
  const r = await lumen(['labels', 'import', csv, '--library', library, '--json']);
  expect(r.code, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout).labelled.study).toBe(10);
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

const WARNING = '8 labelled studies have no PatientID and no patient name (anonymised): each is taken as a patient of its own.';

describe('studies without PatientID or patient name', () => {
  it('lumen labels overview counts each as a patient and says how many and what it risks', async () => {
    const r = await lumen(['labels', 'overview', '--library', library, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout);
    expect(o.totals.patients).toBe(10);
    expect(o.classes.map((c: { className: string; patients: number }) => `${c.className} ${c.patients}`)).toEqual(['disc 5', 'ring 5']);
    const w = o.warnings.find((x: string) => x.startsWith(WARNING));
    expect(w).toContain('give the files a PatientID (a pseudonym will do)');
    const text = await lumen(['labels', 'overview', '--library', library]);
    expect(text.stdout).toContain(`warning: ${WARNING}`);
  });

  it('the split has every split filled, keeps each study (both its series) in one split, and warns', () => {
    const lib = Library.open(library);
    try {
      const store = new TrainingStore(lib);
      const images = store.labelledImages();
      store.close();
      const split = splitByPatient(images, { seed: 1 });
      expect(split.validation.length).toBeGreaterThan(0);
      expect(split.test.length).toBeGreaterThan(0);
      expect(Object.keys(split.patients)).toHaveLength(10);
      const splitOfStudy = new Map<string, Set<string>>();
      for (const s of ['train', 'validation', 'test'] as const) {
        for (const im of split[s]) splitOfStudy.set(im.studyInstanceUid, new Set([...(splitOfStudy.get(im.studyInstanceUid) ?? []), s]));
      }
      expect([...splitOfStudy.values()].every((set) => set.size === 1)).toBe(true);
      // Patients with a PatientID keep it as their key.
      expect(images.filter((im) => studies.find((s) => s.studyUid === im.studyInstanceUid)!.named).every((im) => /^ID\d+$/.test(im.patient))).toBe(true);
      expect(split.warnings.some((w) => w.startsWith(WARNING))).toBe(true);
    } finally {
      lib.close();
    }
  });

  it('lumen eval of a package trained when such studies were one patient still knows them as its own', () => {
    const lib = Library.open(library);
    try {
      const names = libraryPseudonyms(lib.dir);
      // Its split as such a package recorded it: the blank patient ('name:') trained on, ID9 tested on, ID10 not seen.
      const meta = { classNames: ['disc', 'ring'], provenance: { training: { split: { pseudonymKey: names.keyId, patients: { [names.patient('name:')]: 'train', [names.patient('ID9')]: 'test' } } } } } as unknown as PackageMetadata;
      const studyOf = (images: { studyInstanceUid: string }[]) => [...new Set(images.map((im) => im.studyInstanceUid))].sort();
      // held-out: its test patient and the patient it never saw, not the 8 studies it trained on.
      expect(studyOf(evaluationImages(lib, 'old-package', meta, 'held-out').chosen)).toEqual([`${ROOT}.10`, `${ROOT}.9`]);
      expect(studyOf(evaluationImages(lib, 'old-package', meta, 'test').chosen)).toEqual([`${ROOT}.9`]);
    } finally {
      lib.close();
    }
  });
});
