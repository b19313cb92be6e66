// Accessibility sweep: axe-core (the standard WCAG rule engine, node_modules/axe-core) injected
// into the served UI in Debian's Chromium against the real engine, run in every state a user
// reaches: the empty library with the welcome, the study list after an import (DICOM made by
// dcmtk and GDCM), a series open in the viewer with its measurement list (two lengths, one
// selected; one deleted, with Undo; a save the library refused), the Classifier tab with an
// installed package and a prediction, the Training tab and its results of a model, the PACS tab
// against a real Orthanc (form, results, a study's series), each modal dialog (Settings with the PACS connection form,
// About, Help, ImageNet weights, the files not imported, export; Tab and Shift+Tab must stay in
// each), and the remove and package delete questions; then the same in the light theme and in a
// narrow window. Everything axe finds is listed in test-results/accessibility-axe.json (rule,
// impact, targets); no WCAG 2.0/2.1 A or AA violation of impact serious or critical may remain,
// nor a field whose border is under 3:1 against its panel (WCAG 1.4.11, which axe does not check),
// nor an icon button without a name in words and a tooltip, nor a state without exactly one h1
// or with its headings out of order (WCAG 1.3.1, 2.4.6, 2.5.3, 4.1.2).
// Screenshots: test-results/accessibility-*.png.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { dragOnViewport, openApp, resultsDir, useUiSession } from '../support/browser';
import { LIBRARY_FILE } from '../../electron/library/library';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { usePacsFixture } from '../pacs/support';
import { importedLibrary, runLumen } from '../support/cli';
import { writePhantomSet } from '../training/phantoms';
import { writeExternalSet, type ExternalSet } from './external-dicom';

const AXE = path.resolve('node_modules/axe-core/axe.min.js');

/**
 * Rules switched off, each with the element and why (none).
 */
const DISABLED_RULES: Record<string, string> = {};

/**
 * Violations left to the engineer who owns the component, each a rule on one element, with why.
 * They stay in the report (test-results/accessibility-axe.json, marked `left`), and count
 * against nothing else: the same rule anywhere else fails the test.
 */
const LEFT: { rule: string; element: string; why: string }[] = [];

/**
 * Rules judged whatever axe calls their finding (a WCAG check it left for review, or best
 * practice): each was looked at by hand and was real. aria-prohibited-attr: an aria-label on an
 * element without a role (the brand, the label CSV box, the score strip) that assistive
 * technology ignores. landmark-no-duplicate-banner, landmark-unique: a dialog's title bar (a
 * <header> outside any sectioning element) read as a second page banner. aria-allowed-role: a
 * role the element may not take (a study row once an <article role="listitem">), which assistive
 * technology may read as the element's own role instead. label-content-name-mismatch (WCAG
 * 2.5.3, left to review by axe): an aria-label beside a glyph, whether "?" or "✕" is the
 * button's label axe cannot tell; an icon button here names itself in a visually hidden span
 * with its glyph aria-hidden, which leaves axe nothing to ask, so what it asks is a button
 * that does not. page-has-heading-one and heading-order (WCAG 1.3.1 and 2.4.6, best practice to
 * axe): the page's one h1 is the open study ("No series open" without one), and every panel's
 * headings rank under it.
 */
const ALSO_JUDGED = ['aria-prohibited-attr', 'landmark-no-duplicate-banner', 'landmark-unique', 'aria-allowed-role', 'label-content-name-mismatch', 'page-has-heading-one', 'heading-order'];

const pacs = usePacsFixture('e2e-accessibility', {
  receiver: true,
  studies: [
    { key: 950, patientId: 'PID-AXE-1', patientName: 'Access^Anna', accession: 'ACC-AXE-1', studyDate: '20240312', modality: 'CT', seriesCount: 2, perSeries: 1 },
    { key: 951, patientId: 'PID-AXE-2', patientName: 'Access^Bert', accession: 'ACC-AXE-2', studyDate: '20240415', modality: 'MR', seriesCount: 1, perSeries: 1 },
  ],
});

interface Violation {
  state: string;
  /**
   * `wcag`: a violation of a WCAG 2.0/2.1 A or AA rule, what the test judges. Reported only:
   * `best-practice`, a violation of axe's advice beyond WCAG (heading order, landmarks), and
   * `review`, a WCAG check axe could not decide alone (text over an image or under a dialog's
   * backdrop, say), for a person to look at.
   */
  kind: 'wcag' | 'best-practice' | 'review';
  rule: string;
  impact: string;
  help: string;
  targets: string[];
  /** Per target, what axe says is wrong (for contrast: the ratio and both colours). */
  why: string[];
  /** Per target, whether it is one of LEFT (that rule on an element matching that selector). */
  left: boolean[];
}

interface AxeNode { target: unknown[]; failureSummary?: string; left: boolean }
interface AxeResult { id: string; impact: string | null; help: string; tags: string[]; nodes: AxeNode[]; incomplete?: boolean }

/** axe's WCAG 2.0/2.1 A and AA rules (and its best practice) on the whole page as it stands; what it finds, named by state. */
async function axeCheck(page: Page, state: string): Promise<Violation[]> {
  // Evaluated through the DevTools protocol: the app's Content Security Policy (script-src 'self')
  // rightly refuses the inline <script> that page.addScriptTag({ path }) would add.
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(readFileSync(AXE, 'utf8'));
  const rules = Object.fromEntries(Object.keys(DISABLED_RULES).map((id) => [id, { enabled: false }]));
  const found = (await page.evaluate(
    async ({ rules, left }) => {
      // Runs in the page; typed here without the DOM library, which the Node project leaves out.
      interface Node { id: string; tags: string[]; incomplete?: boolean; nodes: { target: string[]; left?: boolean }[] }
      const g = globalThis as unknown as { document: { querySelector(s: string): { matches(s: string): boolean } | null }; axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: Node[]; incomplete: Node[] }> } };
      const r = await g.axe.run(g.document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'], rules, resultTypes: ['violations', 'incomplete'] });
      for (const v of r.incomplete) v.incomplete = true;
      for (const v of [...r.violations, ...r.incomplete]) {
        for (const n of v.nodes) {
          const el = n.target.length === 1 ? g.document.querySelector(n.target[0]) : null;
          n.left = !!el && left.some((l) => l.rule === v.id && el.matches(l.element));
        }
      }
      return [...r.violations, ...r.incomplete];
    },
    { rules, left: LEFT },
  )) as unknown as AxeResult[];
  const shot = state.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  await page.screenshot({ path: path.join(resultsDir(), `accessibility-${shot}.png`) });
  const wcag = (v: AxeResult) => v.tags.some((t) => /^wcag2\d*a+$/.test(t));
  return found.map((v) => ({
    state,
    kind: v.incomplete ? 'review' : wcag(v) ? 'wcag' : 'best-practice',
    rule: v.id,
    impact: v.impact ?? 'none',
    help: v.help,
    targets: v.nodes.map((n) => n.target.map(String).join(' ')),
    why: v.nodes.map((n) => (n.failureSummary ?? '').split('\n').slice(1).join(' ').trim()),
    left: v.nodes.map((n) => n.left),
  }));
}

/** Resolves once the page's DOM has gone 400 ms without a change (at most 10 s: a page that never settles is checked as it stands). */
async function domSettled(page: Page): Promise<void> {
  await page.evaluate(
    () =>
      new Promise<void>((resolve) => {
        // Runs in the page; typed here without the DOM library, which the Node project leaves out.
        const g = globalThis as unknown as {
          document: { documentElement: unknown };
          MutationObserver: new (cb: () => void) => { observe(n: unknown, o: unknown): void; disconnect(): void };
        };
        let quiet: ReturnType<typeof setTimeout>;
        const done = () => {
          observer.disconnect();
          clearTimeout(quiet);
          clearTimeout(cap);
          resolve();
        };
        const observer = new g.MutationObserver(() => {
          clearTimeout(quiet);
          quiet = setTimeout(done, 400);
        });
        observer.observe(g.document.documentElement, { subtree: true, childList: true, attributes: true, characterData: true });
        quiet = setTimeout(done, 400);
        const cap = setTimeout(done, 10_000);
      }),
  );
}

/**
 * WCAG 1.4.11 for the boundary of a field, which axe does not check: every visible, enabled text
 * field, select and text area is told from what lies behind it by its border (or its fill) at
 * 3:1 or more. Reported as the rule `field-boundary-contrast`, judged like axe's WCAG rules.
 */
async function fieldBoundaries(page: Page, state: string): Promise<Violation[]> {
  const low = await page.evaluate(() => {
    // Runs in the page; typed here without the DOM library, which the Node project leaves out.
    interface El { tagName: string; id: string; parentElement: El | null; getAttribute(n: string): string | null; getClientRects(): { length: number } }
    interface Style { borderTopColor: string; borderTopWidth: string; borderTopStyle: string; backgroundColor: string; visibility: string }
    const g = globalThis as unknown as { document: { querySelectorAll(s: string): El[] }; getComputedStyle(e: El): Style };
    type Rgba = [number, number, number, number];
    const parse = (c: string): Rgba => {
      const n = (c.match(/[\d.]+/g) ?? ['0', '0', '0', '0']).map(Number);
      return [n[0], n[1], n[2], n[3] ?? 1];
    };
    const over = (top: Rgba, under: Rgba): Rgba => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat(1) as Rgba;
    const lum = (c: Rgba) => {
      const [r, gr, b] = c.slice(0, 3).map((v) => (v / 255 <= 0.04045 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r + 0.7152 * gr + 0.0722 * b;
    };
    const ratio = (a: Rgba, b: Rgba) => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
    /** What is painted behind an element: its ancestors' backgrounds, translucent ones laid over the first opaque one. */
    const behind = (el: El): Rgba => {
      const layers: Rgba[] = [];
      for (let p = el.parentElement; p; p = p.parentElement) {
        const bg = parse(g.getComputedStyle(p).backgroundColor);
        if (bg[3] === 0) continue;
        layers.push(bg);
        if (bg[3] === 1) break;
      }
      return layers.reduceRight<Rgba>((under, top) => over(top, under), [255, 255, 255, 1]);
    };
    const fields = g.document.querySelectorAll("input:not([type='checkbox']):not([type='radio']):not([type='range']):not([type='hidden']):not([type='file']):not([type='color']):not(:disabled), select:not(:disabled), textarea:not(:disabled)");
    const found: { target: string; why: string }[] = [];
    for (const el of fields) {
      const st = g.getComputedStyle(el);
      if (el.getClientRects().length === 0 || st.visibility === 'hidden') continue;
      const back = behind(el);
      const fill = over(parse(st.backgroundColor), back);
      const bordered = parseFloat(st.borderTopWidth) > 0 && st.borderTopStyle !== 'none' && st.borderTopStyle !== 'hidden';
      const border = bordered ? ratio(over(parse(st.borderTopColor), back), back) : 1;
      const filled = ratio(fill, back);
      if (border >= 3 || filled >= 3) continue;
      const label = el.getAttribute('aria-label') ?? el.getAttribute('name') ?? '';
      found.push({
        target: `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${label ? `[aria-label="${label}"]` : ''}`,
        why: `border ${st.borderTopColor} on ${`rgb(${back.slice(0, 3).join(', ')})`} is ${border.toFixed(2)}:1, fill ${filled.toFixed(2)}:1; 3:1 wanted`,
      });
    }
    return found;
  });
  if (low.length === 0) return [];
  return [{ state, kind: 'wcag', rule: 'field-boundary-contrast', impact: 'serious', help: "A field's boundary must have a contrast of 3:1 with what lies behind it (WCAG 1.4.11)", targets: low.map((f) => f.target), why: low.map((f) => f.why), left: low.map(() => false) }];
}

/**
 * Icon buttons and the page's headings, which axe leaves to review or does not count. An icon
 * button (what it draws holds no word: a glyph such as ✕, ?, ⟳) must name itself in words, and
 * never by its glyph (read aloud as "multiplication x"), and carry a tooltip (title) for the
 * mouse user who cannot guess the glyph: rule `icon-button-name`. Each state must have exactly one
 * h1 shown (the open study's patient and description, else "No series open"): rule `one-h1`.
 * Both judged like axe's WCAG rules (WCAG 4.1.2, 2.5.3; 1.3.1, 2.4.6).
 */
async function namesAndHeadings(page: Page, state: string): Promise<Violation[]> {
  const found = await page.evaluate(() => {
    // Runs in the page; typed here without the DOM library, which the Node project leaves out.
    interface El { tagName: string; nodeType: number; textContent: string | null; childNodes: El[]; parentElement: El | null; outerHTML: string; getAttribute(n: string): string | null; matches(s: string): boolean; closest(s: string): El | null; getClientRects(): { length: number } }
    const g = globalThis as unknown as { document: { querySelectorAll(s: string): El[]; getElementById(id: string): El | null } };
    const shown = (el: El) => el.getClientRects().length > 0 && !el.closest('[hidden]');
    /** The text drawn on screen: not what a visually hidden span holds for screen readers. */
    const drawn = (el: El): string => (el.nodeType === 3 ? (el.textContent ?? '') : el.nodeType === 1 && el.matches('.visually-hidden') ? '' : [...el.childNodes].map(drawn).join(''));
    /** The text read out: not what is aria-hidden. */
    const read = (el: El): string => (el.nodeType === 3 ? (el.textContent ?? '') : el.nodeType === 1 && el.getAttribute('aria-hidden') === 'true' ? '' : [...el.childNodes].map(read).join(' '));
    const word = /[\p{L}\p{N}]{2,}/u;
    const icons: { target: string; why: string }[] = [];
    for (const b of g.document.querySelectorAll('button, [role="button"]')) {
      if (!shown(b) || word.test(drawn(b))) continue;
      const labelledBy = b.getAttribute('aria-labelledby');
      const name = (b.getAttribute('aria-label') ?? (labelledBy ? labelledBy.split(/\s+/).map((id) => g.document.getElementById(id)?.textContent ?? '').join(' ') : read(b))).replace(/\s+/g, ' ').trim();
      const title = b.getAttribute('title') ?? '';
      const wrong = [!/\p{L}{3,}/u.test(name) && `its name "${name}" is no word`, !title.trim() && 'it has no tooltip (title)'].filter(Boolean);
      if (wrong.length) icons.push({ target: b.outerHTML.slice(0, 160), why: `draws "${drawn(b).trim()}": ${wrong.join('; ')}` });
    }
    const h1s = [...g.document.querySelectorAll('h1')].filter(shown).map((h) => (h.textContent ?? '').trim());
    return { icons, h1s };
  });
  const out: Violation[] = [];
  if (found.icons.length) out.push({ state, kind: 'wcag', rule: 'icon-button-name', impact: 'serious', help: 'An icon button must be named in words, not by its glyph, and have a tooltip', targets: found.icons.map((f) => f.target), why: found.icons.map((f) => f.why), left: found.icons.map(() => false) });
  if (found.h1s.length !== 1) out.push({ state, kind: 'wcag', rule: 'one-h1', impact: 'serious', help: 'The page must have exactly one h1 shown', targets: ['html'], why: [`${found.h1s.length} h1 shown: ${JSON.stringify(found.h1s)}`], left: [false] });
  return out;
}

/** test-results/accessibility-axe.json: the violations by rule (impact, how many, where), then each one by state. */
function writeReport(found: Violation[]) {
  const byRule = new Map<string, { kind: Violation['kind']; rule: string; impact: string; help: string; count: number; states: Set<string>; targets: Set<string> }>();
  for (const v of found) {
    const key = `${v.kind} ${v.rule}`;
    const r = byRule.get(key) ?? { kind: v.kind, rule: v.rule, impact: v.impact, help: v.help, count: 0, states: new Set(), targets: new Set() };
    r.count += v.targets.length;
    r.states.add(v.state);
    for (const t of v.targets) r.targets.add(t);
    byRule.set(key, r);
  }
  const report = [...byRule.values()].map((r) => ({ ...r, states: [...r.states], targets: [...r.targets], left: found.every((v) => v.kind !== r.kind || v.rule !== r.rule || v.left.every(Boolean)) }));
  writeFileSync(path.join(resultsDir(), 'accessibility-axe.json'), JSON.stringify({ disabled: DISABLED_RULES, left: LEFT, byRule: report, all: found }, null, 2));
  return report;
}

describe('accessibility of every panel and dialog (axe-core, WCAG 2.1 A/AA)', () => {
  let set: ExternalSet;
  const session = useUiSession('lumen-accessibility', async (dataDir) => {
    set = writeExternalSet(path.join(dataDir, 'incoming'));
    // A file that is not DICOM, for the list of files not imported.
    writeFileSync(path.join(dataDir, 'incoming', 'notes.txt'), 'not an image');
    mkdirSync(path.join(dataDir, 'models'), { recursive: true });
    await saveRandomHeadPackage(
      path.join(dataDir, 'models', 'chest'),
      { inputSize: 32, seed: 3, sd: 20, headSeed: 5 },
      { name: 'chest', classNames: ['normal', 'abnormal'], preprocessing: { scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } },
    );
    // A package trained by `lumen train` on phantoms (its own library), for the Training tab's
    // results of a model: test figures, plots and the report.
    const trained = await importedLibrary('accessibility-train', (dir) => writePhantomSet(dir, { patients: 12, slices: 1, size: 32, seed: 5 }));
    const train = await runLumen(['train', '--library', trained.library, '--labels', trained.set.csv, '--variant', 'custom-phi-10', '--resolution', '32', '--epochs', '2', '--out', path.join(dataDir, 'models', 'phantoms')], path.join(trained.root, 'data'));
    rmSync(trained.root, { recursive: true, force: true });
    if (train.code !== 0) throw new Error(`lumen train exited ${train.code}: ${train.stderr}`);
    // A real Orthanc, for the PACS tab's form, results and series.
    const connection = { name: 'archive', kind: 'dimse', calledAet: pacs.orthanc.aet, host: '127.0.0.1', port: pacs.orthanc.dicomPort, callingAet: 'LUMEN' };
    writeFileSync(path.join(dataDir, 'pacs.json'), JSON.stringify({ version: 1, connections: [connection] }), { mode: 0o600 });
  });

  it('has no serious or critical violation in any state a user reaches', async () => {
    const { page, errors } = await openApp(session());
    const found: Violation[] = [];
    /** Where Tab or Shift+Tab took the focus out of an open dialog. */
    const keyboardEscapes: string[] = [];
    /** Where Escape did not close an open dialog. */
    const escapeKept: string[] = [];
    const check = async (state: string) => {
      // axe reads the page over several steps; a panel that is still filling in (the Training tab's
      // "Results of a model" arrives with the package list) moves a heading between them, and
      // heading-order then answers "Unable to determine previous heading". Wait for a quiet page.
      await domSettled(page);
      found.push(...(await axeCheck(page, state)), ...(await fieldBoundaries(page, state)), ...(await namesAndHeadings(page, state)));
      writeReport(found);
    };
    const dialog = async (open: () => Promise<void>, name: string | RegExp, state: string) => {
      await open();
      const d = page.getByRole('dialog', { name });
      await d.waitFor();
      await check(state);
      // The keyboard stays in the dialog: Tab and Shift+Tab past its last and first controls.
      const inside = () => d.evaluate((el: { contains(n: unknown): boolean }) => el.contains((globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement));
      for (const key of [...Array<string>(24).fill('Tab'), ...Array<string>(8).fill('Shift+Tab')]) {
        await page.keyboard.press(key);
        if (!(await inside())) keyboardEscapes.push(`${state}: ${key} left the dialog`);
      }
      // Escape closes it, wherever the Tabs left the focus.
      const focused = await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { tagName: string } | null } }).document.activeElement?.tagName.toLowerCase() ?? 'nothing');
      await page.keyboard.press('Escape');
      const closed = await d.waitFor({ state: 'detached', timeout: 5_000 }).then(() => true, () => false);
      if (!closed) {
        // Not judged inside a frame: a key pressed in the training report's sandboxed frame (no
        // scripts, an origin of its own) never reaches the app; Tab takes the focus out to Close.
        if (focused !== 'iframe') escapeKept.push(`${state}: Escape with the focus on ${focused}`);
        await d.getByRole('button', { name: 'Close' }).first().click();
        await d.waitFor({ state: 'detached' });
      }
    };
    const topButton = (name: string) => page.locator('.topbar').getByRole('button', { name, exact: true });

    /** The states every theme and window size goes through. */
    const sweep = async (tag: string) => {
      // The viewer with a series, and each tab of the side panel.
      await page.getByRole('tab', { name: 'Classifier' }).click();
      await page.locator('label.package').first().waitFor({ timeout: 60_000 });
      await check(`${tag}: viewer and Classifier`);
      await page.getByRole('tab', { name: 'Training' }).click();
      await page.locator('#panel-training').waitFor();
      await page.locator('#panel-training').getByRole('heading', { name: 'Results of a model' }).waitFor({ timeout: 60_000 });
      await check(`${tag}: Training`);
      // The results of a model shown in the dark pass stay: their plots, for a person to look at in each theme.
      for (const plot of ['roc-plot', 'reliability-plot', 'confusion-plot']) {
        const shown = page.locator('#panel-training').getByTestId(plot);
        if (await shown.isVisible()) await shown.screenshot({ path: path.join(resultsDir(), `accessibility-${tag}-${plot}.png`) });
      }
      if (tag === 'dark') {
        // The Training tab's results of a model (the trained package's), and its report.
        const training = page.locator('#panel-training');
        const choice = training.getByLabel('Model package');
        await choice.selectOption((await choice.locator('option', { hasText: /^phantoms/ }).getAttribute('value'))!);
        await training.getByRole('button', { name: 'Show results' }).click();
        await training.getByTestId('roc-plot').waitFor({ timeout: 60_000 });
        await check(`${tag}: Training, results of a model`);
        await dialog(() => training.getByRole('button', { name: 'Open report' }).click(), 'Training report', `${tag}: training report`);
      }
      await page.getByRole('tab', { name: 'Classifier' }).click();
      await page.getByRole('tab', { name: 'PACS' }).click();
      if (tag === 'dark') {
        // The form, then a search's results with one study's series listed.
        const form = page.getByRole('form', { name: 'Query a PACS' });
        await form.getByLabel('Patient name').fill('Access*');
        await check(`${tag}: PACS query form`);
        await form.getByRole('button', { name: 'Search' }).click();
        await page.getByRole('status').filter({ hasText: '2 studies on archive' }).or(page.locator('#panel-pacs').getByRole('alert')).first().waitFor({ timeout: 60_000 });
        expect(await page.locator('#panel-pacs').getByRole('alert').allTextContents()).toEqual([]);
        await page.locator('.pacs-study-head[data-row="0"]').click();
        await page.getByTestId('pacs-series').first().waitFor({ timeout: 60_000 });
      }
      await page.getByTestId('pacs-series').first().waitFor();
      await check(`${tag}: PACS results`);
      await page.getByRole('tab', { name: 'Library' }).click();
      await dialog(() => topButton('Keyboard shortcuts').click(), 'Keyboard shortcuts', `${tag}: Help`);
      await dialog(() => topButton('About').click(), /^About/, `${tag}: About`);
      await dialog(
        async () => {
          await topButton('Settings').click();
          await page.getByRole('dialog', { name: 'Settings' }).getByRole('button', { name: 'Add a PACS connection…' }).click();
          await page.getByRole('form', { name: 'New PACS connection' }).waitFor();
        },
        'Settings',
        `${tag}: Settings with the PACS connection form`,
      );
    };

    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 240_000 });
    // The empty library, with the first-run welcome.
    await page.getByRole('heading', { name: 'Welcome to Lumen' }).waitFor({ timeout: 60_000 });
    await check('dark: empty library with the welcome');
    await dialog(() => page.getByRole('button', { name: 'Get ImageNet weights…' }).click(), /ImageNet weights/, 'dark: ImageNet weights');

    // Import: the study list and the report; the list of files not imported.
    await page.getByLabel('Import a folder or file').fill(set.dir);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').waitFor({ timeout: 180_000 });
    await page.getByRole('listitem', { name: new RegExp(`^Study .*${set.latin1.shown}`) }).waitFor({ timeout: 60_000 });
    await check('dark: study list after an import');
    await dialog(() => page.getByRole('button', { name: 'Show the list' }).click(), 'Files not imported', 'dark: files not imported');

    // A series open in the viewer; its study's results and the export dialog.
    await page.getByRole('listitem', { name: new RegExp(`^Study .*${set.latin1.shown}`) }).getByTestId('series-card').first().click();
    await expect.poll(() => page.getByTestId('viewport').getAttribute('data-painted'), { timeout: 60_000 }).toBeTruthy();
    // The measurement list: two lengths, one selected; one deleted, with its Undo; a save the
    // library refuses (another connection holds its write lock past the engine's wait). The two
    // lengths stay, so every later state of the viewer (light, narrow) shows the list too.
    const list = page.getByTestId('measurements').locator('.measure-pick');
    await page.getByRole('button', { name: 'Length', exact: true }).click();
    await dragOnViewport(page, [0.35, 0.6], [0.65, 0.6]);
    await dragOnViewport(page, [0.5, 0.3], [0.5, 0.45]);
    await expect.poll(() => list.count()).toBe(2);
    await list.first().click();
    await expect.poll(() => list.first().getAttribute('aria-pressed')).toBe('true');
    await check('dark: two measurements, one selected');
    await page.getByRole('button', { name: 'Delete Length 2', exact: true }).click();
    await page.locator('.measure-undo').waitFor();
    await check('dark: a measurement deleted, with Undo');
    await page.locator('.measure-undo-button').click();
    await expect.poll(() => list.count()).toBe(2);
    const lock = new Database(path.join(session().dataDir, 'library', LIBRARY_FILE));
    try {
      lock.exec('BEGIN IMMEDIATE');
      await dragOnViewport(page, [0.4, 0.5], [0.6, 0.5]);
      await page.locator('.measure-error').waitFor({ timeout: 30_000 });
    } finally {
      lock.exec('ROLLBACK');
      lock.close();
    }
    await expect.poll(() => list.count()).toBe(2);
    await check('dark: a measurement the library could not keep');
    await page.locator('.measure-error').getByRole('button', { name: 'Dismiss', exact: true }).click();
    await page.getByRole('button', { name: 'Window/level', exact: true }).click();
    await sweep('dark');
    await dialog(() => page.getByRole('button', { name: 'Export results…' }).click(), /^Export/, 'dark: export results');

    // Predict, so the Classifier tab shows its results (scores, strip, heatmap controls).
    await page.getByRole('tab', { name: 'Classifier' }).click();
    await page.getByTestId('run-prediction').click();
    await page.getByRole('region', { name: 'Prediction results' }).waitFor({ timeout: 120_000 });
    await check('dark: prediction results');

    // The questions before a remove and a package delete.
    await page.getByTestId('package-delete').first().click();
    await page.getByTestId('package-delete-question').waitFor();
    await check('dark: package delete question');
    await page.keyboard.press('Escape');
    await page.getByTestId('package-delete-question').waitFor({ state: 'detached' });
    await page.getByRole('listitem', { name: new RegExp(`^Study .*${set.latin1.shown}`) }).locator('.study-head').focus();
    await page.keyboard.press('Delete');
    await page.getByTestId('remove-question').waitFor({ timeout: 30_000 });
    await check('dark: remove question');
    await page.keyboard.press('Escape');
    await page.getByTestId('remove-question').waitFor({ state: 'detached' });

    // The light theme (Settings), through the same states.
    await topButton('Settings').click();
    await page.getByRole('dialog', { name: 'Settings' }).getByLabel('Light').click();
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { document: { documentElement: { dataset: { theme?: string } } } }).document.documentElement.dataset.theme)).toBe('light');
    await page.keyboard.press('Escape');
    await sweep('light');
    await topButton('Settings').click();
    await page.getByRole('dialog', { name: 'Settings' }).getByLabel('Dark (reading room)').click();
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { document: { documentElement: { dataset: { theme?: string } } } }).document.documentElement.dataset.theme)).toBe('dark');
    await page.keyboard.press('Escape');

    // A narrow window: the side panel steps aside; ] brings it back over the viewer.
    await page.setViewportSize({ width: 900, height: 640 });
    await page.waitForTimeout(300);
    await check('narrow: viewer');
    await page.locator('body').click({ position: { x: 450, y: 20 } });
    await page.keyboard.press(']');
    await sweep('narrow');

    // Everything axe found, for a person to read; then the bar: no WCAG violation of impact serious
    // or critical, and nothing of the rules ALSO_JUDGED.
    for (const r of writeReport(found)) console.log(`axe ${r.kind} ${r.impact} ${r.rule} (${r.count} nodes in ${r.states.length} states): ${r.help}\n  ${r.targets.slice(0, 8).join('\n  ')}`);
    const serious = found
      .filter((v) => (v.kind === 'wcag' && (v.impact === 'serious' || v.impact === 'critical')) || ALSO_JUDGED.includes(v.rule))
      .flatMap((v) => v.targets.flatMap((t, i) => (v.left[i] ? [] : [`${v.state}: ${v.rule} (${v.impact}) ${t}: ${v.why[i]}`])));
    expect(serious).toEqual([]);
    expect(keyboardEscapes).toEqual([]);
    expect(escapeKept).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);
});
