// A researcher follows README.md ("Training your own classifier") in the browser UI, in Debian's
// Chromium through `lumen serve`'s bridge and the real engine, on DICOM made by other software
// (external-dicom-train.ts: gdcmimg/dcmodify slices as JPEG-LS, RLE, JPEG lossless, multi-frame
// files, one as JPEG 2000; a disc or a ring per patient): import the folder, label with a CSV a
// spreadsheet wrote (chosen with "Choose label CSV…"), train a tiny network from scratch, cancel
// and resume it, read the test metrics of the patient-level split, run the model on the series
// the CSV left unlabelled and look at its scores and heatmap, export the results, and see the
// package in the app. Screenshots: test-results/journey-train-*.png.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { canvasPixels } from '../support/canvas';
import { writeTrainSet, type TrainSet } from './external-dicom-train';

const NAME = 'disc-or-ring';
const EPOCHS = 10;

describe('a researcher trains in the app on DICOM made by other software', () => {
  let set: TrainSet;
  const session = useUiSession('lumen-journey-train', (dataDir) => {
    set = writeTrainSet(path.join(dataDir, 'study-export', 'dicom'));
  });

  it('imports, labels from a spreadsheet CSV, trains, cancels and resumes, reads the metrics, predicts and exports', async () => {
    const { page, errors } = await openApp(session());
    let step = 0;
    const shot = async (name: string) => page.screenshot({ path: path.join(resultsDir(), `journey-train-${String(++step).padStart(2, '0')}-${name}.png`) });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });

    // Import the folder the study export wrote.
    await page.getByLabel('Import a folder or file').fill(set.dir);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: `${set.patients.reduce((n, p) => n + p.images, 0)} images (${set.files} files) imported` }).waitFor({ timeout: 180_000 });
    expect(await page.getByTestId('import-report').innerText()).not.toMatch(/could not|failed|error/i);
    await shot('imported');

    // Open the first series (JPEG-free, 4 slices) and the Training tab.
    await page.getByRole('listitem', { name: new RegExp(`^Study .*${set.patients[0].shown}`) }).getByTestId('series-card').first().click();
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/4' }).waitFor({ timeout: 60_000 });
    await expect.poll(async () => (await canvasPixels(page)).drawn, { timeout: 60_000 }).toBeGreaterThan(500);
    await page.getByRole('tab', { name: 'Training' }).click();
    const panel = page.getByRole('tabpanel', { name: 'Training' });
    await panel.waitFor();
    await shot('training-tab');

    // README: "Choose label CSV… opens the file dialog".
    const chooser = page.waitForEvent('filechooser');
    await panel.getByRole('button', { name: 'Choose label CSV…' }).click();
    await (await chooser).setFiles(set.csv);
    const report = panel.getByRole('region', { name: 'Label import report' });
    await report.waitFor({ timeout: 30_000 });
    await shot('labels-imported');
    const half = set.patients.length / 2;
    expect(await report.innerText()).toContain(`${set.patients.length + 2} rows; labelled ${half - 1} series, 0 images, ${half} studies.`);
    const notUsed = await report.getByRole('list', { name: 'Rows not used' }).getByRole('listitem').allTextContents();
    const [seriesRow, patientRow, unknownRow] = set.badLines;
    expect(notUsed).toEqual([
      `line ${seriesRow}: line ${patientRow} gives these images another class: neither row is used; keep the one that is right`,
      `line ${patientRow}: line ${seriesRow} gives these images another class: neither row is used; keep the one that is right`,
      `line ${unknownRow}: its PatientID is not in the library`,
    ]);
    // The open series' patient was labelled by PatientID (its study): the panel says so rather than "unlabelled".
    await panel.getByText('Current:').filter({ hasText: `${set.patients[0].shape} (study)` }).waitFor({ timeout: 30_000 });
    const labelled = set.patients.filter((p) => p !== set.conflicted);
    const images = labelled.reduce((n, p) => n + p.images, 0);
    await panel.getByText(`${labelled.length} patients, ${images} images; split by patient.`).waitFor({ timeout: 30_000 });
    const balance = panel.getByRole('table', { name: 'Class balance by split' });
    // The test split's images, as the table gives them ("12 (3 pt)").
    const testCells = await balance.locator('tbody tr td:nth-child(4)').allTextContents();
    const testImages = testCells.reduce((n, t) => n + Number(/^(\d+)/.exec(t)![1]), 0);
    const testPatients = testCells.reduce((n, t) => n + Number(/\((\d+) pt\)/.exec(t)![1]), 0);
    expect(testImages).toBeGreaterThan(0);

    // Train a tiny network from scratch at 32 px on the file's own window.
    await panel.getByLabel('Name', { exact: true }).fill(NAME);
    await panel.getByLabel('Backbone', { exact: true }).selectOption('custom-phi-10');
    await panel.getByLabel('Mode', { exact: true }).selectOption('scratch');
    await panel.getByLabel('Resolution', { exact: true }).fill('32');
    await panel.getByLabel('Epochs', { exact: true }).fill(String(EPOCHS));
    await panel.getByLabel('Augment', { exact: true }).uncheck();
    await shot('form');
    await panel.getByRole('button', { name: 'Start training' }).click();
    // Progress: the bar, the step in words and the curves once an epoch is done; then Cancel.
    await panel.getByTestId('training-curves').waitFor({ timeout: 300_000 });
    await page.waitForTimeout(300);
    await shot('training');
    // What the run shows is in view: the panel brings the curves up as they appear.
    await expect.poll(async () => {
      const [curves, side] = [await panel.getByTestId('training-curves').boundingBox(), await panel.boundingBox()];
      return !!curves && !!side && curves.y >= side.y && curves.y + curves.height <= side.y + side.height;
    }, { timeout: 10_000 }).toBe(true);
    const progress = await panel.locator('progress').getAttribute('value');
    expect(Number(progress)).toBeGreaterThan(0);
    await panel.getByRole('button', { name: 'Cancel' }).click();
    await panel.getByRole('status').filter({ hasText: /^Cancelled/ }).waitFor({ timeout: 120_000 });
    const stopped = panel.getByText(new RegExp(`^${NAME}: epoch \\d+/${EPOCHS}`));
    await stopped.waitFor({ timeout: 30_000 });
    await shot('cancelled');

    await stopped.getByRole('button', { name: 'Resume' }).click();
    await panel.getByRole('status').filter({ hasText: /^Training finished\.|^Training failed/ }).waitFor({ timeout: 400_000 });
    expect(await panel.getByRole('status').textContent()).toBe('Training finished.');
    await shot('trained');

    // The metrics: on the held-out test split, the images the balance table put there.
    const results = panel.getByTestId('run-results');
    // The held-out patients are the evidence: the heading counts them, and the patient level is shown.
    await results.getByRole('heading', { name: `Test split (${testImages} images, ${testPatients} patients)` }).waitFor();
    expect(await results.innerText()).toMatch(/ROC AUC \d\.\d{3} \(95% CI \d\.\d{3}–\d\.\d{3}\)/);
    expect(await results.getByTestId('per-patient').innerText()).toMatch(new RegExp(`^Per patient \\(${testPatients}\\): ROC AUC (\\d\\.\\d{3}|–)`));
    expect(await results.getByText(/^95% intervals: cluster bootstrap over patients/).count()).toBe(1);
    // So few test patients prove little, whatever the figures: the results say so.
    expect(await results.getByTestId('few-test-patients').innerText()).toMatch(new RegExp(`^⚠ Only ${testPatients} patients held out for testing`));
    expect(await results.getByRole('img', { name: /^Confusion matrix/ }).count()).toBe(1);
    // What the model was trained on, as the report lists it: the run's own, folded until opened.
    await results.getByTestId('run-domain').locator('summary').click();
    expect(await results.getByTestId('run-domain').innerText()).toMatch(/^Training domain\nWhat the model was trained on .*\n\d+ training images from \d+ series of \d+ patients\./s);
    await results.scrollIntoViewIfNeeded();
    await shot('metrics');

    // Run the new model on the series the CSV left unlabelled.
    await page.getByLabel('Search studies').fill(set.conflicted.id);
    await page.getByRole('listitem', { name: new RegExp(`^Study .*${set.conflicted.shown}`) }).getByTestId('series-card').first().click();
    await page.getByTestId('image-index').filter({ hasText: /Im 1\/4/ }).waitFor({ timeout: 60_000 });
    await page.getByRole('tab', { name: 'Classifier' }).click();
    const entry = page.locator('label.package').filter({ hasText: NAME });
    await entry.waitFor({ timeout: 60_000 });
    // Which run this is: the package says when it was made.
    expect(await entry.getByTestId('package-made').innerText()).toMatch(/made \d{2}-\w{3}-\d{4} \d{2}:\d{2}/);
    await entry.locator('input[type="radio"]').check();
    await page.getByLabel('Predict on').selectOption('series');
    await page.getByTestId('run-prediction').click();
    await page.getByRole('heading', { name: /^Series \(4 images/ }).or(page.getByRole('alert')).first().waitFor({ timeout: 180_000 });
    expect(await page.getByRole('alert').allTextContents()).toEqual([]);
    expect(await page.getByRole('button', { name: /^Go to image with/ }).count()).toBe(4);
    // The series' score and the image's, as the panel words them.
    expect(await page.getByText(/^Series \(4 images/).count()).toBe(1);
    await page.getByTestId('heatmap-opacity').fill('100');
    await page.getByLabel('Heatmap class').selectOption({ label: set.conflicted.shape });
    // A tiny network at 32 px has a 1×1 map: one colour over the whole image says nothing of
    // where, and at full opacity it hid the image. The panel says so and draws none.
    await page.getByTestId('heatmap-note').filter({ hasText: '1×1' }).waitFor({ timeout: 30_000 });
    await page.waitForTimeout(500);
    expect(await page.getByText(/^Heatmap: /).count()).toBe(0);
    const drawn = await canvasPixels(page);
    await shot('predicted');
    expect(drawn.drawn).toBeGreaterThan(500);
    expect(drawn.coloured).toBeLessThan(drawn.total * 0.01);

    // Export the results as DICOM SR with the heatmaps.
    const out = path.join(session().dataDir, 'exports', 'train-sr');
    await page.getByRole('button', { name: 'Export results…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export results' });
    await dialog.waitFor();
    await dialog.getByLabel('Export to').fill(out);
    await dialog.getByRole('checkbox', { name: /with heatmaps/ }).check();
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await dialog.getByTestId('export-done').or(dialog.getByRole('alert')).first().waitFor({ timeout: 120_000 });
    await shot('exported');
    expect(await dialog.getByRole('alert').allTextContents()).toEqual([]);
    expect(existsSync(out) && readdirSync(out).some((f) => f.startsWith('predictions-sr'))).toBe(true);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached', timeout: 10_000 });

    // Back in the Training tab, the form is as the researcher left it (the tab used to be
    // rebuilt on each visit: name, backbone, mode and epochs back to the defaults).
    await page.getByRole('tab', { name: 'Training' }).click();
    expect(await panel.getByLabel('Name', { exact: true }).inputValue()).toBe(NAME);
    expect(await panel.getByLabel('Backbone', { exact: true }).inputValue()).toBe('custom-phi-10');
    expect(await panel.getByLabel('Mode', { exact: true }).inputValue()).toBe('scratch');
    expect(await panel.getByLabel('Epochs', { exact: true }).inputValue()).toBe(String(EPOCHS));
    // The package in the app: its results again under "Results of a model".
    const packageChoice = panel.getByLabel('Model package');
    await packageChoice.selectOption((await packageChoice.locator('option').filter({ hasText: new RegExp(`^${NAME}`) }).first().getAttribute('value'))!);
    await panel.getByRole('button', { name: 'Show results' }).click();
    await panel.locator('.package-results').getByRole('heading', { name: `Test split (${testImages} images, ${testPatients} patients)` }).waitFor({ timeout: 30_000 });
    await panel.locator('.package-results').getByTestId('per-patient').waitFor();
    expect(await panel.locator('.package-results').getByTestId('run-domain').count()).toBe(1);
    await shot('package');

    expect(errors).toEqual([]);
    await page.close();
  }, 900_000);
});
