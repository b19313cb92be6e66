// The one rule for "is this file still the one the library recorded at import"
// (electron/library/imported-file.ts), which the viewer, the runs that score, train, evaluate or
// suggest, and the passes that re-read older libraries' headers all use: a regular file of the
// recorded size and mtimeMs, the time compared exactly as Node's stat gives it (so a change of a
// microsecond tells, where the file system keeps it). Real files, FIFOs and folders; no mocks.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkImportedFile, fileNow, sameAsImported } from '../../electron/library/imported-file';
import { tmpDir } from './fixtures';

const root = tmpDir('imported-file-g18');
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The library's record of the file as it is now (as an import leaves it). */
const recordOf = (file: string) => ({ fileSize: statSync(file).size, mtimeMs: statSync(file).mtimeMs });

describe('sameAsImported and its one stat', () => {
  it('is the file as recorded, sync and async alike, with what the stat said', async () => {
    const file = path.join(root, 'as-imported.dcm');
    writeFileSync(file, Buffer.alloc(300, 1));
    const rec = recordOf(file);
    const check = checkImportedFile(file, rec);
    expect(check).toMatchObject({ same: true, now: { isFile: true, size: 300, mtimeMs: rec.mtimeMs } });
    const now = await fileNow(file);
    expect(now).toEqual(check.now);
    expect(sameAsImported(rec, now!)).toBe(true);
  });

  it('tells another size, and a time a microsecond later, the bytes the same', () => {
    const file = path.join(root, 'touched.dcm');
    writeFileSync(file, Buffer.alloc(300, 2));
    const rec = recordOf(file);
    writeFileSync(file, Buffer.alloc(301, 2));
    expect(checkImportedFile(file, rec)).toMatchObject({ same: false, now: { size: 301 } });
    writeFileSync(file, Buffer.alloc(300, 2));
    // GNU touch sets the time to the nanosecond (Node's utimes rounds to microseconds).
    const second = Math.floor(rec.mtimeMs / 1000);
    const touch = (nanos: string) => execFileSync('touch', ['-m', '-d', `@${second}.${nanos}`, file]);
    touch('250000000');
    const at = recordOf(file);
    touch('250001000');
    // The file system keeps the microsecond (tmpfs and ext4 keep nanoseconds): the stat differs, so the rule does.
    // mtimeMs is a double: at today's dates it keeps about a quarter of a microsecond.
    expect(statSync(file).mtimeMs - at.mtimeMs).toBeCloseTo(0.001, 3);
    expect(checkImportedFile(file, at).same).toBe(false);
    touch('250000000');
    expect(checkImportedFile(file, at).same).toBe(true);
  });

  it('is not the file once a folder or a FIFO stands at its path (never opened), nor once it is gone', async () => {
    const file = path.join(root, 'replaced.dcm');
    writeFileSync(file, Buffer.alloc(10));
    const rec = recordOf(file);
    rmSync(file);
    const gone = checkImportedFile(file, rec);
    expect(gone).toMatchObject({ same: false, now: null, error: { code: 'ENOENT' } });
    expect(await fileNow(file)).toBeNull();
    mkdirSync(file);
    expect(checkImportedFile(file, rec)).toMatchObject({ same: false, now: { isFile: false } });
    rmSync(file, { recursive: true });
    execFileSync('mkfifo', [file]);
    expect(checkImportedFile(file, rec)).toMatchObject({ same: false, now: { isFile: false } });
    expect((await fileNow(file))?.isFile).toBe(false);
  });
});
