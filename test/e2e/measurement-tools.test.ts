// Measurement tools beyond length (issue #16, point 4): in Debian's Chromium against the real
// engine, a CT at 0.7 mm with a rectangle and an ellipse region, an angle and a probe drawn
// with their keys (B, E, N, V). The list shows each with its values in HU; they are checked
// against numbers computed here from the fixture's own pixels at the points the library kept.
// Screenshot: test-results/measurement-tools.png.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Measurement } from '../../common/contract/measurements';
import { ctImageSpec } from '../support/dicom/ct-image';
import { ctSlice } from '../support/dicom/phantom';
import { writeImage } from '../support/dicom/write';
import { importOneImageAndOpen, openApp, resultsDir, useUiSession } from '../support/browser';

const UID = '1.2.826.0.1.3680043.10.99.91';
const SIZE = 128;
const SPACING = 0.7;
// ctSlice gives values in HU already: stored = HU, intercept 0, as the length test's CT.
const INTERCEPT = 0;
const stored = ctSlice(SIZE, SIZE, 77, 15);
const hu = Array.from(stored, (v) => v + INTERCEPT);

/** Pixels whose centres satisfy `inside`, by brute force, with their mean, SD, min and max. */
function region(inside: (x: number, y: number) => boolean) {
  const v: number[] = [];
  for (let i = 0; i < SIZE * SIZE; i++) if (inside((i % SIZE) + 0.5, Math.floor(i / SIZE) + 0.5)) v.push(hu[i]);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return { mean, sd: Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length), min: Math.min(...v), max: Math.max(...v) };
}

/** "Area 12.3 mm² · mean 40.2 · SD 5.1 · min 20 · max 61 HU" as numbers. */
function readRegion(text: string) {
  const m = /Area ([\d.]+) mm² · mean (-?[\d.]+) · SD ([\d.]+) · min (-?[\d.]+) · max (-?[\d.]+) HU/.exec(text);
  expect(m, text).not.toBeNull();
  const [area, mean, sd, min, max] = m!.slice(1).map(Number);
  return { area, mean, sd, min, max };
}

describe('measurement tools', () => {
  const session = useUiSession('lumen-measure-tools', (dataDir) => {
    const dir = path.join(dataDir, 'incoming');
    mkdirSync(dir, { recursive: true });
    writeImage(path.join(dir, 'ct.dcm'), ctImageSpec(SIZE, stored, { 0x00280030: { vr: 'DS', value: [SPACING, SPACING] } }, { rescaleIntercept: INTERCEPT, uid: UID }));
  });

  it('rectangle, ellipse, angle and probe: drawn by key, listed with values that match the pixels', async () => {
    const { dataDir, host } = session();
    const { page, errors } = await openApp(session());
    await importOneImageAndOpen(page, path.join(dataDir, 'incoming'));
    const canvas = page.getByTestId('viewport');
    const b = (await canvas.boundingBox())!;
    const [cx, cy] = [b.x + b.width / 2, b.y + b.height / 2];
    const dragWith = async (key: string, from: [number, number], to: [number, number]) => {
      await canvas.focus();
      await page.keyboard.press(key);
      await page.mouse.move(cx + from[0], cy + from[1]);
      await page.mouse.down();
      await page.mouse.move(cx + to[0], cy + to[1], { steps: 5 });
      await page.mouse.up();
    };
    await dragWith('b', [-150, -120], [-40, -20]);
    await dragWith('e', [20, 20], [160, 120]);
    // The angle: one arm to the vertex, then the other arm from it.
    await dragWith('n', [-160, 120], [-60, 160]);
    await page.mouse.move(cx - 60, cy + 160);
    await page.mouse.down();
    await page.mouse.move(cx + 10, cy + 100, { steps: 5 });
    await page.mouse.up();
    await canvas.focus();
    await page.keyboard.press('v');
    await page.mouse.click(cx + 5, cy - 70);

    const list = page.getByTestId('measurements');
    await expect.poll(async () => (await list.locator('.measure-pick').allTextContents()).length, { timeout: 20_000 }).toBe(4);
    const rows = await list.locator('.measure-pick').allTextContents();
    await canvas.screenshot({ path: path.join(resultsDir(), 'measurement-tools.png') });
    await page.screenshot({ path: path.join(resultsDir(), 'measurement-tools-page.png') });

    const reply = await host.request('measurements.list', { seriesInstanceUid: `${UID}.2` });
    expect(reply.ok).toBe(true);
    const kept = (reply.ok ? reply.value : []) as Measurement[];
    expect(kept.map((m) => m.kind)).toEqual(['rectangle', 'ellipse', 'angle', 'probe']);
    const [rect, ellipse, angle, probe] = kept;

    // Rectangle: every pixel centre inside the box.
    const [[ax, ay], [bx, by]] = rect.points;
    const r = region((x, y) => x >= Math.min(ax, bx) && x <= Math.max(ax, bx) && y >= Math.min(ay, by) && y <= Math.max(ay, by));
    const shownR = readRegion(rows[0]);
    expect(rows[0]).toMatch(/^Rectangle 1: /);
    expect(shownR.area).toBeCloseTo(Math.abs(bx - ax) * Math.abs(by - ay) * SPACING * SPACING, 1);
    expect(shownR.mean).toBeCloseTo(r.mean, 0);
    expect(shownR.sd).toBeCloseTo(r.sd, 0);
    expect([shownR.min, shownR.max]).toEqual([r.min, r.max]);

    // Ellipse: (x - cx)²/rx² + (y - cy)²/ry² <= 1.
    const [[ex0, ey0], [ex1, ey1]] = ellipse.points;
    const [ecx, ecy, rx, ry] = [(ex0 + ex1) / 2, (ey0 + ey1) / 2, Math.abs(ex1 - ex0) / 2, Math.abs(ey1 - ey0) / 2];
    const e = region((x, y) => ((x - ecx) / rx) ** 2 + ((y - ecy) / ry) ** 2 <= 1);
    const shownE = readRegion(rows[1]);
    expect(rows[1]).toMatch(/^Ellipse 1: /);
    expect(shownE.area).toBeCloseTo(Math.PI * rx * ry * SPACING * SPACING, 1);
    expect(shownE.mean).toBeCloseTo(e.mean, 0);
    expect(shownE.sd).toBeCloseTo(e.sd, 0);
    expect([shownE.min, shownE.max]).toEqual([e.min, e.max]);

    // Angle at the vertex (square pixels: image space is mm space).
    const [p, v, q] = angle.points;
    const deg = (Math.acos(((p[0] - v[0]) * (q[0] - v[0]) + (p[1] - v[1]) * (q[1] - v[1])) / (Math.hypot(p[0] - v[0], p[1] - v[1]) * Math.hypot(q[0] - v[0], q[1] - v[1]))) * 180) / Math.PI;
    expect(rows[2]).toBe(`Angle 1: ${deg.toFixed(1)}°`);

    // Probe: the HU of the pixel it fell in.
    const [px, py] = probe.points[0].map(Math.floor);
    expect(rows[3]).toBe(`Probe 1: (${px}, ${py}) ${hu[py * SIZE + px]} HU`);
    expect(errors).toEqual([]);
  });
});
