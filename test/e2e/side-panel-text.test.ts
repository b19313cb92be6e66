// Text in the side panel's Results list is read whole (issue: the Model column showed
// "Chest tria…"): a series scored by model packages with long names, their SR exports
// imported through the app (real bridge and engine, Debian's Chromium), and at 1280×800 and
// 1024×700 every text cell of the list shows all its text (it wraps; no ellipsis); a third
// model's name without spaces wraps after an underscore, never inside a word.
// Screenshots: test-results/side-panel-text-<width>.png (and -end.png, scrolled to the last document).
import path from 'node:path';
import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { savePredictions } from '../../electron/library/predictions';
import { exportResults } from '../../electron/results/export';
import { MODEL_META, PATIENT_A, resultsLibrary } from '../results/fixtures';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { midWordBreaks, textLines } from './panel-text';

const MODELS = [
  { name: 'Chest triage (pneumothorax) v2', hash: 'b'.repeat(63) + '2', version: '2.0.0' },
  { name: 'Chest triage (pleural effusion, adult)', hash: 'c'.repeat(63) + '3', version: '1.4.0' },
  // A name without spaces wraps after its underscores, never inside a word.
  { name: 'chest_triage_efficientnet_b3_v12', hash: 'd'.repeat(63) + '4', version: '3.1.0' },
];

/** Of these text cells, those that show less than their text. A title is no excuse: it cannot
 *  be reached from the keyboard, and the list has room to wrap. */
async function cutCells(cells: Locator): Promise<string[]> {
  type Cell = { scrollWidth: number; clientWidth: number; textContent: string | null };
  return cells.evaluateAll((els) =>
    (els as unknown as Cell[]).filter((c) => (c.textContent ?? '').trim() && c.scrollWidth > c.clientWidth).map((c) => `${(c.textContent ?? '').trim()} (${c.scrollWidth} > ${c.clientWidth})`),
  );
}

describe('the side panel shows its text whole', () => {
  const session = useUiSession('lumen-side-panel-text', async (dataDir) => {
    const lib = await resultsLibrary('e2e-side-panel-text', path.join(dataDir, 'library'));
    try {
      const dir = path.join(dataDir, 'library');
      const images = lib.library.listInstances(PATIENT_A.seriesUid).map((i) => i.sopInstanceUid);
      for (const [m, model] of MODELS.entries()) {
        const metadata = { ...MODEL_META, name: model.name, contentHash: model.hash };
        const scores = images.map((sop, i) => ({ seriesInstanceUid: PATIENT_A.seriesUid, sopInstanceUid: sop, frame: 0, scores: [1 - (i + m) / 10, (i + m) / 10] }));
        savePredictions(dir, { modelHash: model.hash, modelName: model.name, classNames: MODEL_META.classNames, images: scores, series: [], createdAt: new Date().toISOString() }, { dir: path.join(dir, `pkg-${m}`), metadata });
        await exportResults(lib.library, { uid: PATIENT_A.seriesUid, model: { name: model.name, packageHash: model.hash, variant: 'b0', version: model.version }, out: path.join(dataDir, 'incoming', 'results', `model-${m}`) });
      }
    } finally {
      lib.library.close();
    }
    // The same two names as packages in the models folder, for the Classifier and Training tabs.
    const preprocessing = { scale: 1 / 255, mean: [0.485, 0.456, 0.406] as [number, number, number], std: [0.229, 0.224, 0.225] as [number, number, number] };
    for (const [m, model] of MODELS.entries()) {
      await saveRandomHeadPackage(path.join(dataDir, 'models', `model-${m}`), { inputSize: 32, seed: 3 + m, sd: 20, headSeed: 5 }, { name: model.name, classNames: MODEL_META.classNames, preprocessing });
    }
  });

  it("lists long-named models' findings without cutting a cell, at 1280×800 and 1024×700", async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 90_000 });
    await page.getByTestId('series-card').first().click({ timeout: 60_000 });
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/5' }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Import a folder or file').fill(path.join(dataDir, 'incoming', 'results'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: /result documents imported/ }).waitFor({ timeout: 60_000 });

    const section = page.getByRole('region', { name: 'Results' });
    await section.getByTestId('result-finding').nth(9).waitFor({ timeout: 30_000 });
    const models = (await section.getByTestId('result-finding').allInnerTexts()).map((r) => r.split('\t').map((c) => c.trim())[2]);
    // The model column: its name and its package's version as `lumen models packages` prints it (the SR's Algorithm Version).
    for (const m of MODELS) expect(models).toContain(`${m.name} #${m.hash.slice(0, 12)}`);
    for (const [width, height] of [[1280, 800], [1024, 700]]) {
      await page.setViewportSize({ width, height });
      expect(await section.isVisible()).toBe(true);
      expect(await cutCells(section.locator('td, th, .result-doc-head > span')), `at ${width}×${height}`).toEqual([]);
      const snake = section.getByTestId('result-finding').locator('td').filter({ hasText: MODELS[2].name });
      expect(await snake.count()).toBe(5);
      for (const cell of await snake.all()) {
        const { lines, outside } = await textLines(cell, section);
        expect(lines.length, `the name wraps at ${width}×${height}: ${JSON.stringify(lines)}`).toBeGreaterThan(1);
        expect(midWordBreaks(lines), `at ${width}×${height}: ${JSON.stringify(lines)}`).toEqual([]);
        expect(outside).toEqual([]);
      }
      await section.screenshot({ path: path.join(resultsDir(), `side-panel-text-${width}.png`) });
      await section.locator('.result-doc').last().scrollIntoViewIfNeeded();
      await section.screenshot({ path: path.join(resultsDir(), `side-panel-text-${width}-end.png`) });
    }
    expect(errors).toEqual([]);
  }, 240_000);

  it('cuts no text in the Classifier and Training tabs, at 1280×800 and 1024×700', async () => {
    const { page, errors } = await openApp(session());
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 90_000 });
    await page.getByTestId('series-card').first().click({ timeout: 60_000 });
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/5' }).waitFor({ timeout: 60_000 });
    // A window under 1200 px hides the side panel until the user chooses it: hide and show it
    // once, and the choice holds at 1024×700 too.
    const toggle = page.getByTestId('toggle-side-panel');
    await toggle.click();
    await page.locator('[data-testid="toggle-side-panel"][aria-pressed="false"]').waitFor();
    await toggle.click();
    await page.locator('[data-testid="toggle-side-panel"][aria-pressed="true"]').waitFor();
    for (const tab of ['Classifier', 'Training']) {
      await page.getByRole('tab', { name: tab }).click();
      const panel = page.getByRole('tabpanel', { name: tab });
      await panel.locator('select').first().waitFor({ timeout: 30_000 });
      // Choose the longest name wherever a package is picked.
      for (const select of await panel.locator('select').all()) {
        const option = select.locator('option', { hasText: MODELS[1].name });
        if (await option.count()) await select.selectOption({ label: (await option.first().textContent())! });
      }
      if (tab === 'Classifier') {
        // The longer-named package runs on the open series: its scores and the model line too.
        await panel.getByRole('radio', { name: new RegExp(MODELS[1].name.replace(/[()]/g, '\\$&')) }).check();
        await panel.getByTestId('run-prediction').click();
        await panel.getByTestId('result-model').waitFor({ timeout: 120_000 });
      }
      for (const [width, height] of [[1280, 800], [1024, 700]]) {
        await page.setViewportSize({ width, height });
        await panel.waitFor();
        // Every element that holds text of its own and clips it (a visually hidden name, a px wide, is meant so).
        const cut = await panel.locator('*').evaluateAll((els) => {
          type El = { scrollWidth: number; clientWidth: number; textContent: string | null; tagName: string; title: string; childNodes: ArrayLike<{ nodeType: number; textContent: string | null }> };
          const style = (globalThis as unknown as { getComputedStyle(e: El): { overflowX: string; display: string } }).getComputedStyle;
          return (els as unknown as El[])
            .filter((e) => Array.from(e.childNodes).some((n) => n.nodeType === 3 && (n.textContent ?? '').trim()) || e.tagName === 'SELECT')
            .filter((e) => style(e).display !== 'none' && e.clientWidth > 8 && e.scrollWidth > e.clientWidth + 1 && !['visible', 'auto', 'scroll'].includes(style(e).overflowX))
            .filter((e) => !(e.title && e.title.includes((e.textContent ?? '').trim())))
            .map((e) => `${e.tagName} "${(e.textContent ?? '').trim().slice(0, 80)}" (${e.scrollWidth} > ${e.clientWidth})`);
        });
        // An empty field's placeholder (its hint) is read whole too.
        cut.push(
          ...(await panel.locator('input[placeholder]:visible').evaluateAll((els) => {
            type Input = { value: string; placeholder: string; clientWidth: number };
            const win = globalThis as unknown as {
              getComputedStyle(e: Input): { font: string; paddingLeft: string; paddingRight: string };
              document: { createElement(tag: 'canvas'): { getContext(kind: '2d'): { font: string; measureText(text: string): { width: number } } } };
            };
            const ctx = win.document.createElement('canvas').getContext('2d');
            return (els as unknown as Input[])
              .filter((e) => !e.value)
              .filter((e) => {
                const cs = win.getComputedStyle(e);
                ctx.font = cs.font;
                return ctx.measureText(e.placeholder).width > e.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) + 1;
              })
              .map((e) => `placeholder "${e.placeholder}" (${e.clientWidth} px box)`);
          })),
        );
        await panel.screenshot({ path: path.join(resultsDir(), `side-panel-text-${tab.toLowerCase()}-${width}.png`) });
        expect(cut, `${tab} at ${width}×${height}`).toEqual([]);
      }
      await page.setViewportSize({ width: 1280, height: 800 });
    }
    expect(errors).toEqual([]);
  }, 240_000);
});
