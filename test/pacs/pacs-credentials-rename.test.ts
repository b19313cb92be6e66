// A connection's secret follows it whichever side changes it: the desktop app's sealed store
// (pacs-credentials.sealed.json, electron/main/pacs-credentials.ts) and the CLI's plain one
// (pacs-credentials.json). `lumen pacs` (bin/lumen.mjs, a real run) cannot unseal the app's
// store: it moves a sealed entry under a new name as it is, and drops it with a replaced or
// removed secret; the app's rename carries the CLI's secret. Electron cannot run here: a fake
// safeStorage of the same shape (AES-GCM under a key the test holds) stands in for it, in front
// of the real engine process, as in app-credentials.test.ts. No PACS is contacted.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '../../common/rpc';
import { EngineHost } from '../../electron/engine/host';
import { SEALED_CREDENTIALS_FILE } from '../../common/sealed-credentials';
import { SealedSecrets, withSealedSecrets } from '../../electron/main/pacs-credentials';
import { fakeSafeStorage, lumen } from './support';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-pacs-rename-'));
const dataDir = path.join(scratch, 'data');
let host: EngineHost;
const secrets = new SealedSecrets(dataDir, fakeSafeStorage());
/** What the page gets: every request through the main process' routing, as main.ts does. */
const value = async (method: string, input: unknown): Promise<any> => {
  const reply: Reply = await withSealedSecrets(secrets, method, input, (sent) => host.request(method, sent));
  if (!reply.ok) throw new Error(reply.error.message);
  return reply.value;
};
const sealedFile = () => JSON.parse(fs.readFileSync(path.join(dataDir, SEALED_CREDENTIALS_FILE), 'utf8')).secrets as Record<string, string>;
const plainFile = () => JSON.parse(fs.readFileSync(path.join(dataDir, 'pacs-credentials.json'), 'utf8')).credentials as Record<string, unknown>;
const listedSecret = async (name: string) => (await value('pacs.list', {})).connections.find((c: { name: string }) => c.name === name);
async function cli(args: string[], stdin?: string): Promise<string> {
  const run = await lumen(dataDir, ['pacs', ...args], stdin);
  if (run.code !== 0) throw new Error(`lumen pacs ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return run.stdout;
}

beforeAll(() => {
  host = new EngineHost({ dataDir, shell: 'browser' });
});

afterAll(async () => {
  await host?.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe("a renamed connection's secret, in the app's sealed store and the CLI's", () => {
  it('lumen pacs edit --name moves the sealed secret as it is; a new secret or remove drops it', async () => {
    await value('pacs.save', { connection: { name: 'web', kind: 'dicomweb', url: 'https://pacs.invalid/dicom-web', auth: 'basic' }, secret: { user: 'ann', password: 'sealed-pw' } });
    const sealedBytes = sealedFile().web;
    expect(sealedBytes).toBeTruthy();
    expect(fs.existsSync(path.join(dataDir, 'pacs-credentials.json')) ? plainFile() : {}).toEqual({});

    expect(await cli(['edit', 'web', '--name', 'archive'])).toMatch(/--name: web → archive/);
    // Moved, not sealed again: the same bytes under the new name, none under the old.
    expect(sealedFile()).toEqual({ archive: sealedBytes });
    expect(secrets.get('archive')).toEqual({ user: 'ann', password: 'sealed-pw' });
    expect(await listedSecret('archive')).toMatchObject({ secret: 'saved', user: 'ann' });

    // A caps change keeps it where it is.
    await cli(['edit', 'archive', '--max-studies', '9']);
    expect(sealedFile()).toEqual({ archive: sealedBytes });

    // A new password from the CLI replaces the app's: the sealed one (which the app would put first) goes.
    await cli(['edit', 'archive', '--user', 'bo', '--password-stdin'], 'cli-pw');
    expect(sealedFile()).toEqual({});
    expect(plainFile()).toEqual({ archive: { user: 'bo', password: 'cli-pw' } });
    expect(await listedSecret('archive')).toMatchObject({ secret: 'saved', user: 'bo' });

    await value('pacs.save', { connection: { name: 'token', kind: 'dicomweb', url: 'https://pacs.invalid/dicom-web', auth: 'bearer' }, secret: { bearer: 'sealed-token' } });
    expect(Object.keys(sealedFile())).toEqual(['token']);
    // --no-auth drops it too; so does remove.
    await value('pacs.save', { connection: { name: 'token-2', kind: 'dicomweb', url: 'https://pacs.invalid/dicom-web', auth: 'bearer' }, secret: { bearer: 'sealed-token-2' } });
    await cli(['edit', 'token', '--no-auth']);
    expect(Object.keys(sealedFile())).toEqual(['token-2']);
    await cli(['remove', 'token-2']);
    expect(sealedFile()).toEqual({});
  }, 120_000);

  it('lumen pacs add drops a sealed secret left under its name', async () => {
    secrets.set('fresh', { bearer: 'left-behind' });
    await cli(['add', '--name', 'fresh', '--dicomweb', 'https://pacs.invalid/dicom-web', '--bearer-stdin'], 'cli-token');
    expect(secrets.get('fresh')).toBeNull();
    expect(plainFile().fresh).toEqual({ bearer: 'cli-token' });
  }, 60_000);

  it("a rename in the app carries the CLI's secret and the sealed one, and a failed rename moves neither", async () => {
    await value('pacs.save', { previousName: 'fresh', connection: { name: 'fresh-2', kind: 'dicomweb', url: 'https://pacs.invalid/dicom-web', auth: 'bearer' } });
    expect(plainFile()['fresh-2']).toEqual({ bearer: 'cli-token' });
    expect(plainFile().fresh).toBeUndefined();
    expect(await listedSecret('fresh-2')).toMatchObject({ secret: 'saved' });

    await value('pacs.save', { connection: { name: 'app', kind: 'dicomweb', url: 'https://pacs.invalid/dicom-web', auth: 'basic' }, secret: { user: 'cy', password: 'app-pw' } });
    await value('pacs.save', { previousName: 'app', connection: { name: 'app-2', kind: 'dicomweb', url: 'https://pacs.invalid/dicom-web', auth: 'basic' } });
    expect(secrets.get('app')).toBeNull();
    expect(secrets.get('app-2')).toEqual({ user: 'cy', password: 'app-pw' });
    expect(await listedSecret('app-2')).toMatchObject({ secret: 'saved', user: 'cy' });

    const before = [fs.readFileSync(path.join(dataDir, SEALED_CREDENTIALS_FILE), 'utf8'), fs.readFileSync(path.join(dataDir, 'pacs-credentials.json'), 'utf8')];
    await expect(value('pacs.save', { previousName: 'app-2', connection: { name: 'fresh-2', kind: 'dicomweb', url: 'https://pacs.invalid/dicom-web', auth: 'basic' } })).rejects.toThrow(/named "fresh-2" exists already/);
    const run = await lumen(dataDir, ['pacs', 'edit', 'app-2', '--name', 'fresh-2']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/named "fresh-2" exists already/);
    expect([fs.readFileSync(path.join(dataDir, SEALED_CREDENTIALS_FILE), 'utf8'), fs.readFileSync(path.join(dataDir, 'pacs-credentials.json'), 'utf8')]).toEqual(before);
  }, 60_000);
});
