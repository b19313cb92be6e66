// The app's pacs.save changing a connection (electron/engine/handlers/pacs.ts) on the real engine
// process, its data folder on a small disk of its own (test/support/small-disk.ts): a save that
// fails — the disk full, the disk read-only, the new name taken — leaves pacs.json and
// pacs-credentials.json byte for byte as they were and the connection listed with its secret,
// and says what failed; once there is room the same save goes through.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHost } from '../../electron/engine/host';
import { smallDiskForTests, smallDiskSkip } from '../support/small-disk';
import { engineRequests } from './support';

const disk = smallDiskForTests('pacs-save-atomic', 8);
let dataDir = '';
let host: EngineHost | undefined;
const { call, failure } = engineRequests(() => host!);
/** A bearer token longer than a page: the secrets file takes two of the disk's 4 KiB pages, pacs.json one. */
const TOKEN = 'T'.repeat(6000);

const files = () => ['pacs.json', 'pacs-credentials.json'].map((f) => fs.readFileSync(path.join(dataDir, f), 'utf8'));

beforeAll(async () => {
  if (smallDiskSkip) return;
  dataDir = path.join(disk.dir, 'data');
  host = new EngineHost({ dataDir, shell: 'browser' });
  await call('pacs.save', { connection: { name: 'web', kind: 'dicomweb', url: 'https://pacs.invalid/dicom-web', auth: 'bearer' }, secret: { bearer: TOKEN } });
  await call('pacs.save', { connection: { name: 'dimse', kind: 'dimse', calledAet: 'ORTHANC', host: '127.0.0.1', port: 4242, callingAet: 'LUMEN' } });
}, 60_000);

afterAll(async () => {
  disk.unfill?.();
  await host?.close();
});

describe.skipIf(smallDiskSkip)(`pacs.save changing a connection never loses it or its secret${smallDiskSkip ? ` (skipped: ${smallDiskSkip})` : ''}`, () => {
  it('an edit that needs more room than the full disk has fails whole, names the file, and goes through once there is room', async () => {
    // pacs.json just under one 4 KiB page; the edit's longer URL takes it to two, with one page left on the disk.
    for (let i = 0; fs.statSync(path.join(dataDir, 'pacs.json')).size < 3200 && i < 40; i++) {
      await call('pacs.save', { connection: { name: `other-${i}`, kind: 'dicomweb', url: `https://pacs-${i}.invalid/${'p'.repeat(200)}`, auth: 'none' } });
    }
    const before = files();
    const longer = { name: 'web', kind: 'dicomweb', url: `https://pacs.invalid/${'q'.repeat(1500)}`, auth: 'bearer' } as const;
    disk.fill(4096);
    const message = await failure('pacs.save', { previousName: 'web', connection: longer });
    disk.unfill();
    expect(message).toMatch(/the PACS connections file .*\/pacs\.json cannot be written: the disk is full\. No connection or secret was changed\./);
    expect(files()).toEqual(before);
    expect(fs.readdirSync(dataDir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const listed = (await call('pacs.list', {})).connections;
    expect(listed.find((c) => c.name === 'web')).toMatchObject({ url: 'https://pacs.invalid/dicom-web', secret: 'saved' });

    const edited = (await call('pacs.save', { previousName: 'web', connection: longer })).connections;
    expect(edited.find((c) => c.name === 'web')).toMatchObject({ url: longer.url, secret: 'saved' });
    expect(JSON.parse(files()[1]).credentials.web).toEqual({ bearer: TOKEN });
  });

  it('a rename on a full disk fails whole; with room it moves the secret along', async () => {
    const before = files();
    // One page left: the secrets file (two pages) is written again under the new name.
    disk.fill(4096);
    const message = await failure('pacs.save', { previousName: 'web', connection: { name: 'web-2', kind: 'dicomweb', url: 'https://pacs.invalid/dicom-web', auth: 'bearer' } });
    disk.unfill();
    expect(message).toMatch(/the PACS credentials file .*\/pacs-credentials\.json cannot be written: the disk is full\. No connection was changed\./);
    expect(files()).toEqual(before);
    const renamed = (await call('pacs.save', { previousName: 'web', connection: { name: 'web-2', kind: 'dicomweb', url: 'https://pacs.invalid/dicom-web', auth: 'bearer' } })).connections;
    expect(renamed.map((c) => c.name)).not.toContain('web');
    expect(renamed.find((c) => c.name === 'web-2')).toMatchObject({ secret: 'saved' });
    expect(JSON.parse(files()[1]).credentials).toEqual({ 'web-2': { bearer: TOKEN } });
  });

  it('an edit on a read-only disk fails whole and says the disk is read-only', async () => {
    const before = files();
    disk.readOnly();
    try {
      const message = await failure('pacs.save', { previousName: 'web-2', connection: { name: 'web-3', kind: 'dicomweb', url: 'https://other.invalid/dicom-web', auth: 'bearer', maxStudies: 7 } });
      expect(message).toMatch(/the PACS credentials file .*\/pacs-credentials\.json cannot be written: the disk is read-only\. No connection was changed\./);
    } finally {
      disk.writable();
    }
    expect(files()).toEqual(before);
  });

  it('a new name that is taken, or a new secret of the wrong kind, changes nothing', async () => {
    const before = files();
    expect(await failure('pacs.save', { previousName: 'web-2', connection: { name: 'dimse', kind: 'dicomweb', url: 'https://pacs.invalid/dicom-web', auth: 'bearer' } })).toMatch(/named "dimse" exists already/);
    expect(await failure('pacs.save', { previousName: 'web-2', connection: { name: 'web-2', kind: 'dicomweb', url: 'https://pacs.invalid/dicom-web', auth: 'basic' }, secret: { bearer: 'x' } })).toMatch(/basic authentication needs a user name and a password/);
    expect(await failure('pacs.save', { previousName: 'gone', connection: { name: 'web-2', kind: 'dicomweb', url: 'https://pacs.invalid/dicom-web', auth: 'bearer' } })).toMatch(/There is no PACS connection named "gone" to change/);
    expect(files()).toEqual(before);
  });
  it('a rename whose list cannot be written puts the secret it wrote back', async () => {
    await call('pacs.remove', { name: 'web-2' });
    await call('pacs.save', { connection: { name: 'small', kind: 'dicomweb', url: 'https://small.invalid/dicom-web', auth: 'basic' }, secret: { user: 'dee', password: 'pw' } });
    // The secrets file fits its page and is written under the new name; pacs.json, just under two pages, then needs a third.
    for (let i = 100; fs.statSync(path.join(dataDir, 'pacs.json')).size < 7600 && i < 200; i++) {
      await call('pacs.save', { connection: { name: `other-${i}`, kind: 'dicomweb', url: `https://pacs-${i}.invalid/${'p'.repeat(200)}`, auth: 'none' } });
    }
    const before = files();
    disk.fill(4096);
    const message = await failure('pacs.save', { previousName: 'small', connection: { name: 'small-2', kind: 'dicomweb', url: `https://small.invalid/${'r'.repeat(1500)}`, auth: 'basic' } });
    disk.unfill();
    expect(message).toMatch(/the PACS connections file .*\/pacs\.json cannot be written: the disk is full\. No connection or secret was changed\./);
    expect(files()).toEqual(before);
    expect((await call('pacs.list', {})).connections.find((c) => c.name === 'small')).toMatchObject({ secret: 'saved', user: 'dee' });
  });
});
