// `lumen pacs listen` receiving patient B's instance that carries the SOP Instance UID of patient A's
// image in the library (session 17, T-6/T-8 on the receiver's side; F2). The import refuses it (not the
// same image); the receiver's line counted it as received all the same, since the library holds the
// UID (A's image). Files by dump2dcm (test/library/fixtures.ts), sent by dcmtk's storescu.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { tmpDir, writeSlice } from '../library/fixtures';
import { freePort } from '../support/orthanc';
import { listen, lumen } from './support';

const run = promisify(execFile);
const ROOT = '1.2.826.0.1.3680043.10.543.919';
const A = { patientName: 'ALPHA^ANN', patientId: 'T8RA', studyUid: `${ROOT}.1`, seriesUid: `${ROOT}.1.1` };
const B = { patientName: 'BETA^BOB', patientId: 'T8RB', studyUid: `${ROOT}.2`, seriesUid: `${ROOT}.2.1` };
const X = `${ROOT}.1.1.1`;
const scratch = tmpDir('receive-sop-other');
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe("lumen pacs listen, sent another patient's image with a held SOP Instance UID", () => {
  it('counts it as failed, not received, and A stays', async () => {
    for (const d of ['local', 'sent']) fs.mkdirSync(path.join(scratch, d));
    writeSlice(path.join(scratch, 'local', 'a.dcm'), { ...A, sopUid: X, instanceNumber: 1 });
    writeSlice(path.join(scratch, 'sent', 'b1.dcm'), { ...B, sopUid: X, instanceNumber: 1 });
    writeSlice(path.join(scratch, 'sent', 'b2.dcm'), { ...B, sopUid: `${B.seriesUid}.2`, instanceNumber: 2 });
    const dataDir = path.join(scratch, 'data');
    const library = path.join(scratch, 'library');
    const imported = await lumen(dataDir, ['import', path.join(scratch, 'local'), '--library', library]);
    expect(imported.code, imported.stderr).toBe(0);
    const port = await freePort();
    const receiver = await listen(dataDir, ['--aet', 'LUMENRX', '--port', String(port), '--library', library, '--allow', 'SENDER']);
    try {
      await run('storescu', ['-to', '20', '-ta', '20', '-aet', 'SENDER', '-aec', 'LUMENRX', '127.0.0.1', String(port), path.join(scratch, 'sent', 'b1.dcm'), path.join(scratch, 'sent', 'b2.dcm')], { timeout: 60_000 });
      await receiver.waitFor(/received .* from "SENDER"/);
      expect(receiver.output()).toContain('received 1 image from "SENDER", 1 file failed.');
    } finally {
      expect(await receiver.stop()).toBe(0);
    }
    const ls = await lumen(dataDir, ['ls', '--library', library, '--json']);
    const tree = JSON.parse(ls.stdout) as { patients: { patientId: string; studies: { studyInstanceUid: string }[] }[] };
    expect(tree.patients.map((p) => [p.patientId, p.studies.map((s) => s.studyInstanceUid)]).sort()).toEqual([
      ['T8RA', [A.studyUid]],
      ['T8RB', [B.studyUid]],
    ]);
  }, 120_000);
});
