// The Results section's Score column (s14 F1, F3), in the app at 1280x800 (real bridge and engine,
// Debian's Chromium): Lumen's own exports of a real library (predictions, a length, an ellipse, a
// probe on the CT) and another AI's report made by dcmtk's dump2dcm (test/results/other-sr.ts),
// imported through the app's import form. A percentage only for probabilities; a count, a ratio
// and a probe's pixel value read as plain numbers; a value and its unit never broken apart. A
// finding is a sentence: it wraps at its spaces, and a word is broken only where it alone is
// wider than the Finding column (s14: "Cardiothora / cic ratio"), at 1280x800 and 1024x700.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportResults } from '../../electron/results/export';
import { MODEL_HASH, MODEL_META, PATIENT_A, resultsLibrary } from '../results/fixtures';
import { writeOtherAiSr } from '../results/other-sr';
import type { Locator } from 'playwright-core';
import { openApp, resultsDir, useUiSession } from '../support/browser';

/**
 * Each word of each Finding cell: whether it was broken across lines (its text's line boxes),
 * its width laid out (the sum of its pieces) and the room the cell gives a line (its width less
 * its padding).
 */
async function findingWords(section: Locator) {
  return section.locator('[data-testid="result-finding"] td:first-child').evaluateAll((tds) => {
    const doc = (globalThis as any).document;
    const out: { word: string; broken: boolean; width: number; room: number }[] = [];
    for (const td of tds as any[]) {
      const style = (globalThis as any).getComputedStyle(td);
      const room = td.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      const walker = doc.createTreeWalker(td, 4 /* NodeFilter.SHOW_TEXT */);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const m of (node.textContent as string).matchAll(/\S+/g)) {
          const range = doc.createRange();
          range.setStart(node, m.index);
          range.setEnd(node, m.index + m[0].length);
          const rects = Array.from(range.getClientRects() as ArrayLike<{ top: number; width: number }>).filter((r) => r.width > 0);
          out.push({ word: m[0], broken: new Set(rects.map((r) => Math.round(r.top))).size > 1, width: rects.reduce((w, r) => w + r.width, 0), room });
        }
      }
    }
    return out;
  });
}

describe('scores in the Results section', () => {
  const session = useUiSession('lumen-result-scores', async (dataDir) => {
    const lib = await resultsLibrary('e2e-result-scores', path.join(dataDir, 'library'));
    try {
      const images = lib.library.listInstances(PATIENT_A.seriesUid);
      lib.library.saveMeasurement({ id: 'm-probe-1', seriesInstanceUid: PATIENT_A.seriesUid, sopInstanceUid: images[2].sopInstanceUid, frame: 0, kind: 'probe', points: [[3.5, 4.5]], createdAt: '2026-01-01T00:00:02Z' });
      lib.library.saveMeasurement({ id: 'm-ellipse-1', seriesInstanceUid: PATIENT_A.seriesUid, sopInstanceUid: images[2].sopInstanceUid, frame: 0, kind: 'ellipse', points: [[1, 1], [7, 6]], createdAt: '2026-01-01T00:00:03Z' });
      const out = path.join(dataDir, 'incoming', 'results');
      await exportResults(lib.library, { uid: PATIENT_A.seriesUid, model: { name: MODEL_META.name, packageHash: MODEL_HASH, variant: MODEL_META.variant, version: '0.1.0' }, out });
      writeOtherAiSr(path.join(out, 'other-ai.dcm'), { studyInstanceUid: PATIENT_A.studyUid, seriesInstanceUid: `${PATIENT_A.studyUid}.77`, sopInstanceUid: `${PATIENT_A.studyUid}.77.1`, patientName: PATIENT_A.patientName, patientId: PATIENT_A.patientId });
    } finally {
      lib.library.close();
    }
  });

  it('shows probabilities as percentages, other values as numbers with their units on one line', async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 90_000 });
    await page.getByTestId('series-card').first().click({ timeout: 60_000 });
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/5' }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Import a folder or file').fill(path.join(dataDir, 'incoming', 'results'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '3 result documents imported' }).waitFor({ timeout: 60_000 });

    const section = page.getByRole('region', { name: 'Results' });
    const rows = section.getByTestId('result-finding');
    await rows.filter({ hasText: 'Number of nodules' }).waitFor({ timeout: 30_000 });
    // Each row's cells as their text (textContent: a no-break space stays one).
    type El = { textContent: string | null; querySelectorAll(s: string): ArrayLike<El> };
    const cells = await rows.evaluateAll((trs) => (trs as unknown as El[]).map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? '')));
    const score = (finding: string) => cells.filter((c) => c[0] === finding).map((c) => c[1]);

    // Lumen's predictions: "<class> probability", percentages.
    expect(score('normal').sort()).toEqual(['100.0%', '60.0%', '70.0%', '80.0%', '90.0%']);
    // Another AI's count and ratio in UCUM "1": plain numbers; its probability of cancer: a percentage.
    expect(score('Number of nodules')).toEqual(['3']);
    expect(score('Cardiothoracic ratio')).toEqual(['0.52']);
    expect(score('Nodule: Probability of cancer')).toEqual(['85.0%']);
    // Lumen's probe on the CT: its pixel value in HU, not "0.0%"; the length and the ellipse's area in mm, mm².
    expect(score('Attenuation Coefficient')).toEqual([expect.stringMatching(/^-?\d+(\.\d+)?\u00a0HU$/)]);
    expect(score('Length')).toEqual([expect.stringMatching(/^\d+(\.\d+)?\u00a0mm$/)]);
    expect(score('Area')).toEqual([expect.stringMatching(/^\d+(\.\d+)?\u00a0mm²$/)]);
    expect(cells.some((c) => c[1].includes('%') && !/^\d+\.\d%$/.test(c[1]))).toBe(false);

    await section.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(resultsDir(), 'result-scores.png') });
    await section.screenshot({ path: path.join(resultsDir(), 'result-scores-section.png') });
    await rows.filter({ hasText: 'Cardiothoracic ratio' }).scrollIntoViewIfNeeded();
    await section.screenshot({ path: path.join(resultsDir(), 'result-scores-other-ai.png') });
    // Every score on one line (its text's line boxes, whatever the row's height), and nothing cut off.
    type Cell = { textContent: string | null; scrollWidth: number; clientWidth: number };
    const lines = await section.locator('td.num').evaluateAll((tds) =>
      (tds as unknown as Cell[])
        .filter((td) => td.textContent)
        .map((td) => {
          const range = (globalThis as any).document.createRange();
          range.selectNodeContents(td);
          const tops = new Set(Array.from(range.getClientRects() as ArrayLike<{ top: number }>, (r) => Math.round(r.top)));
          return { text: td.textContent, lines: tops.size, cut: td.scrollWidth > td.clientWidth };
        }),
    );
    expect(lines.length).toBe(cells.filter((c) => c[1]).length);
    for (const l of lines) expect(l, String(l.text)).toMatchObject({ lines: 1, cut: false });

    // The Finding column: words whole, at the app's usual size and a smaller window.
    for (const [width, height] of [[1280, 800], [1024, 700]] as const) {
      await page.setViewportSize({ width, height });
      await rows.filter({ hasText: 'Cardiothoracic ratio' }).scrollIntoViewIfNeeded();
      await section.screenshot({ path: path.join(resultsDir(), `result-scores-findings-${width}x${height}.png`) });
      const words = await findingWords(section);
      expect(words.map((w) => w.word)).toContain('Cardiothoracic');
      // A typical word fits the column whole; only a word wider than the column alone would be broken.
      for (const w of words) expect(w.broken && w.width <= w.room + 0.5, `${width}x${height}: "${w.word}" broken, ${w.width.toFixed(1)} px in ${w.room.toFixed(1)} px`).toBe(false);
      // The column is wide enough for a typical word: none of up to 14 letters ("Cardiothoracic") is broken.
      expect(words.filter((w) => w.broken && w.word.length <= 14), `${width}x${height}`).toEqual([]);
      // A longer one is broken rather than cut off.
      const cut = await section.locator('[data-testid="result-finding"] td:first-child').evaluateAll((tds) => (tds as unknown as { textContent: string; scrollWidth: number; clientWidth: number }[]).filter((td) => td.scrollWidth > td.clientWidth).map((td) => td.textContent));
      expect(cut, `${width}x${height}`).toEqual([]);
    }
    expect(errors).toEqual([]);
  }, 240_000);
});
