// PACS secrets in the desktop app (electron/main/pacs-credentials.ts): sealed with safeStorage
// by the main process, never written to the engine's plain file, put back only into the
// requests that contact that PACS, and never sent to the page. Electron's binary cannot run
// here: a fake safeStorage of the same shape (AES-GCM under a key the test holds) stands in
// for it, in front of the real engine process and a real Orthanc.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '../../common/rpc';
import { SEALED_CREDENTIALS_FILE } from '../../common/sealed-credentials';
import { EngineHost } from '../../electron/engine/host';
import { SealedSecrets, withSealedSecrets } from '../../electron/main/pacs-credentials';
import type { Orthanc } from '../support/orthanc';
import { fakeSafeStorage, usePacsFixture } from './support';

const pacs = usePacsFixture('app-credentials', { studies: [{ key: 41, patientId: 'PID-SEALED', patientName: 'Sealed^Sam', accession: 'ACC-S', studyDate: '20250505' }] });
const scratch = pacs.scratch;
const dataDir = path.join(scratch, 'data');
let orthanc: Orthanc;
let host: EngineHost;
const safeStorage = fakeSafeStorage();
const secrets = new SealedSecrets(dataDir, safeStorage);
/** What the page gets: every request through the main process' routing, as main.ts does. */
const invoke = (method: string, input: unknown): Promise<Reply> => withSealedSecrets(secrets, method, input, (sent) => host.request(method, sent));
const value = async (method: string, input: unknown): Promise<any> => {
  const reply = await invoke(method, input);
  if (!reply.ok) throw new Error(reply.error.message);
  return reply.value;
};

beforeAll(async () => {
  orthanc = pacs.orthanc;
  host = new EngineHost({ dataDir, shell: 'browser' });
}, 120_000);

afterAll(async () => {
  await host?.close();
});

describe('PACS secrets sealed by the main process', () => {
  it('seals the password, keeps it out of the plain file and the page, and uses it to query', async () => {
    const saved = await value('pacs.save', { connection: { name: 'web', kind: 'dicomweb', url: orthanc.dicomWebUrl, auth: 'basic' }, secret: { user: orthanc.user, password: orthanc.password } });
    expect(saved.connections).toEqual([{ name: 'web', kind: 'dicomweb', url: orthanc.dicomWebUrl, auth: 'basic', secret: 'saved', user: orthanc.user }]);
    // The engine never had it: no plain file holds it; the sealed file is 0600 and opaque.
    const plain = path.join(dataDir, 'pacs-credentials.json');
    expect(fs.existsSync(plain) ? fs.readFileSync(plain, 'utf8') : '').not.toContain(orthanc.password);
    const sealed = fs.readFileSync(path.join(dataDir, SEALED_CREDENTIALS_FILE), 'utf8');
    expect(sealed).not.toContain(orthanc.password);
    expect(sealed).not.toContain(orthanc.user);
    expect(fs.statSync(path.join(dataDir, SEALED_CREDENTIALS_FILE)).mode & 0o777).toBe(0o600);
    // The engine alone sees it missing; through the main process it is saved.
    const direct = await host.request('pacs.list', {});
    expect(direct.ok && (direct.value as any).connections[0].secret).toBe('missing');
    expect((await value('pacs.list', {})).connections[0].secret).toBe('saved');

    expect(await value('pacs.test', { name: 'web' })).toMatchObject({ ok: true });
    const { studies } = await value('pacs.query', { name: 'web', query: {} });
    expect(studies).toHaveLength(1);
    // A secret the page puts in is replaced by the sealed one.
    expect(await value('pacs.test', { name: 'web', credentials: { user: orthanc.user, password: 'from-the-page' } })).toMatchObject({ ok: true });

    // Renamed without a new secret: the sealed one moves with it; removed: gone.
    await value('pacs.save', { previousName: 'web', connection: { name: 'archive', kind: 'dicomweb', url: orthanc.dicomWebUrl, auth: 'basic' } });
    expect(secrets.get('web')).toBeNull();
    expect(secrets.get('archive')).toEqual({ user: orthanc.user, password: orthanc.password });
    expect(await value('pacs.test', { name: 'archive' })).toMatchObject({ ok: true });
    // A save the engine refuses (a bad URL) changes no sealed secret.
    const refused = await invoke('pacs.save', { previousName: 'archive', connection: { name: 'archive', kind: 'dicomweb', url: 'ftp://x', auth: 'basic' }, secret: { user: 'u', password: 'other' } });
    expect(refused.ok).toBe(false);
    expect(secrets.get('archive')).toEqual({ user: orthanc.user, password: orthanc.password });
    await value('pacs.remove', { name: 'archive' });
    expect(secrets.get('archive')).toBeNull();
    expect(fs.readFileSync(path.join(dataDir, SEALED_CREDENTIALS_FILE), 'utf8')).toContain('"secrets": {}');
  }, 120_000);

  it('reads a secret sealed under another key as none, and leaves secrets to the engine where nothing can seal', async () => {
    const other = path.join(scratch, 'other');
    new SealedSecrets(other, fakeSafeStorage()).set('x', { bearer: 'abc' });
    expect(new SealedSecrets(other, fakeSafeStorage()).get('x')).toBeNull();

    const unsealed = new SealedSecrets(dataDir, fakeSafeStorage(false));
    const reply = await withSealedSecrets(unsealed, 'pacs.save', { connection: { name: 'plain', kind: 'dicomweb', url: orthanc.dicomWebUrl, auth: 'bearer' }, secret: { bearer: 'tok-123' } }, (sent) => host.request('pacs.save', sent));
    expect(reply.ok).toBe(true);
    expect(fs.readFileSync(path.join(dataDir, 'pacs-credentials.json'), 'utf8')).toContain('tok-123');
    expect(fs.readFileSync(path.join(dataDir, SEALED_CREDENTIALS_FILE), 'utf8')).not.toContain('plain');
  }, 60_000);
});
