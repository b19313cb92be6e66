// A PACS that answers a search with more studies than Lumen lists (a DICOMweb server on loopback
// sending 6,000): the PACS tab shows the first 5,000 and says so, in the app as the user sees it
// (the real bridge, engine and Debian's Chromium). Screenshot in test-results/.
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';

const STUDIES = 6_000;
let server: http.Server | undefined;

afterAll(() => {
  server?.close();
});

/** A QIDO-RS server whose every search answers STUDIES studies, whatever `limit` it is asked for. */
async function busyPacs(): Promise<string> {
  const study = (i: number) =>
    JSON.stringify({
      '0020000D': { vr: 'UI', Value: [`1.2.826.0.1.3680043.10.543.6.${i}`] },
      '00100010': { vr: 'PN', Value: [{ Alphabetic: `Busy^Patient${i}` }] },
      '00100020': { vr: 'LO', Value: [`BUSY-${i}`] },
      '00080020': { vr: 'DA', Value: [`2025${String((i % 12) + 1).padStart(2, '0')}15`] },
      '00080061': { vr: 'CS', Value: ['CT'] },
    });
  const body = `[${Array.from({ length: STUDIES }, (_, i) => study(i)).join(',')}]`;
  server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/dicom+json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/dicom-web`;
}

describe('PACS tab: more studies than Lumen lists', () => {
  const session = useUiSession('lumen-e2e-pacs-incomplete', async (dataDir) => {
    const url = await busyPacs();
    writeFileSync(path.join(dataDir, 'pacs.json'), JSON.stringify({ version: 1, connections: [{ name: 'busy-pacs', kind: 'dicomweb', url, auth: 'none' }] }), { mode: 0o600 });
  });

  it('shows the first 5,000 and says that the PACS returned more', async () => {
    const { page, errors } = await openApp(session());
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 90_000 });
    await page.getByRole('tab', { name: 'PACS' }).click();
    await page.getByRole('button', { name: 'Search' }).click();
    const notice = page.getByTestId('pacs-incomplete');
    await notice.waitFor({ timeout: 60_000 });
    expect(await notice.textContent()).toBe('PACS "busy-pacs" returned more than 5,000 studies; showing the first 5,000. Narrow the search (a patient, a date range, a modality), or raise Studies per query of the connection in Settings, PACS.');
    expect(await page.getByRole('status').filter({ hasText: 'studies on busy-pacs' }).textContent()).toBe('5,000 studies on busy-pacs');
    // Virtualised (PacsTab.tsx): the 5,000 are listed, but only the rows in view are in the DOM.
    const rows = page.getByTestId('pacs-study');
    const rendered = await rows.count();
    expect(rendered).toBeGreaterThan(0);
    expect(rendered).toBeLessThan(60);
    expect(await rows.first().getAttribute('aria-setsize')).toBe('5000');
    expect(await rows.first().getAttribute('aria-posinset')).toBe('1');
    await page.screenshot({ path: path.join(resultsDir(), 'pacs-incomplete.png') });

    // The keyboard: Down moves to the next study, End to the last of the 5,000 (scrolled into view).
    const focused = () => page.locator(':focus').getAttribute('data-row');
    await page.locator('[data-row="0"]').focus();
    await page.keyboard.press('ArrowDown');
    expect(await focused()).toBe('1');
    await page.keyboard.press('End');
    await expect.poll(focused, { timeout: 30_000 }).toBe('4999');
    const last = page.locator('[aria-posinset="5000"]');
    // Listed newest first: the last study is one of January's, the earliest month the PACS has.
    expect(await last.textContent()).toMatch(/15-Jan-2025 · BUSY-\d+/);
    await expect.poll(() => last.isVisible()).toBe(true);
    await page.keyboard.press('Home');
    await expect.poll(focused, { timeout: 30_000 }).toBe('0');
    expect(await rows.count()).toBeLessThan(60);

    // Scrolling the list to its end shows the last study, still with a bounded DOM.
    await page.getByTestId('pacs-results').evaluate((el) => {
      const box = el as unknown as { scrollTop: number; scrollHeight: number };
      box.scrollTop = box.scrollHeight;
    });
    await last.waitFor({ timeout: 10_000 });
    const box = (await page.getByTestId('pacs-results').boundingBox())!;
    const lastBox = (await last.boundingBox())!;
    expect(lastBox.y).toBeGreaterThanOrEqual(box.y);
    expect(lastBox.y + lastBox.height).toBeLessThanOrEqual(box.y + box.height + 1);
    expect(await rows.count()).toBeLessThan(60);
    await page.screenshot({ path: path.join(resultsDir(), 'pacs-incomplete-end.png') });

    // A narrower search that the PACS answers whole says nothing more.
    server!.removeAllListeners('request');
    server!.on('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
      res.writeHead(200, { 'content-type': 'application/dicom+json' });
      res.end(JSON.stringify([{ '0020000D': { vr: 'UI', Value: ['1.2.826.0.1.3680043.10.543.6.1'] }, '00100020': { vr: 'LO', Value: ['BUSY-1'] } }]));
    });
    await page.getByRole('button', { name: 'Change search' }).click();
    await page.getByLabel('Patient ID').fill('BUSY-1');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('status').filter({ hasText: '1 study on busy-pacs' }).waitFor({ timeout: 30_000 });
    expect(await notice.count()).toBe(0);
    expect(errors).toEqual([]);
  }, 180_000);
});
