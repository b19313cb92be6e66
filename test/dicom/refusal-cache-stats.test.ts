// The viewer (electron/engine/viewer/frame.ts) asks the disk about a file once per visit, beside
// its decode: is it still the file the library recorded at import? A shown frame costs that one
// stat; a refused one is decoded once and costs one stat per visit after (is the file still as it
// was refused?). A file re-exported in place, the library not told, is decoded again on the next
// visit and refused as changed since import (s17: before, it was drawn under the library's series
// and patient whatever it held now); that refusal is never kept. Stats are counted by wrapping
// node:fs/promises' real stat (every call still goes to the disk); decodes by
// LUMEN_TEST_VIEWER_LOG's lines (a line per viewer frame a worker starts). No timing.
import { statSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { viewerFrame } from '../../electron/engine/viewer/frame';
import type { InstanceRecord } from '../../electron/library/types';
import { useDecodeLog } from './decode-log';
import { writeUs, type UsImage } from './us-regions-fixture';

const statted = vi.hoisted(() => [] as string[]);
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const stat = ((path: Parameters<typeof real.stat>[0], ...rest: unknown[]) => {
    statted.push(String(path));
    return (real.stat as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof real.stat;
  return { ...real, stat, default: { ...real, stat } };
});

const scratch = useDecodeLog('lumen-refusal-cache-stats-');

const IMG: UsImage = { columns: 60, rows: 45, modality: 'CT' };
const REFUSED = ['(0028,1052) DS [0]', '(0028,1053) DS [1e38]'];
const SOUND = ['(0028,1052) DS [-1024.0]', '(0028,1053) DS [1.0]'];
const { decodes } = scratch;
/** Stats of this file since the test began. */
const stats = (file: string) => statted.filter((p) => p === file).length;
/** The library's record of the file as it is now on disk (as an import leaves it). */
const record = (path: string, sop: string) => ({ path, sopInstanceUid: sop, frames: 1, missing: false, fileSize: statSync(path).size, mtimeMs: statSync(path).mtimeMs }) as InstanceRecord;
const reason = (p: Promise<unknown>) => p.then(() => 'shown', (e: unknown) => (e as Error).message);

describe('the refusal cache and the disk', () => {
  it('takes one stat per visit of a frame that is shown, made while it decodes', async () => {
    const file = writeUs(scratch.dir(), 'shown', { ...IMG, lines: SOUND });
    const rec = record(file, '1.2.3.40');
    for (let visit = 0; visit < 6; visit++) expect(await reason(viewerFrame(rec, 0))).toBe('shown');
    expect(decodes(file)).toBe(6);
    expect(stats(file)).toBe(6);
  });

  it('takes one stat per visit of a refused frame, which is decoded once', async () => {
    const file = writeUs(scratch.dir(), 'refused', { ...IMG, lines: REFUSED });
    const rec = record(file, '1.2.3.41');
    const words: string[] = [];
    for (let visit = 0; visit < 6; visit++) words.push(await reason(viewerFrame(rec, 0)));
    expect(words[0]).toMatch(/Rescale Slope 1e38 makes every value infinite/);
    expect(new Set(words).size).toBe(1);
    expect(decodes(file)).toBe(1);
    // The first visit: one beside the decode, one after its refusal (the file as refused); then one each.
    expect(stats(file)).toBe(7);
  });

  it('decodes a file re-exported in place after its refusal again and refuses it as changed, the library not told', async () => {
    const file = writeUs(scratch.dir(), 're-exported', { ...IMG, lines: REFUSED });
    const rec = record(file, '1.2.3.42');
    expect(await reason(viewerFrame(rec, 0))).toMatch(/Rescale Slope 1e38/);
    expect(await reason(viewerFrame(rec, 0))).toMatch(/Rescale Slope 1e38/);
    expect(decodes(file)).toBe(1);
    // The same name, written again at once with a sound slope; the record still has the old size and time.
    writeUs(scratch.dir(), 're-exported', { ...IMG, lines: SOUND });
    expect(await reason(viewerFrame(rec, 0))).toMatch(/changed since it was imported/);
    expect(decodes(file)).toBe(2);
    // And back to the refused values: refused as changed again, decoded again (nothing kept).
    writeUs(scratch.dir(), 're-exported', { ...IMG, lines: REFUSED });
    expect(await reason(viewerFrame(rec, 0))).toMatch(/changed since it was imported/);
    expect(decodes(file)).toBe(3);
    // Once imported again (the library's record is the file's), its own words.
    expect(await reason(viewerFrame(record(file, '1.2.3.42'), 0))).toMatch(/Rescale Slope 1e38/);
  });

  it('does not keep a refusal of a file just changed from what the library recorded', async () => {
    const file = writeUs(scratch.dir(), 'changed-since-import', { ...IMG, lines: SOUND });
    const rec = record(file, '1.2.3.43');
    // Changed after the import (another size): the decode may have read it mid-change.
    writeUs(scratch.dir(), 'changed-since-import', { ...IMG, lines: ['(0028,1052) DS [0.0]', '(0028,1053) DS [1e38]'] });
    expect(await reason(viewerFrame(rec, 0))).toMatch(/changed since it was imported/);
    expect(await reason(viewerFrame(rec, 0))).toMatch(/changed since it was imported/);
    expect(decodes(file)).toBe(2);
  });
});
