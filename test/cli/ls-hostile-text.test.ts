// `lumen ls` on a file whose names hold bidirectional overrides (dump2dcm, UTF-8): the listing
// shows each as U+FFFD, and --json keeps the data but writes them as \u escapes, so neither can
// reorder what a terminal shows.
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importedLibrary, runLumen, type ImportedLibrary } from '../support/cli';
import { BIDI_CONTROLS, HOSTILE, writeHostileTextSlice } from '../support/dicom/hostile-text';

describe('lumen ls with bidirectional controls in the files', () => {
  let lib: ImportedLibrary<void>;
  beforeAll(async () => {
    lib = await importedLibrary('ls-bidi', (dir) => {
      mkdirSync(dir, { recursive: true });
      writeHostileTextSlice(path.join(dir, 'trojan.dcm'));
    });
  }, 120_000);
  afterAll(() => rmSync(lib.root, { recursive: true, force: true }));

  it('lists names and descriptions with every bidirectional control shown as U+FFFD', async () => {
    const run = await runLumen(['ls', '--library', lib.library], path.join(lib.root, 'data'));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toMatch(BIDI_CONTROLS);
    expect(run.stdout).toContain('Trojan^\ufffdLIVE');
    expect(run.stdout).toContain('ID TS\ufffd001');
    expect(run.stdout).toContain('CHEST \ufffdCT\ufffd');
    expect(run.stdout).toContain('AXIAL\ufffd 5mm');
  }, 60_000);

  it('keeps the exact text in --json, written as escapes', async () => {
    const run = await runLumen(['ls', '--library', lib.library, '--json'], path.join(lib.root, 'data'));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toMatch(BIDI_CONTROLS);
    expect(run.stdout).toContain('Trojan^\\u202eLIVE');
    const patient = JSON.parse(run.stdout).patients[0];
    expect(patient.patientName).toBe(HOSTILE.patientName);
    expect(patient.studies[0].studyDescription).toBe(HOSTILE.studyDescription);
  }, 60_000);
});
