import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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

  const options = { limit: 1024, what: 'label CSV' };
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
    expect(readRegularText(file, options)).toBe('SOPInstanceUID,label\n1.2.3,normal\n');
    expect((await readRegularFileAsync(file, options)).toString()).toBe('SOPInstanceUID,label\n1.2.3,normal\n');
  });

  it('refuses a FIFO with no writer at once, naming it, instead of waiting forever', async () => {
    const err = refusal(() => readRegularFile(fifo, options));
    expect(err).toBeInstanceOf(FileReadError);
    expect((err as Error).message).toBe(`${fifo} is not a regular file (a FIFO).`);
    await expect(readRegularFileAsync(fifo, options)).rejects.toThrow(/is not a regular file \(a FIFO\)/);
  });

  it('refuses a FIFO reached through a symbolic link', () => {
    const link = path.join(dir, 'link.csv');
    symlinkSync(fifo, link);
    expect((refusal(() => readRegularFile(link, options)) as Error).message).toMatch(/link\.csv is not a regular file \(a FIFO\)/);
  });

  it('refuses a device (/dev/zero never ends) and a folder', () => {
    expect((refusal(() => readRegularFile('/dev/zero', options)) as Error).message).toBe('/dev/zero is not a regular file (a device).');
    expect((refusal(() => readRegularFile(dir, options)) as FileReadError).reason).toBe('is a folder, not a file.');
  });

  it('refuses a file larger than the limit for its kind before reading it', () => {
    const big = path.join(dir, 'big.csv');
    writeFileSync(big, Buffer.alloc(1025));
    expect((refusal(() => readRegularFile(big, options)) as Error).message).toMatch(/big\.csv is too large for a label CSV \(1025 bytes; at most 1024 bytes\)/);
  });

  it("passes a missing file's own error through for the caller's wording", () => {
    expect((refusal(() => readRegularFile(path.join(dir, 'none.csv'), options)) as NodeJS.ErrnoException).code).toBe('ENOENT');
  });
});
