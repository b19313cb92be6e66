// The same images and seed give the same model, whatever UIDs the files carry: a study set made
// by GDCM gdcmimg and dcmodify (external-dicom-train.ts: JPEG-LS, RLE, JPEG lossless, multi-frame,
// JPEG 2000), then copied three times with every Study, Series and SOP Instance UID rewritten by
// dcmodify (as a re-export from a PACS or an anonymiser gives them), each copy imported into a
// library of its own and trained by `lumen train` with one seed. Each run's patient split, loss
// per epoch, test metrics and package weights must be those of the original; and the original
// library trained twice must give the same run. A from-scratch network (the journey's) and a head
// on cached, augmented features (lumen train's default) are both checked. The runs' numbers go to
// test-results/reproducible-uids.json.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../common/random';
import { Library } from '../../electron/library/library';
import { splitByPatient } from '../../electron/training/dataset';
import { libraryPseudonyms } from '../../electron/training/pseudonyms';
import { TrainingStore, type LabelledImage } from '../../electron/training/store';
import { resultsDir } from '../support/browser';
import { runLumen } from '../support/cli';
import { writeTrainSet, type TrainSet } from '../e2e/external-dicom-train';

const REWRITES = 3;
const SEED = 3;

let root: string;
let set: TrainSet;
let csv: string;
/** Library folders: the original files' first, then each rewrite's. */
const libraries: string[] = [];
const measured: Record<string, unknown[]> = {};

const lumen = (args: string[]) => runLumen(args, path.join(root, 'data'));

/** A copy of the set's folder with new Study, Series and SOP Instance UIDs (in a random order of their own), pixels untouched. */
function rewriteUids(from: string, to: string, rewrite: number): void {
  cpSync(from, to, { recursive: true });
  const rnd = mulberry32(1000 + rewrite);
  const uid = () => `2.25.${Math.floor(rnd() * 2 ** 48)}${Math.floor(rnd() * 2 ** 48)}`;
  for (const patient of readdirSync(to).sort()) {
    const study = uid();
    const series = uid();
    for (const file of readdirSync(path.join(to, patient)).sort()) {
      // dcmodify updates the file meta information's MediaStorageSOPInstanceUID with the dataset's.
      execFileSync('dcmodify', ['-nb', '-m', `StudyInstanceUID=${study}`, '-m', `SeriesInstanceUID=${series}`, '-m', `SOPInstanceUID=${uid()}`, path.join(to, patient, file)], { stdio: 'pipe' });
    }
  }
}

/** The files' SOP Instance UIDs in the order of their patients' folders and names. */
function sopUids(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((p) => readdirSync(path.join(dir, p)).sort().map((f) => /\[([0-9.]+)\]/.exec(execFileSync('dcmdump', ['+P', 'SOPInstanceUID', path.join(dir, p, f)], { encoding: 'utf8' }))![1]));
}

/** SHA-256 over the package's files but metadata.json (which records dates, run ids and pseudonyms): the weights and heads. */
function weightsHash(pkg: string): string {
  const h = createHash('sha256');
  for (const name of readdirSync(pkg).filter((n) => n !== 'metadata.json').sort()) h.update(`${name}\0`).update(readFileSync(path.join(pkg, name)));
  return h.digest('hex');
}

interface Outcome {
  /** PatientID -> split. */
  split: Record<string, string>;
  history: [number, number, number][];
  metrics: Record<string, number>;
  confusion: number[][];
  weights: string;
}

async function train(library: string, out: string, extra: string[]): Promise<Outcome & { seconds: number }> {
  const started = performance.now();
  const r = await lumen(['train', '--library', library, '--labels', csv, '--variant', 'custom-phi-10', '--resolution', '32', '--seed', String(SEED), '--out', out, '--json', ...extra]);
  const seconds = (performance.now() - started) / 1000;
  expect(r.code, r.stderr).toBe(0);
  const t = JSON.parse(r.stdout);
  // The package names patients by the library's pseudonyms, whose key is the library's own: back to PatientIDs.
  const names = libraryPseudonyms(library);
  const byPseudonym = new Map(set.patients.map((p) => [names.patient(p.id), p.id]));
  const split = Object.fromEntries(Object.entries(t.split.patients as Record<string, string>).map(([p, s]) => [byPseudonym.get(p) ?? `unknown ${p}`, s]).sort());
  return {
    split,
    history: t.history.map((h: { loss: number; valLoss: number; valMetric: number }) => [h.loss, h.valLoss, h.valMetric]),
    metrics: t.package.metrics,
    confusion: t.test.confusion,
    weights: weightsHash(out),
    seconds,
  };
}

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-reproducible-'));
  set = writeTrainSet(path.join(root, 'dicom-0'), { patients: 12, slices: 4, seed: 11 });
  // Every patient labelled by PatientID (the set's own CSV labels half of them by SeriesInstanceUID, which a rewrite changes).
  csv = path.join(root, 'labels-by-patient.csv');
  writeFileSync(csv, ['PatientID,label', ...set.patients.map((p) => `${p.id},${p.shape}`)].join('\n') + '\n');
  for (let r = 1; r <= REWRITES; r++) rewriteUids(set.dir, path.join(root, `dicom-${r}`), r);
}, 300_000);

afterAll(() => {
  writeFileSync(path.join(resultsDir(), 'reproducible-uids.json'), JSON.stringify(measured, null, 2));
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('the same images with other UIDs', () => {
  it('are imported with other UIDs and in another UID order', async () => {
    const original = sopUids(set.dir);
    for (let r = 0; r <= REWRITES; r++) {
      const library = path.join(root, `library-${r}`);
      const imported = await lumen(['import', path.join(root, `dicom-${r}`), '--library', library, '--json']);
      expect(imported.code, imported.stderr).toBe(0);
      libraries.push(library);
      if (r === 0) continue;
      const uids = sopUids(path.join(root, `dicom-${r}`));
      expect(uids.filter((u) => original.includes(u))).toEqual([]);
      // The rewrite must change the order of the files' UIDs too, or it would not test the order.
      const rank = (xs: string[]) => xs.map((u) => [...xs].sort().indexOf(u));
      expect(rank(uids)).not.toEqual(rank(original));
    }
  }, 300_000);

  it('are read for training in one order, by patient, series and instance number, and split alike whatever order they are given in', () => {
    const labelled = (library: string): LabelledImage[] => {
      const lib = Library.open(library);
      const store = new TrainingStore(lib);
      try {
        store.setLabels(set.patients.flatMap((p) => store.resolveTarget('patient', p.id).map((t) => ({ targetKind: t.kind, targetUid: t.uid, label: p.shape }))));
        return store.labelledImages();
      } finally {
        store.close();
        lib.close();
      }
    };
    // Each image by where it lies in its copy: patient folder, file, frame.
    const where = (images: LabelledImage[], r: number) => images.map((im) => `${path.relative(path.join(root, `dicom-${r}`), im.path)}#${im.frame}`);
    const original = labelled(libraries[0]);
    expect(original).toHaveLength(set.patients.reduce((n, p) => n + p.images, 0));
    // Patients by PatientID, then slices by InstanceNumber (the files are named by it), a multi-frame file's frames in turn.
    expect(where(original, 0)).toEqual(set.patients.flatMap((p) => Array.from({ length: p.images }, (_, i) => (p.storage.startsWith('multi-frame') ? `${p.id}/IM0001#${i}` : `${p.id}/IM${String(i + 1).padStart(4, '0')}#0`))));
    for (let r = 1; r <= REWRITES; r++) expect(where(labelled(libraries[r]), r)).toEqual(where(original, 0));
    const split = splitByPatient(original, { seed: SEED });
    const reversed = splitByPatient([...original].reverse(), { seed: SEED });
    for (const s of ['train', 'validation', 'test'] as const) {
      expect(where(reversed[s], 0)).toEqual(where(split[s], 0));
      // Patient-level: every image of a patient in that patient's split, none elsewhere.
      expect(split[s].every((im) => split.patients[im.patient] === s)).toBe(true);
    }
  });

  const modes: [string, string[]][] = [
    ['from scratch (the journey test)', ['--from-scratch', '--epochs', '4', '--no-augment']],
    ['from scratch, augmented', ['--from-scratch', '--epochs', '3']],
    ['a head on cached augmented features (the default)', ['--epochs', '20']],
  ];
  for (const [mode, extra] of modes) {
    it(`train ${mode} to the same split, losses, metrics and weights; so does the same library twice`, async () => {
      const key = mode.split(' (')[0];
      const runs: (Outcome & { seconds: number; run: string })[] = [];
      for (let r = 0; r <= REWRITES; r++) runs.push({ run: r === 0 ? 'original UIDs' : `rewrite ${r}`, ...(await train(libraries[r], path.join(root, `pkg-${key.replace(/\W+/g, '-')}-${r}`), extra)) });
      runs.push({ run: 'original UIDs again', ...(await train(libraries[0], path.join(root, `pkg-${key.replace(/\W+/g, '-')}-again`), extra)) });
      measured[key] = runs.map(({ run, seconds, history, metrics, split, weights }) => ({
        run, seconds, finalLoss: history.at(-1)?.[0], testAuc: metrics['test.auc'], testAccuracy: metrics['test.accuracy'], testPatients: Object.keys(split).filter((p) => split[p] === 'test'), weights: weights.slice(0, 16),
      }));
      const [first, ...others] = runs.map((o): Outcome => ({ split: o.split, history: o.history, metrics: o.metrics, confusion: o.confusion, weights: o.weights }));
      // Every labelled patient in one split, and the same one in every run.
      expect(Object.keys(first.split).sort()).toEqual(set.patients.map((p) => p.id).sort());
      for (const o of others) {
        expect(o.split).toEqual(first.split);
        expect(o.history).toEqual(first.history);
        expect(o.metrics).toEqual(first.metrics);
        expect(o.confusion).toEqual(first.confusion);
        expect(o.weights).toBe(first.weights);
      }
    }, 900_000);
  }
});
