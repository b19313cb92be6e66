// The one-time re-decode of an old library's text (electron/library/redecode.ts) leaves files
// it cannot use as they were: each is named with why (its path as the library stores it, never
// what the file holds), logged by the engine and printed by the CLI, at most 20 and "and N more".
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { beforeAll, expect, it } from 'vitest';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { TEXT_REDECODED_KEY } from '../../electron/library/redecode';
import { tmpDir, writeSlice } from './fixtures';

const run = promisify(execFile);
const PHI = [/quokka/i, /zedd/i, /QZ-7731/i];
const SERIES = 23;
let dir: string;
let files: string[];

/** Back to an old library: a description only the old rules wrote, and the re-decode not yet done. */
function makeOld(): void {
  const db = new Database(path.join(dir, LIBRARY_FILE));
  db.prepare("UPDATE series SET description = 'Th\u00c3\u00b6rax'").run();
  db.prepare('DELETE FROM lumen_info WHERE key = ?').run(TEXT_REDECODED_KEY);
  db.close();
}

beforeAll(async () => {
  const folder = tmpDir('redecode-skipped-files');
  files = Array.from({ length: SERIES }, (_, i) => {
    const file = path.join(folder, `slice-${String(i + 1).padStart(2, '0')}.dcm`);
    const base = `1.2.826.0.1.3680043.10.79.${i + 1}`;
    writeSlice(file, { patientName: 'Quokka^Zedd', patientId: 'QZ-7731', studyUid: `${base}.1`, seriesUid: `${base}.2`, sopUid: `${base}.3` });
    return file;
  });
  dir = path.join(tmpDir('redecode-skipped'), 'library');
  const lib = Library.open(dir);
  await lib.importPaths([folder]);
  lib.close();
  // The first file is gone, the second changed since import, every other one no longer DICOM
  // (its size and time as the library has them, so that it is read).
  fs.rmSync(files[0]);
  fs.appendFileSync(files[1], Buffer.alloc(4));
  const db = new Database(path.join(dir, LIBRARY_FILE));
  for (const file of files.slice(2)) {
    fs.writeFileSync(file, Buffer.alloc(fs.statSync(file).size, 0x58));
    const stat = fs.statSync(file);
    db.prepare('UPDATE instances SET file_size = ?, mtime_ms = ? WHERE path = ?').run(stat.size, stat.mtimeMs, file);
  }
  db.close();
}, 120_000);

it('logs each file it left as it was, with why and without the patient', () => {
  makeOld();
  const lines: string[] = [];
  Library.open(dir, { log: (line) => lines.push(line) }).close();
  expect(lines[0]).toMatch(new RegExp(`^Names and descriptions stored by an older Lumen were read again from the files; ${SERIES} of them could not be used`));
  expect(lines.slice(1)).toEqual([
    `  ${files[0]}: not there any more (no such file or folder)`,
    `  ${files[1]}: changed since it was imported (its size or time): import it again`,
    ...files.slice(2).map((f) => expect.stringMatching(new RegExp(`^  ${f.replace(/[.]/g, '\\.')}: unreadable: \\S`))),
  ]);
  expect(lines.filter((l) => PHI.some((re) => re.test(l)))).toEqual([]);
  // Once: a second opening reads nothing and says nothing.
  const again: string[] = [];
  Library.open(dir, { log: (line) => again.push(line) }).close();
  expect(again).toEqual([]);
});

it('lumen prints them on stderr, 20 and "and N more"', async () => {
  makeOld();
  const { stdout, stderr } = await run(process.execPath, [path.resolve('bin/lumen.mjs'), 'ls', '--library', dir], { env: { ...process.env, NO_COLOR: '1' } });
  const lines = stderr.split('\n').filter((l) => l.startsWith('  '));
  expect(lines).toHaveLength(21);
  expect(lines[0]).toBe(`  ${files[0]}: not there any more (no such file or folder)`);
  expect(lines[20]).toBe(`  and ${SERIES - 20} more`);
  expect(stderr).toMatch(/could not be used and keep their old text/);
  expect(PHI.filter((re) => re.test(stderr))).toEqual([]);
  // The listing itself (what the user asked to see) still comes.
  expect(stdout).toMatch(/Quokka/);
}, 120_000);
