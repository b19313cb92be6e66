// Task M (T's finding T4): two `lumen models import`s at once (or the app's Import beside the CLI)
// of two different packages whose files have the same name (lesion.lumenpkg from two colleagues).
// importPackage picked the first free folder name with existsSync, then unpacked and moved the
// package there with replaceInside, which replaced a package put there meanwhile: both commands
// said "Installed … in models/lesion" and exited 0, and one of the two packages was gone. The test
// pauses the first import (SIGSTOP) while it unpacks beside models/lesion, runs the second, then
// lets the first go on: before the fix it failed every time (the second's package was replaced).
// Now each name is claimed atomically when the package moves in: lesion for the second, lesion-2 for the first.
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';
import { tempFolderForTests } from '../support/temp-folder';
import { importWhileOnePaused } from '../support/paused-import';
import { saveRandomHeadPackage } from '../support/tiny-package';

const t = tempFolderForTests('m-two-model-imports', () => ({}));
const preprocessing = { scale: 1 / 255, mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number] };

describe('two lumen models import at once, same file name, different packages', () => {
  it('installs both, each in its own folder, and each says which', async () => {
    const made = path.join(t.dir, 'made');
    const files: { file: string; hash: string }[] = [];
    for (const [i, who] of ['alice', 'bob'].entries()) {
      const meta = await saveRandomHeadPackage(path.join(made, 'models', who), { inputSize: 32, seed: 3 + i, sd: 5, headSeed: 7 + i }, { name: who, classNames: ['none', 'lesion'], preprocessing });
      mkdirSync(path.join(t.dir, who));
      const file = path.join(t.dir, who, 'lesion.lumenpkg');
      const exported = await runLumen(['models', 'export', who, '--out', file], made);
      expect(exported.code, exported.stderr).toBe(0);
      files.push({ file, hash: meta.contentHash });
    }
    expect(files[0].hash).not.toBe(files[1].hash);
    const data = path.join(t.dir, 'data');
    // The library exists already (T5 is about two processes making it).
    expect((await runLumen(['ls'], data)).code).toBe(0);
    const models = path.join(data, 'models');
    // The first import is paused once it has chosen its name and is unpacking beside it, as a
    // slower disk or a busier process would leave it; the second runs meanwhile; then the first goes on.
    const { first, second } = await importWhileOnePaused(data, 'lesion', files[0].file, files[1].file);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(first.code, first.output).toBe(0);
    const said = [JSON.parse(first.output) as { dir: string; contentHash: string }, JSON.parse(second.stdout) as { dir: string; contentHash: string }];
    // Each says the folder it used: the second took models/lesion while the first was paused, the first then lesion-2.
    expect(said.map((s) => path.relative(models, s.dir))).toEqual(['lesion-2', 'lesion']);
    expect(said.map((s) => s.contentHash)).toEqual(files.map((f) => f.hash));
    const listed = JSON.parse((await runLumen(['models', 'packages', '--json'], data)).stdout) as { packages: { dir: string; contentHash: string }[] };
    const installed = new Map(listed.packages.map((p) => [p.contentHash, path.relative(models, p.dir)]));
    expect(installed.get(files[0].hash)).toBe('lesion-2');
    expect(installed.get(files[1].hash)).toBe('lesion');
    // No temp folder or claim is left behind.
    expect(readdirSync(models).sort()).toEqual(['lesion', 'lesion-2']);
  }, 300_000);
});
