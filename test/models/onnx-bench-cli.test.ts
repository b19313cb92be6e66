// `lumen bench models` smoke test: the report has the documented shape and the
// baseline is measured on the same file in the same run. No timing assertions
// (timings belong to the benchmark, not to tests).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('lumen bench models', () => {
  it('prints runs, the direct onnxruntime-node baseline and the ratio as JSON', () => {
    const res = spawnSync(process.execPath, ['bin/lumen.mjs', 'bench', 'models', '--variants', 'b0', '--batches', '1', '--runtimes', 'onnx', '--budget-s', '60', '--json'], {
      encoding: 'utf8',
      cwd: path.resolve(__dirname, '../..'),
      timeout: 240_000,
    });
    expect(res.status, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(report.runs).toHaveLength(1);
    const [run] = report.runs;
    expect(Object.keys(run).sort()).toEqual(['backend', 'batch', 'imagesPerSecond', 'medianMs', 'peakRssMb', 'precision', 'repeats', 'runtime', 'variant']);
    expect(run.precision).toBe('fp32');
    expect(run).toMatchObject({ runtime: 'onnxruntime', backend: 'cpu', variant: 'b0', batch: 1 });
    expect(run.medianMs).toBeGreaterThan(0);
    expect(run.imagesPerSecond).toBeCloseTo(1000 / run.medianMs, 0);
    expect(report.baseline).toMatchObject({ runtime: 'onnxruntime-node (direct)', variant: 'b0', batch: 1 });
    expect(report.ratioToBaseline).toBeCloseTo(run.medianMs / report.baseline.medianMs, 2);
    expect(report.settings.variants).toEqual(['b0']);
  });

  it('rejects an unknown suite and an unknown variant with a readable message', () => {
    const cwd = path.resolve(__dirname, '../..');
    const suite = spawnSync(process.execPath, ['bin/lumen.mjs', 'bench', 'nosuch', '--json'], { encoding: 'utf8', cwd });
    expect(suite.status).toBe(2);
    expect(JSON.parse(suite.stdout).error).toContain('unknown benchmark suite "nosuch"');
    const variant = spawnSync(process.execPath, ['bin/lumen.mjs', 'bench', '--variants', 'b9', '--json'], { encoding: 'utf8', cwd });
    expect(variant.status).toBe(2);
    expect(JSON.parse(variant.stdout).error).toContain('unknown variant "b9"');
  });
});
