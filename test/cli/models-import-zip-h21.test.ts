// `lumen models import` of a file named .lumenpkg that is no tar archive: a ZIP (a package folder
// zipped by hand, or a .lumenpkg unzipped and zipped again) or a gzip is told what it is and how to
// get a real package, not "corrupt archive (header checksum mismatch at byte 0)" (H21, CLI walk).
// The ZIP and the gzip are made by the real zip and gzip tools; nothing is installed.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';

let root: string;
const data = () => path.join(root, 'data');

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-models-import-zip-h21-'));
  const folder = path.join(root, 'lesion');
  mkdirSync(folder);
  writeFileSync(path.join(folder, 'metadata.json'), '{"name":"lesion"}\n');
  writeFileSync(path.join(folder, 'model.json'), '{}\n');
  execFileSync('zip', ['-q', '-r', path.join(root, 'lesion.zip'), 'lesion'], { cwd: root });
  copyFileSync(path.join(root, 'lesion.zip'), path.join(root, 'lesion.lumenpkg'));
  execFileSync('tar', ['-cf', path.join(root, 'lesion.tar'), 'lesion'], { cwd: root });
  execFileSync('gzip', ['-k', path.join(root, 'lesion.tar')]);
  copyFileSync(path.join(root, 'lesion.tar.gz'), path.join(root, 'gzipped.lumenpkg'));
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('lumen models import of a file that is not a package archive', () => {
  it('says a ZIP is a ZIP, how to get a package, and installs nothing', async () => {
    const r = await runLumen(['models', 'import', path.join(root, 'lesion.lumenpkg')], data());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('lesion.lumenpkg is a ZIP archive, not a Lumen model package');
    expect(r.stderr).toContain('lumen models export');
    expect(r.stderr).not.toContain('checksum');
    const models = path.join(data(), 'models');
    expect(existsSync(models) ? readdirSync(models).filter((n) => !n.startsWith('.')) : []).toEqual([]);
  }, 60_000);

  it('says a gzip is compressed', async () => {
    const r = await runLumen(['models', 'import', path.join(root, 'gzipped.lumenpkg')], data());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('gzipped.lumenpkg is compressed (gzip), not a Lumen model package');
    expect(r.stderr).not.toContain('checksum');
  }, 60_000);
});
