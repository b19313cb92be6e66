// The Help dialog's shortcuts are true, in Debian's Chromium against the real engine: the list is
// read from the dialog in the page (? opens it), each key it names is pressed where it applies and
// its visible effect checked (the tool pressed, the preset chosen, the image moved or zoomed, cine
// playing, a panel hidden, a dialog open, a label given...), and where the dialog pairs keys with
// actions ("W · P" with "window/level · pan") the effect is the action it names. No key is listed
// for two actions in one place (the viewer, the study list, the Training tab), and the viewer's
// keys do nothing while the user types in a text field. A key the dialog lists that this test
// cannot check, or a check for a key it no longer lists, fails the test. The PACS tab's keys need
// a PACS: test/e2e/pacs-journey-keys.test.ts reads them from this dialog and checks them against
// a real Orthanc.
// Screenshots: test-results/shortcuts-help-*.png.
import { renameSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dragOnViewport, openApp, resultsDir, useUiSession, viewerReady } from '../support/browser';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { writeTwoCtImages } from './two-ct-images';

const UID_A = '1.2.826.0.1.3680043.10.99.95';
const UID_B = '1.2.826.0.1.3680043.10.99.96';

/** One key as the dialog names it, in the place it applies, with the row's action. */
interface Listed {
  token: string;
  place: 'viewer' | 'study list' | 'Training tab' | 'PACS tab';
  /** The row's action, whole. */
  action: string;
  /** The part of the action paired with this key, where the row pairs them one to one ("W · P" ↔ "window/level · pan"). */
  paired?: string;
}

const ARROWS = new Set(['↑', '↓', '←', '→']);

/** The keys a row names, one by one: "Shift + ← → ↑ ↓" is four, "Ctrl + Shift + Z" one, "1–9" one (a range). */
function keyTokens(keys: string): string[] {
  const out: string[] = [];
  for (const part of keys.split(/\s+·\s+|,\s+|\s+\/\s+/)) {
    const p = part.trim().replace(/(\S)\s*\+\s*(\S)/g, '$1+$2').replace(/(\S)\s*\+\s*(\S)/g, '$1+$2');
    const m = /^((?:(?:Ctrl|Shift)\+)*)(.+)$/.exec(p)!;
    const pieces = m[2].split(/[\s/]+/);
    if (pieces.length > 1 && pieces.every((x) => ARROWS.has(x))) out.push(...pieces.map((x) => m[1] + x));
    else out.push(p);
  }
  return out;
}

/** Each key a token stands for ("1–9": nine), for finding a key listed twice. */
function expand(token: string): string[] {
  const m = /^(.*?)(\d)–(\d)$/.exec(token);
  if (!m) return [token];
  const keys: string[] = [];
  for (let d = Number(m[2]); d <= Number(m[3]); d++) keys.push(m[1] + d);
  return keys;
}

/** Playwright's name for a key as the dialog writes it; a letter is the key's own (f, not Shift's F), as a keyboard sends it. */
function pw(token: string): string {
  if (token === '+') return '+';
  if (/^[A-Z]$/.test(token)) return token.toLowerCase();
  const names: Record<string, string> = { '↑': 'ArrowUp', '↓': 'ArrowDown', '←': 'ArrowLeft', '→': 'ArrowRight', 'Page Up': 'PageUp', 'Page Down': 'PageDown', 'Full stop': 'Period', Esc: 'Escape', '−': '-', Ctrl: 'Control' };
  return token.split('+').map((k) => names[k] ?? k).join('+');
}

function place(action: string): Listed['place'] {
  if (/^In the Training tab\b/.test(action)) return 'Training tab';
  if (/^In the PACS tab\b/.test(action)) return 'PACS tab';
  if (/^(In the study list|On a study's header)\b/.test(action)) return 'study list';
  return 'viewer';
}

async function readHelp(page: Page): Promise<{ rows: [string, string][]; listed: Listed[] }> {
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  const rows = await dialog.locator('table.shortcuts tr').evaluateAll((trs) =>
    trs.map((tr) => {
      // Runs in the page; typed here without the DOM library, which the Node project leaves out.
      const cells = (tr as unknown as { querySelectorAll(s: string): ArrayLike<{ innerText: string }> }).querySelectorAll('td');
      return [cells[0].innerText, cells[1].innerText] as [string, string];
    }),
  );
  const listed: Listed[] = [];
  for (const [keys, action] of rows) {
    const tokens = keyTokens(keys);
    const parts = action.replace(/^(Tool|In the Training tab|In the study list|On a study's header): /, '').split(' · ');
    tokens.forEach((token, i) => listed.push({ token, place: place(action), action, paired: parts.length === tokens.length ? parts[i] : undefined }));
  }
  return { rows, listed };
}

describe('the shortcuts the Help dialog lists', () => {
  const session = useUiSession('lumen-shortcuts-help', async (dataDir) => {
    // Two patients' studies of two CT images each, and a classifier for the heatmap.
    writeTwoCtImages(dataDir, UID_A, { name: 'Help^Hana', id: 'PH001' });
    for (const f of ['im1.dcm', 'im2.dcm']) renameSync(path.join(dataDir, 'incoming', f), path.join(dataDir, 'incoming', `a-${f}`));
    writeTwoCtImages(dataDir, UID_B, { name: 'Keys^Kai', id: 'PK002' });
    await saveRandomHeadPackage(
      path.join(dataDir, 'models', 'key-classifier'),
      { inputSize: 32, seed: 3, sd: 20, headSeed: 5 },
      { name: 'key-classifier', classNames: ['normal', 'abnormal'], preprocessing: { scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } },
    );
  });

  it('does what it says for every key it lists, once per place, and nothing while typing', async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    const shot = (name: string) => page.screenshot({ path: path.join(resultsDir(), `shortcuts-help-${name}.png`) });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Import a folder or file').fill(path.join(dataDir, 'incoming'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '4 images' }).waitFor({ timeout: 120_000 });
    /** Nothing focused: where the viewer's keys apply. */
    const atRest = async () => {
      await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { blur(): void } | null } }).document.activeElement?.blur());
    };
    const study = (name: RegExp) => page.getByRole('listitem', { name });
    const cardA = study(/^Study .*Hana/).getByTestId('series-card');
    const cardB = study(/^Study .*Kai/).getByTestId('series-card');
    await cardA.click();
    const index = page.getByTestId('image-index');
    await index.filter({ hasText: 'Im 1/2' }).waitFor({ timeout: 60_000 });
    await viewerReady(page);

    // Predict the open series, so H has a heatmap to show or hide.
    const entry = page.locator('label.package').filter({ hasText: 'key-classifier' });
    await entry.waitFor({ timeout: 60_000 });
    await entry.locator('input[type="radio"]').check();
    await page.getByLabel('Predict on').selectOption('series');
    await page.getByTestId('run-prediction').click();
    await page.getByTestId('heatmap-toggle').waitFor({ timeout: 180_000 });

    // The list, from the dialog ? opens.
    await atRest();
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    await shot('dialog');
    const { rows, listed } = await readHelp(page);
    expect(rows.length).toBeGreaterThan(20);
    await help.locator('tr').last().scrollIntoViewIfNeeded();
    await shot('dialog-end');
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached' });

    // No key listed for two actions in one place.
    const seen = new Map<string, string>();
    const twice: string[] = [];
    for (const l of listed)
      for (const k of expand(l.token)) {
        const where = `${l.place}: ${k}`;
        if (seen.has(where) && seen.get(where) !== l.action) twice.push(`${where} (${seen.get(where)} | ${l.action})`);
        seen.set(where, l.action);
      }
    expect(twice).toEqual([]);

    // What the page shows.
    const zoom = async () => Number(/Zoom (\d+)%/.exec(await page.getByTestId('corner-zoom').innerText())![1]);
    const corner = () => page.getByTestId('corner-zoom').innerText();
    const image = () => page.getByTestId('viewport').screenshot();
    const rowsShown = () => page.locator('.measure-pick').allInnerTexts();
    const tools = page.locator('.viewer-toolbar .tool-group').first();
    const toolPressed = () => tools.locator('[aria-pressed="true"] .visually-hidden').innerText();
    const preset = page.getByTestId('preset');
    const presetShown = () => preset.evaluate((s) => (s as unknown as { selectedOptions: ArrayLike<{ textContent: string }> }).selectedOptions[0].textContent);
    const focusedIn = (selector: string) => page.evaluate((s) => !!(globalThis as unknown as { document: { activeElement: { closest(s: string): unknown } | null } }).document.activeElement?.closest(s), selector);
    const focusedName = () => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null; textContent: string } | null } }).document.activeElement?.getAttribute('aria-label') ?? '');
    const training = page.getByRole('tabpanel', { name: 'Training' });
    const currentLabel = () => training.getByText(/^Current: /).innerText();
    const labelKey = (digit: number) => training.getByRole('list', { name: 'Label keys' }).locator('li').nth(digit - 1).getByRole('button').innerText();
    const showImage = async (n: number) => {
      await page.getByLabel('Image in series').fill(String(n));
      await index.filter({ hasText: `Im ${n}/2` }).waitFor();
      await atRest();
    };
    /** A view command under the toolbar's More view commands button: opens its list and presses it. */
    const moreCommand = async (name: string) => {
      await page.getByRole('button', { name: 'More view commands', exact: true }).click();
      await page.getByRole('group', { name: 'More view commands' }).getByRole('button', { name, exact: true }).click();
    };
    const resetView = async () => {
      await page.getByRole('button', { name: 'Reset view', exact: true }).click();
      await atRest();
    };
    const classifierTab = async () => {
      await page.getByRole('tab', { name: 'Classifier' }).click();
      await atRest();
    };
    const trainingTab = async () => {
      await page.getByRole('tab', { name: 'Training' }).click();
      await training.getByText(/^Current: /).waitFor({ timeout: 30_000 });
      await atRest();
    };
    const press = (token: string) => page.keyboard.press(pw(token));
    const headOf = (name: RegExp) => study(name).locator('.study-head');
    const studyNames = async () => page.locator('[role="listitem"][aria-label^="Study "]').evaluateAll((els) => els.map((e) => (e as unknown as { getAttribute(n: string): string }).getAttribute('aria-label')));

    await classifierTab();
    await resetView();
    const fitZoom = await zoom();

    /** Pages to the next (or previous) image and back, the viewer's key. */
    const pages = (next: boolean) => async (l: Listed) => {
      expect(l.action).toMatch(/^Previous \/ next image$/);
      await showImage(next ? 1 : 2);
      await press(l.token);
      await index.filter({ hasText: `Im ${next ? 2 : 1}/2` }).waitFor();
    };
    const tool = async (l: Listed) => {
      expect(l.paired, `${l.token}: one tool for each key`).toBeDefined();
      const word = l.paired!.split(/[\s(]/)[0].toLowerCase();
      // Another tool first, so the key is seen to choose.
      const names = await tools.locator('button .visually-hidden').allInnerTexts();
      await tools.getByRole('button', { name: names.find((n) => !n.toLowerCase().startsWith(word)), exact: true }).click();
      await atRest();
      await press(l.token);
      expect((await toolPressed()).toLowerCase().startsWith(word), `${l.token} picks the ${word} tool`).toBe(true);
    };
    const presetKey = async (l: Listed) => {
      expect(l.paired, `${l.token}: one preset for each key`).toBeDefined();
      // Key 1 names both of its presets ("File window, or Full range where the file has none"): this CT has its own window.
      const name = l.paired!.replace(/^CT /, '').replace(/, or full range where the file has none$/i, '').toLowerCase();
      await preset.selectOption(l.token === '2' ? 'ct-bone' : 'ct-brain');
      await atRest();
      await press(l.token);
      await expect.poll(async () => (await presetShown()).toLowerCase()).toEqual(l.token === '1' ? `${name} (1)` : expect.stringMatching(new RegExp(`^${name}\\b.*\\(${l.token}\\)$`)));
    };
    /** A drag with a mouse button, on the Length tool: it draws nothing. */
    const buttonDrag = async (button: 'right' | 'middle') => {
      await page.getByRole('button', { name: 'Length', exact: true }).click();
      await viewerReady(page);
      const box = (await page.getByTestId('viewport').boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.6);
      await page.mouse.down({ button });
      await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.3, { steps: 5 });
      await page.mouse.up({ button });
    };
    const panKey = async (l: Listed) => {
      expect(l.action).toBe('Pan');
      await resetView();
      await showImage(1);
      const before = await image();
      await press(l.token);
      await expect.poll(async () => (await image()).equals(before)).toBe(false);
      expect(await zoom()).toBe(fitZoom);
      expect(await index.innerText()).toMatch(/^Im 1\/2/);
      await resetView();
    };
    const studyKey = (from: 'first' | 'last', to: 'first' | 'last') => async (l: Listed) => {
      expect(l.place).toBe('study list');
      const names = await studyNames();
      const head = (which: 'first' | 'last') => page.locator('[role="listitem"][aria-label^="Study "]').nth(which === 'first' ? 0 : names.length - 1).locator('.study-head');
      await showImage(1);
      await head(from).focus();
      await press(l.token);
      await expect.poll(() => head(to).evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement)).toBe(true);
      // The study list's key, not the viewer's too.
      expect(await index.innerText()).toMatch(/^Im 1\/2/);
    };
    const selectsBoth = async () => {
      await expect.poll(() => page.locator('[data-testid="series-card"][data-selected="true"]').count()).toBe(2);
      await trainingTab();
      await training.getByRole('note').filter({ hasText: '2 series selected in the study list' }).waitFor();
      await classifierTab();
    };
    const dialogKey = (name: RegExp) => async (l: Listed) => {
      await atRest();
      await press(l.token);
      const d = page.getByRole('dialog', { name });
      await d.waitFor();
      await page.keyboard.press('Escape');
      await d.waitFor({ state: 'detached' });
    };
    /** Selects the (first) measurement in the list, unless it is already. */
    const selectRow = async () => {
      const row = page.locator('.measure-pick').first();
      if ((await row.getAttribute('aria-pressed')) !== 'true') await row.click();
      await expect.poll(() => row.getAttribute('aria-pressed')).toBe('true');
      await atRest();
    };
    const drawLength = async () => {
      await page.getByRole('button', { name: 'Length', exact: true }).click();
      await dragOnViewport(page, [0.3, 0.6], [0.7, 0.6]);
      await expect.poll(rowsShown).toEqual([expect.stringMatching(/^Length 1: /)]);
      await page.getByRole('button', { name: 'Window/level', exact: true }).click();
      await atRest();
    };

    /** Deletes the selected measurement, undoes that, and the key redoes the delete. */
    const redo = async (l: Listed) => {
      expect(l.action).toMatch(/^Undo · redo drawing or deleting a measurement$/);
      await selectRow();
      await page.keyboard.press('Delete');
      await expect.poll(rowsShown).toEqual([]);
      await page.keyboard.press('Control+z');
      await expect.poll(rowsShown).toHaveLength(1);
      await atRest();
      await press(l.token);
      await expect.poll(rowsShown).toEqual([]);
      await page.keyboard.press('Control+z');
      await expect.poll(rowsShown).toHaveLength(1);
    };
    /** Labels image 2 alone (Shift+1 in the Training tab), goes to it from image 1 with the key (the previous one, going round), and clears its label again (Shift+0). */
    const labelledStep = (next: boolean) => async (l: Listed) => {
      expect(l.paired).toMatch(next ? /^next image with a label of its own\b/ : /^Previous$/);
      await trainingTab();
      await showImage(2);
      await press('Shift+1');
      await expect.poll(currentLabel).toBe(`Current: ${await labelKey(1)} (image)`);
      await page.getByTestId('stack-marks').locator('.stack-mark[data-index="1"]').waitFor({ timeout: 30_000 });
      await showImage(1);
      await press(l.token);
      await index.filter({ hasText: 'Im 2/2' }).waitFor();
      await press('Shift+0');
      await expect.poll(currentLabel).toBe('Current: unlabelled');
      await page.getByTestId('stack-marks').locator('.stack-mark').waitFor({ state: 'detached', timeout: 30_000 });
      await classifierTab();
    };
    const checks: Record<string, (l: Listed) => Promise<void>> = {
      'viewer Comma': labelledStep(false),
      'viewer Full stop': labelledStep(true),
      'viewer ↑': pages(false),
      'viewer ↓': pages(true),
      'viewer ←': pages(false),
      'viewer →': pages(true),
      'viewer Page Up': pages(false),
      'viewer Page Down': pages(true),
      'viewer wheel': async (l) => {
        expect(l.action).toMatch(/next image/);
        await showImage(1);
        const box = (await page.getByTestId('viewport').boundingBox())!;
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        await page.mouse.wheel(0, 120);
        await index.filter({ hasText: 'Im 2/2' }).waitFor();
        await page.mouse.wheel(0, -120);
        await index.filter({ hasText: 'Im 1/2' }).waitFor();
      },
      'viewer Home': async (l) => {
        expect(l.action).toBe('First / last image');
        await showImage(2);
        await press(l.token);
        await index.filter({ hasText: 'Im 1/2' }).waitFor();
      },
      'viewer End': async (l) => {
        expect(l.action).toBe('First / last image');
        await showImage(1);
        await press(l.token);
        await index.filter({ hasText: 'Im 2/2' }).waitFor();
      },
      // G and Shift+G going from gap to gap are shown on a series with slices missing in
      // slice-gap-keys-i21; these two-image series have none, so here the key must leave the image,
      // the tool and the view as they are.
      ...Object.fromEntries(
        ['G', 'Shift+G'].map((token) => [
          `viewer ${token}`,
          async (l: Listed) => {
            expect(l.paired).toMatch(token === 'G' ? /^Next$/ : /^previous place where slices are missing from the series\b/);
            await showImage(2);
            const toolBefore = await toolPressed();
            await press(l.token);
            await atRest();
            await index.filter({ hasText: 'Im 2/2' }).waitFor();
            expect(await toolPressed()).toBe(toolBefore);
          },
        ]),
      ),
      'viewer Space': async (l) => {
        expect(l.action).toBe('Play / stop cine');
        await press(l.token);
        await page.getByRole('button', { name: 'Stop cine', exact: true }).waitFor();
        await press(l.token);
        await page.getByRole('button', { name: 'Play cine', exact: true }).waitFor();
      },
      'viewer W': tool,
      'viewer P': tool,
      'viewer Z': tool,
      'viewer L': tool,
      'viewer B': tool,
      'viewer E': tool,
      'viewer N': tool,
      'viewer V': tool,
      'viewer Right drag': async (l) => {
        expect(l.paired).toBe('Zoom');
        await resetView();
        await buttonDrag('right');
        await expect.poll(zoom).not.toBe(fitZoom);
        expect(await rowsShown()).toEqual([]);
        await resetView();
      },
      'viewer middle drag': async (l) => {
        expect(l.paired).toMatch(/^pan\b/);
        await resetView();
        const before = await image();
        await buttonDrag('middle');
        await expect.poll(async () => (await image()).equals(before)).toBe(false);
        expect(await zoom()).toBe(fitZoom);
        expect(await rowsShown()).toEqual([]);
        await resetView();
      },
      'viewer +': async (l) => {
        expect(l.paired).toBe('Zoom in');
        await resetView();
        await press(l.token);
        await expect.poll(zoom).toBeGreaterThan(fitZoom);
        await resetView();
      },
      'viewer −': async (l) => {
        expect(l.paired).toBe('out');
        await resetView();
        await press(l.token);
        await expect.poll(zoom).toBeLessThan(fitZoom);
        await resetView();
      },
      'viewer Shift+←': panKey,
      'viewer Shift+→': panKey,
      'viewer Shift+↑': panKey,
      'viewer Shift+↓': panKey,
      'viewer Ctrl+wheel': async (l) => {
        expect(l.action).toBe('Zoom');
        await resetView();
        await showImage(1);
        const box = (await page.getByTestId('viewport').boundingBox())!;
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        await page.keyboard.down('Control');
        await page.mouse.wheel(0, -120);
        await page.keyboard.up('Control');
        await expect.poll(zoom).toBeGreaterThan(fitZoom);
        expect(await index.innerText()).toMatch(/^Im 1\/2/);
        await resetView();
      },
      'viewer 1': presetKey,
      'viewer 2': presetKey,
      'viewer 3': presetKey,
      'viewer 4': presetKey,
      'viewer 5': presetKey,
      'viewer 6': presetKey,
      'Training tab 1–9': async (l) => {
        expect(l.paired).toMatch(/^give the series\b/);
        await preset.selectOption('ct-brain');
        await trainingTab();
        for (const d of [1, 2]) {
          await press(String(d));
          await expect.poll(currentLabel).toBe(`Current: ${await labelKey(d)}`);
        }
        // Instead of the presets.
        expect(await preset.inputValue()).toBe('ct-brain');
        await classifierTab();
      },
      'Training tab Shift+1–9': async (l) => {
        expect(l.paired).toMatch(/^this image \(this frame, in a multi-frame file\) the class of that number\b/);
        await trainingTab();
        await showImage(1);
        await press('Shift+1');
        await expect.poll(currentLabel).toBe(`Current: ${await labelKey(1)} (image)`);
        await classifierTab();
      },
      'Training tab 0': async (l) => {
        expect(l.paired).toMatch(/^clear the series and this image\b/);
        await preset.selectOption('ct-brain');
        await trainingTab();
        await showImage(1);
        await press(l.token);
        await expect.poll(currentLabel).toBe('Current: unlabelled');
        expect(await preset.inputValue()).toBe('ct-brain');
        await classifierTab();
      },
      'Training tab U': async (l) => {
        expect(l.action).toMatch(/open the next series without a label/);
        await cardA.click();
        await index.filter({ hasText: 'Im 1/2' }).waitFor();
        await trainingTab();
        await press('1');
        await expect.poll(currentLabel).toBe(`Current: ${await labelKey(1)}`);
        await press(l.token);
        await page.getByRole('heading', { level: 1 }).filter({ hasText: /Kai/ }).waitFor({ timeout: 30_000 });
        await expect.poll(currentLabel).toBe('Current: unlabelled');
        await classifierTab();
        await cardA.click();
        await page.getByRole('heading', { level: 1 }).filter({ hasText: /Hana/ }).waitFor({ timeout: 30_000 });
        await viewerReady(page);
      },
      'study list Ctrl+click': async () => {
        await cardA.click();
        await cardB.click({ modifiers: ['Control'] });
        await selectsBoth();
        await cardA.click();
      },
      'study list Shift+click': async () => {
        await cardA.click();
        await cardB.click({ modifiers: ['Shift'] });
        await selectsBoth();
        await cardA.click();
      },
      'study list Shift+↑': async (l) => {
        const [first, last] = await page.getByTestId('series-card').all();
        await last.click();
        await last.focus();
        await press(l.token);
        await expect.poll(() => first.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement)).toBe(true);
        await selectsBoth();
        await cardA.click();
      },
      'study list Shift+↓': async (l) => {
        const [first] = await page.getByTestId('series-card').all();
        await first.click();
        await first.focus();
        await press(l.token);
        await selectsBoth();
        await cardA.click();
        await viewerReady(page);
      },
      'study list ↑': studyKey('last', 'first'),
      'study list ↓': studyKey('first', 'last'),
      'study list Page Up': studyKey('last', 'first'),
      'study list Page Down': studyKey('first', 'last'),
      'study list Home': studyKey('last', 'first'),
      'study list End': studyKey('first', 'last'),
      'study list Delete': async (l) => {
        expect(l.paired).toMatch(/^remove the study from the library\b/);
        await headOf(/^Study .*Kai/).focus();
        await press(l.token);
        const ask = page.getByRole('alertdialog', { name: /^Remove .*Kai.* from the library\?$/ });
        await ask.waitFor();
        // The question takes the focus (Esc is its key, not the page's).
        await expect.poll(() => focusedIn('[data-testid="remove-question"]')).toBe(true);
        await shot('remove-study');
        await page.keyboard.press('Escape');
        await ask.waitFor({ state: 'detached' });
        expect(await studyNames()).toHaveLength(2);
      },
      'study list right-click': async (l) => {
        expect(l.paired).toMatch(/^right-click a series: remove the series$/);
        await cardB.click({ button: 'right' });
        const ask = page.getByRole('alertdialog', { name: /^Remove .* from the library\?$/ });
        await ask.waitFor();
        // The question takes the focus (Esc is its key, not the page's).
        await expect.poll(() => focusedIn('[data-testid="remove-question"]')).toBe(true);
        await page.keyboard.press('Escape');
        await ask.waitFor({ state: 'detached' });
        expect(await page.getByTestId('series-card').count()).toBe(2);
        await atRest();
      },
      'viewer F': async (l) => {
        expect(l.paired).toBe('Fit');
        await moreCommand('Actual size 1:1');
        await expect.poll(zoom).toBe(100);
        await atRest();
        await press(l.token);
        await expect.poll(zoom).toBe(fitZoom);
      },
      'viewer A': async (l) => {
        expect(l.paired).toBe('actual size (1:1)');
        await resetView();
        await press(l.token);
        await expect.poll(zoom).toBe(100);
        await resetView();
      },
      'viewer I': async (l) => {
        expect(l.action).toBe('Invert');
        await press(l.token);
        await expect.poll(corner).toMatch(/inverted$/);
        await page.getByRole('button', { name: 'More view commands', exact: true }).click();
        expect(await page.getByRole('group', { name: 'More view commands' }).getByRole('button', { name: 'Invert', exact: true }).getAttribute('aria-pressed')).toBe('true');
        await page.keyboard.press('Escape');
        await resetView();
      },
      'viewer R': async (l) => {
        expect(l.paired).toBe('Rotate 90°');
        await press(l.token);
        await expect.poll(corner).toMatch(/ 90°$/);
        await resetView();
        // With Caps Lock on the browser sends "R" without Shift: still a rotation, not Shift+R's reset.
        await page.keyboard.press('R');
        await expect.poll(corner).toMatch(/ 90°$/);
        await resetView();
      },
      'viewer X': async (l) => {
        expect(l.paired).toBe('flip horizontal');
        await press(l.token);
        await expect.poll(corner).toMatch(/flip H$/);
        await resetView();
        // Caps Lock: "X" without Shift is the same key.
        await page.keyboard.press('X');
        await expect.poll(corner).toMatch(/flip H$/);
        await resetView();
      },
      'viewer Y': async (l) => {
        expect(l.paired).toBe('flip vertical');
        await press(l.token);
        await expect.poll(corner).toMatch(/flip V$/);
        await resetView();
      },
      'viewer Shift+R': async (l) => {
        expect(l.action).toBe('Reset the view');
        await moreCommand('Invert');
        await moreCommand('Rotate 90° clockwise');
        await moreCommand('Actual size 1:1');
        await expect.poll(corner).toMatch(/^Zoom 100%.* 90°.* inverted$/);
        await atRest();
        await press(l.token);
        await expect.poll(corner).toBe(`Zoom ${fitZoom}%`);
      },
      'viewer Click a measurement': async (l) => {
        expect(l.action).toMatch(/^Select it, on the image or in its list/);
        await drawLength();
        const row = page.locator('.measure-pick').first();
        await row.click();
        await expect.poll(() => row.getAttribute('aria-pressed')).toBe('true');
        // Elsewhere lets go; a click on its line on the image picks it.
        await page.getByTestId('viewport').click({ position: { x: 20, y: 20 } });
        await expect.poll(() => row.getAttribute('aria-pressed')).toBe('false');
        const box = (await page.getByTestId('viewport').boundingBox())!;
        await page.mouse.click(box.x + box.width * 0.5, box.y + box.height * 0.6);
        await expect.poll(() => row.getAttribute('aria-pressed')).toBe('true');
        await shot('measurement-selected');
      },
      'viewer Delete': async (l) => {
        expect(l.action).toMatch(/^Delete the selected measurement\b/);
        if ((await rowsShown()).length === 0) await drawLength();
        await selectRow();
        await press(l.token);
        await expect.poll(rowsShown).toEqual([]);
        await page.keyboard.press('Control+z');
        await expect.poll(rowsShown).toHaveLength(1);
      },
      'viewer Backspace': async (l) => {
        expect(l.action).toMatch(/^Delete the selected measurement\b/);
        await selectRow();
        await press(l.token);
        await expect.poll(rowsShown).toEqual([]);
        await page.keyboard.press('Control+z');
        await expect.poll(rowsShown).toHaveLength(1);
      },
      'viewer Ctrl+Z': async (l) => {
        expect(l.action).toMatch(/^Undo · redo /);
        await selectRow();
        await page.keyboard.press('Delete');
        await expect.poll(rowsShown).toEqual([]);
        await press(l.token);
        await expect.poll(rowsShown).toHaveLength(1);
      },
      'viewer Ctrl+Shift+Z': redo,
      'viewer Ctrl+Y': redo,
      'viewer H': async (l) => {
        expect(l.action).toBe('Heatmap on / off');
        const shown = await page.getByTestId('heatmap-toggle').isChecked();
        await press(l.token);
        await expect.poll(() => page.getByTestId('heatmap-toggle').isChecked()).toBe(!shown);
        await press(l.token);
        await expect.poll(() => page.getByTestId('heatmap-toggle').isChecked()).toBe(shown);
      },
      'viewer [': async (l) => {
        expect(l.paired).toMatch(/^Hide \/ show the study list$/);
        const toggle = page.getByTestId('toggle-study-list');
        await press(l.token);
        await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('false');
        await expect.poll(() => page.locator('.study-browser').isVisible()).toBe(false);
        await press(l.token);
        await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('true');
        await page.locator('.study-browser').waitFor();
      },
      'viewer ]': async (l) => {
        expect(l.paired).toMatch(/^the Classifier and Training panel\b/);
        const toggle = page.getByTestId('toggle-side-panel');
        await press(l.token);
        await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('false');
        await expect.poll(() => page.locator('.side').isVisible()).toBe(false);
        await press(l.token);
        await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('true');
        await page.locator('.side').waitFor();
      },
      'viewer F6': async (l) => {
        expect(l.paired).toBe('The next');
        await page.getByTestId('toggle-study-list').focus();
        await press(l.token);
        expect(await focusedIn('.study-browser')).toBe(true);
        await press(l.token);
        expect(await focusedIn('.center')).toBe(true);
        await atRest();
      },
      'viewer Shift+F6': async (l) => {
        expect(l.paired).toMatch(/^previous area\b/);
        await page.getByTestId('toggle-study-list').focus();
        await press(l.token);
        expect(await focusedIn('.side')).toBe(true);
        await press(l.token);
        expect(await focusedIn('.center')).toBe(true);
        await atRest();
      },
      'viewer Tab': async (l) => {
        expect(l.action).toMatch(/^The study list is one stop\b/);
        // The last control before the list: a date field, whose parts Tab goes through first.
        await page.getByLabel('Studies to date').focus();
        for (let i = 0; i < 4 && (await focusedIn('#study-to')); i++) await press(l.token);
        expect(await focusedIn('.study-head')).toBe(true);
        await press(l.token);
        expect(await focusedIn('[data-testid="series-card"]')).toBe(true);
        const inStudy = await focusedName();
        await press(l.token);
        expect(await focusedIn('.study-list'), `Tab goes on past the study list (after ${inStudy})`).toBe(false);
        await atRest();
      },
      'viewer ?': dialogKey(/^Keyboard shortcuts$/),
      'viewer F1': dialogKey(/About/),
      'viewer Ctrl+,': dialogKey(/Settings/),
      'viewer Esc': async (l) => {
        expect(l.action).toBe('Close dialogs');
        await page.getByRole('button', { name: 'Keyboard shortcuts', exact: true }).click();
        await help.waitFor();
        await press(l.token);
        await help.waitFor({ state: 'detached' });
      },
    };

    // Every key listed has its check, and every check a key listed (the PACS tab's: pacs-journey-keys.test.ts).
    const here = listed.filter((l) => l.place !== 'PACS tab');
    const keysListed = here.map((l) => `${l.place} ${l.token}`);
    expect(keysListed.filter((k) => !(k in checks)), 'keys Help lists that this test does not check').toEqual([]);
    expect(Object.keys(checks).filter((k) => !keysListed.includes(k)), 'checks for keys Help does not list').toEqual([]);
    const failed: string[] = [];
    for (const l of here) {
      try {
        await atRest();
        await checks[`${l.place} ${l.token}`](l);
      } catch (err) {
        failed.push(`${l.place} ${l.token}: ${(err as Error).message.split('\n')[0]}`);
        await shot(`failed-${failed.length}`);
        await page.keyboard.press('Escape');
        await resetView().catch(() => undefined);
        await classifierTab().catch(() => undefined);
      }
    }
    expect(failed).toEqual([]);

    // Typing in a text field: the keys are the field's, none is the viewer's.
    await resetView();
    await preset.selectOption('ct-lung');
    await page.getByRole('button', { name: 'Pan', exact: true }).click();
    await showImage(1);
    await selectRow();
    const before = { tool: await toolPressed(), preset: await preset.inputValue(), index: await index.innerText(), corner: await corner(), rows: await rowsShown(), heat: await page.getByTestId('heatmap-toggle').isChecked() };
    const search = page.getByPlaceholder(/^Search patient/);
    await search.focus();
    const typed = 'wpzlbenv fairxy 123456 ?[]h+-';
    await page.keyboard.type(typed);
    expect(await search.inputValue()).toBe(typed);
    await shot('typing');
    // Keys the viewer has with a modifier or none: the field's own (Ctrl+Z undoes the typing).
    await page.keyboard.press('Shift+R');
    await page.keyboard.press('End');
    await page.keyboard.press('Control+z');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Delete');
    expect(await search.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement)).toBe(true);
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(await page.getByTestId('toggle-study-list').getAttribute('aria-pressed')).toBe('true');
    expect(await page.getByTestId('toggle-side-panel').getAttribute('aria-pressed')).toBe('true');
    expect(await page.getByRole('button', { name: 'Play cine', exact: true }).count()).toBe(1);
    expect({ tool: await toolPressed(), preset: await preset.inputValue(), index: await index.innerText(), corner: await corner(), rows: await rowsShown(), heat: await page.getByTestId('heatmap-toggle').isChecked() }).toEqual(before);
    await search.fill('');
    // Digits typed in the Training tab's class field give no label.
    await trainingTab();
    const label = await currentLabel();
    await training.getByLabel('New class').focus();
    await page.keyboard.type('2301');
    await page.keyboard.press('u');
    expect(await training.getByLabel('New class').inputValue()).toBe('2301u');
    await page.waitForTimeout(500);
    expect(await currentLabel()).toBe(label);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toMatch(/Hana/);

    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);
});
