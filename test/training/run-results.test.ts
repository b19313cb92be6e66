// training.results reads what a package records of its training (electron/training/run-results.ts):
// the evaluations and the epoch history come back as the contract says, NaN as null; what a
// package lacks, or holds in a form Lumen cannot read, is said in words.
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunResults } from '../../common/contract/run-results';
import { savePackage } from '../../models/package/package';
import type { PackageMetadataInput } from '../../models/package/metadata';
import { evaluate } from '../../models/training/metrics';
import { evaluateLevels, evaluateSeriesLevels } from '../../models/training/levels';
import { readRunResults, reportPathOf } from '../../electron/training/run-results';
import { tinyNet } from '../models/onnx-helpers';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(path.join(os.tmpdir(), 'lumen-run-results-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const meta = (training?: Record<string, unknown>): PackageMetadataInput => ({
  name: 'phantom',
  variant: 'b0',
  inputSize: 32,
  preprocessing: { scale: 1 / 255, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] },
  classNames: ['normal', 'lesion'],
  task: 'multiclass',
  provenance: training ? { training } : {},
});

const labels = Array.from({ length: 30 }, (_, i) => i % 2);
const scores = labels.map((l, i) => {
  const p = Math.min(0.95, Math.max(0.05, 0.5 + (l ? 0.2 : -0.2) + (((i * 37) % 11) - 5) / 20));
  return [1 - p, p];
});
const history = [
  { epoch: 1, loss: 0.9, learningRate: 0.001, valMetric: 0.6, valLoss: 0.95, seconds: 1 },
  { epoch: 2, loss: 0.7, learningRate: 0.001, valMetric: NaN, valLoss: 0.8, seconds: 1 },
];

async function packageWith(name: string, training?: Record<string, unknown>) {
  const pkgDir = path.join(dir, name);
  await savePackage(pkgDir, tinyNet({ size: 32, classes: 2 }), meta(training));
  return pkgDir;
}

describe('a package\'s training results', () => {
  it('come back with the evaluations, the history and the report beside the package', async () => {
    const test = evaluate(scores, labels, ['normal', 'lesion'], { seed: 1, bootstrap: 50 });
    const validation = evaluate(scores.slice(0, 10), labels.slice(0, 10), ['normal', 'lesion'], { seed: 1, bootstrap: 50 });
    const pkgDir = await packageWith('trained', { history, evaluation: { test, validation } });
    writeFileSync(reportPathOf(pkgDir), '<!doctype html><p>report</p>');
    const r = await readRunResults(pkgDir);
    expect(RunResults.parse(r)).toEqual(r);
    expect(r.missing).toEqual([]);
    expect(r.reportPath).toBe(`${pkgDir}.report.html`);
    expect(r.classNames).toEqual(['normal', 'lesion']);
    expect(r.test!.confusion).toEqual(test.confusion);
    expect(r.test!.auc).toBeCloseTo(test.auc, 12);
    expect(r.test!.roc[0].points).toEqual(test.roc[0].points);
    expect(r.test!.roc[0].band!.length).toBeGreaterThan(10);
    expect(r.validation!.n).toBe(10);
    // A value the run could not compute was NaN; stored in JSON it is null, and stays null.
    expect(r.history).toEqual([
      { epoch: 1, loss: 0.9, valMetric: 0.6, valLoss: 0.95 },
      { epoch: 2, loss: 0.7, valMetric: null, valLoss: 0.8 },
    ]);
  });

  it('come back with the test split per series and per patient, and how the intervals were made', async () => {
    // 30 images: 10 patients of 3, one series each.
    const rows = scores.map((sc, i) => ({ scores: sc, label: labels[Math.floor(i / 3) * 3], series: `s${Math.floor(i / 3)}`, patient: `p${Math.floor(i / 3)}` }));
    const test = evaluateLevels(rows, ['normal', 'lesion'], { seed: 1, bootstrap: 50 });
    const r = await readRunResults(await packageWith('levels', { history, evaluation: { test, validation: test } }));
    expect(RunResults.parse(r)).toEqual(r);
    expect(r.test!.perPatient).toEqual({ n: 10, auc: test.perPatient.auc, aucCi: test.perPatient.aucCi, accuracy: test.perPatient.accuracy, skippedMixedLabels: 0 });
    expect(r.test!.perSeries!.n).toBe(10);
    expect(r.test!.ciMethod).toMatch(/^cluster bootstrap over patients/);
  });

  it('read a series-head evaluation whose patients all carry mixed labels (no patient-level AUC)', async () => {
    // Two series per patient with different labels: the patient level is empty and has no AUC at all.
    const rows = Array.from({ length: 8 }, (_, i) => ({ scores: [0.3 + (i % 2) * 0.4, 0.7 - (i % 2) * 0.4], label: i % 2, series: `s${i}`, patient: `p${i >> 1}`, slices: [[0.4, 0.6], [0.6, 0.4]] }));
    const test = evaluateSeriesLevels(rows, ['normal', 'lesion'], { seed: 1, bootstrap: 20 });
    const r = await readRunResults(await packageWith('mixed', { history, evaluation: { test, validation: test } }));
    expect(r.missing).not.toContain('a test evaluation this Lumen cannot read');
    expect(r.test!.n).toBe(8);
    expect(r.test!.perPatient!.n).toBe(0);
  });

  it('say what a package without them lacks', async () => {
    const r = await readRunResults(await packageWith('bare'));
    expect(r.test).toBeNull();
    expect(r.validation).toBeNull();
    expect(r.history).toEqual([]);
    expect(r.reportPath).toBeNull();
    expect(r.missing).toEqual([
      'no test evaluation (a package trained outside Lumen, or by a Lumen that did not record it)',
      'no validation evaluation (a package trained outside Lumen, or by a Lumen that did not record it)',
      'no epoch history',
      'no HTML report beside the package (a package imported from a .lumenpkg file carries none)',
    ]);
  });

  it('refuse evaluations in a form Lumen cannot read, in words, not as a parse error', async () => {
    const test = evaluate(scores, labels, ['normal', 'lesion'], { seed: 1, bootstrap: 50 });
    const pkgDir = await packageWith('odd', { history: 'three epochs', evaluation: { test: { ...test, confusion: '<img onerror>' }, validation: test } });
    const r = await readRunResults(pkgDir);
    expect(r.test).toBeNull();
    expect(r.validation).not.toBeNull();
    expect(r.missing.slice(0, 2)).toEqual(['a test evaluation this Lumen cannot read', 'an epoch history this Lumen cannot read']);
    expect(RunResults.safeParse(r).success).toBe(true);
  });
});
