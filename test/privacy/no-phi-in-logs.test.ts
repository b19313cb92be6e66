// No patient data in logs, progress lines, error messages or crash output. Files carry
// distinctive names, IDs, birth dates and accession numbers (in paths that carry none);
// the real CLI and the real bridge (engine process included) import, view, predict,
// evaluate and train with them, good and broken, and every line they print and every
// error and progress message they send is searched for those values. What a user asks
// to see (lumen ls, the study list, a job's result) may show them; nothing else may.
import { execFile, fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { bridgeMessage, bridgeReply } from '../support/bridge-socket';
import { ctSlice } from '../support/dicom/phantom';
import { dicomBytes, encapsulate, encapsulatedFile, writeImage, type ElementValue } from '../support/dicom/write';
import { writePhantomSet, type PhantomSet } from '../training/phantoms';

const run = promisify(execFile);
const repo = path.resolve(__dirname, '../..');

/** What must never show up, in any spelling a formatter might produce. */
const PHI = [/zebulon/i, /quixotic/i, /PID-7731-XQ/i, /19230417/, /1923-04-17/, /17\.04\.1923/, /04\/17\/1923/, /ACC-99817-Q/i];
const STUDY_UID = '1.2.826.0.1.3680043.10.77.1';
const SERIES_UID = `${STUDY_UID}.2`;
const BROKEN_SERIES_UID = `${STUDY_UID}.3`;

function phiElements(sop: string, series = SERIES_UID): Record<number, ElementValue> {
  return {
    0x00080018: { vr: 'UI', value: sop },
    0x00080050: { vr: 'SH', value: 'ACC-99817-Q' },
    0x00081030: { vr: 'LO', value: 'Zebulon Quixotic follow-up' },
    0x0008103e: { vr: 'LO', value: 'QUIXOTIC AXIAL' },
    0x00100010: { vr: 'PN', value: 'Zebulon^Quixotic' },
    0x00100020: { vr: 'LO', value: 'PID-7731-XQ' },
    0x00100030: { vr: 'DA', value: '19230417' },
    0x0020000d: { vr: 'UI', value: STUDY_UID },
    0x0020000e: { vr: 'UI', value: series },
  };
}

let root: string;
let dicom: string;
let dataDir: string;
/** Labels, packages: in the data folder, the one place besides imported folders that a bridge session may read. */
let inputs: string;
let phantoms: PhantomSet;
/** Everything printed or sent that must be free of patient data, tagged with where it came from. */
const seen: { where: string; text: string }[] = [];

function leaks(): string[] {
  const found: string[] = [];
  for (const { where, text } of seen) {
    for (const re of PHI) {
      const m = re.exec(text);
      if (m) found.push(`${where}: ${text.slice(Math.max(0, m.index - 120), m.index + 60)}`);
    }
  }
  return found;
}

async function lumen(args: string[], { watch = true } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let r: { code: number; stdout: string; stderr: string };
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(repo, 'bin/lumen.mjs'), ...args], {
      cwd: repo,
      env: { ...process.env, LUMEN_DATA_DIR: dataDir, LUMEN_DEBUG: '1' },
      maxBuffer: 64 * 1024 * 1024,
    });
    r = { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    r = { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
  seen.push({ where: `lumen ${args[0]} stderr`, text: r.stderr });
  if (watch) seen.push({ where: `lumen ${args[0]} stdout`, text: r.stdout });
  return r;
}

function slice(seed: number): Uint8Array {
  return new Uint8Array(ctSlice(32, 32, seed, 15).buffer);
}

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-phi-'));
  dicom = path.join(root, 'in');
  dataDir = path.join(root, 'data');
  inputs = path.join(dataDir, 'inputs');
  mkdirSync(inputs, { recursive: true });
  phantoms = writePhantomSet(path.join(dicom, 'phantoms'), { patients: 9, slices: 1, size: 32, seed: 11 });
  const own = path.join(dicom, 'case');
  mkdirSync(own);
  const image = { rows: 32, columns: 32, bitsAllocated: 16 as const, pixelRepresentation: 1 as const, modality: 'CT', rescaleSlope: 1, rescaleIntercept: 0 };
  for (let i = 1; i <= 2; i++) writeImage(path.join(own, `im${i}.dcm`), { ...image, pixelBytes: slice(i), extra: phiElements(`${SERIES_UID}.${i}`) });
  // Broken files with the patient's data in their headers: cut short in the pixel data,
  // cut short inside the header, an element whose length runs past the end, and a JPEG
  // whose compressed data is garbage (imports fine, fails when decoded).
  const whole = readFileSync(path.join(own, 'im1.dcm'));
  writeFileSync(path.join(own, 'cut-pixels.dcm'), whole.subarray(0, whole.length - 300));
  writeFileSync(path.join(own, 'cut-header.dcm'), whole.subarray(0, whole.indexOf(Buffer.from('PID-7731-XQ')) + 6));
  const overlong = Buffer.from(whole);
  const at = overlong.indexOf(Buffer.from('Zebulon^Quixotic'));
  overlong.writeUInt16LE(0xfff0, at - 2); // PatientName's 16-bit length
  writeFileSync(path.join(own, 'overlong.dcm'), overlong);
  const garbage = encapsulate([[Buffer.from('\xff\xd8 Zebulon^Quixotic PID-7731-XQ 19230417 not a JPEG \xff\xd9', 'latin1')]], { basicOffsetTable: true }).bytes;
  writeFileSync(
    path.join(own, 'bad-jpeg.dcm'),
    encapsulatedFile({ rows: 32, columns: 32, bitsAllocated: 8, pixelBytes: new Uint8Array(0), modality: 'CT' }, '1.2.840.10008.1.2.4.50', garbage, phiElements(`${BROKEN_SERIES_UID}.1`, BROKEN_SERIES_UID)),
  );
  // A transfer syntax UID that is not one: whatever sits there is the file's content, not ours to print.
  writeFileSync(path.join(own, 'bad-syntax.dcm'), dicomBytes(phiElements(`${SERIES_UID}.9`), 'Zebulon^Quixotic PID-7731-XQ'));
  // Labels: the phantoms and the patient by ID; a bad CSV names the patient where nothing matches.
  writeFileSync(path.join(inputs, 'labels.csv'), readFileSync(phantoms.csv, 'utf8') + `PID-7731-XQ,${SERIES_UID},round\n`);
  writeFileSync(path.join(inputs, 'bad.csv'), `PatientID,label\nPID-7731-XQ-2,round\n"Zebulon^Quixotic,round\nACC-99817-Q\n`);
  writeFileSync(path.join(inputs, 'no-header.csv'), `Zebulon^Quixotic,PID-7731-XQ,19230417,round\n`);
  writeFileSync(path.join(inputs, 'bad.lumenpkg'), 'Zebulon^Quixotic PID-7731-XQ 19230417 ACC-99817-Q, not an archive');
}, 60_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('no patient data in logs, progress or errors', () => {
  it('the lumen command: import, view, train, predict, evaluate, good and broken input', async () => {
    const imported = await lumen(['import', dicom]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/files not imported \(/);
    // The JSON report's error reasons are messages too.
    const report = await lumen(['import', dicom, '--json'], { watch: false });
    const errors: { file: string; reason: string }[] = JSON.parse(report.stdout).errors;
    expect(errors.map((e) => path.basename(e.file)).sort()).toEqual(['bad-syntax.dcm', 'cut-header.dcm', 'cut-pixels.dcm', 'overlong.dcm', 'phantoms-labels.csv']);
    seen.push({ where: 'lumen import --json errors', text: JSON.stringify(errors) });
    // The user's own listing shows the patient (that is what it is for), and is not searched.
    expect((await lumen(['ls'], { watch: false })).stdout).toContain('Zebulon^Quixotic');

    // Viewing: a good image, and each broken one.
    const own = path.join(dicom, 'case');
    const views = await Promise.all([
      lumen(['render', path.join(own, 'im1.dcm'), '--out', path.join(root, 'im1.png')]),
      lumen(['pixels', path.join(own, 'overlong.dcm'), '--out', path.join(root, 'x.raw')]),
      ...['cut-pixels.dcm', 'cut-header.dcm', 'overlong.dcm', 'bad-syntax.dcm', 'bad-jpeg.dcm'].map((name) => lumen(['render', path.join(own, name), '--out', path.join(root, `${name}.png`)])),
    ]);
    expect(views.map((v) => v.code !== 0)).toEqual([false, true, true, true, true, true, true]);

    // Training with the patient among the labelled ones, and with a bad CSV.
    const pkg = path.join(inputs, 'pkg');
    const trained = await lumen(['train', '--labels', path.join(inputs, 'labels.csv'), '--variant', 'custom-phi-10', '--resolution', '32', '--epochs', '2', '--seed', '2', '--out', pkg]);
    expect(trained.code, trained.stderr).toBe(0);
    // (An unknown window stops it right after the labels: a failing run, and a short one.)
    const badCsv = await lumen(['train', '--labels', path.join(inputs, 'bad.csv'), '--variant', 'custom-phi-10', '--window', 'no-such-window', '--out', path.join(root, 'pkg2')]);
    expect(badCsv.code).not.toBe(0);
    expect(badCsv.stderr).toMatch(/line 2: its PatientID is not in the library/);
    const noHeader = await lumen(['train', '--labels', path.join(inputs, 'no-header.csv'), '--variant', 'custom-phi-10', '--out', path.join(root, 'pkg3')]);
    expect(noHeader.code).not.toBe(0);
    expect(noHeader.stderr).toMatch(/no "label" column/);

    // Prediction and evaluation: the patient's series, a series that cannot be decoded, a bad package.
    const runs = await Promise.all([
      lumen(['predict', '--model', pkg, '--series', SERIES_UID]),
      lumen(['predict', '--model', pkg, '--series', BROKEN_SERIES_UID]),
      lumen(['predict', '--model', path.join(inputs, 'bad.lumenpkg'), '--series', SERIES_UID]),
      lumen(['predict', '--model', pkg, '--series', BROKEN_SERIES_UID, '--json']),
      lumen(['eval', '--model', pkg, '--labels', path.join(inputs, 'labels.csv'), '--subset', 'all']),
    ]);
    expect(runs.map((r) => r.code !== 0)).toEqual([false, true, true, true, false]);

    // No log files in the data folder carry it either (the library and the packages are data, not logs).
    for (const file of walk(dataDir)) {
      if (/\.(log|txt)$/i.test(file)) seen.push({ where: file, text: readFileSync(file, 'utf8') });
    }
    expect(leaks()).toEqual([]);
  }, 300_000);

  it('the bridge and the engine process: logs, error replies and job messages', async () => {
    seen.length = 0;
    const serve = await startServe();
    try {
      const ws = await serve.connect();
      const errors: string[] = [];
      const ask = async (method: string, input: unknown): Promise<any> => {
        const reply = await serve.call(ws, method, input);
        if (!reply.ok) errors.push(`${method}: ${reply.error.message}`);
        return reply;
      };
      const job = async (method: string, input: unknown): Promise<any> => {
        const reply = await ask(method, input);
        if (!reply.ok) return reply;
        return serve.jobEnd(ws, reply.value.jobId);
      };

      const imported = await job('library.import', { paths: [dicom] });
      expect(imported.event).toBe('job.finished');
      seen.push({ where: 'library.import errors', text: JSON.stringify(imported.payload.result.errors) });
      await ask('library.studies', { search: 'Zebulon' });
      await ask('library.importErrors', {});
      for (const sop of [`${SERIES_UID}.1`, `${BROKEN_SERIES_UID}.1`]) {
        await ask('viewer.frame', { seriesInstanceUid: sop.startsWith(BROKEN_SERIES_UID) ? BROKEN_SERIES_UID : SERIES_UID, sopInstanceUid: sop, frame: 0 });
      }
      await ask('library.thumbnail', { seriesInstanceUid: BROKEN_SERIES_UID });
      const labels = await ask('training.labels.importCsv', { path: path.join(inputs, 'bad.csv') });
      expect(labels.ok, labels.error?.message).toBe(true);
      expect(labels.value.problems.length).toBeGreaterThan(0);
      seen.push({ where: 'training.labels.importCsv problems', text: JSON.stringify(labels.value.problems) });
      await ask('training.labels.importCsv', { path: path.join(inputs, 'no-header.csv') });
      await ask('models.importPackage', { file: path.join(inputs, 'bad.lumenpkg') });
      const pkg = path.join(inputs, 'pkg');
      if (statSync(pkg, { throwIfNoEntry: false })) {
        await job('training.predict', { packageDir: pkg, seriesUid: BROKEN_SERIES_UID });
      }
      // A message that is not JSON, and one that is not a request, both holding the patient's name.
      ws.send('{"id": 1, "method": "library.studies", "input": {"search": "Zebulon^Quixotic"');
      ws.send(JSON.stringify({ id: 2, method: 'Zebulon^Quixotic', input: { search: 'PID-7731-XQ' } }));
      await ask('library.studies', { search: 'PID-7731-XQ', extra: 'ACC-99817-Q' });
      ws.close();
      seen.push({ where: 'bridge error replies', text: errors.join('\n') });
      seen.push({ where: 'job messages', text: serve.jobMessages.join('\n') });
    } finally {
      await serve.stop();
    }
    seen.push({ where: 'lumen serve stdout+stderr (bridge and engine)', text: serve.output() });
    expect(serve.output()).toMatch(/request|bridge|rejected/); // it did log
    expect(leaks()).toEqual([]);
  }, 300_000);
});

describe('the engine worker', () => {
  it('logs a malformed message from its owner without its content', async () => {
    const worker = fork(path.join(repo, 'electron/engine/worker-boot.mjs'), [], {
      env: { ...process.env, LUMEN_ENGINE_CONFIG: JSON.stringify({ dataDir: path.join(root, 'worker-data'), shell: 'browser', backend: null }) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let out = '';
    worker.stdout!.on('data', (d) => (out += d));
    worker.stderr!.on('data', (d) => (out += d));
    try {
      const lines: string[] = [];
      await new Promise<void>((resolve) => worker.on('message', (m: { type: string }) => m.type === 'ready' && resolve()));
      const logged = new Promise<void>((resolve) =>
        worker.on('message', (m: { type: string; line?: string }) => {
          if (m.type !== 'log') return;
          lines.push(m.line!);
          if (lines.length === 2) resolve();
        }),
      );
      worker.send({ type: 'request', id: 'Zebulon^Quixotic', method: 'library.studies', input: { search: 'PID-7731-XQ' } });
      worker.send({ type: 'Zebulon^Quixotic', input: { search: 'ACC-99817-Q 19230417' } });
      await logged;
      expect(lines).toEqual(['ignored a message that is not a request with a numeric id', 'ignored a message that is not a request with a numeric id']);
      seen.length = 0;
      seen.push({ where: 'engine worker output', text: out + lines.join('\n') });
      expect(leaks()).toEqual([]);
    } finally {
      const exited = new Promise((r) => worker.once('exit', r));
      worker.kill();
      await exited;
    }
  }, 60_000);
});

function walk(dir: string): string[] {
  let out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    out = statSync(p).isDirectory() ? out.concat(walk(p)) : out.concat(p);
  }
  return out;
}

/** `lumen serve` as a user starts it, with its output kept; the engine's own output goes there too. */
async function startServe() {
  const child: ChildProcess = spawn(process.execPath, [path.join(repo, 'bin/lumen.mjs'), 'serve', '--backend', 'cpu'], {
    cwd: repo,
    env: { ...process.env, LUMEN_DATA_DIR: dataDir, LUMEN_DEBUG: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`lumen serve did not start: ${out}`)), 60_000);
    const check = () => {
      const m = /serving at (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(new URL(m[1]));
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', () => reject(new Error(`lumen serve exited: ${out}`)));
  });
  const jobMessages: string[] = [];
  const ends = new Map<string, { event: string; payload: any }>();
  const waiting = new Map<string, (e: { event: string; payload: any }) => void>();
  let nextId = 100;
  return {
    jobMessages,
    output: () => out,
    connect(): Promise<WebSocket> {
      return new Promise((resolve, reject) => {
        const ws = new WebSocket(`ws://${url.host}/rpc?token=${url.searchParams.get('token')}`, { headers: { origin: url.origin } });
        ws.on('message', (data, isBinary) => {
          const msg = bridgeMessage(data, isBinary);
          if (!('event' in msg)) return;
          if (msg.event === 'job.progress') jobMessages.push(String(msg.payload.message));
          if (msg.event === 'job.failed') jobMessages.push(String(msg.payload.message));
          if (msg.event === 'engine.error') jobMessages.push(String(msg.payload.message));
          if (msg.event === 'job.finished' || msg.event === 'job.failed') {
            const end = { event: msg.event, payload: msg.payload };
            ends.set(msg.payload.jobId, end);
            waiting.get(msg.payload.jobId)?.(end);
          }
        });
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      });
    },
    call(ws: WebSocket, method: string, input: unknown): Promise<any> {
      const id = nextId++;
      return bridgeReply(ws, JSON.stringify({ id, method, input }), id);
    },
    jobEnd(_ws: WebSocket, jobId: string): Promise<{ event: string; payload: any }> {
      const done = ends.get(jobId);
      if (done) return Promise.resolve(done);
      return new Promise((resolve) => waiting.set(jobId, resolve));
    },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
