// The model panel's package list says each package's training domain in one line, and what a
// package lacks: a head-mode and a fine-tuned package trained here both have the feature check
// ("domain: CT, 64×64, N patients"); a copy whose record lost its feature density says "header
// check only", one without a record "domain unknown". The line is the one `lumen models
// packages` prints (models/package/domain.ts domainSummary).
// Screenshot: test-results/domain-picker.png.
import { chmodSync, cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { importLabelsCsvFile } from '../../electron/training/labels';
import { trainClassifier } from '../../electron/training/train';
import { contentHash } from '../../models/package';
import { DOMAIN_BIN, domainSummary } from '../../models/package/domain';
import { initBackend } from '../../models/runtime';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { writePhantomSet } from '../training/phantoms';

/** A copy of a package under a new name with its metadata changed by `edit` and domain.bin removed, the content hash made to match. */
function copyWithout(from: string, dir: string, name: string, edit: (meta: any) => void): void {
  cpSync(from, dir, { recursive: true });
  chmodSync(dir, 0o700);
  for (const f of readdirSync(dir)) chmodSync(path.join(dir, f), 0o600);
  rmSync(path.join(dir, DOMAIN_BIN));
  const meta = JSON.parse(readFileSync(path.join(dir, 'metadata.json'), 'utf8'));
  meta.name = name;
  edit(meta);
  meta.contentHash = contentHash(dir, meta);
  writeFileSync(path.join(dir, 'metadata.json'), JSON.stringify(meta));
}

describe("the model panel's package list", () => {
  const expected = new Map<string, string>();
  let firstPatient = '';
  const session = useUiSession('lumen-domain-picker', async (dataDir) => {
    await initBackend('cpu');
    const set = writePhantomSet(path.join(dataDir, 'incoming', 'phantoms'), { patients: 24, slices: 2, seed: 731 });
    firstPatient = set.patients[0].patientId;
    const library = Library.open(path.join(dataDir, 'library'));
    try {
      const report = await library.importPaths([set.dir]);
      expect(report.errors).toEqual([]);
      importLabelsCsvFile(library, set.csv, { author: 'tester' });
      const models = path.join(dataDir, 'models');
      const common = { library, variant: 'custom-phi-10', resolution: 32, window: 'ct-abdomen', augmentation: false as const, seed: 3, cacheDir: path.join(dataDir, 'cache') };
      const head = await trainClassifier({ ...common, out: path.join(models, 'a-head'), name: 'alpha-head', mode: 'head', epochs: 6 });
      const tuned = await trainClassifier({ ...common, out: path.join(models, 'b-finetuned'), name: 'beta-finetuned', mode: 'finetune', allowCpuFineTune: true, epochs: 1, batchSize: 32 });
      copyWithout(head.packageDir, path.join(models, 'c-header-only'), 'gamma-header-only', (m) => delete m.domain.features);
      copyWithout(head.packageDir, path.join(models, 'd-no-record'), 'delta-no-record', (m) => delete m.domain);
      expected.set('alpha-head', domainSummary(head.metadata.domain));
      expected.set('beta-finetuned', domainSummary(tuned.metadata.domain));
      expected.set('gamma-header-only', `${domainSummary(head.metadata.domain)} · header check only`);
      expected.set('delta-no-record', 'domain unknown');
    } finally {
      library.close();
    }
  });

  it('shows each package\'s training domain, "header check only" and "domain unknown" where that is what it has', async () => {
    expect(expected.get('alpha-head')).toMatch(/^domain: CT, 64×64, \d+ patients$/);
    expect(expected.get('beta-finetuned')).toMatch(/^domain: CT, 64×64, \d+ patients$/);
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 240_000 });
    await page.getByLabel('Search studies').fill(firstPatient);
    await page.getByRole('listitem', { name: new RegExp(`^Study .*${firstPatient}`) }).getByTestId('series-card').click();
    await page.locator('.corner.tl').filter({ hasText: firstPatient }).waitFor({ timeout: 120_000 });
    await page.getByRole('tab', { name: 'Classifier' }).click();
    for (const [name, line] of expected) {
      const label = page.locator('label.package').filter({ hasText: new RegExp(`^${name} ·`) });
      await label.waitFor({ timeout: 120_000 });
      expect(await label.getByTestId('package-domain').textContent(), name).toBe(line);
    }
    expect(await page.getByTestId('package-domain').count()).toBe(4);
    await page.locator('aside.model-panel').screenshot({ path: path.join(resultsDir(), 'domain-picker.png') });
    expect(errors).toEqual([]);
  }, 600_000);
});
