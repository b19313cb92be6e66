// `lumen pacs edit <name>`: changes only the settings its flags name, keeps the stored password or
// token unless a new one comes on standard input, refuses what `lumen pacs add` refuses (the same
// check), and says what changed. Checked against what is stored (pacs.json, pacs-credentials.json:
// the CLI's secrets) and against a real Orthanc holding 5 studies, DICOMweb and DIMSE.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Orthanc } from '../support/orthanc';
import { json, lumen, makeCertificates, usePacsFixture } from './support';

const pacs = usePacsFixture('cli-edit', {
  receiver: true,
  studies: Array.from({ length: 5 }, (_, i) => ({
    key: 750 + i,
    patientId: `PID-EDIT-${i}`,
    patientName: `Edit^Patient${i}`,
    accession: `ACC-EDIT-${i}`,
    studyDate: `2024020${i + 1}`,
    seriesCount: 1,
    perSeries: 1,
  })),
});
const data = path.join(pacs.scratch, 'cli-data');
const connectionsFile = path.join(data, 'pacs.json');
const credentialsFile = path.join(data, 'pacs-credentials.json');
let orthanc: Orthanc;
let dimseAddress: string;

const stored = () => JSON.parse(fs.readFileSync(connectionsFile, 'utf8')).connections as Record<string, unknown>[];
const storedOne = (name: string) => stored().find((c) => c.name === name);
const secrets = () => JSON.parse(fs.readFileSync(credentialsFile, 'utf8')).credentials as Record<string, unknown>;
const files = () => [fs.readFileSync(connectionsFile, 'utf8'), fs.readFileSync(credentialsFile, 'utf8')];
const queried = async (name: string) => {
  const run = await lumen(data, ['pacs', 'query', '--pacs', name, '--json']);
  expect(run.code, run.stderr).toBe(0);
  return { studies: json<unknown[]>(run), notice: run.stderr.trim() };
};

beforeAll(async () => {
  orthanc = pacs.orthanc;
  dimseAddress = `${orthanc.aet}@127.0.0.1:${orthanc.dicomPort}`;
  fs.mkdirSync(data, { recursive: true });
  expect((await lumen(data, ['pacs', 'add', '--name', 'web', '--dicomweb', orthanc.dicomWebUrl, '--user', orthanc.user, '--password-stdin'], orthanc.password)).code).toBe(0);
  expect((await lumen(data, ['pacs', 'add', '--name', 'dimse', '--dimse', dimseAddress])).code).toBe(0);
}, 120_000);

describe('lumen pacs edit', () => {
  it('DICOMweb: sets a cap without asking for the password again; the query stops at it; default goes back', async () => {
    const secretBefore = secrets().web;
    expect(secretBefore).toEqual({ user: orthanc.user, password: orthanc.password });
    expect((await queried('web')).studies).toHaveLength(5);

    const edit = await lumen(data, ['pacs', 'edit', 'web', '--max-studies', '3']);
    expect(edit.code, edit.stderr).toBe(0);
    expect(edit.stdout).toBe('Changed PACS connection "web". Nothing was contacted.\n  --max-studies: default (5000) → 3\n');
    expect(storedOne('web')).toEqual({ name: 'web', kind: 'dicomweb', url: orthanc.dicomWebUrl, auth: 'basic', maxStudies: 3 });
    expect(secrets().web).toEqual(secretBefore);
    expect(fs.statSync(connectionsFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(credentialsFile).mode & 0o777).toBe(0o600);

    // The stored password still opens Orthanc (it asks for one), and the new cap applies.
    const capped = await queried('web');
    expect(capped.studies).toHaveLength(3);
    expect(capped.notice).toBe('lumen pacs query: PACS "web" returned more than 3 studies; showing the first 3. Narrow the search (a patient, a date range, a modality), or list more with --max-studies (at most 50,000).');

    const back = await lumen(data, ['pacs', 'edit', 'web', '--max-studies', 'default', '--max-series', '4', '--json']);
    expect(back.code, back.stderr).toBe(0);
    expect(json(back)).toEqual({
      connection: { name: 'web', kind: 'dicomweb', url: orthanc.dicomWebUrl, auth: 'basic', maxSeries: 4 },
      changed: [
        { setting: '--max-studies', from: '3', to: 'default (5000)' },
        { setting: '--max-series', from: 'default (10000)', to: '4' },
      ],
    });
    expect(storedOne('web')).not.toHaveProperty('maxStudies');
    expect(secrets().web).toEqual(secretBefore);
    const all = await queried('web');
    expect(all.studies).toHaveLength(5);
    expect(all.notice).toBe('');

    const same = await lumen(data, ['pacs', 'edit', 'web', '--max-series', '4']);
    expect(same.stdout).toBe('PACS connection "web" is unchanged: it was set so already.\n');
  }, 90_000);

  it('DIMSE: the cap changes and the address stays, the query stops at the cap; then the calling AE title', async () => {
    const edit = await lumen(data, ['pacs', 'edit', 'dimse', '--max-studies', '2']);
    expect(edit.code, edit.stderr).toBe(0);
    expect(edit.stdout).toBe('Changed PACS connection "dimse". Nothing was contacted.\n  --max-studies: default (5000) → 2\n');
    expect(storedOne('dimse')).toEqual({ name: 'dimse', kind: 'dimse', calledAet: orthanc.aet, host: '127.0.0.1', port: orthanc.dicomPort, callingAet: 'LUMEN', maxStudies: 2 });
    const capped = await queried('dimse');
    expect(capped.studies).toHaveLength(2);
    expect(capped.notice).toContain('PACS "dimse" returned more than 2 studies; showing the first 2.');

    const aet = await lumen(data, ['pacs', 'edit', 'dimse', '--calling-aet', 'LUMEN2', '--max-series', '7']);
    expect(aet.stdout).toBe('Changed PACS connection "dimse". Nothing was contacted.\n  --calling-aet: LUMEN → LUMEN2\n  --max-series: default (10000) → 7\n');
    expect(storedOne('dimse')).toEqual({ name: 'dimse', kind: 'dimse', calledAet: orthanc.aet, host: '127.0.0.1', port: orthanc.dicomPort, callingAet: 'LUMEN2', maxStudies: 2, maxSeries: 7 });
    expect((await lumen(data, ['pacs', 'edit', 'dimse', '--calling-aet', 'LUMEN'])).code).toBe(0);
  }, 60_000);

  it('refuses what add refuses, with the same words, and changes nothing', async () => {
    const before = files();
    const refusals: [string[], string][] = [
      [['web', '--max-studies', '0'], '--max-studies "0" is not a whole number from 1 to 50000 (without it: 5000).'],
      [['web', '--max-series', '50001'], '--max-series "50001" is not a whole number from 1 to 50000 (without it: 10000).'],
      [['web', '--user', 'someone'], '--user needs --password-stdin (the password is read from standard input, never from the command line).'],
      [['web', '--password-stdin'], '--password-stdin needs --user.'],
      [['web', '--calling-aet', 'X'], '--calling-aet is for a --dimse connection.'],
      [['web', '--tls'], '--tls is for a --dimse connection'],
      [['web', '--dicomweb', 'ftp://pacs.example.org/'], 'a DICOMweb URL starts with http:// or https://, not ftp://.'],
      [['web', '--dicomweb', 'https://me:pw@pacs.example.org/'], 'put no user name or password in the URL'],
      [['web', '--name', 'a/b'], '--name "a/b" is not valid'],
      [['web', '--name', 'dimse'], 'a PACS connection named "dimse" exists already'],
      [['dimse', '--user', 'u', '--password-stdin'], 'a --dimse connection takes no user, password or token.'],
      [['dimse', '--dimse', 'ORTHANC@host'], '"ORTHANC@host" is not a DIMSE address'],
      [['dimse', '--calling-aet', 'A\\B'], '--calling-aet "A\\B" is not valid'],
      [['dimse', '--tls-ca', '/nonexistent.pem'], '--tls-ca, --tls-cert, --tls-key and --tls-move go with --tls.'],
      [['dimse', '--tls', '--tls-move'], "--tls-move needs --tls-cert and --tls-key: Lumen's receiver shows that certificate to the PACS."],
      [['dimse', '--dicomweb', orthanc.dicomWebUrl, '--dimse', dimseAddress], 'give exactly one of --dicomweb <base-url> or --dimse <AET>@<host>:<port>.'],
      [['web', '--password', 'secret'], '--password'],
      [['nowhere', '--max-studies', '3'], 'no PACS connection named "nowhere" (there are: web, dimse): add one with lumen pacs add.'],
      [['web'], 'say what to change, with the flags of lumen pacs add'],
      [[], 'name one connection to change: lumen pacs edit <name>'],
    ];
    for (const [args, message] of refusals) {
      const run = await lumen(data, ['pacs', 'edit', ...args], 'not-read');
      // A usage mistake, every one: exit 2, as a mistyped option is.
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toContain(message);
    }
    // add says the same for the same flags (one check for both).
    const viaAdd = await lumen(data, ['pacs', 'add', '--name', 'x', '--dicomweb', orthanc.dicomWebUrl, '--user', 'someone']);
    expect(viaAdd.stderr).toContain('--user needs --password-stdin (the password is read from standard input, never from the command line).');
    expect(files()).toEqual(before);
  }, 120_000);

  it('a new password only from standard input; rename carries the secret; --no-auth removes it', async () => {
    const wrong = await lumen(data, ['pacs', 'edit', 'web', '--user', orthanc.user, '--password-stdin'], 'wrong-password\n');
    expect(wrong.code, wrong.stderr).toBe(0);
    expect(wrong.stdout).toBe('Changed PACS connection "web". Nothing was contacted.\n  password: stored → replaced\n');
    expect(secrets().web).toEqual({ user: orthanc.user, password: 'wrong-password' });
    const refused = await lumen(data, ['pacs', 'query', '--pacs', 'web']);
    expect(refused.code).not.toBe(0);

    const empty = await lumen(data, ['pacs', 'edit', 'web', '--user', orthanc.user, '--password-stdin'], '');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("no password on standard input: pipe it in, e.g. printf '%s' \"$SECRET\" | lumen pacs edit ...");

    expect((await lumen(data, ['pacs', 'edit', 'web', '--user', orthanc.user, '--password-stdin'], orthanc.password)).code).toBe(0);
    const renamed = await lumen(data, ['pacs', 'edit', 'web', '--name', 'hospital']);
    expect(renamed.stdout).toBe('Changed PACS connection "web". Nothing was contacted.\n  --name: web → hospital\n');
    expect(stored().map((c) => c.name)).toEqual(['hospital', 'dimse']);
    expect(secrets()).toEqual({ hospital: { user: orthanc.user, password: orthanc.password } });
    expect((await queried('hospital')).studies).toHaveLength(5);

    const none = await lumen(data, ['pacs', 'edit', 'hospital', '--no-auth']);
    expect(none.stdout).toBe('Changed PACS connection "hospital". Nothing was contacted.\n  authentication: basic → none\n  password: stored → removed\n');
    expect(storedOne('hospital')).toMatchObject({ auth: 'none' });
    expect(secrets()).toEqual({});
    expect((await lumen(data, ['pacs', 'edit', 'dimse', '--no-auth'])).stderr).toContain('a --dimse connection takes no user, password or token.');
  }, 90_000);

  it('DICOM TLS: --tls sets it from the files given, a file alone changes that file, --no-tls turns it off', async () => {
    const cert = makeCertificates(path.join(pacs.scratch, 'certs'), ['test'], { lumen: 'test' });
    const on = await lumen(data, ['pacs', 'edit', 'dimse', '--tls', '--tls-ca', cert('test-ca.crt')]);
    expect(on.code, on.stderr).toBe(0);
    expect(storedOne('dimse')!.tls).toEqual({ ca: cert('test-ca.crt') });
    expect((await lumen(data, ['pacs', 'edit', 'dimse', '--tls-cert', cert('lumen.crt')])).stderr).toContain('--tls-cert and --tls-key go together');
    const both = await lumen(data, ['pacs', 'edit', 'dimse', '--tls-cert', cert('lumen.crt'), '--tls-key', cert('lumen.key'), '--tls-move']);
    expect(both.code, both.stderr).toBe(0);
    expect(storedOne('dimse')!.tls).toEqual({ ca: cert('test-ca.crt'), cert: cert('lumen.crt'), key: cert('lumen.key'), move: true });
    // One file alone: the others stay.
    expect((await lumen(data, ['pacs', 'edit', 'dimse', '--tls-ca', cert('lumen.crt')])).code).toBe(0);
    expect(storedOne('dimse')!.tls).toEqual({ ca: cert('lumen.crt'), cert: cert('lumen.crt'), key: cert('lumen.key'), move: true });
    expect((await lumen(data, ['pacs', 'edit', 'dimse', '--tls-key', path.join(pacs.scratch, 'certs', 'lumen.ext')])).stderr).toContain('is not a PEM file');
    expect((await lumen(data, ['pacs', 'edit', 'dimse', '--no-tls', '--tls'])).stderr).toContain('--no-tls turns DICOM TLS off');
    const off = await lumen(data, ['pacs', 'edit', 'dimse', '--no-tls']);
    expect(off.stdout).toContain('  --tls: on → off\n');
    expect(storedOne('dimse')).not.toHaveProperty('tls');
    expect((await queried('dimse')).studies).toHaveLength(2);
  }, 90_000);
});
