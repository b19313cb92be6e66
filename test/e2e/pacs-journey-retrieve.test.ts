// A hospital user's retrieve, in the browser UI against a real Orthanc (DICOMweb): a search by
// patient name, patient ID, date range and modality, each finding the study it should; a study of
// 240 images retrieved with progress, cancelled half-way (what arrived is kept and marked "n of
// 240 in library", the counts and the mark each whole), retrieved again (only the rest comes, nothing doubled, nothing lost), and
// opened in the viewer from the library. Through the real bridge, engine and Debian's Chromium.
// Screenshots: test-results/pacs-journey-retrieve-*.png.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession, viewerReady } from '../support/browser';
import { usePacsFixture } from '../pacs/support';

const SERIES = 3;
const PER_SERIES = 80;
const TOTAL = SERIES * PER_SERIES;
const pacs = usePacsFixture('e2e-pacs-retrieve', {
  studies: [
    { key: 811, patientId: 'PID-BIG-1', patientName: 'Large^Lena', accession: 'ACC-BIG-1', studyDate: '20240612', modality: 'CT', seriesCount: SERIES, perSeries: PER_SERIES },
    { key: 812, patientId: 'PID-SMALL-2', patientName: 'Little^Leo', accession: 'ACC-SMALL-2', studyDate: '20220103', modality: 'MR', seriesCount: 1, perSeries: 1 },
  ],
});

describe('retrieving from a PACS in the browser UI', () => {
  const session = useUiSession('lumen-e2e-pacs-retrieve', (dataDir) => {
    const o = pacs.orthanc;
    fs.writeFileSync(path.join(dataDir, 'pacs.json'), JSON.stringify({ version: 1, connections: [{ name: 'archive', kind: 'dicomweb', url: o.dicomWebUrl, auth: 'basic' }] }), { mode: 0o600 });
    fs.writeFileSync(path.join(dataDir, 'pacs-credentials.json'), JSON.stringify({ version: 1, credentials: { archive: { user: o.user, password: o.password } } }), { mode: 0o600 });
  });

  it('searches by each filter, retrieves with progress, cancels, retrieves the rest, opens it', async () => {
    const { page, errors } = await openApp(session());
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 90_000 });
    await page.getByRole('tab', { name: 'PACS' }).click();
    const tab = page.getByTestId('pacs-tab');
    const form = tab.getByRole('form', { name: 'Query a PACS' });
    const studies = tab.getByTestId('pacs-study');
    const count = tab.getByRole('status').filter({ hasText: / on archive$|^No studies match\.$/ });

    /** One search from an empty form with these filters: the patients it lists. */
    const search = async (fill: () => Promise<unknown>) => {
      if (await tab.getByRole('button', { name: 'Change search' }).isVisible()) await tab.getByRole('button', { name: 'Change search' }).click();
      for (const label of ['Patient name', 'Patient ID', 'Accession', 'Description', 'From', 'To']) await form.getByLabel(label, { exact: true }).fill('');
      await form.getByLabel('Modality').selectOption('');
      await fill();
      await form.getByRole('button', { name: 'Search' }).click();
      await form.getByRole('button', { name: 'Search' }).or(tab.getByRole('button', { name: 'Change search' })).first().waitFor();
      await expect.poll(async () => (await count.count()) > 0 && !(await form.getByRole('button', { name: 'Searching…' }).isVisible()), { timeout: 30_000 }).toBe(true);
      return { said: await count.textContent(), patients: (await studies.locator('.pacs-patient').allTextContents()).sort() };
    };
    expect(await search(async () => form.getByLabel('Patient name').fill('Large*'))).toEqual({ said: '1 study on archive', patients: ['Large, Lena'] });
    expect(await search(async () => form.getByLabel('Patient ID').fill('PID-SMALL-2'))).toEqual({ said: '1 study on archive', patients: ['Little, Leo'] });
    expect(await search(async () => (await form.getByLabel('From').fill('2024-01-01'), await form.getByLabel('To').fill('2024-12-31')))).toEqual({ said: '1 study on archive', patients: ['Large, Lena'] });
    expect(await search(async () => form.getByLabel('Modality').selectOption('MR'))).toEqual({ said: '1 study on archive', patients: ['Little, Leo'] });
    // Nothing found: the list says so, and the form stays open to change the search.
    const none = await search(async () => form.getByLabel('Patient name').fill('Nobody*'));
    expect(none).toEqual({ said: 'No studies match.', patients: [] });
    expect(await form.getByLabel('Patient name').isVisible()).toBe(true);
    await page.screenshot({ path: path.join(resultsDir(), 'pacs-journey-retrieve-none.png') });
    expect(await search(async () => undefined)).toEqual({ said: '2 studies on archive', patients: ['Large, Lena', 'Little, Leo'] });

    // Counts in words: one image is "1 image" (it read "1 images"), on the study and on its series.
    const little = studies.filter({ hasText: 'Little, Leo' });
    expect(await little.locator('.pacs-counts > .muted').textContent()).toBe('1 series, 1 image');
    await little.locator('[data-row]').click();
    expect(await little.getByTestId('pacs-series').first().locator('.pacs-describe').textContent()).toBe('#1 no description');
    expect(await little.getByTestId('pacs-series').first().locator('.pacs-series-counts').textContent()).toBe('1 image');
    expect(await little.getByTestId('pacs-series').first().locator('.pacs-describe').getAttribute('title')).toBe('#1 no description · 1 image');
    expect(await little.locator('.pacs-counts > .muted').getAttribute('title')).toBe('1 series, 1 image');
    // Each series' Retrieve button says which series (they were all just "Retrieve").
    expect(await little.getByTestId('pacs-series').first().getByRole('button').getAttribute('aria-label')).toBe('Retrieve the series #1 no description');
    await little.locator('[data-row]').click();
    await little.getByTestId('pacs-series').first().waitFor({ state: 'detached' });

    // Retrieve the large study: progress in images, as the report counts them (it said "instances"), then Cancel half-way.
    const large = studies.filter({ hasText: 'Large, Lena' });
    await large.getByRole('button', { name: /^Retrieve the study/ }).click();
    const progress = tab.getByRole('status', { name: 'Retrieve' });
    await progress.locator('.progress-message').filter({ hasText: new RegExp(`^Retrieving… ([1-9]\\d*) of ${TOTAL} images$`) }).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(resultsDir(), 'pacs-journey-retrieve-progress.png') });
    await progress.getByRole('button', { name: 'Cancel retrieve' }).click();
    await tab.getByRole('status').filter({ hasText: 'Retrieve cancelled: what arrived is kept; retrieve again to fetch the rest.' }).waitFor({ timeout: 30_000 });
    const held = large.getByTestId('pacs-held');
    await held.filter({ hasText: new RegExp(`^\\d+ of ${TOTAL} in library$`) }).waitFor({ timeout: 30_000 });
    const kept = Number(/^(\d+)/.exec((await held.textContent())!)![1]);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(TOTAL);
    await page.screenshot({ path: path.join(resultsDir(), 'pacs-journey-retrieve-cancelled.png') });
    // Whole, each: the counts ("3 series, 240 images") and the mark (it used to cut the counts to "3 ser…").
    const cut = (el: { scrollWidth: number; clientWidth: number }) => el.scrollWidth > el.clientWidth;
    const whole = async () => ({ counts: !(await large.locator('.pacs-counts > .muted').evaluate(cut)), held: !(await held.evaluate(cut)) });
    expect(await large.locator('.pacs-counts > .muted').textContent()).toBe(`${SERIES} series, ${TOTAL} images`);
    expect(await whole()).toEqual({ counts: true, held: true });

    // Again: only the rest comes; the library holds each instance once.
    await large.getByRole('button', { name: /^Retrieve the study/ }).click();
    const report = tab.getByTestId('pacs-retrieve-report');
    await report.waitFor({ timeout: 120_000 });
    expect(await report.textContent()).toMatch(new RegExp(`^${TOTAL - kept} images retrieved, ${kept} images? already in the library \\(of ${TOTAL} files listed\\) in [\\d.]+ s\\.$`));
    await held.filter({ hasText: /^In library$/ }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(resultsDir(), 'pacs-journey-retrieve-done.png') });
    expect(await whole()).toEqual({ counts: true, held: true });

    // Its series, each with its count and "In library" mark on a line of their own under its
    // description and its Retrieve button (beside them they cut it to "#1 no desc…"), inside its row, whole.
    await large.locator('[data-row]').click();
    const seriesRows = large.getByTestId('pacs-series');
    await seriesRows.nth(SERIES - 1).getByTestId('pacs-series-held').filter({ hasText: /^In library$/ }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(resultsDir(), 'pacs-journey-retrieve-series.png') });
    const studyBox = (await large.boundingBox())!;
    let below = 0;
    for (let i = 0; i < SERIES; i++) {
      const row = seriesRows.nth(i);
      const describe = row.locator('.pacs-describe');
      expect(await describe.evaluate(cut)).toBe(false);
      expect(await row.locator('.pacs-series-counts').textContent()).toBe(`${PER_SERIES} imagesIn library`);
      const [rowBox, describeBox, buttonBox, heldBox] = await Promise.all([row.boundingBox(), describe.boundingBox(), row.getByRole('button').boundingBox(), row.getByTestId('pacs-series-held').boundingBox()]);
      expect(heldBox!.y).toBeGreaterThanOrEqual(Math.max(describeBox!.y + describeBox!.height, buttonBox!.y + buttonBox!.height) - 1);
      expect(heldBox!.y + heldBox!.height).toBeLessThanOrEqual(rowBox!.y + rowBox!.height);
      expect(rowBox!.y).toBeGreaterThanOrEqual(below);
      expect(rowBox!.y + rowBox!.height).toBeLessThanOrEqual(studyBox.y + studyBox.height);
      below = rowBox!.y + rowBox!.height;
    }
    await large.locator('[data-row]').click();

    // The library: one study, its three series of 80 images; the first opens in the viewer.
    await page.getByRole('tab', { name: 'Library' }).click();
    const library = page.getByTestId('study-list').getByRole('listitem', { name: /^Study / });
    await library.first().waitFor({ timeout: 30_000 });
    expect(await library.count()).toBe(1);
    const cards = page.getByTestId('series-card');
    await cards.nth(SERIES - 1).waitFor({ timeout: 30_000 });
    expect(await cards.count()).toBe(SERIES);
    await cards.first().click();
    await page.getByTestId('image-index').filter({ hasText: `Im 1/${PER_SERIES}` }).waitFor({ timeout: 60_000 });
    await viewerReady(page);
    await page.screenshot({ path: path.join(resultsDir(), 'pacs-journey-retrieve-viewer.png') });
    for (let i = 1; i < SERIES; i++) expect(await cards.nth(i).textContent()).toContain(String(PER_SERIES));
    expect(errors).toEqual([]);
  }, 300_000);
});
