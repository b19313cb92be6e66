// The viewer's refusal cache (electron/engine/viewer/frame.ts) asks the disk about a file only
// where a refusal is at stake: a frame that is shown costs no stat however often it is visited,
// a refused one one stat per visit (is the file still as it was refused?). A file re-exported in
// place after its refusal is decoded again on the next visit, the library's record of it
// unchanged; a file whose time of change is recent and is not the one the library recorded is not
// kept as refused (it may have changed while it was decoded). Stats are counted by wrapping
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
  it('takes no stat for a frame that is shown, however often it is visited', async () => {
    const file = writeUs(scratch.dir(), 'shown', { ...IMG, lines: SOUND });
    const rec = record(file, '1.2.3.40');
    for (let visit = 0; visit < 6; visit++) expect(await reason(viewerFrame(rec, 0))).toBe('shown');
    expect(decodes(file)).toBe(6);
    expect(stats(file)).toBe(0);
  });

  it('takes one stat per visit of a refused frame, which is decoded once', async () => {
    const file = writeUs(scratch.dir(), 'refused', { ...IMG, lines: REFUSED });
    const rec = record(file, '1.2.3.41');
    const words: string[] = [];
    for (let visit = 0; visit < 6; visit++) words.push(await reason(viewerFrame(rec, 0)));
    expect(words[0]).toMatch(/Rescale Slope 1e38 makes every value infinite/);
    expect(new Set(words).size).toBe(1);
    expect(decodes(file)).toBe(1);
    expect(stats(file)).toBe(6);
  });

  it('decodes a file re-exported in place after its refusal again, the library not told', async () => {
    const file = writeUs(scratch.dir(), 're-exported', { ...IMG, lines: REFUSED });
    const rec = record(file, '1.2.3.42');
    expect(await reason(viewerFrame(rec, 0))).toMatch(/Rescale Slope 1e38/);
    expect(await reason(viewerFrame(rec, 0))).toMatch(/Rescale Slope 1e38/);
    expect(decodes(file)).toBe(1);
    // The same name, written again at once with a sound slope; the record still has the old size and time.
    writeUs(scratch.dir(), 're-exported', { ...IMG, lines: SOUND });
    expect(await reason(viewerFrame(rec, 0))).toBe('shown');
    expect(decodes(file)).toBe(2);
    // And back to the refused values: refused again, not shown from anything kept.
    writeUs(scratch.dir(), 're-exported', { ...IMG, lines: REFUSED });
    expect(await reason(viewerFrame(rec, 0))).toMatch(/Rescale Slope 1e38/);
    expect(decodes(file)).toBe(3);
  });

  it('does not keep a refusal of a file just changed from what the library recorded', async () => {
    const file = writeUs(scratch.dir(), 'changed-since-import', { ...IMG, lines: SOUND });
    const rec = record(file, '1.2.3.43');
    // Changed after the import (another size): the decode may have read it mid-change.
    writeUs(scratch.dir(), 'changed-since-import', { ...IMG, lines: ['(0028,1052) DS [0.0]', '(0028,1053) DS [1e38]'] });
    expect(await reason(viewerFrame(rec, 0))).toMatch(/Rescale Slope 1e38/);
    expect(await reason(viewerFrame(rec, 0))).toMatch(/Rescale Slope 1e38/);
    expect(decodes(file)).toBe(2);
  });
});
