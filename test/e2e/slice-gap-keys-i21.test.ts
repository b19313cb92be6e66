// Missing slices in the viewer, the rest (task I, session 21), in Debian's Chromium against the
// real engine. "Located": dump2dcm CT at 5, 10, 15, 25, 30 mm with a Slice Location 100 mm above
// (a table offset): the note says "between 115.0 and 125.0 mm", the numbers the corner's "Loc"
// shows on the slices either side (before: "15.0 and 25.0"). "Pair": 0, 5, 10, 20, 30, 35, 40 (two
// single slices missing one slice apart; before: no note). G goes to the image before the next
// gap, round again, and Shift+G back; the `?` help lists it (before: G did nothing).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession, viewerReady } from '../support/browser';
import { runLumen } from '../support/cli';
import { modifySlice, writeGapSeries } from '../support/slice-gaps-e20';

describe('the slices-missing note speaks in Loc, and G goes from gap to gap', () => {
  const session = useUiSession('lumen-slice-gaps-i21', async (dataDir) => {
    const src = path.join(dataDir, 'incoming');
    const zs = [5, 10, 15, 25, 30];
    const located = writeGapSeries(src, 1, zs, 'Located');
    located.files.forEach((f, i) => modifySlice(f, '-i', `(0020,1041)=${zs[i] + 100}`));
    writeGapSeries(src, 2, [0, 5, 10, 20, 30, 35, 40], 'Pair');
    const imported = await runLumen(['import', src], dataDir);
    expect(imported.code, imported.stderr).toBe(0);
  });

  it('gives the Loc of the slices either side, and G / Shift+G jump between the gaps', async () => {
    const { page, errors } = await openApp(session());
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 180_000 });
    const index = page.getByTestId('image-index');
    const corner = page.locator('.corner.bl');
    const note = page.getByTestId('slice-gap-note');

    await page.getByTestId('series-card').filter({ hasText: 'Located' }).click({ timeout: 60_000 });
    await index.filter({ hasText: /^Im 1\/5/ }).waitFor({ timeout: 60_000 });
    await viewerReady(page);
    await expect.poll(() => note.locator('summary').textContent(), { timeout: 30_000 }).toBe('⚠ 1 slice missing between 115.0 and 125.0 mm');
    await page.locator('.viewport canvas').click();
    await page.keyboard.press('g');
    await index.filter({ hasText: /^Im 3\/5/ }).waitFor({ timeout: 10_000 });
    await corner.getByText('Loc 115.0 mm').waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(resultsDir(), 'slice-gap-keys-i21-located.png') });
    await page.keyboard.press('ArrowDown');
    await corner.getByText('Loc 125.0 mm').waitFor({ timeout: 30_000 });

    await page.getByTestId('series-card').filter({ hasText: 'Pair' }).click();
    await index.filter({ hasText: /^Im 1\/7/ }).waitFor({ timeout: 60_000 });
    await viewerReady(page);
    await expect.poll(() => note.locator('summary').textContent(), { timeout: 30_000 }).toBe('⚠ 2 slices missing in 2 places');
    expect(await page.getByTestId('slice-gap-marks').locator('.slice-gap-mark').evaluateAll((els: { getAttribute(n: string): string | null }[]) => els.map((e) => e.getAttribute('data-after')))).toEqual(['2', '3']);
    await page.locator('.viewport canvas').click();
    const steps: [string, string][] = [
      ['g', 'Im 3/7'],
      ['g', 'Im 4/7'],
      ['g', 'Im 3/7'], // round again
      ['Shift+G', 'Im 4/7'], // round back
      ['Shift+G', 'Im 3/7'],
    ];
    for (const [key, shown] of steps) {
      await page.keyboard.press(key);
      await index.filter({ hasText: new RegExp(`^${shown}\\b`) }).waitFor({ timeout: 10_000 });
    }
    await corner.getByText('Loc 10.0 mm').waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(resultsDir(), 'slice-gap-keys-i21-pair.png') });

    await page.keyboard.press('?');
    const help = page.getByRole('dialog');
    await help.getByText('Next · previous place where slices are missing', { exact: false }).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: path.join(resultsDir(), 'slice-gap-keys-i21-help.png') });
    expect(errors).toEqual([]);
  }, 300_000);
});
