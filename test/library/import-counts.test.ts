// The import report counts images as the app does (common/counts.ts): a three-frame file made by
// GDCM's gdcmimg is 3 images, and where the files are fewer the count names them. A folder of that
// file and a single-frame one (dcmtk's img2dcm) is "4 images (2 files) imported", through
// `lumen import` and the engine's import job alike; read again, "2 files already in the library".
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCountsPhrase } from '../../common/import-summary';
import { EngineHost } from '../../electron/engine/host';
import { runLumen } from '../support/cli';
import { writeDataSet } from '../e2e/external-dicom-data';
import { tmpDir } from './fixtures';

describe('the import report counts a multi-frame file as its frames', () => {
  const root = tmpDir('import-counts');
  const folder = path.join(root, 'in');
  let frames = 0;
  beforeAll(() => {
    const set = writeDataSet(path.join(root, 'made'));
    frames = set.multiframe.frames;
    fs.mkdirSync(folder);
    fs.copyFileSync(set.multiframe.file, path.join(folder, 'multiframe.dcm'));
    fs.copyFileSync(set.photo.file, path.join(folder, 'photo.dcm'));
  }, 120_000);
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('lumen import says the images and the files holding them, and the library likewise', async () => {
    expect(frames).toBe(3);
    const args = ['import', folder, '--library', path.join(root, 'cli-lib')];
    const first = await runLumen(args, path.join(root, 'cli-data'));
    expect(first.code, first.stderr).toBe(0);
    const lines = first.stdout.split('\n');
    expect(lines[0]).toMatch(/^4 images \(2 files\) imported; 2 files looked at in [\d.]+ s\.$/);
    expect(first.stdout).toMatch(/^Library .*: 2 patients, 2 studies, 2 series, 4 images \(2 files\)\.$/m);

    const json = await runLumen([...args, '--json'], path.join(root, 'cli-data'));
    expect(JSON.parse(json.stdout)).toMatchObject({ imported: 0, importedImages: 0, unchanged: 2, instances: 2, images: 4 });

    const again = await runLumen(args, path.join(root, 'cli-data'));
    expect(again.stdout.split('\n')[0]).toMatch(/^0 images imported, 2 files already in the library; 2 files looked at/);
  }, 120_000);

  it("the engine's import job reports the frames, and the app's line words them", async () => {
    const host = new EngineHost({ dataDir: path.join(root, 'engine-data'), shell: 'browser', backend: 'cpu' });
    try {
      const finished = new Promise<any>((resolve) => host.onEvent((event, payload: any) => event === 'job.finished' && resolve(payload.result)));
      const reply = await host.request('library.import', { paths: [folder] });
      expect(reply.ok).toBe(true);
      const report = await finished;
      expect(report).toMatchObject({ imported: 2, importedImages: 4, results: 0, instances: 2, images: 4, errorCount: 0 });
      expect(importCountsPhrase(report)).toBe('4 images (2 files) imported');
    } finally {
      await host.close();
    }
  }, 120_000);
});
