// The app in a laptop-sized window (1024x700) and at 1280x800, in Debian's Chromium against the
// real engine, with DICOM that dcmtk and GDCM made: the viewer gets most of the width (the side
// panel steps aside below 1200 px; [ and ] hide or show the study list and the side panel, and
// the choice is remembered), no control lies outside the window or scrolls a panel sideways; a
// long measurement list stays clear of the bottom orientation marker; after predicting one
// series, another shows no model line or heatmap controls; the Random-backbone warning speaks
// of the app's controls, not CLI commands; the date filters say their dates as the list does.
// Screenshots: test-results/layout-small-*.png.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dragOnViewport, openApp, resultsDir, useUiSession } from '../support/browser';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { writeExternalSet, type ExternalSet } from './external-dicom';
import { writeReadmeSet, type ReadmeSet } from './external-dicom-readme';

interface Layout {
  window: number;
  /** The viewer's (centre column's) width. */
  viewer: number;
  /** Visible controls that reach past the window's edges or past the panel that holds them. */
  clipped: string[];
  /** Panels whose content is wider than they are (they would scroll sideways). */
  overflowing: string[];
}

async function measureLayout(page: Page): Promise<Layout> {
  return page.evaluate(() => {
    // Runs in the page; typed here without the DOM library, which the Node project leaves out.
    interface Rect { left: number; right: number; top: number; bottom: number; width: number; height: number }
    interface El { tagName: string; className: string; id: string; textContent: string | null; scrollWidth: number; clientWidth: number; getAttribute(n: string): string | null; getBoundingClientRect(): Rect; getClientRects(): ArrayLike<unknown>; closest(s: string): El | null; querySelectorAll(s: string): ArrayLike<El> }
    const g = globalThis as unknown as { innerWidth: number; innerHeight: number; document: { querySelector(s: string): El | null; querySelectorAll(s: string): ArrayLike<El> }; getComputedStyle(el: El): { visibility: string } };
    const name = (el: El) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40)}"`;
    const center = g.document.querySelector('.center')!.getBoundingClientRect();
    const clipped: string[] = [];
    for (const el of Array.from(g.document.querySelectorAll('.app button, .app select, .app input, .app textarea'))) {
      if (el.getClientRects().length === 0 || g.getComputedStyle(el).visibility === 'hidden') continue;
      if (el.closest('.visually-hidden') || el.className.includes('visually-hidden')) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.left < -0.5 || r.right > g.innerWidth + 0.5) clipped.push(`${name(el)} at ${Math.round(r.left)}..${Math.round(r.right)} of ${g.innerWidth}`);
      const panel = el.closest('.study-browser, .side, .viewer-toolbar, .topbar');
      if (panel) {
        const p = panel.getBoundingClientRect();
        if (r.left < p.left - 0.5 || r.right > p.right + 0.5) clipped.push(`${name(el)} at ${Math.round(r.left)}..${Math.round(r.right)} past .${panel.className.split(' ')[0]} ${Math.round(p.left)}..${Math.round(p.right)}`);
      }
    }
    const overflowing: string[] = [];
    for (const el of Array.from(g.document.querySelectorAll('.study-browser, .side-body, .study-tools'))) {
      if (el.getClientRects().length === 0) continue;
      if (el.scrollWidth > el.clientWidth + 1) overflowing.push(`.${el.className.split(' ').join('.')}: ${el.scrollWidth} px in ${el.clientWidth} px`);
    }
    return { window: g.innerWidth, viewer: center.width, clipped, overflowing };
  });
}

function intersects(a: { x: number; y: number; width: number; height: number }, b: { x: number; y: number; width: number; height: number }): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

describe('the app in a small window', () => {
  let set: ReadmeSet;
  let external: ExternalSet;
  const session = useUiSession('lumen-layout-small', async (dataDir) => {
    set = writeReadmeSet(path.join(dataDir, 'incoming'), { manyFiles: 4 });
    external = writeExternalSet(path.join(dataDir, 'incoming', 'external'));
    await saveRandomHeadPackage(
      path.join(dataDir, 'models', 'my-classifier'),
      { inputSize: 32, seed: 3, sd: 20, headSeed: 5 },
      { name: 'my-classifier', classNames: ['normal', 'abnormal'], preprocessing: { scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } },
    );
  }, { scrollbars: true });

  it('gives the viewer the width, keeps every control reachable, and shows only what applies', async () => {
    const { page, errors } = await openApp(session());
    const shot = (name: string) => page.screenshot({ path: path.join(resultsDir(), `layout-small-${name}.png`) });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
    await page.getByLabel('Import a folder or file').fill(set.dir);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: `${set.many.files + 1 + 13} images (${set.many.files + 1 + 9} files) imported` }).waitFor({ timeout: 180_000 });
    const study = (shown: string) => page.getByRole('listitem', { name: new RegExp(`^Study .*${shown}`) });
    await study(set.many.shown).getByTestId('series-card').click();
    await page.getByTestId('image-index').filter({ hasText: `Im 1/${set.many.files}` }).waitFor({ timeout: 60_000 });

    // 1280x800: study list, viewer and side panel side by side; the viewer has over half the width.
    await page.getByTestId('variant-b0').waitFor({ timeout: 60_000 });
    let layout = await measureLayout(page);
    await shot('1280x800');
    expect(layout.viewer / layout.window, `viewer ${layout.viewer} of ${layout.window} px`).toBeGreaterThan(0.5);
    expect(layout.clipped).toEqual([]);
    expect(layout.overflowing).toEqual([]);

    // 1024x700, nothing chosen yet: the side panel steps aside, the viewer has most of the width.
    await page.setViewportSize({ width: 1024, height: 700 });
    await expect.poll(async () => (await measureLayout(page)).viewer / 1024, { timeout: 10_000 }).toBeGreaterThan(0.7);
    layout = await measureLayout(page);
    await shot('1024x700');
    expect(layout.clipped).toEqual([]);
    expect(layout.overflowing).toEqual([]);
    expect(await page.getByRole('tab', { name: 'Classifier' }).isVisible()).toBe(false);

    // ] brings the side panel back (a button does the same); every control in it is reachable.
    await page.locator('body').click({ position: { x: 500, y: 20 } });
    await page.keyboard.press(']');
    await page.getByRole('tab', { name: 'Classifier' }).waitFor();
    expect(await page.getByTestId('toggle-side-panel').getAttribute('aria-pressed')).toBe('true');
    layout = await measureLayout(page);
    expect(layout.clipped).toEqual([]);
    expect(layout.overflowing).toEqual([]);

    // A long measurement list (a length and two ellipse regions) in the narrowest viewer stays
    // clear of the bottom orientation marker.
    // Drawn on the image once it is on the canvas: before, a drag can land on nothing (it did once on a loaded machine).
    await expect.poll(() => page.getByTestId('viewport').getAttribute('data-painted'), { timeout: 60_000 }).toBeTruthy();
    await page.getByRole('button', { name: 'Length', exact: true }).click();
    await dragOnViewport(page, [0.3, 0.5], [0.7, 0.5]);
    await page.getByRole('button', { name: /^Ellipse region/ }).click();
    await dragOnViewport(page, [0.4, 0.3], [0.6, 0.45]);
    await dragOnViewport(page, [0.35, 0.55], [0.6, 0.7]);
    await expect.poll(() => page.getByTestId('measurements').locator('li').count(), { timeout: 30_000 }).toBe(3);
    const marker = page.locator('.orient.bottom');
    expect((await marker.textContent())?.trim()).toBe('P');
    const markerBox = (await marker.boundingBox())!;
    const listBox = (await page.getByTestId('measurements').boundingBox())!;
    await shot('1024x700-measured');
    expect(intersects(markerBox, listBox), `measurement list ${JSON.stringify(listBox)} against the P marker ${JSON.stringify(markerBox)}`).toBe(false);
    const cornerBox = (await page.locator('.corner.bl').boundingBox())!;
    expect(intersects(markerBox, cornerBox), 'bottom-left corner text against the P marker').toBe(false);

    // [ hides the study list; the choice (list hidden, side panel shown) survives a reload.
    await page.keyboard.press('[');
    await expect.poll(async () => (await measureLayout(page)).viewer / 1024, { timeout: 10_000 }).toBeGreaterThan(0.6);
    await shot('1024x700-no-study-list');
    await page.reload();
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
    await page.getByRole('tab', { name: 'Classifier' }).waitFor();
    expect(await page.getByTestId('toggle-study-list').getAttribute('aria-pressed')).toBe('false');
    expect(await page.getByLabel('Import a folder or file').isVisible()).toBe(false);
    await page.getByTestId('toggle-study-list').click();
    await page.getByLabel('Import a folder or file').waitFor();
    layout = await measureLayout(page);
    expect(layout.clipped).toEqual([]);
    expect(layout.overflowing).toEqual([]);

    // The Help lists the keys.
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    expect(await help.innerText()).toContain('Hide / show the study list · the Classifier and Training panel');
    await page.keyboard.press('Escape');

    // The date filters: the chosen dates are said as the list writes dates (10-Apr-2025).
    await page.getByLabel('Studies from date').fill('2025-04-10');
    await page.getByTestId('study-date-hint').filter({ hasText: 'Studies from 10-Apr-2025 on' }).waitFor();
    await page.getByLabel('Studies to date').fill('2025-04-30');
    await page.getByTestId('study-date-hint').filter({ hasText: 'Studies from 10-Apr-2025 to 30-Apr-2025' }).waitFor();
    await shot('1024x700-dates');
    layout = await measureLayout(page);
    expect(layout.overflowing).toEqual([]);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByTestId('study-date-hint').waitFor({ state: 'detached' });

    // Predict one series; another series shows "Not predicted yet" and nothing of the model's.
    await page.setViewportSize({ width: 1280, height: 800 });
    await study(set.many.shown).getByTestId('series-card').click();
    await page.getByTestId('image-index').filter({ hasText: `Im 1/${set.many.files}` }).waitFor({ timeout: 60_000 });
    const entry = page.locator('label.package').filter({ hasText: 'my-classifier' });
    await entry.waitFor({ timeout: 60_000 });
    await entry.locator('input[type="radio"]').check();
    await page.getByLabel('Predict on').selectOption('series');
    await page.getByTestId('run-prediction').click();
    await page.getByTestId('series-scores').or(page.getByRole('alert')).first().waitFor({ timeout: 180_000 });
    expect(await page.getByRole('alert').allTextContents()).toEqual([]);
    const results = page.getByRole('region', { name: 'Prediction results' });
    await results.getByText(/^Model my-classifier #/).waitFor();
    expect(await page.getByTestId('heatmap-toggle').count()).toBe(1);
    await study(external.latin1.shown).getByTestId('series-card').first().click();
    await page.getByTestId('image-index').filter({ hasText: /^Im 1\// }).waitFor({ timeout: 60_000 });
    await results.getByText('Not predicted yet — run on this image or series.').waitFor({ timeout: 30_000 });
    await shot('not-predicted');
    expect(await results.getByText(/^Model my-classifier #/).count()).toBe(0);
    expect(await page.getByTestId('heatmap-toggle').count()).toBe(0);
    expect(await results.getByRole('heading', { name: 'Heatmap' }).count()).toBe(0);

    // The Random-backbone warning tells what to do in the app, not which CLI command to type.
    await page.getByRole('tab', { name: 'Training' }).click();
    const warning = page.getByRole('note', { name: 'Random backbone warning' });
    await warning.waitFor({ timeout: 60_000 });
    const said = (await warning.textContent()) ?? '';
    expect(said).not.toMatch(/lumen (weights|train)|<file\.h5>|custom-phi/);
    expect(said).toContain('Get ImageNet weights');
    expect(said).toContain('From scratch');
    await warning.scrollIntoViewIfNeeded();
    await shot('random-backbone');

    // Hidden, the Training tab takes no label keys: 1 labels nothing the user cannot see.
    const training = page.getByRole('tabpanel', { name: 'Training' });
    await training.getByText(/^Current: unlabelled/).waitFor({ timeout: 30_000 });
    await page.locator('body').click({ position: { x: 500, y: 20 } });
    await page.keyboard.press(']');
    await expect.poll(() => page.getByRole('tab', { name: 'Training' }).isVisible()).toBe(false);
    await page.keyboard.press('1');
    await page.waitForTimeout(1000);
    await page.keyboard.press(']');
    await page.getByRole('tab', { name: 'Training' }).waitFor();
    await page.waitForTimeout(500);
    expect(await training.getByText(/^Current: unlabelled/).count()).toBe(1);
    // Shown again, the same key labels the series.
    await page.locator('body').click({ position: { x: 500, y: 20 } });
    await page.keyboard.press('1');
    await training.getByText(/^Current: (?!unlabelled)/).waitFor({ timeout: 30_000 });

    expect(errors).toEqual([]);
    await page.close();
  }, 420_000);
});
