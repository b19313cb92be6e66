/**
 * The set-up the PACS tests share: `lumen` run as a user runs it (bin/lumen.mjs, its own data
 * folder), a real Orthanc started with studies in it and stopped after the file's tests, the
 * engine's requests for the app's side, and DICOM TLS certificates made by openssl.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { RequestInput, RequestName, RequestOutput } from '../../common/contract';
import { EngineHost } from '../../electron/engine/host';
import type { SafeStorageLike } from '../../electron/main/pacs-credentials';
import { freePort, generateStudy, type GeneratedStudy, type Orthanc, type OrthancOptions, orthancInstalled, startOrthanc } from '../support/orthanc';

export const root = path.resolve(__dirname, '../..');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `lumen <args>` with `dataDir` as its data folder; `stdin` is piped in (a password). */
export function lumen(dataDir: string, args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [path.join(root, 'bin/lumen.mjs'), ...args], { cwd: root, env: { ...process.env, LUMEN_DATA_DIR: dataDir }, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(stdin ?? '');
  });
}

export interface Listening {
  child: ChildProcess;
  /** What it printed so far (both streams). */
  output: () => string;
  /** Resolves once the output matches `pattern` (bounded). */
  waitFor: (pattern: RegExp, ms?: number) => Promise<void>;
  /** Ctrl-C; resolves with the exit code. */
  stop: () => Promise<number>;
}

/** `lumen pacs listen` as a child process on loopback only, resolved once it says it listens. */
export async function listen(dataDir: string, args: string[]): Promise<Listening> {
  const child = spawn(process.execPath, [path.join(root, 'bin/lumen.mjs'), 'pacs', 'listen', '--host', '127.0.0.1', ...args], { cwd: root, env: { ...process.env, LUMEN_DATA_DIR: dataDir } });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  const waitFor = async (pattern: RegExp, ms = 60_000) => {
    const deadline = Date.now() + ms;
    while (!pattern.test(output)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`lumen pacs listen did not print ${pattern}: ${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await waitFor(/Listening as/);
  return {
    child,
    output: () => output,
    waitFor,
    stop: async () => {
      child.kill('SIGINT');
      return exited;
    },
  };
}

/** The JSON a successful run printed; a failed run fails the test with what it said. */
export function json<T = any>(run: Run): T {
  if (run.code !== 0) throw new Error(`lumen exited ${run.code}: ${run.stderr}${run.stdout}`);
  return JSON.parse(run.stdout) as T;
}

export type StudySpec = Parameters<typeof generateStudy>[0];

export interface PacsFixture {
  /** A temporary folder for the file's tests, removed afterwards. */
  readonly scratch: string;
  readonly orthanc: Orthanc;
  /** The studies stored in Orthanc before the tests, in the order given. */
  readonly studies: GeneratedStudy[];
  /** With `receiver`: the loopback port Orthanc knows Lumen's receiver at (modality `lumen`, AE title LUMEN). */
  readonly receiverPort: number;
}

/**
 * A real Orthanc for one test file: started before its tests (with `studies` stored in it),
 * stopped and its scratch folder removed after them. `options` may be a function, called
 * once the scratch folder exists (e.g. to make certificates in it first). `receiver`: Orthanc
 * also knows Lumen's receiver, where C-MOVE sends and Orthanc pushes to, as the modality `lumen`
 * (AE title LUMEN) on a free loopback port.
 */
export function usePacsFixture(name: string, setup: { orthanc?: OrthancOptions | ((scratch: string) => OrthancOptions | Promise<OrthancOptions>); studies?: StudySpec[]; receiver?: boolean } = {}): PacsFixture {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `lumen-${name}-`));
  let orthanc: Orthanc | undefined;
  const studies: GeneratedStudy[] = [];
  let receiverPort: number | undefined;
  beforeAll(async () => {
    if (!orthancInstalled()) throw new Error("These tests need Debian's orthanc and orthanc-dicomweb (apt-get install orthanc orthanc-dicomweb; .ci/run does it).");
    let options = typeof setup.orthanc === 'function' ? await setup.orthanc(scratch) : setup.orthanc;
    if (setup.receiver) {
      receiverPort = await freePort();
      options = { ...options, modalities: { ...options?.modalities, lumen: { aet: 'LUMEN', port: receiverPort } } };
    }
    orthanc = await startOrthanc(options);
    for (const spec of setup.studies ?? []) {
      const generated = generateStudy(spec);
      for (const file of generated.files) await orthanc.store(file);
      studies.push(generated.study);
    }
  }, 120_000);
  afterAll(async () => {
    await orthanc?.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  });
  return {
    scratch,
    get orthanc() {
      if (!orthanc) throw new Error('Orthanc is not started yet (use the fixture inside a test or a later beforeAll).');
      return orthanc;
    },
    studies,
    get receiverPort() {
      if (receiverPort === undefined) throw new Error('No receiver: ask usePacsFixture for one (receiver: true) and use its port inside a test or a later beforeAll.');
      return receiverPort;
    },
  };
}

/** The engine's requests as the app makes them: `call` fails the test on an error reply, `failure` returns the error's message. */
export function engineRequests(host: () => EngineHost) {
  return {
    async call<K extends RequestName>(method: K, input: RequestInput<K>): Promise<RequestOutput<K>> {
      const reply = await host().request(method, input);
      if (!reply.ok) throw new Error(reply.error.message);
      return reply.value as RequestOutput<K>;
    },
    async failure(method: RequestName, input: unknown): Promise<string> {
      const reply = await host().request(method, input);
      if (reply.ok) throw new Error(`${method} did not fail`);
      return reply.error.message;
    },
  };
}

export interface EngineEvent {
  event: string;
  payload: any;
}

/**
 * The engine process as the app runs it (browser shell) on `dataDir`, for one test file: started
 * in a beforeAll, closed after the file's tests. `events` collects what it emits, in order;
 * `jobEnd` waits (60 s at most) for a job's job.finished or job.failed event.
 */
export function useEngineHost(dataDir: string) {
  let host: EngineHost | undefined;
  const events: EngineEvent[] = [];
  const current = () => {
    if (!host) throw new Error('The engine is not started yet (use it inside a test or a later beforeAll).');
    return host;
  };
  beforeAll(() => {
    host = new EngineHost({ dataDir, shell: 'browser' });
    host.onEvent((event, payload) => events.push({ event, payload }));
  });
  afterAll(async () => {
    await host?.close();
  });
  return {
    host: current,
    events,
    ...engineRequests(current),
    async jobEnd(jobId: string): Promise<EngineEvent> {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const end = events.find((e) => (e.event === 'job.finished' || e.event === 'job.failed') && e.payload.jobId === jobId);
        if (end) return end;
        if (Date.now() > deadline) throw new Error(`job ${jobId} did not end: ${JSON.stringify(events.slice(-3))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

/**
 * Test certificates made by openssl in `dir`: a CA per name in `cas`, and for each
 * `certs` entry a certificate (`<name>.crt`, `<name>.key`) signed by its CA, for 127.0.0.1
 * and localhost. Returns the path of a file in `dir`.
 */
export function makeCertificates(dir: string, cas: string[], certs: Record<string, string>): (file: string) => string {
  fs.mkdirSync(dir, { recursive: true });
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const ca of cas) openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${ca} test CA`, '-keyout', `${ca}-ca.key`, '-out', `${ca}-ca.crt`);
  for (const [name, ca] of Object.entries(certs)) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    fs.writeFileSync(path.join(dir, `${name}.ext`), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}-ca.crt`, '-CAkey', `${ca}-ca.key`, '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`);
  }
  return (file) => path.join(dir, file);
}

/** Orthanc's configuration for DICOM TLS with makeCertificates' files: its certificate `orthanc`, and a client certificate signed by the `test` CA required of whoever connects. */
export function orthancTlsConfig(cert: (file: string) => string): Record<string, unknown> {
  return {
    DicomTlsEnabled: true,
    DicomTlsCertificate: cert('orthanc.crt'),
    DicomTlsPrivateKey: cert('orthanc.key'),
    DicomTlsTrustedCertificates: cert('test-ca.crt'),
    DicomTlsRemoteCertificateRequired: true,
  };
}

/** Electron's safeStorage, as far as its shape goes: strings in, opaque buffers out. */
export function fakeSafeStorage(available = true): SafeStorageLike & { key: Buffer } {
  const key = crypto.randomBytes(32);
  return {
    key,
    isEncryptionAvailable: () => available,
    encryptString(plain) {
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    decryptString(sealed) {
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
      decipher.setAuthTag(sealed.subarray(12, 28));
      return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}
