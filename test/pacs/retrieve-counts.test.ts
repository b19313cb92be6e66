// A retrieve's report counts images as the import report does (common/counts.ts): a multi-frame
// instance is one file but many images. A real Orthanc holds a study of a three-frame instance
// and a single-frame one, both made by GDCM's gdcmimg and named by dcmtk's dcmodify (not Lumen's
// writer). `lumen pacs retrieve` (DICOMweb and C-GET) and the app's retrieve job say "3 images
// (1 file) retrieved", what the library held in images too, and the files the PACS listed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { retrieveCountsPhrase } from '../../common/retrieve-summary';
import { lumen, useEngineHost, usePacsFixture } from './support';
import { addOrthancConnections, appRetrieve, retrieveReport } from '../support/pacs-retrieve';

const STUDY = '1.2.826.0.1.3680043.10.1137.61.1';
const MULTI_SERIES = `${STUDY}.1`;
const SINGLE_SERIES = `${STUDY}.2`;

/** A word image of `frames` frames, 40×30, written by gdcmimg and given a patient by dcmodify. */
function gdcmImage(dir: string, name: string, frames: number, seriesUid: string): Buffer {
  const [columns, rows] = [40, 30];
  const raw = Buffer.alloc(columns * rows * frames * 2);
  for (let i = 0; i < raw.length / 2; i++) raw.writeUInt16LE((i * 7) % 4096, i * 2);
  const rawFile = path.join(dir, `${name}.raw`);
  const file = path.join(dir, `${name}.dcm`);
  fs.writeFileSync(rawFile, raw);
  execFileSync('gdcmimg', ['--size', `${columns},${rows},${frames}`, '--depth', '16', '--pf', '16,12,11', '-C', '1.2.840.10008.5.1.4.1.1.7.3', '-T', STUDY, '-S', seriesUid, rawFile, file], { stdio: 'pipe' });
  execFileSync('dcmodify', ['-nb', '-i', 'PatientName=Counts^Frames', '-i', 'PatientID=PACS-COUNTS', '-i', 'Modality=OT', '-i', 'StudyDate=20250301', file], { stdio: 'pipe' });
  return fs.readFileSync(file);
}

// Orthanc knows Lumen's AE title (the receiver's modality), as a PACS must for C-FIND and C-GET from it.
const pacs = usePacsFixture('retrieve-counts', { receiver: true });
const dataDir = path.join(pacs.scratch, 'data');
const engine = useEngineHost(path.join(pacs.scratch, 'app-data'));

beforeAll(async () => {
  const made = path.join(pacs.scratch, 'made');
  fs.mkdirSync(made);
  await pacs.orthanc.store(gdcmImage(made, 'multi', 3, MULTI_SERIES));
  await pacs.orthanc.store(gdcmImage(made, 'single', 1, SINGLE_SERIES));
  await addOrthancConnections(dataDir, pacs.orthanc);
}, 120_000);

describe('the retrieve report counts images', () => {
  it('lumen pacs retrieve: a three-frame instance is 3 images (1 file), over DICOMweb and C-GET', async () => {
    const library = path.join(pacs.scratch, 'library');
    const first = await lumen(dataDir, ['pacs', 'retrieve', '--pacs', 'web', STUDY, '--series', MULTI_SERIES, '--library', library]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^3 images \\(1 file\\) retrieved \\(of 1 file listed\\) in [\\d.]+ s; library ${library}\\.\\n$`));

    // The rest of the study over C-GET: the multi-frame instance is held, in images.
    const rest = await lumen(dataDir, ['pacs', 'retrieve', '--pacs', 'dimse', STUDY, '--library', library]);
    expect(rest.code, rest.stderr).toBe(0);
    expect(rest.stdout.split('\n')[0]).toMatch(/^1 image retrieved, 3 images \(1 file\) already in the library \(of 2 files listed\) in [\d.]+ s; /);

    const again = await retrieveReport(dataDir, 'web', STUDY, library);
    expect(again).toMatchObject({ listed: 2, received: 0, receivedImages: 0, alreadyPresent: 2, alreadyPresentImages: 4, failed: 0 });
    expect(retrieveCountsPhrase(again)).toBe('0 images retrieved, 4 images (2 files) already in the library (of 2 files listed)');

    // The library agrees: 4 images in 2 files.
    const ls = await lumen(dataDir, ['ls', '--library', library]);
    expect(ls.stdout).toContain('4 images (2 files)');
  }, 180_000);

  it("the app's retrieve job reports the images, and the PACS tab's words for them", async () => {
    const report = await appRetrieve(engine, pacs.orthanc, STUDY);
    expect(report).toMatchObject({ listed: 2, received: 2, receivedImages: 4, alreadyPresent: 0, alreadyPresentImages: 0, failed: 0, stopped: null });
    expect(retrieveCountsPhrase(report)).toBe('4 images (2 files) retrieved (of 2 files listed)');
  }, 180_000);
});

describe('retrieveCountsPhrase', () => {
  it('names files where images are not known (failed) and leaves out what is 0', () => {
    const base = { listed: 5, received: 2, receivedImages: 2, alreadyPresent: 1, alreadyPresentImages: 30, failed: 2 };
    expect(retrieveCountsPhrase(base)).toBe('2 images retrieved, 30 images (1 file) already in the library, 2 files failed (of 5 files listed)');
    expect(retrieveCountsPhrase({ ...base, received: 1, receivedImages: 1, alreadyPresent: 0, alreadyPresentImages: 0, failed: 1, listed: 2 })).toBe('1 image retrieved, 1 file failed (of 2 files listed)');
  });
});
