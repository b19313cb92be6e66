// Datasets: which labelled images, which classes, and patient-level splits (a patient is
// never in two splits), stratified by class; k-fold by patient; class balance and warnings.
// Patients are drawn by PatientID and each split lists its images in training order
// (image-order.ts), never by UID: the same images with new UIDs give the same split, in the
// same order.
import { orderForTraining } from '../../common/positive-class';
import { classPatientsWarning } from '../../common/training-advice';
import { seededRandom } from '../../models/training/metrics';
import { inTrainingOrder } from './image-order';
import { patientKeyWarnings, type LabelledImage } from './store';

export type Split = 'train' | 'validation' | 'test';

export interface SplitOptions {
  /** Fractions of patients for validation and test (default 0.2 each). */
  validation?: number;
  test?: number;
  seed: number;
}

export interface DatasetSplit {
  classNames: string[];
  /** patient -> split */
  patients: Record<string, Split>;
  train: LabelledImage[];
  validation: LabelledImage[];
  test: LabelledImage[];
  balance: Record<Split, Record<string, { images: number; patients: number }>>;
  warnings: string[];
}

/** A patient's class for stratification: the most frequent label among their images (ties: first by name). */
function patientClass(images: LabelledImage[]): string {
  const counts = new Map<string, number>();
  for (const im of images) counts.set(im.label, (counts.get(im.label) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
}

function groupByPatient(images: LabelledImage[]): Map<string, LabelledImage[]> {
  const by = new Map<string, LabelledImage[]>();
  for (const im of images) {
    const list = by.get(im.patient) ?? [];
    list.push(im);
    by.set(im.patient, list);
  }
  return by;
}

function shuffle<T>(xs: T[], rand: () => number): T[] {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** Patients of each class, shuffled with the seed (classes and patients in sorted order first). */
function strata(images: LabelledImage[], seed: number): { byPatient: Map<string, LabelledImage[]>; perClass: Map<string, string[]> } {
  const byPatient = groupByPatient(images);
  const perClass = new Map<string, string[]>();
  for (const p of [...byPatient.keys()].sort()) {
    const c = patientClass(byPatient.get(p)!);
    perClass.set(c, [...(perClass.get(c) ?? []), p]);
  }
  const rand = seededRandom(seed);
  for (const c of [...perClass.keys()].sort()) perClass.set(c, shuffle(perClass.get(c)!, rand));
  return { byPatient, perClass };
}

/** The run's classes: sorted, a binary run's normal-type class first, so class 1 is the positive one (common/positive-class.ts). */
export function classNamesOf(images: LabelledImage[]): string[] {
  return orderForTraining([...new Set(images.map((i) => i.label))].sort());
}

export function describeBalance(split: Pick<DatasetSplit, 'train' | 'validation' | 'test'>, classNames: string[]): DatasetSplit['balance'] {
  const out = {} as DatasetSplit['balance'];
  for (const s of ['train', 'validation', 'test'] as const) {
    out[s] = {};
    for (const c of classNames) {
      const ims = split[s].filter((i) => i.label === c);
      out[s][c] = { images: ims.length, patients: new Set(ims.map((i) => i.patient)).size };
    }
  }
  return out;
}

function warningsFor(images: LabelledImage[], split: DatasetSplit['balance'], classNames: string[]): string[] {
  const w: string[] = [];
  if (classNames.length < 2) w.push(`Only ${classNames.length} class (${classNames.join(', ')}): a classifier needs at least two.`);
  for (const c of classNames) {
    const patients = new Set(images.filter((i) => i.label === c).map((i) => i.patient)).size;
    const few = classPatientsWarning(c, patients);
    if (few) w.push(few);
    for (const s of ['validation', 'test'] as const) if (split[s][c].images === 0) w.push(`The ${s} split has no "${c}" images: add patients of that class or change the split fractions.`);
  }
  const byPatient = groupByPatient(images);
  const mixed = [...byPatient].filter(([, ims]) => new Set(ims.map((i) => i.label)).size > 1).length;
  if (mixed) w.push(`${mixed} patient${mixed === 1 ? ' has' : 's have'} images with different labels; each patient still goes to one split (by their most frequent label).`);
  w.push(...patientKeyWarnings(byPatient.keys()));
  return w;
}

/** Splits labelled images by patient into train/validation/test, stratified by class, reproducibly; each split in training order. */
export function splitByPatient(images: LabelledImage[], opts: SplitOptions): DatasetSplit {
  const classNames = classNamesOf(images);
  const vf = opts.validation ?? 0.2;
  const tf = opts.test ?? 0.2;
  if (!(vf > 0 && tf > 0 && vf + tf < 1)) throw new Error(`Split fractions must be positive and leave patients for training (validation ${vf}, test ${tf}).`);
  const { byPatient, perClass } = strata(inTrainingOrder(images), opts.seed);
  const patients: Record<string, Split> = {};
  for (const list of perClass.values()) {
    const n = list.length;
    // At least one patient per class in validation and test when the class has 3 or more.
    let nt = Math.round(n * tf);
    let nv = Math.round(n * vf);
    if (n >= 3) {
      nt = Math.max(1, nt);
      nv = Math.max(1, nv);
    }
    list.forEach((p, i) => (patients[p] = i < nt ? 'test' : i < nt + nv ? 'validation' : 'train'));
  }
  const split = { train: [] as LabelledImage[], validation: [] as LabelledImage[], test: [] as LabelledImage[] };
  for (const [p, ims] of byPatient) split[patients[p]].push(...ims);
  const balance = describeBalance(split, classNames);
  return { classNames, patients, ...split, balance, warnings: warningsFor(images, balance, classNames) };
}

/** k folds by patient, stratified: fold i is the test set of run i; its validation is the next fold. */
export function kFoldByPatient(images: LabelledImage[], k: number, seed: number): DatasetSplit[] {
  if (!Number.isInteger(k) || k < 3) throw new Error(`k-fold needs k >= 3 (one fold for test, one for validation), got ${k}.`);
  const classNames = classNamesOf(images);
  const { byPatient, perClass } = strata(inTrainingOrder(images), seed);
  const foldOf = new Map<string, number>();
  let offset = 0;
  for (const list of perClass.values()) {
    list.forEach((p, i) => foldOf.set(p, (i + offset) % k));
    offset += list.length;
  }
  return Array.from({ length: k }, (_, fold) => {
    const patients: Record<string, Split> = {};
    const split = { train: [] as LabelledImage[], validation: [] as LabelledImage[], test: [] as LabelledImage[] };
    for (const [p, ims] of byPatient) {
      const f = foldOf.get(p)!;
      patients[p] = f === fold ? 'test' : f === (fold + 1) % k ? 'validation' : 'train';
      split[patients[p]].push(...ims);
    }
    const balance = describeBalance(split, classNames);
    return { classNames, patients, ...split, balance, warnings: warningsFor(images, balance, classNames) };
  });
}
