import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// `lumen models --json` runs the real CLI entry (bin/lumen.mjs) in a child process.
describe('lumen models', () => {
  it('--json lists b0..b7 and v2-s/m/l with params, MACs and embedding size', () => {
    const out = execFileSync(process.execPath, ['bin/lumen.mjs', 'models', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const rows = JSON.parse(out) as { name: string; family: string; resolution: number; params: number; macs: number; embeddingDim: number }[];
    expect(rows.map((r) => r.name)).toEqual(['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7', 'v2-s', 'v2-m', 'v2-l']);
    for (const r of rows) expect(Object.keys(r).sort()).toEqual(['embeddingDim', 'family', 'macs', 'name', 'params', 'resolution']);
    const b7 = rows[7];
    expect(b7).toMatchObject({ family: 'efficientnet', resolution: 600, params: 66_658_680, embeddingDim: 2560 });
    expect(Math.abs(b7.macs / 1e9 - 37.7) / 37.7).toBeLessThan(0.02);
    expect(rows[10]).toMatchObject({ family: 'efficientnetv2', resolution: 480, params: 119_027_848, embeddingDim: 1280 });
  });

  it('without --json prints a readable table', () => {
    const out = execFileSync(process.execPath, ['bin/lumen.mjs', 'models'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^variant\s+family\s+resolution\s+params\s+GMACs\s+embedding$/);
    expect(lines).toHaveLength(12);
    expect(lines[1]).toMatch(/^b0\s+efficientnet\s+224\s+5,330,564\s+0\.386\s+1280$/);
  });
});
