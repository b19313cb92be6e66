// A Parametric Map with one frame per frame of a multi-frame source image (task T, session 17,
// finding T-4), as highdicom and other tools write them: each map frame's DerivationImageSequence
// names the source SOP Instance UID and its Referenced Frame Number. The source is made with GDCM's
// gdcmimg (three frames) and dcmodify. Before the fix, the map of source frame 2 and 3 was the map's
// frame 1: the first per-frame group naming the SOP Instance UID was taken, whatever its frame.
// A second map (task F3) names frame 1 in its first frame's group and frame 2 in the Shared group
// only (its second frame has no group of its own that names a source): before the fix, source frame
// 2 got map frame 1 (the first per-frame group naming the SOP).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { buildParametricMap } from '../../electron/results/parametric-map';
import { readDataset, writeDataset } from '../../electron/results/part10';
import { ctPixels, tmpDir } from './fixtures';

const STUDY = '1.2.826.0.1.3680043.10.543.914.1';
const SERIES = `${STUDY}.1`;
const SOP = `${SERIES}.1`;
const root = tmpDir('stale-map-frames');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

type Layout = 'per-frame' | 'shared';

/** The map's value ranges over source frames 1..3 (rounded), of a map laid out as `layout` says. */
async function rangesOver(layout: Layout): Promise<(number[] | null)[]> {
  const src = path.join(root, layout, 'src');
  fs.mkdirSync(src, { recursive: true });
  const image = path.join(src, 'mf.dcm');
  const raw = path.join(root, layout, 'mf.raw');
  fs.writeFileSync(raw, Buffer.concat([1, 2, 3].map((s) => ctPixels(32, 32, s))));
  execFileSync('gdcmimg', ['--depth', '16', '--sign', '0', '--size', '32,32,3', '-T', STUDY, '-S', SERIES, '-i', raw, '-o', image], { stdio: 'pipe' });
  execFileSync('dcmodify', ['-nb', '-ie', '-i', `(0008,0018)=${SOP}`, '-i', '(0008,0016)=1.2.840.10008.5.1.4.1.1.2', '-i', '(0008,0060)=CT', '-i', '(0010,0020)=T4', '-i', '(0010,0010)=MULTI^FRAME', '-i', '(0028,1052)=-1024', '-i', '(0028,1053)=1', image], { stdio: 'pipe' });

  const { dataset: source } = readDataset(image, { headerOnly: true });
  const cells = 32 * 32;
  // Map frame k: values k*10 .. k*10 + 1, a ramp (a flat map is not drawn).
  const values = new Float32Array(3 * cells);
  for (let k = 0; k < 3; k++) for (let i = 0; i < cells; i++) values[k * cells + i] = k * 10 + i / cells;
  const map = buildParametricMap({ source, frame: 0, frames: 3, values: values.subarray(0, cells), rows: 32, columns: 32, className: 'lesion', modelName: 'other tool', packageHash: '0'.repeat(64), seriesInstanceUid: `${STUDY}.99`, seriesNumber: 99, instanceNumber: 1 });
  const shared = (map.SharedFunctionalGroupsSequence as Record<string, unknown>[])[0];
  const derivation = (shared.DerivationImageSequence as { SourceImageSequence: Record<string, unknown>[] }[])[0];
  delete shared.DerivationImageSequence;
  const naming = (frame: number) => [{ ...derivation, SourceImageSequence: [{ ...derivation.SourceImageSequence[0], ReferencedFrameNumber: frame }] }];
  if (layout === 'per-frame') {
    map.NumberOfFrames = 3;
    map.PerFrameFunctionalGroupsSequence = [0, 1, 2].map((k) => ({ FrameContentSequence: [{ DimensionIndexValues: [k + 1] }], DerivationImageSequence: naming(k + 1) }));
    map.FloatPixelData = values.buffer;
  } else {
    map.NumberOfFrames = 2;
    shared.DerivationImageSequence = naming(2);
    map.PerFrameFunctionalGroupsSequence = [
      { FrameContentSequence: [{ DimensionIndexValues: [1] }], DerivationImageSequence: naming(1) },
      { FrameContentSequence: [{ DimensionIndexValues: [2] }] },
    ];
    map.FloatPixelData = values.slice(0, 2 * cells).buffer;
  }
  fs.writeFileSync(path.join(src, 'map.dcm'), writeDataset(map));

  const lib = Library.open(path.join(root, layout, 'library'));
  try {
    const report = await lib.importPaths([src]);
    expect(report.errors).toEqual([]);
    expect(report.results).toBe(1);
    return [0, 1, 2].map((frame) => {
      const m = lib.parametricMap(SOP, frame);
      return m && [Math.round(m.min), Math.round(m.max)];
    });
  } finally {
    lib.close();
  }
}

describe('a parametric map of a multi-frame image, one map frame per source frame', () => {
  it('draws each source frame its own map frame', async () => {
    expect(await rangesOver('per-frame')).toEqual([[0, 1], [10, 11], [20, 21]]);
  });

  it("reads the Shared group's source where a frame's own group names none", async () => {
    expect(await rangesOver('shared')).toEqual([[0, 1], [10, 11], null]);
  });
});
