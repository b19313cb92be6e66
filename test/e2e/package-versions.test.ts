// Versioned model packages in the app, in Debian's Chromium through `lumen serve`'s bridge: a
// package whose name a later run reused (the earlier one kept in <name>.versions/ by
// models/package/versions.ts, the code training uses) shows its earlier version in the
// Classifier list, which Run then uses; Results of a model lists both.
// Screenshots: test-results/package-versions-*.png.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { CT_PREPROCESSING, SLICE_SIZE, importOneCtSlice } from './one-ct-slice';
import { placeKeepingEarlier } from '../../models/package';

const repo = path.resolve(__dirname, '../..');
const SIZE = SLICE_SIZE;
const UID = '1.2.826.0.1.3680043.10.99.26';
const SERIES = `${UID}.2`;
const preprocessing = CT_PREPROCESSING;

async function lumen(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(repo, 'bin/lumen.mjs'), ...args], { cwd: repo, maxBuffer: 64 << 20 });
  return stdout;
}

describe('a model package with an earlier version', () => {
  const hashes: string[] = [];
  const session = useUiSession('lumen-package-versions', async (dataDir) => {
    await importOneCtSlice(dataDir, UID);
    // Two packages of one name, the first written earlier: the second takes the name and keeps the first as version 1.
    const models = path.join(dataDir, 'models');
    const first = await saveRandomHeadPackage(path.join(models, 'knee'), { inputSize: SIZE, seed: 3, sd: 20, headSeed: 5 }, { name: 'knee', classNames: ['none', 'lesion'], preprocessing });
    await new Promise((r) => setTimeout(r, 1100));
    const second = await saveRandomHeadPackage(path.join(models, 'knee-new'), { inputSize: SIZE, seed: 4, sd: 20, headSeed: 6 }, { name: 'knee', classNames: ['none', 'lesion'], preprocessing });
    placeKeepingEarlier(models, path.join(models, 'knee-new'), path.join(models, 'knee'));
    hashes.push(first.contentHash, second.contentHash);
  });

  it('lists the earlier version under its name, runs it, and Results of a model lists both', async () => {
    const [first, second] = hashes;
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 240_000 });
    await page.getByTestId('series-card').first().click();
    await page.getByRole('tab', { name: 'Classifier' }).click();
    // The newest is the one listed under the name; the earlier one is behind a disclosure.
    const newest = page.locator('label.package').filter({ hasText: `#${second.slice(0, 12)}` });
    await newest.waitFor({ timeout: 60_000 });
    expect(await newest.innerText()).toContain('version 2');
    const versions = page.getByTestId('package-versions');
    expect(await versions.locator('summary').innerText()).toBe('1 earlier version of knee');
    await versions.locator('summary').click();
    const earlier = versions.locator('label.package').filter({ hasText: `#${first.slice(0, 12)}` });
    await earlier.waitFor();
    expect(await earlier.innerText()).toMatch(/version 1/);
    expect(await earlier.getByTestId('package-made').innerText()).toMatch(/^made /);
    expect(await earlier.getByTestId('package-metric').innerText()).toBe('no test metric');
    await page.screenshot({ path: path.join(resultsDir(), 'package-versions-list.png') });

    // Choose the earlier version and Run: the result names its hash.
    await earlier.locator('input[type=radio]').check();
    await page.getByTestId('run-prediction').click();
    await page.getByText(new RegExp(`^Model knee #${first.slice(0, 12)}`)).waitFor({ timeout: 180_000 });
    expect(await page.getByRole('alert').allTextContents()).toEqual([]);
    await page.screenshot({ path: path.join(resultsDir(), 'package-versions-run-earlier.png') });
    const stored = JSON.parse(await lumen(['predictions', '--series', SERIES, '--library', path.join(session().dataDir, 'library'), '--json']));
    expect(JSON.stringify(stored)).toContain(first);

    // Results of a model: both versions, the newest first.
    await page.getByRole('tab', { name: 'Training' }).click();
    const select = page.getByRole('tabpanel', { name: 'Training' }).locator('.package-results').getByLabel('Model package');
    await select.scrollIntoViewIfNeeded();
    const options = await select.locator('option').allTextContents();
    expect(options.map((o) => o.replace(/ · made .*/, ''))).toEqual(['knee · version 2 (newest)', 'knee · version 1']);
    await page.screenshot({ path: path.join(resultsDir(), 'package-versions-results.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);
});
