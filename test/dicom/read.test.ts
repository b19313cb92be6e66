// The bulk reader reuses one buffer and asks a file's size only when the buffer
// fills: every size pattern must still give exactly the file's bytes.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DicomFileError } from '../../electron/dicom/parse';
import { ReusableFileReader } from '../../electron/dicom/read';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-read-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, size: number, seed: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed * 7) & 0xff;
  writeFileSync(join(dir, name), bytes);
  return bytes;
}

describe('ReusableFileReader', () => {
  it('gives each file whole, whether it fits the buffer, fills it exactly, grows it or passes the limit', () => {
    const reader = new ReusableFileReader(8192);
    // first read, exactly the buffer, smaller, larger (grow), empty, over the limit, back within it
    const sizes = [1000, 1000, 800, 3000, 2999, 0, 8192, 20000, 5000, 1];
    sizes.forEach((size, i) => {
      const expected = file(`f${i}`, size, i);
      const got = reader.read(join(dir, `f${i}`));
      expect(got.length, `file ${i} of ${size} bytes`).toBe(size);
      expect(Buffer.compare(got, expected), `file ${i} of ${size} bytes`).toBe(0);
    });
  });

  it('reuses its buffer for files that fit (the previous result is overwritten)', () => {
    const reader = new ReusableFileReader();
    file('a', 4096, 1);
    const b = file('b', 4096, 2);
    const first = reader.read(join(dir, 'a'));
    const second = reader.read(join(dir, 'b'));
    expect(second.buffer).toBe(first.buffer);
    expect(Buffer.compare(first, b)).toBe(0);
  });

  it('says why a file cannot be read', () => {
    const reader = new ReusableFileReader();
    expect(() => reader.read(join(dir, 'missing'))).toThrow(DicomFileError);
    expect(() => reader.read(join(dir, 'missing'))).toThrow(/file not found/);
    mkdirSync(join(dir, 'folder'));
    expect(() => reader.read(join(dir, 'folder'))).toThrow(/is a folder, not a file/);
    // Other errors in the library's wording (electron/dicom/fs-errors.ts), not Node's message.
    writeFileSync(join(dir, 'plain'), 'x');
    expect(() => reader.read(join(dir, 'plain', 'child'))).toThrow(/cannot be read \(a part of the path is a file, not a folder\)/);
  });
});
