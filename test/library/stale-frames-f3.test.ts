// A multi-frame file read again with fewer frames, and an image moved to another series (task F3,
// session 17, findings T-5 and T-2): the source made with GDCM's gdcmimg and dcmodify (as
// stale-map-frames.test.ts), labels through importLabelsCsv, scores through the prediction store,
// measurements as the viewer saves them. Before the fix, the stored scores of the old frames were
// listed (and exported), the label CSV held a frame-3 label of a 1-frame image (a row its own import
// refuses), and the measurement export listed a length on an image the series no longer holds.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PredictionResult } from '../../common/contract/models';
import { Library } from '../../electron/library/library';
import { PredictionStore } from '../../electron/library/predictions';
import { ResultsStore } from '../../electron/results/store';
import { exportLabelsCsv, importLabelsCsv } from '../../electron/training/labels';
import { ctPixels, tmpDir, writeSlice } from './fixtures';

const STUDY = '1.2.826.0.1.3680043.10.543.917.1';
const SERIES = `${STUDY}.1`;
const MF = `${SERIES}.1`;
const ONE = `${SERIES}.2`;
const HASH = 'f3'.repeat(32);
const root = tmpDir('stale-frames-f3');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function multiFrame(file: string, frames: number, seed: number): void {
  const raw = path.join(root, 'mf.raw');
  fs.writeFileSync(raw, Buffer.concat(Array.from({ length: frames }, (_, k) => ctPixels(32, 32, seed + k))));
  execFileSync('gdcmimg', ['--depth', '16', '--sign', '0', '--size', `32,32,${frames}`, '-T', STUDY, '-S', SERIES, '-i', raw, '-o', file], { stdio: 'pipe' });
  execFileSync('dcmodify', ['-nb', '-ie', '-i', `(0008,0018)=${MF}`, '-i', '(0008,0016)=1.2.840.10008.5.1.4.1.1.2', '-i', '(0008,0060)=CT', '-i', '(0010,0020)=F3', '-i', '(0010,0010)=FEWER^FRAMES', '-i', '(0028,1052)=-1024', '-i', '(0028,1053)=1', file], { stdio: 'pipe' });
}

function scores(images: { sop: string; frame: number }[]): PredictionResult {
  const list = images.map(({ sop, frame }) => ({ seriesInstanceUid: SERIES, sopInstanceUid: sop, frame, scores: [0.25, 0.75] }));
  return { modelHash: HASH, modelName: 'f3', classNames: ['none', 'lesion'], images: list, series: [{ seriesInstanceUid: SERIES, images: list.length, mean: [0.25, 0.75], max: [0.25, 0.75] }], createdAt: new Date().toISOString() } as PredictionResult;
}

describe('an image read again with fewer frames, or in another series', () => {
  it('lists, exports and counts only the frames and images the series holds now', async () => {
    const src = path.join(root, 'src');
    fs.mkdirSync(src);
    multiFrame(path.join(src, 'mf.dcm'), 3, 1);
    writeSlice(path.join(src, 'one.dcm'), { patientName: 'FEWER^FRAMES', patientId: 'F3', studyUid: STUDY, seriesUid: SERIES, sopUid: ONE, instanceNumber: 2, z: 2 });
    const lib = Library.open(path.join(root, 'library'));
    const store = new PredictionStore(lib);
    const model = { dir: root, metadata: { name: 'f3', classNames: ['none', 'lesion'] } };
    try {
      expect((await lib.importPaths([src])).errors).toEqual([]);
      store.save(scores([0, 1, 2].map((frame) => ({ sop: MF, frame })).concat({ sop: ONE, frame: 0 })), model);
      expect(importLabelsCsv(lib, `SOPInstanceUID,frame,label\r\n${MF},3,lesion\r\n${MF},1,none\r\n`).problems).toEqual([]);
      for (const [sop, frame] of [[MF, 0], [MF, 2], [ONE, 0]] as const) {
        lib.saveMeasurement({ id: `f3-${sop}-${frame}`, seriesInstanceUid: SERIES, sopInstanceUid: sop, frame, kind: 'length', points: [[2, 2], [20, 20]], createdAt: new Date().toISOString() });
      }
      expect(store.forSeries(SERIES)[0].images).toHaveLength(4);

      // mf.dcm again with one frame (other pixels); one.dcm moved to another series.
      multiFrame(path.join(src, 'mf.dcm'), 1, 7);
      execFileSync('dcmodify', ['-nb', '-m', `(0020,000E)=${SERIES}9`, path.join(src, 'one.dcm')], { stdio: 'pipe' });
      const later = new Date(Date.now() + 5000);
      for (const f of ['mf.dcm', 'one.dcm']) fs.utimesSync(path.join(src, f), later, later);
      const again = await lib.importPaths([src]);
      expect(again.errors).toEqual([]);
      expect(lib.listInstances(SERIES).map((i) => [i.sopInstanceUid, i.frames])).toEqual([[MF, 1]]);

      // No score of the old file's frames, none of the image that left; the export reads the same.
      expect(store.forSeries(SERIES)).toEqual([]);
      const results = new ResultsStore(lib);
      try {
        expect(results.predictions({ seriesInstanceUid: SERIES })).toEqual([]);
        expect(results.measurements({ seriesInstanceUid: SERIES }).map((m) => [m.sopInstanceUid, m.frame])).toEqual([[MF, 0]]);
      } finally {
        results.close();
      }
      // Scored again: listed, frame 1 only.
      store.save(scores([{ sop: MF, frame: 0 }]), model);
      expect(store.forSeries(SERIES)[0].images.map((i) => [i.sopInstanceUid, i.frame])).toEqual([[MF, 0]]);
      expect(store.forSeries(SERIES)[0].series[0].images).toBe(1);

      const exported = exportLabelsCsv(lib);
      expect(exported.csv.trim().split(/\r?\n/).slice(1)).toEqual([`${STUDY},${SERIES},${MF},1,none`]);
      expect(exported).toMatchObject({ rows: 1, skipped: 1, note: expect.stringMatching(/^1 label was not written: of a frame past the last of its image/) });
    } finally {
      store.close();
      lib.close();
    }
  });
});
