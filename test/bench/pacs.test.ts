// `lumen bench pacs` on a small study: the report has its documented shape, every way
// retrieved every instance from a real Orthanc, and the ratios follow from the rates (no
// timing is asserted: timings belong to the benchmark).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

describe('lumen bench pacs', () => {
  it('retrieves a generated study from Orthanc with Lumen (DICOMweb, C-GET) and dcmtk (getscu, movescu)', () => {
    const instances = 12;
    const res = spawnSync(process.execPath, ['bin/lumen.mjs', 'bench', 'pacs', '--instances', String(instances), '--rounds', '1', '--json'], { encoding: 'utf8', cwd: root, timeout: 600_000 });
    expect(res.status, res.stderr).toBe(0);
    const r = JSON.parse(res.stdout);
    expect(r.study).toMatchObject({ instances, rows: 512, columns: 512 });
    expect(r.results.map((x: { way: string }) => x.way)).toEqual(['lumen dicomweb (WADO-RS)', 'lumen dimse (C-GET)', 'dcmtk getscu (C-GET)', 'dcmtk movescu (C-MOVE to its own receiver)']);
    const getscu = r.results[2].instancesPerSecond;
    for (const x of r.results) {
      expect(x.instancesPerSecond).toBeGreaterThan(0);
      expect(x.secondsPerRound).toHaveLength(1);
      expect(x.instancesPerSecond).toBeCloseTo(instances / x.secondsPerRound[0], -1);
      expect(x.ratioToGetscu).toBeCloseTo(x.instancesPerSecond / getscu, 1);
    }
  });

  it('refuses a bad option with a readable message', () => {
    const res = spawnSync(process.execPath, ['bin/lumen.mjs', 'bench', 'pacs', '--instances', 'lots', '--json'], { encoding: 'utf8', cwd: root });
    expect(res.status).toBe(2);
    expect(JSON.parse(res.stdout).error).toContain('--instances must be a whole number');
  });
});
