// Send to PACS with progress and a stop (electron/pacs/send.ts): a real Orthanc stores a generated
// study by STOW-RS and by C-STORE. The progress callback counts each file as the PACS answers it,
// in order, ending at the count sent; a stop asked for midway ends the send after the file in
// flight, and the report's stored files are exactly what Orthanc then holds, the rest notSent.
// `lumen pacs send` on a terminal redraws its count line as each file is answered (under
// script(1), a real pseudo-terminal); on a pipe it prints no progress.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PacsConnection } from '../../electron/pacs/connections';
import { sendFiles } from '../../electron/pacs/send';
import { generateStudy, heldInstances, type Orthanc } from '../support/orthanc';
import { lumen, usePacsFixture } from './support';

const pacs = usePacsFixture('send-progress', { orthanc: { modalities: { lumen: { aet: 'LUMEN', port: 1 } }, config: { DicomAlwaysAllowStore: false } } });
let orthanc: Orthanc;

/** A study of `count` CT images written to a folder of its own; the files in order and their SOP Instance UIDs. */
function writeStudy(key: number, count: number): { files: string[]; uids: string[] } {
  const dir = path.join(pacs.scratch, `study-${key}`);
  fs.mkdirSync(dir);
  const { files, study } = generateStudy({ key, patientId: `PID-P${key}`, patientName: 'Send^Progress', accession: `ACC-P${key}`, studyDate: '20250401', perSeries: count });
  const names = files.map((bytes, i) => {
    const file = path.join(dir, `im-${String(i + 1).padStart(3, '0')}.dcm`);
    fs.writeFileSync(file, bytes);
    return file;
  });
  return { files: names, uids: study.series[0].sopUids };
}

/** Which of `uids` Orthanc holds. */
const held = (uids: string[]) => heldInstances(orthanc, uids);

const connections = (): Record<'STOW-RS' | 'C-STORE', PacsConnection> => ({
  'STOW-RS': { name: 'web', kind: 'dicomweb', url: orthanc.dicomWebUrl, auth: 'basic' },
  'C-STORE': { name: 'dimse', kind: 'dimse', calledAet: orthanc.aet, host: '127.0.0.1', port: orthanc.dicomPort, callingAet: 'LUMEN' },
});
const credentials = () => ({ user: orthanc.user, password: orthanc.password });

beforeAll(() => {
  orthanc = pacs.orthanc;
});

describe.each([
  ['STOW-RS', 301, 302],
  ['C-STORE', 311, 312],
] as const)('sending by %s', (protocol, wholeKey, stopKey) => {
  it('counts each file as the PACS answers it, in order, ending at the count sent', async () => {
    const { files, uids } = writeStudy(wholeKey, 12);
    const seen: [number, number][] = [];
    const report = await sendFiles(connections()[protocol], credentials(), files, { onProgress: (done, total) => seen.push([done, total]) });
    expect(report).toMatchObject({ protocol, stored: 12, failed: 0, stopped: null });
    // One event per file: each one more than the last, of the 12 found.
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => [i + 1, 12]));
    expect((await held(uids)).sort()).toEqual([...uids].sort());
  }, 120_000);

  it('a stop midway ends after the file in flight: what it reports stored is what Orthanc holds, the rest not sent', async () => {
    const { files, uids } = writeStudy(stopKey, 12);
    const stop = new AbortController();
    const seen: number[] = [];
    const report = await sendFiles(connections()[protocol], credentials(), files, {
      stop: stop.signal,
      onProgress: (done) => {
        seen.push(done);
        // Cancel pressed as the third file is answered.
        if (done === 3) stop.abort();
      },
    });
    expect(seen).toEqual([1, 2, 3]);
    expect(report).toMatchObject({ protocol, stored: 3, failed: 9, stopped: 'cancelled' });
    const stored = report.files.filter((f) => f.status === 'stored').map((f) => f.sopInstanceUid);
    expect(stored).toEqual(uids.slice(0, 3));
    const notSent = report.files.filter((f) => f.notSent);
    expect(notSent.map((f) => f.file)).toEqual(files.slice(3));
    for (const f of notSent) expect(f).toMatchObject({ status: 'failed', reason: 'not sent: cancelled.' });
    expect((await held(uids)).sort()).toEqual([...uids.slice(0, 3)].sort());
  }, 120_000);
});

describe('lumen pacs send on a terminal and on a pipe', () => {
  it('redraws "Sending… k/n" on stderr for each file answered on a terminal, and prints no progress on a pipe', async () => {
    const dataDir = path.join(pacs.scratch, 'cli-data');
    const added = await lumen(dataDir, ['pacs', 'add', '--name', 'dimse', '--dimse', `${orthanc.aet}@127.0.0.1:${orthanc.dicomPort}`, '--calling-aet', 'LUMEN']);
    expect(added.code, added.stderr).toBe(0);
    const { files, uids } = writeStudy(321, 6);
    const folder = path.dirname(files[0]);
    const root = path.resolve(__dirname, '../..');
    const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
    // script(1) gives the command a terminal for stdout and stderr alike; what it wrote comes back on its stdout.
    const typed = await new Promise<{ code: number; out: string }>((resolve) =>
      execFile(
        'script',
        ['-qec', `${quote(process.execPath)} ${quote(path.join(root, 'bin/lumen.mjs'))} pacs send --pacs dimse ${quote(folder)}`, '/dev/null'],
        { cwd: root, env: { ...process.env, LUMEN_DATA_DIR: dataDir }, timeout: 120_000 },
        (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout }),
      ),
    );
    expect(typed.code, typed.out).toBe(0);
    // Each count, in order, each redrawn over the last (carriage return, erase line).
    const redrawn = new RegExp(`\r${String.fromCharCode(0x1b)}\\[2KSending… (\\d+)/6`, 'g');
    expect([...typed.out.matchAll(redrawn)].map((m) => Number(m[1]))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(typed.out).toMatch(/6 stored, 0 failed, 0 skipped \(not DICOM objects\) on "dimse" by C-STORE in [\d.]+ s\./);
    expect((await held(uids)).sort()).toEqual([...uids].sort());

    // On a pipe (or with --json): the report alone.
    const piped = await lumen(dataDir, ['pacs', 'send', '--pacs', 'dimse', folder]);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stderr).toBe('');
    expect(piped.stdout).toMatch(/^6 stored, 0 failed, 0 skipped \(not DICOM objects\) on "dimse" by C-STORE in [\d.]+ s\.\n$/);
  }, 180_000);
});
