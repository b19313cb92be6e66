// A series clicked and then another: the second is shown, whatever order the answers come in.
// Before, each click set the viewer to whichever answer came back, so a slow first series (a large
// one, a busy engine) arrived last and replaced the one the user clicked after it: the viewer and
// the Training panel's label keys then showed and labelled the first patient's series. In Debian's
// Chromium against the real bridge and engine, the first series' answer is held back on the socket
// until the second is shown, then let through.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import type { WebSocketRoute } from 'playwright-core';
import { resultsDir, useUiSession, viewerReady } from '../support/browser';
import { writePhantomSet, type PhantomSet } from '../training/phantoms';

describe('opening one series and then another', () => {
  let set: PhantomSet;
  const session = useUiSession('lumen-open-late', (dataDir) => {
    set = writePhantomSet(path.join(dataDir, 'incoming'), { patients: 2, slices: 2, size: 48, seed: 71 });
  });

  it('shows the series clicked last when the first one answers after it', async () => {
    const page = await session().browser.context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    const [a, b] = set.patients;

    // The reply to "library.series" for a is kept until released; everything else goes through.
    let client: WebSocketRoute | undefined;
    const heldIds = new Set<number>();
    const held: string[] = [];
    let holding = false;
    let sawHeld: () => void = () => {};
    const heldOne = new Promise<void>((resolve) => (sawHeld = resolve));
    await page.routeWebSocket(/\/rpc/, (ws) => {
      client = ws;
      const server = ws.connectToServer();
      ws.onMessage((m) => {
        if (typeof m === 'string') {
          const msg = JSON.parse(m) as { id: number; method: string; input?: { seriesInstanceUid?: string } };
          if (holding && msg.method === 'library.series' && msg.input?.seriesInstanceUid === a.seriesUid) heldIds.add(msg.id);
        }
        server.send(m);
      });
      server.onMessage((m) => {
        if (typeof m === 'string' && heldIds.has((JSON.parse(m) as { id?: number }).id ?? -1)) {
          held.push(m);
          sawHeld();
          return;
        }
        ws.send(m);
      });
    });
    await page.goto(session().bridge.url);
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Import a folder or file').fill(set.dir);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '4 images imported' }).waitFor({ timeout: 60_000 });

    holding = true;
    await page.locator(`.series-card[data-series="${a.seriesUid}"]`).click();
    await heldOne;
    await page.locator(`.series-card[data-series="${b.seriesUid}"]`).click();
    await page.getByTestId('corner-patient-id').filter({ hasText: b.patientId }).waitFor();
    await viewerReady(page);

    // a's answer arrives now, after b's; then one more round trip through the page, so it has been handled.
    for (const m of held) client!.send(m);
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 300)));
    await viewerReady(page);
    expect(await page.getByTestId('corner-patient-id').textContent()).toBe(b.patientId);
    expect(await page.locator('.series-card.active').getAttribute('data-series')).toBe(b.seriesUid);
    await page.screenshot({ path: path.join(resultsDir(), 'open-series-late-answer.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
