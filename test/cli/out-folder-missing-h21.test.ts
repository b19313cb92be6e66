// A file to write in a folder that does not exist is said one way by every command, before
// anything runs: "--out <file>: the folder <dir> does not exist: create it first.", exit 2 as for
// any bad option, and no folder made (H21, CLI walk, finding 6). Before, `models export` said it
// so; `labels export` and `export --csv` said it without the option and exited 1; `render`,
// `pixels` and `audit --csv` exited 1 only after trying to write ("cannot write …").
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSlice } from '../library/fixtures';
import { runLumen } from '../support/cli';

let root: string;
let slice: string;
const missing = () => path.join(root, 'no-such-folder');

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-out-folder-missing-h21-'));
  slice = path.join(root, 'slice.dcm');
  writeSlice(slice, { patientName: 'OUT^OTTO', patientId: 'OUT21', studyUid: '1.2.826.0.1.3680043.10.2021.77', seriesUid: '1.2.826.0.1.3680043.10.2021.77.1', sopUid: '1.2.826.0.1.3680043.10.2021.77.1.1', seriesNumber: 1, instanceNumber: 1, z: 0 });
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('a file to write in a folder that does not exist', () => {
  const cases: [string, (out: string) => string[], string][] = [
    ['render', (out) => ['render', slice, '--out', out], 'a.png'],
    ['pixels', (out) => ['pixels', slice, '--out', out], 'a.raw'],
    ['audit --csv', (out) => ['audit', '--csv', out], 'audit.csv'],
    ['labels export', (out) => ['labels', 'export', '--out', out], 'labels.csv'],
    ['export --csv', (out) => ['export', '--csv', 'labels', '--out', out], 'labels.csv'],
    ['models export', (out) => ['models', 'export', 'any', '--out', out], 'k.lumenpkg'],
  ];
  it.each(cases)('%s: names the option and the folder, exit 2, makes nothing', async (_name, args, base) => {
    const out = path.join(missing(), base);
    const option = args(out).includes('--csv') && !args(out).includes('--out') ? '--csv' : '--out';
    const r = await runLumen(args(out), path.join(root, 'data'));
    expect(r.stderr.trim()).toBe(`lumen ${args(out)[0]}: ${option} ${out}: the folder ${missing()} does not exist: create it first.`);
    expect(r.code).toBe(2);
    expect(existsSync(missing())).toBe(false);
  }, 60_000);
});
