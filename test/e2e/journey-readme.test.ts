// A new user follows README.md ("Using Lumen", "Training your own classifier", "Settings and
// versions") in Debian's Chromium through `lumen serve`'s bridge and the real engine, with
// DICOM that other software made (dcmtk, GDCM): a mammogram-sized image, a CT series of many
// files, the external sets of journey-external*.test.ts. Each step asserts what the README
// promises there. Screenshots: test-results/journey-readme-*.png, at 1280×800 and 1024×700.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession, viewerReady } from '../support/browser';
import { canvasPixels } from '../support/canvas';
import { runLumen } from '../support/cli';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { writeExternalSet, type ExternalSet } from './external-dicom';
import { writeReadmeSet, type ReadmeSet } from './external-dicom-readme';

describe('the README, step by step, as a new user', () => {
  let set: ReadmeSet;
  let external: ExternalSet;
  const session = useUiSession('lumen-journey-readme', async (dataDir) => {
    set = writeReadmeSet(path.join(dataDir, 'incoming'));
    external = writeExternalSet(path.join(dataDir, 'incoming', 'external'));
    // A model the user trained earlier under the Training tab's default name.
    await saveRandomHeadPackage(
      path.join(dataDir, 'models', 'my-classifier'),
      { inputSize: 32, seed: 3, sd: 20, headSeed: 5 },
      { name: 'my-classifier', classNames: ['normal', 'abnormal'], preprocessing: { scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } },
    );
    // A run the user stopped at epoch 12 of 30, to resume later (what train.ts writes).
    const stopped = path.join(dataDir, 'training-runs', 'stopped-run');
    mkdirSync(stopped, { recursive: true });
    writeFileSync(path.join(stopped, 'run.json'), JSON.stringify({ runId: 'a1', name: 'stopped-run', epochs: 30, startedAt: '2026-12-01T10:00:00.000Z', request: null }));
    writeFileSync(path.join(stopped, 'state.json'), JSON.stringify({ epoch: 12 }));
  });

  /**
   * Start training waits, disabled, on data the engine would refuse (no labels: 66b4463), so the
   * tests that press it first label the six imported patients, three per class, as a user would
   * with a label CSV (`lumen labels import`, README "Training your own classifier"); once.
   */
  let labelled: Promise<void> | undefined;
  const labelSixPatients = () =>
    (labelled ??= (async () => {
      const { dataDir } = session();
      const mammogramSeries = /\[([\d.]+)\]/.exec(execFileSync('dcmdump', ['+P', '0020,000e', '-s', set.mammogram.file], { encoding: 'utf8' }))![1];
      const series: [string, string][] = [
        [set.mammogram.studyUid, mammogramSeries],
        [set.many.studyUid, set.many.seriesUid],
        ...[external.latin1, external.multiframe, external.colour, external.monochrome1].map((p): [string, string] => [p.studyUid, p.series[0].uid]),
      ];
      const csv = path.join(dataDir, 'labels.csv');
      writeFileSync(csv, ['StudyInstanceUID,SeriesInstanceUID,SOPInstanceUID,frame,label', ...series.map(([study, uid], i) => `${study},${uid},,,${i % 2 ? 'abnormal' : 'normal'}`)].join('\n') + '\n');
      const imported = await runLumen(['labels', 'import', csv], dataDir);
      expect(imported.code, imported.stderr).toBe(0);
    })());

  it('starts, imports, views, measures, labels and reads the settings as the README says', async () => {
    const { page, errors } = await openApp(session());
    let step = 0;
    const shot = async (name: string) => page.screenshot({ path: path.join(resultsDir(), `journey-readme-${String(++step).padStart(2, '0')}-${name}.png`) });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
    await shot('start');
    await page.setViewportSize({ width: 1024, height: 700 });
    await shot('start-small');
    await page.setViewportSize({ width: 1280, height: 800 });

    await page.getByLabel('Import a folder or file').fill(set.dir);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.waitForTimeout(1500);
    await shot('importing');
    // README, Using Lumen 2: the count says what was imported; the last import's studies are marked New.
    await page.getByTestId('import-report').filter({ hasText: `${set.many.files + 1 + 13} images (${set.many.files + 1 + 9} files) imported` }).waitFor({ timeout: 180_000 });
    // The list is read again after the report: its marks come with that read.
    await expect.poll(() => page.getByTestId('study-list').getByText('New', { exact: true }).count(), { timeout: 30_000 }).toBe(6);
    await shot('imported');
    await page.setViewportSize({ width: 1024, height: 700 });
    await shot('imported-small');
    await page.setViewportSize({ width: 1280, height: 800 });

    const study = (shown: string) => page.getByRole('listitem', { name: new RegExp(`^Study .*${shown}`) });
    // README 3: a click opens the series at its first image; a mammogram at its full matrix with its spacing.
    await study(set.mammogram.shown).getByTestId('series-card').click();
    await page.getByText(`${set.mammogram.columns}×${set.mammogram.rows} · 0.07×0.07 mm`).waitFor({ timeout: 120_000 });
    await expect.poll(async () => (await canvasPixels(page)).drawn, { timeout: 60_000 }).toBeGreaterThan(1000);
    await shot('mammogram');
    // README 5: Run the package on this image; its scores and heatmap come back, no error.
    const entry = page.locator('label.package').filter({ hasText: 'my-classifier' });
    await entry.waitFor({ timeout: 60_000 });
    await entry.locator('input[type="radio"]').check();
    await page.getByLabel('Predict on').selectOption('image');
    await page.getByTestId('run-prediction').click();
    await page.getByTestId('image-scores').or(page.getByRole('alert')).first().waitFor({ timeout: 180_000 });
    expect(await page.getByRole('alert').allTextContents()).toEqual([]);
    expect(await page.getByTestId('image-scores').locator('li').count()).toBe(2);
    // One image is "1 image", not "1 images".
    await page.getByRole('heading', { name: /^Series \(1 image,/ }).waitFor({ timeout: 30_000 });
    await shot('mammogram-predicted');
    await study(set.many.shown).getByTestId('series-card').click();
    await page.getByTestId('image-index').filter({ hasText: `Im 1/${set.many.files}` }).waitFor({ timeout: 60_000 });
    await shot('many');
    await page.getByRole('button', { name: 'Length', exact: true }).click();
    await viewerReady(page);
    const box = (await page.getByTestId('viewport').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.5, { steps: 5 });
    await page.mouse.up();
    await page.getByRole('button', { name: /^Ellipse region/ }).click();
    await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.3);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.45, { steps: 5 });
    await page.mouse.up();
    await page.waitForTimeout(1000);
    await shot('measured');
    await page.setViewportSize({ width: 1024, height: 700 });
    await shot('measured-small');
    await page.setViewportSize({ width: 1280, height: 800 });
    // README, Using Lumen 3: "click one to select it, Delete removes it, Ctrl+Z and
    // Ctrl+Shift+Z undo and redo. Press ? for every shortcut": for every kind of measurement.
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    const helpText = await help.innerText();
    expect.soft(helpText).toContain('Delete the selected measurement');
    expect.soft(helpText).toContain('Undo · redo drawing or deleting a measurement');
    await shot('help');
    await page.keyboard.press('Escape');
    // README, Training 1: in the Training tab, 1 labels the series "normal". A selected
    // measurement's Delete removes the measurement, never the label under it.
    await page.getByRole('tab', { name: 'Training' }).click();
    const training = page.getByRole('tabpanel', { name: 'Training' });
    await page.keyboard.press('1');
    await training.getByText(/^Current: normal/).waitFor({ timeout: 30_000 });
    const listed = page.getByTestId('measurements').locator('li');
    const before = await listed.count();
    await page.getByTestId('measurements').getByRole('button', { name: /^Length 1:/ }).click();
    await page.keyboard.press('Delete');
    await expect.poll(() => listed.count(), { timeout: 30_000 }).toBe(before - 1);
    await page.waitForTimeout(500);
    expect(await training.getByText(/^Current: normal/).count()).toBe(1);
    // With nothing selected, Delete clears the label, as the tab says.
    await page.keyboard.press('Delete');
    await training.getByText(/^Current: unlabelled/).waitFor({ timeout: 30_000 });
    // A click on a measurement's ✕ deletes it at once; the way back is on screen, not only Ctrl+Z.
    await page.getByRole('button', { name: 'Delete ellipse 1' }).click();
    await expect.poll(() => listed.count(), { timeout: 30_000 }).toBe(before - 2);
    const undoDelete = page.getByRole('button', { name: 'Undo deleting the ellipse', exact: true });
    await undoDelete.waitFor({ timeout: 30_000 });
    await shot('measurement-deleted');
    await undoDelete.click();
    await expect.poll(() => listed.count(), { timeout: 30_000 }).toBe(before - 1);
    expect(await undoDelete.count()).toBe(0);
    await shot('training');
    await page.setViewportSize({ width: 1024, height: 700 });
    await shot('training-small');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('tab', { name: 'Classifier' }).click();
    await page.waitForTimeout(1500);
    await shot('classifier');
    await page.keyboard.press('Control+,');
    await page.waitForTimeout(1500);
    await shot('settings');
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    await page.waitForTimeout(1500);
    await shot('about');
    await page.keyboard.press('Escape');
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);

  it('asks before a click removes a PACS connection and its saved password', async () => {
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
    await page.keyboard.press('Control+,');
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    await dialog.getByRole('button', { name: 'Add a PACS connection…' }).click();
    const form = dialog.getByRole('form', { name: 'New PACS connection' });
    await form.getByLabel('Name', { exact: true }).fill('hospital');
    await form.getByLabel('Base URL').fill('https://pacs.example.org/dicom-web');
    await form.getByLabel('Authentication').selectOption('basic');
    await form.getByLabel('User', { exact: true }).fill('me');
    await form.getByLabel('Password', { exact: true }).fill('secret');
    await form.getByRole('button', { name: 'Save connection' }).click();
    const connection = dialog.getByTestId('pacs-connection').filter({ hasText: 'hospital' });
    await connection.waitFor();
    // One click on Remove only asks; Keep leaves the connection and its password as they were.
    await connection.getByRole('button', { name: 'Remove hospital' }).click();
    const ask = connection.getByRole('group', { name: 'Remove hospital?' });
    await ask.waitFor();
    expect(await ask.innerText()).toContain('saved password');
    await page.screenshot({ path: path.join(resultsDir(), 'journey-readme-pacs-remove-asks.png') });
    // The receiver's Port is a field like the others, not a box four lines tall.
    const receiver = dialog.getByRole('form', { name: 'Receiver (C-STORE)' });
    const aet = (await receiver.getByLabel("Lumen's AE title").boundingBox())!;
    const port = (await receiver.getByLabel('Port').boundingBox())!;
    expect(port.height).toBeLessThanOrEqual(aet.height + 2);
    await ask.getByRole('button', { name: 'Keep' }).click();
    await ask.waitFor({ state: 'detached' });
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+,');
    await expect.poll(() => dialog.getByTestId('pacs-connection').filter({ hasText: 'password saved' }).count(), { timeout: 30_000 }).toBe(1);
    // Asked and confirmed: gone.
    await dialog.getByRole('button', { name: 'Remove hospital' }).click();
    await dialog.getByRole('group', { name: 'Remove hospital?' }).getByRole('button', { name: 'Remove', exact: true }).click();
    await dialog.getByText('No PACS connections yet.').waitFor({ timeout: 30_000 });
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);

  it('Start training under a model package\'s name says the earlier one is kept as a version, and asks nothing', async () => {
    const { dataDir } = session();
    const metadata = path.join(dataDir, 'models', 'my-classifier', 'metadata.json');
    const hash = () => JSON.parse(readFileSync(metadata, 'utf8')).contentHash as string;
    const trained = hash();
    await labelSixPatients();
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
    await page.keyboard.press('Escape');
    await page.getByRole('tab', { name: 'Training' }).click();
    const panel = page.getByRole('tabpanel', { name: 'Training' });
    // The form's default name is the earlier model's: the panel says what a run does to it before anything runs.
    expect(await panel.getByLabel('Name', { exact: true }).inputValue()).toBe('my-classifier');
    await panel.getByTestId('name-taken').filter({ hasText: 'keeps the earlier one as version 1' }).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(resultsDir(), 'journey-readme-keeps-version.png') });
    // No question: the run starts; cancelled at once, it leaves the package untouched.
    await panel.getByRole('button', { name: 'Start training' }).click();
    await panel.getByRole('button', { name: 'Cancel' }).click({ timeout: 60_000 });
    await panel.getByRole('status').filter({ hasText: /^Cancelled/ }).waitFor({ timeout: 120_000 });
    expect(await panel.getByRole('group', { name: /^Replace / }).count()).toBe(0);
    expect(hash()).toBe(trained);
    await panel.getByLabel('Name', { exact: true }).fill('my-classifier-2');
    expect(await panel.getByTestId('name-taken').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);

  it('asks before Start training discards a stopped run of the same name', async () => {
    const { dataDir } = session();
    await labelSixPatients();
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
    await page.keyboard.press('Escape');
    await page.getByRole('tab', { name: 'Training' }).click();
    const panel = page.getByRole('tabpanel', { name: 'Training' });
    await panel.getByText('stopped-run: epoch 12/30').waitFor({ timeout: 60_000 });
    await panel.getByLabel('Name', { exact: true }).fill('stopped-run');
    await panel.getByTestId('name-stopped').waitFor();
    await panel.getByRole('button', { name: 'Start training' }).click();
    const ask = panel.getByRole('group', { name: 'Start stopped-run over?' });
    await ask.waitFor({ timeout: 30_000 });
    expect(await ask.innerText()).toContain('epoch 12/30');
    await ask.getByRole('button', { name: 'Keep it' }).click();
    await ask.waitFor({ state: 'detached' });
    expect(existsSync(path.join(dataDir, 'training-runs', 'stopped-run', 'state.json'))).toBe(true);
    expect(await panel.getByText('stopped-run: epoch 12/30').count()).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
