// C-GET brings result documents back, and a retrieve does not fetch again what the library holds
// (s17, task A). A real Orthanc holds patient A's 5 CT images and Lumen's own results of them (the
// predictions and measurements SR and a Parametric Map, written by the results writer from a real
// library). Over C-GET the study arrives whole: before, dcmjs-dimse proposed only its own frozen
// list of storage classes for C-GET's sub-operations, so Orthanc could not send the Parametric Map
// back (1 file failed, "not sent by the PACS"); now Lumen proposes the receiver's further classes
// too (electron/pacs/storage-classes.ts). The library lists the map. A second retrieve fetches
// nothing: the result documents held count as held as the images do (before, the library's
// `presentInstances` knew only images, and the 3 documents were fetched again every time).
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { PATIENT_A, resultsLibrary, writeResultDocuments } from '../results/fixtures';
import { json, lumen, usePacsFixture } from './support';

// Orthanc knows Lumen's AE title (the receiver's modality), as a PACS must for C-FIND and C-GET from it.
const pacs = usePacsFixture('cget-results-a17', { receiver: true });
const dataDir = path.join(pacs.scratch, 'data');
const STUDY = PATIENT_A.studyUid;
const MAP_SERIES = '2.25.917017';

beforeAll(async () => {
  const lib = await resultsLibrary('cget-results-a17', path.join(pacs.scratch, 'source-library'));
  const out = path.join(pacs.scratch, 'results');
  try {
    await writeResultDocuments(lib, out, MAP_SERIES, (i, rows, columns) => i / (rows * columns));
    for (const i of lib.library.listInstances(PATIENT_A.seriesUid)) await pacs.orthanc.store(fs.readFileSync(i.path));
  } finally {
    lib.library.close();
  }
  const documents = fs.readdirSync(out).filter((f) => f.endsWith('.dcm'));
  expect(documents).toHaveLength(3);
  for (const f of documents) await pacs.orthanc.store(fs.readFileSync(path.join(out, f)));
  const { orthanc } = pacs;
  const dimse = await lumen(dataDir, ['pacs', 'add', '--name', 'dimse', '--dimse', `${orthanc.aet}@127.0.0.1:${orthanc.dicomPort}`, '--calling-aet', 'LUMEN']);
  expect(dimse.code, dimse.stderr).toBe(0);
  const web = await lumen(dataDir, ['pacs', 'add', '--name', 'web', '--dicomweb', orthanc.dicomWebUrl, '--user', orthanc.user, '--password-stdin'], orthanc.password + '\n');
  expect(web.code, web.stderr).toBe(0);
}, 240_000);

/** The result documents the library lists for the study, by kind. */
function resultKinds(libraryDir: string): string[] {
  const library = Library.open(libraryDir);
  try {
    return library.studyResults(STUDY).map((r) => r.kind).sort();
  } finally {
    library.close();
  }
}

describe('C-GET brings result documents back; a retrieve does not fetch again what is held', () => {
  it('lumen pacs retrieve --via get: 5 images and 3 result documents, the map among them; again: nothing fetched', async () => {
    const library = path.join(pacs.scratch, 'library-get');
    const first = await lumen(dataDir, ['pacs', 'retrieve', '--pacs', 'dimse', STUDY, '--via', 'get', '--library', library]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^5 images and 3 result documents retrieved \\(of 8 files listed\\) in [\\d.]+ s; library ${library}\\.\\n$`));
    expect(resultKinds(library)).toEqual(['parametric-map', 'sr', 'sr']);
    expect(fs.readdirSync(path.join(library, 'pacs', STUDY))).toContain(MAP_SERIES);

    const again = await lumen(dataDir, ['pacs', 'retrieve', '--pacs', 'dimse', STUDY, '--via', 'get', '--library', library]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^0 images retrieved, 5 images and 3 result documents already in the library \(of 8 files listed\) in [\d.]+ s; /);
    const third = json(await lumen(dataDir, ['pacs', 'retrieve', '--pacs', 'dimse', STUDY, '--via', 'get', '--library', library, '--json']));
    expect(third).toMatchObject({ listed: 8, received: 0, receivedResults: 0, alreadyPresent: 8, alreadyPresentImages: 5, alreadyPresentResults: 3, failed: 0 });
    expect(resultKinds(library)).toEqual(['parametric-map', 'sr', 'sr']);
  }, 240_000);

  it('over DICOMweb too, a second retrieve fetches no result document again', async () => {
    const library = path.join(pacs.scratch, 'library-web');
    const first = json(await lumen(dataDir, ['pacs', 'retrieve', '--pacs', 'web', STUDY, '--library', library, '--json']));
    expect(first).toMatchObject({ listed: 8, received: 8, receivedImages: 5, receivedResults: 3, alreadyPresent: 0, failed: 0 });
    const again = json(await lumen(dataDir, ['pacs', 'retrieve', '--pacs', 'web', STUDY, '--library', library, '--json']));
    expect(again).toMatchObject({ listed: 8, received: 0, receivedResults: 0, alreadyPresent: 8, alreadyPresentImages: 5, alreadyPresentResults: 3, failed: 0 });
  }, 240_000);
});
