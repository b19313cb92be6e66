// `lumen bench library` on a small library: the report has its documented shape, the first
// page is the page's size and far smaller than the whole list (bytes, not time: timings
// belong to the benchmark), and a bad option is refused with a readable message.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

describe('lumen bench library', () => {
  it('measures the whole study list against its first page, through the engine, and the label overview', () => {
    const res = spawnSync(process.execPath, ['bin/lumen.mjs', 'bench', 'library', '--studies', '1000', '--json'], { encoding: 'utf8', cwd: root, timeout: 300_000 });
    expect(res.status, res.stderr).toBe(0);
    const r = JSON.parse(res.stdout);
    expect(Object.keys(r).sort()).toEqual(['firstPage', 'firstPageByModality', 'firstPageByName', 'labelOverview', 'machine', 'nextPage', 'rawWrites', 'searchFarName', 'searchFarStudy', 'searchTwoLetters', 'studies', 'wholeList'].sort());
    expect(r.studies).toBe(1000);
    expect(r.labelOverview.series).toBe(1000);
    // The search triggers' cost on raw writes: both figures measured, over the stated number of studies.
    expect(r.rawWrites.studies).toBe(10_000);
    expect(r.rawWrites.cpuMs).toBeGreaterThan(0);
    expect(r.rawWrites.withoutSearchTriggersCpuMs).toBeGreaterThan(0);
    for (const k of ['wholeList', 'firstPage', 'nextPage', 'searchFarStudy', 'searchFarName', 'searchTwoLetters', 'firstPageByName', 'firstPageByModality']) expect(r[k].ms, k).toBeGreaterThan(0);
    // 200 of 1,000 studies: about a fifth of the bytes.
    expect(r.firstPage.replyBytes / r.wholeList.replyBytes).toBeGreaterThan(0.15);
    expect(r.firstPage.replyBytes / r.wholeList.replyBytes).toBeLessThan(0.25);
  });

  it('refuses a bad option with a readable message', () => {
    const res = spawnSync(process.execPath, ['bin/lumen.mjs', 'bench', 'library', '--studies', 'lots', '--json'], { encoding: 'utf8', cwd: root });
    expect(res.status).toBe(2);
    expect(JSON.parse(res.stdout).error).toContain('--studies must be a whole number');
  });
});
