// DICOM TLS (issue #17 point 1): a real Orthanc with DicomTlsEnabled and certificates made
// here by openssl (a test CA, Orthanc's certificate for 127.0.0.1, Lumen's client
// certificate); query, C-GET and C-STORE over TLS, and clear messages when the certificates
// do not fit.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateStudy, type GeneratedStudy, type Orthanc } from '../support/orthanc';
import { json, lumen, makeCertificates, orthancTlsConfig, usePacsFixture } from './support';

let cert: (file: string) => string = () => '';
const pacs = usePacsFixture('pacs-tls', {
  orthanc: (scratch) => {
    cert = makeCertificates(path.join(scratch, 'certs'), ['test', 'other'], { orthanc: 'test', lumen: 'test' });
    return {
      modalities: { lumen: { aet: 'LUMEN', port: 1 } },
      config: orthancTlsConfig(cert),
    };
  },
  studies: [{ key: 41, patientId: 'PID-T', patientName: 'Tls^Test', accession: 'ACC-T', studyDate: '20250506', perSeries: 2 }],
});
const scratch = pacs.scratch;
let orthanc: Orthanc;
let study: GeneratedStudy;
let dataDir: string;

beforeAll(async () => {
  orthanc = pacs.orthanc;
  study = pacs.studies[0];
  dataDir = path.join(scratch, 'data');
  const address = `${orthanc.aet}@127.0.0.1:${orthanc.dicomPort}`;
  const add = await lumen(dataDir, ['pacs', 'add', '--name', 'tls', '--dimse', address, '--tls', '--tls-ca', cert('test-ca.crt'), '--tls-cert', cert('lumen.crt'), '--tls-key', cert('lumen.key')]);
  expect(add.code, add.stderr).toBe(0);
  // The same PACS with a CA that did not sign its certificate, without Lumen's certificate, and without TLS.
  expect((await lumen(dataDir, ['pacs', 'add', '--name', 'wrong-ca', '--dimse', address, '--tls', '--tls-ca', cert('other-ca.crt'), '--tls-cert', cert('lumen.crt'), '--tls-key', cert('lumen.key')])).code).toBe(0);
  expect((await lumen(dataDir, ['pacs', 'add', '--name', 'no-cert', '--dimse', address, '--tls', '--tls-ca', cert('test-ca.crt')])).code).toBe(0);
  expect((await lumen(dataDir, ['pacs', 'add', '--name', 'plain', '--dimse', address])).code).toBe(0);
}, 120_000);

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
    expect(run.stderr).toMatch(/the connection to PACS "plain" \(ORTHANC at 127\.0\.0\.1:\d+\) failed when asked to query studies: if the PACS takes only DICOM TLS, turn it on with lumen pacs edit plain --tls \[--tls-ca CA\.pem\]\./);
  }, 60_000);

  it('add checks the TLS files at once', async () => {
    const other = path.join(scratch, 'data-bad');
    const address = `${orthanc.aet}@127.0.0.1:${orthanc.dicomPort}`;
    const missing = await lumen(other, ['pacs', 'add', '--name', 'x', '--dimse', address, '--tls', '--tls-ca', cert('nope.crt')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--tls-ca .*nope\.crt: no such file or folder/);
    const half = await lumen(other, ['pacs', 'add', '--name', 'x', '--dimse', address, '--tls', '--tls-cert', cert('lumen.crt')]);
    expect(half.stderr).toMatch(/--tls-cert and --tls-key go together/);
    const notPem = await lumen(other, ['pacs', 'add', '--name', 'x', '--dimse', address, '--tls', '--tls-ca', cert('lumen.ext')]);
    expect(notPem.stderr).toMatch(/is not a PEM file/);
    const web = await lumen(other, ['pacs', 'add', '--name', 'x', '--dicomweb', orthanc.dicomWebUrl, '--tls']);
    expect(web.stderr).toMatch(/--tls is for a --dimse connection/);
  }, 60_000);
});
