// What receiving one large instance costs in memory: `lumen pacs listen` (its own process) receives a
// 200 MiB CT image from dcmtk's storescu and files it into its library, and `lumen pacs retrieve
// --via get` fetches the same image from a real Orthanc by C-GET. The receiver's peak resident
// memory (VmHWM) above what it held before (VmRSS) is read from /proc; the retrieve's peak (GNU
// time's maximum resident set size) above that of `lumen pacs list`. Figures are printed; the
// bound checked is the one receive-bounds.ts promises (under twice the instance's size).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { dicomBytes } from '../support/dicom/write';
import { freePort, orthancInstalled, startOrthanc } from '../support/orthanc';
import { listen, lumen, root } from './support';

const run = promisify(execFile);
const MIB = 1024 * 1024;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'lumen-receive-memory-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A field of /proc/<pid>/status, in bytes. */
function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? NaN) * 1024;
}

const study = '1.2.826.0.1.3680043.10.543.5';

/** A CT image of 10240 x 10240 x 16 bits: 200 MiB of pixel data. */
function largeInstance(): string {
  const side = 10_240;
  const file = path.join(scratch, 'large.dcm');
  writeFileSync(
    file,
    dicomBytes({
        0x00080016: { vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.2' },
        0x00080018: { vr: 'UI', value: `${study}.1.1` },
        0x00080060: { vr: 'CS', value: 'CT' },
        0x00100020: { vr: 'LO', value: 'LARGE' },
        0x0020000d: { vr: 'UI', value: study },
        0x0020000e: { vr: 'UI', value: `${study}.1` },
        0x00280002: { vr: 'US', value: 1 },
        0x00280004: { vr: 'CS', value: 'MONOCHROME2' },
        0x00280010: { vr: 'US', value: side },
        0x00280011: { vr: 'US', value: side },
        0x00280100: { vr: 'US', value: 16 },
        0x00280101: { vr: 'US', value: 16 },
        0x00280102: { vr: 'US', value: 15 },
        0x00280103: { vr: 'US', value: 0 },
        0x7fe00010: { vr: 'OW', value: new Uint8Array(side * side * 2).fill(7) },
      }),
  );
  return file;
}

/** GNU time's maximum resident set size of `lumen <args>`, in bytes; the command must succeed. */
async function peakOf(dataDir: string, args: string[]): Promise<number> {
  const { stderr } = await run('/usr/bin/time', ['-v', process.execPath, path.join(root, 'bin/lumen.mjs'), ...args], { cwd: root, env: { ...process.env, LUMEN_DATA_DIR: dataDir }, timeout: 300_000 }).catch((err: { stdout?: string; stderr?: string }) => {
    throw new Error(`lumen ${args.join(' ')} failed: ${err.stdout ?? ''}${(err.stderr ?? '').split('\tCommand being timed')[0]}`);
  });
  return Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1] ?? NaN) * 1024;
}

describe('receiving a 200 MiB instance over DIMSE', () => {
  it('peaks under twice its size above what the receiver held before', async () => {
    const file = largeInstance();
    const size = statSync(file).size;
    const port = await freePort();
    const receiver = await listen(path.join(scratch, 'data'), ['--aet', 'LUMEN', '--port', String(port), '--library', path.join(scratch, 'library'), '--allow', 'SENDER']);
    try {
      const pid = receiver.child.pid!;
      const before = procStatus(pid, 'VmRSS');
      await run('storescu', ['-aet', 'SENDER', '-aec', 'LUMEN', '-xs', '127.0.0.1', String(port), file], { timeout: 300_000 });
      await receiver.waitFor(/received 1 image from "SENDER"/, 300_000);
      const peak = procStatus(pid, 'VmHWM');
      const extra = (peak - before) / size;
      console.log(`receive ${Math.round(size / MIB)} MiB instance: RSS before ${Math.round(before / MIB)} MiB, peak ${Math.round(peak / MIB)} MiB, peak above before ${extra.toFixed(2)}x the instance`);
      expect(extra).toBeLessThan(2);
    } finally {
      await receiver.stop();
    }
  }, 600_000);
});

describe('retrieving a 200 MiB instance by C-GET', () => {
  it('peaks under twice its size above what lumen pacs list takes', async () => {
    if (!orthancInstalled()) throw new Error("This test needs Debian's orthanc (apt-get install orthanc orthanc-dicomweb; .ci/run does it).");
    const file = largeInstance();
    const size = statSync(file).size;
    // Orthanc lets only the modalities it knows query and get.
    const orthanc = await startOrthanc({ modalities: { lumen: { aet: 'LUMEN', port: await freePort() } } });
    try {
      await orthanc.store(readFileSync(file));
      const dataDir = path.join(scratch, 'data-get');
      const added = await lumen(dataDir, ['pacs', 'add', '--name', 'orthanc', '--dimse', `${orthanc.aet}@127.0.0.1:${orthanc.dicomPort}`, '--calling-aet', 'LUMEN']);
      expect(added.code, added.stderr).toBe(0);
      const idle = await peakOf(dataDir, ['pacs', 'list', '--json']);
      const peak = await peakOf(dataDir, ['pacs', 'retrieve', '--pacs', 'orthanc', study, '--via', 'get', '--library', path.join(scratch, 'library-get'), '--json']);
      const extra = (peak - idle) / size;
      console.log(`C-GET ${Math.round(size / MIB)} MiB instance: lumen pacs list peak ${Math.round(idle / MIB)} MiB, retrieve peak ${Math.round(peak / MIB)} MiB, above list ${extra.toFixed(2)}x the instance`);
      expect(extra).toBeLessThan(2);
    } finally {
      await orthanc.stop();
    }
  }, 600_000);
});
