// lumen rm through bin/lumen.mjs against a library made by lumen import from dcmtk files:
// --yes is required when not on a terminal, UIDs are checked, removal and --undo.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';
import { PATIENT_A, PATIENT_B, tmpDir, writeSlice } from './fixtures';

describe('lumen rm', () => {
  let work: string;
  let library: string;
  const lumen = (...args: string[]) => runLumen([...args, '--library', library], path.join(work, 'data'));
  beforeAll(async () => {
    work = tmpDir('rm-cli');
    const dicom = path.join(work, 'dicom');
    fs.mkdirSync(dicom);
    for (let i = 1; i <= 2; i++) writeSlice(path.join(dicom, `A${i}`), { ...PATIENT_A, sopUid: `${PATIENT_A.seriesUid}.${i}`, instanceNumber: i });
    writeSlice(path.join(dicom, 'B1'), { ...PATIENT_B, sopUid: `${PATIENT_B.seriesUid}.1`, instanceNumber: 1 });
    library = path.join(work, 'library');
    const imported = await lumen('import', dicom, '--json');
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('asks for --yes when not on a terminal, checks the UID, removes and undoes', async () => {
    const refused = await lumen('rm', '--study', PATIENT_A.studyUid);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`lumen rm would remove study ${PATIENT_A.studyUid} (2 images, 0 labels`);
    expect(refused.stderr).toContain('add --yes');
    const bad = await lumen('rm', '--study', '1.2.x', '--yes');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--study must be a DICOM UID');

    const removed = await lumen('rm', '--study', PATIENT_A.studyUid, '--yes', '--json');
    expect(removed.code).toBe(0);
    const out = JSON.parse(removed.stdout) as { removed: { images: number }; undoToken: string };
    expect(out.removed.images).toBe(2);
    const ls = await lumen('ls', '--json');
    expect(ls.stdout).not.toContain(PATIENT_A.studyUid);
    expect(ls.stdout).toContain(PATIENT_B.studyUid);

    const undone = await lumen('rm', '--undo', out.undoToken);
    expect(undone.code).toBe(0);
    expect(undone.stdout).toContain(`Put back study ${PATIENT_A.studyUid}: 2 images`);
    expect((await lumen('ls', '--json')).stdout).toContain(PATIENT_A.studyUid);
  });
});
