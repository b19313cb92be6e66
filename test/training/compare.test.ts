// `lumen compare` on real packages: two heads trained on the same phantom library (same split,
// one trained 10 epochs, one 1 epoch) compared on the patients held out from both, through the
// CLI as a user runs it; the paired test on hand-made scores; and the errors a user can meet.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';
import { contentHash } from '../../models/package/package';
import { clustersOf, differenceSentence, pairedAucDifference, seededRandom } from '../../models/training/stats';
import { writePhantomSet, type PhantomSet } from './phantoms';

let root: string;
let set: PhantomSet;
let library: string;
let trainedA: { test: Record<string, any>; split: { patients: Record<string, string> }; package: { metrics: Record<string, number> } };
const pkgA = () => path.join(root, 'pkg-a');
const pkgB = () => path.join(root, 'pkg-b');

const lumen = (args: string[]) => runLumen(args, path.join(root, 'data'));

const trainArgs = (out: string, epochs: number) => ['train', '--library', library, '--labels', set.csv, '--variant', 'custom-phi-6', '--resolution', '32', '--epochs', String(epochs), '--seed', '4', '--out', out, '--window', 'ct-abdomen', '--json'];

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-compare-'));
  set = writePhantomSet(path.join(root, 'dicom'), { patients: 24, slices: 2, seed: 17 });
  library = path.join(root, 'library');
  const imported = await lumen(['import', set.dir, '--library', library, '--json']);
  expect(imported.code, imported.stderr).toBe(0);
  const a = await lumen(trainArgs(pkgA(), 10));
  expect(a.code, a.stderr).toBe(0);
  trainedA = JSON.parse(a.stdout);
  const b = await lumen(trainArgs(pkgB(), 1));
  expect(b.code, b.stderr).toBe(0);
}, 400_000);

/** A copy of a package with its metadata changed (and its content hash made right again). */
function copyWith(from: string, name: string, change: (m: any) => void): string {
  const to = path.join(root, name);
  cpSync(from, to, { recursive: true });
  const file = path.join(to, 'metadata.json');
  const m = JSON.parse(readFileSync(file, 'utf8'));
  change(m);
  m.contentHash = contentHash(to, m);
  writeFileSync(file, JSON.stringify(m));
  return to;
}

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('paired AUC difference', () => {
  it('a model against itself: difference 0, p = 1, does not hold', () => {
    const rand = seededRandom(1);
    const s = Array.from({ length: 30 }, () => { const x = rand(); return [1 - x, x]; });
    const labels = s.map((x) => (x[1] + rand() * 0.5 > 0.6 ? 1 : 0));
    const d = pairedAucDifference(s, s, labels, 2, clustersOf(30, s.map((_, i) => `p${i % 10}`)), { seed: 2 });
    expect(d.difference).toBe(0);
    expect(d.ci).toEqual([0, 0]);
    expect(d.p).toBe(1);
    expect(d.holds).toBe(false);
    expect(differenceSentence(d)).toMatch(/the same ROC AUC.*does not hold/);
  });

  it('a clearly better model: the interval excludes 0, the same seed gives the same answer', () => {
    const rand = seededRandom(3);
    const rows = Array.from({ length: 200 }, (_, i) => ({ label: i % 2, patient: `p${Math.floor(i / 4)}`, u: rand(), v: rand() }));
    // A: pure noise; B: separates the classes well.
    const a = rows.map((r) => [1 - r.u, r.u]);
    const b = rows.map((r) => { const x = Math.min(1, Math.max(0, 0.3 + 0.4 * r.label + 0.3 * (r.v - 0.5))); return [1 - x, x]; });
    const labels = rows.map((r) => r.label);
    const clusters = clustersOf(rows.length, rows.map((r) => r.patient));
    const d = pairedAucDifference(a, b, labels, 2, clusters, { seed: 5 });
    expect(d.aucB).toBeGreaterThan(0.9);
    expect(d.difference).toBeCloseTo(d.aucB - d.aucA, 12);
    expect(d.ci[0]).toBeGreaterThan(0);
    expect(d.holds).toBe(true);
    // No resampled difference is <= 0: p is its floor, 2 / 1001.
    expect(d.p).toBeCloseTo(2 / 1001, 12);
    expect(d.method).toBe('paired cluster bootstrap over patients, 1000 resamples, percentile');
    expect(differenceSentence(d)).toMatch(/^B's ROC AUC is higher by 0\.\d+ \(95% CI 0\.\d+ to 0\.\d+, p = 0\.002\): the difference holds$/);
    expect(pairedAucDifference(a, b, labels, 2, clusters, { seed: 5 })).toEqual(d);
    // Swapped: A's is higher, the same interval mirrored.
    const swapped = pairedAucDifference(b, a, labels, 2, clusters, { seed: 5 });
    expect(swapped.ci).toEqual([-d.ci[1], -d.ci[0]]);
    expect(differenceSentence(swapped)).toMatch(/^A's ROC AUC is higher by/);
  });
});

describe('lumen compare', () => {
  it('compares two trained packages on the patients held out from both, per image, series and patient', async () => {
    const r = await lumen(['compare', '--model', pkgA(), '--model', pkgB(), '--library', library, '--labels', set.csv, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout);
    // The same seed gives the same split: the held-out patients are A's test patients.
    const testPatients = Object.values(trainedA.split.patients).filter((s) => s === 'test').length;
    expect(c.patients).toBe(testPatients);
    expect(c.patientsOnlyA + c.patientsOnlyB).toBe(0);
    expect(c.images).toBe(testPatients * 2);
    expect(c.classNames).toEqual(['elongated', 'none', 'round']);
    // A on these patients is A's own test evaluation (the same images, the same runner path).
    expect(c.a.perImage.auc).toBeCloseTo(trainedA.test.perImage.auc, 3);
    expect(c.a.ciMethod).toBe('cluster bootstrap over patients, 1000 resamples, percentile');
    expect(c.a.perSeries.n).toBe(testPatients);
    expect(c.a.perPatient.n).toBe(testPatients);
    for (const level of ['perImage', 'perSeries', 'perPatient']) {
      const d = c.differences[level];
      expect(d.difference).toBeCloseTo(d.aucB - d.aucA, 12);
      expect(d.method).toBe('paired cluster bootstrap over patients, 1000 resamples, percentile');
      if (c.patients < 10) {
        // Too few held-out patients to tell (compare-small.test.ts): no interval, no p, never "holds".
        expect(d.tooSmall).toMatch(new RegExp(`^${c.patients} held-out patients`));
        expect(d.p).toBeNull();
        expect(d.holds).toBe(false);
        expect(d.sentence).toMatch(/AUC .* here, but the test set is too small to tell whether that holds \(/);
        continue;
      }
      expect(d.tooSmall).toBeNull();
      expect(d.ci[0]).toBeLessThanOrEqual(d.difference);
      expect(d.ci[1]).toBeGreaterThanOrEqual(d.difference);
      expect(d.p).toBeGreaterThan(0);
      expect(d.p).toBeLessThanOrEqual(1);
      expect(d.holds).toBe(d.ci[0] > 0 || d.ci[1] < 0);
      expect(d.sentence).toMatch(/AUC .*\(95% CI .* p [=<] .*\): the difference (holds|does not hold)/);
    }
    expect(c.differences.perImage.aucA).toBeCloseTo(c.a.perImage.auc, 12);
    expect(c.differences.perPatient.aucB).toBeCloseTo(c.b.perPatient.auc, 12);
    console.log(`compare: A ${c.a.perImage.auc.toFixed(3)} B ${c.b.perImage.auc.toFixed(3)} on ${c.patients} patients; ${c.sentence}; per patient: ${c.differences.perPatient.sentence}`);
    // Patient data stays out of the output: PatientIDs never appear.
    expect(r.stdout).not.toMatch(/PH0\d\d/);

    // lumen train --json and lumen eval --json report the three levels and the method; the package keeps them.
    for (const level of ['perImage', 'perSeries', 'perPatient']) expect(trainedA.test[level].aucCi).toHaveLength(2);
    expect(trainedA.test.ciMethod).toBe('cluster bootstrap over patients, 1000 resamples, percentile');
    expect(trainedA.test.perSeries.aggregation).toBe('mean of image probabilities');
    expect(trainedA.package.metrics['test.perPatient.n']).toBe(testPatients);
    const card = JSON.parse(readFileSync(path.join(pkgA(), 'metadata.json'), 'utf8')).modelCard as string;
    expect(card).toContain('Intervals: cluster bootstrap over patients, 1000 resamples, percentile.');
    expect(card).toMatch(/Per series \(mean of image probabilities\): ROC AUC \d\.\d{3} \(95% CI/);
    const evaluated = await lumen(['eval', '--model', pkgA(), '--library', library, '--json']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const e = JSON.parse(evaluated.stdout);
    expect(e.test.ciMethod).toBe('cluster bootstrap over patients, 1000 resamples, percentile');
    expect(e.test.perPatient.auc).toBeCloseTo(c.a.perPatient.auc, 12);
    expect(e.test.perSeries.auc).toBeCloseTo(c.a.perSeries.auc, 12);
    expect(e.evaluation.auc).toBeCloseTo(c.a.perImage.auc, 12);

    const human = await lumen(['compare', '--model', pkgA(), '--model', pkgB(), '--library', library]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`of ${testPatients} patients held out from both`);
    expect(human.stdout).toMatch(/Per patient \(mean of the patient's series scores.*\): A \d\.\d{3}, B \d\.\d{3}\. /);
  }, 300_000);

  it('says what is wrong: one model, the same model twice, models with other classes', async () => {
    const one = await lumen(['compare', '--model', pkgA(), '--library', library]);
    expect(one.code).toBe(2);
    expect(one.stderr).toContain('Pass exactly two models');
    const twice = await lumen(['compare', '--model', pkgA(), '--model', pkgA(), '--library', library]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('twice');
    const badSubset = await lumen(['compare', '--model', pkgA(), '--model', pkgB(), '--library', library, '--subset', 'some']);
    expect(badSubset.code).toBe(2);

    // A copy of A that names other classes, and a copy of B that trained on A's held-out patients.
    const other = copyWith(pkgA(), 'pkg-other-classes', (m) => { m.classNames = ['cyst', 'none', 'nodule']; });
    const mismatch = await lumen(['compare', '--model', pkgA(), '--model', other, '--library', library, '--json']);
    expect(mismatch.code).toBe(1);
    expect(JSON.parse(mismatch.stdout).error).toMatch(/do not predict the same classes \(.*elongated, none, round; .*cyst, none, nodule\)/);
    const swapped = copyWith(pkgB(), 'pkg-swapped-split', (m) => {
      const patients = m.provenance.training.split.patients as Record<string, string>;
      for (const k of Object.keys(patients)) patients[k] = patients[k] === 'test' ? 'train' : 'test';
    });
    const disjoint = await lumen(['compare', '--model', pkgA(), '--model', swapped, '--library', library]);
    expect(disjoint.code).toBe(1);
    expect(disjoint.stderr).toMatch(/No labelled patient is held out from both models/);
    expect(disjoint.stderr).not.toMatch(/PH0\d\d/);
  }, 300_000);
});
