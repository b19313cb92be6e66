// Deleting a model package version in the app, in Debian's Chromium through `lumen serve`'s
// bridge: the Classifier list's "Delete…" asks, naming package, version, date, hash and the
// stored predictions that name it; deleting the newest makes the earlier version run under the
// name, the result shown says its package was deleted, and Undo puts back exactly what went. An
// interrupted training run's checkpoint is listed as one, with how to resume and discard it.
// Screenshots: test-results/package-delete-*.png.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { CT_PREPROCESSING, SLICE_SIZE, importOneCtSlice } from './one-ct-slice';
import { placeKeepingEarlier } from '../../models/package';

const repo = path.resolve(__dirname, '../..');
const SIZE = SLICE_SIZE;
const UID = '1.2.826.0.1.3680043.10.99.27';
const preprocessing = CT_PREPROCESSING;

async function lumen(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(repo, 'bin/lumen.mjs'), ...args], { cwd: repo, maxBuffer: 64 << 20 });
  return stdout;
}

const hashOf = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'metadata.json'), 'utf8')).contentHash as string;

describe('deleting a model package version in the app', () => {
  const hashes: string[] = [];
  const session = useUiSession('lumen-package-delete', async (dataDir) => {
    const library = await importOneCtSlice(dataDir, UID);
    const models = path.join(dataDir, 'models');
    const first = await saveRandomHeadPackage(path.join(models, 'knee'), { inputSize: SIZE, seed: 3, sd: 20, headSeed: 5 }, { name: 'knee', classNames: ['none', 'lesion'], preprocessing });
    await new Promise((r) => setTimeout(r, 1100));
    const second = await saveRandomHeadPackage(path.join(models, 'knee-new'), { inputSize: SIZE, seed: 4, sd: 20, headSeed: 6 }, { name: 'knee', classNames: ['none', 'lesion'], preprocessing });
    placeKeepingEarlier(models, path.join(models, 'knee-new'), path.join(models, 'knee'));
    // A stored prediction of the newest, which the question counts and which stays after the delete.
    await lumen(['predict', '--model', path.join(models, 'knee'), '--library', library, '--series', `${UID}.2`, '--json']);
    hashes.push(first.contentHash, second.contentHash);
    // A `lumen train --out models/lesions` run stopped after epoch 2 of 5 (as test/training/interrupted-run.test.ts makes one for real).
    const checkpoint = path.join(models, 'lesions.checkpoint');
    mkdirSync(checkpoint);
    writeFileSync(path.join(checkpoint, 'run.json'), JSON.stringify({ runId: 'x', name: 'lesions', out: path.join(models, 'lesions'), epochs: 5, startedAt: '2026-12-06T09:00:00.000Z', request: null }));
    writeFileSync(path.join(checkpoint, 'state.json'), JSON.stringify({ epoch: 2 }));
  });

  it('asks, deletes the newest (the earlier one then runs under the name), and Undo puts it back', async () => {
    const [first, second] = hashes;
    const models = path.join(session().dataDir, 'models');
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 240_000 });
    await page.getByTestId('series-card').first().click();
    await page.getByRole('tab', { name: 'Classifier' }).click();
    // The stored prediction of the newest comes back with the series.
    const model = page.getByTestId('result-model');
    await model.filter({ hasText: `#${second.slice(0, 12)}` }).waitFor({ timeout: 120_000 });

    // The interrupted run is listed as one, with how to resume and discard it, not as an unusable package.
    const runs = page.getByTestId('interrupted-runs');
    expect(await runs.locator('summary').innerText()).toBe('1 interrupted training run in the models folder');
    await runs.locator('summary').click();
    expect(await runs.locator('li').innerText()).toMatch(/^lesions: epoch 2 of 5 done, started .+\. To resume, run the same "lumen train … --out .*lesions" command again: it resumes after epoch 2 \(--no-resume starts over\)\. To discard it: lumen models delete lesions\.checkpoint$/);
    expect(await page.locator('details.problems').count()).toBe(0);
    await page.screenshot({ path: path.join(resultsDir(), 'package-delete-interrupted.png') });
    await runs.locator('summary').click();

    // Delete… names what goes; Escape leaves it.
    const del = page.getByRole('button', { name: `Delete knee version 2 (#${second.slice(0, 12)})…` });
    await del.click();
    const question = page.getByRole('alertdialog', { name: `Delete knee version 2 (#${second.slice(0, 12)})?` });
    await question.filter({ hasText: 'stored image prediction' }).waitFor({ timeout: 60_000 });
    const asked = await question.innerText();
    expect(asked).toMatch(new RegExp(`Delete knee version 2, made .+, #${second.slice(0, 12)}\\? 1 stored image prediction on 1 series in the library name it; they stay readable\\. knee then runs version 1 \\(#${first.slice(0, 12)}\\)\\.`));
    expect(asked).toContain('with its 1 earlier version');
    // Cancel has the focus: Enter or Escape never deletes by surprise.
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } | null } }).document.activeElement?.textContent)).toBe('Cancel');
    await page.screenshot({ path: path.join(resultsDir(), 'package-delete-question.png') });
    await page.keyboard.press('Escape');
    await question.waitFor({ state: 'detached' });
    expect(hashOf(path.join(models, 'knee'))).toBe(second);

    await del.click();
    await question.getByTestId('package-delete-confirm').click();
    const notice = page.getByTestId('package-deleted');
    await notice.waitFor();
    expect(await notice.getByRole('status').innerText()).toBe(`Deleted knee version 2 #${second.slice(0, 12)} (knee). knee now runs version 1 #${first.slice(0, 12)}.`);
    // The earlier one now runs under the name, alone: no versions disclosure.
    await page.locator('label.package').filter({ hasText: `#${first.slice(0, 12)}` }).waitFor();
    expect(await page.getByTestId('package-versions').count()).toBe(0);
    expect(await page.locator('label.package').count()).toBe(1);
    expect(hashOf(path.join(models, 'knee'))).toBe(first);
    expect(existsSync(path.join(models, 'knee.versions'))).toBe(false);
    expect(readdirSync(path.join(session().dataDir, 'deleted-packages'))).toHaveLength(1);
    // The stored prediction is still shown, and says its package is gone.
    expect(await model.innerText()).toContain(`#${second.slice(0, 12)}`);
    expect(await model.innerText()).toContain('this package was deleted; its stored scores stay in the library');
    await page.screenshot({ path: path.join(resultsDir(), 'package-delete-done.png') });

    // Undo: both versions back where they were.
    await notice.getByTestId('package-undo').click();
    await page.getByTestId('package-undone').filter({ hasText: `Put back knee; the version that ran under the name in the meantime is again knee.versions/${first.slice(0, 12)}.` }).waitFor();
    // The package chosen before the delete is chosen again.
    await page.locator('label.package.active').filter({ hasText: `#${second.slice(0, 12)}` }).waitFor();
    await page.getByTestId('package-versions').waitFor();
    expect(hashOf(path.join(models, 'knee'))).toBe(second);
    expect(hashOf(path.join(models, 'knee.versions', first.slice(0, 12)))).toBe(first);
    expect(readdirSync(path.join(session().dataDir, 'deleted-packages'))).toEqual([]);
    expect(await page.locator('label.package').filter({ hasText: `#${second.slice(0, 12)}` }).innerText()).toContain('version 2');
    await page.screenshot({ path: path.join(resultsDir(), 'package-delete-undone.png') });
    expect(await page.getByRole('alert').allTextContents()).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);
});
