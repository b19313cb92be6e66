// The app's writes onto a full disk (a real tmpfs, test/support/small-disk.ts), through the
// engine's own dispatcher as the page calls it: a table export and a settings change fail with
// one sentence naming the file and the disk (not Node's ENOSPC text), leave no file or temporary
// file behind, keep the settings as they were, and succeed once space is freed.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestContext } from '../../common/rpc';
import { createEngine, type Engine } from '../../electron/engine/engine';
import { smallDiskForTests, smallDiskSkip } from '../support/small-disk';

const disk = smallDiskForTests('full-disk-engine');
const ctx: RequestContext = { emit: () => undefined };
let engine: Engine;
let dataDir: string;

beforeAll(() => {
  if (smallDiskSkip) return;
  dataDir = path.join(disk.dir, 'data');
  engine = createEngine({ dataDir, shell: 'cli', backend: 'cpu' });
});
afterAll(() => engine?.dispose());

describe.skipIf(smallDiskSkip)(`the app's writes onto a full disk${smallDiskSkip ? ` (skipped: ${smallDiskSkip})` : ''}`, () => {
  it('export.table: the file and the disk named, nothing left in the folder; written once space is freed', async () => {
    const folder = path.join(disk.dir, 'exports');
    fs.mkdirSync(folder);
    const out = path.join(folder, 'labels.csv');
    const request = { kind: 'labels', format: 'csv', uid: null, packageHash: null, out };
    // The library opened (made) while there is room: what is refused below is the export itself.
    expect(await engine.dispatch('export.table', { ...request, out: path.join(dataDir, 'first.csv') }, ctx)).toMatchObject({ ok: true });
    disk.fill(0);
    try {
      const reply = await engine.dispatch('export.table', request, ctx);
      expect(reply.ok).toBe(false);
      if (!reply.ok) expect(reply.error.message).toBe(`Could not write ${out}: the disk is full. Free space on that disk and try again.`);
      expect(fs.readdirSync(folder)).toEqual([]);
    } finally {
      disk.unfill();
    }
    expect(await engine.dispatch('export.table', request, ctx)).toMatchObject({ ok: true, value: { out } });
    expect(fs.readdirSync(folder)).toEqual(['labels.csv']);
  });

  it('settings.set: settings.json kept as it was, the file and the disk named; saved once space is freed', async () => {
    expect(await engine.dispatch('settings.set', { change: { theme: 'light' } }, ctx)).toMatchObject({ ok: true });
    const file = path.join(dataDir, 'settings.json');
    const before = fs.readFileSync(file, 'utf8');
    disk.fill(0);
    try {
      const reply = await engine.dispatch('settings.set', { change: { theme: 'dark' } }, ctx);
      expect(reply.ok).toBe(false);
      if (!reply.ok) expect(reply.error.message).toBe(`Could not write ${file}: the disk is full. Free space on that disk and try again.`);
      expect(fs.readFileSync(file, 'utf8')).toBe(before);
      expect(fs.readdirSync(dataDir).filter((n) => n.startsWith('settings'))).toEqual(['settings.json']);
    } finally {
      disk.unfill();
    }
    expect(await engine.dispatch('settings.set', { change: { theme: 'dark' } }, ctx)).toMatchObject({ ok: true });
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).theme).toBe('dark');
  });
});
