// A new user runs the `lumen` commands README.md shows ("The `lumen` command", "What Lumen
// writes", "Settings and versions", "Security and privacy") on DICOM that other software made
// (external-dicom-data.ts: a Latin-1 multi-frame JPEG-LS word image from GDCM and dcmtk, a JPEG
// colour picture from img2dcm and dcmcjpeg, a 32-bit RT dose grid from gdcmimg), and checks what each command's row promises
// against the files and against dcmtk's own reading of them.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pkg from '../../package.json';
import { runLumen } from '../support/cli';
import { writeDataSet, type DataSet } from './external-dicom-data';

/** Every file under `dir`, relative to it. */
function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

/** dcmdump's value of one tag (the text between the brackets), or null when it is absent or empty. */
function dumped(file: string, tag: string): string | null {
  const out = execFileSync('dcmdump', ['+P', tag, file], { encoding: 'latin1' });
  const m = /\[(.*)\]/.exec(out);
  return m ? m[1] : null;
}

describe('a new user runs the README\'s lumen commands on DICOM from other software', () => {
  let root: string;
  let data: string;
  let set: DataSet;
  const lumen = (args: string[]) => runLumen(args, data);

  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'lumen-journey-readme-cli-'));
    data = path.join(root, 'data');
    set = writeDataSet(path.join(root, 'dicom'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('imports, lists, finds by any letter case, and says the versions', async () => {
    // `lumen import`: exits 1 when a named path does not exist; the others are still imported.
    const missing = path.join(root, 'not-there');
    const imported = await lumen(['import', set.dir, missing, '--json']);
    expect(imported.code, imported.stderr).toBe(1);
    const importReport = JSON.parse(imported.stdout) as { imported: number; errors: { file: string; kind: string }[] };
    expect(importReport.imported).toBe(3);
    expect(importReport.errors.filter((e) => e.kind === 'not-found')).toEqual([expect.objectContaining({ file: missing })]);
    expect(importReport.errors.filter((e) => e.kind !== 'not-found')).toEqual([expect.objectContaining({ file: path.join(set.dir, 'README.TXT'), kind: 'not-dicom' })]);
    const listed = await lumen(['ls', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const studies = JSON.stringify(JSON.parse(listed.stdout));
    expect(studies).toContain(set.multiframe.studyUid);
    expect(studies).toContain(set.photo.studyUid);
    // Names in their character set (ISO_IR 100 here); search in any letter case.
    const found = await lumen(['ls', '--search', set.multiframe.search]);
    expect(found.code, found.stderr).toBe(0);
    expect(found.stdout).toContain('Müller^Jürgen');
    expect(found.stdout).not.toContain('Photo^Pia');
    const lower = await lumen(['ls', '--search', 'müller']);
    expect(lower.stdout).toContain('Müller^Jürgen');

    // The data folder and what Lumen wrote in it are the user's alone.
    expect(statSync(data).mode & 0o777).toBe(0o700);
    const loose = files(data).filter((f) => (statSync(path.join(data, f)).mode & 0o777) !== 0o600);
    expect(loose).toEqual([]);

    // Settings and versions.
    const version = await lumen(['--version']);
    expect(version.stdout).toContain(pkg.version);
    const doctor = await lumen(['doctor', '--json']);
    expect(doctor.code, doctor.stderr).toBe(0);
    const report = JSON.parse(doctor.stdout) as { librarySchema: number; packageFormat: number; packageFormats: number[]; packageFormatParts: unknown };
    expect(report.packageFormat).toBe(2);
    expect(report.packageFormats).toEqual([1, 2]);
    expect(typeof report.librarySchema).toBe('number');
    const set1 = await lumen(['settings', 'set', 'theme', 'light']);
    expect(set1.code, set1.stderr).toBe(0);
    expect(statSync(path.join(data, 'settings.json')).mode & 0o777).toBe(0o600);
    const got = await lumen(['settings', 'get', 'theme']);
    expect(got.stdout).toContain('light');

    // Where your data lives: a data folder chosen with `lumen settings set dataFolder` is kept in the platform
    // folder's settings.json ($XDG_DATA_HOME/lumen) and used from the next start; LUMEN_DATA_DIR still wins.
    const platform = { XDG_DATA_HOME: path.join(root, 'xdg'), LUMEN_DATA_DIR: '' };
    const chosen = path.join(root, 'chosen');
    const choose = await runLumen(['settings', 'set', 'dataFolder', chosen], data, platform);
    expect(choose.code, choose.stderr).toBe(0);
    expect(choose.stdout).toContain('from the next start');
    expect(JSON.parse(readFileSync(path.join(root, 'xdg', 'lumen', 'settings.json'), 'utf8')).dataFolder).toBe(chosen);
    const there = await runLumen(['import', set.photo.file, '--json'], data, platform);
    expect(there.code, there.stderr).toBe(0);
    expect((JSON.parse(there.stdout) as { library: string }).library).toBe(path.join(chosen, 'library'));
    expect(statSync(chosen).mode & 0o777).toBe(0o700);
    const wins = await lumen(['ls', '--json']);
    expect(wins.stdout).toContain(set.multiframe.studyUid);
    expect((await runLumen(['settings', 'set', 'dataFolder', 'default'], data, platform)).code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(root, 'xdg', 'lumen', 'settings.json'), 'utf8')).dataFolder).toBeNull();

    // The audit log records the import, with UIDs, never names.
    const audit = await lumen(['audit', '--json']);
    expect(audit.code, audit.stderr).toBe(0);
    expect(audit.stdout).toMatch(/import/);
    expect(audit.stdout).not.toMatch(/M(ü|\\u00fc)ller|Photo\^?,? ?Pia/);
  }, 300_000);

  it('writes a frame\'s stored values and its rendering as dcmtk reads them', async () => {
    const out = path.join(root, 'out');
    mkdirSync(out);
    // `lumen pixels`: frame 2 (from 0) of the JPEG-LS file is exactly the values gdcmimg was given.
    const raw = path.join(out, 'frame2.raw');
    const pixels = await lumen(['pixels', set.multiframe.file, '--frame', '2', '--out', raw, '--json']);
    expect(pixels.code, pixels.stderr).toBe(0);
    const bytes = readFileSync(raw);
    const values = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
    expect(Array.from(values)).toEqual(Array.from(set.multiframe.frame(2)));

    // The RT dose grid's 32-bit stored values, frame 1, as gdcmimg was given them (before Dose Grid Scaling).
    const doseRaw = path.join(out, 'dose1.raw');
    const dose = await lumen(['pixels', set.dose.file, '--frame', '1', '--out', doseRaw]);
    expect(dose.code, dose.stderr).toBe(0);
    const doseBytes = readFileSync(doseRaw);
    const stored = new Uint32Array(doseBytes.buffer.slice(doseBytes.byteOffset, doseBytes.byteOffset + doseBytes.length));
    expect(stored).toHaveLength(set.dose.columns * set.dose.rows);
    for (const [x, y] of [[0, 0], [63, 0], [17, 29], [63, 47]]) expect(stored[y * set.dose.columns + x]).toBe(Math.round(set.dose.gray(x, y, 1) / set.dose.scaling));

    // `lumen render --window C,W` against dcm2pnm with the same window and frame (dcmtk truncates where Lumen rounds).
    const png = path.join(out, 'frame1.png');
    const rendered = await lumen(['render', set.multiframe.file, '--frame', '1', '--window', '2000,3000', '--out', png]);
    expect(rendered.code, rendered.stderr).toBe(0);
    const ours = PNG.sync.read(readFileSync(png));
    const pgm = path.join(out, 'frame1.pgm');
    // dcm2pnm reads no JPEG-LS: dcmtk's dcmdjpls decompresses it first.
    const plain = path.join(out, 'mf-plain.dcm');
    execFileSync('dcmdjpls', [set.multiframe.file, plain], { stdio: 'pipe' });
    execFileSync('dcm2pnm', ['+F', '2', '+Ww', '2000', '3000', '+op', plain, pgm], { stdio: 'pipe' });
    const theirs = readFileSync(pgm);
    const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(theirs.toString('latin1', 0, 40))!;
    expect([Number(header[1]), Number(header[2])]).toEqual([set.multiframe.columns, set.multiframe.rows]);
    const body = theirs.subarray(header[0].length);
    expect([ours.width, ours.height]).toEqual([set.multiframe.columns, set.multiframe.rows]);
    let worst = 0;
    for (let i = 0; i < set.multiframe.rows * set.multiframe.columns; i++) worst = Math.max(worst, Math.abs(ours.data[i * 4] - body[i]));
    expect(worst).toBeLessThanOrEqual(1);

    // The colour picture: RGB, as dcmdjpeg and dcm2pnm convert its YBR_FULL_422 JPEG, within two levels.
    const colour = path.join(out, 'photo.png');
    expect((await lumen(['render', set.photo.file, '--out', colour])).code).toBe(0);
    const ppm = path.join(out, 'photo.ppm');
    const photoPlain = path.join(out, 'photo-plain.dcm');
    execFileSync('dcmdjpeg', [set.photo.file, photoPlain], { stdio: 'pipe' });
    execFileSync('dcm2pnm', ['+op', photoPlain, ppm], { stdio: 'pipe' });
    const p6 = readFileSync(ppm);
    const h6 = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(p6.toString('latin1', 0, 40))!;
    const rgb = p6.subarray(h6[0].length);
    const photo = PNG.sync.read(readFileSync(colour));
    let worstColour = 0;
    for (let i = 0; i < photo.width * photo.height; i++) for (let c = 0; c < 3; c++) worstColour = Math.max(worstColour, Math.abs(photo.data[i * 4 + c] - rgb[i * 3 + c]));
    expect(worstColour).toBeLessThanOrEqual(2);

    // A frame the file does not have: refused, and no PNG is left behind.
    const none = path.join(out, 'frame9.png');
    const beyond = await lumen(['render', set.multiframe.file, '--frame', '9', '--out', none]);
    expect(beyond.code).not.toBe(0);
    expect(beyond.stderr).toMatch(/frame/i);
    expect(existsSync(none)).toBe(false);

    // Every path is checked first: a symbolic link as the output file, or `-`, is refused in one line naming the option, exit 2.
    const link = path.join(out, 'link.png');
    symlinkSync(path.join(out, 'elsewhere.png'), link);
    const linked = await lumen(['render', set.multiframe.file, '--out', link]);
    expect(linked.code).toBe(2);
    expect(linked.stderr).toContain('--out');
    expect(existsSync(path.join(out, 'elsewhere.png'))).toBe(false);
    const dash = await lumen(['pixels', '-', '--out', path.join(out, 'dash.raw')]);
    expect(dash.code).toBe(2);
    expect(dash.stderr.trim().split('\n')).toHaveLength(1);
  }, 300_000);

  it('exports de-identified copies, holding back pictures that may have text burned in, and removes and puts back a series', async () => {
    // Both images are Secondary Captures (modality OT) that do not say whether text is burned in: held back.
    const held = path.join(root, 'deid-held');
    const first = await lumen(['export', '--deidentify', set.multiframe.studyUid, '--out', held, '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(files(held)).toEqual([]);
    expect(first.stdout + first.stderr).toMatch(/burned/i);

    const out = path.join(root, 'deid');
    const copied = await lumen(['export', '--deidentify', set.multiframe.studyUid, '--out', out, '--include-burned-in', '--json']);
    expect(copied.code, copied.stderr).toBe(0);
    const written = files(out);
    expect(written).toHaveLength(1);
    const copy = path.join(out, written[0]);
    expect(statSync(copy).mode & 0o777).toBe(0o600);
    // The name and ID become the pseudonym, the identity is marked removed, UIDs remapped, pixels unchanged.
    expect(dumped(copy, 'PatientName')).not.toMatch(/ller/);
    expect(dumped(copy, 'PatientID')).not.toBe('EXT-L1');
    expect(dumped(copy, 'PatientIdentityRemoved')).toBe('YES');
    expect(dumped(copy, 'StudyInstanceUID')).not.toBe(set.multiframe.studyUid);
    // "descriptions are kept with every identifier of the file cut out of them"
    expect(dumped(copy, 'StudyDescription')).toMatch(/berweisung$/);
    const raw = path.join(root, 'deid-frame0.raw');
    expect((await lumen(['pixels', copy, '--out', raw])).code).toBe(0);
    const bytes = readFileSync(raw);
    expect(Array.from(new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2))).toEqual(Array.from(set.multiframe.frame(0)));
    // dicom3tools' validator finds no error in the copy that the file gdcmimg and dcmtk made did not have.
    const validate = (file: string) => {
      let verdict = '';
      try {
        verdict = execFileSync('dciodvfy', [file], { encoding: 'latin1', stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (err) {
        verdict = String((err as { stderr?: string }).stderr ?? '') + String((err as { stdout?: string }).stdout ?? '');
      }
      return verdict.split('\n').filter((l) => l.startsWith('Error'));
    };
    const before = new Set(validate(set.multiframe.file));
    expect(validate(copy).filter((e) => !before.has(e))).toEqual([]);

    // `lumen rm --series UID --yes` prints the token; `--undo TOKEN` puts back exactly what went.
    const rm = await lumen(['rm', '--series', set.multiframe.seriesUid, '--yes', '--json']);
    expect(rm.code, rm.stderr).toBe(0);
    const token = (JSON.parse(rm.stdout) as { undoToken: string }).undoToken;
    expect(token).toBeTruthy();
    expect((await lumen(['ls'])).stdout).not.toContain('Müller^Jürgen');
    expect(existsSync(set.multiframe.file)).toBe(true);
    const undo = await lumen(['rm', '--undo', token]);
    expect(undo.code, undo.stderr).toBe(0);
    expect((await lumen(['ls', '--search', 'MÜLLER'])).stdout).toContain('Müller^Jürgen');
  }, 300_000);
});
