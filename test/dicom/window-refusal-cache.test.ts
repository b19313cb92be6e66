// An image the engine refuses for its rescale (pixels.ts refuseUnshowable: a Rescale Slope of 1e38
// makes every value infinite) is remembered like a decoded frame: scrolling back to it gives the
// same words without reading and decoding the file again. A file changed since (re-exported) is
// decoded again. Decodes are counted from LUMEN_TEST_VIEWER_LOG's lines (a line per viewer frame
// a worker starts: electron/dicom/decode-worker.ts), never by timing. Files by dcmtk's dump2dcm.
import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REFUSALS_KEPT, viewerFrame } from '../../electron/engine/viewer/frame';
import type { InstanceRecord } from '../../electron/library/types';
import { useDecodeLog } from './decode-log';
import { writeUs, type UsImage } from './us-regions-fixture';

const scratch = useDecodeLog('lumen-window-refusal-cache-');

const IMG: UsImage = { columns: 60, rows: 45, modality: 'CT' };
const { decodes } = scratch;
const record = (path: string, sop: string) => ({ path, sopInstanceUid: sop, frames: 1, missing: false, fileSize: statSync(path).size, mtimeMs: statSync(path).mtimeMs }) as InstanceRecord;
const reason = (p: Promise<unknown>) => p.then(() => 'shown', (e: unknown) => (e as Error).message);

describe('a refused frame', () => {
  it('is decoded once however often it is asked for, with the same words each time', async () => {
    const file = writeUs(scratch.dir(), 'slope-1e38', { ...IMG, lines: ['(0028,1052) DS [0]', '(0028,1053) DS [1e38]'] });
    const words: string[] = [];
    for (let visit = 0; visit < 5; visit++) words.push(await reason(viewerFrame(record(file, '1.2.3.1'), 0)));
    expect(words[0]).toMatch(/Rescale Slope 1e38 makes every value infinite, so the image cannot be shown\./);
    expect(new Set(words).size).toBe(1);
    expect(decodes(file)).toBe(1);
  });

  it('is decoded again once its file has changed, and a shown frame is never kept as a refusal', async () => {
    const file = writeUs(scratch.dir(), 'fixed-later', { ...IMG, lines: ['(0028,1052) DS [0]', '(0028,1053) DS [1e-300]'] });
    expect(await reason(viewerFrame(record(file, '1.2.3.2'), 0))).toMatch(/Rescale Slope 1e-300 makes every value 0/);
    expect(await reason(viewerFrame(record(file, '1.2.3.2'), 0))).toMatch(/Rescale Slope 1e-300/);
    expect(decodes(file)).toBe(1);
    // Exported again from its source, with a sound slope (a longer DS: another size).
    writeUs(scratch.dir(), 'fixed-later', { ...IMG, lines: ['(0028,1052) DS [-1024.0]', '(0028,1053) DS [1.0]'] });
    expect(await reason(viewerFrame(record(file, '1.2.3.2'), 0))).toBe('shown');
    expect(await reason(viewerFrame(record(file, '1.2.3.2'), 0))).toBe('shown');
    expect(decodes(file)).toBe(3);
  });

  it('is kept within a bound: the oldest refusal is forgotten first', async () => {
    const files = Array.from({ length: REFUSALS_KEPT + 1 }, (_, i) => writeUs(scratch.dir(), `bound-${i}`, { ...IMG, lines: ['(0028,1052) DS [0]', '(0028,1053) DS [1e308]'] }));
    for (const [i, f] of files.entries()) await reason(viewerFrame(record(f, `1.2.3.9.${i}`), 0));
    // The first went out when the last came in; the second is still held.
    await reason(viewerFrame(record(files[1], '1.2.3.9.1'), 0));
    await reason(viewerFrame(record(files[0], '1.2.3.9.0'), 0));
    expect(decodes(files[1])).toBe(1);
    expect(decodes(files[0])).toBe(2);
  });
});
