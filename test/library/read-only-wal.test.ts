// A library whose last changes are still in its write-ahead log (library.db-wal: the process that
// wrote them was killed before SQLite folded them into library.db), on a disk that is now
// read-only. SQLite applies a WAL only on a writable disk, so a copy of library.db alone would show
// the library as it was before those changes, without a word. Lumen shows the library with them, or
// says plainly why it cannot, and never shows the older state as if it were the current one.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIBRARY_FILE } from '../../electron/library/paths';
import { runLumen } from '../support/cli';
import { smallDiskForTests, smallDiskSkip } from '../support/small-disk';
import { writePhantomSet, type PhantomSet } from '../training/phantoms';


const disk = smallDiskForTests('read-only-wal', 32);
let root: string;
let set: PhantomSet;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-read-only-wal-'));
  set = writePhantomSet(path.join(root, 'dicom'), { patients: 2, slices: 1, size: 32, seed: 3 });
});
afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

/** Changes every study's description in a process that is killed (SIGKILL) before it closes the library. */
async function changeAndDie(file: string, description: string): Promise<void> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(${JSON.stringify(file)});
    db.pragma('wal_autocheckpoint = 0');
    db.prepare('UPDATE studies SET description = ?').run(${JSON.stringify(description)});
    process.stdout.write('changed\\n');
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('changed') && resolve());
    child.on('exit', (code) => reject(new Error(`the writer exited (${code}) before changing the library`)));
  });
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await gone;
}

describe.skipIf(smallDiskSkip)(`a library with changes left in its WAL, on a read-only disk${smallDiskSkip ? ` (skipped: ${smallDiskSkip})` : ''}`, () => {
  // With its -shm file (as a crash leaves it), and without (a folder copied without it).
  it.each([true, false])('is listed with those changes, or refused with the reason; never shown as it was before them (-shm kept: %s)', async (keepShm) => {
    const data = path.join(disk.dir, `data-${keepShm}`);
    const lib = path.join(disk.dir, `library-${keepShm}`);
    expect((await runLumen(['import', path.dirname(set.csv), '--library', lib], data)).code).toBe(0);
    await changeAndDie(path.join(lib, LIBRARY_FILE), 'Changed in the WAL');
    expect(fs.statSync(path.join(lib, `${LIBRARY_FILE}-wal`)).size).toBeGreaterThan(0);
    if (!keepShm) fs.rmSync(path.join(lib, `${LIBRARY_FILE}-shm`));
    disk.readOnly();
    try {
      const ls = await runLumen(['ls', '--library', lib, '--json'], data);
      if (ls.code === 0) {
        expect(ls.stdout).toContain('Changed in the WAL');
      } else {
        // With --json the refusal is the JSON reply on stdout.
        const said = `${ls.stderr}${ls.stdout}`;
        expect(said).toMatch(/read-only/);
        expect(said).toMatch(/not closed cleanly/);
        expect(said).not.toMatch(/SQLITE_|at .*\.ts:\d+/);
      }
    } finally {
      disk.writable();
    }
    // Once writable again, the changes are there (SQLite applies the WAL).
    const ls = await runLumen(['ls', '--library', lib, '--json'], data);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toContain('Changed in the WAL');
  }, 120_000);
});
