// `lumen bench predict` on a small series: the report has its documented shape and its
// numbers are real measurements that agree with each other (no timing is asserted:
// timings belong to the benchmark, not to tests).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

describe('lumen bench predict', () => {
  it('scores a generated CT series end to end through a real library, next to pure inference', () => {
    const slices = 20;
    const res = spawnSync(process.execPath, ['bin/lumen.mjs', 'bench', 'predict', '--slices', String(slices), '--batch', '8', '--rounds', '1', '--json'], {
      encoding: 'utf8',
      cwd: root,
      timeout: 600_000,
    });
    expect(res.status, res.stderr).toBe(0);
    const r = JSON.parse(res.stdout);
    expect(Object.keys(r).sort()).toEqual(['cold', 'endToEnd', 'endToEndCpuRatio', 'endToEndRatio', 'machine', 'model', 'pureInference', 'rounds', 'series', 'stageCostsOneThread', 'target']);
    expect(r.series).toMatchObject({ slices, rows: 512, columns: 512, bitsAllocated: 16 });
    expect(r.model).toMatchObject({ variant: 'b0', inputSize: 224, runtime: 'onnxruntime', provider: 'cpu', batch: 8 });

    // Every image was scored and its score stored in (and read back from) the library.
    expect(r.endToEnd.images).toBe(slices);
    expect(r.endToEnd.storedImagePredictions).toBe(slices);

    for (const run of [r.endToEnd, r.pureInference]) {
      expect(run.seconds).toBeGreaterThan(0);
      expect(run.imagesPerSecond).toBeCloseTo(slices / run.seconds, -1);
      expect(run.secondsPerRound).toHaveLength(1);
      expect(run.cpuSecondsMedian).toBeGreaterThan(0);
    }
    expect(r.endToEndCpuRatio).toBeCloseTo(r.pureInference.cpuSecondsMedian / r.endToEnd.cpuSecondsMedian, 2);
    expect(r.endToEndRatio).toBeCloseTo(r.pureInference.seconds / r.endToEnd.seconds, 2);
    // The one-shot run (fresh session, as lumen predict runs it) is measured apart, opening excluded from its rate.
    expect(r.cold.openSeconds).toBeGreaterThan(0);
    expect(r.cold.seconds).toBeGreaterThan(r.cold.openSeconds);
    expect(r.cold.imagesPerSecond).toBeCloseTo(slices / (r.cold.seconds - r.cold.openSeconds), -1);
    expect(r.cold.ratio).toBeCloseTo(r.pureInference.seconds / (r.cold.seconds - r.cold.openSeconds), 1);

    // Where the time went: the stages are measured, and together they do not exceed the whole.
    const p = r.endToEnd.perImageMs;
    expect(p.inference).toBeGreaterThan(0);
    expect(p.waitForInput).toBeGreaterThan(0); // the first batch's decode at least
    expect(p.store).toBeGreaterThan(0);
    expect(p.inference + p.waitForInput + p.deliver + p.store).toBeLessThanOrEqual(p.total + 0.05);
    expect(p.total).toBeCloseTo((r.endToEnd.seconds * 1000) / slices, 0);
    for (const stage of ['readMs', 'parseMs', 'decodeMs', 'windowMs', 'resizeMs']) expect(r.stageCostsOneThread[stage]).toBeGreaterThan(0);
  });

  it('refuses a bad option with a readable message', () => {
    const res = spawnSync(process.execPath, ['bin/lumen.mjs', 'bench', 'predict', '--slices', 'many', '--json'], { encoding: 'utf8', cwd: root });
    expect(res.status).toBe(2);
    expect(JSON.parse(res.stdout).error).toContain('--slices must be a whole number');
  });
});
