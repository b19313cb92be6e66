// The C-STORE receiver counts what arrived as the app counts images (common/counts.ts): each frame
// of a multi-frame instance is an image, and the files are named where they are fewer; what failed
// never reached the library, so it is counted in files. dcmtk's storescu sends a three-frame
// instance made by GDCM's gdcmimg (JPEG-LS by dcmcjpls, sent as it is), a single-frame one wrapped
// by dcmtk's img2dcm (decompressed by dcmdjpeg: storescu proposes one compressed syntax), and a
// copy of it whose Study Instance UID dcmodify made invalid (refused, 0xA900), to `lumen pacs
// listen` and to the app's receiver switch in the engine.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDataSet } from '../e2e/external-dicom-data';
import { tmpDir } from '../library/fixtures';
import { freePort } from '../support/orthanc';
import { listen, useEngineHost } from './support';

const run = promisify(execFile);
const scratch = tmpDir('receive-counts');
let files: { multiframe: string; photo: string; invalid: string };

beforeAll(async () => {
  const set = writeDataSet(path.join(scratch, 'made'));
  expect(set.multiframe.frames).toBe(3);
  const photo = path.join(scratch, 'photo.dcm');
  await run('dcmdjpeg', [set.photo.file, photo]);
  const invalid = path.join(scratch, 'invalid.dcm');
  fs.copyFileSync(photo, invalid);
  await run('dcmodify', ['-nb', '-m', 'StudyInstanceUID=1.2.3.X', '-m', 'SOPInstanceUID=1.2.826.0.1.3680043.10.1137.27.9.1', invalid]);
  files = { multiframe: set.multiframe.file, photo, invalid };
}, 120_000);
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/**
 * storescu sending `paths` in one association, calling `called` at `port` as `calling`, JPEG-LS
 * proposed (besides uncompressed); its exit code (not 0 where an instance was refused).
 */
async function storescu(calling: string, called: string, port: number, paths: string[]): Promise<number> {
  try {
    await run('storescu', ['-xt', '-to', '20', '-ta', '20', '-aet', calling, '-aec', called, '127.0.0.1', String(port), ...paths], { timeout: 60_000 });
    return 0;
  } catch (err) {
    return (err as { code?: number }).code ?? 1;
  }
}

describe('lumen pacs listen', () => {
  it('says the images received and the files holding them, and the files that failed', async () => {
    const port = await freePort();
    const receiver = await listen(path.join(scratch, 'data-listen'), ['--aet', 'LUMENRX', '--port', String(port), '--library', path.join(scratch, 'library-listen'), '--allow', 'SENDER']);
    try {
      await storescu('SENDER', 'LUMENRX', port, [files.multiframe, files.photo, files.invalid]);
      await receiver.waitFor(/received .* from "SENDER"/);
      expect(receiver.output()).toContain('received 4 images (2 files) from "SENDER", 1 file failed.');
      // One single-frame instance alone: one image, no file count, nothing failed.
      expect(await storescu('SENDER', 'LUMENRX', port, [files.photo])).toBe(0);
      await receiver.waitFor(/received 1 image from "SENDER"\.\n/);
    } finally {
      expect(await receiver.stop()).toBe(0);
    }
    expect(receiver.output()).toMatch(/^Stopped: 5 images \(3 files\) received, 1 file failed, 0 associations refused\.$/m);
    expect(receiver.output()).not.toMatch(/instances?\b|\b1 files\b/);
  }, 120_000);
});

describe("the app's receiver", () => {
  const engine = useEngineHost(path.join(scratch, 'data-app'));

  it('counts images in its state and its events, failed instances in files', async () => {
    const port = await freePort();
    await engine.call('pacs.receiverSettings', { settings: { aet: 'LUMEN', port, host: '127.0.0.1', allowed: ['MODALITY1'] } });
    expect(await engine.call('pacs.receiverSwitch', { on: true })).toMatchObject({ running: true, error: null });
    try {
      /** The receiver's state once a line for an association of MODALITY1 is among its events, past `before` of them. */
      const received = async (before: number) => {
        const deadline = Date.now() + 30_000;
        for (;;) {
          const state = await engine.call('pacs.receiver', {});
          const lines = state.events.filter((e) => e.line.startsWith('received ')).map((e) => e.line);
          if (lines.length > before) return { state, line: lines[0] };
          if (Date.now() > deadline) throw new Error(`no line for the association: ${JSON.stringify(state.events)}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      expect(await storescu('MODALITY1', 'LUMEN', port, [files.multiframe, files.photo])).toBe(0);
      const first = await received(0);
      expect(first.line).toBe('received 4 images (2 files) from "MODALITY1".');
      expect(first.state).toMatchObject({ received: 2, receivedImages: 4, failed: 0 });

      await storescu('MODALITY1', 'LUMEN', port, [files.invalid]);
      const second = await received(1);
      expect(second.line).toBe('received 0 images from "MODALITY1", 1 file failed.');
      expect(second.state).toMatchObject({ received: 2, receivedImages: 4, failed: 1 });
    } finally {
      await engine.call('pacs.receiverSwitch', { on: false });
    }
    // Switched off, the counts are kept for the page.
    expect(await engine.call('pacs.receiver', {})).toMatchObject({ running: false, received: 2, receivedImages: 4, failed: 1 });
  }, 120_000);
});
