// `lumen bench decode-start` on one round: both ways (modules handed over, compiled per thread)
// run in processes of their own, every thread warms every codec, the JPEG 2000 frames decode, and
// the report carries each figure and the ratios. No timing is asserted: that is the benchmark's job.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';

it('lumen bench decode-start reports both ways, in processes of their own, with the ratios', () => {
  const res = spawnSync(process.execPath, ['bin/lumen.mjs', 'bench', 'decode-start', '--rounds', '1', '--threads', '2', '--json'], {
    encoding: 'utf8',
    cwd: path.resolve(__dirname, '../..'),
    timeout: 300_000,
  });
  expect(res.status, res.stderr).toBe(0);
  const report = JSON.parse(res.stdout);
  expect(report).toMatchObject({ threads: 2, rounds: 1 });
  expect(report.runs.map((r: { mode: string }) => r.mode)).toEqual(['shared', 'own']);
  for (const run of report.runs) {
    for (const key of ['readyMs', 'firstFramesMs', 'warmFramesMs']) expect(run[key]).toBeGreaterThan(0);
    // Two threads and their codecs take memory: a figure of 0 or less would be a wrong measurement.
    expect(run.rssAboveStartMb).toBeGreaterThan(0);
  }
  for (const key of ['readyMs', 'rssAboveStartMb', 'firstFramesMs']) {
    expect(report.ratio[key]).toBeCloseTo(report.shared[key] / report.own[key], 1);
  }
}, 300_000);
