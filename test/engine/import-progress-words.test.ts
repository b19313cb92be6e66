// The app's import progress text (the engine's library.import job, shown under the Import button)
// counts as `lumen import`'s line does (electron/cli/import.ts, common/counts.ts): a three-frame
// file made by GDCM's gdcmimg and a single-frame one made by dcmtk's img2dcm are "4 images (2
// files) imported", the scan says "1 file found", not "1 files found", and the end is "Finishing…",
// not "Reading 3 of 3 files". Through the real engine process and the real importer on SQLite.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHost } from '../../electron/engine/host';
import { importProgressMessage } from '../../electron/engine/handlers/library';
import { Library } from '../../electron/library/library';
import type { ImportProgress } from '../../electron/library/types';
import { importProgressFolder } from '../support/import-progress-folder';
import { tmpDir } from '../library/fixtures';

describe("the app's import progress text", () => {
  const root = tmpDir('import-progress-words');
  const folder = path.join(root, 'in');
  let host: EngineHost;
  const events: { event: string; payload: any }[] = [];

  beforeAll(() => {
    expect(importProgressFolder(root)).toBe(folder);
    host = new EngineHost({ dataDir: path.join(root, 'data'), shell: 'cli', backend: 'cpu' });
    host.onEvent((event, payload) => events.push({ event, payload }));
  }, 120_000);
  afterAll(async () => {
    await host?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** Runs library.import in the engine: the messages of its job.progress events, in order, and its report. */
  const importJob = async (paths: string[]) => {
    const reply = await host.request('library.import', { paths });
    expect(reply.ok, JSON.stringify(reply)).toBe(true);
    const { jobId } = (reply as { ok: true; value: { jobId: string } }).value;
    for (let waited = 0; waited < 120_000; waited += 20) {
      const end = events.find((e) => (e.event === 'job.finished' || e.event === 'job.failed') && e.payload.jobId === jobId);
      if (end) {
        expect(end.event, JSON.stringify(end.payload)).toBe('job.finished');
        const messages = events.filter((e) => e.event === 'job.progress' && e.payload.jobId === jobId).map((e) => e.payload.message as string);
        return { messages, report: end.payload.result };
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the import job did not end in 2 minutes');
  };

  it('counts images as the report does, and ends with Finishing…', async () => {
    const { messages, report } = await importJob([folder]);
    expect(report).toMatchObject({ imported: 2, importedImages: 4 });
    expect(messages.length).toBeGreaterThan(1);
    // The last ones are forced (the job's fraction is 1): what the report counts.
    expect(messages.at(-1)).toBe('Finishing… · 4 images (2 files) imported · 1 file not imported');
    for (const message of messages) expect(message).not.toMatch(/\b1 files\b|\b\d+ imported\b|Reading (\d+) of \1 files$/);
    for (const message of messages.filter((m) => m.startsWith('Reading'))) expect(message).toMatch(/^Reading \d+ of 3 files · \d+ images? (\(\d+ files?\) )?imported( · 1 file not imported)?$/);

    // The same folder again: nothing new, and the text says why rather than "0 imported".
    const again = await importJob([folder]);
    expect(again.messages.at(-1)).toBe('Finishing… · 0 images imported, 2 files already in the library · 1 file not imported');
  }, 180_000);

  it('says "1 file found" while scanning, from the importer\'s own progress', async () => {
    // The job sends at most one update per 100 ms, so a small scan's update rarely reaches the page:
    // the importer's every update, worded as the job words it.
    const library = Library.open(path.join(root, 'direct-library'));
    const seen: ImportProgress[] = [];
    try {
      await library.importPaths([path.join(folder, 'multiframe.dcm')], { onProgress: (p) => seen.push({ ...p }) });
    } finally {
      library.close();
    }
    const scanning = seen.filter((p) => p.phase === 'scanning');
    expect(scanning.map((p) => p.found)).toContain(1);
    for (const p of scanning) expect(importProgressMessage(p)).toBe(`Scanning… ${p.found === 1 ? '1 file' : `${p.found} files`} found`);
    expect(importProgressMessage(scanning.find((p) => p.found === 1)!)).toBe('Scanning… 1 file found');
    const reading = seen.filter((p) => p.phase === 'reading');
    expect(reading.length).toBeGreaterThan(0);
    expect(importProgressMessage(reading[0])).toBe('Reading 0 of 1 file · 0 images imported');
    expect(importProgressMessage(seen.at(-1)!)).toBe('Finishing… · 3 images (1 file) imported');
  }, 60_000);
});
