// A de-identified copy imported next to its original (task T, session 17): nothing the library holds
// of the original (labels, scores) shows on the copy, and the original keeps its own. A user's journey
// with the lumen command: CT slices written with dump2dcm (fixtures.ts writeSlice), a label CSV, a tiny
// random-head package (test/support/tiny-package.ts) and `lumen predict`, then `lumen export
// --deidentify` of the study and `lumen import` of what it wrote, into the same library.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { tmpDir, writeSlice } from './fixtures';

const STUDY = '1.2.826.0.1.3680043.10.543.912.1';
const SERIES = `${STUDY}.1`;
const P = { patientName: 'ORIGINAL^OSCAR', patientId: 'TDEID1', studyUid: STUDY, seriesUid: SERIES };

interface Listing {
  patients: { patientName: string | null; studies: { studyInstanceUid: string; series: { seriesInstanceUid: string; instances: number }[] }[] }[];
}

const dataDir = tmpDir('stale-deid');
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

async function lumen(args: string[]): Promise<string> {
  const r = await runLumen(args, dataDir);
  expect(r.code, `lumen ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

describe('a de-identified copy imported next to its original', () => {
  it('is its own patient, with none of the original\'s labels or scores; the original keeps its own', async () => {
    const src = path.join(dataDir, 'incoming');
    fs.mkdirSync(src);
    for (const i of [1, 2]) writeSlice(path.join(src, `${i}.dcm`), { ...P, sopUid: `${SERIES}.${i}`, instanceNumber: i, z: i });
    await lumen(['import', src]);
    const csv = path.join(dataDir, 'labels.csv');
    fs.writeFileSync(csv, `SeriesInstanceUID,label\n${SERIES},lesion\n`);
    await lumen(['labels', 'import', csv]);
    await saveRandomHeadPackage(path.join(dataDir, 'models', 'tiny'), { inputSize: 64, seed: 4, sd: 5, headSeed: 6 }, { name: 'tiny', classNames: ['none', 'lesion'], preprocessing: { window: 'ct-abdomen', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } });
    await lumen(['predict', '--model', 'tiny', '--series', SERIES]);

    const out = path.join(dataDir, 'deidentified');
    await lumen(['export', '--deidentify', STUDY, '--out', out]);
    await lumen(['import', out]);

    const listing = JSON.parse(await lumen(['ls', '--json'])) as Listing;
    expect(listing.patients).toHaveLength(2);
    const original = listing.patients.find((p) => p.patientName === P.patientName)!;
    const copy = listing.patients.find((p) => p !== original)!;
    expect(original.studies.map((s) => s.studyInstanceUid)).toEqual([STUDY]);
    expect(copy.patientName).not.toContain('OSCAR');
    const copyStudy = copy.studies[0];
    expect(copyStudy.studyInstanceUid).not.toBe(STUDY);
    const copySeries = copyStudy.series[0].seriesInstanceUid;
    expect(copySeries).not.toBe(SERIES);
    expect(copyStudy.series[0].instances).toBe(2);

    // Labels: the original's series only.
    const labels = path.join(dataDir, 'labels-out.csv');
    await lumen(['labels', 'export', '--out', labels]);
    const rows = fs.readFileSync(labels, 'utf8').trim().split(/\r?\n/).slice(1);
    expect(rows).toEqual([`${STUDY},${SERIES},,,lesion`]);

    // Scores: the original's two images; none for the copy.
    const stored = JSON.parse(await lumen(['predictions', '--series', SERIES, '--json'])) as { predictions: { images: unknown[] }[] };
    expect(stored.predictions.map((p) => p.images.length)).toEqual([2]);
    const none = await runLumen(['predictions', '--series', copySeries], dataDir);
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/^No predictions are stored for series /);
  }, 180_000);
});
