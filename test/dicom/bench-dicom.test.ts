// `lumen bench dicom` on a small series: every transfer syntax is generated
// with the real encoders, decoded exactly by Lumen (the benchmark checks each
// lossless decode against the source and fails otherwise), and timed next to
// the native decoders. No timing is asserted: that is the benchmark's job.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const hasEmcc = !spawnSync('emcc', ['--version']).error;

describe('lumen bench dicom', () => {
  it('reports each transfer syntax, the native baseline and the JPEG and JPEG 2000 decoders used', () => {
    const res = spawnSync(process.execPath, ['bin/lumen.mjs', 'bench', 'dicom', '--slices', '3', '--warmup', '0.2', '--json'], {
      encoding: 'utf8',
      cwd: path.resolve(__dirname, '../..'),
      timeout: 300_000,
    });
    expect(res.status, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(report.series).toMatchObject({ slices: 3, size: '512x512' });
    expect(report.warmup).toMatchObject({ seconds: 0.2 });
    expect(report.decoding.map((r: { syntax: string }) => r.syntax)).toEqual([
      'explicit-le', 'rle', 'jpeg-baseline-8bit', 'jpeg-extended-12bit', 'jpeg-progressive-12bit', 'jpeg-spectral-12bit', 'jpeg-lossless-sv1', 'jpeg-ls-lossless', 'jpeg2000-lossless', 'htj2k-lossless',
    ]);
    for (const row of report.decoding) {
      expect(row.frames).toBe(3);
      expect(row.lumen1ThreadFps).toBeGreaterThan(0);
      expect(row.lumenPoolFps).toBeGreaterThan(0);
      // The warm-up ran (at least the first pass of each column, which is reported) and stopped on time.
      expect(row.firstPass1ThreadFps).toBeGreaterThan(0);
      expect(row.firstPassPoolFps).toBeGreaterThan(0);
      expect(row.warmupFilesPerThread).toBeGreaterThanOrEqual(1);
      if (row.nativeBestFps) expect(row.ratioLumenToNativeBest).toBeCloseTo(Math.max(row.lumen1ThreadFps, row.lumenPoolFps) / row.nativeBestFps, 1);
    }
    // .ci/run installs g++ and the dcmtk/GDCM headers: the baseline is there.
    expect(report.native.binary, JSON.stringify(report.native)).toBeTruthy();
    const j2k = report.decoding.find((r: { syntax: string }) => r.syntax === 'jpeg2000-lossless');
    expect(j2k.gdcmFps).toBeGreaterThan(0);
    expect(j2k.aim).toBe(0.8);
    expect(report.jpeg2000Decoder).toMatch(hasEmcc ? /^Lumen OpenJPEG/ : /^@cornerstonejs\/codec-openjpeg/);
    // 12-bit JPEG in its three processes, next to dcmtk and GDCM decoding the same files.
    for (const id of ['jpeg-extended-12bit', 'jpeg-progressive-12bit', 'jpeg-spectral-12bit']) {
      const row = report.decoding.find((r: { syntax: string }) => r.syntax === id);
      expect(row.dcmtkFps, id).toBeGreaterThan(0);
      expect(row.ratioLumenToNativeBest, id).toBeGreaterThan(0);
      // And the TypeScript fallback in the same run, for the comparison.
      expect(row.jpeg12Ts1ThreadFps, id).toBeGreaterThan(0);
    }
    expect(report.jpeg12Decoder).toMatch(hasEmcc ? /^Lumen libjpeg-turbo 2\.1\.5, 12-bit/ : /^Lumen jpeg12\.ts/);
    expect(report.jpegDecoder).toMatch(hasEmcc ? /^Lumen libjpeg-turbo/ : /^@cornerstonejs\/codec-libjpeg-turbo-8bit/);
    // The bench's own limit (spawnSync above), not vitest's default: ten syntaxes on a loaded machine take minutes.
  }, 300_000);
});
