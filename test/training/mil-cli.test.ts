// `lumen train --level series`, `lumen predict --series --json` and `lumen predictions --series
// --json` as a user runs them (spawned): a package with a series head, each slice's attention
// and the series' pooled score, the same from the store; bad options refused before any work.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importedLibrary, runLumen } from '../support/cli';
import { readRunResults } from '../../electron/training/run-results';
import { loadPackage } from '../../models/package';
import { writeMilPhantoms, type MilPhantomSet } from './mil-phantoms';

let root: string;
let set: MilPhantomSet;
let library: string;

const lumen = (args: string[]) => runLumen(args, path.join(root, 'data'));

beforeAll(async () => {
  ({ root, library, set } = await importedLibrary('mil-cli', (dicom) => writeMilPhantoms(dicom, { patients: 8, seriesPerPatient: 2, slices: 6, lesionSlices: 2, seed: 5 })));
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('lumen train --level series', () => {
  it('refuses a level it does not know, and series level with a trained backbone, before any work', async () => {
    const bad = await lumen(['train', '--library', library, '--labels', set.csv, '--variant', 'custom-phi-10', '--out', path.join(root, 'x'), '--level', 'slices']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--level must be image .* or series .*, got "slices"/);
    const scratch = await lumen(['train', '--library', library, '--labels', set.csv, '--variant', 'custom-phi-10', '--out', path.join(root, 'x'), '--level', 'series', '--from-scratch']);
    expect(scratch.code).toBe(2);
    expect(scratch.stderr).toMatch(/--level series trains an attention head on cached backbone features/);
  });

  it('trains per series, and predict and predictions return each slice\'s attention and the series\' pooled score', async () => {
    const out = path.join(root, 'mil-pkg');
    const trained = await lumen(['train', '--library', library, '--labels', set.csv, '--variant', 'custom-phi-10', '--resolution', '32', '--window', 'ct-abdomen', '--epochs', '10', '--level', 'series', '--out', out, '--json']);
    expect(trained.code, trained.stderr).toBe(0);
    const r = JSON.parse(trained.stdout);
    expect(r.level).toBe('series');
    // Per series: the test patients' series, two each.
    expect(r.test.n).toBe(r.split.series.test);
    expect(r.split.series.train + r.split.series.validation + r.split.series.test).toBe(set.series.length);
    expect(r.testPredictions).toHaveLength(r.test.n);
    for (const t of r.testPredictions) expect(t.attention.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 5);
    // Pseudonyms only: no PatientID or UID of the data in what a package records.
    expect(trained.stdout).not.toMatch(/MIL0\d\d/);
    // Too few validation series to fit a temperature on: T = 1, and the package, its card and
    // the Training tab's results say why (models/training/calibration.ts, CALIBRATION_MINIMUM).
    const reason = `the validation split has ${r.split.series.validation} series, fewer than the 20 a temperature is fitted on`;
    expect(r.split.series.validation).toBeLessThan(20);
    expect(r.calibration).toMatchObject({ applied: false, temperature: 1, reason });
    const pkg = await loadPackage(out, { loadModel: false });
    expect(pkg.metadata.calibration?.reason).toBe(reason);
    expect(pkg.metadata.modelCard).toContain(`No temperature applied (T = 1): ${reason} (${r.split.series.validation} validation series`);
    expect((await readRunResults(out)).calibration).toMatchObject({ applied: false, reason });

    const uid = set.series[0].seriesUid;
    const predicted = await lumen(['predict', '--model', out, '--library', library, '--series', uid, '--json']);
    expect(predicted.code, predicted.stderr).toBe(0);
    const p = JSON.parse(predicted.stdout);
    expect(p.series).toHaveLength(1);
    expect(p.series[0].pooled.method).toBe('gated-attention');
    expect(p.series[0].pooled.scores.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 5);
    expect(p.images).toHaveLength(6);
    expect(p.images.reduce((a: number, im: { attention: number }) => a + im.attention, 0)).toBeCloseTo(1, 5);

    const listed = await lumen(['predictions', '--series', uid, '--library', library, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const stored = JSON.parse(listed.stdout).predictions.find((q: { modelHash: string }) => q.modelHash === p.modelHash);
    expect(stored.series[0].pooled.scores).toEqual(p.series[0].pooled.scores);
    expect(p.series[0].pooled.uncertainty).toBeTypeOf('number');
    // "High" is measured against the validation series, as training reported them.
    expect(r.ensemble).toMatchObject({ heads: 5, validation: { n: r.split.series.validation } });
    expect(p.series[0].pooled.uncertaintyHigh).toBe(r.ensemble.validation.p95);
    // Fewer than 20 validation series: their 95th percentile would be about their largest, so no
    // "high" is stored (series-ensemble.ts, SERIES_HIGH_MINIMUM), and the card says why.
    expect(r.ensemble.validation.p95).toBeNull();
    expect(pkg.metadata.modelCard).toContain(`On the ${r.split.series.validation} validation series: mean ${r.ensemble.validation.mean.toFixed(3)}; fewer than the 20 a 95th percentile needs, so no series is called high or usual.`);
    // The same run without --json writes its lines and exits 0 (it crashed on the missing 95th percentile).
    const human = await lumen(['train', '--library', library, '--labels', set.csv, '--variant', 'custom-phi-10', '--resolution', '32', '--window', 'ct-abdomen', '--epochs', '2', '--level', 'series', '--out', path.join(root, 'mil-human')]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^Uncertainty: 5 heads on the series head's pooled features; on the \d+ validation series mean \d\.\d{3}; fewer than the 20 a 95th percentile needs, so no series is called high or usual$/m);
    expect(human.stderr).not.toMatch(/Cannot read|TypeError/);
    // A two-class series head: the summary says which rule counts a class, as lumen eval does.
    expect(human.stdout).toMatch(/^Test split: \d+ series · .*\n {2}Counted as \S+ from a \S+ score of \d\.\d+ \(the threshold chosen on validation\)/m);
    expect(stored.series[0].pooled.uncertainty).toBe(p.series[0].pooled.uncertainty);
    for (const im of p.images) expect(stored.images.find((s: { sopInstanceUid: string }) => s.sopInstanceUid === im.sopInstanceUid).attention).toBeCloseTo(im.attention, 6);

    const text = await lumen(['predict', '--model', out, '--library', library, '--series', uid]);
    // With the series' uncertainty from the package's series uncertainty heads (mil-uncertainty.test.ts).
    expect(text.stdout).toMatch(/series score \(attention pooling\): none \d\.\d{3} · lesion \d\.\d{3}; uncertainty \d\.\d{3} \(not called high or usual: the package had fewer than 20 validation series, too few for a 95th percentile to say what is usual\); most weight on /);
    expect(text.stdout).toContain(`; uncertainty ${p.series[0].pooled.uncertainty.toFixed(3)}`);

    // lumen eval gives each series' uncertainty beside its pooled score, as predict does (--json and text).
    const evaluated = await lumen(['eval', '--model', out, '--library', library, '--subset', 'all', '--json']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const e = JSON.parse(evaluated.stdout);
    expect(e.level).toBe('series');
    expect(e.seriesPredictions).toHaveLength(set.series.length);
    for (const s of e.seriesPredictions) {
      expect(s.uncertainty).toBeTypeOf('number');
      expect(s.uncertainty).toBeGreaterThanOrEqual(0);
      expect(s.uncertainty).toBeLessThanOrEqual(1);
      expect(s.uncertaintyHigh).toBeNull();
    }
    const same = e.seriesPredictions.find((s: { seriesInstanceUid: string }) => s.seriesInstanceUid === uid);
    expect(same.uncertainty).toBeCloseTo(p.series[0].pooled.uncertainty, 6);
    expect(same.scores[0]).toBeCloseTo(p.series[0].pooled.scores[0], 6);
    const evalText = await lumen(['eval', '--model', out, '--library', library, '--subset', 'all']);
    expect(evalText.code, evalText.stderr).toBe(0);
    expect(evalText.stdout).toContain('Series scores (attention pooling), with the uncertainty of the series uncertainty heads:');
    expect(evalText.stdout).toMatch(new RegExp(`\\n  ${uid.replace(/\./g, '\\.')} \\(labelled (lesion|none)\\): none \\d\\.\\d{3} · lesion \\d\\.\\d{3}; uncertainty ${same.uncertainty.toFixed(3).replace('.', '\\.')} \\(not called high or usual: `));
    expect(evalText.stdout.match(/^ {2}\S+ \((labelled \w+|mixed labels, left out)\): .*; uncertainty \d\.\d{3} /gm)).toHaveLength(set.series.length);
  }, 300_000);
});
