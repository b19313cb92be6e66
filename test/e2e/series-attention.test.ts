// Issue #18 point 3 in the app: a package trained from series labels (multiple-instance
// learning) shows, in the Classifier panel, the series' pooled score and "which slices
// mattered": one bar per slice, as tall as its attention weight. The weights are those
// `lumen predictions --series --json` returns; clicking the tallest bar goes to its slice; Run
// in the app scores the series with the head again (the audit log names it) and shows the same.
// Under the series' score, its uncertainty from the series head's uncertainty heads, as stored;
// a package from before those heads (an older Lumen's) shows none and says why.
// One image run alone gets its slice score, and the line says the uncertainty is the series';
// Label next ranks the unlabelled series by the series uncertainty heads, in words for series.
// Screenshots: test-results/series-attention.png, series-attention-older-package.png,
// series-attention-one-image.png, series-attention-label-next.png.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { importLabelsCsvFile } from '../../electron/training/labels';
import { trainSeriesClassifier } from '../../electron/training/mil-train';
import { predictSeries } from '../../electron/training/predict';
import { initBackend } from '../../models/runtime';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { canvasPixels } from '../support/canvas';
import { withoutSeriesEnsemble } from '../training/mil-old-package';
import { writeMilPhantoms, type MilSeries } from '../training/mil-phantoms';

const repo = path.resolve(__dirname, '../..');

async function lumen(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(repo, 'bin/lumen.mjs'), ...args], { cwd: repo, maxBuffer: 64 << 20 });
  return stdout;
}

describe('which slices mattered, in the Classifier panel', () => {
  let shown: MilSeries;
  /** The last patient's series, left unlabelled: Label next suggests them. */
  let unlabelled: MilSeries[];
  const session = useUiSession('lumen-series-attention', async (dataDir) => {
    await initBackend('cpu');
    const set = writeMilPhantoms(path.join(dataDir, 'incoming', 'mil'), { patients: 10, seriesPerPatient: 2, slices: 8, lesionSlices: 2, seed: 21 });
    const library = Library.open(path.join(dataDir, 'library'));
    try {
      const report = await library.importPaths([set.dir]);
      expect(report.errors).toEqual([]);
      // Every series labelled but the last patient's two, which Label next then has to suggest.
      unlabelled = set.series.filter((s) => s.patientId === set.series[set.series.length - 1].patientId);
      const labels = path.join(dataDir, 'incoming', 'labels.csv');
      writeFileSync(labels, ['SeriesInstanceUID,label', ...set.series.filter((s) => !unlabelled.includes(s)).map((s) => `${s.seriesUid},${s.label}`)].join('\n') + '\n');
      importLabelsCsvFile(library, labels, { author: 'tester' });
      const out = path.join(dataDir, 'models', 'series-mil');
      await trainSeriesClassifier({ library, out, name: 'series-mil', variant: 'b0', resolution: 64, window: 'ct-abdomen', seed: 3, epochs: 30 });
      shown = set.series.find((s) => s.label === 'lesion')!;
      await predictSeries({ library, packageDir: out, seriesUid: shown.seriesUid });
      // The same package as a Lumen before series uncertainty heads wrote it.
      const older = withoutSeriesEnsemble(out, path.join(dataDir, 'models', 'older-mil'), 'older-mil');
      await predictSeries({ library, packageDir: older, seriesUid: shown.seriesUid });
    } finally {
      library.close();
    }
  });

  it('draws one bar per slice as tall as its weight, as stored, and the tallest goes to its slice', async () => {
    const { dataDir } = session();
    const stored = JSON.parse(await lumen(['predictions', '--series', shown.seriesUid, '--library', path.join(dataDir, 'library'), '--json'])).predictions.find((p: { modelName: string }) => p.modelName === 'series-mil');
    expect(stored.series[0].pooled.method).toBe('gated-attention');
    const weights = new Map<string, number>(stored.images.map((im: { sopInstanceUid: string; attention: number }) => [im.sopInstanceUid, im.attention]));
    expect(weights.size).toBe(8);
    const topSop = [...weights].sort((a, b) => b[1] - a[1])[0][0];

    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 240_000 });
    await page.getByLabel('Search studies').fill(shown.patientId);
    const study = page.getByRole('listitem', { name: new RegExp(`^Study .*${shown.patientId}`) });
    await study.getByTestId('series-card').first().waitFor();
    // The patient's series in the order the browser lists them: open the one that was predicted.
    const cards = study.getByTestId('series-card');
    const index = shown.seriesUid.endsWith('.1') ? 0 : 1;
    await cards.nth(index).click();
    await page.getByTestId('image-index').filter({ hasText: /Im \d+\/8/ }).waitFor({ timeout: 120_000 });
    await page.getByRole('tab', { name: 'Classifier' }).click();
    await page.locator('label.package').filter({ hasText: 'series-mil' }).waitFor({ timeout: 60_000 });
    await page.locator('label.package').filter({ hasText: 'series-mil' }).click();
    const panel = page.getByTestId('series-attention');
    await panel.waitFor({ timeout: 30_000 });
    const bars = panel.getByTestId('attention-bar');
    expect(await bars.count()).toBe(8);
    // Each bar carries its stored weight, in the series' slice order.
    const drawn = await Promise.all(shown.sops.map(async (_, i) => Number(await bars.nth(i).getAttribute('data-weight'))));
    shown.sops.forEach((sop, k) => expect(drawn[k]).toBeCloseTo(weights.get(sop)!, 3));
    const heights = await Promise.all(shown.sops.map(async (_, i) => (await bars.nth(i).boundingBox())!.height));
    const k = shown.sops.indexOf(topSop);
    expect(heights[k]).toBe(Math.max(...heights));
    expect(await page.getByTestId('series-pooled').textContent()).toMatch(/(lesion|none) \d+\.\d%/);
    // The series' uncertainty under its score, as stored; the slice's line points to it (a slice has none).
    const pooled = stored.series[0].pooled as { uncertainty: number | null; uncertaintyHigh: number | null };
    expect(pooled.uncertainty).toBeTypeOf('number');
    const seriesUncertainty = panel.getByTestId('series-uncertainty');
    expect(await seriesUncertainty.textContent()).toContain(`± uncertainty ${pooled.uncertainty!.toFixed(2)}`);
    expect(await seriesUncertainty.getAttribute('data-level')).toBe(typeof pooled.uncertaintyHigh === 'number' ? (pooled.uncertainty! > pooled.uncertaintyHigh ? 'high' : 'usual') : '');
    expect(await seriesUncertainty.getAttribute('title')).toMatch(/^Uncertainty: how much the series head's uncertainty heads \(.*\) disagree on this series/);
    // A handful of validation series sets no "high" (fewer than 20, series-ensemble.ts): the
    // number stands without "high" or "usual", and the hover text says why.
    expect(pooled.uncertaintyHigh).toBeNull();
    expect(await seriesUncertainty.getAttribute('data-level')).toBe('');
    expect(await seriesUncertainty.locator('.uncertainty-level').count()).toBe(0);
    expect(await seriesUncertainty.getAttribute('title')).toContain('Not called high or usual: the package had fewer than 20 validation series, too few for a 95th percentile to say what is usual.');
    const uncertainty = page.getByTestId('image-uncertainty');
    expect(await uncertainty.textContent()).toBe("Uncertainty is the series' (below)");
    expect(await uncertainty.getAttribute('title')).toMatch(/^A series head's uncertainty heads judge the series as a whole/);

    // The phantom's lesion is on 2 of the 8 slices: the tallest bar is one of them.
    expect(shown.lesionSops).toContain(topSop);

    await bars.nth(k).click();
    await page.getByTestId('image-index').filter({ hasText: `Im ${k + 1}/8` }).waitFor({ timeout: 30_000 });
    await expect.poll(async () => (await canvasPixels(page)).drawn, { timeout: 30_000 }).toBeGreaterThan(1000);
    expect(await bars.nth(k).getAttribute('class')).toContain('current');
    await panel.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(resultsDir(), 'series-attention.png') });

    // Run in the app on the series: the engine scores it with the series head too, and the
    // strip shows the same weights (stored again under the same package).
    // The audit log names a series-head run by its runtime.
    const headRuns = async () => (await lumen(['audit', '--library', path.join(dataDir, 'library'), '--json'])).split('and the series head').length - 1;
    const before = await headRuns();
    await page.getByTestId('run-prediction').click();
    await expect.poll(headRuns, { timeout: 120_000 }).toBeGreaterThan(before);
    await page.getByTestId('run-prediction').and(page.locator(':enabled')).waitFor({ timeout: 60_000 });
    await panel.waitFor({ timeout: 30_000 });
    const rerun = await Promise.all(shown.sops.map(async (_, i) => Number(await bars.nth(i).getAttribute('data-weight'))));
    shown.sops.forEach((sop, i) => expect(rerun[i]).toBeCloseTo(weights.get(sop)!, 3));
    expect(await seriesUncertainty.textContent()).toContain(`± uncertainty ${pooled.uncertainty!.toFixed(2)}`);

    // The older package: the same scores and weights, no uncertainty, and the hover text says why.
    await page.locator('label.package').filter({ hasText: 'older-mil' }).click();
    await panel.waitFor({ timeout: 30_000 });
    await expect.poll(async () => (await uncertainty.textContent()) ?? '', { timeout: 30_000 }).toBe('No uncertainty for this package');
    expect(await uncertainty.getAttribute('title')).toMatch(/^This series-head package has no series uncertainty heads \(it was trained by a Lumen that did not make them: train it again to get them\)/);
    expect(await panel.getByTestId('series-uncertainty').count()).toBe(0);
    await panel.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(resultsDir(), 'series-attention-older-package.png') });

    // One image of the patient's other series, never predicted: a series-head package scores
    // whole series, so the image gets its slice score and no series score, and the line says
    // that the uncertainty is the series' (not "no uncertainty heads"); lumen predictions too.
    const sibling = cards.nth(1 - index);
    const siblingUid = shown.seriesUid.replace(/\.\d+$/, `.${2 - index}`);
    await sibling.click();
    // The sibling is open once the older package's strip (of the first series) is gone.
    await panel.waitFor({ state: 'detached', timeout: 60_000 });
    await page.getByTestId('image-index').filter({ hasText: /Im \d+\/8/ }).waitFor({ timeout: 120_000 });
    await page.locator('label.package').filter({ hasText: 'series-mil' }).click();
    await page.getByLabel('Predict on').selectOption('image');
    await page.getByTestId('run-prediction').and(page.locator(':enabled')).click();
    await expect.poll(async () => (await uncertainty.textContent()) ?? '', { timeout: 120_000 }).toBe("No uncertainty for one image: it is the series'");
    expect(await uncertainty.getAttribute('title')).toMatch(/^This package was trained from series labels: its series head scores a whole series .*Run it on this series \(Predict on: This series\)/);
    expect(await panel.count()).toBe(0);
    await page.screenshot({ path: path.join(resultsDir(), 'series-attention-one-image.png') });
    const listed = await lumen(['predictions', '--series', siblingUid, '--library', path.join(dataDir, 'library')]);
    expect(listed).toContain('series-mil');
    expect(listed).toContain(`  no series score and no uncertainty: only single images were scored, and this package's series head scores a whole series (its uncertainty is the series'). Score the series with "lumen predict --series ${siblingUid} --model <package>".`);

    // The Classifier panel raised no error (the Training tab below shows the split's warnings as alerts).
    expect(await page.getByRole('alert').allTextContents()).toEqual([]);

    // Label next with the series-head package: the unlabelled series, ranked by the series
    // uncertainty heads, with the queue's wording for series; too few validation series to call
    // any "high", and each suggestion's hover text says so.
    await page.getByRole('tab', { name: 'Training' }).click();
    const training = page.getByRole('tabpanel', { name: 'Training' });
    const next = training.getByRole('region', { name: 'Label next' });
    const option = next.getByLabel('Model for suggestions').locator('option', { hasText: 'series-mil' });
    await option.waitFor({ state: 'attached', timeout: 30_000 });
    await next.getByLabel('Model for suggestions').selectOption((await option.getAttribute('value'))!);
    await next.getByRole('button', { name: 'Suggest' }).click();
    const queue = next.getByRole('list', { name: 'Series to label next' });
    await queue.waitFor({ timeout: 180_000 });
    await next.getByRole('status').filter({ hasText: `${unlabelled.length} of ${unlabelled.length} unlabelled series, most useful first (series-mil). Uncertainty: how much the series head's uncertainty heads disagree on each series (mutual information).` }).waitFor();
    const items = queue.getByRole('button');
    expect(await items.count()).toBe(unlabelled.length);
    for (const t of await queue.locator('.label-next-figures').allTextContents()) expect(t).toMatch(/^uncertainty \d\.\d\d( · distance \d+\.\d\d)?$/);
    const titles = await Promise.all(unlabelled.map((_, i) => items.nth(i).getAttribute('title')));
    for (const t of titles) expect(t).toMatch(/^the model's uncertainty heads' disagreement is not judged high or usual \(too few validation series to say what is usual\)/);
    expect(titles.map((t) => t!.split('\nSeries ')[1]).sort()).toEqual(unlabelled.map((s) => s.seriesUid).sort());
    await training.screenshot({ path: path.join(resultsDir(), 'series-attention-label-next.png') });
    expect(errors).toEqual([]);
  }, 600_000);
});
