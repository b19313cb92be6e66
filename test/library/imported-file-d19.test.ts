// Task D (session 19): one changed-since-import rule (electron/library/imported-file.ts). The
// import (importer.ts, eight places) and stored scores (predictions.ts) compared size and mtime
// themselves; they now ask sameAsRow (a stat the import already made) and sameStamp (two records).
// The rule on real files: the same regular file, size and mtimeMs exactly; a row an older library
// wrote without size or time (a result filed before schema 19) is never the same, on purpose, so
// it is read once more to record them (the import's count for it: test/library/reimport.test.ts).
// And the import still stats each file as often as before (once; the copy a duplicate's decision
// names, and a file a DICOMDIR lists, once more): stats are counted by wrapping node:fs's real statSync, as
// test/training/series-head-stats-g18.test.ts does. The counts below are those of the code before
// this change (run on it: the same numbers).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sameAsRow, sameStamp, stampOf } from '../../electron/library/imported-file';
import { Library } from '../../electron/library/library';
import { scoresOfHeldImage } from '../../electron/library/predictions';
import { buildMixedFolder, copyMixedFolder, tmpDir } from './fixtures';

const statted = vi.hoisted(() => [] as string[]);
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const statSync = ((p: Parameters<typeof real.statSync>[0], ...rest: unknown[]) => {
    statted.push(String(p));
    return (real.statSync as (...a: unknown[]) => unknown)(p, ...rest);
  }) as typeof real.statSync;
  return { ...real, statSync, default: { ...real, statSync } };
});

describe('the changed-since-import rule', () => {
  let root: string;
  beforeAll(() => {
    root = tmpDir('imported-file-d19');
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const rowOf = (s: fs.Stats) => ({ file_size: s.size, mtime_ms: s.mtimeMs });

  it('a file as its row recorded it is the same; another size or time, to the last bit of mtimeMs, is not', () => {
    const file = path.join(root, 'a.bin');
    fs.writeFileSync(file, 'twelve bytes');
    fs.utimesSync(file, 1_700_000_000.123456, 1_700_000_000.123456);
    const stat = fs.statSync(file);
    expect(sameAsRow(rowOf(stat), stat)).toBe(true);
    expect(sameAsRow({ ...rowOf(stat), file_size: stat.size + 1 }, stat)).toBe(false);
    // The next double up from the recorded time: compared exactly, not rounded to the millisecond.
    const next = stat.mtimeMs + Math.abs(stat.mtimeMs) * Number.EPSILON;
    expect(next).not.toBe(stat.mtimeMs);
    expect(sameAsRow({ ...rowOf(stat), mtime_ms: next }, stat)).toBe(false);
    expect(sameAsRow({ ...rowOf(stat), mtime_ms: Math.round(stat.mtimeMs) }, stat)).toBe(false);
  });

  it('a row written without size or time (before schema 19) is never the same: read once more to record them', () => {
    const file = path.join(root, 'b.bin');
    fs.writeFileSync(file, 'x');
    const stat = fs.statSync(file);
    expect(stampOf({ file_size: null, mtime_ms: null })).toBeNull();
    expect(stampOf({ file_size: stat.size, mtime_ms: null })).toBeNull();
    expect(sameAsRow({ file_size: null, mtime_ms: null }, stat)).toBe(false);
    expect(sameAsRow({ file_size: stat.size, mtime_ms: null }, stat)).toBe(false);
    expect(sameAsRow({ file_size: null, mtime_ms: stat.mtimeMs }, stat)).toBe(false);
  });

  it('a folder now where the file was is not the file, whatever its size and time', () => {
    const dir = path.join(root, 'now-a-folder');
    fs.mkdirSync(dir);
    const stat = fs.statSync(dir);
    expect(sameAsRow(rowOf(stat), stat)).toBe(false);
  });

  it('stored scores are of the held image only when made from the same size and time', () => {
    const image = { series_uid: '1.2.3', frames: 1, file_size: 1234, mtime_ms: 1_700_000_000_123.25, imported_at: '2026-12-07T10:00:00.000Z' };
    const row = (madeFrom: unknown) => ({ created_at: '2026-12-07T11:00:00.000Z', series_uid: '1.2.3', frame: 0, madeFrom });
    expect(sameStamp({ fileSize: 1234, mtimeMs: image.mtime_ms }, { fileSize: image.file_size, mtimeMs: image.mtime_ms })).toBe(true);
    expect(scoresOfHeldImage(row([1234, image.mtime_ms]), image)).toBe(true);
    expect(scoresOfHeldImage(row([1234, 1_700_000_000_123]), image)).toBe(false);
    expect(scoresOfHeldImage(row([1235, image.mtime_ms]), image)).toBe(false);
    // Hostile JSON: text where the numbers were says nothing is the same.
    expect(scoresOfHeldImage(row(['1234', String(image.mtime_ms)]), image)).toBe(false);
  });
});

describe('importing a folder again stats each file as often as before', () => {
  let lib: Library;
  let dir: string;
  beforeAll(async () => {
    dir = copyMixedFolder(buildMixedFolder(path.join(tmpDir('imported-file-d19-template'), 'mixed')), 'imported-file-d19');
    // A second copy of an image (the same bytes), found first: series/IM0 is the duplicate, whose decision names copy/IM0 as kept.
    fs.mkdirSync(path.join(dir, 'copy'));
    fs.cpSync(path.join(dir, 'series', 'IM0'), path.join(dir, 'copy', 'IM0'), { preserveTimestamps: true });
    lib = Library.open(path.join(path.dirname(dir), 'library'));
    await lib.importPaths([dir]);
  }, 120_000);
  afterAll(() => {
    lib?.close();
    if (dir) fs.rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it('once each (the copy kept once more, for its duplicate), and nothing read again', async () => {
    const from = statted.length;
    const report = await lib.importPaths([dir]);
    const counts = new Map<string, number>();
    for (const p of statted.slice(from)) if (p.startsWith(dir + path.sep)) counts.set(path.relative(dir, p), (counts.get(path.relative(dir, p)) ?? 0) + 1);
    expect(Object.fromEntries([...counts].sort())).toEqual({
      '0042': 1,
      'broken/notes.txt': 1,
      'broken/random.dcm': 1,
      'broken/truncated': 1,
      'broken/zero': 1,
      'copy/IM0': 2,
      // Once as the folder's files, once as the DICOMDIR's (scan.ts finds its names on disk).
      'disc/DICOM/IMG1': 2,
      'disc/DICOM/IMG2': 2,
      'disc/DICOMDIR': 1,
      nopreamble: 1,
      'series/IM0': 1,
      'series/IM1': 1,
      'series/IM2': 1,
      'series/IM3': 1,
      'series/IM4': 1,
    });
    expect(report).toMatchObject({ imported: 0, changed: 0, unchanged: 9 });
  });
});
