// An import into a library whose disk fills up in the middle: the studies imported before stay
// whole, the report names each file not imported and why (the disk, the folder), and the same
// import completes once space is freed. A real tmpfs of 8 MiB (test/support/small-disk.ts).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/library/sqlite';
import { runLumen } from '../support/cli';
import { writeCtImage } from '../support/dicom/ct-image';
import { ctSlice } from '../support/dicom/phantom';
import { smallDiskForTests, smallDiskSkip } from '../support/small-disk';
import { tempFolderForTests } from '../support/temp-folder';

const IMAGES_PER_STUDY = 5;

/** `studies` one-series CT studies of 5 small images each, of patients `<tag>0`, `<tag>1`... */
function writeStudies(dir: string, studies: number, tag: number): void {
  fs.mkdirSync(dir, { recursive: true });
  for (let s = 0; s < studies; s++) {
    for (let i = 1; i <= IMAGES_PER_STUDY; i++) {
      writeCtImage(path.join(dir, `s${s}-${i}.dcm`), { size: 16, pixels: ctSlice(16, 16, i), uid: `1.2.826.0.1.3680043.9.7${tag}.${s}`, patient: { name: `DISK^${tag}${s}`, id: `D${tag}${s}` }, instance: i });
    }
  }
}

const files = tempFolderForTests('full-disk-dicom', (dir) => {
  writeStudies(path.join(dir, 'first'), 2, 1);
  writeStudies(path.join(dir, 'more'), 300, 2);
  return { first: path.join(dir, 'first'), more: path.join(dir, 'more'), data: path.join(dir, 'data') };
});
const disk = smallDiskForTests('full-disk-import');

describe.skipIf(smallDiskSkip)(`import onto a disk that fills up${smallDiskSkip ? ` (skipped: ${smallDiskSkip})` : ''}`, () => {
  it('stops cleanly, keeps what was imported, names the files not imported, and finishes once space is freed', async () => {
    const library = path.join(disk.dir, 'library');
    const first = await runLumen(['import', files.first, '--library', library, '--json'], files.data);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ imported: 10, instances: 10 });

    // Room for a few batches of the 1,500 files, not for all of them.
    disk.fill(300 * 1024);
    const full = await runLumen(['import', files.more, '--library', library, '--json'], files.data);
    expect(full.code).toBe(1);
    const report = JSON.parse(full.stdout);
    expect(report.stopped).toMatch(/^The import stopped: the disk is full where the library is \(.*library\)\. \d+ files were not imported; what was imported before is kept\./);
    expect(report.stopped).toContain(library);
    const notImported = report.errors.filter((e: { reason: string }) => e.reason.startsWith('not imported: the disk is full'));
    expect(notImported.length).toBeGreaterThan(0);
    expect(new Set(report.errors.map((e: { kind: string }) => e.kind))).toEqual(new Set(['not-written']));
    // Every file is accounted for: imported, or named as not imported.
    expect(report.imported + notImported.length).toBe(1500);
    expect(report.instances).toBe(10 + report.imported);
    expect(`${full.stdout}${full.stderr}`).not.toMatch(/database or disk is full|SQLITE_|disk I\/O error/);

    // What was there is intact, and SQLite agrees the file is sound.
    const ls = JSON.parse((await runLumen(['ls', '--library', library, '--json'], files.data)).stdout);
    const names = ls.patients.map((p: { patientName: string }) => p.patientName);
    expect(names).toEqual(expect.arrayContaining(['DISK^10', 'DISK^11']));
    expect(ls.patients.reduce((n: number, p: { studies: { series: { instances: number }[] }[] }) => n + p.studies[0].series[0].instances, 0)).toBe(10 + report.imported);
    disk.unfill();
    const db = openDatabase(path.join(library, 'library.sqlite'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }

    // Space freed: the same import finishes what it could not.
    const again = await runLumen(['import', files.more, '--library', library, '--json'], files.data);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ imported: 1500 - report.imported, unchanged: report.imported, instances: 1510, errors: [] });
  }, 180_000);

  it('opening a library on a disk with no room left says the disk is full, not what SQLite says', async () => {
    const library = path.join(disk.dir, 'library-2');
    const first = await runLumen(['import', files.first, '--library', library], files.data);
    expect(first.code).toBe(0);
    disk.fill(0);
    try {
      const full = await runLumen(['import', files.first, '--library', library], files.data);
      expect(full.code).not.toBe(0);
      expect(full.stderr).toMatch(/the disk is full/);
      expect(full.stderr).toContain(library);
      expect(full.stderr).not.toMatch(/disk I\/O error|database or disk is full|SQLITE_/);
    } finally {
      disk.unfill();
    }
    const ls = JSON.parse((await runLumen(['ls', '--library', library, '--json'], files.data)).stdout);
    expect(ls.patients).toHaveLength(2);
  }, 120_000);
});
