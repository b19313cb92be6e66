// Ultrasound calibration by the Sequence of Ultrasound Regions (0018,6011; PS3.3 C.8.5.5), on US
// files written by dcmtk's dump2dcm (one rewritten by GDCM in implicit VR): a length, angle or
// region whose points all lie in one region measuring in cm reads mm from that region's Physical
// Delta X/Y; one that crosses regions, lies outside them, or lies in a region that cannot measure
// (units not cm, a delta of 0, negative or not a number, the region outside the image, overlapping
// regions whose deltas differ) reads pixels and says why. Never a wrong mm number.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDicomFile } from '../../electron/dicom/parse';
import { viewerFrameOf } from '../../electron/dicom/viewer-frame';
import { ViewerFrame } from '../../common/contract/library';
import { angleDegrees, calibrationAt, calibrationSummary, lengthReading } from '../../common/roi';
import { writeUs, type RegionLines } from './us-regions-fixture';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-us-regions-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const COLUMNS = 160;
const ROWS = 120;
/** Two side-by-side 2D regions: the left 0.02 × 0.03 cm per pixel, the right 0.05 × 0.05. */
const LEFT: RegionLines = { x0: 0, y0: 0, x1: 79, y1: 119, deltaX: 0.02, deltaY: 0.03 };
const RIGHT: RegionLines = { x0: 80, y0: 0, x1: 159, y1: 119, deltaX: 0.05, deltaY: 0.05 };

async function frameOf(name: string, regions: RegionLines[], extra: { aspect?: string; lines?: string[] } = {}) {
  const file = writeUs(dir, name, { columns: COLUMNS, rows: ROWS, regions, ...extra });
  return frameOfFile(file);
}

async function frameOfFile(file: string) {
  const parsed = await parseDicomFile(file);
  return { meta: parsed.meta, loaded: ViewerFrame.parse(await viewerFrameOf(parsed, 0)) };
}

type P = [number, number];
/** A length's reading on the frame, as the viewer labels and lists it. */
const length = (a: P, b: P) => [a, b];
const reading = (points: P[], frame: ViewerFrame) => lengthReading(points, frame);

describe('the Sequence of Ultrasound Regions', () => {
  it('is read item by item as written, in explicit VR and in a file GDCM rewrote in implicit VR', async () => {
    const made = writeUs(dir, 'two-regions', { columns: COLUMNS, rows: ROWS, regions: [LEFT, RIGHT] });
    const implicit = join(dir, 'two-regions-implicit.dcm');
    execFileSync('gdcmconv', ['--implicit', made, implicit], { stdio: 'pipe' });
    expect(execFileSync('dcmdump', ['+P', '0018,602c', implicit]).toString()).toContain('0.05');
    for (const file of [made, implicit]) {
      const { meta, loaded } = await frameOfFile(file);
      expect(meta.pixelSpacing).toBeUndefined();
      expect(loaded.usRegions).toEqual([
        { x0: 0, y0: 0, x1: 79, y1: 119, unitsX: 3, unitsY: 3, deltaX: 0.02, deltaY: 0.03, spatialFormat: 1 },
        { x0: 80, y0: 0, x1: 159, y1: 119, unitsX: 3, unitsY: 3, deltaX: 0.05, deltaY: 0.05, spatialFormat: 1 },
      ]);
      expect(calibrationSummary(loaded)).toBe('calibrated by 2 US regions');
    }
  });

  it("measures a length inside one region with that region's deltas, in mm", async () => {
    const { loaded } = await frameOf('lengths', [LEFT, RIGHT]);
    // 30 columns × 0.2 mm and 40 rows × 0.3 mm in the left region.
    expect(reading(length([10, 10], [40, 50]), loaded)).toBe(`${Math.hypot(30 * 0.2, 40 * 0.3).toFixed(1)} mm (US region 1)`);
    expect(reading(length([10, 10], [40, 50]), loaded)).toBe('13.4 mm (US region 1)');
    // The same pixels in the right region: 0.5 mm both ways.
    expect(reading(length([90, 10], [120, 50]), loaded)).toBe('25.0 mm (US region 2)');
    // A rectangle's corners and an angle's points use the region too (mm per row, per column).
    expect(calibrationAt([[90, 10], [110, 30]], loaded)).toEqual({ unit: 'mm', spacing: [0.5, 0.5], kind: 'us-region', region: 2 });
    const angle = calibrationAt([[40, 10], [10, 10], [40, 40]], loaded);
    expect(angle).toEqual({ unit: 'mm', spacing: [0.3, 0.2], kind: 'us-region', region: 1 });
    // 45° in pixels, but the left region's rows are 1.5 times its columns.
    expect(angleDegrees([40, 10], [10, 10], [40, 40], angle.spacing)).toBeCloseTo((Math.atan2(30 * 0.3, 30 * 0.2) * 180) / Math.PI, 9);
  });

  it('measures in pixels, saying why, a length that crosses regions or lies outside them', async () => {
    const { loaded } = await frameOf('crossing', [LEFT, { ...RIGHT, x0: 100 }]);
    expect(reading(length([10, 10], [90, 10]), loaded)).toBe('80.0 px (runs out of US region 1)');
    expect(reading(length([10, 10], [120, 10]), loaded)).toBe('110.0 px (crosses US regions 1 and 2)');
    // Columns 80..99 lie in no region.
    expect(reading(length([85, 10], [95, 10]), loaded)).toBe('10.0 px (outside any US region)');
    expect(calibrationAt([[70, 10], [90, 30]], loaded)).toEqual({ unit: 'px', spacing: [1, 1], why: 'runs out of US region 1', aspect: null });
  });

  it('measures nothing in mm with a region that cannot measure, and says which and why', async () => {
    const cases: [string, RegionLines, string][] = [
      ['zero-delta', { ...LEFT, deltaX: 0 }, 'its Physical Delta X is 0'],
      ['negative-delta', { ...LEFT, deltaY: -0.03 }, 'its Physical Delta Y is -0.03'],
      ['nan-delta', { ...LEFT, deltaX: 'nan' }, 'its Physical Delta X is missing or not a number'],
      ['missing-delta', { ...LEFT, deltaY: null }, 'its Physical Delta Y is missing or not a number'],
      ['seconds', { ...LEFT, unitsX: 4 }, 'its units are not cm'],
      ['outside-image', { ...LEFT, x1: COLUMNS + 40 }, `it reaches outside the ${COLUMNS}×${ROWS} image`],
      ['reversed', { ...LEFT, x0: 79, x1: 0 }, 'its corners are out of order'],
      ['no-location', { ...LEFT, y1: null }, 'its location is incomplete'],
    ];
    for (const [name, region, why] of cases) {
      const { loaded } = await frameOf(name, [region]);
      // Inside the region as written (a reversed one holds no point).
      const text = reading(length([10, 10], [40, 50]), loaded);
      if (name === 'reversed' || name === 'no-location') expect(text, name).toBe('50.0 px (outside any US region)');
      else expect(text, name).toBe(`50.0 px (US region 1 not calibrated: ${why})`);
      expect(text, name).not.toMatch(/mm/);
      expect(calibrationSummary(loaded), name).toBe('no calibrated US region');
    }
  });

  it('measures in overlapping regions only where their deltas agree', async () => {
    // A flow region inside the tissue region with the same deltas: mm.
    const same = await frameOf('overlap-same', [LEFT, { ...LEFT, x0: 20, y0: 20, x1: 60, y1: 80 }]);
    expect(reading(length([30, 30], [50, 70]), same.loaded)).toBe(`${Math.hypot(20 * 0.2, 40 * 0.3).toFixed(1)} mm (US region 1)`);
    // Different deltas over the same pixels: no mm number can be right.
    const differ = await frameOf('overlap-differ', [LEFT, { ...LEFT, x0: 20, y0: 20, x1: 60, y1: 80, deltaX: 0.04 }]);
    expect(reading(length([30, 30], [50, 70]), differ.loaded)).toBe('44.7 px (in US regions 1 and 2, whose scales differ)');
    // Outside the inner region, the outer one alone holds the points.
    expect(reading(length([5, 5], [15, 5]), differ.loaded)).toBe('2.0 mm (US region 1)');
  });

  it('reads at most 64 regions of a file that claims more, and keeps a region past the image out of use', async () => {
    const many = Array.from({ length: 100 }, (_, i): RegionLines => ({ x0: i, y0: 0, x1: i, y1: 0, deltaX: 0.01, deltaY: 0.01 }));
    const { loaded } = await frameOf('many-regions', many);
    expect(loaded.usRegions).toHaveLength(64);
    const huge = await frameOf('huge-region', [{ ...LEFT, x1: 4294967295 }]);
    expect(huge.loaded.usRegions?.[0].x1).toBe(4294967295);
    expect(reading(length([10, 10], [40, 50]), huge.loaded)).toBe(`50.0 px (US region 1 not calibrated: it reaches outside the ${COLUMNS}×${ROWS} image)`);
  });

  it('leaves Pixel Spacing first where a US file has both', async () => {
    const { loaded } = await frameOf('with-spacing', [LEFT], { lines: ['(0028,0030) DS [0.1\\0.1]'] });
    expect(reading(length([10, 10], [40, 50]), loaded)).toBe('5.0 mm');
    expect(calibrationSummary(loaded)).toBeNull();
  });
});
