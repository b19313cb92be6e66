// A retrieve of a study with more instances than one listing reads (MAX_MATCHES.instances, 200,000):
// a real Orthanc holding studies written by dcmtk (dump2dcm), and the listing's bound lowered to 5
// for the test (`maxListed`), so a study of 11 instances in series of 4, 4 and 3 stands for one of
// 200,001 or more. Its instances are listed and retrieved series by series, the instances the
// library holds skipped, by C-GET, by C-MOVE and over DICOMweb; progress and cancel still work; a
// single series past the bound is named with what to do, and the study's other series still come.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import type { DicomWebConnection, DimseConnection } from '../../electron/pacs/connections';
import { MAX_PENDING_ANSWERS } from '../../electron/pacs/dimse';
import { PacsError } from '../../electron/pacs/errors';
import { MAX_MATCHES } from '../../electron/pacs/query';
import { type RetrieveOptions, retrieveStudy } from '../../electron/pacs/retrieve';
import { writeSlice } from '../library/fixtures';
import { usePacsFixture } from './support';

const LISTED = 5;
const ROOT = '1.2.826.0.1.3680043.10.543.91';

interface Study {
  studyUid: string;
  series: { seriesUid: string; sopUids: string[] }[];
}

/** A study of series with `sizes` instances each, written by dump2dcm into `dir`. */
function dcmtkStudy(dir: string, key: number, sizes: number[]): { study: Study; files: string[] } {
  const studyUid = `${ROOT}.${key}`;
  const files: string[] = [];
  const series = sizes.map((size, s) => {
    const seriesUid = `${studyUid}.${s + 1}`;
    const sopUids = Array.from({ length: size }, (_, i) => `${seriesUid}.${i + 1}`);
    for (const [i, sopUid] of sopUids.entries()) {
      const file = path.join(dir, `${key}-${s + 1}-${i + 1}.dcm`);
      writeSlice(file, { patientName: 'LARGE^STUDY', patientId: `LARGE${key}`, studyUid, seriesUid, sopUid, seriesNumber: s + 1, instanceNumber: i + 1, z: i, rows: 8, columns: 8 });
      files.push(file);
    }
    return { seriesUid, sopUids };
  });
  return { study: { studyUid, series }, files };
}

const pacs = usePacsFixture('retrieve-large', { receiver: true });
const scratch = pacs.scratch;
/** 11 instances in series of 4, 4 and 3: past the lowered bound as a study, within it series by series. */
let large: Study;
/** A series of 7 (past the bound by itself) and one of 2. */
let oneTooLarge: Study;
let connection: DimseConnection;
const libraries: Library[] = [];

beforeAll(async () => {
  const dir = path.join(scratch, 'dicom');
  fs.mkdirSync(dir);
  const a = dcmtkStudy(dir, 1, [4, 4, 3]);
  const b = dcmtkStudy(dir, 2, [7, 2]);
  for (const file of [...a.files, ...b.files]) await pacs.orthanc.store(fs.readFileSync(file));
  [large, oneTooLarge] = [a.study, b.study];
  // Orthanc knows LUMEN (the fixture's receiver, where C-MOVE sends): it may find, get and move.
  connection = { name: 'orthanc', kind: 'dimse', calledAet: pacs.orthanc.aet, host: '127.0.0.1', port: pacs.orthanc.dicomPort, callingAet: 'LUMEN' };
}, 120_000);

afterAll(() => {
  for (const library of libraries) library.close();
});

function openLibrary(name: string): Library {
  const library = Library.open(path.join(scratch, name));
  libraries.push(library);
  return library;
}

const retrieve = (library: Library, study: Study, options: RetrieveOptions = {}, seriesUid?: string) =>
  retrieveStudy(connection, null, { studyUid: study.studyUid, seriesUid }, library, { timeoutMs: 20_000, maxListed: LISTED, ...options });

/** The SOP Instance UIDs filed under the library's pacs/<study>/<series>/, by series. */
function filed(library: Library, study: Study): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const { seriesUid } of study.series) {
    const dir = path.join(library.dir, 'pacs', study.studyUid, seriesUid);
    out[seriesUid] = fs.existsSync(dir) ? fs.readdirSync(dir).map((f) => f.replace(/\.dcm$/, '')).sort() : [];
  }
  return out;
}
const all = (study: Study) => Object.fromEntries(study.series.map((s) => [s.seriesUid, [...s.sopUids].sort()]));

describe('a study with more instances than one listing reads', () => {
  it('the production bounds are unchanged: 200,000 instances a listing, pending answers a little past that', () => {
    expect(MAX_MATCHES.instances).toBe(200_000);
    expect(MAX_PENDING_ANSWERS).toBe(MAX_MATCHES.instances + 1_000);
  });

  it('C-GET: listed and retrieved series by series, progress counting up to the whole study', async () => {
    const library = openLibrary('get');
    const progress: [number, number][] = [];
    const report = await retrieve(library, large, { via: 'get', onProgress: (done, total) => progress.push([done, total]) });
    expect(report).toMatchObject({ listed: 11, received: 11, alreadyPresent: 0, failed: 0, errors: [], stopped: null });
    expect(filed(library, large)).toEqual(all(large));
    expect(progress.at(-1)).toEqual([11, 11]);
    for (const [i, [done, total]] of progress.entries()) {
      expect(done).toBeLessThanOrEqual(total);
      if (i > 0) expect(done).toBeGreaterThanOrEqual(progress[i - 1][0]);
    }
    // Again: everything is held, nothing is asked for.
    expect(await retrieve(library, large, { via: 'get' })).toMatchObject({ listed: 11, received: 0, alreadyPresent: 11, failed: 0 });
  }, 120_000);

  it('cancelled midway: what came is kept, the other series are not asked for; the next retrieve fetches only the rest', async () => {
    const library = openLibrary('cancel');
    const stop = new AbortController();
    const first = await retrieve(library, large, { via: 'get', signal: stop.signal, onProgress: (done) => done >= 2 && stop.abort() });
    expect(first.stopped).toBe('cancelled');
    expect(first.received).toBeGreaterThanOrEqual(2);
    expect(first.received).toBeLessThan(8);
    // The third series was never reached.
    expect(filed(library, large)[large.series[2].seriesUid]).toEqual([]);
    const rest = await retrieve(library, large, { via: 'get' });
    expect(rest).toMatchObject({ listed: 11, alreadyPresent: first.received, received: 11 - first.received, failed: 0, stopped: null });
    expect(filed(library, large)).toEqual(all(large));
  }, 120_000);

  it('C-MOVE: the same, series by series, into the receiver started for the transfer', async () => {
    const library = openLibrary('move');
    // One series held already: the move asks only for the two others.
    const one = await retrieve(library, large, { via: 'move', receiver: { port: pacs.receiverPort, host: '127.0.0.1' } }, large.series[1].seriesUid);
    expect(one).toMatchObject({ listed: 4, received: 4, failed: 0, stopped: null });
    const report = await retrieve(library, large, { via: 'move', receiver: { port: pacs.receiverPort, host: '127.0.0.1' } });
    expect(report).toMatchObject({ listed: 11, received: 7, alreadyPresent: 4, failed: 0, errors: [], stopped: null });
    expect(filed(library, large)).toEqual(all(large));
  }, 120_000);

  it('DICOMweb (QIDO-RS, WADO-RS): the same, series by series', async () => {
    const library = openLibrary('web');
    const web: DicomWebConnection = { name: 'web', kind: 'dicomweb', url: pacs.orthanc.dicomWebUrl, auth: 'basic' };
    const credentials = { user: pacs.orthanc.user, password: pacs.orthanc.password };
    const report = await retrieveStudy(web, credentials, { studyUid: large.studyUid }, library, { timeoutMs: 20_000, maxListed: LISTED });
    expect(report).toMatchObject({ listed: 11, received: 11, alreadyPresent: 0, failed: 0, errors: [], stopped: null });
    expect(filed(library, large)).toEqual(all(large));
  }, 120_000);

  it('more series than the connection lists for one study: nothing retrieved, the cap to raise named', async () => {
    const library = openLibrary('series-cap');
    const err = await retrieveStudy({ ...connection, maxSeries: 2 }, null, { studyUid: large.studyUid }, library, { timeoutMs: 20_000, maxListed: LISTED, via: 'get' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PacsError);
    expect((err as PacsError).message).toBe(
      `Study ${large.studyUid} has more instances on PACS "orthanc" than Lumen lists at once, so Lumen retrieves it series by series, but it lists more series than the connection reads for one study; nothing was retrieved. Ask the PACS administrator why.`,
    );
    expect((err as PacsError).hint).toEqual({ code: 'raise-cap', setting: 'maxSeries', value: '2' });
    expect(filed(library, large)).toEqual(Object.fromEntries(large.series.map((s) => [s.seriesUid, []])));
  }, 120_000);

  it('one series past the bound: named with what to do, the study\'s other series still retrieved', async () => {
    const library = openLibrary('series');
    const [big, small] = oneTooLarge.series;
    const progress: [number, number][] = [];
    const report = await retrieve(library, oneTooLarge, { via: 'get', onProgress: (done, total) => progress.push([done, total]) });
    expect(report).toMatchObject({ received: 2, alreadyPresent: 0, failed: 7, listed: 9, stopped: null });
    // Progress ends complete: the series that cannot come is no longer counted.
    expect(progress.at(-1)).toEqual([2, 2]);
    expect(report.errors).toEqual([
      {
        sopInstanceUid: null,
        reason: `Series ${big.seriesUid} has more than ${LISTED} instances on PACS "orthanc", more than Lumen lists to retrieve one series; it was not retrieved. Ask the PACS administrator to split it into smaller series, or retrieve it with another DICOM tool.`,
      },
    ]);
    expect(filed(library, oneTooLarge)).toEqual({ [big.seriesUid]: [], [small.seriesUid]: [...small.sopUids].sort() });
    // Asked for by itself, the series is refused before anything is fetched.
    await expect(retrieve(library, oneTooLarge, { via: 'get' }, big.seriesUid)).rejects.toThrow(
      `Series ${big.seriesUid} has more than ${LISTED} instances on PACS "orthanc", more than Lumen lists to retrieve one series; it was not retrieved.`,
    );
  }, 120_000);
});
