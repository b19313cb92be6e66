// Every `lumen bench` suite that has no test of its own, run at its smallest size with --json:
// the report has its documented shape, the counts follow from the options, the figures are
// finite and positive, nothing else is printed, and a bad option is refused with exit 2 and a
// message naming it. No timing is asserted: timings belong to the benchmark, not to tests.
// The dicom suite compiles and runs its dcmtk/GDCM program (g++, libdcmtk-dev, libgdcm-dev:
// .ci/run installs them); the viewer suite drives Debian's Chromium.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

function bench(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync(process.execPath, ['bin/lumen.mjs', 'bench', ...args], { encoding: 'utf8', cwd: root, timeout: 300_000 });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** The suite's --json report; the run exits 0 and prints nothing else (no banner, warning or stack). */
function report(args: string[]) {
  const res = bench([...args, '--json']);
  expect(res.status, res.stderr).toBe(0);
  expect(res.stderr).toBe('');
  return JSON.parse(res.stdout);
}

/** Every number in the report is finite and not negative; `nullable` names the fields that may be null (no figure to give). */
function expectFinite(value: unknown, nullable: string[] = [], where = 'report'): void {
  if (value === null) {
    expect(nullable, `${where} is null`).toContain(where.split('.').pop());
    return;
  }
  if (typeof value === 'number') {
    expect(Number.isFinite(value) && value >= 0, `${where} = ${value}`).toBe(true);
    return;
  }
  if (typeof value === 'object') for (const [k, v] of Object.entries(value as object)) expectFinite(v, nullable, `${where}.${k}`);
}

/** A bad option: exit 2, the error as JSON on stdout, naming the option and the value given. */
function expectRefused(args: string[], words: string): void {
  const res = bench([...args, '--json']);
  expect(res.status, res.stdout + res.stderr).toBe(2);
  expect(JSON.parse(res.stdout).error).toContain(words);
}

describe('lumen bench suites at their smallest size', () => {
  it('stats', () => {
    const r = report(['stats', '--images', '40', '--per-patient', '2', '--resamples', '10']);
    expect(Object.keys(r).sort()).toEqual(['clusterBootstrapMs', 'imageBootstrap200BeforeMs', 'images', 'patients', 'resamples']);
    expect(r).toMatchObject({ images: 40, patients: 20, resamples: 10 });
    expect(r.clusterBootstrapMs).toBeGreaterThan(0);
    expect(r.imageBootstrap200BeforeMs).toBeGreaterThan(0);
    expectRefused(['stats', '--per-patient', 'ten'], '--per-patient must be a whole number of at least 1, not "ten"');
  });

  it('series-uncertainty', () => {
    const r = report(['series-uncertainty', '--series', '4', '--slices', '2', '--features', '8']);
    expect(Object.keys(r).sort()).toEqual(['features', 'heads', 'perSeriesMs', 'series', 'slices', 'trainMs']);
    expect(r).toMatchObject({ series: 4, slices: 2, features: 8, heads: 5 });
    expect(r.trainMs).toBeGreaterThan(0);
    expect(r.perSeriesMs).toBeGreaterThan(0);
    expectRefused(['series-uncertainty', '--series', '1'], '--series must be a whole number from 2 to 100000, not "1"');
  });

  it('series-patients', () => {
    const r = report(['series-patients', '--series', '10']);
    expect(Object.keys(r).sort()).toEqual(['conflicts', 'inTurnsMs', 'machine', 'msPerSeries', 'openAgainMs', 'openLaterMs', 'openMs', 'series']);
    expect(r.series).toBe(10);
    expect(r.conflicts).toBeLessThanOrEqual(10);
    for (const k of ['openMs', 'msPerSeries', 'openLaterMs', 'inTurnsMs', 'openAgainMs']) expect(r[k], k).toBeGreaterThan(0);
    expect(r.msPerSeries).toBeCloseTo(r.openMs / 10, 1);
    expectFinite(r);
    expectRefused(['series-patients', '--series', '0'], '--series must be a whole number from 1 to 1000000, not "0"');
  });

  it('train', () => {
    const r = report(['train', '--images', '4', '--batch', '2', '--vectors', '20', '--epochs', '1']);
    expect(Object.keys(r).sort()).toEqual(['featureExtraction', 'headTraining', 'machine']);
    expect(r.featureExtraction).toMatchObject({ runtime: 'onnxruntime-node cpu', variant: 'b0', resolution: 224, batch: 2, batches: 2 });
    expect(r.featureExtraction.imagesPerSecond).toBeGreaterThan(0);
    expect(r.featureExtraction.msPerBatchMedian).toBeGreaterThan(0);
    expect(r.headTraining).toMatchObject({ backend: 'wasm', vectors: 20, dim: 1280, epochs: 1 });
    expect(r.headTraining.seconds).toBeGreaterThan(0);
    expect(r.headTraining.finalLoss).toBeGreaterThan(0);
    expectFinite(r);
    expectRefused(['train', '--images', '0'], '--images must be a whole number of at least 1, not "0"');
  });

  it('fuzz', () => {
    const r = report(['fuzz', '--cases', '20', '--seed', '3']);
    expect(r).toMatchObject({ seed: 3, cases: 20, crashed: 0, tooSlow: 0, failures: [] });
    expect(r.decoded + r.refused).toBe(20);
    expect(r.syntaxes).toEqual(['explicit', 'implicit', 'bigendian', 'deflated', 'rle', 'jpegsv1', 'jpegls', 'j2k', 'jpegbaseline']);
    for (const k of ['seconds', 'casesPerSecond', 'largestRssMiB']) expect(r[k], k).toBeGreaterThan(0);
    expect(r.slowestCase.ms).toBeGreaterThan(0);
    expect(r.slowestCase.case).toMatch(/^case \d+: /);
    expectFinite(r);
    expectRefused(['fuzz', '--cases', 'x'], '--cases must be a whole number from 1 to 10000000, not "x"');
  });

  it('decode-start', () => {
    const r = report(['decode-start', '--rounds', '1', '--threads', '1']);
    expect(r).toMatchObject({ threads: 1, rounds: 1 });
    expect(r.runs.map((run: { mode: string }) => run.mode).sort()).toEqual(['own', 'shared']);
    for (const mode of ['shared', 'own']) for (const k of ['readyMs', 'rssAboveStartMb', 'firstFramesMs', 'warmFramesMs']) expect(r[mode][k], `${mode}.${k}`).toBeGreaterThan(0);
    expect(Object.keys(r.ratio).sort()).toEqual(['firstFramesMs', 'readyMs', 'rssAboveStartMb']);
    for (const k of Object.keys(r.ratio)) expect(r.ratio[k], k).toBeGreaterThan(0);
    expectFinite(r);
    expectRefused(['decode-start', '--rounds', '0'], '--rounds must be a whole number from 1 to 50, not "0"');
  });

  it('dicom, next to dcmtk and GDCM', () => {
    const r = report(['dicom', '--slices', '2', '--warmup', '0']);
    expect(r.series).toMatchObject({ slices: 2, size: '512x512' });
    expect(r.parsing.files).toBe(2);
    expect(r.parsing.filesPerSecond).toBeGreaterThan(0);
    expect(r.parsing.inMemoryFilesPerSecond).toBeGreaterThan(0);
    const syntaxes = r.decoding.map((d: { syntax: string }) => d.syntax);
    expect(syntaxes).toEqual([
      'explicit-le',
      'rle',
      'jpeg-baseline-8bit',
      'jpeg-extended-12bit',
      'jpeg-progressive-12bit',
      'jpeg-spectral-12bit',
      'jpeg-lossless-sv1',
      'jpeg-ls-lossless',
      'jpeg2000-lossless',
      'htj2k-lossless',
    ]);
    for (const d of r.decoding) {
      expect(d.frames, d.syntax).toBe(2);
      for (const k of ['lumen1ThreadFps', 'lumenPoolFps', 'firstPass1ThreadFps', 'firstPassPoolFps']) expect(d[k], `${d.syntax} ${k}`).toBeGreaterThan(0);
      // The native program ran: each syntax dcmtk or GDCM decodes has its figure (HTJ2K: neither does).
      if (d.syntax === 'htj2k-lossless') expect(d.nativeBestFps).toBeNull();
      else {
        expect(d.nativeBestFps, d.syntax).toBeGreaterThan(0);
        expect(d.nativeBestFps).toBe(Math.max(d.dcmtkFps ?? 0, d.gdcmFps ?? 0));
        expect(d.ratioLumenToNativeBest, d.syntax).toBeGreaterThan(0);
      }
    }
    expect(r.native.binary).toMatch(/lumen-native-decode/);
    expectFinite(r, ['aim', 'nativeBestFps', 'ratioLumenToNativeBest']);
    expectRefused(['dicom', '--slices', 'many'], '--slices must be a whole number from 2 to 100000, not "many"');
    expectRefused(['dicom', '--warmup', 'soon'], '--warmup must be a number of seconds, 0 or more, not "soon"');
  });

  it('import', () => {
    const r = report(['import', '--slices', '2', '--files', '10', '--reimport', '2', '--other', '2']);
    expect(r.series).toMatchObject({ files: 2, rows: 512, columns: 512, bitsAllocated: 16 });
    for (const k of ['import', 'reimportUnchanged', 'parse', 'parseWholeFile']) {
      expect(r[k].filesPerSecond, k).toBeGreaterThan(0);
      expect(r[k].secondsPerRun, k).toHaveLength(r.runs);
    }
    expect(r.underLoad.import).toMatchObject({ imported: 10, instances: 10, errors: 0 });
    expect(r.underLoad.files).toBe(10);
    expect(r.underLoad.import.filesPerSecond).toBeGreaterThan(0);
    expect(r.underLoad.directImport.filesPerSecond).toBeGreaterThan(0);
    expect(r.underLoad.servingEventLoopDelay.idle.samples).toBeGreaterThan(0);
    expect(r.underLoad.servingEventLoopDelay.duringImport.samples).toBeGreaterThan(0);
    // Re-import: 2 images and a parametric map of each, then unchanged, then 3 new files.
    expect(r.reimport.files).toMatchObject({ images: 2, maps: 2 });
    expect(r.reimport.unchanged.report).toMatchObject({ imported: 0, changed: 0 });
    expect(r.reimport.unchanged.report.unchanged).toBe(r.reimport.import.report.imported);
    expect(r.reimport.threeNew.report.imported).toBe(3);
    expect(r.reimport.unchanged.filesPerSecond).toBeGreaterThan(0);
    expect(r.otherFilesAgain.files).toEqual({ images: 2, notDicom: 2, dicomdirs: 1 });
    expect(r.otherFilesAgain.unchanged).toMatchObject({ unchanged: 2, notDicom: 2, dicomdirs: 1 });
    expectFinite(r);
    expectRefused(['import', '--slices', '0'], '--slices must be a whole number from 1 to 100000, not "0"');
    expectRefused(['import', '--slices', 'many'], '--slices must be a whole number from 1 to 100000, not "many"');
    expectRefused(['import', '--files', '1.5'], '--files must be a whole number from 0 to 1000000, not "1.5"');
  });

  it('viewer, in headless Chromium', () => {
    const r = report(['viewer', '--slices', '10']);
    expect(r).toMatchObject({ slices: 10, size: 512 });
    expect(r.decodePoolFps).toBeGreaterThan(0);
    for (const run of ['cold', 'warm']) {
      expect(Object.keys(r[run]).sort(), run).toEqual(['drivenSlicesPerSecond', 'maxMs', 'p50Ms', 'p95Ms', 'slicesPerSecond']);
      for (const k of Object.keys(r[run])) expect(r[run][k], `${run}.${k}`).toBeGreaterThan(0);
      expect(r[run].p50Ms).toBeLessThanOrEqual(r[run].p95Ms);
      expect(r[run].p95Ms).toBeLessThanOrEqual(r[run].maxMs);
    }
    expect(r.fastScroll.stopMs).toHaveLength(r.fastScroll.slices);
    expect(r.fastScroll.stopP50Ms).toBeGreaterThan(0);
    // Every slice was asked of the bridge, cold and warm at least.
    const slicesAsked = new Set(r.renderer.requested.map((id: string) => id.split('/')[1]));
    expect(slicesAsked.size).toBe(10);
    expectFinite(r);
    expectRefused(['viewer', '--slices', '5'], '--slices must be a whole number from 10 to 2000, not "5"');
  });

  it("an unknown option points to the suite's own help, which lists its options", () => {
    const res = bench(['stats', '--bogus']);
    expect(res.status).toBe(2);
    expect(res.stderr).toBe('lumen bench: unknown option --bogus. "lumen bench stats --help" lists the options.\n');
    const help = bench(['stats', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--resamples');
  });

  it('all refuses an option it would not pass on', () => {
    const res = bench(['all', '--slices', '2']);
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('--slices');
  });
});
