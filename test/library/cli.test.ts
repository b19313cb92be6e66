import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildMixedFolder, copyMixedFolder, PATIENT_A, PATIENT_B, tmpDir } from './fixtures';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');

async function lumen(args: string[], as?: { uid: number; gid: number }): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(root, 'bin/lumen.mjs'), ...args], {
      cwd: root,
      env: { ...process.env, LUMEN_DATA_DIR: tmpDir('cli-data') },
      ...as,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let dir: string;
let library: string;

beforeAll(() => {
  dir = copyMixedFolder(buildMixedFolder(path.join(tmpDir('cli-template'), 'mixed')));
  library = path.join(tmpDir('cli-lib'), 'library');
});

describe('lumen import and lumen ls', () => {
  it('import --json reports counts and each bad file; ls --json prints the tree; ls prints it for people', async () => {
    const imported = await lumen(['import', dir, '--library', library, '--json']);
    expect(imported.code).toBe(0);
    expect(imported.stderr).not.toMatch(/\[#*-*\]/); // no progress bar when stderr is not a terminal
    const report = JSON.parse(imported.stdout);
    expect(report).toMatchObject({ scanned: 14, imported: 9, unchanged: 0, changed: 0, missing: 0, patients: 2, studies: 2, series: 3, instances: 9 });
    expect(report.errors).toHaveLength(4);
    expect(report.errors.find((e: { file: string }) => e.file === path.join(dir, 'broken/zero')).reason).toMatch(/empty file/);

    // A named path that does not exist: the rest is imported, the command says which and exits 1.
    const typo = await lumen(['import', path.join(dir, 'no-such-folder'), dir, '--library', library]);
    expect(typo.code).toBe(1);
    expect(typo.stdout).toMatch(/no-such-folder: cannot import: no such file or folder/);
    expect(typo.stdout).toMatch(/^0 images imported, 9 files already in the library; /m);

    const again = JSON.parse((await lumen(['import', dir, '--library', library, '--json'])).stdout);
    expect(again).toMatchObject({ imported: 0, unchanged: 9 });

    const ls = await lumen(['ls', '--library', library, '--json']);
    expect(ls.code).toBe(0);
    const tree = JSON.parse(ls.stdout);
    expect(tree.patients.map((p: { patientName: string }) => p.patientName)).toEqual(['DOE^JANE', 'ROE^RICHARD']);
    expect(tree.patients[0].studies[0].series.map((s: { instances: number }) => s.instances)).toEqual([5, 2]);

    const human = await lumen(['ls', '--library', library]);
    expect(human.stdout).toContain('DOE^JANE  ID PA001');
    expect(human.stdout).toContain('2024-01-02 10:15  CHEST  [CT]');
    expect(human.stdout).toMatch(new RegExp(`#1  CT  AXIAL — 5 images +${PATIENT_A.seriesUid.replace(/\./g, '\\.')}`));
    expect(human.stdout).toContain(PATIENT_B.seriesUid);

    const searched = JSON.parse((await lumen(['ls', '--library', library, '--search', 'richard', '--json'])).stdout);
    expect(searched.patients.map((p: { patientId: string }) => p.patientId)).toEqual(['PB002']);
  });

  it('import without --json prints a summary with the reasons; usage errors say what to do', async () => {
    const out = await lumen(['import', path.join(dir, 'broken'), '--library', path.join(tmpDir('cli-lib2'), 'library')]);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^0 images imported; 4 files looked at/m);
    expect(out.stdout).toMatch(/4 files not imported \(1 file could not be read, 3 files not DICOM\):/);
    expect(out.stdout).toContain(`${path.join(dir, 'broken/notes.txt')}: not a DICOM file`);

    const nowhere = path.join(tmpDir('cli-nolib'), 'typo');
    const empty = await lumen(['ls', '--library', nowhere]);
    expect(empty.stdout).toMatch(/There is no library in .*typo yet/);
    expect(fs.existsSync(nowhere)).toBe(false);

    // On a terminal (script(1) gives the command one), import draws a progress bar on stderr.
    const shell = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
    const command = [process.execPath, path.join(root, 'bin/lumen.mjs'), 'import', dir, '--library', path.join(tmpDir('cli-lib3'), 'library')].map(shell).join(' ');
    const tty = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: root, encoding: 'utf8', env: { ...process.env, LUMEN_DATA_DIR: tmpDir('cli-data') } });
    expect(tty.status, tty.stderr).toBe(0);
    expect(tty.stdout).toMatch(/\[#*-*\] +\d+% \d+\/14 · \d+ images? imported/);
    expect(tty.stdout).toMatch(/9 images imported; 14 files looked at/);

    const none = await lumen(['import', '--json']);
    expect(none.code).toBe(2);
    expect(JSON.parse(none.stdout).error).toMatch(/nothing to import: name at least one folder/);
  });
});

// As root every file is readable, so the permission check runs the CLI as "nobody".
// That needs a checkout "nobody" can read (a clone under a private temp folder is not).
function nobodyCanRunTheCli(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = spawnSync(process.execPath, ['-e', 'require("fs").accessSync(process.argv[1], require("fs").constants.R_OK)', path.join(root, 'bin/lumen.mjs')], { uid: 65534, gid: 65534 });
  return probe.status === 0;
}

describe.skipIf(!nobodyCanRunTheCli())('a file the user may not read', () => {
  it('is reported as permission denied, and the rest is imported', async () => {
    const base = tmpDir('cli-perm');
    fs.chmodSync(base, 0o755);
    const mine = path.join(base, 'in');
    fs.cpSync(path.join(dir, 'series'), mine, { recursive: true });
    fs.chmodSync(mine, 0o755);
    for (const f of fs.readdirSync(mine)) fs.chmodSync(path.join(mine, f), 0o644);
    fs.chmodSync(path.join(mine, 'IM2'), 0o000);
    const lib = path.join(base, 'library');
    fs.mkdirSync(lib);
    fs.chownSync(lib, 65534, 65534);
    const out = await lumen(['import', mine, '--library', lib, '--json'], { uid: 65534, gid: 65534 });
    expect(out.stderr).toBe('');
    const report = JSON.parse(out.stdout);
    expect(report).toMatchObject({ imported: 4, instances: 4 });
    expect(report.errors).toEqual([{ file: path.join(mine, 'IM2'), reason: expect.stringMatching(/cannot be read: permission denied/), kind: 'error' }]);
  });
});
