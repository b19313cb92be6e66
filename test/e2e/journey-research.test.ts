// The researcher's journey, audited (README "Training your own classifier"), in the browser UI
// through `lumen serve`'s bridge and the real engine, then checked with the CLI: DICOM a scanner
// export wrote (external-dicom-train.ts: GDCM/dcmtk-made, JPEG-LS, RLE, JPEG lossless, multi-
// frame, one JPEG 2000) with a broken file among it; labels from a European Excel sheet (BOM,
// ';', a quoted comma in a header, a line break in a cell, trailing empty columns, classes in
// other case, an unknown patient); a tiny network trained from the Training tab; the metrics
// page against `lumen eval` on the same package and library, and the patient-level split read
// from the package. Screenshots: test-results/journey-research-*.png.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { runLumen } from '../support/cli';
import { writeTrainSet, type TrainSet } from './external-dicom-train';

const NAME = 'research-disc-ring';
const EPOCHS = 4;

/** The sheet as Excel (de-DE) saves "CSV UTF-8": what each line is for is said beside it. */
function europeanSheet(set: TrainSet): { file: string; rows: number; notes: number[]; unknown: number } {
  const lines = ['PatientID;SeriesInstanceUID;label;"Notes, free text";;'];
  const notes: number[] = [];
  const half = set.patients.length / 2;
  set.patients.forEach((p, i) => {
    // Two readers typed the classes: the first of each as the library will keep it, later ones in capitals or with spaces.
    const label = i < 2 ? p.shape : i % 3 === 0 ? ` ${p.shape.toUpperCase()}` : `${p.shape[0].toUpperCase()}${p.shape.slice(1)} `;
    const line = lines.length + 1;
    if (label.trim() !== p.shape) notes.push(line);
    if (i < half) lines.push(`${p.id};;${label};${i === 0 ? '"seen twice,\nsecond reader agrees"' : ''};;`);
    else lines.push(`;${p.seriesUid};${label};;;`);
    // The quoted line break makes the first row two lines of the file.
    if (i === 0) lines.push(lines.pop()!.replace('\n', '\r\n'));
  });
  const text = lines.join('\r\n');
  // Line numbers as an editor shows them: the first data row spans lines 2 and 3.
  const shifted = notes.map((n) => n + 1);
  const unknown = text.split('\r\n').length + 1;
  const file = path.join(path.dirname(set.dir), 'labels-de.csv');
  writeFileSync(file, `\uFEFF${text}\r\nRS99;;disc;"not in the export";;\r\n`);
  return { file, rows: set.patients.length + 1, notes: shifted, unknown };
}

describe("a researcher's journey: scanner DICOM, a European spreadsheet, training in the app, eval in the terminal", () => {
  let set: TrainSet;
  let sheet: ReturnType<typeof europeanSheet>;
  const session = useUiSession('lumen-journey-research', (dataDir) => {
    set = writeTrainSet(path.join(dataDir, 'scanner', 'dicom'), { seed: 11 });
    // A file the export cut short.
    writeFileSync(path.join(set.dir, set.patients[1].id, 'IM0099'), Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.from([0x02, 0x00])]));
    sheet = europeanSheet(set);
  });

  it('imports, labels from the sheet, trains, and the metrics page says what lumen eval says', async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    let step = 0;
    const shot = async (name: string) => page.screenshot({ path: path.join(resultsDir(), `journey-research-${String(++step).padStart(2, '0')}-${name}.png`) });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });

    await page.getByLabel('Import a folder or file').fill(set.dir);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const images = set.patients.reduce((n, p) => n + p.images, 0);
    await page.getByTestId('import-report').filter({ hasText: `${images} images (${set.files} files) imported` }).waitFor({ timeout: 180_000 });
    // The broken file is counted and listed; the rest is in.
    expect(await page.getByTestId('import-report').innerText()).toContain('Show the list');
    await shot('imported');

    await page.getByRole('listitem', { name: new RegExp(`^Study .*${set.patients[0].shown}`) }).getByTestId('series-card').first().click();
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/4' }).waitFor({ timeout: 60_000 });
    await page.getByRole('tab', { name: 'Training' }).click();
    const panel = page.getByRole('tabpanel', { name: 'Training' });
    const chooser = page.waitForEvent('filechooser');
    await panel.getByRole('button', { name: 'Choose label CSV…' }).click();
    await (await chooser).setFiles(sheet.file);
    const report = panel.getByRole('region', { name: 'Label import report' });
    await report.waitFor({ timeout: 30_000 });
    const half = set.patients.length / 2;
    expect(await report.innerText()).toContain(`${sheet.rows} rows; labelled ${half} series, 0 images, ${half} studies.`);
    expect(await report.innerText()).toContain(`Classes: disc ${half} · ring ${half}`);
    expect(await report.getByRole('list', { name: 'Rows not used' }).getByRole('listitem').allTextContents()).toEqual([`line ${sheet.unknown}: its PatientID is not in the library`]);
    const spelled = (await report.getByRole('list', { name: 'Rows read as another spelling' }).getByRole('listitem').allTextContents()).filter((t) => t.startsWith('line '));
    expect(spelled.map((t) => Number(/^line (\d+):/.exec(t)![1]))).toEqual(sheet.notes);
    for (const t of spelled) expect(t).toMatch(/^line \d+: label differs from the class (disc \(line 2\)|ring \(line 4\)) only in upper and lower case: read as (disc|ring)$/);
    await report.scrollIntoViewIfNeeded();
    await shot('labels-imported');

    // Every patient labelled, the split by patient.
    await panel.getByText(`${set.patients.length} patients, ${images} images; split by patient.`).waitFor({ timeout: 30_000 });
    await panel.getByLabel('Name', { exact: true }).fill(NAME);
    await panel.getByLabel('Backbone', { exact: true }).selectOption('custom-phi-10');
    await panel.getByLabel('Mode', { exact: true }).selectOption('scratch');
    await panel.getByLabel('Resolution', { exact: true }).fill('32');
    await panel.getByLabel('Epochs', { exact: true }).fill(String(EPOCHS));
    await panel.getByLabel('Augment', { exact: true }).uncheck();
    await panel.getByRole('button', { name: 'Start training' }).click();
    await panel.getByRole('status').filter({ hasText: /^Training finished\.|^Training failed/ }).waitFor({ timeout: 500_000 });
    expect(await panel.getByRole('status').textContent()).toBe('Training finished.');
    const results = panel.getByTestId('run-results');
    const heading = ((await results.getByRole('heading', { name: /^Test split/ }).textContent()) ?? '').trim();
    expect(heading).toMatch(/^Test split \((\d+) images, (\d+) patients\)$/);
    const [, testImages, testPatients] = /^Test split \((\d+) images, (\d+) patients\)$/.exec(heading)!;
    const figures = (await results.getByTestId('test-figures').innerText()).replace(/\s+/g, ' ').trim();
    const perPatient = (await results.getByTestId('per-patient').innerText()).replace(/\s+/g, ' ').trim();
    const perSeries = (await results.getByTestId('per-series').innerText()).replace(/\s+/g, ' ').trim();
    await results.scrollIntoViewIfNeeded();
    await shot('metrics');

    // The package's split: each patient in one split, the test images all from test patients.
    const meta = JSON.parse(readFileSync(path.join(dataDir, 'models', NAME, 'metadata.json'), 'utf8'));
    const training = meta.provenance.training;
    const splitOf = training.split.patients as Record<string, string>;
    expect(Object.keys(splitOf)).toHaveLength(set.patients.length);
    const testSet = new Set(Object.keys(splitOf).filter((p) => splitOf[p] === 'test'));
    expect(testSet.size).toBe(Number(testPatients));
    const testPredictions = training.testPredictions as { patient: string }[];
    expect(testPredictions).toHaveLength(Number(testImages));
    expect(testPredictions.every((t) => testSet.has(t.patient))).toBe(true);
    expect(new Set(testPredictions.map((t) => t.patient)).size).toBe(testSet.size);

    // The same figures from the terminal, on the same package and library.
    const evaluated = await runLumen(['eval', '--model', NAME, '--library', path.join(dataDir, 'library')], dataDir);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    writeFileSync(path.join(resultsDir(), 'journey-research-eval.txt'), `UI:\n${heading}\n${figures}\n${perSeries}\n${perPatient}\n\nlumen eval:\n${evaluated.stdout}`);
    const text = evaluated.stdout.replace(/\s+/g, ' ');
    expect(evaluated.stdout.split('\n')[0]).toBe(`${NAME} on ${testImages} images of ${testPatients} patients (held-out):`);
    // The headline in the same words (the terminal's follows a colon, so it starts in lower case).
    expect(text).toContain(`(held-out): ${figures[0].toLowerCase()}${figures.slice(1)}`);
    // Per series and per patient: the same count, AUC with its interval, and accuracy.
    for (const [ui, level] of [[perSeries, 'Per series (mean of image probabilities)'], [perPatient, "Per patient (mean of the patient's series scores, each the mean of its image probabilities)"]]) {
      const m = /^Per (?:series|patient) \((\d+)\): (ROC AUC \d\.\d{3} \(95% CI \d\.\d{3}–\d\.\d{3}\)) · accuracy (\d\.\d{3})$/.exec(ui);
      expect(m, ui).not.toBeNull();
      expect(text).toContain(`${level}: ${m![1]} · ${m![2]} · accuracy ${m![3]} (95% CI`);
    }

    expect(errors).toEqual([]);
    await page.close();
  }, 900_000);
});
