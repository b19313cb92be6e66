import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dicomFilesIn } from '../../electron/main/open-files';

const root = mkdtempSync(path.join(os.tmpdir(), 'lumen-open-files-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the .dcm files the system hands to the app', () => {
  it('are the existing .dcm files named by absolute paths, once each', () => {
    const a = path.join(root, 'a b.dcm');
    const b = path.join(root, 'B.DCM');
    writeFileSync(a, 'x');
    writeFileSync(b, 'x');
    mkdirSync(path.join(root, 'folder.dcm'));
    const argv = ['/opt/Lumen/lumen', '--no-sandbox', a, b, a, 'relative.dcm', path.join(root, 'missing.dcm'), path.join(root, 'folder.dcm'), path.join(root, 'notes.txt'), `--flag=${a}`];
    expect(dicomFilesIn(argv)).toEqual([a, b]);
  });

  it('are none when the app is simply started', () => {
    expect(dicomFilesIn(['/opt/Lumen/lumen'])).toEqual([]);
    expect(dicomFilesIn([])).toEqual([]);
  });
});
