// A retrieved instance whose patient details differ from those the library holds for the same
// Patient ID is imported with a warning, as a local file is (common/import-summary.ts: "with
// other patient details (imported)"): the retrieve counts it as retrieved, not failed, and its
// file stays in the library folder. Files made by GDCM's gdcmimg and dcmtk's dcmodify; a real
// Orthanc serves the second study over DICOMweb.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { json, lumen, usePacsFixture } from './support';

const ROOT = '1.2.826.0.1.3680043.10.1137.62';

/** A single-frame word image by gdcmimg in study `study`, given `name` and Patient ID by dcmodify. */
function gdcmImage(file: string, study: number, name: string): Buffer {
  const raw = Buffer.alloc(32 * 24 * 2, 7);
  fs.writeFileSync(`${file}.raw`, raw);
  execFileSync('gdcmimg', ['--size', '32,24', '--depth', '16', '--pf', '16,12,11', '-T', `${ROOT}.${study}`, '-S', `${ROOT}.${study}.1`, `${file}.raw`, file], { stdio: 'pipe' });
  execFileSync('dcmodify', ['-nb', '-i', `PatientName=${name}`, '-i', 'PatientID=PACS-CONFLICT', '-i', 'Modality=OT', file], { stdio: 'pipe' });
  return fs.readFileSync(file);
}

const pacs = usePacsFixture('retrieve-conflict');
const dataDir = path.join(pacs.scratch, 'data');
const library = path.join(pacs.scratch, 'library');

beforeAll(async () => {
  const local = path.join(pacs.scratch, 'local');
  fs.mkdirSync(local);
  gdcmImage(path.join(local, 'held.dcm'), 1, 'Held^Hanna');
  fs.rmSync(path.join(local, 'held.dcm.raw'));
  const imported = await lumen(dataDir, ['import', local, '--library', library]);
  expect(imported.code, imported.stderr).toBe(0);
  await pacs.orthanc.store(gdcmImage(path.join(pacs.scratch, 'other.dcm'), 2, 'Other^Olga'));
  const { orthanc } = pacs;
  const web = await lumen(dataDir, ['pacs', 'add', '--name', 'web', '--dicomweb', orthanc.dicomWebUrl, '--user', orthanc.user, '--password-stdin'], orthanc.password + '\n');
  expect(web.code, web.stderr).toBe(0);
}, 120_000);

describe('a retrieved instance with other patient details', () => {
  it('is retrieved and kept, not counted as failed', async () => {
    const study = `${ROOT}.2`;
    const report = json(await lumen(dataDir, ['pacs', 'retrieve', '--pacs', 'web', study, '--library', library, '--json']));
    expect(report).toMatchObject({ listed: 1, received: 1, receivedImages: 1, failed: 0, errors: [], stopped: null });
    const studyDir = path.join(library, 'pacs', study);
    const files = fs.readdirSync(studyDir, { recursive: true }).filter((f) => String(f).endsWith('.dcm'));
    expect(files).toHaveLength(1);
    // The library lists the study, under the one Patient ID.
    const tree = json<{ patients: { studies: { studyInstanceUid: string }[] }[] }>(await lumen(dataDir, ['ls', '--library', library, '--json']));
    expect(tree.patients.flatMap((p) => p.studies.map((s) => s.studyInstanceUid)).sort()).toEqual([`${ROOT}.1`, study]);
  }, 120_000);
});
