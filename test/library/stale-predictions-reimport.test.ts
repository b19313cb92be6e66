// Stored scores after an image's file changes (task T, session 17, findings T-1, T-2, T-5), as a user
// meets them with the lumen command: files written with dump2dcm (fixtures.ts writeSlice) and edited
// with dcmodify, a tiny random-head package (test/support/tiny-package.ts), `lumen predict`, then
// `lumen import` of the same folder after the files changed. Before the fix, `lumen predictions` (and
// the app's results panel, which reads the same store) kept listing the scores made from the old
// file as the image's latest, and counted an image the import had taken out of the series.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { tmpDir, writeSlice } from './fixtures';

const STUDY = '1.2.826.0.1.3680043.10.543.915.1';
const SERIES = `${STUDY}.1`;
const P = { patientName: 'STALE^SAM', patientId: 'T1', studyUid: STUDY, seriesUid: SERIES };

interface Stored {
  predictions: { images: { sopInstanceUid: string; frame: number; scores: number[] }[]; series: { images: number }[] }[];
}

describe('stored scores after the files of a series change', () => {
  let dataDir: string;
  let src: string;
  let before: Stored;
  const stored = async (): Promise<Stored> => {
    const r = await runLumen(['predictions', '--series', SERIES, '--json'], dataDir);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Stored;
  };
  beforeAll(async () => {
    dataDir = tmpDir('stale-predictions');
    src = path.join(dataDir, 'incoming');
    fs.mkdirSync(src);
    for (const i of [1, 2, 3]) writeSlice(path.join(src, `${i}.dcm`), { ...P, sopUid: `${SERIES}.${i}`, instanceNumber: i, z: i });
    await saveRandomHeadPackage(path.join(dataDir, 'models', 'tiny'), { inputSize: 64, seed: 4, sd: 5, headSeed: 6 }, { name: 'tiny', classNames: ['none', 'lesion'], preprocessing: { window: 'ct-abdomen', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } });
    expect((await runLumen(['import', src], dataDir)).code).toBe(0);
    const predicted = await runLumen(['predict', '--model', 'tiny', '--series', SERIES], dataDir);
    expect(predicted.code, predicted.stderr).toBe(0);
    before = await stored();
    expect(before.predictions[0].images.map((i) => i.sopInstanceUid)).toEqual([1, 2, 3].map((i) => `${SERIES}.${i}`));

    // 1.dcm: the same SOP Instance UID, other pixels (48 x 48, another slice). 2.dcm: another Series
    // Instance UID, so the import moves its image out of the series (another patient's ID no longer
    // does: the library keeps the image it read before). Both a little later, as an edit would make them.
    writeSlice(path.join(src, '1.dcm'), { ...P, sopUid: `${SERIES}.1`, instanceNumber: 9, z: 1, rows: 48, columns: 48 });
    execFileSync('dcmodify', ['-nb', '-m', `(0020,000E)=${SERIES}9`, path.join(src, '2.dcm')], { stdio: 'pipe' });
    const later = new Date(Date.now() + 5000);
    for (const f of ['1.dcm', '2.dcm']) fs.utimesSync(path.join(src, f), later, later);
    const again = await runLumen(['import', src], dataDir);
    expect(again.stdout).toMatch(/changed file/);
  }, 120_000);
  afterAll(() => {
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("does not list the old file's scores as the changed image's, nor an image the series no longer has", async () => {
    const after = await stored();
    const images = after.predictions.flatMap((p) => p.images);
    const old1 = before.predictions[0].images.find((i) => i.sopInstanceUid === `${SERIES}.1`)!;
    // The changed file: no score made from the file it was (dropped, or made again from the new one).
    for (const im of images.filter((i) => i.sopInstanceUid === `${SERIES}.1`)) expect(im.scores).not.toEqual(old1.scores);
    // The image the import took out of the series is not listed, nor counted in the series' summary.
    expect(images.map((i) => i.sopInstanceUid)).not.toContain(`${SERIES}.2`);
    for (const p of after.predictions) expect(p.series[0].images).toBe(p.images.length);
    expect(images.map((i) => i.sopInstanceUid)).toContain(`${SERIES}.3`);
  });
});
