// Which frames of a multi-frame file carry a label of their own, at a glance (session 15 L1), in
// Debian's Chromium against the real bridge and engine: a 6-frame file made by the test writer.
// Shift+digit on frames 2, 4 and 5 puts a mark beside the stack slider at each, coloured by class,
// and the slider's description says "Labels on frames 2, 4, 5 of 6: …"; Undo takes frame 5's mark
// away; Full stop and Comma go to the next and previous labelled frame (going round); Help lists them.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession, viewerReady } from '../support/browser';
import { writeSixFrameMr } from './six-frame-mr';

const BASE = '1.2.826.0.1.3680043.10.1.781';

describe('marks of labelled frames on the stack slider', () => {
  let incoming = '';
  const session = useUiSession('lumen-frame-label-marks', (dataDir) => {
    incoming = path.join(dataDir, 'incoming');
    mkdirSync(incoming, { recursive: true });
    writeSixFrameMr(incoming, BASE);
  });

  it('marks the frames Shift+digit labels, follows undo, and steps between them with Full stop and Comma', async () => {
    const { page, errors } = await openApp(session());
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Import a folder or file').fill(incoming);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '6 images' }).waitFor({ timeout: 60_000 });
    await page.getByRole('tab', { name: 'Training' }).click();
    const panel = page.getByRole('tabpanel', { name: 'Training' });
    const current = panel.getByText(/^Current:/);
    const text = page.getByTestId('stack-marks-text');
    const marks = () =>
      page
        .getByTestId('stack-marks')
        .locator('.stack-mark')
        .evaluateAll((els) => {
          // No DOM types here (tsconfig.node.json): the page's own, as far as this reads them.
          type El = { getAttribute(name: string): string | null };
          const win = globalThis as unknown as { getComputedStyle(el: El): { backgroundColor: string } };
          return (els as unknown as El[]).map((e) => ({ index: Number(e.getAttribute('data-index')), className: e.getAttribute('data-class'), colour: win.getComputedStyle(e).backgroundColor }));
        });
    const index = page.getByTestId('image-index');
    const go = async (n: number) => {
      await page.getByTestId('viewport').focus();
      await page.keyboard.press('Home');
      for (let i = 1; i < n; i++) await page.keyboard.press('ArrowDown');
      await index.filter({ hasText: `Im ${n}/6` }).waitFor({ timeout: 60_000 });
      await viewerReady(page);
    };

    await page.locator('body').click({ position: { x: 640, y: 5 } });
    await page.keyboard.press('u');
    await viewerReady(page);
    await text.filter({ hasText: 'No frame has its own label.' }).waitFor({ timeout: 60_000 });
    expect(await marks()).toEqual([]);

    await go(2);
    await page.keyboard.press('Shift+Digit2');
    await current.filter({ hasText: 'Current: abnormal (frame 2)' }).waitFor();
    await go(4);
    await page.keyboard.press('Shift+Digit1');
    await current.filter({ hasText: 'Current: normal (frame 4)' }).waitFor();
    await go(5);
    await page.keyboard.press('Shift+Digit2');
    await current.filter({ hasText: 'Current: abnormal (frame 5)' }).waitFor();
    await text.filter({ hasText: 'Labels on frames 2, 4, 5 of 6: abnormal 2, 5; normal 4.' }).waitFor({ timeout: 30_000 });
    // One colour per class (which colour each key's class gets: test/renderer/frame-label-marks.test.ts).
    const three = await marks();
    expect(three.map((m) => [m.index, m.className])).toEqual([[1, 'abnormal'], [3, 'normal'], [4, 'abnormal']]);
    expect(three[0].colour).toBe(three[2].colour);
    expect(three[1].colour).not.toBe(three[0].colour);
    expect(three[0].colour).toMatch(/^rgb\(/);
    // The slider's accessible description is that sentence.
    const slider = page.getByRole('slider', { name: 'Image in series' });
    const describedBy = await slider.getAttribute('aria-describedby');
    expect(describedBy).toBeTruthy();
    expect(await page.locator(`[id="${describedBy}"]`).textContent()).toBe('Labels on frames 2, 4, 5 of 6: abnormal 2, 5; normal 4.');
    // Each mark is level with the slider's thumb when that frame is shown (within 3 px).
    const thumbAt = async (n: number) => {
      await go(n);
      const box = (await slider.boundingBox())!;
      const mark = (await page.locator(`.stack-mark[data-index="${n - 1}"]`).boundingBox())!;
      // The thumb's centre: the track less half a thumb at each end, as a range input draws it.
      const thumb = 16;
      return { mark: mark.y + mark.height / 2, thumb: box.y + thumb / 2 + ((box.height - thumb) * (n - 1)) / 5 };
    };
    for (const n of [2, 5]) {
      const { mark, thumb } = await thumbAt(n);
      expect(Math.abs(mark - thumb)).toBeLessThanOrEqual(3);
    }
    await page.screenshot({ path: path.join(resultsDir(), 'frame-label-marks.png') });
    await page.locator('.viewport').screenshot({ path: path.join(resultsDir(), 'frame-label-marks-viewport.png') });

    // Undo the last change: frame 5's mark goes.
    await panel.getByRole('button', { name: 'Undo label change' }).click();
    await text.filter({ hasText: 'Labels on frames 2, 4 of 6: abnormal 2; normal 4.' }).waitFor({ timeout: 30_000 });
    expect(await marks()).toEqual(three.slice(0, 2));

    // Full stop: the next labelled frame; Comma: the previous; both go round.
    await go(1);
    const step = async (key: string, n: number) => {
      await page.keyboard.press(key);
      await index.filter({ hasText: `Im ${n}/6` }).waitFor({ timeout: 30_000 });
    };
    await step('.', 2);
    await step('.', 4);
    await step('.', 2);
    await step(',', 4);
    await step(',', 2);

    // Help lists the keys.
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.getByRole('row').filter({ hasText: 'Previous · next image with a label of its own' }).filter({ hasText: 'Full stop' }).waitFor();
    await page.keyboard.press('Escape');
    expect(errors).toEqual([]);
  });
});
