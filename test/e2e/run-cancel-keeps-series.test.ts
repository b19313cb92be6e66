// The Classifier panel's Run over a whole study, cancelled part-way: the series scored whole keep
// their scores, the panel says how many, and the open series (the first one scored) shows its
// scores at once. Before, a cancelled Run kept nothing and said "Prediction cancelled.". In
// Debian's Chromium against the real bridge and engine; the page's socket is routed through the
// test only to freeze what the page sees once 64 images are scored, so that Cancel is pressed
// while the run is surely still going (the engine goes on scoring until the cancel reaches it).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WebSocketRoute } from 'playwright-core';
import { resultsDir, useUiSession, viewerReady } from '../support/browser';
import { writeManyCt, type ManyCt } from '../support/many-ct';
import { saveRandomHeadPackage } from '../support/tiny-package';

describe('a Run over a study, cancelled part-way', () => {
  let set: ManyCt;
  const session = useUiSession('lumen-run-cancel', async (dataDir) => {
    set = writeManyCt(path.join(dataDir, 'incoming'), { studies: 1, series: 8, slices: 64, root: '97', name: 'RUNCANCELUI' });
    await saveRandomHeadPackage(path.join(dataDir, 'models', 'tiny'), { inputSize: 224, seed: 4, sd: 5, headSeed: 6 }, { name: 'tiny', classNames: ['none', 'lesion'], preprocessing: { scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1] } });
  });

  it('keeps the series scored whole and shows the open one', async () => {
    const page = await session().browser.context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    // Once a progress event says 64 or more images are scored, what the engine sends waits here
    // until Cancel has been pressed; the page's own requests (the cancel) go through.
    let client: WebSocketRoute | undefined;
    let freezing = false;
    let froze = false;
    const frozen: (string | Buffer)[] = [];
    let sawEnough: () => void = () => {};
    const enough = new Promise<void>((resolve) => (sawEnough = resolve));
    await page.routeWebSocket(/\/rpc/, (ws) => {
      client = ws;
      const server = ws.connectToServer();
      ws.onMessage((m) => server.send(m));
      server.onMessage((m) => {
        if (freezing) return void frozen.push(m);
        if (typeof m === 'string') {
          const msg = JSON.parse(m) as { event?: string; payload?: { message?: string } };
          const done = msg.event === 'job.progress' ? /^Image (\d+) of 512$/.exec(msg.payload?.message ?? '') : null;
          if (done && !froze && Number(done[1]) >= 64) {
            freezing = froze = true;
            ws.send(m);
            sawEnough();
            return;
          }
        }
        ws.send(m);
      });
    });
    await page.goto(session().bridge.url);
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Import a folder or file').fill(set.dir);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '512 images imported' }).waitFor({ timeout: 120_000 });
    const [first] = [...set.seriesUids].sort();
    await page.locator(`.series-card[data-series="${first}"]`).click();
    await viewerReady(page);
    await page.getByLabel('Predict on').selectOption('study');
    await page.getByTestId('run-prediction').click();

    await enough;
    await page.getByRole('button', { name: 'Cancel prediction' }).click();
    freezing = false;
    for (const m of frozen.splice(0)) client!.send(m);

    const said = page.getByRole('status').filter({ hasText: /^Cancelled: scored \d of 8 series whole \(\d+ images\); their scores are stored\. Run the study again to score the rest\.$/ });
    await said.waitFor({ timeout: 120_000 });
    const [, kept, images] = /scored (\d) of 8 series whole \((\d+) images\)/.exec((await said.textContent())!)!;
    expect(Number(kept)).toBeGreaterThanOrEqual(1);
    expect(Number(kept)).toBeLessThan(8);
    expect(Number(images)).toBe(Number(kept) * 64);
    // The open series was scored first and whole: its scores show without another Run.
    await page.getByTestId('result-model').waitFor();
    await page.getByTestId('image-scores').waitFor();
    await page.screenshot({ path: path.join(resultsDir(), 'run-cancel-keeps-series.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});
