// Localizers (Image Type LOCALIZER, files by dcmtk's dump2dcm: test/e2e/external-dicom-more.ts)
// never reach a training dataset, even when a study label covers them: the labelled images
// training reads leave them out, and the Training tab's dataset preview says how many.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { TrainingStore } from '../../electron/training/store';
import { writeMoreExternalSet, type MoreExternalSet } from '../e2e/external-dicom-more';
import { tmpDir } from '../library/fixtures';
import { trainingRequests } from './support';

const training = trainingRequests();
const dataDir = tmpDir('localizer-dataset');
let set: MoreExternalSet;
let lib: Library;

beforeAll(async () => {
  set = writeMoreExternalSet(path.join(dataDir, 'incoming'));
  lib = Library.open(path.join(dataDir, 'library'));
  await lib.importPaths([set.dir]);
  training.open(dataDir);
}, 120_000);

afterAll(async () => {
  await training.close();
  lib?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('localizers and training datasets', () => {
  it('leaves labelled localizer series out of the dataset, and the preview says how many', async () => {
    // Study labels: they cover every series, the localizers included.
    await training.call('training.labels.set', { targets: [{ kind: 'study', uid: set.orientations.studyUid }], label: 'mr' });
    await training.call('training.labels.set', { targets: [{ kind: 'study', uid: set.nonImage.studyUid }], label: 'ct' });
    const studies = lib.listStudiesWithSeries().filter((s) => [set.orientations.studyUid, set.nonImage.studyUid].includes(s.studyInstanceUid));
    const series = studies.flatMap((s) => s.series).filter((s) => s.modality !== 'SR');
    const localizers = series.filter((s) => s.localizer);
    expect(localizers.map((s) => s.seriesDescription).sort()).toEqual(['SURVEY', 'TOPOGRAM']);

    const store = new TrainingStore(lib);
    try {
      const images = store.labelledImages();
      expect(images.some((im) => localizers.some((s) => s.seriesInstanceUid === im.seriesInstanceUid))).toBe(false);
      expect(images).toHaveLength(series.filter((s) => !s.localizer).reduce((n, s) => n + s.frames, 0));
      expect(store.labelledLocalizerSeries()).toBe(2);
    } finally {
      store.close();
    }

    const preview = await training.call('training.dataset.preview', { seed: 1 });
    expect(preview.localizerSeries).toBe(2);
    expect(preview.images).toBe(series.filter((s) => !s.localizer).reduce((n, s) => n + s.frames, 0));
    expect(preview.warnings).toContain('2 labelled localizer series are left out of the dataset (Image Type LOCALIZER: a scout image, not one to learn the class from).');
  });
});
