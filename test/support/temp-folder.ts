// A temporary folder for one test file, made before its tests and removed after them, with what
// `fill` puts in it: the let / beforeAll / afterAll lines that the DICOM test files each wrote
// again around makeFixtures (test/dicom/fixtures.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/**
 * Makes `lumen-<name>-XXXXXX` in the system's temporary folder before the file's tests, adds
 * `fill(dir)`'s fields to the object returned, and removes the folder after the tests. The object
 * is empty until the file's tests start: read its fields in tests and hooks, not at the top level.
 */
export function tempFolderForTests<T extends object>(name: string, fill: (dir: string) => T): { dir: string } & T {
  const made = {} as { dir: string } & T;
  // Filling may run encoders (dcmtk, GDCM) on a busy machine: more than the default 10 s.
  beforeAll(() => {
    const dir = mkdtempSync(path.join(os.tmpdir(), `lumen-${name}-`));
    Object.assign(made, { dir }, fill(dir));
  }, 120_000);
  afterAll(() => {
    if (made.dir) rmSync(made.dir, { recursive: true, force: true });
  });
  return made;
}
