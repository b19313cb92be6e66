// Result documents are not images (T1-4, s16): a real Orthanc holds patient A's 5 CT images and
// Lumen's own results of them (predictions and measurements SR, a Parametric Map, written by the
// results writer from a real library). `lumen pacs retrieve` (DICOMweb) and the app's retrieve
// job (the PACS tab's words) say "5 images and 3 result documents", never "8 images"; the C-STORE
// receiver (`lumen pacs listen`) sent the images, the two SR and the Parametric Map says "5 images
// and 3 result documents", never counting a filed result as failed (it refused the map before:
// Parametric Map is not among dcmjs-dimse's storage SOP classes, so the receiver adds it). C-GET
// takes the same classes: test/pacs/cget-results-a17.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { retrieveCountsPhrase } from '../../common/retrieve-summary';
import { PATIENT_A, resultsLibrary, writeResultDocuments } from '../results/fixtures';
import { listen, lumen, useEngineHost, usePacsFixture } from './support';
import { appRetrieve, retrieveReport } from '../support/pacs-retrieve';

const pacs = usePacsFixture('retrieve-counts-results', { receiver: true });
const dataDir = path.join(pacs.scratch, 'data');
const engine = useEngineHost(path.join(pacs.scratch, 'app-data'));
const STUDY = PATIENT_A.studyUid;
/** Orthanc's IDs of the images, the two SR and the map (what the receiver is sent). */
const pushable: string[] = [];

beforeAll(async () => {
  const lib = await resultsLibrary('retrieve-counts-results');
  const out = path.join(pacs.scratch, 'results');
  try {
    await writeResultDocuments(lib, out, '2.25.9878', (i, rows, columns) => i / (rows * columns));
    const instances = lib.library.listInstances(PATIENT_A.seriesUid);
    for (const i of instances) pushable.push(await pacs.orthanc.store(fs.readFileSync(i.path)));
  } finally {
    lib.library.close();
  }
  const documents = fs.readdirSync(out).filter((f) => f.endsWith('.dcm'));
  expect(documents).toHaveLength(3);
  for (const f of documents) {
    pushable.push(await pacs.orthanc.store(fs.readFileSync(path.join(out, f))));
  }
  const { orthanc } = pacs;
  const web = await lumen(dataDir, ['pacs', 'add', '--name', 'web', '--dicomweb', orthanc.dicomWebUrl, '--user', orthanc.user, '--password-stdin'], orthanc.password + '\n');
  expect(web.code, web.stderr).toBe(0);
}, 240_000);

describe('result documents are said apart from images', () => {
  it('lumen pacs retrieve: 5 images and 3 result documents', async () => {
    const library = path.join(pacs.scratch, 'library-web');
    const run = await lumen(dataDir, ['pacs', 'retrieve', '--pacs', 'web', STUDY, '--library', library]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^5 images and 3 result documents retrieved \\(of 8 files listed\\) in [\\d.]+ s; library ${library}\\.\\n$`));
    const ls = await lumen(dataDir, ['ls', '--library', library]);
    expect(ls.stdout).toContain('5 images');
    const again = await retrieveReport(dataDir, 'web', STUDY, path.join(pacs.scratch, 'library-json'));
    expect(again).toMatchObject({ listed: 8, received: 8, receivedImages: 5, receivedResults: 3, failed: 0 });
  }, 240_000);

  it("the app's retrieve job reports the result documents, and the PACS tab's words for them", async () => {
    const report = await appRetrieve(engine, pacs.orthanc, STUDY);
    expect(report).toMatchObject({ listed: 8, received: 8, receivedImages: 5, receivedResults: 3, failed: 0, stopped: null });
    expect(retrieveCountsPhrase(report)).toBe('5 images and 3 result documents retrieved (of 8 files listed)');
  }, 180_000);

  it('lumen pacs listen: what Orthanc pushes is 5 images and 3 result documents, none failed', async () => {
    const { orthanc } = pacs;
    expect(pushable).toHaveLength(8);
    const library = path.join(pacs.scratch, 'library-listen');
    const receiver = await listen(path.join(pacs.scratch, 'data-listen'), ['--aet', 'LUMEN', '--port', String(pacs.receiverPort), '--library', library, '--allow', 'ORTHANC']);
    const pushed = await orthanc.rest('POST', '/modalities/lumen/store', JSON.stringify(pushable));
    expect(pushed.ok, await pushed.text()).toBe(true);
    // Orthanc may push the images and the results on one association or on several: the lines add up.
    const received = (what: string) => [...receiver.output().matchAll(new RegExp(`received (?:(\\d+) images?)?(?: and )?(?:(\\d+) result documents?)? from "ORTHANC"`, 'g'))].reduce((n, m) => n + Number((what === 'images' ? m[1] : m[2]) ?? 0), 0);
    await expect.poll(() => [received('images'), received('results')], { timeout: 60_000 }).toEqual([5, 3]);
    expect(await receiver.stop()).toBe(0);
    expect(receiver.output()).toMatch(/Stopped: 5 images and 3 result documents received, 0 files failed, 0 associations refused\./);
  }, 180_000);
});
