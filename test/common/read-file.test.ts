import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileReadError, readRegularFile, readRegularFileAsync, readRegularText } from '../../common/node/read-file';

describe('reading only regular files', () => {
  let dir: string;
  let fifo: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lumen-read-file-'));
    fifo = path.join(dir, 'labels.csv');
    execFileSync('mkfifo', [fifo]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const refusal = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      return err;
    }
    throw new Error('it was read');
  };

  it('reads a regular file whole', async () => {
    const file = path.join(dir, 'ok.csv');
    writeFileSync(file, 'SOPInstanceUID,label\n1.2.3,normal\n');
    expect(readRegularText(file, 'csv')).toBe('SOPInstanceUID,label\n1.2.3,normal\n');
    expect((await readRegularFileAsync(file, 'csv')).toString()).toBe('SOPInstanceUID,label\n1.2.3,normal\n');
  });

  it('refuses a FIFO with no writer at once, naming it, instead of waiting forever', async () => {
    const err = refusal(() => readRegularFile(fifo, 'csv'));
    expect(err).toBeInstanceOf(FileReadError);
    expect((err as Error).message).toBe(`${fifo} is not a regular file (a FIFO).`);
    await expect(readRegularFileAsync(fifo, 'csv')).rejects.toThrow(/is not a regular file \(a FIFO\)/);
  });

  it('refuses a FIFO reached through a symbolic link', () => {
    const link = path.join(dir, 'link.csv');
    symlinkSync(fifo, link);
    expect((refusal(() => readRegularFile(link, 'csv')) as Error).message).toMatch(/link\.csv is not a regular file \(a FIFO\)/);
  });

  it('refuses a device (/dev/zero never ends) and a folder', () => {
    expect((refusal(() => readRegularFile('/dev/zero', 'csv')) as Error).message).toBe('/dev/zero is not a regular file (a device).');
    expect((refusal(() => readRegularFile(dir, 'csv')) as FileReadError).reason).toBe('is a folder, not a file.');
  });

  it('refuses a file larger than the limit for its kind before reading it', () => {
    const big = path.join(dir, 'big.csv');
    writeFileSync(big, '');
    truncateSync(big, 300 * 1024 * 1024); // sparse: takes no disk
    expect((refusal(() => readRegularFile(big, 'csv')) as Error).message).toBe(`${big} is too large for a label CSV (300 MB; at most 256 MB).`);
  });

  it("passes a missing file's own error through for the caller's wording", () => {
    expect((refusal(() => readRegularFile(path.join(dir, 'none.csv'), 'csv')) as NodeJS.ErrnoException).code).toBe('ENOENT');
  });
});
