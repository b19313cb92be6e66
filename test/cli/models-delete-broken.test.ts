// A folder in models/ that `lumen models packages` lists as "not a usable package" (metadata.json
// cut short, class names that do not fit the model) can be deleted by the folder name it is
// listed under, with the same checks as any delete (asks first, only inside models/), and the
// app's Delete of it can be undone. Before, `lumen models delete` said no package had that name.
// And a package whose folder is not its name is listed with its folder, the name delete takes.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deletePackage, deletedDir, listPackages, undoDelete } from '../../electron/engine/predict/packages';
import { runLumen } from '../support/crash';
import { rehashedCopy, saveTinyNetPackage } from '../support/tiny-package';

let root: string;
let dataDir: string;
let models: string;
const env = () => ({ LUMEN_DATA_DIR: dataDir });
const folders = () => readdirSync(models).sort();

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-delete-broken-'));
  dataDir = path.join(root, 'data');
  models = path.join(dataDir, 'models');
  mkdirSync(models, { recursive: true });
  const good = path.join(models, 'good');
  await saveTinyNetPackage(good, 'good');
  rehashedCopy(good, path.join(models, 'truncmeta'), () => {});
  const meta = path.join(models, 'truncmeta', 'metadata.json');
  writeFileSync(meta, readFileSync(meta).subarray(0, 200));
  rehashedCopy(good, path.join(models, 'badclasses'), (dir) => {
    const file = path.join(dir, 'metadata.json');
    const m = JSON.parse(readFileSync(file, 'utf8'));
    m.classNames = [...m.classNames, 'extra'];
    writeFileSync(file, JSON.stringify(m));
  });
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('deleting a folder that is not a usable package', () => {
  it('is listed as not usable, and delete asks first: without a terminal and --yes nothing goes', async () => {
    const listed = await runLumen(['models', 'packages'], env());
    expect(listed.code, listed.output).toBe(0);
    expect(listed.stdout).toMatch(/not a usable package: .*truncmeta: metadata\.json is not valid JSON/);
    const r = await runLumen(['models', 'delete', 'truncmeta'], env());
    expect(r.code, r.output).toBe(2);
    expect(r.output).toContain('nothing was deleted');
    expect(r.output).toContain('add --yes to delete the unusable folder truncmeta without asking');
    expect(folders()).toEqual(['badclasses', 'good', 'truncmeta']);
  });

  it('lumen models delete <folder> --yes removes it by the name it is listed under; the good package stays', async () => {
    const r = await runLumen(['models', 'delete', 'truncmeta', '--yes'], env());
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toBe('Removed the unusable folder truncmeta (truncmeta).\n');
    expect(folders()).toEqual(['badclasses', 'good']);
    // The CLI has no undo: nothing waits in the deleted-packages folder.
    expect(readdirSync(deletedDir(dataDir))).toEqual([]);
    const json = await runLumen(['models', 'delete', 'badclasses', '--yes', '--json'], env());
    expect(json.code, json.output).toBe(0);
    expect(JSON.parse(json.stdout).removed).toEqual([path.join(models, 'badclasses')]);
    expect(folders()).toEqual(['good']);
    expect((await listPackages(dataDir)).packages.map((p) => p.name)).toEqual(['good']);
  });

  it('a name that is nothing in models/ is still refused, naming the listing', async () => {
    const r = await runLumen(['models', 'delete', 'nosuch', '--yes'], env());
    expect(r.code).toBe(1);
    expect(r.output).toContain('No installed model package is named "nosuch"');
  });

  it("the app's Delete of such a folder can be undone", async () => {
    const broken = rehashedCopy(path.join(models, 'good'), path.join(models, 'broken'), (dir) => writeFileSync(path.join(dir, 'model.json'), '{'));
    const done = await deletePackage(dataDir, broken);
    expect(done.message).toBe('Deleted the unusable folder broken (broken).');
    expect(folders()).toEqual(['good']);
    undoDelete(dataDir, done.undoId);
    expect(folders()).toEqual(['broken', 'good']);
    expect((await listPackages(dataDir)).problems.map((p) => p.dir)).toEqual([broken]);
  });

  it('a package copied into another folder is listed with that folder, the name delete takes', async () => {
    rehashedCopy(path.join(models, 'good'), path.join(models, 'copy'), () => {});
    const listed = await runLumen(['models', 'packages'], env());
    expect(listed.code, listed.output).toBe(0);
    const lines = listed.stdout.split('\n');
    expect(lines.filter((l) => l.startsWith('good (folder copy)  #'))).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith('good  #'))).toHaveLength(1);
    const r = await runLumen(['models', 'delete', 'copy', '--yes'], env());
    expect(r.code, r.output).toBe(0);
    expect(folders()).toEqual(['broken', 'good']);
  });
});
