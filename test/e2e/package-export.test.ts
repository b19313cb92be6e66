// Exporting a model package from the Classifier list, in Debian's Chromium through `lumen
// serve`'s bridge: "Export…" under a package (and under an earlier version) opens a field for the
// file to write, as Export results… takes its folder; the engine writes a new .lumenpkg holding only
// the package's own files (GNU tar lists them), which `lumen models import` installs in another data
// folder with the same content hash. A file that exists is never replaced, and a file inside a
// package's folder is refused (it would break that package). A .lumenpkg written by `lumen models
// export` imports in the panel. Before, the app had no way to write one (T2-4).
// Screenshots: test-results/package-export-*.png.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { runLumen } from '../support/cli';
import { kneeWithTwoVersions } from '../support/knee-versions';
import { saveTinyNetPackage } from '../support/tiny-package';
import { importOneCtSlice } from './one-ct-slice';

const UID = '1.2.826.0.1.3680043.10.99.41';
const tarList = (file: string) => execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n').sort();
const hashOf = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'metadata.json'), 'utf8')).contentHash as string;
const colleague = mkdtempSync(path.join(os.tmpdir(), 'lumen-package-export-colleague-'));

afterAll(() => rmSync(colleague, { recursive: true, force: true }));

describe('exporting a model package in the app', () => {
  let hashes: Record<string, string> = {};
  let elbowHash = '';
  const session = useUiSession('lumen-package-export', async (dataDir) => {
    await importOneCtSlice(dataDir, UID);
    hashes = await kneeWithTwoVersions(dataDir);
    mkdirSync(path.join(dataDir, 'exports'));
    // A package on a colleague's workstation, exported there with the CLI into this data folder.
    await saveTinyNetPackage(path.join(colleague, 'models', 'elbow'), 'elbow');
    elbowHash = hashOf(path.join(colleague, 'models', 'elbow'));
    const r = await runLumen(['models', 'export', 'elbow', '--out', path.join(dataDir, 'exports', 'elbow.lumenpkg')], colleague);
    if (r.code !== 0) throw new Error(r.stderr);
  });

  it('writes a version as a .lumenpkg of its own files that imports to the same hash; never over a file, never into a package', async () => {
    const dataDir = session().dataDir;
    const models = path.join(dataDir, 'models');
    const exports = path.join(dataDir, 'exports');
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 240_000 });
    await page.getByRole('tab', { name: 'Classifier' }).click();
    await page.locator('label.package').filter({ hasText: `#${hashes['2'].slice(0, 12)}` }).waitFor({ timeout: 120_000 });

    // Export… under the newest: a field for the file; Escape closes it.
    const open = page.getByRole('button', { name: `Export knee-2 version 2 (#${hashes['2'].slice(0, 12)})…` });
    await open.click();
    const form = page.getByRole('group', { name: `Export knee-2 version 2 (#${hashes['2'].slice(0, 12)})` });
    const field = form.getByLabel(`Export knee-2 version 2 (#${hashes['2'].slice(0, 12)}) to`);
    expect(await field.getAttribute('placeholder')).toBe('/path/to/knee-2.lumenpkg');
    await page.keyboard.press('Escape');
    await form.waitFor({ state: 'detached' });
    await open.click();
    const file = path.join(exports, 'knee.lumenpkg');
    await field.fill(file);
    await form.getByTestId('package-export-confirm').click();
    const done = form.getByTestId('package-export-done');
    await done.waitFor({ timeout: 60_000 });
    expect(await done.innerText()).toBe(`Wrote ${file} (#${hashes['2'].slice(0, 12)}). Import it in another Lumen's Classifier panel, or with lumen models import.`);
    await page.screenshot({ path: path.join(resultsDir(), 'package-export-done.png') });
    // Only the package folder's files: not knee.report.html beside it, not knee.versions/, nothing of the library.
    expect(tarList(file)).toEqual(readdirSync(path.join(models, 'knee')).sort());
    expect(tarList(file)).toEqual(['group1-shard1of1.bin', 'metadata.json', 'model.json', 'model.onnx']);
    const imported = await runLumen(['models', 'import', file, '--json'], path.join(colleague, 'second'));
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout).contentHash).toBe(hashes['2']);

    // The same file again: refused, the file untouched.
    const before = readFileSync(file);
    await form.getByTestId('package-export-confirm').click();
    await form.getByRole('alert').filter({ hasText: 'already exists: Lumen never overwrites a file' }).waitFor({ timeout: 60_000 });
    expect(readFileSync(file).equals(before)).toBe(true);
    // Into the package's own folder: refused, the package still loads.
    await field.fill(path.join(models, 'knee', 'knee.lumenpkg'));
    await form.getByTestId('package-export-confirm').click();
    await form.getByRole('alert').filter({ hasText: "is a model package's folder" }).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(resultsDir(), 'package-export-refused.png') });
    expect(readdirSync(path.join(models, 'knee')).sort()).toEqual(['group1-shard1of1.bin', 'metadata.json', 'model.json', 'model.onnx']);
    await form.getByRole('button', { name: 'Cancel' }).click();
    await form.waitFor({ state: 'detached' });

    // An earlier version, from under its disclosure.
    await page.getByTestId('package-versions').locator('summary').click();
    await page.getByRole('button', { name: `Export knee-2 version 1 (#${hashes['1'].slice(0, 12)})…` }).click();
    const earlier = page.getByRole('group', { name: `Export knee-2 version 1 (#${hashes['1'].slice(0, 12)})` });
    const v1 = path.join(exports, 'knee-v1.lumenpkg');
    await earlier.getByRole('textbox').fill(v1);
    await earlier.getByTestId('package-export-confirm').click();
    await earlier.getByTestId('package-export-done').waitFor({ timeout: 60_000 });
    const importedV1 = await runLumen(['models', 'import', v1, '--json'], path.join(colleague, 'third'));
    expect(importedV1.code, importedV1.stderr).toBe(0);
    expect(JSON.parse(importedV1.stdout).contentHash).toBe(hashes['1']);
    await page.screenshot({ path: path.join(resultsDir(), 'package-export-version.png') });

    // The colleague's CLI export imports in the panel, with its hash.
    await page.getByLabel('Import a model package (.lumenpkg)').fill(path.join(exports, 'elbow.lumenpkg'));
    await page.getByRole('button', { name: 'Import package' }).click();
    await page.getByRole('status').filter({ hasText: `Imported elbow (#${elbowHash.slice(0, 12)}) into models/elbow.` }).waitFor({ timeout: 60_000 });
    expect(hashOf(path.join(models, 'elbow'))).toBe(elbowHash);
    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);
});
