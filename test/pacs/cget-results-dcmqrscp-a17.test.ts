// C-GET brings result documents back from a strict C-GET SCP too (s17, task A): DCMTK's dcmqrscp
// sends an instance back only on a presentation context the requestor proposed with the SCP role
// (role selection, PS3.4 C.4.3.1), where Orthanc sends on any accepted context. It holds patient
// A's 5 CT images and Lumen's own results of them (the predictions and measurements SR and a
// Parametric Map), indexed by dcmqridx. Before, dcmjs-dimse proposed only its own frozen storage
// classes, and dcmjs-dimse's addAdditionalPresentationContext adds a context without a role:
// either way dcmqrscp logs "No presentation context with requestor SCP role" for the map and the
// retrieve says 1 file not sent. Lumen's CGetClient proposes it with the SCP role.
import { type ChildProcess, execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { PATIENT_A, resultsLibrary, writeResultDocuments } from '../results/fixtures';
import { startDcmqrscp } from '../support/dcmqrscp';
import { freePort } from '../support/orthanc';
import { lumen } from './support';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-cget-dcmqrscp-a17-'));
const run = promisify(execFile);
const dataDir = path.join(scratch, 'data');
const STUDY = PATIENT_A.studyUid;
let qr: ChildProcess | undefined;

beforeAll(async () => {
  const db = path.join(scratch, 'db');
  fs.mkdirSync(db);
  const lib = await resultsLibrary('cget-dcmqrscp-a17', path.join(scratch, 'source-library'));
  try {
    await writeResultDocuments(lib, db, '2.25.917018', (i, rows, columns) => i / (rows * columns));
    for (const [n, i] of lib.library.listInstances(PATIENT_A.seriesUid).entries()) fs.copyFileSync(i.path, path.join(db, `image-${n}.dcm`));
  } finally {
    lib.library.close();
  }
  const files = fs.readdirSync(db).filter((f) => f.endsWith('.dcm'));
  expect(files).toHaveLength(8);
  await run('dcmqridx', [db, ...files.map((f) => path.join(db, f))]);
  const port = await freePort();
  qr = await startDcmqrscp({ scratch, db, port });
  const add = await lumen(dataDir, ['pacs', 'add', '--name', 'qr', '--dimse', `QRSCP@127.0.0.1:${port}`, '--calling-aet', 'LUMEN']);
  expect(add.code, add.stderr).toBe(0);
}, 240_000);

afterAll(() => {
  qr?.kill('SIGTERM');
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe('C-GET from a PACS that checks the SCP role', () => {
  it('the Parametric Map comes back with the images and the SR, and the library lists it', async () => {
    const library = path.join(scratch, 'library');
    const get = await lumen(dataDir, ['pacs', 'retrieve', '--pacs', 'qr', STUDY, '--via', 'get', '--library', library]);
    expect(get.code, get.stdout + get.stderr).toBe(0);
    expect(get.stdout).toMatch(new RegExp(`^5 images and 3 result documents retrieved \\(of 8 files listed\\) in [\\d.]+ s; library ${library}\\.\\n$`));
    const opened = Library.open(library);
    try {
      expect(opened.studyResults(STUDY).map((r) => r.kind).sort()).toEqual(['parametric-map', 'sr', 'sr']);
    } finally {
      opened.close();
    }
  }, 120_000);
});
