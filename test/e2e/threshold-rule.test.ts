// The Training tab says which rule a binary package's figures count a class by, and where that
// differs from what lumen predict and the Classifier panel name (T2-2, s16), in Debian's
// Chromium against the real engine: a package whose recorded test evaluation used a threshold
// on its weakest validation positive (0.99989, as packages made before the midpoint did) shows
// that threshold with its digits and the range of scores the two rules call differently.
// Screenshot: test-results/threshold-rule.png.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { thresholdRule } from '../../common/threshold-words';
import { savePackage } from '../../models/package';
import { evaluate } from '../../models/training/metrics';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { randomHeadModel } from '../support/tiny-package';

const OLD_THRESHOLD = 0.9998875426553008;
// The four test series of T2's MIL run (mil2.json testPredictions): [P(Disc), P(ring)].
const SCORES = [
  [0.9995306901667024, 0.0004693098332977484],
  [8.08453315204574e-5, 0.9999191546684797],
  [0.00040582999231450375, 0.9995941700076855],
  [0.9988937477174356, 0.0011062522825644214],
];
const LABELS = [0, 1, 1, 0];

describe('the threshold rule in the Training tab', () => {
  const session = useUiSession('lumen-threshold-rule', async (dataDir) => {
    const test = evaluate(SCORES, LABELS, ['Disc', 'ring'], { threshold: OLD_THRESHOLD, bootstrap: 50 });
    const model = await randomHeadModel({ inputSize: 32, seed: 3, sd: 20, headSeed: 5, classes: 2 });
    try {
      await savePackage(path.join(dataDir, 'models', 'shape-old'), model, {
        name: 'shape-old',
        variant: 'custom-phi-10',
        inputSize: 32,
        task: 'multiclass',
        classNames: ['Disc', 'ring'],
        preprocessing: { scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
        provenance: { training: { evaluation: { test, validation: test }, history: [], threshold: OLD_THRESHOLD } },
      });
    } finally {
      model.dispose();
    }
  });

  it("shows an old package's stored threshold and where it differs from the larger probability", async () => {
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 240_000 });
    await page.getByRole('tab', { name: 'Training' }).click();
    const results = page.getByRole('tabpanel', { name: 'Training' }).locator('.package-results');
    await results.scrollIntoViewIfNeeded();
    await results.getByRole('button', { name: 'Show results' }).click();
    const run = results.getByTestId('run-results');
    await run.waitFor();
    // Accuracy 0.750 with ROC AUC 1.000: the sentence under the figures says why.
    await run.getByTestId('test-figures').filter({ hasText: '0.750' }).waitFor();
    const rule = run.getByTestId('threshold-rule');
    expect(await rule.innerText()).toBe(thresholdRule(OLD_THRESHOLD, ['Disc', 'ring']));
    expect(await rule.innerText()).toContain('so a ring score from 0.5 to 0.9999 is counted Disc here but named ring there');
    await run.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(resultsDir(), 'threshold-rule.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});
