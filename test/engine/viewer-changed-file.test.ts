// A file the library holds, changed on disk after import, is not drawn under the library's series
// and patient (the viewer's own guard; the importer's rules are test/library/refused-change-keeps-image
// and stale-sop-other-patient). Before, viewer.frame decoded whatever the path held now: a file
// overwritten with another patient's image (dcmodify here, as a re-export or a copy over it would)
// was drawn under the held patient's name until the folder was imported again, and for a change the
// library refuses, for good. After an import that takes the change, the file is shown again.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { viewerFrame } from '../../electron/engine/viewer/frame';
import { Library } from '../../electron/library/library';
import { tmpDir, writeSlice } from '../library/fixtures';

const P = { patientName: 'EPSILON^EVE', patientId: 'S17V1', studyUid: '1.2.826.0.1.3680043.10.543.931.1', seriesUid: '1.2.826.0.1.3680043.10.543.931.1.1' };
const sop = (n: number) => `${P.seriesUid}.${n}`;
const outcome = (p: Promise<unknown>) => p.then(() => 'shown', (e: unknown) => (e as Error).message);

describe('a held file changed on disk after import', () => {
  let root: string;
  let lib: Library;
  const file = (n: number) => path.join(root, 'in', `a${n}.dcm`);
  const held = (n: number) => lib.listInstances(P.seriesUid).find((i) => i.sopInstanceUid === sop(n))!;
  /** Moves the file's time on, as any write would (dcmodify may land in the same clock tick). */
  const touchLater = (f: string, seconds: number) => fs.utimesSync(f, new Date(Date.now() + seconds * 1000), new Date(Date.now() + seconds * 1000));

  beforeAll(async () => {
    root = tmpDir('viewer-changed-file');
    fs.mkdirSync(path.join(root, 'in'));
    for (const n of [1, 2]) writeSlice(file(n), { ...P, sopUid: sop(n), instanceNumber: n, z: n });
    lib = Library.open(path.join(root, 'library'));
    expect((await lib.importPaths([path.join(root, 'in')])).errors).toEqual([]);
  });
  afterAll(() => {
    lib?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('is shown as imported, and refused once it holds another patient, naming the file and what to do', async () => {
    expect(await outcome(viewerFrame(held(1), 0))).toBe('shown');
    execFileSync('dcmodify', ['-nb', '-m', '(0010,0020)=S17V2', '-m', '(0010,0010)=ZETA^ZED', file(1)], { stdio: 'pipe' });
    touchLater(file(1), 5);
    const words = await outcome(viewerFrame(held(1), 0));
    expect(words).toBe(`${file(1)} changed since it was imported (its size or time), so it is not shown under this series: it may hold another image now. Import its folder again (image ${sop(1)}).`);
    for (const v of ['S17V2', 'ZETA', 'S17V1', 'EPSILON']) expect(words).not.toContain(v);
    // The other image of the series is untouched and still shown.
    expect(await outcome(viewerFrame(held(2), 0))).toBe('shown');
  });

  it('stays refused when the import refuses the change (the held row keeps the old file\'s size and time)', async () => {
    const report = await lib.importPaths([path.join(root, 'in')]);
    expect(report.errors.map((e) => path.basename(e.file))).toEqual(['a1.dcm']);
    expect(await outcome(viewerFrame(held(1), 0))).toMatch(/changed since it was imported/);
  });

  it('is shown again once an import reads the change (the same patient, a sound edit)', async () => {
    execFileSync('dcmodify', ['-nb', '-m', '(0010,0020)=S17V1', '-m', '(0010,0010)=EPSILON^EVE', '-m', '(0008,103E)=edited', file(1)], { stdio: 'pipe' });
    touchLater(file(1), 10);
    expect(await outcome(viewerFrame(held(1), 0))).toMatch(/changed since it was imported/);
    const report = await lib.importPaths([path.join(root, 'in')]);
    expect(report.errors).toEqual([]);
    expect(report.changed).toBe(1);
    expect(await outcome(viewerFrame(held(1), 0))).toBe('shown');
  });
});
