// One wording for a run's figures, wherever they are read: the HTML report (its text and its
// plots), the model card, `lumen eval` and `lumen compare` say "ROC AUC 0.813 (95% CI 0.750–0.875)"
// and "balanced accuracy 0.750", with the same numbers. (The app's Training tab says it too:
// test/e2e/journey-train-ui.test.ts reads it there.) A real tiny head run on CT phantoms.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';
import { Library } from '../../electron/library/library';
import { importLabelsCsvFile } from '../../electron/training/labels';
import { trainClassifier, type TrainResult } from '../../electron/training/train';
import { differenceSentence } from '../../models/training/stats';
import { keyMetricText } from '../../common/package-versions';
import { initBackend } from '../../models/runtime';
import { writePhantomSet } from './phantoms';

let root: string;
let library: Library;
let result: TrainResult;

/** What a reader sees of the HTML report: its text (SVG text too), tags dropped, entities read. */
const readable = (html: string) =>
  html.replace(/<[^>]+>/g, '').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'");

/** Figures as every place prints them, worked out here from the numbers alone. */
const n3 = (x: number) => x.toFixed(3);
const auc = (value: number, ci: readonly number[]) => `ROC AUC ${n3(value)} (95% CI ${n3(ci[0])}–${n3(ci[1])})`;

/** The old words: "AUC" without "ROC " before it, "balanced" without " accuracy" after it, an interval without "95% CI", or one with a hyphen. */
function oldWords(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(.{0,12})\bAUCs?\b(.{0,24})/g)) if (!/ROC $/.test(m[1])) found.push(m[0]);
  for (const m of text.matchAll(/\bbalanced\b(?! accuracy)(.{0,12})/gi)) found.push(m[0]);
  for (const m of text.matchAll(/ROC AUC \d\.\d{3} \((?!95% CI )[^)]*\)/g)) found.push(m[0]);
  for (const m of text.matchAll(/95% CI -?\d\.\d{3}-\d\.\d{3}/g)) found.push(m[0]);
  return found;
}

beforeAll(async () => {
  await initBackend('cpu');
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-metric-words-'));
  const train = writePhantomSet(path.join(root, 'train-dicom'), { patients: 24, slices: 2, seed: 443 });
  library = Library.open(path.join(root, 'library'));
  const report = await library.importPaths([train.dir]);
  expect(report.errors).toEqual([]);
  importLabelsCsvFile(library, train.csv, { author: 'tester' });
  result = await trainClassifier({ library, out: path.join(root, 'pkg'), variant: 'custom-phi-10', resolution: 32, window: 'ct-abdomen', mode: 'head', augmentation: false, epochs: 4, seed: 5, cacheDir: path.join(root, 'cache') });
}, 300_000);

afterAll(() => {
  library?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('the figures of a run, in one wording', () => {
  it('the HTML report: the test line, the tables and the plots', () => {
    const t = result.test;
    const text = readable(readFileSync(result.reportPath, 'utf8'));
    expect(text).toContain(`Accuracy ${n3(t.accuracy)} · balanced accuracy ${n3(t.balancedAccuracy)} · ${auc(t.auc, t.aucCi)} · ECE ${n3(t.ece)}`);
    expect(oldWords(text)).toEqual([]);
  });

  it('the model card', () => {
    const t = result.test;
    const card = result.metadata.modelCard ?? '';
    expect(card).toContain(`balanced accuracy ${(t.balancedAccuracy * 100).toFixed(1)}%`);
    expect(card).toContain(auc(t.auc, t.aucCi));
    expect(card).toContain(auc(t.perPatient.auc, t.perPatient.aucCi));
    expect(oldWords(card)).toEqual([]);
  });

  it("the key metric a package's versions are listed by (the Classifier panel, lumen models versions)", () => {
    expect(keyMetricText(result.metadata.metrics)).toBe(`test ROC AUC per patient ${n3(result.test.perPatient.auc)}`);
  });

  it('lumen eval and lumen compare', async () => {
    const data = path.join(root, 'data');
    const evaluated = await runLumen(['eval', '--model', result.packageDir, '--library', library.dir, '--subset', 'test'], data);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.stdout).toMatch(/^accuracy \d\.\d{3} · balanced accuracy \d\.\d{3} · ROC AUC \d\.\d{3} \(95% CI \d\.\d{3}–\d\.\d{3}\) · ECE \d\.\d{3}$/m);
    expect(evaluated.stdout).toContain(`Per patient (${result.test.perPatient.aggregation}): ${result.test.perPatient.n} · ${auc(result.test.perPatient.auc, result.test.perPatient.aucCi)}`);
    expect(oldWords(evaluated.stdout)).toEqual([]);
    // A copy of the package as the second model: the same figures, compared as two.
    const copy = path.join(root, 'pkg-copy');
    cpSync(result.packageDir, copy, { recursive: true });
    const compared = await runLumen(['compare', '--model', result.packageDir, '--model', copy, '--library', library.dir, '--subset', 'test'], data);
    expect(compared.code, compared.stderr).toBe(0);
    expect(compared.stdout).toMatch(/ROC AUC per image \d\.\d{3} \(95% CI \d\.\d{3}–\d\.\d{3}\)/);
    expect(oldWords(compared.stdout)).toEqual([]);
    // The sentence on a difference keeps "to" between its bounds: a difference may be negative.
    expect(differenceSentence({ aucA: 0.8, aucB: 0.85, difference: 0.05, ci: [-0.01, 0.11], p: 0.2, holds: false, method: 'paired bootstrap', usableResamples: 1000, tooSmall: null })).toMatch(/^B's ROC AUC is higher by 0\.05 \(95% CI -0\.01 to 0\.11/);
  }, 180_000);
});
