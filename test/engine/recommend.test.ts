// The Classifier panel's suggestion names the series' matrix as the viewer's corner does,
// columns × rows (511×383), never turned around.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recommend, variantInfos } from '../../electron/engine/predict/catalog';

describe('the suggested variant', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lumen-recommend-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('names the matrix columns × rows, as the viewer does, whatever it suggests', () => {
    const infos = variantInfos(dataDir);
    for (const budgetMs of [10_000, 50, 0.001]) {
      const { reason } = recommend(infos, 383, 511, budgetMs);
      expect(reason).not.toContain('383×511');
      if (budgetMs > 1) expect(reason).toMatch(/^511×383 images/);
    }
  });
});
