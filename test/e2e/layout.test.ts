// The workspace fits the screens people use (issue #13, point 6): in Debian's Chromium against
// the real engine, at 1280x720 and 1440x900, no side panel scrolls sideways (the study
// browser, the Classifier tab, the Training tab); a prediction's error goes away with the
// series it was about; and a training run's curves and results are in view in the Training
// tab when it ends, without scrolling away from Start. Point 10 rides on the same run: the
// tiny variant reads as tiny, the epochs field gives its default, the HTML report opens.
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { trainTinyPackage } from '../support/phantom-series';
import { writePhantomSet, type PhantomSet } from '../training/phantoms';

const SIZES = [
  { width: 1280, height: 720 },
  { width: 1440, height: 900 },
] as const;

/**
 * Each side panel's sideways scrolling: the panel and every box inside it that scrolls
 * (overflow-x auto or scroll; form fields aside), with how wide its content is against how
 * wide the box is. A panel that scrolls sideways shows a horizontal scrollbar.
 */
async function sideOverflow(page: Page): Promise<Record<string, { scrollWidth: number; clientWidth: number; box: string }>> {
  return page.evaluate(() => {
    // Runs in the page; typed here without the DOM library, which the Node project leaves out.
    interface Box { tagName: string; className: string; scrollWidth: number; clientWidth: number; offsetParent: unknown; querySelectorAll(s: string): ArrayLike<Box> }
    const win = globalThis as unknown as { document: { querySelector(s: string): Box | null; getElementById(id: string): Box | null }; getComputedStyle(el: Box): { overflowX: string } };
    const { document, getComputedStyle } = win;
    const roots: Record<string, Box | null> = {
      'study browser': document.querySelector('.study-browser'),
      'classifier tab': document.getElementById('panel-classifier'),
      'training tab': document.getElementById('panel-training'),
    };
    const out: Record<string, { scrollWidth: number; clientWidth: number; box: string }> = {};
    for (const [name, root] of Object.entries(roots)) {
      if (!root || root.offsetParent === null) continue;
      out[name] = { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, box: root.className };
      for (const el of Array.from(root.querySelectorAll('*'))) {
        if (['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName)) continue;
        const overflowX = getComputedStyle(el).overflowX;
        if ((overflowX === 'auto' || overflowX === 'scroll') && el.scrollWidth > el.clientWidth && el.scrollWidth - el.clientWidth > out[name].scrollWidth - out[name].clientWidth) {
          out[name] = { scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, box: el.className };
        }
      }
    }
    return out;
  });
}

function expectNoSidewaysScroll(measured: Record<string, { scrollWidth: number; clientWidth: number; box: string }>, where: string) {
  for (const [name, m] of Object.entries(measured)) {
    expect(m.scrollWidth, `${name} (.${m.box}) at ${where}: ${m.scrollWidth} px of content in ${m.clientWidth} px`).toBeLessThanOrEqual(m.clientWidth);
  }
}

describe('the workspace at 1280x720 and 1440x900', () => {
  let set: PhantomSet;
  const session = useUiSession('lumen-layout', async (dataDir) => {
    set = writePhantomSet(path.join(dataDir, 'incoming'), { patients: 24, slices: 2, seed: 31 });
    await trainTinyPackage(path.join(dataDir, 'models', 'phantom-lesion'));
  }, { scrollbars: true });

  it('no side panel scrolls sideways; a prediction error goes with its series; training results, names and report', async () => {
    const { dataDir } = session();
    const { page, errors: consoleErrors } = await openApp(session());
    await page.setViewportSize(SIZES[0]);
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Import a folder or file').fill(set.dir);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '48 images imported' }).waitFor({ timeout: 60_000 });
    await page.getByTestId('series-card').first().click();
    await page.getByTestId('image-index').waitFor();
    await page.getByText('Phantom lesion detector', { exact: true }).waitFor({ timeout: 60_000 });

    for (const size of SIZES) {
      await page.setViewportSize(size);
      const where = `${size.width}x${size.height}`;
      await page.getByRole('tab', { name: 'Classifier' }).click();
      await page.getByTestId('variant-b0').waitFor();
      const classifier = await sideOverflow(page);
      expect(Object.keys(classifier).sort()).toEqual(['classifier tab', 'study browser']);
      await page.screenshot({ path: path.join(resultsDir(), `layout-${where}-classifier.png`) });
      await page.getByRole('tab', { name: 'Training' }).click();
      await page.getByRole('button', { name: 'Start training' }).waitFor();
      const training = await sideOverflow(page);
      await page.screenshot({ path: path.join(resultsDir(), `layout-${where}-training.png`) });
      expectNoSidewaysScroll(classifier, where);
      expectNoSidewaysScroll(training, where);
    }

    // A prediction that fails (its package was removed after the panel listed it) says so;
    // opening another series takes that error away with the series it was about.
    await page.setViewportSize(SIZES[0]);
    await page.getByRole('tab', { name: 'Classifier' }).click();
    rmSync(path.join(dataDir, 'models', 'phantom-lesion'), { recursive: true, force: true });
    await page.getByTestId('run-prediction').click();
    const failure = page.getByRole('tabpanel', { name: 'Classifier' }).getByRole('alert').filter({ hasText: 'Prediction failed' });
    await failure.waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(resultsDir(), 'layout-prediction-error.png') });
    await page.getByTestId('series-card').nth(1).click();
    await page.getByTestId('image-index').waitFor();
    await failure.waitFor({ state: 'detached' });

    // Training at 1280x720: when the run ends, its curves and test metrics are in view.
    await page.getByRole('tab', { name: 'Training' }).click();
    const panel = page.getByRole('tabpanel', { name: 'Training' });
    await panel.getByLabel('Label CSV path').fill(set.csv);
    await panel.getByRole('button', { name: 'Import CSV' }).click();
    await panel.getByText('24 patients, 48 images; split by patient.').waitFor();
    // Names a user understands (point 10): the tiny network reads as tiny, the epochs say their default.
    const backbone = panel.getByLabel('Backbone', { exact: true });
    expect(await backbone.locator('option[value="custom-phi-10"]').textContent()).toBe('tiny (φ\u00a0=\u00a0−10)');
    expect(await backbone.locator('option[value="b0"]').textContent()).toBe('B0');
    expect(await panel.getByLabel('Epochs', { exact: true }).getAttribute('placeholder')).toBe('default 60');
    await panel.getByLabel('Name', { exact: true }).fill('layout-head');
    await panel.getByLabel('Backbone', { exact: true }).selectOption('custom-phi-10');
    await panel.getByLabel('Resolution', { exact: true }).fill('32');
    await panel.getByLabel('Epochs', { exact: true }).fill('5');
    await panel.getByRole('button', { name: 'Start training' }).click();
    const heading = panel.getByRole('heading', { name: /^Test split \(\d+ images(, \d+ patients?)?\)$/ });
    await heading.waitFor({ timeout: 240_000 });
    // In view once the panel has scrolled to the results (and the data above has been refreshed).
    const inView = async () => {
      const view = (await panel.boundingBox())!;
      const boxes = await Promise.all([heading, panel.getByRole('img', { name: 'Training curves' })].map(async (what) => (await what.boundingBox())!));
      return boxes.every((box) => box.y >= view.y - 1 && box.y + box.height <= view.y + view.height + 1);
    };
    await expect.poll(inView, { message: 'the results heading and the curves lie within the Training tab', timeout: 15_000 }).toBe(true);
    await panel.getByRole('status').filter({ hasText: 'Training finished' }).waitFor();
    await page.screenshot({ path: path.join(resultsDir(), 'layout-1280x720-trained.png') });
    expectNoSidewaysScroll(await sideOverflow(page), 'after training');

    // The run's HTML report opens in the app, fetched through the engine, in a sandboxed frame.
    await panel.getByRole('button', { name: 'Open report' }).click();
    const dialog = page.getByRole('dialog', { name: 'Training report' });
    const frame = dialog.locator('iframe[title="Training report"]');
    expect(await frame.getAttribute('sandbox')).toBe('');
    await page.frameLocator('iframe[title="Training report"]').getByRole('heading', { name: /^Test split \(\d+ images(, \d+ patients?)?\)$/ }).waitFor();
    await page.screenshot({ path: path.join(resultsDir(), 'layout-report.png') });
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });

    expect(consoleErrors).toEqual([]);
    await page.close();
  }, 360_000);
});
