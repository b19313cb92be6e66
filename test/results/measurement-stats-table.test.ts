// The measurements table carries a region's statistics (s14 F8): an ellipse's or rectangle's row
// of `lumen export --csv measurements` (and --json, and Export results… > A table) has the mean,
// SD, minimum and maximum the viewer lists and the SR carries, in columns appended after the old
// ones (mean, sd, min, max, statsUnit), empty where the row is no region or the region has no
// statistics (only padding inside, outside the image, on colour). Images by dcmtk's dump2dcm and
// img2dcm with known stored values; the expected figures are computed here from those values.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { exportResults } from '../../electron/results/export';
import { bmp24 } from '../support/bmp';
import { runLumen } from '../support/cli';
import { dumpItem as item, dumpSequence as seq, writeDump2dcm } from '../support/dicom/dump2dcm';
import { dsrdump } from './check';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-measurement-stats-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ROWS = 24;
const COLUMNS = 32;
const STUDY = '1.2.826.0.1.3680043.10.89.91';
const CT = { series: `${STUDY}.1`, sop: `${STUDY}.1.1` };
const MR = { series: `${STUDY}.2`, sop: `${STUDY}.2.1` };
const RGB = { series: `${STUDY}.3`, sop: `${STUDY}.3.1` };
const ENH = { series: `${STUDY}.4`, sop: `${STUDY}.4.1` };
/** The CT's Rescale Slope and Intercept: HU = stored * 0.5 - 1024. */
const SLOPE = 0.5;
const INTERCEPT = -1024;
/** Pixel Padding Value: stored 0, in the CT's top left 6 x 4 pixels. */
const isPad = (r: number, c: number) => r < 4 && c < 6;
const stored = (r: number, c: number) => (isPad(r, c) ? 0 : ((r * 13 + c * 7) % 97) + 900);
/** The Enhanced CT's frames: their own Rescale Intercept, and their stored values. */
const FRAMES = [-1024, -1000] as const;
const storedOf = (f: number, r: number, c: number) => ((r * 5 + c * 11 + 37 * f) % 150) + 1000;

type P = [number, number];

/**
 * Statistics of the pixels whose centres lie in the region, padding left out, from the values
 * written (the viewer's rule, common/roi.ts: pixel (c, r) covers [c, c+1) x [r, r+1)); null where none.
 */
function expected(kind: 'ellipse' | 'rectangle', [a, b]: [P, P], value: (r: number, c: number) => number | null) {
  const [x0, x1, y0, y1] = [Math.min(a[0], b[0]), Math.max(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[1], b[1])];
  const vs: number[] = [];
  for (let r = 0; r < ROWS; r++) {
    for (let c = 0; c < COLUMNS; c++) {
      const [x, y] = [c + 0.5, r + 0.5];
      const inside = kind === 'rectangle' ? x >= x0 && x <= x1 && y >= y0 && y <= y1 : ((x - (x0 + x1) / 2) / ((x1 - x0) / 2)) ** 2 + ((y - (y0 + y1) / 2) / ((y1 - y0) / 2)) ** 2 <= 1;
      const v = inside ? value(r, c) : null;
      if (v !== null) vs.push(v);
    }
  }
  if (!vs.length) return null;
  const mean = vs.reduce((s, v) => s + v, 0) / vs.length;
  const sd = Math.sqrt(vs.reduce((s, v) => s + (v - mean) ** 2, 0) / vs.length);
  return { n: vs.length, mean, sd, min: Math.min(...vs), max: Math.max(...vs) };
}

const common = (series: string) => ['(0010,0010) PN [Stats^Test]', '(0010,0020) LO [STATS1]', `(0020,000d) UI [${STUDY}]`, `(0020,000e) UI [${series}]`, '(0020,0013) IS [1]', '(0028,0030) DS [0.5\\0.5]'];

function writeImages(input: string) {
  // dump2dcm's dumps and raw pixels beside the folder imported.
  const work = join(dir, 'work');
  mkdirSync(work, { recursive: true });
  const px = (value: (r: number, c: number) => number, frames = 1) => {
    const b = Buffer.alloc(ROWS * COLUMNS * 2 * frames);
    for (let f = 0; f < frames; f++) for (let r = 0; r < ROWS; r++) for (let c = 0; c < COLUMNS; c++) b.writeUInt16LE(frames > 1 ? storedOf(f, r, c) : value(r, c), ((f * ROWS + r) * COLUMNS + c) * 2);
    return b;
  };
  writeDump2dcm(join(input, 'ct.dcm'), { sopClass: '=CTImageStorage', sopInstanceUid: CT.sop, modality: 'CT', rows: ROWS, columns: COLUMNS, pixels: px(stored), lines: [...common(CT.series), `(0028,1052) DS [${INTERCEPT}]`, `(0028,1053) DS [${SLOPE}]`, '(0028,0120) US 0'] }, work);
  writeDump2dcm(join(input, 'mr.dcm'), { sopClass: '=MRImageStorage', sopInstanceUid: MR.sop, modality: 'MR', rows: ROWS, columns: COLUMNS, pixels: px((r, c) => (r * 3 + c) % 50), lines: common(MR.series) }, work);
  // An Enhanced CT whose two frames differ in Rescale Intercept (Pixel Value Transformation per frame).
  const shared = seq('5200,9229', [item([...seq('0020,9116', [item(['(0020,0037) DS [1\\0\\0\\0\\1\\0]'])]), ...seq('0028,9110', [item(['(0028,0030) DS [0.5\\0.5]', '(0018,0050) DS [5]'])])])]);
  const perFrame = seq('5200,9230', FRAMES.map((intercept, f) => item([...seq('0020,9113', [item([`(0020,0032) DS [0\\0\\${5 * f}]`])]), ...seq('0028,9145', [item([`(0028,1052) DS [${intercept}]`, '(0028,1053) DS [1]', '(0028,1054) LO [HU]'])])])));
  writeDump2dcm(join(input, 'enhanced.dcm'), { sopClass: 'EnhancedCTImageStorage', sopInstanceUid: ENH.sop, modality: 'CT', rows: ROWS, columns: COLUMNS, frames: FRAMES.length, pixels: px(() => 0, FRAMES.length), lines: [...common(ENH.series).filter((l) => !l.startsWith('(0028,0030)')), ...shared, ...perFrame] }, work);
  // A colour photograph by img2dcm: no modality values, no statistics.
  const bmp = join(dir, 'rgb.bmp');
  writeFileSync(bmp, bmp24(COLUMNS, ROWS, (x, y) => [x * 8, y * 10, 100]));
  execFileSync('img2dcm', ['-i', 'BMP', bmp, join(input, 'rgb.dcm'), '-k', `StudyInstanceUID=${STUDY}`, '-k', `SeriesInstanceUID=${RGB.series}`, '-k', `SOPInstanceUID=${RGB.sop}`, '-k', 'PatientName=Stats^Test', '-k', 'PatientID=STATS1'], { stdio: 'pipe' });
}

/** A CSV as Lumen writes it (RFC 4180, CRLF; no cell here holds a line break), as rows keyed by the header. */
function readCsv(text: string): Record<string, string>[] {
  const split = (line: string) => {
    const cells: string[] = [];
    let cell = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (quoted && ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = !quoted;
      else if (ch === ',' && !quoted) {
        cells.push(cell);
        cell = '';
      } else cell += ch;
    }
    return [...cells, cell];
  };
  const [header, ...lines] = text.split('\r\n').filter(Boolean).map(split);
  return lines.map((cells) => {
    expect(cells.length).toBe(header.length);
    return Object.fromEntries(cells.map((v, i) => [header[i], v]));
  });
}

/** dsrdump's measurement groups of an SR: each group's NUMs by concept meaning, as dsrdump prints the values. */
function srGroups(file: string): Record<string, string>[] {
  const text = dsrdump(file);
  const groups: Record<string, string>[] = [];
  for (const line of text.split('\n')) {
    if (/CONTAINER:\([^)]*"Measurement Group"\)/.test(line)) groups.push({});
    const num = /NUM:\([^,]*,[^,]*,"([^"]+)"\)="([^"]*)"/.exec(line);
    if (num && groups.length) groups[groups.length - 1][num[1]] = num[2];
  }
  return groups;
}

const OLD_COLUMNS = ['id', 'kind', 'studyInstanceUid', 'seriesInstanceUid', 'sopInstanceUid', 'frame', 'value', 'unit', 'pixelSpacing', 'points', 'author', 'createdAt'];
const STATS_COLUMNS = ['mean', 'sd', 'min', 'max', 'statsUnit'];

describe('the measurements table', () => {
  it("carries each region's mean, SD, min and max as the SR does, after the old columns, empty where there are none", async () => {
    const input = join(dir, 'in');
    mkdirSync(input, { recursive: true });
    writeImages(input);
    const ellipse: [P, P] = [[10.2, 6.4], [21.7, 15.1]];
    const rect: [P, P] = [[4, 8], [14, 20]];
    const mixed: [P, P] = [[0, 0], [9, 3]];
    const onFrame2: [P, P] = [[3, 2], [25, 19]];
    const lib = join(dir, 'library');
    const library = Library.open(lib);
    try {
      const imported = await library.importPaths([input]);
      // Every image imported, the Enhanced CT's two frames included.
      expect([CT, MR, RGB, ENH].map((s) => library.listInstances(s.series).length), JSON.stringify(imported)).toEqual([1, 1, 1, 1]);
      let t = 0;
      const save = (id: string, s: { series: string; sop: string }, kind: 'ellipse' | 'rectangle' | 'length' | 'probe', points: P[], frame = 0) => library.saveMeasurement({ id, seriesInstanceUid: s.series, sopInstanceUid: s.sop, frame, kind, points, createdAt: `2026-01-01T00:00:${String(++t).padStart(2, '0')}Z` });
      save('ct-ellipse', CT, 'ellipse', ellipse);
      save('ct-rect', CT, 'rectangle', rect);
      save('ct-mixed', CT, 'rectangle', mixed); // padding and values
      save('ct-padding', CT, 'rectangle', [[0, 0], [5, 3]]); // padding only
      save('ct-outside', CT, 'rectangle', [[40, 30], [50, 40]]);
      save('ct-length', CT, 'length', [[1, 1], [20, 20]]);
      save('ct-probe', CT, 'probe', [[12.5, 9.5]]);
      save('mr-rect', MR, 'rectangle', rect);
      save('rgb-rect', RGB, 'rectangle', rect);
      save('enh-frame-2', ENH, 'rectangle', onFrame2, 1);
      save('enh-frame-1', ENH, 'rectangle', onFrame2, 0);
    } finally {
      library.close();
    }

    const csvFile = join(dir, 'measurements.csv');
    const jsonFile = join(dir, 'measurements.json');
    const csvRun = await runLumen(['export', '--csv', 'measurements', '--study', STUDY, '--library', lib, '--out', csvFile], join(dir, 'data'));
    expect(csvRun.code, csvRun.stderr).toBe(0);
    const jsonRun = await runLumen(['export', '--json', 'measurements', '--study', STUDY, '--library', lib, '--out', jsonFile], join(dir, 'data'));
    expect(jsonRun.code, jsonRun.stderr).toBe(0);
    const text = readFileSync(csvFile, 'utf8');
    // The old columns first, in their order, so existing spreadsheets keep working; the statistics after them.
    expect(text.split('\r\n')[0]).toBe([...OLD_COLUMNS, ...STATS_COLUMNS].join(','));
    const rows = readCsv(text);
    const json = JSON.parse(readFileSync(jsonFile, 'utf8'));
    expect(json.columns).toEqual([...OLD_COLUMNS, ...STATS_COLUMNS]);
    const row = (id: string) => rows.find((r) => r.id === id) ?? expect.fail(`no row ${id}: ${rows.map((r) => r.id).join(", ")}; ${csvRun.stdout}`);
    const jsonRow = (id: string) => json.rows.find((r: any) => r.id === id);
    const stats = (id: string) => STATS_COLUMNS.map((c) => row(id)[c]);

    const hu = (r: number, c: number) => (isPad(r, c) ? null : stored(r, c) * SLOPE + INTERCEPT);
    const cases = [
      { id: 'ct-ellipse', want: expected('ellipse', ellipse, hu), unit: 'HU' },
      { id: 'ct-rect', want: expected('rectangle', rect, hu), unit: 'HU' },
      { id: 'ct-mixed', want: expected('rectangle', mixed, hu), unit: 'HU' },
      { id: 'mr-rect', want: expected('rectangle', rect, (r, c) => (r * 3 + c) % 50), unit: '' },
      // Frame 2's own values and Rescale Intercept (-1000), not frame 1's (-1024).
      { id: 'enh-frame-2', want: expected('rectangle', onFrame2, (r, c) => storedOf(1, r, c) + FRAMES[1]), unit: 'HU' },
      { id: 'enh-frame-1', want: expected('rectangle', onFrame2, (r, c) => storedOf(0, r, c) + FRAMES[0]), unit: 'HU' },
    ];
    // Padding is left out of the mixed region: fewer pixels than its box holds.
    expect(cases[2].want!.n).toBe(9 * 3 - 6 * 3);
    for (const { id, want, unit } of cases) {
      expect(want, id).not.toBeNull();
      const [mean, sd, min, max, statsUnit] = stats(id);
      expect(Number(mean), id).toBeCloseTo(want!.mean, 9);
      expect(Number(sd), id).toBeCloseTo(want!.sd, 9);
      expect([Number(min), Number(max), statsUnit], id).toEqual([want!.min, want!.max, unit]);
      // The JSON table: the same numbers, as numbers; no unit is null.
      const j = jsonRow(id);
      expect([j.mean, j.sd, j.min, j.max, j.statsUnit], id).toEqual([Number(mean), Number(sd), Number(min), Number(max), unit || null]);
    }
    // A negative mean is a number in the CSV (a spreadsheet reads it as one), not text made inert.
    expect(row('ct-rect').mean).toMatch(/^-\d/);
    expect(row('ct-rect').value).toBe(String(10 * 12 * 0.25));
    expect(row('enh-frame-2').frame).toBe('2');
    expect(Number(row('enh-frame-2').mean) - Number(row('enh-frame-1').mean)).not.toBeCloseTo(0, 3);
    // No statistics: not a region, only padding inside, outside the image, colour.
    for (const id of ['ct-padding', 'ct-outside', 'ct-length', 'ct-probe', 'rgb-rect']) {
      expect(stats(id), id).toEqual(['', '', '', '', '']);
      const j = jsonRow(id);
      expect([j.mean, j.sd, j.min, j.max, j.statsUnit], id).toEqual([null, null, null, null, null]);
    }
    // The probe keeps its own value and unit in the old columns.
    expect([row('ct-probe').value, row('ct-probe').unit]).toEqual([String(stored(9, 12) * SLOPE + INTERCEPT), 'HU']);

    // The SR of each series (dsrdump): the same mean, SD, min and max as the CSV's, as the SR writes them (8 significant digits).
    const srOf = async (series: string) => {
      const library2 = Library.open(lib);
      try {
        const result = await exportResults(library2, { uid: series, model: null, out: join(dir, `sr-${series}`) });
        return srGroups(result.files.find((f) => f.kind === 'measurements-sr')!.file);
      } finally {
        library2.close();
      }
    };
    const same = (group: Record<string, string>, id: string) => {
      const [mean, sd, min, max] = stats(id).map(Number);
      expect([Number(group.Mean), Number(group['Standard Deviation']), Number(group.Minimum), Number(group.Maximum)], id).toEqual([mean, sd, min, max].map((v) => Number(v.toPrecision(8))));
    };
    const ctGroups = await srOf(CT.series);
    const withMean = ctGroups.filter((g) => g.Mean !== undefined);
    // Ellipse, rectangle and the mixed rectangle have statistics; padding only and outside have their area only.
    expect(withMean.length).toBe(3);
    same(withMean[0], 'ct-ellipse');
    same(withMean[1], 'ct-rect');
    same(withMean[2], 'ct-mixed');
    const enhGroups = (await srOf(ENH.series)).filter((g) => g.Mean !== undefined);
    expect(enhGroups.length).toBe(2);
    same(enhGroups[0], 'enh-frame-2');
    same(enhGroups[1], 'enh-frame-1');
  }, 180_000);
});
