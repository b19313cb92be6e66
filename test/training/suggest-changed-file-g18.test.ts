// `lumen suggest` and the app's "Label next" (training.suggest) read a file only as the library
// recorded it at import, as predict, train and eval do (changed-files.ts). Before (s18, task G)
// they scored whatever the path held now: a file overwritten in place after import (here
// another series' image copied over it) was scored, and its scores shown as the suggestion of
// the held series. Now the run is refused naming the file, nothing is suggested, and once the
// file is as imported again (or imported again) the run suggests again. A labelled series' file
// changed is refused too: its features are read for the distances.
import { copyFileSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../electron/engine/engine';
import type { SuggestResult } from '../../common/contract/training';
import { importedLibrary, runLumen } from '../support/cli';
import { engineRequests } from '../support/engine';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { writeSlice } from '../library/fixtures';

const SERIES = ['A', 'B', 'C'].map((name, i) => ({
  name,
  patientName: `SUGGEST^${name}`,
  patientId: `S18G${name}`,
  studyUid: `1.2.826.0.1.3680043.10.543.1819.${i + 1}`,
  seriesUid: `1.2.826.0.1.3680043.10.543.1819.${i + 1}.1`,
}));

let root: string;
let library: string;
let pkg: string;
let engine: Engine;
const { call, job } = engineRequests(() => engine);
const file = (series: string, n: number) => path.join(root, 'dicom', `${series}${n}.dcm`);
const data = () => path.join(root, 'data');
/** `lumen suggest`, its result as JSON (an error too: {"error": ...} on stdout) or as the table. */
const suggest = (json = true) => runLumen(['suggest', '--model', pkg, '--library', library, '--n', '10', ...(json ? ['--json'] : [])], data());
const changed = (f: string) => `${f} changed since it was imported (its size or time), so nothing was suggested: it may hold another image now. Import its folder again, then run.`;

beforeAll(async () => {
  ({ root, library } = await importedLibrary('suggest-changed-g18', (dir) => {
    mkdirSync(dir, { recursive: true });
    SERIES.forEach((s, i) => {
      for (const n of [1, 2]) writeSlice(path.join(dir, `${s.name}${n}.dcm`), { ...s, sopUid: `${s.seriesUid}.${n}`, instanceNumber: n, z: n + i });
    });
  }));
  pkg = path.join(root, 'pkg');
  await saveRandomHeadPackage(pkg, { inputSize: 64, seed: 4, sd: 5, headSeed: 6 }, { name: 'tiny', classNames: ['none', 'lesion'], preprocessing: { window: 'ct-abdomen', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } });
  // The app over the same library (its data folder's library).
  engine = createEngine({ dataDir: path.dirname(library), shell: 'cli', backend: 'cpu' });
}, 180_000);

afterAll(() => {
  engine?.dispose();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('suggestions over a file changed since import', () => {
  it('suggests every unlabelled series while the files are as imported', async () => {
    const r = await suggest();
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as SuggestResult;
    expect(out.imagesScored).toBe(6);
    expect(out.suggestions.map((s) => s.seriesInstanceUid).sort()).toEqual(SERIES.map((s) => s.seriesUid));
  }, 120_000);

  it('refuses, naming the file, once another image is copied over one in place; the app too', async () => {
    const original = readFileSync(file('A', 1));
    copyFileSync(file('B', 1), file('A', 1));
    const r = await suggest(false);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(changed(file('A', 1)));
    expect(r.stdout).toBe('');
    await expect(job('training.suggest', { packageDir: pkg, n: 10 })).rejects.toThrow(changed(file('A', 1)));
    // Put back: the bytes as imported, but the time is the copy's; an import reads it again.
    writeFileSync(file('A', 1), original);
    const json = await suggest();
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({ error: changed(file('A', 1)) });
    const imported = await runLumen(['import', path.join(root, 'dicom'), '--library', library, '--json'], data());
    expect(imported.code, imported.stderr).toBe(0);
    const again = await suggest();
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as SuggestResult).suggestions).toHaveLength(3);
  }, 240_000);

  it("refuses where a labelled series' file changed (its features are read), in the app", async () => {
    await call('training.labels.set', { targets: [{ kind: 'series', uid: SERIES[2].seriesUid }], label: 'lesion' });
    const ok = (await job('training.suggest', { packageDir: pkg, n: 10 })) as SuggestResult;
    expect(ok).toMatchObject({ unlabelledSeries: 2, labelledSeries: 1 });
    const later = new Date(Date.now() + 5_000);
    utimesSync(file('C', 2), later, later);
    await expect(job('training.suggest', { packageDir: pkg, n: 10 })).rejects.toThrow(changed(file('C', 2)));
  }, 240_000);
});
