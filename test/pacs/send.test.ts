// `lumen pacs send` (issue #17 point 5): an SR written by Lumen's results code sent to a real
// Orthanc by STOW-RS and by C-STORE, found there by its SOP Instance UID with its content;
// per-file statuses, checked paths, wrong credentials and a refused association.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDataset, writeDataset } from '../../electron/results/part10';
import { buildReport } from '../../electron/results/sr';
import { generateStudy, type Orthanc } from '../support/orthanc';
import { lumen, usePacsFixture } from './support';

// Only the modalities Orthanc knows may store (LUMEN does, STRANGER does not).
const pacs = usePacsFixture('pacs-send', { orthanc: { modalities: { lumen: { aet: 'LUMEN', port: 1 } }, config: { DicomAlwaysAllowStore: false } } });
const scratch = pacs.scratch;

let orthanc: Orthanc;
let dataDir: string;
let studyUid: string;

/** A TID 1500 SR of Lumen's about the generated study, written as `lumen export --results` writes it. */
function writeSr(dir: string, label: string): { file: string; sopInstanceUid: string } {
  const sourceFile = path.join(dir, `source-${label}.dcm`);
  const { files, study } = generateStudy({ key: 77, patientId: 'PID-SEND', patientName: 'Send^Test', accession: 'ACC-S', studyDate: '20250301', perSeries: 1 });
  fs.writeFileSync(sourceFile, files[0]);
  const source = readDataset(sourceFile, { headerOnly: true }).dataset;
  fs.rmSync(sourceFile);
  const sop = study.series[0].sopUids[0];
  const images = new Map([[sop, { studyInstanceUid: study.studyUid, seriesInstanceUid: study.series[0].seriesUid, sopInstanceUid: sop, sopClassUid: '1.2.840.10008.5.1.4.1.1.2', frames: 1 }]]);
  const report = buildReport({
    source,
    seriesInstanceUid: `2.25.${Date.now()}${Math.floor(Math.random() * 1000)}`,
    seriesNumber: 900,
    seriesDescription: 'Lumen results',
    instanceNumber: 1,
    images,
    labels: [{ targetKind: 'image', studyInstanceUid: study.studyUid, seriesInstanceUid: study.series[0].seriesUid, sopInstanceUid: sop, label, author: null, createdAt: '2026-01-01T00:00:00Z' }],
  });
  const file = path.join(dir, `sr-${label}.dcm`);
  fs.writeFileSync(file, writeDataset(report.dataset), { mode: 0o600 });
  studyUid = study.studyUid;
  return { file, sopInstanceUid: report.sopInstanceUid };
}

/** Orthanc's copy of an instance, by SOP Instance UID: its tags (simplified) or null. */
async function inOrthanc(sopInstanceUid: string): Promise<Record<string, unknown> | null> {
  const found = (await (await orthanc.rest('POST', '/tools/lookup', sopInstanceUid)).json()) as { ID: string; Type: string }[];
  const instance = found.find((f) => f.Type === 'Instance');
  if (!instance) return null;
  return (await (await orthanc.rest('GET', `/instances/${instance.ID}/simplified-tags`)).json()) as Record<string, unknown>;
}

beforeAll(async () => {
  orthanc = pacs.orthanc;
  dataDir = path.join(scratch, 'data');
  const web = await lumen(dataDir, ['pacs', 'add', '--name', 'web', '--dicomweb', orthanc.dicomWebUrl, '--user', orthanc.user, '--password-stdin'], orthanc.password);
  expect(web.code, web.stderr).toBe(0);
  const dimse = await lumen(dataDir, ['pacs', 'add', '--name', 'dimse', '--dimse', `${orthanc.aet}@127.0.0.1:${orthanc.dicomPort}`, '--calling-aet', 'LUMEN']);
  expect(dimse.code, dimse.stderr).toBe(0);
}, 120_000);

describe.each([
  ['web', 'STOW-RS'],
  ['dimse', 'C-STORE'],
])('lumen pacs send over %s', (pacs, protocol) => {
  it(`sends Lumen's SR by ${protocol}; Orthanc holds it with its UID and content`, async () => {
    const dir = path.join(scratch, `out-${pacs}`);
    fs.mkdirSync(dir, { recursive: true });
    const sr = writeSr(dir, `finding-${pacs}`);
    const run = await lumen(dataDir, ['pacs', 'send', '--pacs', pacs, sr.file, '--json']);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ pacs, protocol, stored: 1, failed: 0, skipped: 0, stopped: null, files: [{ file: sr.file, sopInstanceUid: sr.sopInstanceUid, status: 'stored' }] });

    const tags = await inOrthanc(sr.sopInstanceUid);
    expect(tags).toMatchObject({ SOPInstanceUID: sr.sopInstanceUid, SOPClassUID: '1.2.840.10008.5.1.4.1.1.88.33', StudyInstanceUID: studyUid, Modality: 'SR', SeriesDescription: 'Lumen results' });
    // The content tree arrived: the label is the Finding of the one measurement group.
    expect(JSON.stringify(tags)).toContain(`finding-${pacs}`);
    // The bytes Orthanc keeps are the file sent (same data set; STOW-RS and C-STORE both keep it whole).
    const id = ((await (await orthanc.rest('POST', '/tools/lookup', sr.sopInstanceUid)).json()) as { ID: string }[])[0].ID;
    const stored = Buffer.from(await (await orthanc.rest('GET', `/instances/${id}/file`)).arrayBuffer());
    const back = path.join(dir, 'back.dcm');
    fs.writeFileSync(back, stored);
    expect(readDataset(back).dataset).toEqual(readDataset(sr.file).dataset);
  }, 90_000);

  it('a folder: DICOM files sent, other files skipped, links not followed, each with its status', async () => {
    const dir = path.join(scratch, `folder-${pacs}`);
    fs.mkdirSync(path.join(dir, 'nested'), { recursive: true });
    const a = writeSr(dir, `a-${pacs}`);
    const b = writeSr(path.join(dir, 'nested'), `b-${pacs}`);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not DICOM');
    fs.symlinkSync('/etc/passwd', path.join(dir, 'link.dcm'));
    const copy = path.join(scratch, `copy-${pacs}.dcm`);
    fs.copyFileSync(a.file, copy);
    const run = await lumen(dataDir, ['pacs', 'send', '--pacs', pacs, dir, copy, path.join(scratch, 'missing.dcm'), '--json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ stored: 2, failed: 2, skipped: 2, stopped: null });
    const byFile = new Map(report.files.map((f: { file: string }) => [f.file, f]));
    expect(byFile.get(a.file)).toMatchObject({ status: 'stored', sopInstanceUid: a.sopInstanceUid });
    expect(byFile.get(b.file)).toMatchObject({ status: 'stored', sopInstanceUid: b.sopInstanceUid });
    expect(byFile.get(path.join(dir, 'notes.txt'))).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/not a DICOM Part 10 file/) });
    expect(byFile.get(path.join(dir, 'link.dcm'))).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/symbolic link/) });
    expect(byFile.get(copy)).toMatchObject({ status: 'failed', reason: expect.stringMatching(/has the SOP Instance UID of .*sent instead/) });
    expect(byFile.get(path.join(scratch, 'missing.dcm'))).toMatchObject({ status: 'failed', reason: expect.stringMatching(/does not exist|no such file/i) });
    expect(await inOrthanc(b.sopInstanceUid)).not.toBeNull();
  }, 90_000);
});

describe('lumen pacs send failures', () => {
  it('C-STORE: a SOP class the PACS does not take fails alone, with that reason; the rest is stored', async () => {
    const dir = path.join(scratch, 'out-class');
    fs.mkdirSync(dir, { recursive: true });
    const sr = writeSr(dir, 'class-ok');
    const odd = readDataset(sr.file).dataset;
    odd.SOPClassUID = '1.2.826.0.1.3680043.10.1717.999';
    odd.SOPInstanceUID = `${sr.sopInstanceUid}.9`;
    const oddFile = path.join(dir, 'odd-class.dcm');
    fs.writeFileSync(oddFile, writeDataset(odd));
    const run = await lumen(dataDir, ['pacs', 'send', '--pacs', 'dimse', oddFile, sr.file, '--json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ stored: 1, failed: 1, stopped: null });
    const byFile = new Map(report.files.map((f: { file: string }) => [f.file, f]));
    expect(byFile.get(oddFile)).toMatchObject({ status: 'failed', reason: 'the PACS did not accept its SOP class (1.2.826.0.1.3680043.10.1717.999) or transfer syntax on the association.' });
    expect(byFile.get(sr.file)).toMatchObject({ status: 'stored' });
    expect(await inOrthanc(sr.sopInstanceUid)).not.toBeNull();
  }, 60_000);

  it('wrong credentials (STOW-RS): a clear message, nothing stored, no secret shown', async () => {
    const other = path.join(scratch, 'data-wrong');
    await lumen(other, ['pacs', 'add', '--name', 'web', '--dicomweb', orthanc.dicomWebUrl, '--user', orthanc.user, '--password-stdin'], 'wrong-password-456');
    const dir = path.join(scratch, 'out-wrong');
    fs.mkdirSync(dir, { recursive: true });
    const sr = writeSr(dir, 'wrong');
    const run = await lumen(other, ['pacs', 'send', '--pacs', 'web', sr.file, '--json']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Stopped: PACS "web" refused the credentials \(HTTP 401\) when asked to store instances/);
    expect(JSON.parse(run.stdout)).toMatchObject({ stored: 0, failed: 1, files: [{ status: 'failed', reason: expect.stringMatching(/^not sent: PACS "web" refused the credentials/) }] });
    expect(run.stderr + run.stdout).not.toContain('wrong-password-456');
    expect(await inOrthanc(sr.sopInstanceUid)).toBeNull();
    // As text, with two files: the reason once, on "Stopped:", and the files not sent counted.
    const second = writeSr(dir, 'wrong-2');
    const text = await lumen(other, ['pacs', 'send', '--pacs', 'web', sr.file, second.file]);
    expect(text.code).toBe(1);
    expect((text.stdout + text.stderr).match(/refused the credentials/g)).toHaveLength(1);
    expect(text.stdout).toContain('  2 files not sent: the send stopped (below).');
    expect(text.stderr).toMatch(/^Stopped: PACS "web" refused the credentials/m);
  }, 60_000);

  it('a calling AE title Orthanc does not know (C-STORE): the refused association, said clearly', async () => {
    const other = path.join(scratch, 'data-stranger');
    await lumen(other, ['pacs', 'add', '--name', 'dimse', '--dimse', `${orthanc.aet}@127.0.0.1:${orthanc.dicomPort}`, '--calling-aet', 'STRANGER']);
    const dir = path.join(scratch, 'out-stranger');
    fs.mkdirSync(dir, { recursive: true });
    const sr = writeSr(dir, 'stranger');
    const run = await lumen(other, ['pacs', 'send', '--pacs', 'dimse', sr.file, '--timeout', '20', '--json']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Stopped: PACS "dimse" \(ORTHANC at 127\.0\.0\.1:\d+\) (refused|aborted) the association.*calling AE title "STRANGER"/);
    expect(await inOrthanc(sr.sopInstanceUid)).toBeNull();
  }, 60_000);

  it('names what cannot be sent: nothing given, a folder of no DICOM, a FIFO', async () => {
    const none = await lumen(dataDir, ['pacs', 'send', '--pacs', 'web']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/name the files or folders to send/);
    const fifo = path.join(scratch, 'fifo.dcm');
    await new Promise((r) => execFile('mkfifo', [fifo], r));
    const run = await lumen(dataDir, ['pacs', 'send', '--pacs', 'web', fifo, '--json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ stored: 0, failed: 1, files: [{ file: fifo, status: 'failed', reason: 'is not a regular file.' }] });
  }, 60_000);
});
