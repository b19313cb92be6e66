// Task T, finding T7 (session 18): `lumen audit --csv FILE` wrote FILE in place
// (electron/cli/audit.ts: fs.writeFileSync(file, …)): cut off half-way (a full disk here; a kill or a
// crash the same) it has already truncated the CSV that was there and leaves half a table, which reads
// as a complete, shorter log. Every other export is written beside its place and renamed (README,
// "When the disk is full or read-only"). Should: the old file kept whole, nothing half-written, the
// disk named. Fails before the fix (the old CSV is gone, a partial one in its place).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';
import { smallDiskForTests, smallDiskSkip } from '../support/small-disk';
import { tempFolderForTests } from '../support/temp-folder';
import { writeManyCt } from '../support/many-ct';

const disk = smallDiskForTests('t-audit-csv', 16);
const t = tempFolderForTests('t-audit-csv', (dir) => ({ set: writeManyCt(path.join(dir, 'dicom'), { studies: 2, series: 1, slices: 2, root: '95', name: 'AUD' }) }));

describe.skipIf(smallDiskSkip)(`lumen audit --csv onto a disk that fills${smallDiskSkip ? ` (skipped: ${smallDiskSkip})` : ''}`, () => {
  it('keeps the CSV that was there whole and names the disk', async () => {
    const data = path.join(t.dir, 'data');
    // The CSV exported after one import (about 1 KB, one page of the tmpfs)...
    expect((await runLumen(['import', t.set.dir], data)).code).toBe(0);
    const out = path.join(disk.dir, 'audit.csv');
    expect((await runLumen(['audit', '--csv', out], data)).code).toBe(0);
    const before = fs.readFileSync(out, 'utf8');
    // ...then a log of nine entries (about 1 KB each), more than that page and the 512 bytes left free hold.
    for (let i = 0; i < 8; i++) expect((await runLumen(['import', t.set.dir], data)).code).toBe(0);
    disk.fill(512);
    try {
      const run = await runLumen(['audit', '--csv', out], data);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/disk is full/);
      expect(fs.readFileSync(out, 'utf8')).toBe(before);
      expect(fs.readdirSync(disk.dir).filter((n) => n !== path.basename(out) && n !== '.filler')).toEqual([]);
    } finally {
      disk.unfill();
    }
  }, 180_000);
});
