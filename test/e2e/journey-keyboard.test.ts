// The core journey with the keyboard alone, in Debian's Chromium through `lumen serve`'s
// bridge and the real engine, on DICOM that dcmtk wrote (test/e2e/external-dicom-more.ts):
// import by typing a path and Enter, Tab to the study list, ↓ to a study, Tab to its series and open it with Enter, page its
// slices, a W/L preset by number, actual size, zoom and pan by keys and reset, each tool by
// its letter, the toolbar by Tab, Help, About and Settings opened by their keys and closed by Esc with the
// focus back where it was, the study list's arrows (which move in the list, not the image),
// a label by number, a run refused and one trained from the Training tab's form, and its
// report opened and closed. Every control Tab stops on
// must show where the focus is. Screenshots: test-results/journey-keyboard-*.png.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { brightPixels } from '../support/canvas';
import { writePhantomSet, type PhantomSet } from '../training/phantoms';
import { writeMoreExternalSet, type MoreExternalSet } from './external-dicom-more';
import { focused } from './focus';

describe('the core journey with the keyboard alone', () => {
  let set: MoreExternalSet;
  let phantoms: PhantomSet;
  const session = useUiSession('lumen-journey-keyboard', (dataDir) => {
    set = writeMoreExternalSet(path.join(dataDir, 'incoming'));
    phantoms = writePhantomSet(path.join(dataDir, 'phantoms'), { patients: 15, slices: 1, seed: 23 });
  });

  it('imports, opens, pages, windows, zooms, switches tools, labels and starts a run, every stop visible', async () => {
    const { page, errors } = await openApp(session());
    let step = 0;
    const shot = async (name: string) => page.screenshot({ path: path.join(resultsDir(), `journey-keyboard-${String(++step).padStart(2, '0')}-${name}.png`) });
    /** Presses Tab (or Shift+Tab) until the focus is on `name`; every control on the way must show its focus. */
    const tabTo = async (name: RegExp, opts: { back?: boolean; max?: number } = {}) => {
      const hidden: string[] = [];
      const passed: string[] = [];
      for (let i = 0; i < (opts.max ?? 80); i++) {
        await page.keyboard.press(opts.back ? 'Shift+Tab' : 'Tab');
        const f = await focused(page);
        passed.push(f.name.slice(0, 40));
        if (!f.ring) hidden.push(`${f.tag} "${f.name.slice(0, 40)}"`);
        if (name.test(f.name)) {
          expect(hidden, `focus not shown on the way to ${name}`).toEqual([]);
          return;
        }
      }
      throw new Error(`Tab never reached ${name}; it passed ${passed.join(' | ')}`);
    };
    const index = page.getByTestId('image-index');
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
    await page.getByRole('region', { name: 'Welcome to Lumen' }).waitFor({ timeout: 60_000 });
    await page.keyboard.press('Escape');

    // Import: Tab to the field, type the folder, Enter.
    await tabTo(/^Import a folder or file$/);
    await page.keyboard.type(set.dir);
    await page.keyboard.press('Enter');
    await page.getByTestId('import-report').filter({ hasText: `${set.imageFiles + 1} images (${set.imageFiles} files) and 1 result document imported` }).waitFor({ timeout: 120_000 });

    // Tab through the study list's filters to the list (one stop: the study at its top), ↓ to the
    // study of the series, Tab to its card; Enter opens it.
    await tabTo(/^▾/);
    const studyOfFocus = () => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { closest(s: string): { textContent: string | null } | null } | null } }).document.activeElement?.closest('[role="listitem"]')?.textContent ?? '');
    for (let i = 0; i < 10 && !(await studyOfFocus()).includes('NO NUMBERS'); i++) {
      const before = await studyOfFocus();
      await page.keyboard.press('ArrowDown');
      await expect.poll(studyOfFocus).not.toBe(before);
    }
    await tabTo(/^CT S1, 4 images, NO NUMBERS, open series$/, { max: 6 });
    await page.keyboard.press('Enter');
    await index.filter({ hasText: 'Im 1/4' }).waitFor({ timeout: 60_000 });
    // The open series' card is marked as open; the focus on it must still show.
    expect(await focused(page)).toMatchObject({ name: expect.stringMatching(/^CT S1, 4 images, NO NUMBERS, open series$/), ring: true });
    await shot('series-open');

    // Page the slices.
    await page.keyboard.press('ArrowDown');
    await index.filter({ hasText: 'Im 2/4' }).waitFor();
    await page.keyboard.press('End');
    await index.filter({ hasText: 'Im 4/4' }).waitFor();
    await page.keyboard.press('Home');
    await index.filter({ hasText: 'Im 1/4' }).waitFor();

    // A W/L preset by its number.
    await page.keyboard.press('3');
    await expect.poll(() => page.getByTestId('preset').inputValue()).toBe('ct-lung');
    await expect.poll(() => page.locator('.corner.br').innerText()).toContain('W 1500 L -600');
    // Actual size, then reset to the fitted view.
    const zoom = async () => /Zoom (\d+)%/.exec(await page.locator('.corner.br').innerText())?.[1];
    const fitted = await zoom();
    await page.keyboard.press('a');
    await expect.poll(zoom).toBe('100');
    await page.keyboard.press('Shift+R');
    await expect.poll(zoom).toBe(fitted);
    // Zoom in and out, and pan, by keys (Help lists them).
    await page.keyboard.press('+');
    await expect.poll(async () => Number(await zoom())).toBeGreaterThan(Number(fitted));
    await page.keyboard.press('-');
    await expect.poll(zoom).toBe(fitted);
    const discX = (await brightPixels(page)).centreX;
    await page.keyboard.press('Shift+ArrowRight');
    await expect.poll(async () => (await brightPixels(page)).centreX).toBeGreaterThan(discX + 20);
    expect(await index.innerText()).toBe('Im 1/4');
    await page.keyboard.press('Shift+R');
    await expect.poll(async () => (await brightPixels(page)).centreX).toBeCloseTo(discX, 0);
    // The rest of Help's view keys: F fits, I inverts, X and Y flip, R rotates (the letters follow).
    await page.keyboard.press('a');
    await expect.poll(zoom).toBe('100');
    await page.keyboard.press('f');
    await expect.poll(zoom).toBe(fitted);
    // Invert and the flips are under More view commands (the toolbar keeps one row): the corner says their state.
    const states = async () => (await page.getByTestId('corner-zoom').innerText()).split(' · ').slice(1);
    for (const [key, state] of [['i', 'inverted'], ['x', 'flip H'], ['y', 'flip V']] as const) {
      await page.keyboard.press(key);
      await expect.poll(states).toContain(state);
      await page.keyboard.press(key);
      await expect.poll(states).not.toContain(state);
    }
    expect(await page.getByTestId('orient-top').innerText()).toBe('A');
    await page.keyboard.press('r');
    await expect.poll(() => page.getByTestId('orient-top').innerText()).toBe('R');
    await page.keyboard.press('Shift+R');
    await expect.poll(() => page.getByTestId('orient-top').innerText()).toBe('A');

    // Each tool by its letter.
    const tool = () => page.getByRole('toolbar', { name: 'Viewer tools' }).locator('button[aria-pressed="true"] > .visually-hidden').first().textContent();
    for (const [key, label] of [['p', 'Pan'], ['z', 'Zoom'], ['l', /^Length/], ['b', /^Rectangle/], ['e', /^Ellipse/], ['n', /^Angle/], ['v', /^Probe/], ['w', 'Window/level']] as const) {
      await page.keyboard.press(key);
      await expect.poll(tool).toMatch(typeof label === 'string' ? new RegExp(`^${label}$`) : label);
    }

    // The toolbar by Tab: the active tool shows its focus too.
    await tabTo(/^Window\/level$/);
    await tabTo(/^Reset view$/, { max: 20 });
    await shot('toolbar-focus');

    // Help, About and Settings by their keys; Esc closes each and the focus comes back.
    for (const [key, dialogName] of [['?', /shortcuts/i], ['F1', /About/i], ['Control+,', /Settings/i]] as const) {
      await page.keyboard.press(key);
      const dialog = page.getByRole('dialog', { name: dialogName });
      await dialog.waitFor();
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      expect(await focused(page)).toMatchObject({ name: 'Reset view', ring: true });
    }

    // In the study list, the arrows on a study move to the next study, and leave the image alone.
    await page.keyboard.press('ArrowDown');
    await index.filter({ hasText: 'Im 2/4' }).waitFor();
    await tabTo(/^▾\s*Shuffle, Sid/, { back: true });
    await page.keyboard.press('ArrowUp');
    await expect.poll(async () => (await focused(page)).name).toMatch(/^▾\s*Scout, Sam/);
    expect(await index.innerText()).toBe('Im 2/4');
    await shot('study-head-focus');

    // The Training tab by Tab and Enter; 2 labels the open series; Start by Tab and Enter.
    await tabTo(/^Training$/);
    await page.keyboard.press('Enter');
    const panel = page.getByRole('tabpanel', { name: 'Training' });
    await panel.waitFor();
    await page.keyboard.press('2');
    await panel.getByText(/^Current: abnormal/).waitFor({ timeout: 30_000 });
    // One class labelled: Start waits, saying why in words (the engine would refuse the run).
    await panel.getByTestId('cannot-start').filter({ hasText: 'Cannot start: only one class (abnormal) is labelled' }).waitFor({ timeout: 60_000 });
    expect(await panel.getByRole('button', { name: 'Start training' }).isDisabled()).toBe(true);
    await panel.getByTestId('cannot-start').scrollIntoViewIfNeeded();
    await shot('training-refused');

    // A labelled set: 0 clears that label; the phantoms imported by path, their labels from a CSV by path.
    await page.keyboard.press('0');
    await panel.getByText(/^Current: unlabelled/).waitFor({ timeout: 30_000 });
    // U opens the next series without a label.
    await page.keyboard.press('u');
    await expect.poll(() => page.locator('.topbar-context').innerText(), { timeout: 30_000 }).not.toContain('NO NUMBERS');
    await tabTo(/^Import a folder or file$/, { back: true, max: 150 });
    await page.keyboard.press('Control+A');
    await page.keyboard.type(phantoms.dir);
    await page.keyboard.press('Enter');
    await page.getByTestId('import-report').filter({ hasText: `${phantoms.patients.length} images imported` }).waitFor({ timeout: 120_000 });
    await tabTo(/^Label CSV path$/, { max: 150 });
    await page.keyboard.type(phantoms.csv);
    await tabTo(/^Import CSV$/, { max: 5 });
    await page.keyboard.press('Enter');
    await panel.getByRole('status').filter({ hasText: `Imported labels: ${phantoms.patients.length} series` }).waitFor({ timeout: 60_000 });

    // The form from the keyboard: the tiny backbone (End: the last choice), 32 px, 2 epochs, no augmentation.
    await tabTo(/^Backbone$/, { max: 60 });
    await page.keyboard.press('End');
    await expect.poll(() => panel.getByLabel('Backbone', { exact: true }).inputValue()).toBe('custom-phi-10');
    await tabTo(/^Resolution$/, { max: 10 });
    await page.keyboard.type('32');
    await tabTo(/^Epochs$/, { max: 10 });
    await page.keyboard.type('2');
    await tabTo(/^Augment$/, { max: 10 });
    await page.keyboard.press('Space');
    expect(await panel.getByLabel('Augment', { exact: true }).isChecked()).toBe(false);
    await tabTo(/^Start training$/, { max: 20 });
    await page.keyboard.press('Enter');
    await panel.getByText(/^Package: .*my-classifier$/).or(panel.getByRole('status').filter({ hasText: 'Training failed' })).first().waitFor({ timeout: 240_000 });
    expect(await panel.getByRole('status').textContent()).toBe('Training finished.');

    // The results: the report opens by Enter, Esc closes it, and the focus is back on its button.
    await tabTo(/^Open report$/, { max: 40 });
    await page.keyboard.press('Enter');
    const report = page.getByRole('dialog', { name: 'Training report' });
    await report.waitFor({ timeout: 30_000 });
    await page.frameLocator('iframe[title="Training report"]').getByRole('heading').first().waitFor({ timeout: 30_000 });
    await shot('report');
    await page.keyboard.press('Escape');
    await report.waitFor({ state: 'detached' });
    expect(await focused(page)).toMatchObject({ name: 'Open report', ring: true });
    await shot('trained');
    expect(errors).toEqual([]);
    await page.close();
  }, 420_000);
});
