// What a clinician-researcher reads about a run's test split is the same wherever it is read:
// the app's Results view (from the stored run results), the HTML report beside the package, its
// model card and `lumen eval`. A real tiny head run on CT phantoms with fewer than 10 test
// patients: each says the figures rest on too few patients, in the same words, with the same count.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';
import { fewTestPatientsWarning, TRAINING_DOMAIN_NOTE } from '../../common/training-advice';
import { readRunResults } from '../../electron/training/run-results';
import { Library } from '../../electron/library/library';
import { importLabelsCsvFile } from '../../electron/training/labels';
import { trainClassifier, type TrainResult } from '../../electron/training/train';
import { initBackend } from '../../models/runtime';
import { writePhantomSet } from './phantoms';

let root: string;
let library: Library;
let result: TrainResult;
let heldOut = 0;

/** HTML text as a reader sees it: the report escapes what it prints. */
const unescape = (html: string) => html.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'");

beforeAll(async () => {
  await initBackend('cpu');
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-results-words-'));
  const train = writePhantomSet(path.join(root, 'train-dicom'), { patients: 24, slices: 2, seed: 441 });
  library = Library.open(path.join(root, 'library'));
  const report = await library.importPaths([train.dir]);
  expect(report.errors).toEqual([]);
  importLabelsCsvFile(library, train.csv, { author: 'tester' });
  result = await trainClassifier({ library, out: path.join(root, 'pkg'), variant: 'custom-phi-10', resolution: 32, window: 'ct-abdomen', mode: 'head', augmentation: false, epochs: 5, seed: 5, cacheDir: path.join(root, 'cache') });
  heldOut = result.test.perPatient.n + (result.test.perPatient.skippedMixedLabels ?? 0);
}, 300_000);

afterAll(() => {
  library?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('fewer than 10 test patients', () => {
  it('the shared warning names the count and says why', () => {
    expect(heldOut).toBeGreaterThan(0);
    expect(heldOut).toBeLessThan(10);
    expect(fewTestPatientsWarning(heldOut)).toMatch(new RegExp(`^Only ${heldOut} patients? held out for testing: `));
    expect(fewTestPatientsWarning(10)).toBeNull();
    expect(fewTestPatientsWarning(1)).toMatch(/^Only 1 patient held out/);
  });

  it('the HTML report and the model card say it in the same words', () => {
    const warning = fewTestPatientsWarning(heldOut)!;
    const html = unescape(readFileSync(result.reportPath, 'utf8'));
    expect(html).toContain(warning);
    expect(result.metadata.modelCard).toContain(warning);
  });

  it("the report's Test split heading counts the held-out patients as the app's does", () => {
    const html = readFileSync(result.reportPath, 'utf8');
    // The app: "Test split (12 images, 3 patients)" (renderer/src/training/RunResults.tsx).
    expect(html).toContain(`<h2>Test split (${result.test.n} images, ${heldOut} patients)</h2>`);
  });

  it("the app's Results view gets the package's training domain, line for line as the report lists it", async () => {
    const shown = await readRunResults(result.packageDir);
    const html = unescape(readFileSync(result.reportPath, 'utf8'));
    const section = html.split('<h2>Training domain</h2>')[1].split('<h2>')[0];
    const listed = [...section.matchAll(/<li>(.*?)<\/li>/g)].map((m) => m[1]);
    expect(listed.length).toBeGreaterThan(1);
    expect(shown.domain).toEqual(listed);
    expect(section).toContain(TRAINING_DOMAIN_NOTE);
  });

  it('lumen eval on the test split says it too, with the same per-patient figures as the report', async () => {
    const evaluated = await runLumen(['eval', '--model', result.packageDir, '--library', library.dir, '--subset', 'test'], path.join(root, 'data'));
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.stdout).toContain(fewTestPatientsWarning(heldOut)!);
    const patientLine = evaluated.stdout.split('\n').find((l) => l.trim().startsWith('Per patient'))!;
    expect(patientLine, evaluated.stdout).toBeDefined();
    expect(patientLine).toContain(`ROC AUC ${result.test.perPatient.auc.toFixed(3)}`);
  }, 120_000);
});
