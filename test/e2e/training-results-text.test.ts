// The Training tab's "Results of a model" view read whole, and names without spaces wrapped
// between their parts, in Debian's Chromium against the real engine through the browser bridge.
// A package trained here (head mode on a tiny backbone, phantoms labelled with snake_case class
// names) under a long snake_case name is picked and shown; at 1280×800 and 1024×700 no element
// of the view clips its text, no text lies over another or runs out of its plot or the panel,
// the package's name and path (and the class names) break after "_" or "/" and never inside a
// word, in the Classifier tab too (and its Delete… question); a run trained in the tab shows its
// results the same way; and every control of the view is reached by Tab and named.
// Screenshots: test-results/training-results-text-<width>-top.png, -end.png, -classifier-<width>.png,
// -run-<width>.png, -delete-question.png and -report.png.
import path from 'node:path';
import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { CLASSES, LONG, openWithSidePanel, showLongNamedResults, trainLongNamedPackage } from './long-names';
import { clippedText, midWordBreaks, overlappingText, textLines } from './panel-text';
import { trainFromTab } from './training-tab';

const SIZES = [[1280, 800], [1024, 700]] as const;

describe('"Results of a model" and long names in the side panel', () => {
  const session = useUiSession('lumen-training-results-text', (dataDir) => trainLongNamedPackage(dataDir, 4));

  /** Where the element's text wraps: it must wrap (the name is wider than the panel), never inside a word, and stay inside the panel. */
  async function checkWraps(el: Locator, panel: Locator, what: string) {
    const { lines, outside } = await textLines(el, panel);
    expect(lines.length, `${what} wraps: ${JSON.stringify(lines)}`).toBeGreaterThan(1);
    expect(midWordBreaks(lines), `${what}: ${JSON.stringify(lines)}`).toEqual([]);
    expect(outside, `${what} outside the panel`).toEqual([]);
    return lines;
  }

  it('shows the results view whole at 1280×800 and 1024×700, its names broken between parts', async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    const { panel, view, results } = await showLongNamedResults(page);
    const packageDir = path.join(dataDir, 'models', LONG);
    const packageLine = results.getByText(`Package: ${packageDir}`, { exact: true });
    expect(await packageLine.count()).toBe(1);

    // What the model was trained on, open: its lines are swept too.
    await results.getByText('Training domain', { exact: true }).click();
    await results.getByTestId('run-domain').locator('li').first().waitFor();
    for (const [width, height] of SIZES) {
      const at = `at ${width}×${height}`;
      await page.setViewportSize({ width, height });
      await view.evaluate((e) => (e as unknown as { scrollIntoView(o: object): void }).scrollIntoView({ block: 'start' }));
      await page.screenshot({ path: path.join(resultsDir(), `training-results-text-${width}-top.png`) });
      await view.evaluate((e) => (e as unknown as { scrollIntoView(o: object): void }).scrollIntoView({ block: 'end' }));
      await page.screenshot({ path: path.join(resultsDir(), `training-results-text-${width}-end.png`) });
      expect(await clippedText(view), at).toEqual([]);
      expect(await overlappingText(view), at).toEqual([]);
      // The package's folder: its name and path break after "_", "-", "." or "/", never mid-word.
      const lines = await checkWraps(packageLine, panel, `the package line ${at}`);
      expect(lines.join(''), 'the name copies whole').toBe(`Package: ${packageDir}`);
      // The report's path, and the chosen package's name, which the list's box cuts, said whole beneath it.
      await checkWraps(results.getByText(`${packageDir}.report.html`, { exact: true }), panel, `the report's path ${at}`);
      const chosen = view.getByTestId('package-choice-name');
      expect(await chosen.textContent()).toBe(LONG);
      await checkWraps(chosen, panel, `the chosen package's name ${at}`);
      // The class names in the table's first column, which is narrow.
      for (const name of Object.values(CLASSES)) {
        const cell = results.getByRole('cell', { name, exact: true });
        const cellLines = (await textLines(cell, panel)).lines;
        expect(midWordBreaks(cellLines), `${name} ${at}: ${JSON.stringify(cellLines)}`).toEqual([]);
      }
    }

    // The same name in the Classifier tab's list of packages.
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('tab', { name: 'Classifier' }).click();
    const classifier = page.getByRole('tabpanel', { name: 'Classifier' });
    // The package scores the open series: its class names beside their bars, and the model line.
    await classifier.getByRole('radio', { name: new RegExp(LONG) }).check();
    await classifier.getByTestId('run-prediction').click();
    await classifier.getByTestId('result-model').filter({ hasText: LONG }).waitFor({ timeout: 120_000 });
    for (const [width, height] of SIZES) {
      const at = `at ${width}×${height}`;
      await page.setViewportSize({ width, height });
      const name = classifier.locator('.package .strong', { hasText: LONG });
      await name.scrollIntoViewIfNeeded();
      await classifier.screenshot({ path: path.join(resultsDir(), `training-results-text-classifier-${width}.png`) });
      const lines = await checkWraps(name, classifier, `the Classifier's package name ${at}`);
      expect(lines.join('')).toBe(LONG);
      await checkWraps(classifier.getByTestId('result-model'), classifier, `the model line ${at}`);
      // The top class's line with its uncertainty, for this image and for the series.
      for (const line of await classifier.locator('[data-testid="image-uncertainty"], [data-testid="series-uncertainty"]').all()) {
        const l = (await textLines(line, classifier)).lines;
        expect(midWordBreaks(l), `${l.join('')} ${at}: ${JSON.stringify(l)}`).toEqual([]);
      }
      for (const cell of await classifier.locator('.score-name').all()) {
        const cellLines = (await textLines(cell, classifier)).lines;
        expect(midWordBreaks(cellLines), `${cellLines.join('')} ${at}: ${JSON.stringify(cellLines)}`).toEqual([]);
      }
      expect(await clippedText(classifier), at).toEqual([]);
      expect(await overlappingText(classifier), at).toEqual([]);
    }
    // Its Delete… question names it the same way (asked, then cancelled).
    await classifier.getByTestId('package-delete').click();
    const ask = classifier.getByTestId('package-delete-question');
    await ask.waitFor();
    await ask.scrollIntoViewIfNeeded();
    await classifier.screenshot({ path: path.join(resultsDir(), 'training-results-text-delete-question.png') });
    expect((await checkWraps(ask.locator('strong').first(), classifier, 'the Delete… question\'s name')).join('')).toBe(LONG);
    expect(await clippedText(ask)).toEqual([]);
    await ask.getByRole('button', { name: 'Cancel' }).click();
    await ask.waitFor({ state: 'detached' });
    expect(errors).toEqual([]);
  }, 300_000);

  it("shows a run trained in the tab whole, with its package's long name, at both sizes", async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    await openWithSidePanel(page);
    await page.getByRole('tab', { name: 'Training' }).click();
    const panel = page.getByRole('tabpanel', { name: 'Training' });
    const name = LONG.replace('v12', 'v13');
    await trainFromTab(page, { name, variant: 'custom-phi-10', mode: 'head', resolution: 32, window: 'ct-abdomen', epochs: '3' });
    const run = panel.locator('.run-view');
    const packageLine = run.getByText(`Package: ${path.join(dataDir, 'models', name)}`, { exact: true });
    for (const [width, height] of SIZES) {
      const at = `at ${width}×${height}`;
      await page.setViewportSize({ width, height });
      await run.evaluate((e) => (e as unknown as { scrollIntoView(o: object): void }).scrollIntoView({ block: 'start' }));
      await page.screenshot({ path: path.join(resultsDir(), `training-results-text-run-${width}.png`) });
      expect(await clippedText(run), at).toEqual([]);
      expect(await overlappingText(run), at).toEqual([]);
      await checkWraps(packageLine, panel, `the finished run's package line ${at}`);
    }
    expect(errors).toEqual([]);
  }, 600_000);

  it('reaches every control of the results view with Tab, each named', async () => {
    const { page, errors } = await openApp(session());
    const { view } = await showLongNamedResults(page);
    const select = view.getByLabel('Model package');

    // The controls the view holds, with the names a screen reader gives them.
    const controls = view.locator('select, button, summary, a[href], input, textarea, [tabindex]:not([tabindex="-1"])');
    const named = await controls.evaluateAll((els) =>
      els.map((e) => {
        const el = e as unknown as { tagName: string; getAttribute(a: string): string | null; textContent: string | null; id: string };
        return { tag: el.tagName.toLowerCase(), name: (el.getAttribute('aria-label') ?? el.textContent ?? '').trim() };
      }),
    );
    expect(named.length).toBeGreaterThanOrEqual(3);
    for (const c of named) expect(c.name, `${c.tag} has a name`).not.toBe('');
    const names = named.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['Model package', 'Show results', 'Open report', 'Training domain']));
    // The list is described by the chosen package's whole name, when it was made and its hash.
    const description = await select.evaluate((s) => {
      const el = s as unknown as { getAttribute(a: string): string | null; ownerDocument: { getElementById(id: string): { textContent: string | null } | null } };
      return (el.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean).map((id) => el.ownerDocument.getElementById(id)?.textContent ?? '?').join(' | ');
    });
    expect(description).toMatch(new RegExp(`^${LONG} \\| made .+ · #[0-9a-f]{8}$`));
    // Each, by role and name, is what the page's accessibility tree says.
    await view.getByRole('combobox', { name: 'Model package' }).waitFor();
    for (const n of ['Show results', 'Open report']) await view.getByRole('button', { name: n, exact: true }).waitFor();

    // Tab from the list walks through them all, in order, and on out of the view.
    await select.focus();
    const reached: string[] = [];
    for (let i = 0; i < 20; i++) {
      const at = await page.evaluate(() => {
        const a = (globalThis as unknown as { document: { activeElement: { closest(q: string): unknown; getAttribute(a: string): string | null; textContent: string | null } | null } }).document.activeElement;
        if (!a || !a.closest('.package-results')) return null;
        return (a.getAttribute('aria-label') ?? a.textContent ?? '').trim();
      });
      if (at === null) break;
      reached.push(at);
      await page.keyboard.press('Tab');
    }
    expect(reached).toEqual(names);
    // Open report opens from the keyboard, and Escape closes it back onto the button.
    await view.getByRole('button', { name: 'Open report' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await dialog.waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(resultsDir(), 'training-results-text-report.png') });
    const reportPath = dialog.getByText(/\.report\.html$/);
    expect(midWordBreaks((await textLines(reportPath, dialog)).lines)).toEqual([]);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached', timeout: 10_000 });
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string | null } | null } }).document.activeElement?.textContent)).toBe('Open report');
    expect(errors).toEqual([]);
  }, 300_000);
});
