// A researcher follows README.md's "Training your own classifier", "The model library" and
// "Deleting a package or a version" in the browser UI (Debian's Chromium through `lumen serve`'s
// bridge and the real engine) and with the `lumen` command on the same data folder, on CT slices
// dcmtk's dump2dcm wrote (no Lumen code writes them): 24 patients, a disc or a ring per patient,
// 4 slices each, 20 of them labelled in a CSV typed by hand the way a spreadsheet saves it (a byte
// order mark, Excel's `sep=;` line, quoted fields, CRLF, a label with spaces and in other case, a
// duplicate row, a series not in the library). Imports the folder, labels with "Choose label
// CSV…", trains a series (MIL) head, then an image head under the same name (the first kept as
// version 1), reads the figures in the app and from `lumen eval`, `lumen models versions` and the
// package's model card, deletes the newest version in the Classifier panel and undoes it.
// Screenshots: test-results/journey-s16-training-*.png.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { runLumen } from '../support/cli';

const ROOT = '1.2.826.0.1.3680043.10.1137.1616';
const NAME = 'shape-s16';
interface Patient { id: string; shape: 'Disc' | 'ring'; study: string; series: string }
const PATIENTS: Patient[] = Array.from({ length: 24 }, (_, p) => ({
  id: `T2P${String(p + 1).padStart(3, '0')}`,
  shape: p % 2 ? 'ring' : 'Disc',
  study: `${ROOT}.${p + 1}`,
  series: `${ROOT}.${p + 1}.1`,
}));
const LABELLED = PATIENTS.slice(0, 20);

/** Four 32×32 CT slices of one patient, each written by dump2dcm from a text dump; the dumps and raw pixels stay in `work`. */
function writePatient(dir: string, work: string, p: Patient, index: number): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 1; i <= 4; i++) {
    const px = Buffer.alloc(32 * 32 * 2);
    const r0 = 6 + ((index * 7 + i) % 4);
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        const d = Math.hypot(x - 16 + (index % 3), y - 16 + (i % 2));
        const inside = p.shape === 'Disc' ? d < r0 : Math.abs(d - r0) < 1.5;
        px.writeUInt16LE(1024 + (inside ? 300 : 0) + ((x * 13 + y * 7 + index * 5 + i) % 40), (y * 32 + x) * 2);
      }
    }
    const raw = path.join(work, `${p.id}-${i}.raw`);
    writeFileSync(raw, px);
    const sop = `${p.series}.${i}`;
    const dump = [
      '(0002,0002) UI =CTImageStorage', `(0002,0003) UI [${sop}]`, '(0002,0010) UI =LittleEndianExplicit',
      '(0008,0016) UI =CTImageStorage', `(0008,0018) UI [${sop}]`, '(0008,0020) DA [20240101]', '(0008,0060) CS [CT]',
      `(0010,0010) PN [Pat^${p.id}]`, `(0010,0020) LO [${p.id}]`, `(0020,000d) UI [${p.study}]`, `(0020,000e) UI [${p.series}]`,
      '(0020,0011) IS [1]', `(0020,0013) IS [${i}]`, `(0020,0032) DS [0\\0\\${i * 2}]`, '(0020,0037) DS [1\\0\\0\\0\\1\\0]',
      '(0028,0002) US 1', '(0028,0004) CS [MONOCHROME2]', '(0028,0010) US 32', '(0028,0011) US 32', '(0028,0030) DS [0.7\\0.7]',
      '(0028,0100) US 16', '(0028,0101) US 12', '(0028,0102) US 11', '(0028,0103) US 0', '(0028,1050) DS [100]', '(0028,1051) DS [600]',
      '(0028,1052) DS [-1024]', '(0028,1053) DS [1]', `(7fe0,0010) OW =${raw}`,
    ];
    const text = path.join(work, `${p.id}-${i}.dump`);
    writeFileSync(text, dump.join('\n') + '\n');
    execFileSync('dump2dcm', [text, path.join(dir, `${i}.dcm`)], { stdio: 'pipe' });
  }
}

/**
 * The labels as a spreadsheet saves them, CRLF throughout: BOM, `sep=;`, quoted fields, each
 * label with spaces around it (Disc written as in the list, "disc" once more in a duplicate
 * row), then a row naming a series the library lacks. Returns the file and that row's line.
 */
function writeLabels(file: string): { csv: string; unknownLine: number; duplicateLine: number } {
  const rows = ['sep=;', '"PatientID";"SeriesInstanceUID";"label"', ...LABELLED.map((p) => `"${p.id}";"${p.series}";" ${p.shape} "`)];
  rows.push(`"${LABELLED[0].id}";"${LABELLED[0].series}";"disc"`);
  const duplicateLine = rows.length;
  rows.push(`"T2P999";"${ROOT}.999.1";"ring"`);
  const unknownLine = rows.length;
  writeFileSync(file, '\ufeff' + rows.join('\r\n') + '\r\n');
  return { csv: file, unknownLine, duplicateLine };
}

describe('a researcher trains, versions and deletes a classifier in the app and with lumen', () => {
  let dicom = '';
  let labels: ReturnType<typeof writeLabels>;
  const session = useUiSession('lumen-journey-s16-training', (dataDir) => {
    dicom = path.join(dataDir, 'export', 'dicom');
    const work = path.join(dataDir, 'export', 'work');
    mkdirSync(work, { recursive: true });
    PATIENTS.forEach((p, i) => writePatient(path.join(dicom, p.id), work, p, i));
    labels = writeLabels(path.join(dataDir, 'export', 'labels.csv'));
  });

  it('imports, labels from a hand-made CSV, trains MIL and image heads, checks the figures, deletes a version and undoes it', async () => {
    const { page, errors } = await openApp(session());
    const lumen = (args: string[]) => runLumen(args, session().dataDir);
    let step = 0;
    const shot = async (name: string) => page.screenshot({ path: path.join(resultsDir(), `journey-s16-training-${String(++step).padStart(2, '0')}-${name}.png`) });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });

    await page.getByLabel('Import a folder or file').fill(dicom);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: /^96 images imported/  }).waitFor({ timeout: 180_000 });
    expect(await page.getByTestId('import-report').innerText()).not.toMatch(/could not|failed|error/i);

    await page.getByTestId('series-card').first().click();
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/4' }).waitFor({ timeout: 60_000 });
    await page.getByRole('tab', { name: 'Training' }).click();
    const panel = page.getByRole('tabpanel', { name: 'Training' });
    await panel.waitFor();

    // README: Choose label CSV…; a spreadsheet's export reads as it is; problems named by line.
    const chooser = page.waitForEvent('filechooser');
    await panel.getByRole('button', { name: 'Choose label CSV…' }).click();
    await (await chooser).setFiles(labels.csv);
    const report = panel.getByRole('region', { name: 'Label import report' });
    await report.waitFor({ timeout: 30_000 });
    await shot('labels-imported');
    const notUsed = await report.getByRole('list', { name: 'Rows not used' }).getByRole('listitem').allTextContents();
    expect(notUsed).toEqual([`line ${labels.unknownLine}: SeriesInstanceUID ${ROOT}.999.1 is not in the library`]);
    // 20 patients with 4 slices each are labelled; the 4 others are not.
    await panel.getByText(`${LABELLED.length} patients, ${LABELLED.length * 4} images; split by patient.`).waitFor({ timeout: 30_000 });
    const overview = await lumen(['labels', 'overview', '--json']);
    expect(overview.code).toBe(0);
    const classes = (JSON.parse(overview.stdout) as { classes: { className: string; series: number; patients: number }[] }).classes;
    expect(classes.filter((c) => c.series > 0).map((c) => [c.className, c.series, c.patients])).toEqual([['Disc', 10, 10], ['ring', 10, 10]]);

    // A series (MIL) head, then an image head under the same name.
    const train = async (mode: 'series' | 'head') => {
      await panel.getByLabel('Name', { exact: true }).fill(NAME);
      await panel.getByLabel('Backbone', { exact: true }).selectOption('custom-phi-10');
      await panel.getByLabel('Mode', { exact: true }).selectOption(mode);
      await panel.getByLabel('Resolution', { exact: true }).fill('32');
      await panel.getByLabel('Epochs', { exact: true }).fill('6');
      if (await panel.getByLabel('Augment', { exact: true }).isChecked()) await panel.getByLabel('Augment', { exact: true }).uncheck();
      await panel.getByRole('button', { name: 'Start training' }).click();
      // The last run's "Training finished." goes as this one starts.
      await panel.getByRole('status').filter({ hasText: /^Training…/ }).waitFor({ timeout: 60_000 });
      await panel.getByRole('status').filter({ hasText: /^Training finished\.|^Training failed/ }).waitFor({ timeout: 300_000 });
      expect(await panel.getByRole('status').textContent()).toBe('Training finished.');
    };
    await train('series');
    await shot('mil-trained');
    const milResults = panel.getByTestId('run-results');
    expect(await milResults.innerText()).toMatch(/ROC AUC \d\.\d{3} \(95% CI \d\.\d{3}–\d\.\d{3}\)/);

    // The name is taken now: the form says the earlier package is kept as version 1.
    await panel.getByLabel('Name', { exact: true }).fill(NAME);
    await panel.getByTestId('name-taken').filter({ hasText: 'keeps the earlier one as version 1' }).waitFor({ timeout: 30_000 });
    await train('head');
    const results = panel.getByTestId('run-results');
    await results.scrollIntoViewIfNeeded();
    await shot('head-trained');
    const headline = /ROC AUC (\d\.\d{3}) \(95% CI (\d\.\d{3})–(\d\.\d{3})\)/.exec(await results.innerText());
    expect(headline).not.toBeNull();

    // The same figures from lumen eval on the test split, and in the model card.
    const versions = await lumen(['models', 'versions', NAME, '--json']);
    expect(versions.code).toBe(0);
    const hashes = (JSON.parse(versions.stdout) as { versions: { contentHash: string }[] }).versions.map((v) => v.contentHash);
    expect(hashes).toHaveLength(2);
    const evaluated = await lumen(['eval', '--model', NAME, '--subset', 'test', '--json']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const test = (JSON.parse(evaluated.stdout) as { evaluation: { auc: number; aucCi: [number, number] } }).evaluation;
    expect([test.auc, ...test.aucCi].map((v) => v.toFixed(3))).toEqual(headline!.slice(1, 4));
    const card = JSON.parse(readFileSync(path.join(session().dataDir, 'models', NAME, 'metadata.json'), 'utf8')) as { modelCard: string; contentHash: string };
    expect(card.modelCard).toContain(`ROC AUC ${headline![1]} (95% CI ${headline![2]}–${headline![3]})`);
    expect(card.contentHash).toBe(hashes[0]);

    // The Classifier panel lists the name with its earlier version; delete the newest, then Undo.
    await page.getByRole('tab', { name: 'Classifier' }).click();
    const newest = page.locator('.package-item').filter({ has: page.locator(`[title="${hashes[0]}"]`) });
    await newest.waitFor({ timeout: 60_000 });
    expect(await page.locator('.package-item').filter({ has: page.locator(`[title="${hashes[1]}"]`) }).count()).toBe(1);
    await newest.getByTestId('package-delete').click();
    await shot('delete-question');
    await newest.getByTestId('package-delete-confirm').click();
    const notice = page.getByTestId('package-deleted');
    await notice.waitFor({ timeout: 60_000 });
    await shot('deleted');
    // The list follows: the name now runs version 1, and the deleted hash is gone from it.
    const item = (hash: string) => page.locator('.package-item').filter({ has: page.locator(`[title="${hash}"]`) });
    await expect.poll(async () => [await item(hashes[0]).count(), await item(hashes[1]).count()], { timeout: 30_000 }).toEqual([0, 1]);
    await shot('deleted-later');
    const afterDelete = await lumen(['models', 'packages', '--json']);
    expect(afterDelete.stdout).toContain(hashes[1]);
    expect(afterDelete.stdout).not.toContain(hashes[0]);
    await notice.getByTestId('package-undo').click();
    await expect.poll(async () => (await lumen(['models', 'versions', NAME, '--json'])).stdout, { timeout: 30_000 }).toContain(hashes[0]);
    const restored = JSON.parse((await lumen(['models', 'versions', NAME, '--json'])).stdout) as { versions: { contentHash: string }[] };
    expect(restored.versions.map((v) => v.contentHash)).toEqual(hashes);
    await expect.poll(async () => [await item(hashes[0]).count(), await item(hashes[1]).count()], { timeout: 30_000 }).toEqual([1, 1]);
    await shot('undone');

    expect(errors).toEqual([]);
    await page.close();
  }, 900_000);
});
