// Series cards just after an import (issue B-3): until its thumbnail arrives a card shows a
// neutral placeholder (not black, not a broken image) that says it is loading, and a series
// whose thumbnail cannot be made says "no preview" instead. What each card first showed is
// recorded in the page as it is added (a MutationObserver set up before the import), so the
// check does not depend on catching the moment; screenshots are taken right after the import
// and once the thumbnails settled. In Debian's Chromium against the real bridge and engine.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encapsulate, encapsulatedFile, writeImage } from '../support/dicom/write';
import { openApp, resultsDir, useUiSession } from '../support/browser';

const GOOD = '1.2.826.0.1.3680043.10.99.95.1';
const BROKEN = '1.2.826.0.1.3680043.10.99.95.2';
const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';
/** The good series' image: rows and columns. */
const SIZE = 2048;

function writeSeries(dir: string): void {
  mkdirSync(dir, { recursive: true });
  // A large noisy JPEG 2000 image (gdcmconv --j2k): its thumbnail takes a while to make, as a
  // real CR's or mammogram's does, so the placeholder is on screen for the first screenshot.
  let seed = 7;
  const px = new Uint8Array(SIZE * SIZE).map((_, i) => (((i % SIZE) >> 3) + ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 27)) & 255);
  const patient = { 0x00100010: { vr: 'PN', value: 'Preview^Pat' }, 0x00100020: { vr: 'LO', value: 'PV001' }, 0x0020000d: { vr: 'UI', value: `${GOOD}.1` } };
  const plain = path.join(path.dirname(dir), 'good-plain.dcm');
  writeImage(plain, { rows: SIZE, columns: SIZE, bitsAllocated: 8, modality: 'OT', pixelBytes: px, uid: GOOD, extra: { ...patient, 0x00200011: { vr: 'IS', value: 1 } } });
  execFileSync('gdcmconv', ['--j2k', plain, path.join(dir, 'good.dcm')], { stdio: 'pipe' });
  // A JPEG baseline frame that is not JPEG: the header imports, the thumbnail cannot be made.
  const garbage = new Uint8Array(256).map((_, i) => (i * 37) & 255);
  writeFileSync(
    path.join(dir, 'broken.dcm'),
    encapsulatedFile({ rows: 64, columns: 64, bitsAllocated: 8, modality: 'OT', pixelBytes: new Uint8Array(0), uid: BROKEN }, JPEG_BASELINE, encapsulate([[garbage]], { basicOffsetTable: true }).bytes, { ...patient, 0x00200011: { vr: 'IS', value: 2 } }),
  );
}

interface FirstLook {
  tag: string;
  label: string | null;
  hidden: string | null;
  background: string;
  text: string;
}

describe('series thumbnails just after an import', () => {
  const session = useUiSession('lumen-thumbnail-placeholder', (dataDir) => writeSeries(path.join(dataDir, 'incoming')));

  it('shows a labelled neutral placeholder until the thumbnail arrives, and "no preview" when it cannot be made', async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
    // Every thumbnail element as it is first added to the page: what it looked like then.
    await page.evaluate(`(() => {
      window.__firstThumbs = [];
      const look = (el) => ({ tag: el.tagName, label: el.getAttribute('aria-label') ?? el.getAttribute('alt'), hidden: el.getAttribute('aria-hidden'), background: getComputedStyle(el).backgroundColor, text: el.textContent });
      new MutationObserver((records) => {
        for (const r of records) for (const n of r.addedNodes) {
          if (!(n instanceof Element)) continue;
          for (const el of [n, ...n.querySelectorAll('.thumb')]) if (el.classList.contains('thumb')) window.__firstThumbs.push(look(el));
        }
      }).observe(document.body, { childList: true, subtree: true });
    })()`);
    await page.getByLabel('Import a folder or file').fill(path.join(dataDir, 'incoming'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    // The first card on screen, as soon as it is there: its placeholder, if the thumbnail is not in yet.
    const card = page.getByTestId('series-card').first();
    await card.waitFor({ timeout: 120_000 });
    await card.screenshot({ path: path.join(resultsDir(), 'thumbnail-placeholder-just-imported.png') });
    await page.getByTestId('import-report').filter({ hasText: '2 images imported' }).waitFor({ timeout: 120_000 });
    const study = page.getByRole('listitem', { name: /^Study .*Pat/ });
    await study.waitFor();

    // What the cards first showed: a placeholder that says it is loading, on a neutral ground.
    const first = await page.evaluate<FirstLook[]>('window.__firstThumbs');
    expect(first.length).toBeGreaterThanOrEqual(2);
    for (const look of first.slice(0, 2)) {
      expect(look.tag).toBe('DIV');
      expect(look.hidden).toBeNull();
      expect(look.label).toMatch(/^Series \d: preview loading$/);
      expect(look.background).not.toMatch(/^rgba?\(0, 0, 0(, 1)?\)$/);
    }
    expect(first.every((l) => l.tag !== 'IMG' || (l.label ?? '').endsWith('thumbnail'))).toBe(true);

    // Then: the good series' picture, the broken one's "no preview", said and shown.
    await expect.poll(() => study.getByRole('img', { name: 'Series 1 thumbnail' }).count(), { timeout: 60_000 }).toBe(1);
    const none = study.getByRole('img', { name: 'Series 2: no preview' });
    await expect.poll(() => none.count(), { timeout: 60_000 }).toBe(1);
    expect(await none.textContent()).toBe('no preview');
    // The card's name holds what it shows, in order: "no preview" first (WCAG 2.5.3, label in name).
    expect(await study.getByTestId('series-card').filter({ has: page.getByRole('img', { name: 'Series 2: no preview' }) }).getAttribute('aria-label')).toMatch(/^no preview, \S+ S2, /);
    expect(await none.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor)).not.toMatch(/^rgba?\(0, 0, 0(, 1)?\)$/);
    await study.screenshot({ path: path.join(resultsDir(), 'thumbnail-placeholder-settled.png') });
    expect(errors).toEqual([]);
  });
});
