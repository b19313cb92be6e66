// Task R (session 18), finding T1: where `lumen rm` or `lumen rm --undo` still cannot have the
// library's write lock (another process holds it, committing nothing, past SQLite's 5 s wait), it says so in words,
// never SQLite's "database is locked", and a removal that did not happen leaves no undo snapshot.
// The lock is held by a real second SQLite connection in a child process. Fails before the fix:
// "lumen rm: database is locked" at once, and an orphan snapshot.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';
import { tempFolderForTests } from '../support/temp-folder';
import { holdWriteLock } from '../library/write-lock-holder-r18';
import { writeManyCt } from '../support/many-ct';

const t = tempFolderForTests('rm-busy-words-r18', (dir) => ({
  dicom: writeManyCt(path.join(dir, 'dicom'), { studies: 2, series: 1, slices: 1, root: '61', name: 'BUSY' }),
}));

const WORDS = 'another Lumen (or another program) is changing the library and did not let go of it in time. Nothing stored in it was lost; try again when it is done.';

describe('lumen rm while another process holds the library', () => {
  it('says in words that another Lumen is changing the library, and keeps no snapshot of a removal that failed', async () => {
    const data = path.join(t.dir, 'data');
    expect((await runLumen(['import', t.dicom.dir], data)).code).toBe(0);
    const removed = await runLumen(['rm', '--study', t.dicom.studyUids[0], '--yes', '--json'], data);
    expect(removed.code, removed.stderr).toBe(0);
    const token = JSON.parse(removed.stdout).undoToken as string;
    const snapshots = () => readdirSync(path.join(data, 'library', 'removed'));
    const holder = await holdWriteLock(path.join(data, 'library', 'library.sqlite'));
    try {
      const rm = await runLumen(['rm', '--study', t.dicom.studyUids[1], '--yes'], data);
      expect(rm.stderr).toBe(`lumen rm: ${WORDS}\n`);
      expect(rm.code).toBe(1);
      expect(snapshots()).toEqual([`${token}.json`]);
      const undo = await runLumen(['rm', '--undo', token, '--json'], data);
      expect(JSON.parse(undo.stdout)).toEqual({ error: WORDS });
      expect(undo.code).toBe(1);
    } finally {
      await holder.release();
    }
    // Once the other writer is done, both work.
    expect((await runLumen(['rm', '--undo', token], data)).code).toBe(0);
    expect(existsSync(path.join(data, 'library', 'removed', `${token}.json`))).toBe(false);
    const ls = await runLumen(['ls', '--json'], data);
    expect(ls.stdout).toContain(t.dicom.studyUids[0]);
    expect(ls.stdout).toContain(t.dicom.studyUids[1]);
  }, 300_000);
});
