// A negative number typed after a flag that takes a value is that flag's value, checked in the
// flag's own words: `lumen pixels --frame -1` said "--frame needs a value" (F10), as if nothing
// had been typed. A flag followed by a real option still needs its value.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';
import { writeImage } from '../support/dicom/write';

let root: string;
let file: string;
const lumen = (args: string[]) => runLumen(args, path.join(root, 'data'));

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-negative-'));
  file = path.join(root, 'a.dcm');
  writeImage(file, { rows: 4, columns: 4, bitsAllocated: 16, pixelRepresentation: 1, modality: 'CT', rescaleSlope: 1, rescaleIntercept: 0, pixelBytes: new Uint8Array(32) });
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('negative numbers as flag values', () => {
  it('lumen pixels --frame -1 says -1 is not a frame number', async () => {
    for (const args of [['--frame', '-1'], ['--frame=-1']]) {
      const r = await lumen(['pixels', file, ...args, '--out', path.join(root, 'x.raw')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--frame must be a whole number from 0 (got "-1")');
      expect(r.stderr).not.toContain('needs a value');
    }
  });

  it('a flag followed by another option, or by nothing, still needs its value', async () => {
    const r = await lumen(['pixels', file, '--frame', '--out', path.join(root, 'x.raw')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--frame needs a value');
    const end = await lumen(['pixels', file, '--out', path.join(root, 'x.raw'), '--frame']);
    expect(end.code).toBe(2);
    expect(end.stderr).toContain('--frame needs a value');
  });

  it('the frame itself still works', async () => {
    const r = await lumen(['pixels', file, '--frame', '0', '--out', path.join(root, 'x.raw')]);
    expect(r.code, r.stderr).toBe(0);
  });
});
