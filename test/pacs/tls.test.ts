// DICOM TLS (issue #17 point 1): a real Orthanc with DicomTlsEnabled and certificates made
// here by openssl (a test CA, Orthanc's certificate for 127.0.0.1, Lumen's client
// certificate); query, C-GET and C-STORE over TLS, and clear messages when the certificates
// do not fit.
import { execFileSync, execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateStudy, type GeneratedStudy, type Orthanc, orthancInstalled, startOrthanc } from '../support/orthanc';

const root = path.resolve(__dirname, '../..');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-pacs-tls-'));
const certs = path.join(scratch, 'certs');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function lumen(dataDir: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [path.join(root, 'bin/lumen.mjs'), ...args], { cwd: root, env: { ...process.env, LUMEN_DATA_DIR: dataDir }, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end();
  });
}

function json<T = any>(run: Run): T {
  if (run.code !== 0) throw new Error(`lumen exited ${run.code}: ${run.stderr}${run.stdout}`);
  return JSON.parse(run.stdout) as T;
}

const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: certs, stdio: ['ignore', 'pipe', 'pipe'] });

/** A CA, and a certificate it signs for `name` (with 127.0.0.1 as its address). */
function makeCa(name: string): void {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name} test CA`, '-keyout', `${name}-ca.key`, '-out', `${name}-ca.crt`);
}
function makeCert(ca: string, name: string): void {
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
  fs.writeFileSync(path.join(certs, `${name}.ext`), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}-ca.crt`, '-CAkey', `${ca}-ca.key`, '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`);
}

let orthanc: Orthanc;
let study: GeneratedStudy;
let dataDir: string;
const cert = (f: string) => path.join(certs, f);

beforeAll(async () => {
  if (!orthancInstalled()) throw new Error("These tests need Debian's orthanc and orthanc-dicomweb (apt-get install orthanc orthanc-dicomweb; .ci/run does it).");
  fs.mkdirSync(certs);
  makeCa('test');
  makeCert('test', 'orthanc');
  makeCert('test', 'lumen');
  makeCa('other');
  orthanc = await startOrthanc({
    modalities: { lumen: { aet: 'LUMEN', port: 1 } },
    config: {
      DicomTlsEnabled: true,
      DicomTlsCertificate: cert('orthanc.crt'),
      DicomTlsPrivateKey: cert('orthanc.key'),
      DicomTlsTrustedCertificates: cert('test-ca.crt'),
      DicomTlsRemoteCertificateRequired: true,
    },
  });
  const generated = generateStudy({ key: 41, patientId: 'PID-T', patientName: 'Tls^Test', accession: 'ACC-T', studyDate: '20250506', perSeries: 2 });
  for (const file of generated.files) await orthanc.store(file);
  study = generated.study;
  dataDir = path.join(scratch, 'data');
  const address = `${orthanc.aet}@127.0.0.1:${orthanc.dicomPort}`;
  const add = await lumen(dataDir, ['pacs', 'add', '--name', 'tls', '--dimse', address, '--tls', '--tls-ca', cert('test-ca.crt'), '--tls-cert', cert('lumen.crt'), '--tls-key', cert('lumen.key')]);
  expect(add.code, add.stderr).toBe(0);
  // The same PACS with a CA that did not sign its certificate, without Lumen's certificate, and without TLS.
  expect((await lumen(dataDir, ['pacs', 'add', '--name', 'wrong-ca', '--dimse', address, '--tls', '--tls-ca', cert('other-ca.crt'), '--tls-cert', cert('lumen.crt'), '--tls-key', cert('lumen.key')])).code).toBe(0);
  expect((await lumen(dataDir, ['pacs', 'add', '--name', 'no-cert', '--dimse', address, '--tls', '--tls-ca', cert('test-ca.crt')])).code).toBe(0);
  expect((await lumen(dataDir, ['pacs', 'add', '--name', 'plain', '--dimse', address])).code).toBe(0);
}, 120_000);

afterAll(async () => {
  await orthanc?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe('DIMSE over TLS against Orthanc with DicomTlsEnabled', () => {
  it('the connection keeps its TLS files; C-FIND, C-GET and C-STORE work over TLS', async () => {
    const listed = json<any[]>(await lumen(dataDir, ['pacs', 'list', '--json']));
    expect(listed[0]).toMatchObject({ name: 'tls', tls: { ca: cert('test-ca.crt'), cert: cert('lumen.crt'), key: cert('lumen.key') } });

    const found = json<any[]>(await lumen(dataDir, ['pacs', 'query', '--pacs', 'tls', '--patient-id', 'PID-T', '--json']));
    expect(found.map((s) => s.StudyInstanceUID)).toEqual([study.studyUid]);

    const library = path.join(scratch, 'library');
    const got = json(await lumen(dataDir, ['pacs', 'retrieve', '--pacs', 'tls', study.studyUid, '--library', library, '--json']));
    expect(got).toMatchObject({ listed: 2, received: 2, failed: 0, stopped: null });

    const generated = generateStudy({ key: 42, patientId: 'PID-T2', patientName: 'Tls^Sent', accession: 'ACC-T2', studyDate: '20250507', perSeries: 1 });
    const file = path.join(scratch, 'send.dcm');
    fs.writeFileSync(file, generated.files[0]);
    const sent = json(await lumen(dataDir, ['pacs', 'send', '--pacs', 'tls', file, '--json']));
    expect(sent).toMatchObject({ protocol: 'C-STORE', stored: 1, failed: 0 });
    const lookup = (await (await orthanc.rest('POST', '/tools/lookup', generated.study.series[0].sopUids[0])).json()) as unknown[];
    expect(lookup).toHaveLength(1);
  }, 150_000);

  it('a server certificate the CA file did not sign: a clear message, no library text', async () => {
    const run = await lumen(dataDir, ['pacs', 'query', '--pacs', 'wrong-ca', '--timeout', '20']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot open a TLS association with PACS "wrong-ca" .*: the server's TLS certificate is not signed by the CA file of the connection/);
    expect(run.stderr).not.toMatch(/Connection error|self[- ]signed|unable to verify|Error:/i);
  }, 60_000);

  it('no client certificate where Orthanc requires one: a clear message', async () => {
    const run = await lumen(dataDir, ['pacs', 'query', '--pacs', 'no-cert', '--timeout', '20']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot open a TLS association with PACS "no-cert" .*: the TLS handshake was refused: the server may require a client certificate \(--tls-cert and --tls-key\)/);
    expect(run.stderr).not.toMatch(/Error:|at .*\.js/);
  }, 60_000);

  it('a plain association to the TLS port fails with a message, not a hang', async () => {
    const run = await lumen(dataDir, ['pacs', 'query', '--pacs', 'plain', '--timeout', '10']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/the connection to PACS "plain" \(ORTHANC at 127\.0\.0\.1:\d+\) failed when asked to query studies: if the PACS takes only DICOM TLS, add the connection again with --tls/);
  }, 60_000);

  it('add checks the TLS files at once', async () => {
    const other = path.join(scratch, 'data-bad');
    const address = `${orthanc.aet}@127.0.0.1:${orthanc.dicomPort}`;
    const missing = await lumen(other, ['pacs', 'add', '--name', 'x', '--dimse', address, '--tls', '--tls-ca', cert('nope.crt')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--tls-ca .*nope\.crt: cannot be read/);
    const half = await lumen(other, ['pacs', 'add', '--name', 'x', '--dimse', address, '--tls', '--tls-cert', cert('lumen.crt')]);
    expect(half.stderr).toMatch(/--tls-cert and --tls-key go together/);
    const notPem = await lumen(other, ['pacs', 'add', '--name', 'x', '--dimse', address, '--tls', '--tls-ca', cert('lumen.ext')]);
    expect(notPem.stderr).toMatch(/is not a PEM file/);
    const web = await lumen(other, ['pacs', 'add', '--name', 'x', '--dicomweb', orthanc.dicomWebUrl, '--tls']);
    expect(web.stderr).toMatch(/--tls is for a --dimse connection/);
  }, 60_000);
});
