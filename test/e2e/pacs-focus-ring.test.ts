// The PACS tab's result list, a study focused by keyboard, at 1280×800 and 1024×700, against a
// real Orthanc (DIMSE), through the real bridge, engine and Debian's Chromium: the focus ring is
// what changes on screen between the row focused and not (pixel by pixel), and none of it may
// touch or cross the study's Retrieve button (it used to run along the button's right edge).
// Screenshots: test-results/pacs-focus-ring-*.png.
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { usePacsFixture } from '../pacs/support';

const pacs = usePacsFixture('e2e-pacs-focus', {
  receiver: true,
  studies: [
    { key: 1301, patientId: 'PID-FOCUS-1', patientName: 'Focus^Fiona', accession: 'ACC-FOCUS-1', studyDate: '20240301', modality: 'CT', seriesCount: 1, perSeries: 1 },
    { key: 1302, patientId: 'PID-FOCUS-2', patientName: 'Focus^Frank', accession: 'ACC-FOCUS-2', studyDate: '20240302', modality: 'CT', seriesCount: 2, perSeries: 1 },
  ],
});

/** Pixels (x, y in the picture) where two screenshots of the same box differ visibly. */
function changed(a: Buffer, b: Buffer): { x: number; y: number }[] {
  const pa = PNG.sync.read(a);
  const pb = PNG.sync.read(b);
  expect([pa.width, pa.height]).toEqual([pb.width, pb.height]);
  const out: { x: number; y: number }[] = [];
  for (let y = 0; y < pa.height; y++) {
    for (let x = 0; x < pa.width; x++) {
      const i = (y * pa.width + x) * 4;
      const d = Math.max(Math.abs(pa.data[i] - pb.data[i]), Math.abs(pa.data[i + 1] - pb.data[i + 1]), Math.abs(pa.data[i + 2] - pb.data[i + 2]));
      if (d > 24) out.push({ x, y });
    }
  }
  return out;
}

describe('a focused PACS study', () => {
  const session = useUiSession('lumen-e2e-pacs-focus', (dataDir) => {
    const connection = { name: 'archive', kind: 'dimse', calledAet: pacs.orthanc.aet, host: '127.0.0.1', port: pacs.orthanc.dicomPort, callingAet: 'LUMEN' };
    fs.writeFileSync(path.join(dataDir, 'pacs.json'), JSON.stringify({ version: 1, connections: [connection] }), { mode: 0o600 });
  });

  for (const [width, height] of [
    [1280, 800],
    [1024, 700],
  ] as const) {
    it(`at ${width}×${height} its focus ring keeps clear of its Retrieve button`, async () => {
      const { page, errors } = await openApp(session());
      await page.setViewportSize({ width, height });
      await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 90_000 });
      await page.getByRole('tab', { name: 'PACS' }).click();
      const form = page.getByRole('form', { name: 'Query a PACS' });
      await form.getByLabel('Patient name').fill('Focus*');
      await form.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('status').filter({ hasText: '2 studies on archive' }).waitFor({ timeout: 60_000 });
      await page.mouse.move(width - 1, height - 1);

      const study = page.getByTestId('pacs-study').first();
      const head = page.locator('.pacs-study-head[data-row="0"]');
      const button = study.getByRole('button', { name: /^Retrieve the study of / });
      // By keyboard, as a user reaches it: a key, then the row focused (as the list's own keys do).
      await page.keyboard.press('Shift');
      await head.focus();
      expect(await head.evaluate((el) => (el as unknown as { matches(selector: string): boolean }).matches(':focus-visible'))).toBe(true);
      await page.waitForTimeout(200);

      const box = (await study.boundingBox())!;
      const clip = { x: Math.max(0, box.x - 4), y: Math.max(0, box.y - 4), width: box.width + 8, height: box.height + 8 };
      const focused = await page.screenshot({ clip });
      await page.screenshot({ path: path.join(resultsDir(), `pacs-focus-ring-${width}x${height}.png`) });
      await page.screenshot({ path: path.join(resultsDir(), `pacs-focus-ring-${width}x${height}-row.png`), clip, scale: 'css' });
      const b = (await button.boundingBox())!;
      await head.evaluate((el) => (el as unknown as { blur(): void }).blur());
      await page.waitForTimeout(200);
      const plain = await page.screenshot({ clip });

      const ring = changed(focused, plain);
      // There is a ring to see (on a display of any scale).
      expect(ring.length, 'pixels the focus ring changes').toBeGreaterThan(50);
      const scale = PNG.sync.read(focused).width / clip.width;
      // The button, and one CSS pixel round it: nothing of the ring there.
      const near = { left: (b.x - clip.x - 1) * scale, top: (b.y - clip.y - 1) * scale, right: (b.x + b.width - clip.x + 1) * scale, bottom: (b.y + b.height - clip.y + 1) * scale };
      const touching = ring.filter((p) => p.x >= near.left && p.x < near.right && p.y >= near.top && p.y < near.bottom);
      expect(touching.slice(0, 5), `ring pixels on or next to the Retrieve button (${touching.length})`).toEqual([]);
      expect(errors).toEqual([]);
    }, 180_000);
  }
});
