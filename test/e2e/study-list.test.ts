// The study list scales and can be navigated (issue #13, point 9): in Debian's Chromium
// against the real engine, a library of 2,000 studies (2,286 series of tiny 8x8 images,
// imported by the library's own import code before the engine starts). The list is
// virtualised (a screenful of rows in the DOM), sorts by date, name or modality, filters by
// modality and date range, collapses each study's series, moves between studies by keyboard,
// asks for thumbnails only of rows that stay on screen, and highlights and scrolls to what a
// new import brought. Scrolling
// frame times are measured and reported (test-results/study-list-scroll.json), not asserted.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { writeImage } from '../support/dicom/write';
import { Library } from '../../electron/library/library';
import { openApp, resultsDir, useUiSession } from '../support/browser';

const STUDIES = 2000;
const MODALITIES = ['CT', 'MR', 'CR', 'US', 'DX'];
const UID = '1.2.826.0.1.3680043.10.99.9';
/** Every study has a series, every seventh a second (PT) one. */
const SERIES = STUDIES + Math.ceil(STUDIES / 7);

interface StudySpec {
  uid: string;
  name: string;
  id: string;
  date: string;
  modality: string;
  /** Every seventh study also has a PT series. */
  pet: boolean;
}

/** Study i: names in another order than dates (7 is coprime with 2,000), five modalities in turn. */
function studySpec(i: number): StudySpec {
  const year = 2000 + (i % 24);
  const month = 1 + (i % 12);
  const day = 1 + (i % 28);
  return {
    uid: `${UID}.${i + 1}`,
    name: `Bulk${String((i * 7) % STUDIES).padStart(4, '0')}^Pat`,
    id: `B${String(i).padStart(5, '0')}`,
    date: `${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`,
    modality: MODALITIES[i % MODALITIES.length],
    pet: i % 7 === 0,
  };
}

function writeStudy(dir: string, s: StudySpec, images = 1): void {
  mkdirSync(dir, { recursive: true });
  const pixels = new Uint8Array(8 * 8 * 2).map((_, k) => (k * 37) & 0xff);
  const series = s.pet ? [s.modality, 'PT'] : [s.modality];
  series.forEach((modality, n) => {
    for (let k = 0; k < images; k++) {
      writeImage(path.join(dir, `s${n + 1}-${k + 1}.dcm`), {
        rows: 8,
        columns: 8,
        bitsAllocated: 16,
        modality,
        pixelBytes: pixels,
        uid: s.uid,
        extra: {
          0x00080018: { vr: 'UI', value: `${s.uid}.3.${n + 1}.${k + 1}` },
          0x00080020: { vr: 'DA', value: s.date },
          0x00100010: { vr: 'PN', value: s.name },
          0x00100020: { vr: 'LO', value: s.id },
          0x0020000e: { vr: 'UI', value: `${s.uid}.2.${n + 1}` },
          0x00200011: { vr: 'IS', value: n + 1 },
          0x00200013: { vr: 'IS', value: k + 1 },
          0x0008103e: { vr: 'LO', value: `${modality} series` },
        },
      });
    }
  });
}

/** What the list has in the DOM: each rendered study's accessible name, top to bottom. */
async function renderedStudies(page: Page): Promise<string[]> {
  return page.getByRole('list', { name: 'Studies' }).getByRole('listitem').evaluateAll((els) =>
    (els as unknown as { getAttribute(n: string): string | null; getBoundingClientRect(): { top: number } }[])
      .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
      .map((e) => e.getAttribute('aria-label') ?? ''),
  );
}

/** The accessible name of the study whose header has the keyboard focus. */
async function focusedStudy(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { activeElement: { closest(s: string): { getAttribute(n: string): string | null } | null } | null } }).document;
    return doc.activeElement?.closest('[role="listitem"]')?.getAttribute('aria-label') ?? null;
  });
}

/** The DICOM dates of rendered studies' labels ("Study Bulk0007, Pat 05-Mar-2001" -> 20010305). */
function labelDate(label: string): string {
  const m = /(\d\d)-(\w{3})-(\d{4})/.exec(label);
  if (!m) return '';
  const month = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].indexOf(m[2]) + 1;
  return `${m[3]}${String(month).padStart(2, '0')}${m[1]}`;
}

/** Frame-to-frame times (ms) while the list scrolls `step` px a frame from top to bottom. */
async function scrollFrames(list: Locator, step: number): Promise<number[]> {
  return list.evaluate(async (el, px) => {
    const box = el as unknown as { scrollTop: number; scrollHeight: number; clientHeight: number };
    const win = globalThis as unknown as { requestAnimationFrame(cb: (t: number) => void): void };
    const frames: number[] = [];
    box.scrollTop = 0;
    await new Promise<void>((done) => {
      let last = -1;
      const tick = (t: number) => {
        if (last >= 0) frames.push(t - last);
        last = t;
        if (box.scrollTop + box.clientHeight >= box.scrollHeight - 1) return done();
        box.scrollTop += px;
        win.requestAnimationFrame(tick);
      };
      win.requestAnimationFrame(tick);
    });
    return frames;
  }, step);
}

function summary(frames: number[]): { frames: number; meanMs: number; p95Ms: number; maxMs: number; over50Ms: number } {
  const sorted = [...frames].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    frames: frames.length,
    meanMs: round(frames.reduce((a, b) => a + b, 0) / Math.max(1, frames.length)),
    p95Ms: round(sorted[Math.floor(sorted.length * 0.95)] ?? 0),
    maxMs: round(sorted[sorted.length - 1] ?? 0),
    over50Ms: frames.filter((f) => f > 50).length,
  };
}

describe('the study list with 2,000 studies', () => {
  const specs = Array.from({ length: STUDIES }, (_, i) => studySpec(i));
  const report: Record<string, unknown> = {};
  const session = useUiSession('lumen-study-list', async (dataDir) => {
    let t = performance.now();
    specs.forEach((s, i) => writeStudy(path.join(dataDir, 'bulk', String(i)), s));
    report.writeFilesMs = Math.round(performance.now() - t);
    const library = Library.open(path.join(dataDir, 'library'));
    try {
      t = performance.now();
      const imported = await library.importPaths([path.join(dataDir, 'bulk')]);
      report.importMs = Math.round(performance.now() - t);
      expect(imported.studies).toBe(STUDIES);
      // What library.studies costs: before (listTree + listStudies), and the query the list uses now.
      const time = (f: () => unknown) => {
        f();
        const start = performance.now();
        for (let k = 0; k < 5; k++) f();
        return Math.round(((performance.now() - start) / 5) * 10) / 10;
      };
      report.listTreePlusListStudiesMs = time(() => (library.listTree(), library.listStudies()));
      report.listStudiesWithSeriesMs = time(() => library.listStudiesWithSeries());
      report.replyBytes = JSON.stringify(library.listStudiesWithSeries()).length;
    } finally {
      library.close();
    }
    writeStudy(path.join(dataDir, 'incoming', 'nina'), { uid: `${UID}.77777`, name: 'Newcomer^Nina', id: 'NEW001', date: '20110615', modality: 'MR', pet: false }, 3);
  });

  it('is virtualised, sorts, filters, collapses, loads thumbnails lazily and shows new imports', async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    // app.info waits for the engine's backend probe (a WebGPU child process, ONNX Runtime):
    // over a minute on a machine whose two cores run a load of 20.
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 180_000 });
    const list = page.getByRole('list', { name: 'Studies' });
    const items = list.getByRole('listitem');
    const t = performance.now();
    await items.first().waitFor({ timeout: 60_000 });
    report.firstRowsMs = Math.round(performance.now() - t);
    expect(await page.locator('.study-browser .panel-header:not(.sub)').textContent()).toContain(String(STUDIES));

    // Virtualised: a screenful of studies in the DOM, not 2,000; newest first by default, and
    // a library this size opens with the series collapsed.
    const rendered = await renderedStudies(page);
    expect(rendered.length).toBeGreaterThan(5);
    expect(rendered.length).toBeLessThan(60);
    const dates = rendered.map(labelDate);
    expect(dates).toEqual([...dates].sort().reverse());
    expect(dates[0]).toBe(specs.map((s) => s.date).sort().reverse()[0]);
    expect(await items.first().getByRole('button', { expanded: false }).count()).toBe(1);
    await page.screenshot({ path: path.join(resultsDir(), 'study-list-2000.png') });

    // Every study open, then scrolled from top to bottom, one frame at a time.
    await page.getByRole('button', { name: 'Expand all' }).click();
    await items.first().getByTestId('series-card').first().waitFor();
    const frames = await scrollFrames(list, 400);
    report.scrollExpanded = summary(frames);
    writeFileSync(path.join(resultsDir(), 'study-list-scroll.json'), JSON.stringify(report, null, 2));
    await items.first().getByTestId('series-card').first().waitFor();
    expect(await items.count()).toBeLessThan(60);
    await page.screenshot({ path: path.join(resultsDir(), 'study-list-scrolled.png') });
    // Thumbnails: only rows that stayed on screen asked for one (the engine caches each it makes).
    await items.last().locator('img.thumb').first().waitFor({ timeout: 30_000 });
    const thumbnails = readdirSync(path.join(dataDir, 'library', 'thumbnails')).length;
    report.thumbnailsMade = thumbnails;
    expect(thumbnails).toBeGreaterThan(0);
    // Of 2,286 series; every one of them before the list was virtualised.
    expect(thumbnails).toBeLessThan(SERIES / 5);

    // Collapse one study, then all of them.
    const last = items.last();
    const lastName = await last.getAttribute('aria-label');
    await last.getByRole('button', { expanded: true }).click();
    await expect.poll(() => list.getByRole('listitem', { name: lastName! }).getByTestId('series-card').count()).toBe(0);
    await page.getByRole('button', { name: 'Collapse all' }).click();
    await expect.poll(() => list.getByTestId('series-card').count()).toBe(0);
    report.scrollCollapsed = summary(await scrollFrames(list, 400));

    // Sort by patient name: Bulk0000 first.
    await page.getByLabel('Sort').selectOption('name');
    await list.evaluate((el) => ((el as unknown as { scrollTop: number }).scrollTop = 0));
    await expect.poll(async () => (await renderedStudies(page))[0]).toMatch(/^Study Bulk0000, Pat /);
    const names = (await renderedStudies(page)).map((l) => /Bulk\d{4}/.exec(l)?.[0] ?? '');
    expect(names).toEqual([...names].sort());

    // Keyboard: End reaches the last of 2,000 studies (scrolled to, then focused), Home the first.
    await items.first().getByRole('button', { expanded: false }).focus();
    await page.keyboard.press('End');
    await expect.poll(() => focusedStudy(page)).toMatch(/^Study Bulk1999, Pat /);
    await page.keyboard.press('Home');
    await expect.poll(() => focusedStudy(page)).toMatch(/^Study Bulk0000, Pat /);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => focusedStudy(page)).toMatch(/^Study Bulk0002, Pat /);
    await page.keyboard.press('Enter');
    await list.getByRole('listitem', { name: /^Study Bulk0002, Pat / }).getByTestId('series-card').first().waitFor();

    // Filter: modality MR, then a date range.
    await page.getByRole('group', { name: 'Filter by modality' }).getByRole('button', { name: 'MR', exact: true }).click();
    const mr = specs.filter((s) => s.modality === 'MR');
    await page.getByTestId('study-filter-status').filter({ hasText: `${mr.length} of 2,000 studies shown` }).waitFor();
    await page.getByLabel('Studies from date').fill('2010-01-01');
    await page.getByLabel('Studies to date').fill('2012-12-31');
    const inRange = mr.filter((s) => s.date >= '20100101' && s.date <= '20121231');
    await page.getByTestId('study-filter-status').filter({ hasText: `${inRange.length} of 2,000 studies shown` }).waitFor();
    const filtered = await renderedStudies(page);
    expect(filtered.length).toBeGreaterThan(0);
    for (const label of filtered) expect(labelDate(label) >= '20100101' && labelDate(label) <= '20121231', label).toBe(true);
    await page.getByRole('button', { name: 'Expand all' }).click();
    expect(await list.getByTestId('series-card').first().getAttribute('aria-label')).toContain('MR');
    await page.screenshot({ path: path.join(resultsDir(), 'study-list-filtered.png') });
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('Sort').selectOption('date');
    await page.getByRole('button', { name: 'Collapse all' }).click();
    await list.evaluate((el) => ((el as unknown as { scrollTop: number }).scrollTop = 0));

    // A new import: far down the date order (2011), yet shown, open and marked.
    await page.getByLabel('Import a folder or file').fill(path.join(dataDir, 'incoming'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '3 images imported' }).waitFor({ timeout: 60_000 });
    const nina = list.getByRole('listitem', { name: /^Study Newcomer, Nina .*just imported/ });
    await nina.getByTestId('series-card').waitFor({ timeout: 30_000 });
    const listBox = (await list.boundingBox())!;
    const ninaBox = (await nina.boundingBox())!;
    expect(ninaBox.y).toBeGreaterThanOrEqual(listBox.y - 1);
    expect(ninaBox.y + ninaBox.height).toBeLessThanOrEqual(listBox.y + listBox.height + 1);
    expect(await nina.getAttribute('class')).toContain('new');
    await nina.getByTestId('series-card').locator('img.thumb').waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(resultsDir(), 'study-list-new-import.png') });
    await nina.getByTestId('series-card').click();
    await page.getByTestId('image-index').filter({ hasText: /Im \d\/3/ }).waitFor({ timeout: 30_000 });

    writeFileSync(path.join(resultsDir(), 'study-list-scroll.json'), JSON.stringify(report, null, 2));
    console.log('study list measurements', JSON.stringify(report));
    expect(errors).toEqual([]);
  }, 400_000);
});
