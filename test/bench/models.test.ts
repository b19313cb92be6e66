// `lumen bench models`: each variant runs in a process of its own, so its peak memory is its
// own, not the sum of the variants before it (in one process the peak climbed from 364 MB
// after B0 to 529 MB after B1 and 599 MB after B2 here). No timing is asserted.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('lumen bench models memory', () => {
  it('reports each variant\'s own peak, and the second variant\'s does not carry the first\'s', () => {
    const res = spawnSync(process.execPath, ['bin/lumen.mjs', 'bench', 'models', '--variants', 'b0,b1', '--batches', '1', '--runtimes', 'onnx,onnx-cuda', '--budget-s', '120', '--json'], {
      encoding: 'utf8',
      cwd: path.resolve(__dirname, '../..'),
      timeout: 400_000,
    });
    expect(res.status, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(report.runs.map((r: { variant: string }) => r.variant)).toEqual(['b0', 'b1']);
    expect(report.variantPeaks.map((p: { variant: string }) => p.variant)).toEqual(['b0', 'b1']);
    const [b0, b1] = report.variantPeaks as { startRssMb: number; peakRssMb: number }[];
    for (const p of [b0, b1]) {
      expect(p.startRssMb).toBeGreaterThan(0);
      expect(p.peakRssMb).toBeGreaterThan(p.startRssMb); // a model was really built and run
    }
    // B0's own footprint: what building, exporting and running it added to its process.
    const b0Size = b0.peakRssMb - b0.startRssMb;
    // B1 is a little larger than B0 (7.8 M parameters vs 5.3 M), so its peak may be a little
    // higher, but not by half of B0's footprint, as it was when B0's memory stayed in the process.
    expect(b1.peakRssMb - b0.peakRssMb).toBeLessThan(b0Size / 2);
    expect(report.ratioToBaseline).toBeGreaterThan(0);
    // ONNX Runtime's providers as probed, best first; on this machine only cpu runs, the others skipped with their reason.
    expect(report.onnxProviders.map((p: { name: string }) => p.name).slice(0, 5)).toEqual(['cuda', 'webgpu', 'dml', 'coreml', 'cpu']);
    const skippedCuda = report.skipped.find((s: { runtime: string; backend: string }) => s.runtime === 'onnxruntime' && s.backend === 'cuda');
    expect(skippedCuda?.reason).toMatch(/not installed/);
  });
});
