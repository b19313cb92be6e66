// The viewer says where a series has a slice missing (task E, session 20), in Debian's Chromium
// against the real engine. Two dump2dcm CT series of one study: "Gapped" at 5, 10, 15, 25, 30 mm
// (the 20 mm slice missing), "Even" at 5 … 25 mm. Opened, Gapped shows "1 slice missing between
// 15.0 and 25.0 mm" over the image and a mark across the stack slider between images 3 and 4;
// the note, clicked, explains. Even shows neither. Failed before: no note, no mark.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession, viewerReady } from '../support/browser';
import { runLumen } from '../support/cli';
import { writeGapSeries } from '../support/slice-gaps-e20';

describe('the note of slices missing from a series', () => {
  const session = useUiSession('lumen-slice-gaps-e20', async (dataDir) => {
    const src = path.join(dataDir, 'incoming');
    writeGapSeries(src, 1, [5, 10, 15, 25, 30], 'Gapped');
    writeGapSeries(src, 2, [5, 10, 15, 20, 25], 'Even');
    const imported = await runLumen(['import', src], dataDir);
    expect(imported.code, imported.stderr).toBe(0);
  });

  it('shows the gap of the gapped series on the image and the slider, and nothing for the even one', async () => {
    const { page, errors } = await openApp(session());
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 180_000 });

    await page.getByTestId('series-card').filter({ hasText: 'Gapped' }).click({ timeout: 60_000 });
    await page.getByTestId('image-index').filter({ hasText: /^Im 1\/5/ }).waitFor({ timeout: 60_000 });
    await viewerReady(page);
    const note = page.getByTestId('slice-gap-note');
    await expect.poll(() => note.locator('summary').textContent(), { timeout: 30_000 }).toBe('⚠ 1 slice missing between 15.0 and 25.0 mm');
    expect(await note.getAttribute('title')).toContain('usual spacing');
    // Its words lie within its box (before, "mm" ran out of it at this size).
    const summary = (await note.locator('summary').boundingBox())!;
    const box = (await note.boundingBox())!;
    const words = await note.locator('summary').evaluate((el: { scrollWidth: number; clientWidth: number }) => el.scrollWidth - el.clientWidth);
    expect(words).toBeLessThanOrEqual(0);
    expect(summary.x + summary.width).toBeLessThanOrEqual(box.x + box.width);

    // One mark, halfway between where the thumb's centre is at image 3 and at image 4.
    const marks = page.getByTestId('slice-gap-marks').locator('.slice-gap-mark');
    expect(await marks.count()).toBe(1);
    expect(await marks.first().getAttribute('data-after')).toBe('2');
    const slider = (await page.getByRole('slider', { name: 'Image in series' }).boundingBox())!;
    const mark = (await marks.first().boundingBox())!;
    const thumb = 16;
    const expected = slider.y + thumb / 2 + (slider.height - thumb) * (2.5 / 4);
    expect(Math.abs(mark.y + mark.height / 2 - expected)).toBeLessThan(2);
    expect(mark.x).toBeLessThanOrEqual(slider.x + slider.width / 2);
    expect(mark.x + mark.width).toBeGreaterThanOrEqual(slider.x + slider.width / 2);
    expect(await page.getByTestId('stack-marks-text').textContent()).toContain('1 slice missing between 15.0 and 25.0 mm');
    await page.screenshot({ path: path.join(resultsDir(), 'slice-gap-note-e20-gapped.png') });

    // Clicked, the note explains.
    await note.locator('summary').click();
    await note.getByText(/otherwise even: slices are missing there/).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: path.join(resultsDir(), 'slice-gap-note-e20-help.png') });

    await page.getByTestId('series-card').filter({ hasText: 'Even' }).click();
    await page.getByTestId('image-index').filter({ hasText: /^Im 1\/5/ }).waitFor({ timeout: 60_000 });
    await viewerReady(page);
    await expect.poll(() => note.count(), { timeout: 30_000 }).toBe(0);
    expect(await page.getByTestId('slice-gap-marks').count()).toBe(0);
    expect(await page.getByTestId('stack-marks-text').textContent()).not.toContain('missing');
    await page.screenshot({ path: path.join(resultsDir(), 'slice-gap-note-e20-even.png') });
    expect(errors).toEqual([]);
  }, 300_000);
});
